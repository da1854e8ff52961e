# db_ses.py: the sessions. One row of ses per browser tab; its id is the sha256 of the
# token (ses_key), so the table holds nothing that logs anyone in.
import re
import hashlib

from tools.sql import *
from tools.kicreq import kicreq, has_role
from tools.db_users import user_of, roles_of

# what `from tools.db_ses import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["db_ses", "create_new_ses", "check_ses", "is_ses", "add2ses", "is_ses_role", "end_ses", "end_user_ses", "ses_list", "ses_key"]

ses_cols = ("ses_id", "ses_data", "ses_idle", "ses_age", "ses_idle_min", "ses_life_hours", "sis")   # not the user's
tok_re = re.compile(r"^[A-Za-z0-9_\-]{20,128}\Z")


def db_ses(ses):
    # the live session {"id", "user_id", "data", "user", "idle", "page"}, or {} when missing,
    # ended, expired (idle or too old: gen ses_idle_min, ses_life_hours) or its user
    # is off. One query reads the session and its user (user: as get_record gives it, no sis).
    if not is_token(ses):
        return {}
    q = """SELECT u.*, s.id AS ses_id, s.data AS ses_data,
                  TIMESTAMPDIFF(SECOND, s.updated_at, NOW()) AS ses_idle,
                  TIMESTAMPDIFF(SECOND, s.created_at, NOW()) AS ses_age,
                  (SELECT val1 FROM gen WHERE key1 = 'ses_idle_min' AND is_active = 1) AS ses_idle_min,
                  (SELECT val1 FROM gen WHERE key1 = 'ses_life_hours' AND is_active = 1) AS ses_life_hours
           FROM ses s JOIN users u ON u.id = s.user_id AND u.is_active = 1
           WHERE s.id = %s AND s.is_active = 1"""
    k = ses_key(ses)
    rows = sql(q, (k,), 1)[0]
    # ids compare byte for byte: the column's collation ignores case
    if not rows or rows[0]["ses_id"] != k:
        return {}
    w = rows[0]
    idle = float(w["ses_idle_min"] or 60) * 60
    life = float(w["ses_life_hours"] or 12) * 3600
    if w["ses_idle"] > idle or w["ses_age"] > life:
        end_ses(ses)
        return {}
    d = parse_json(w["ses_data"])
    d = d if isinstance(d, dict) else {}
    idle = w["ses_idle"]
    for k in ses_cols:
        w.pop(k, None)      # w is this call's own row: what is left of it is the user
    return {"id": ses, "user_id": w["id"], "data": d, "user": user_of(w), "idle": idle, "page": d.get("page")}


def ses_load(ses):
    # the request's session and its user into the request context; {} when not live
    w = db_ses(ses)
    if not w:
        return {}
    r = kicreq()
    r["ses"] = ses
    r["s"] = w["data"]
    r["row"] = w
    r["u"] = w["user"]
    r["roles"] = roles_of(w["user"])
    return w


def ses_key(ses):
    # the id of the session's row: the hex sha256 of its token (a token has 192 random bits: no salt needed)
    return hashlib.sha256(str(ses).encode()).hexdigest()


def is_token(ses):
    return 1 if isinstance(ses, str) and tok_re.match(ses) else 0


def create_new_ses(user_id, data=None):
    # a new session for the user: a fresh 192-bit token every login
    import secrets   # here, not on top: only a login makes a token (5 ms of import for every other request)
    ses = secrets.token_urlsafe(24)
    insert_to_sql({"table": "ses", "set": {"id": ses_key(ses), "user_id": user_id}, "data": data or {}})
    return ses


def check_ses(ses):
    # 1 when ses is a live session, else 0
    return 1 if db_ses(ses) else 0


# the contract's other name of check_ses: the same function (docs/tools.md teaches check_ses)
is_ses = check_ses


def ses_touch(ses, page="", w=None):
    # the session was used now (idle timer restarts); remember the page shown.
    # w (the db_ses row of this request): no write when it was touched a moment
    # ago and the page is the same one
    if w and w["idle"] < 5 and (not page or w["page"] == page):
        return
    if page:
        sql("UPDATE ses SET updated_at = NOW(), data = JSON_SET(COALESCE(data, '{}'), '$.page', %s) WHERE id = %s", (page, ses_key(ses)))
        return
    sql("UPDATE ses SET updated_at = NOW() WHERE id = %s", (ses_key(ses),))


def add2ses(ses, d):
    # save keys into the session's data: they are in data["s"] on every next page
    if not is_token(ses):
        return {"status": 0, "err": "bad session"}
    return add_to_data("ses", ses_key(ses), d)


def is_ses_role(ses, role):
    # 1 when the user of the live session ses has the role (this request's
    # session: from the request context, no query)
    if ses and ses == kicreq()["ses"]:
        return has_role(role)
    w = db_ses(ses)
    if not w:
        return 0
    return 1 if role in roles_of(w["user"]) else 0


def end_ses(ses):
    # the session is over (logout, expiry): the row stays, inactive
    if not is_token(ses):
        return {"status": 0, "err": "bad session"}
    return insert_to_sql({"table": "ses", "id": ses_key(ses), "set": {"is_active": 0}})


def end_user_ses(user_id, keep=""):
    # every live session of the user ends but keep (the one that changed the password
    # or the second factor: whoever else was logged in logs in again); returns how many
    return sql("UPDATE ses SET is_active = 0 WHERE user_id = %s AND is_active = 1 AND BINARY id != %s",
               (user_id, ses_key(keep) if keep else ""))[1]


def ses_list(r={}):
    # live sessions used within the last r["ttl"] hours (default 12), newest first, as dicts
    # (id: the row's id, the hash; the tokens themselves are nowhere on the server)
    ttl = float(r.get("ttl", 12))
    q = """SELECT s.id, s.user_id, u.username, s.created_at, s.updated_at
           FROM ses s LEFT JOIN users u ON u.id = s.user_id
           WHERE s.is_active = 1 AND s.updated_at > NOW() - INTERVAL %s SECOND
           ORDER BY s.updated_at DESC"""
    rows = sql(q, (int(ttl * 3600),))[0]
    return [{"id": w[0], "user_id": w[1], "username": w[2], "created_at": w[3], "updated_at": w[4]} for w in rows]

# db_ses.py: the sessions. One row of ses per browser tab; its id is the token.
import re
import json
import secrets

from tools.sql import *
from tools.db_users import is_ses_role  # noqa: F401  (is_ses_role lives with the users)

tok_re = re.compile(r"^[A-Za-z0-9_\-]{20,128}$")


def db_ses(ses):
    # the live session {"id", "user_id", "data"}, or {} when missing, ended,
    # expired (idle or too old: gen ses_idle_min, ses_life_hours) or its user is off
    if not is_token(ses):
        return {}
    q = """SELECT s.id, s.user_id, s.data,
                  TIMESTAMPDIFF(SECOND, s.updated_at, NOW()), TIMESTAMPDIFF(SECOND, s.created_at, NOW()),
                  (SELECT val1 FROM gen WHERE key1 = 'ses_idle_min' AND is_active = 1),
                  (SELECT val1 FROM gen WHERE key1 = 'ses_life_hours' AND is_active = 1)
           FROM ses s JOIN users u ON u.id = s.user_id AND u.is_active = 1
           WHERE s.id = %s AND s.is_active = 1"""
    rows = sql(q, (ses,))[0]
    if not rows:
        return {}
    w = rows[0]
    idle = float(w[5] or 60) * 60
    life = float(w[6] or 12) * 3600
    if w[3] > idle or w[4] > life:
        end_ses(ses)
        return {}
    d = parse_json(w[2])
    return {"id": w[0], "user_id": w[1], "data": d if isinstance(d, dict) else {}}


def is_token(ses):
    return 1 if isinstance(ses, str) and tok_re.match(ses) else 0


def create_new_ses(user_id, data=None):
    # a new session for the user: a fresh 192-bit token every login
    ses = secrets.token_urlsafe(24)
    w = insert_to_sql({"table": "ses", "set": {"id": ses, "user_id": user_id}, "data": data or {}})
    if not w["status"]:
        return ""
    return ses


def check_ses(ses):
    # 1 when ses is a live session, else 0
    return 1 if db_ses(ses) else 0


def is_ses(ses):
    return check_ses(ses)


def ses_touch(ses, page=""):
    # the session was used now (idle timer restarts); remember the page shown
    if page:
        sql("UPDATE ses SET updated_at = NOW(), data = JSON_SET(COALESCE(data, '{}'), '$.page', %s) WHERE id = %s", (page, ses))
        return
    sql("UPDATE ses SET updated_at = NOW() WHERE id = %s", (ses,))


def add2ses(ses, d):
    # save keys into the session's data: they are in data["s"] on every next page
    if not is_token(ses):
        return {"status": False, "err": "bad session"}
    return add_to_data("ses", ses, d)


def end_ses(ses):
    # the session is over (logout, expiry): the row stays, inactive
    if not is_token(ses):
        return {"status": False, "err": "bad session"}
    return insert_to_sql({"table": "ses", "id": ses, "set": {"is_active": 0}})


def ses_list(r={}):
    # live sessions used within the last r["ttl"] hours (default 12), newest first, as dicts
    ttl = float(r.get("ttl", 12))
    q = """SELECT s.id, s.user_id, u.username, s.created_at, s.updated_at
           FROM ses s LEFT JOIN users u ON u.id = s.user_id
           WHERE s.is_active = 1 AND s.updated_at > NOW() - INTERVAL %s SECOND
           ORDER BY s.updated_at DESC"""
    rows = sql(q, (int(ttl * 3600),))[0]
    return [{"id": w[0], "user_id": w[1], "username": w[2], "created_at": w[3], "updated_at": w[4]} for w in rows]

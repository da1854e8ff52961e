# db_pwreset.py: the pwreset table: the single-use links that mail proves, of two kinds:
# "forgot password" (data.kind absent) and "confirm a new email address" (data.kind "email",
# data.email the address). The token is only in the mail; the table keeps its sha256, so a
# copy of the database opens no account. A link of one kind never works as the other.
import re
import hashlib
import secrets

from tools.sql import *

# what `from tools.db_pwreset import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["db_pwreset", "pwreset_new", "pwreset_use", "pwreset_email", "pwreset_pending", "pwreset_end"]

token_re = re.compile(r"^[A-Za-z0-9_-]{40,60}\Z")


def db_pwreset(user_id):
    # how many links of the user work now
    m = minutes()
    w = sql("SELECT COUNT(*) FROM pwreset WHERE user_id = %s AND is_active = 1 AND created_at > NOW() - INTERVAL %s MINUTE",
            (user_id, m))[0]
    return w[0][0]


def pwreset_new(user_id, ip, email=""):
    # a new link's token for the user; the older links stop
    # working. email: a link that confirms this new address instead of setting a password
    t = secrets.token_urlsafe(32)
    d = {"ip": str(ip), "kind": "email", "email": email} if email else {"ip": str(ip)}
    begin()
    try:
        # the user's row locked first: two links made at once (two workers) would both stay working
        sql("SELECT id FROM users WHERE id = %s FOR UPDATE", [user_id])
        pwreset_end(user_id)
        insert_to_sql({"table": "pwreset", "set": {"user_id": user_id, "name": hash_of(t)}, "data": d})
        commit()
    except BaseException:
        rollback()
        raise
    return t


def pwreset_use(token, kind=""):
    # the user_id of a working token of the kind ("" forgot password, "email"), used up in the
    # same statement (of two requests with the same token, one gets it); 0 for a token that is
    # unknown, used, expired or of the other kind
    if not isinstance(token, str) or not token_re.match(token):
        return 0
    h = hash_of(token)
    n = sql("""UPDATE pwreset SET is_active = 0 WHERE name = %s AND is_active = 1 AND created_at > NOW() - INTERVAL %s MINUTE
               AND COALESCE(JSON_UNQUOTE(JSON_EXTRACT(data, '$.kind')), '') = %s""", (h, minutes(), kind))[1]
    if n != 1:
        return 0
    w = find_in_sql({"table": "pwreset", "what": "user_id", "where": {"name": h}})
    return w[0] if w else 0


def pwreset_email(token):
    # (user_id, address) of a working "confirm this address" link, used up; (0, "") if none
    uid = pwreset_use(token, "email")
    if not uid:
        return 0, ""
    w = find_in_sql({"table": "pwreset", "what": "data:email", "where": {"name": hash_of(token)}})
    return (uid, w[0]) if w and w[0] else (0, "")


def pwreset_pending(user_id):
    # the address a working "confirm" link of the user would set, or ""
    w = sql("""SELECT JSON_UNQUOTE(JSON_EXTRACT(data, '$.email')) FROM pwreset WHERE user_id = %s AND is_active = 1
               AND created_at > NOW() - INTERVAL %s MINUTE AND JSON_EXTRACT(data, '$.kind') = 'email'""", (user_id, minutes()))[0]
    return w[0][0] if w else ""


def pwreset_end(user_id):
    # every link of the user stops working (a new one was sent, or the password was set)
    sql("UPDATE pwreset SET is_active = 0 WHERE user_id = %s AND is_active = 1", (user_id,))


def hash_of(t):
    return hashlib.sha256(t.encode()).hexdigest()


def minutes():
    # how long a link works: gen pwreset_min (30)
    try:
        return max(1, int(gen_data().get("pwreset_min", {}).get("val", 30)))
    except (TypeError, ValueError):
        return 30

# db_pwreset.py: the pwreset table: the single-use links of "forgot password". The
# token is only in the mail; the table keeps its sha256, so a copy of the database
# opens no account.
import re
import hashlib
import secrets

from tools.sql import *

token_re = re.compile(r"^[A-Za-z0-9_-]{40,60}\Z")


def db_pwreset(user_id):
    # how many links of the user work now
    m = minutes()
    w = sql("SELECT COUNT(*) FROM pwreset WHERE user_id = %s AND is_active = 1 AND created_at > NOW() - INTERVAL %s MINUTE",
            (user_id, m))[0]
    return w[0][0]


def pwreset_new(user_id, ip):
    # a new link's token for the user ("" when it could not be saved); the older links stop working
    t = secrets.token_urlsafe(32)
    pwreset_end(user_id)
    w = insert_to_sql({"table": "pwreset", "set": {"user_id": user_id, "name": hash_of(t)}, "data": {"ip": str(ip)}})
    return t if w["status"] else ""


def pwreset_use(token):
    # the user_id of a working token, used up in the same statement (of two requests with
    # the same token, one gets it); 0 for a token that is unknown, used or expired
    if not isinstance(token, str) or not token_re.match(token):
        return 0
    h = hash_of(token)
    n = sql("UPDATE pwreset SET is_active = 0 WHERE name = %s AND is_active = 1 AND created_at > NOW() - INTERVAL %s MINUTE",
            (h, minutes()))[1]
    if n != 1:
        return 0
    w = find_in_sql({"table": "pwreset", "what": "user_id", "where": {"name": h}})
    return w[0] if isinstance(w, tuple) else 0


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

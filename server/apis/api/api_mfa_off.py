# api_mfa_off.py: {p, code} turns two-step login off: the current password and a current code
# (tools/reauth.py).
from tools.sql import *
from tools.kicapi import *
from tools.db_ses import end_user_ses
from tools.db_users import my_user
from tools.reauth import reauth


def api_mfa_off(data):
    uid = data["s"]["my_user_id"]
    m = my_user().get("mfa") or {}     # read with the session: no query
    if not m.get("on"):
        api_ok({"mfa": 0})
        return
    u = reauth(data, "p", "code")
    if not u:
        return
    m = u["data"]["mfa"]
    add_to_data("users", uid, "mfa", {"on": 0, "last": m.get("last", 0)})
    n = end_user_ses(uid, data["ses"])     # a second factor changed: other sessions log in again
    api_ok({"mfa": 0, "ended": n})

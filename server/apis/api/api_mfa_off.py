# api_mfa_off.py: {code} turns two-step login off (a current code is needed).
from tools.sql import *
from tools.kicapi import *
from tools.kictotp import check_totp
from tools.db_ses import end_user_ses


def api_mfa_off(data):
    uid = data["s"]["my_user_id"]
    m = get_data("users", uid).get("mfa") or {}
    if not m.get("on"):
        api_ok({"mfa": 0})
        return
    step = check_totp(m.get("secret", ""), data["post"]["input"].get("code", ""), m.get("last", 0))
    if not step:
        api_err("Wrong or used code", {"fld": "code"})
        return
    add_to_data("users", uid, "mfa", {"on": 0, "last": step})
    n = end_user_ses(uid, data["ses"])     # a second factor changed: other sessions log in again
    api_ok({"mfa": 0, "ended": n})

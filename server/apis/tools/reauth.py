# reauth.py: a fresh proof before a change that could hand the account to someone else (the
# email address, the password, two-step login): the current password and, when two-step login
# is on, a current code. A session alone is not enough: its token travels in every page URL.
# Wrong guesses count as failed logins (tools/throttle.py), so a session cannot test passwords.
from tools.sql import *
from tools.kicapi import *
from tools.kicweb import client_ip
from tools.db_users import check_pw, use_step
from tools.db_log import add_log_apart
from tools.kictotp import check_totp
from tools.throttle import throttle, throttle_ok, throttle_fail, wait_text

# what `from tools.reauth import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["reauth"]


def reauth(data, pfld="p", cfld="code"):
    # the user's record when the input holds the proof, else None (api_err has answered)
    i = data["post"]["input"]
    u = get_record("users", data["s"]["my_user_id"])
    ip = client_ip()
    wait = throttle(u["username"], ip)
    if wait:
        api_err(f"Too many wrong passwords. Try again in {wait_text(wait['wait'])}.", {"fld": pfld, "wait": wait["wait"]})
        return None
    m = (u.get("data") or {}).get("mfa") or {}
    ok = check_pw(str(i.get(pfld, "") or ""), u.get("sis"))
    step = 0
    if ok and m.get("on"):
        step = check_totp(m.get("secret", ""), str(i.get(cfld, "") or "").strip()[:12], m.get("last", 0))
        ok = 1 if step and use_step(u["id"], step) else 0      # each code works once, here too, also raced
    if not ok:
        throttle_fail(u["username"], ip)
        add_log_apart("login_fail", u["username"], {"u": u["username"], "ip": ip, "on": str(data.get("meth", ""))[:60]})
        msg = "The current password or the code is wrong" if m.get("on") else "The current password is wrong"
        api_err(msg, {"fld": pfld})
        return None
    if step:
        m["last"] = step      # the record as it is now (api_mfa_off keeps it)
    throttle_ok(u["username"], ip, 0)
    return u

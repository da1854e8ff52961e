# api_login.py: {u, p[, code]} -> a new session. The same answer for an unknown user
# and a wrong password, at the same cost; failures are counted by tools/throttle.py
# before the password is checked (what it allows is written there).
from tools.sql import *
from tools.kicapi import *
from tools.kicweb import client_ip
from tools.db_users import *
from tools.db_ses import *
from tools.db_log import *
from tools.kictotp import check_totp
from tools.throttle import throttle, throttle_ok, wait_text


def api_login(data):
    i = data["post"]["input"]
    if not isinstance(i, dict):
        api_err("username and password are needed")
        return
    u = norm_user(str(i.get("u", "")))[:255]
    p = str(i.get("p", ""))[:1024]
    code = str(i.get("code", "") or "").strip()[:12]
    ip = client_ip()
    w = db_users(u)
    m = (w.get("data") or {}).get("mfa") or {} if w else {}
    # a code lets a user with two-step login past the slow-down of their name; then a wrong
    # password and a wrong code get the same answer, so the code is no way to test passwords
    bycode = 1 if code and m.get("on") else 0
    wait = throttle(u, ip, bycode)
    if wait:
        msg = f"Too many failed logins. Try again in {wait_text(wait['wait'])}."
        if wait["slow"]:
            msg = f"Too many failed logins for this user. Try again in {wait_text(wait['wait'])}, or add the code of your authenticator app."
        api_err(msg, {"wait": wait["wait"], "mfa": wait["slow"]})
        return
    ok = check_pw(p, w.get("sis") if w else None)
    if not u or not w or not ok:
        failed(u, ip)
        api_err("Wrong username, password or code" if bycode else "Wrong username or password")
        return
    if m.get("on") and not mfa_ok(w, m, code, ip):
        return
    ses = create_new_ses(w["id"])
    if not ses:
        api_err("Could not start a session, please try again")
        return
    throttle_ok(u, ip)
    add_log("login", u, {"uid": w["id"], "ip": ip})
    api_ok({"ses": ses})


def failed(u, ip):
    add_log("login_fail", u, {"u": u, "ip": ip})


def mfa_ok(w, m, code, ip):
    # two-step login: the password was right, now the 6-digit code; each code works once
    if not code:
        throttle_ok(w["username"], ip, 0)   # the password was right: not a failure, not yet known
        api_err("Enter the 6-digit code of your authenticator app", {"mfa": 1})
        return 0
    step = check_totp(m.get("secret", ""), code, m.get("last", 0))
    if not step:
        failed(w["username"], ip)
        api_err("Wrong username, password or code", {"mfa": 1})
        return 0
    m["last"] = step
    add_to_data("users", w["id"], "mfa", m)
    return 1

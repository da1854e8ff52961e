# api_login.py: {u, p[, code]} -> a new session. The same answer for an unknown user
# and a wrong password, at the same cost; failures are counted by tools/throttle.py
# before the password is checked (what it allows is written there).
from tools.sql import *
from tools.kicapi import *
from tools.kicweb import client_ip
from tools.db_users import *
from tools.db_users import use_step
from tools.db_ses import *
from tools.db_log import *
from tools.kictotp import check_totp
from tools.throttle import throttle, throttle_ok, throttle_fail, wait_text


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
    on = 1 if m.get("on") else 0
    # every failure is the same answer, so nothing tells whether the password was right, the
    # user exists or has two-step login. A login that brings a code skips the slow-down of the
    # username (tools/throttle.py): it succeeds only when the password and a current code are both
    # right, which leaves a guesser nothing to learn. A code sent for a user without two-step
    # login never succeeds (else a code would switch the slow-down off for a password alone).
    wait = throttle(u, ip, 1 if code else 0)
    if wait:
        api_err(refusal(wait), {"wait": wait["wait"]})
        return
    if w and too_many(w["id"]):
        api_err("Too many new sessions for this user in the last minute. Try again in a minute.", {"wait": 60})
        return
    ok = check_pw(p, w.get("sis") if w else None)
    step = check_totp(m.get("secret", ""), code, m.get("last", 0)) if ok and on else 0
    # each code works once (use_step: also when logins bringing it race)
    if not u or not w or not ok or (on and not step) or (code and not on) or (step and not use_step(w["id"], step)):
        failed(u, ip)
        api_err("Wrong username, password or code")
        return
    ses = create_new_ses(w["id"])
    if not ses:
        api_err("Could not start a session, please try again")
        return
    throttle_ok(u, ip)
    add_log("login", u, {"uid": w["id"], "ip": ip})
    api_ok({"ses": ses})


def too_many(uid):
    # 1 when the user opened gen ses_new_max sessions (10) in the last minute: only the
    # holder of the password can get here, and its logins must not take the server from others
    g = gen_data().get("ses_new_max", {}).get("val", 10)
    most = int(g) if str(g).isdigit() else 10
    w = sql("SELECT COUNT(*) FROM ses WHERE user_id = %s AND created_at > NOW() - INTERVAL 60 SECOND", (uid,))[0]
    return 1 if w[0][0] >= most else 0


def refusal(wait):
    # the same words for every name (existing or not): the slow-down of a name guessed from
    # everywhere holds its owner too, until a "forgot password" link makes this address known
    t = f"Too many failed logins. Try again in {wait_text(wait['wait'])}."
    if not wait.get("slow"):
        return t
    return t + " Or use \"Forgot password\": its link lets you in from here at once."


def failed(u, ip):
    throttle_fail(u, ip)
    add_log_apart("login_fail", u, {"u": u, "ip": ip})

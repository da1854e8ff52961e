# api_login.py: {u, p} -> a new session. The same answer for an unknown user and
# a wrong password; too many failures (per user or address) are refused for a while.
from tools.sql import *
from tools.kicapi import *
from tools.kicweb import client_ip
from tools.db_users import *
from tools.db_ses import *
from tools.db_log import *
from tools.kictotp import check_totp


def api_login(data):
    i = data["post"]["input"]
    if not isinstance(i, dict):
        api_err("username and password are needed")
        return
    u = str(i.get("u", "")).strip()[:255]
    p = str(i.get("p", ""))[:1024]
    ip = client_ip()
    wait = throttled(u, ip)
    if wait:
        api_err(f"Too many failed logins. Try again in {wait} minutes.", {"wait": wait})
        return
    w = db_users(u)
    ok = check_pw(p, w.get("sis") if w else None)
    if not u or not w or not ok:
        add_log("login_fail", u, {"u": u, "ip": ip})
        api_err("Wrong username or password")
        return
    m = (w.get("data") or {}).get("mfa") or {}
    if m.get("on") and not mfa_ok(w, m, i, ip):
        return
    ses = create_new_ses(w["id"])
    if not ses:
        api_err("Could not start a session, please try again")
        return
    add_log("login", u, {"uid": w["id"], "ip": ip})
    api_ok({"ses": ses})


def throttled(u, ip):
    # minutes to wait when the user or the address failed too often lately, else 0
    g = gen_data()
    most = int(g.get("login_fail_max", {}).get("val", 5))
    mins = float(g.get("login_fail_min", {}).get("val", 15))
    q = """SELECT SUM(send_text = %s), SUM(JSON_UNQUOTE(JSON_EXTRACT(data, '$.ip')) = %s) FROM logs
           WHERE act_type = 'login_fail' AND is_active = 1 AND created_at > NOW() - INTERVAL %s SECOND"""
    w = sql(q, (u, ip, int(mins * 60)))[0][0]
    if int(w[0] or 0) >= most or int(w[1] or 0) >= most:
        return max(1, round(mins))
    return 0


def mfa_ok(w, m, i, ip):
    # two-step login: the password was right, now the 6-digit code; each code works once
    code = str(i.get("code", "") or "").strip()
    if not code:
        api_err("Enter the 6-digit code of your authenticator app", {"mfa": 1})
        return 0
    step = check_totp(m.get("secret", ""), code, m.get("last", 0))
    if not step:
        add_log("login_fail", w["username"], {"u": w["username"], "ip": ip, "mfa": 1})
        api_err("Wrong or used code", {"mfa": 1})
        return 0
    m["last"] = step
    add_to_data("users", w["id"], "mfa", m)
    return 1

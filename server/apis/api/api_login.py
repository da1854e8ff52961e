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
        failed(u, ip)
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


def limits():
    # (failures allowed, the window and the block in seconds) from gen
    g = gen_data()
    return int(g.get("login_fail_max", {}).get("val", 5)), int(float(g.get("login_fail_min", {}).get("val", 15)) * 60)


def recent(act, u, ip, secs):
    # (rows for this username, rows for this address, seconds since the newest) of act in the last secs
    q = """SELECT SUM(send_text = %s), SUM(JSON_UNQUOTE(JSON_EXTRACT(data, '$.ip')) = %s),
                  TIMESTAMPDIFF(SECOND, MAX(created_at), NOW())
           FROM logs WHERE act_type = %s AND is_active = 1 AND created_at > NOW() - INTERVAL %s SECOND
           AND (send_text = %s OR JSON_UNQUOTE(JSON_EXTRACT(data, '$.ip')) = %s)"""
    w = sql(q, (u, ip, act, secs, u, ip))[0][0]
    return int(w[0] or 0), int(w[1] or 0), w[2]


def throttled(u, ip):
    # minutes left when the user or the address is blocked, else 0
    most, secs = limits()
    nu, nip, ago = recent("login_block", u, ip, secs)
    if nu or nip:
        return max(1, -(-(secs - int(ago or 0)) // 60))
    return 0


def failed(u, ip):
    # a failure; the one that reaches the limit blocks the user and the address for the whole window
    add_log("login_fail", u, {"u": u, "ip": ip})
    most, secs = limits()
    nu, nip, ago = recent("login_fail", u, ip, secs)
    if nu >= most or nip >= most:
        add_log("login_block", u, {"u": u, "ip": ip})


def mfa_ok(w, m, i, ip):
    # two-step login: the password was right, now the 6-digit code; each code works once
    code = str(i.get("code", "") or "").strip()
    if not code:
        api_err("Enter the 6-digit code of your authenticator app", {"mfa": 1})
        return 0
    step = check_totp(m.get("secret", ""), code, m.get("last", 0))
    if not step:
        failed(w["username"], ip)
        api_err("Wrong or used code", {"mfa": 1})
        return 0
    m["last"] = step
    add_to_data("users", w["id"], "mfa", m)
    return 1

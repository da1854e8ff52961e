# api_password.py: {old, new} changes the logged-in user's password. Wrong guesses at
# the current password count as failed logins (tools/throttle.py); a change ends the
# user's other sessions.
from tools.sql import *
from tools.kicapi import *
from tools.kicweb import client_ip
from tools.db_users import *
from tools.db_ses import end_user_ses
from tools.db_log import add_log
from tools.throttle import throttle, throttle_ok


def api_password(data):
    i = data["post"]["input"]
    uid = data["s"]["my_user_id"]
    u = get_record("users", uid)
    ip = client_ip()
    wait = throttle(u["username"], ip)
    if wait:
        api_err(f"Too many wrong passwords. Try again in {wait['wait']} seconds.", {"fld": "old", "wait": wait["wait"]})
        return
    if not check_pw(str(i.get("old", "")), u.get("sis")):
        add_log("login_fail", u["username"], {"u": u["username"], "ip": ip, "on": "password"})
        api_err("The current password is wrong", {"fld": "old"})
        return
    throttle_ok(u["username"], ip, 0)
    new = kic_refine("New password", i.get("new"), {"strip": 0, "min": 8, "max": 200})
    if isinstance(new, dict):
        api_err(new["err"], {"fld": "new"})
        return
    set_pw(uid, new)
    n = end_user_ses(uid, data["ses"])
    add_log("password", u["username"], {"uid": uid, "ip": ip, "ended": n})
    api_ok({"ended": n})

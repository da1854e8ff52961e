# api_password.py: {old, new[, code]} changes the logged-in user's password. The proof is the
# current password, and the code when two-step login is on (tools/reauth.py). A change ends the
# user's other sessions and every "forgot password" link.
from tools.sql import *
from tools.kicapi import *
from tools.kicweb import client_ip
from tools.db_users import *
from tools.db_users import hash_pw
from tools.db_ses import end_user_ses
from tools.db_log import add_log
from tools.db_pwreset import pwreset_end
from tools.reauth import reauth


def api_password(data):
    i = data["post"]["input"]
    new = kic_refine("New password", i.get("new"), {"strip": 0, "min": 8, "max": 200})
    if isinstance(new, dict):
        api_err(new["err"], {"fld": "new"})
        return
    # the new hash first, whether the current password is right or not: the two cost the same time,
    # also for a call sent again whose writes are undone (dispatch.py)
    sis = hash_pw(new)
    u = reauth(data, "old", "code")
    if not u:
        return
    set_pw(u["id"], new, sis)
    pwreset_end(u["id"])
    n = end_user_ses(u["id"], data["ses"])
    add_log("password", u["username"], {"uid": u["id"], "ip": client_ip(), "ended": n})
    api_ok({"ended": n})

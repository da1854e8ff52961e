# api_password.py: {old, new} changes the logged-in user's password.
from tools.sql import *
from tools.kicapi import *
from tools.db_users import *


def api_password(data):
    i = data["post"]["input"]
    uid = data["s"]["my_user_id"]
    u = get_record("users", uid)
    if not check_pw(str(i.get("old", "")), u.get("sis")):
        api_err("The current password is wrong", {"fld": "old"})
        return
    new = kic_refine("New password", i.get("new"), {"strip": 0, "min": 8, "max": 200})
    if isinstance(new, dict):
        api_err(new["err"], {"fld": "new"})
        return
    set_pw(uid, new)
    api_ok()

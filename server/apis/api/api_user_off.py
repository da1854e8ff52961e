# api_user_off.py: {id} deactivates a user and ends their sessions and reset links (admin only).
from tools.sql import *
from tools.kicapi import *
from tools.kicweb import need_role
from tools.db_log import *
from tools.db_ses import end_user_ses
from tools.db_pwreset import pwreset_end


def api_user_off(data):
    need_role(data, "admin")
    uid = api_id(data["post"]["input"])
    if not uid:
        api_err("No such user")
        return
    if uid == data["s"]["my_user_id"]:
        api_err("You cannot deactivate yourself")
        return
    if not find_in_sql({"table": "users", "what": "id", "fld": "id", "val": uid}):
        api_err("No such user")
        return
    insert_to_sql({"table": "users", "id": uid, "set": {"is_active": 0}})
    end_user_ses(uid)     # every session of the user ends
    pwreset_end(uid)      # a mailed link must not bring a deactivated user back
    add_log("user_off", str(uid), {"by": data["s"]["my_user_id"]})
    api_ok()

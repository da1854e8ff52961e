# api_t_kit_del.py: {id} ends one of the caller's rows (is_active = 0; tests/kit).
from tools.sql import *
from tools.kicapi import *
from tools.db_t_kit import *


def api_t_kit_del(data):
    w = t_kit_set(data["s"]["my_user_id"], api_id(data["post"]["input"]), {"is_active": 0})
    if not w["status"]:
        api_err("No such row")
        return
    api_ok()

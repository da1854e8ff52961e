# api_todo_del.py: {id} deletes one of the user's todos (is_active = 0: rows are never deleted).
from tools.kicapi import *
from tools.db_todo import *


def api_todo_del(data):
    w = todo_set(data["s"]["my_user_id"], api_id(data["post"]["input"]), {"is_active": 0})
    if not w["status"]:
        api_err("No such todo")
        return
    api_ok()

# api_todo_add.py: {name} -> a new todo of the logged-in user.
from tools.kicapi import *
from tools.db_todo import *


def api_todo_add(data):
    c = todo_chk(data["post"]["input"])
    if not c["status"]:
        api_err(c["err"], {"fld": c["fld"]})
        return
    w = todo_add(data["s"]["my_user_id"], c["name"])
    if not w["status"]:
        api_err(f"You have {w['quota']} todos, the most there may be: delete some first", {"fld": "name"})
        return
    api_ok({"id": w["id"]})

# api_todo_edit.py: {id, name} renames one of the user's todos.
from tools.kicapi import *
from tools.db_todo import *


def api_todo_edit(data):
    i = data["post"]["input"]
    c = todo_chk(i)
    if not c["status"]:
        api_err(c["err"], {"fld": c["fld"]})
        return
    w = todo_set(data["s"]["my_user_id"], api_id(i), {"name": c["name"]})
    if not w["status"]:
        api_err("No such todo")
        return
    api_ok()


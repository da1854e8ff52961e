# api_todo_list.py: {flt: all|open|done} -> the user's todos.
from tools.kicapi import *
from tools.db_todo import *


def api_todo_list(data):
    flt = str(data["post"]["input"].get("flt", "all"))
    api_ok({"todos": todo_list(data["s"]["my_user_id"], flt), "count": db_todo(data["s"]["my_user_id"])})

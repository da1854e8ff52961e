# api_todo_done.py: {id, done: 0|1} marks one of the user's todos done or not.
from tools.kicapi import *
from tools.db_todo import *


def api_todo_done(data):
    i = data["post"]["input"]
    done = 1 if str(i.get("done", 1)) in ("1", "True", "true") else 0
    w = todo_set(data["s"]["my_user_id"], api_id(i), {"done": done})
    if not w["status"]:
        api_err("No such todo")
        return
    api_ok({"done": done})

# api_todo_list.py: {flt: all|open|done, offset, limit} -> the user's todos, newest first, a page at a
# time (100 at most): "next" is the offset of the next page when there is one.
from tools.kicapi import *
from tools.db_todo import *


def api_todo_list(data):
    i = data["post"]["input"]
    uid = data["s"]["my_user_id"]
    flt = str(i.get("flt", "all"))
    off, n = api_paging(i)
    rows = todo_list(uid, flt, n + 1, off)
    ans = {"todos": rows[:n], "count": db_todo(uid)}
    if len(rows) > n:
        ans["next"] = off + n
    api_ok(ans)

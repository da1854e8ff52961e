# api_t_kit_list.py: {offset, limit} -> the caller's rows of t_kit, a page at a time (tests/kit: a method
# that reads): "next" when there are more.
from tools.sql import *
from tools.kicapi import *
from tools.db_t_kit import *


def api_t_kit_list(data):
    uid = data["s"]["my_user_id"]
    off, n = api_paging(data["post"]["input"])
    rows = t_kit_list(uid, n + 1, off)
    ans = {"items": rows[:n], "count": db_t_kit(uid)}
    if len(rows) > n:
        ans["next"] = off + n
    api_ok(ans)

# db_t_kit.py: the table of the framework's tests (tests/kit): t_kit_list, t_kit_add, t_kit_set.
# Every call takes the owner's user_id: a user reaches only their own rows.
from tools.sql import *

name_rule = ("Name", {"min": 1, "max": 200, "regex": r"[^\x00-\x1f\x7f]*"})
# what may be edited in place (tools/kicedit.py): the name, by the row's owner
edits = {"name": {"check": name_rule, "owner": "user_id"}}


def db_t_kit(user_id):
    # how many active rows the user has
    w = find_in_sql({"table": "t_kit", "what": "count(*)", "where": {"user_id": user_id}, "is_active": 1})
    return w[0] if w else 0


def t_kit_list(user_id, limit=100, offset=0):
    w = find_in_sql({"table": "t_kit", "what": "id,name", "where": {"user_id": user_id}, "is_active": 1,
                     "sort": "id", "desc": 1, "limit": f"{int(offset)},{int(limit)}", "all": 1}) or []
    return [{"id": t[0], "name": t[1]} for t in w]


def t_kit_add(user_id, name):
    return insert_in_quota({"table": "t_kit", "set": {"user_id": user_id, "name": name}, "data": {}}, user_id)


def t_kit_set(user_id, id, s):
    # change the user's own row; status 0 when it is not theirs
    if not find_in_sql({"table": "t_kit", "what": "id", "where": {"id": id, "user_id": user_id}, "is_active": 1}):
        return {"status": 0, "err": "no such row"}
    return insert_to_sql({"table": "t_kit", "id": {"id": id, "user_id": user_id}, "set": s})

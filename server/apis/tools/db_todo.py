# db_todo.py: the todo table, the db_<table>.py way: todo_list, todo_get, todo_chk, todo_add.
# Every call takes the owner's user_id: a user reaches only their own todos.
from tools.sql import *
from tools.kicapi import api_id

# what `from tools.db_todo import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["db_todo", "todo_list", "todo_get", "todo_chk", "todo_add", "todo_set"]

# a title: kept as typed (pages escape it); only control characters are refused
name_rule = ("Title", {"min": 1, "max": 200, "regex": r"[^\x00-\x1f\x7f]*"})
# what may be edited in place (tools/kicedit.py): the title, by the todo's owner
edits = {"name": {"check": name_rule, "owner": "user_id"}}


def db_todo(user_id):
    # how many open and done todos the user has: {"open": n, "done": n}
    w = find_in_sql({"table": "todo", "what": "done,count(*)", "where": {"user_id": user_id}, "is_active": 1,
                     "grp": "done", "all": 1}) or []
    d = {"open": 0, "done": 0}
    for t in w:
        d["done" if t[0] else "open"] = t[1]
    return d


def todo_list(user_id, flt="all", limit=100, offset=0):
    # the user's active todos as dicts, newest first, limit of them from offset; flt: all, open, done
    where = {"user_id": user_id}
    if flt in ("open", "done"):
        where["done"] = 1 if flt == "done" else 0
    w = find_in_sql({"table": "todo", "what": "id,name,done,created_at", "where": where, "is_active": 1,
                     "sort": "id", "desc": 1, "limit": f"{int(offset)},{int(limit)}", "all": 1}) or []
    return [{"id": t[0], "name": t[1], "done": t[2], "created_at": t[3]} for t in w]


def todo_get(user_id, id):
    # one active todo of the user as a dict, or {} (also when it is someone else's)
    w = find_in_sql({"table": "todo", "what": "id,name,done", "where": {"id": id, "user_id": user_id}, "is_active": 1})
    if not w:
        return {}
    return {"id": w[0], "name": w[1], "done": w[2]}


def todo_chk(i):
    # clean and check the input of a todo: {"status": 1, "name": ..} or {"status": 0, "err": .., "fld": ..}
    name = kic_refine(name_rule[0], i.get("name"), name_rule[1])
    if isinstance(name, dict):
        return {"status": 0, "err": name["err"], "fld": "name"}
    return {"status": 1, "name": name}


def todo_add(user_id, name):
    # {"status": 0, "err": "quota", "quota": n} when the user has config.py quotas["todo"] todos already
    return insert_in_quota({"table": "todo", "set": {"user_id": user_id, "name": name}, "data": {}}, user_id)


def todo_set(user_id, id, s):
    # change the user's own todo; {"status": 0} when it is not theirs
    if not todo_get(user_id, id):
        return {"status": 0, "err": "no such todo"}
    return insert_to_sql({"table": "todo", "id": {"id": id, "user_id": user_id}, "set": s})

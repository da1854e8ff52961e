# db_log.py: the logs table: what happened, and later what came back.
from tools.sql import *
from tools.sql import apart

# what `from tools.db_log import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["db_log", "add_log", "add_log_res", "add_log_apart"]


def db_log(n=50, act_type=""):
    # the newest n log rows (of one act_type when given), as tuples
    r = {"table": "logs", "what": "id,act_type,send_text,response,created_at", "sort": "id", "desc": 1, "all": 1, "limit": int(n)}
    if act_type:
        r["where"] = {"act_type": act_type}
    return find_in_sql(r) or []


def add_log(act_type, send_text, data=""):
    # a new log row; returns its id
    w = insert_to_sql({"table": "logs", "set": {"act_type": act_type, "send_text": str(send_text)},
                       "data": data if isinstance(data, dict) else ({"text": data} if data else {})})
    return w["id"]


def add_log_apart(act_type, send_text, data=""):
    # add_log, committed on its own whatever becomes of the request's transaction (a failed
    # password check: a call sent again and undone keeps it)
    return apart(add_log, act_type, send_text, data)


def add_log_res(log_id, response):
    # the answer to the logged action
    return insert_to_sql({"table": "logs", "id": log_id, "set": {"response": str(response)}})

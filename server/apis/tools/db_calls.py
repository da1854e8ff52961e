# db_calls.py: the calls table: the answers of the API calls that wrote, by request id.
# call_server sends every call with a request id ("rid" in info) and sends it again, with the
# same id, when no answer came. dispatch.py runs a call of a logged-in user so that its writes
# and its answer commit together (sql.py opens the transaction at the call's first write): a
# second try of a call that got through finds the first answer here and writes nothing.
import re
import json
import hashlib

from tools.sql import *

# what `from tools.db_calls import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["db_calls"]

rid_re = re.compile(r"^[A-Za-z0-9_-]{16,64}\Z")


def db_calls(user_id, rid):
    # the first answer (status, answer) of the user's call rid, or None when none was kept
    w = sql("SELECT data FROM calls WHERE name = %s", (call_key(user_id, rid),))[0]
    if not w:
        return None
    d = parse_json(w[0][0])
    return d.get("status", 200), d.get("answer", {})


def call_key(user_id, rid):
    # one user's request id is nobody else's
    return hashlib.sha256(f"{user_id}:{rid}".encode()).hexdigest()


def is_rid(rid):
    return 1 if isinstance(rid, str) and rid_re.match(rid) else 0


def call_keep(user_id, rid, status, answer):
    # the answer of the call, in the transaction of its writes: 1, or 0 when a try of the same
    # call has kept its answer first (the caller then undoes this try's writes)
    d = json.dumps({"status": status, "answer": answer}, ensure_ascii=False, default=str, allow_nan=False)
    try:
        sql("INSERT INTO calls (user_id, name, data) VALUES (%s, %s, %s)", (user_id, call_key(user_id, rid), d))
    except SqlError as e:
        if e.errno == 1062:
            return 0
        raise
    return 1

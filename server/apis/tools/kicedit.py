# kicedit.py: inline editing (client/lib/kicedit.js). A page shows a value that may be edited
# in place with
#     kicedit(data, "todo", t["id"], "name", t["name"])
# The value is drawn with a mark the server signs for this session, this row and this field
# only. A click turns it into a field; Enter saves it through api_edit, which checks the mark,
# that the table's db_<table>.py lets the field be edited (its `edits`), that the session's
# user may change the row (its owner, or a role), and the value (kic_refine, the field's rules).
# In db_<table>.py:
#     edits = {"name": {"check": ("Title", {"min": 1, "max": 200}), "owner": "user_id"}}
# ("owner": the column that holds the user's id; "role": a role that may change every row.)
import os
import re
import hmac
import functools
import hashlib
import importlib

import config
from tools.sql import *
from tools.kicutil import esc
from tools.kicapi import api_id
from tools.kicreq import has_role

# what `from tools.kicedit import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["kicedit"]

table_re = re.compile(r"^[a-z][a-z0-9_]{0,40}\Z")
field_re = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,40}\Z")
here = os.path.dirname(os.path.abspath(__file__))
no = "This value may not be edited here"


def kicedit(data, table, id, field, value):
    # the value (escaped) as an inline-editable element, with its error line after it
    if not table_re.match(str(table)) or not field_re.match(str(field)) or type(id) is not int:
        raise ValueError(f"kicedit: a table, an int id and a field, not {table!r}, {id!r}, {field!r}")
    e = f"ed_{table}_{id}_{field}"
    k = edit_key(data["ses"], table, id, field)
    return f"""<span class=kicedit id={e} tabindex=0 title="{esc("click to edit")}" data-t={table} data-i={id} data-f={field} data-k={k}
      onclick="kic_edit('{e}')" onkeydown="kic_edit_key(event, '{e}')">{esc(value)}</span><span class="kicerr text-danger small ms-1" id={e}_err role=alert></span>"""


def edit_key(ses, table, id, field):
    # the mark: an HMAC of the session, table, row and field under the site's own key
    m = f"{ses}\0{table}\0{id}\0{field}".encode("utf-8", "replace")
    return hmac.new(secret(), m, hashlib.sha256).hexdigest()[:40]


@functools.lru_cache(maxsize=1)
def secret():
    # once per process; derived from the database password of config.py: secret to the server, nothing to set up
    d = getattr(config, "db", {}) or {}
    return hashlib.sha256(b"flyton kicedit\0" + f"{d.get('password', '')}\0{d.get('name', '')}".encode()).digest()


def edit_rule(table, field):
    # the rule of db_<table>.py's edits for field, or None (no such table tool or field)
    if not isinstance(table, str) or not table_re.match(table) or not isinstance(field, str) or not field_re.match(field):
        return None
    if not os.path.isfile(os.path.join(here, f"db_{table}.py")):
        return None
    r = getattr(importlib.import_module(f"tools.db_{table}"), "edits", {}).get(field)
    return r if isinstance(r, dict) and r.get("check") else None


def edit_save(ses, uid, i):
    # api_edit's work: {t, i, f, k, v} -> {"status": 1, "v": the value as saved} or {"status": 0, "err": ..};
    # uid and its roles: this request's user
    t, f, id = i.get("t"), i.get("f"), api_id(i, "i")
    r = edit_rule(t, f)
    if not id or not r or not hmac.compare_digest(str(i.get("k", ""))[:100], edit_key(ses, t, id, f)):
        return {"status": 0, "err": no}
    owner = r.get("owner", "")
    w = find_in_sql({"table": t, "what": owner or "id", "where": {"id": id}, "is_active": 1})
    if not w:
        return {"status": 0, "err": "This row is not there any more"}
    if not ((owner and w[0] == uid) or (r.get("role") and has_role(r["role"]))):
        return {"status": 0, "err": no}
    name, rules = r["check"]
    if not isinstance(i.get("v"), str):
        return {"status": 0, "err": f"{name}: a value is text"}
    v = kic_refine(name, i.get("v"), rules)
    if isinstance(v, dict):
        return {"status": 0, "err": v["err"]}
    insert_to_sql({"table": t, "id": id, "set": {f: v}})
    return {"status": 1, "v": v}

# users.py: the admin's page: the users, 50 a page, found by username; their todos, and a
# button to deactivate one. Paged in the database, so 100,000 users cost as little as 50.
from tools.sql import *
from tools.kicutil import *
from tools.kicasset import lib_js
from tools.kiclang import *
from tools.kicweb import need_role
from tools.db_tab import list_tab_dict
from tools.kicedit import kicedit


per_page = 50
cols = "id,username,FirstName,LastName,Roles,is_active"


def users(data):
    need_role(data, "admin")
    ses = data["ses"]
    q = str(data.get("q", "")).strip()[:60]
    where = {"username": ("like", q)} if q else {}
    n = count_in_sql({"table": "users", "where": where})[0]
    last = max(1, -(-n // per_page))
    pg = min(page_no(data.get("pg")), last)
    w = find_in_sql({"table": "users", "what": cols, "where": where, "sort": "id",
                     "limit": f"{(pg - 1) * per_page},{per_page}", "all": 1})
    found = [dict(zip(cols.split(","), t)) for t in w or []]
    state = list_tab_dict("users", "is_active")
    counts = todo_counts([u["id"] for u in found])
    rows = "".join(user_row(data, u, state, counts.get(u["id"], 0)) for u in found)
    shown = f"{(pg - 1) * per_page + 1}-{(pg - 1) * per_page + len(found)}" if found else "0"
    prev = pager(ses, q, pg - 1, txt("Previous"), "users_prev") if pg > 1 else ""
    nxt = pager(ses, q, pg + 1, txt("Next"), "users_next") if pg < last else ""
    find = kicbutton("users", ses, txt("Find"), "btn btn-outline-primary btn-sm", {"use": "q"})
    h = f"""<div class=col-12>
      <h1 class=h4>{txt("Users")}</h1>
      <div class="d-flex flex-wrap gap-2 align-items-center mb-2">
        <input class="form-control form-control-sm w-auto" id=q value="{esc(q)}" placeholder="{esc(txt("Username"))}" maxlength=60>
        {find}
        <span class="text-body-secondary small" id=users_count>{shown} / {n}</span>
        {prev} {nxt}
      </div>
      <div class="card mb-3"><div class=table-responsive>
      <table class="table table-sm align-middle mb-0" id=users_table>
        <thead><tr><th>id</th><th>{txt("Username")}</th><th>{txt("Name")}</th><th>{txt("Roles")}</th>
        <th>{txt("Todos")}</th><th>{txt("State")}</th><th></th></tr></thead>
        <tbody>{rows}</tbody>
      </table>
      </div></div>
      <h2 class="h5 mt-4">{txt("Latest todos")}</h2>
      <div class=card><div class=table-responsive>
      <table class="table table-sm mb-0" id=todos_table>
        <thead><tr><th>id</th><th>{txt("User")}</th><th>{txt("Title")}</th><th>{txt("Done")}</th></tr></thead>
        <tbody>{latest_todos()}</tbody>
      </table>
      </div></div>
      <div id=users_msg class=text-danger role=alert></div>
      {lib_js("users.js")}
    </div>"""
    return h


def page_no(v):
    # the page number asked for: a whole number from 1, else 1
    v = str(v or "1")
    return int(v) if v.isascii() and v.isdigit() and 0 < len(v) < 7 and int(v) > 0 else 1


def pager(ses, q, pg, title, id):
    return f"""<span id={id}>{kicbutton("users", ses, title, "btn btn-outline-secondary btn-sm", {"q": q, "pg": pg})}</span>"""


def todo_counts(ids):
    # open todos per user, for the users on this page only
    if not ids:
        return {}
    w = find_in_sql({"table": "todo", "what": "user_id,count(*)", "is_active": 1, "grp": "user_id",
                     "where": {"user_id": ("in", ids)}, "all": 1})
    return {t[0]: t[1] for t in w or []}


def user_row(data, u, state, n):
    me = data["s"]["my_user_id"]
    # the names are edited in place (tools/kicedit.py; db_users.py says who may)
    name = kicedit(data, "users", u["id"], "FirstName", u["FirstName"] or "") + " " + kicedit(data, "users", u["id"], "LastName", u["LastName"] or "")
    roles = esc(", ".join(parse_json(u["Roles"]) or []))
    off = ""
    if u["is_active"] and u["id"] != me:
        off = f"""<button type=button class="btn btn-outline-danger btn-sm" id=off_{u["id"]} onclick="user_off({u["id"]})">{txt("Deactivate")}</button>"""
    return f"""<tr id=user_{u["id"]}><td>{u["id"]}</td><td>{esc(u["username"])}</td><td>{name}</td><td>{roles}</td>
      <td>{n}</td><td id=state_{u["id"]}>{esc(state.get(str(u["is_active"]), u["is_active"]))}</td><td>{off}</td></tr>"""


def latest_todos():
    j = [{"jtab": "users u", "on": "user_id", "jon": "id"}]
    w = find_in_sql({"table": "todo t", "what": "t.id,u.username,t.name,t.done", "join": j, "is_active": 1,
                     "sort": "t.id", "desc": 1, "limit": 50, "all": 1})
    h = ""
    for t in w or []:
        done = "✓" if t[3] else ""
        h += f"""<tr><td>{t[0]}</td><td>{esc(t[1])}</td><td>{esc(t[2])}</td><td>{done}</td></tr>"""
    return h

# users.py: the admin's page: every user with their todos, and a button to deactivate one.
from tools.sql import *
from tools.kicutil import *
from tools.kiclang import *
from tools.kicweb import need_role
from tools.db_tab import list_tab_dict


def users(data):
    need_role(data, "admin")
    state = list_tab_dict("users", "is_active")
    counts = todo_counts()
    rows = ""
    id = ""
    for u in sql_order({"table": "users", "id": id, "is_active": None}):
        id = u["id"]
        rows += user_row(u, state, counts.get(u["id"], 0), data["s"]["my_user_id"])
    h = f"""<div class=col-12>
      <h1 class=h4>{txt("Users")}</h1>
      <table class="table table-sm align-middle" id=users_table>
        <thead><tr><th>id</th><th>{txt("Username")}</th><th>{txt("Name")}</th><th>{txt("Roles")}</th>
        <th>{txt("Todos")}</th><th>{txt("State")}</th><th></th></tr></thead>
        <tbody>{rows}</tbody>
      </table>
      <h2 class="h5 mt-4">{txt("Latest todos")}</h2>
      <table class="table table-sm" id=todos_table>
        <thead><tr><th>id</th><th>{txt("User")}</th><th>{txt("Title")}</th><th>{txt("Done")}</th></tr></thead>
        <tbody>{latest_todos()}</tbody>
      </table>
      <div id=users_msg class=text-danger role=alert></div>
      <script src="/lib/users.js"></script>
    </div>"""
    return h


def todo_counts():
    w = find_in_sql({"table": "todo", "what": "user_id,count(*)", "is_active": 1, "grp": "user_id", "all": 1})
    return {t[0]: t[1] for t in w} if isinstance(w, list) else {}


def user_row(u, state, n, me):
    name = esc(f"{u['FirstName'] or ''} {u['LastName'] or ''}")
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
    for t in w if isinstance(w, list) else []:
        done = "✓" if t[3] else ""
        h += f"""<tr><td>{t[0]}</td><td>{esc(t[1])}</td><td>{esc(t[2])}</td><td>{done}</td></tr>"""
    return h

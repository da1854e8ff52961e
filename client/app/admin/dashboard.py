# dashboard.py: the first page after login: who is logged in, and where to go.
from tools.sql import *
from tools.kicutil import *
from tools.kiclang import *
from tools.db_users import *


def dashboard(data):
    ses = data["ses"]
    u = my_user()
    name = esc(f"{u.get('FirstName') or ''} {u.get('LastName') or ''}".strip() or u.get("username", ""))
    roles = esc(", ".join(roles_of(u)) or txt("none"))
    h = f"""<div class=col-12>
      <h1 class=h4 id=hello>{txt("Hello")} {name}</h1>
      <p id=me>{txt("User")}: <b id=me_user>{esc(u.get("username", ""))}</b> &middot; {txt("Roles")}: <span id=me_roles>{roles}</span></p>
    </div>
    <div class="col-12 d-flex flex-wrap">
      {kiccard(txt("Todos"), "", txt("Your list of things to do"), txt("Open"), ses, "todo", {"width": 260})}
      {kiccard(txt("Profile"), "", txt("Password, phone number, two-step login"), txt("Open"), ses, "profile", {"width": 260})}
    </div>"""
    return h

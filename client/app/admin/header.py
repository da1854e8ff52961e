# header.py: the top bar of every page of the admin app.
import config
from tools.sql import *
from tools.kicutil import *
from tools.kiclang import *
from tools.db_users import *
from tools.db_ses import is_ses_role


def header(data):
    ses = data["ses"]
    u = my_user()
    who = esc(u.get("FirstName") or u.get("username", ""))
    site = esc(getattr(config, "site_name", "Flyton"))
    users = kicmenu("users", ses, txt("Users"), "nav-link") if is_ses_role(ses, "admin") else ""
    # narrow screens (a phone): the links, the name and Logout fold under the toggler
    return f"""<nav class="navbar navbar-expand-md bg-body-tertiary mb-3" id=kicheader>
      <div class=container-fluid>
        <span class=navbar-brand>{site}</span>
        <button class=navbar-toggler type=button id=kicnav_toggle data-bs-toggle=collapse data-bs-target="#kicnav"
          aria-controls=kicnav aria-expanded=false aria-label="{esc(txt("Menu"))}"><span class=navbar-toggler-icon></span></button>
        <div class="collapse navbar-collapse" id=kicnav>
          <div class="navbar-nav me-auto">
            {kicmenu("dashboard", ses, txt("Dashboard"), "nav-link")}
            {kicmenu("todo", ses, txt("Todos"), "nav-link")}
            {kicmenu("profile", ses, txt("Profile"), "nav-link")}
            {users}
          </div>
          <span class="navbar-text me-2" id=whoami>{who}</span>
          <button type=button class="btn btn-outline-secondary btn-sm" id=logout onclick=kic_logout()>{txt("Logout")}</button>
        </div>
      </div>
    </nav>"""

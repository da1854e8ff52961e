# profile.py: the user's own settings: password, email, phone number, two-step login.
from tools.sql import *
from tools.kicutil import *
from tools.kicasset import lib_js
from tools.kiclang import *
from tools.db_users import *


def profile(data):
    ses = data["ses"]
    u = my_user()
    d = u.get("data") or {}
    on = 1 if (d.get("mfa") or {}).get("on") else 0
    mfa = txt("on") if on else txt("off")
    # a change of password or email needs the current password (and code): a session alone is not enough
    code = kicinput("cur_code", txt("Code from your authenticator app"), "123456") if on else ""
    h = f"""<div class="col-12 col-md-6">
      <h1 class=h4>{txt("Profile")}: {esc(u["username"])}</h1>
      <p class="small text-muted mb-1">{txt("To change the password or the email, first confirm it is you")}:</p>
      {kicinput("old", txt("Current password"), "", {"type": "password"})}
      {code}
      <h2 class="h6 mt-3">{txt("Password")}</h2>
      {kicinput("new", txt("New password"), txt("8 characters or more"), {"type": "password"})}
      <button type=button class="btn btn-primary btn-sm" id=pw_go onclick=profile_pw()>{txt("Change password")}</button>
      <h2 class="h6 mt-4">{txt("Email")}</h2>
      {kicinput("email", txt("Email address (for a forgotten password)"), "name@example.com", {"value": d.get("email", ""), "type": "email"})}
      <button type=button class="btn btn-primary btn-sm" id=email_go onclick=profile_email()>{txt("Save email")}</button>
      <h2 class="h6 mt-4">{txt("Phone")}</h2>
      {kicinput("phone", txt("Phone number"), "+972 50 123 4567", {"value": d.get("phone", "")})}
      <button type=button class="btn btn-primary btn-sm" id=phone_go onclick=profile_phone()>{txt("Save phone")}</button>
      <h2 class="h6 mt-4">{txt("Two-step login")}: <span id=mfa_now>{mfa}</span></h2>
      {kicmenu("mfa", ses, txt("Set up two-step login"), "btn btn-outline-secondary btn-sm")}
      <div class=mt-3 id=profile_msg role=status></div>
      {lib_js("profile.js")}
    </div>"""
    return h

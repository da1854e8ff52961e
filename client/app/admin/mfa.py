# mfa.py: two-step login for the logged-in user: turn it on (secret + otpauth URI) or off.
from tools.sql import *
from tools.kicutil import *
from tools.kicasset import lib_js
from tools.kiclang import *
from tools.db_users import *
from tools.db_ses import add2ses
from tools.kictotp import new_secret, otp_uri


def mfa(data):
    u = my_user()
    m = (u.get("data") or {}).get("mfa") or {}
    if m.get("on"):
        return mfa_off_html()
    secret = new_secret()
    add2ses(data["ses"], {"mfa_new": secret})
    uri = otp_uri(secret, u["username"])
    return f"""<div class="col-12 col-md-8" id=mfabox>
      <h1 class=h4>{txt("Two-step login")}</h1>
      <p>{txt("Add this key to an authenticator app, then type the 6-digit code it shows.")}</p>
      <p>{txt("Key")}: <code id=mfa_secret>{esc(secret)}</code></p>
      <p class=small>{txt("Or open this address on the phone")}: <code id=mfa_uri>{esc(uri)}</code></p>
      {kicinput("code", txt("Code"), "123456")}
      {kicinput("p", txt("Your password"), "", {"type": "password"})}
      <button type=button class="btn btn-primary" id=mfa_go onclick=mfa_on()>{txt("Turn on")}</button>
      <div class=mt-2 id=mfa_msg></div>
      {lib_js("mfa.js")}
    </div>"""


def mfa_off_html():
    return f"""<div class="col-12 col-md-8" id=mfabox>
      <h1 class=h4>{txt("Two-step login")}</h1>
      <p id=mfa_state>{txt("Two-step login is on.")}</p>
      {kicinput("code", txt("Code"), "123456")}
      {kicinput("p", txt("Your password"), "", {"type": "password"})}
      <button type=button class="btn btn-outline-danger" id=mfa_go onclick=mfa_off()>{txt("Turn off")}</button>
      <div class=mt-2 id=mfa_msg></div>
      {lib_js("mfa.js")}
    </div>"""

# api_mfa_on.py: {p, code} turns two-step login on with the secret the mfa page showed: p is the
# current password (tools/reauth.py), code the 6 digits the new authenticator shows.
from tools.sql import *
from tools.kicapi import *
from tools.db_ses import *
from tools.db_users import my_user
from tools.kictotp import check_totp
from tools.reauth import reauth


def api_mfa_on(data):
    code = str(data["post"]["input"].get("code", "")).strip()
    secret = data["s"].get("mfa_new", "")
    if not secret:
        api_err("Open the two-step login page again")
        return
    if (my_user().get("mfa") or {}).get("on"):     # read with the session: no query
        api_err("Two-step login is on already: turn it off first")
        return
    if not reauth(data):      # the password (two-step login is off here, so no code is asked)
        return
    step = check_totp(secret, code)
    if not step:
        api_err("Wrong code: type the 6 digits your app shows now", {"fld": "code"})
        return
    uid = data["s"]["my_user_id"]
    add_to_data("users", uid, "mfa", {"on": 1, "secret": secret, "last": step})
    add2ses(data["ses"], {"mfa_new": "!del"})
    n = end_user_ses(uid, data["ses"])     # a second factor changed: other sessions log in again
    api_ok({"mfa": 1, "ended": n})

# api_email.py: {email, p[, code]} saves the logged-in user's email address ("" removes it);
# an address is one user's only. The proof is the current password, and the code when two-step
# login is on (tools/reauth.py): the address is where "forgot password" sends its links. A change
# ends every such link sent before.
from tools.sql import *
from tools.kicapi import *
from tools.db_users import email_taken
from tools.db_pwreset import pwreset_end
from tools.reauth import reauth


def api_email(data):
    v = data["post"]["input"].get("email")
    if not reauth(data, "p", "code"):
        return
    pwreset_end(data["s"]["my_user_id"])
    if v in ("", None):
        add_to_data("users", data["s"]["my_user_id"], "email", "!del")
        api_ok({"email": ""})
        return
    e = kic_refine("Email", v, {"is": "email", "max": 255})
    if isinstance(e, dict):
        api_err(e["err"], {"fld": "email"})
        return
    if email_taken(e, data["s"]["my_user_id"]):
        api_err("This email address belongs to another user", {"fld": "email"})
        return
    w = add_to_data("users", data["s"]["my_user_id"], "email", e)
    if not w["status"]:
        api_err("This email address belongs to another user" if "users_email" in w.get("err", "") else "Could not save, please try again",
                {"fld": "email"})
        return
    api_ok({"email": e})

# api_email.py: {email} saves the logged-in user's email address ("" removes it); an address
# is one user's only.
from tools.sql import *
from tools.kicapi import *
from tools.db_users import email_taken


def api_email(data):
    v = data["post"]["input"].get("email")
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

# api_email.py: {email, p[, code]} asks to change the logged-in user's email address ("" removes
# it at once). The proof is the current password, and the code when two-step login is on
# (tools/reauth.py): the address is where "forgot password" sends its links. A new address
# becomes the user's when the link mailed to it is opened (api_email_confirm), the old one is
# told, and the answer is the same whether or not the address is taken (tools/kicconfirm.py).
# A request ends every link sent before.
from tools.sql import *
from tools.kicapi import *
from tools.kicweb import client_ip
from tools.kicconfirm import kicconfirm
from tools.kicjob import job
from tools.db_pwreset import pwreset_end
from tools.reauth import reauth


def api_email(data):
    v = data["post"]["input"].get("email")
    u = reauth(data, "p", "code")
    if not u:
        return
    uid = data["s"]["my_user_id"]
    old = u.get("email") or ""
    if v in ("", None):
        pwreset_end(uid)
        add_to_data("users", uid, "email", "!del")
        if old:
            job("email_old", {"username": u["username"], "old": old, "email": ""})
        api_ok({"email": ""})
        return
    e = kic_refine("Email", v, {"is": "email", "max": 255})
    if isinstance(e, dict):
        api_err(e["err"], {"fld": "email"})
        return
    e = e.lower()
    if e == old:
        api_ok({"email": old})
        return
    pwreset_end(uid)
    kicconfirm(uid, u["username"], e, old, client_ip())
    api_ok({"email": old, "pending": e, "msg": f"A link is on its way to {e}: the address is yours once you open it."})

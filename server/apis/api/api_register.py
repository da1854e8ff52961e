# api_register.py: {u, p, first, last, email} -> a new plain user (no session needed).
from tools.sql import *
from tools.kicapi import *
from tools.kicweb import client_ip
from tools.db_users import *
from tools.db_log import *

checks = {
    "u": ("Username", {"toLower": 1, "min": 3, "max": 30, "regex": r"[a-z0-9_.\-]+"}),
    "p": ("Password", {"strip": 0, "min": 8, "max": 200}),
    "first": ("First name", {"cln": 1, "max": 60}),
    "last": ("Last name", {"cln": 1, "max": 60}),
    "email": ("Email", {"is": "email"}),
}


def api_register(data):
    i = data["post"]["input"]
    if isinstance(i.get("u"), str):
        i["u"] = norm_user(i["u"])     # "ｓｅｃ_user" is sec_user: one spelling per name
    v = {}
    for k, (name, c) in checks.items():
        v[k] = kic_refine(name, i.get(k), c)
        if isinstance(v[k], dict):
            api_err(v[k]["err"], {"fld": k})
            return
    ip = client_ip()
    n = sql("SELECT COUNT(*) FROM logs WHERE act_type = 'register' AND created_at > NOW() - INTERVAL 1 HOUR "
            "AND JSON_UNQUOTE(JSON_EXTRACT(data, '$.ip')) = %s", (ip,))[0][0][0]
    if n >= 30:
        api_err("Too many new users from your address, try again later")
        return
    if look_taken(v["u"]):
        api_err("This username is taken, or looks too much like one that is", {"fld": "u"})
        return
    if v["email"] and email_taken(v["email"]):
        api_err("This email address belongs to another user", {"fld": "email"})
        return
    w = add_user(v["u"], v["p"], ["user"], v["first"], v["last"], {"email": v["email"]} if v["email"] else {})
    if not w["status"] and "users_email" in w.get("err", ""):
        api_err("This email address belongs to another user", {"fld": "email"})
        return
    if not w["status"]:
        api_err("This username is taken", {"fld": "u"})
        return
    add_log("register", v["u"], {"uid": w["id"], "ip": ip})
    api_ok({"user_id": w["id"]})

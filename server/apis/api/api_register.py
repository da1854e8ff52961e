# api_register.py: {u, p, first, last, email} -> a new plain user (no session needed). The email
# address becomes the user's once the link mailed to it is opened (tools/kicconfirm.py): the
# answer is the same whether or not another user has it.
from tools.sql import *
from tools.kicapi import *
from tools.kicweb import client_ip
from tools.db_users import *
from tools.db_log import *
from tools.kicconfirm import kicconfirm

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
    w = add_user(v["u"], v["p"], ["user"], v["first"], v["last"], {})
    if not w["status"]:
        api_err("This username is taken", {"fld": "u"})
        return
    add_log("register", v["u"], {"uid": w["id"], "ip": ip})
    if not v["email"]:
        api_ok({"user_id": w["id"]})
        return
    kicconfirm(w["id"], v["u"], v["email"].lower(), "", ip)
    api_ok({"user_id": w["id"], "pending": v["email"].lower(),
            "msg": f"A link is on its way to {v['email'].lower()}: the address is yours once you open it."})

# db_users.py: the users, their passwords (salted scrypt) and roles.
import os
import base64

from tools.sql import *
from tools.kicreq import kicreq

pw_n, pw_r, pw_p = 2 ** 14, 8, 1     # scrypt work factor: about 16 MB and 50 ms a check
dummy = None                          # a hash to check unknown users against (same time)


def db_users(username):
    # the active user with this username as a dict, or {}
    if not isinstance(username, str) or not username:
        return {}
    u = get_record("users", username, "username")
    if not u or not u.get("is_active"):
        return {}
    u["Roles"] = roles_of(u)
    return u


def my_user():
    # the logged-in user of this request, read with the session (no query):
    # a dict as get_record("users", id) gives it, without the password hash
    return kicreq()["u"]


def user_of(w):
    # a users row (dict) as get_record gives it: the keys of data merged in, data parsed
    d = parse_json(w.get("data"))
    u = dict(d) if isinstance(d, dict) else {}
    u.update(w)
    u["data"] = d
    return u


def hash_pw(p):
    # scrypt$n$r$p$salt$hash: never the password, never reversible
    import hashlib   # here, not on top: most requests check no password, and it costs 4 ms to import
    salt = os.urandom(16)
    h = hashlib.scrypt(p.encode("utf-8"), salt=salt, n=pw_n, r=pw_r, p=pw_p, dklen=32)
    b = base64.b64encode
    return f"scrypt${pw_n}${pw_r}${pw_p}${b(salt).decode()}${b(h).decode()}"


def check_pw(p, sis):
    # 1 when p is the password of the hash sis; constant time compare
    global dummy
    import hmac
    import hashlib   # here, not on top: most requests check no password, and it costs 4 ms to import
    if not isinstance(sis, str) or not sis.startswith("scrypt$"):
        if dummy is None:
            dummy = hash_pw("no such user")
        sis = dummy
        p = p + "\x00no"
    try:
        k, n, r, pp, salt, h = sis.split("$")
        got = hashlib.scrypt(str(p).encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(pp),
                             maxmem=256 * 1024 * 1024, dklen=len(base64.b64decode(h)))
    except (ValueError, TypeError):
        return 0
    return 1 if hmac.compare_digest(got, base64.b64decode(h)) else 0


def add_user(username, password, roles=[], first="", last="", data={}):
    # a new user; returns the insert_to_sql result (status False when the name is
    # taken or a role is not one of gen "roles")
    if find_in_sql({"table": "users", "fld": "username", "val": username}):
        return {"status": False, "err": "username taken"}
    known = gen_data().get("roles", {}).get("data", {})
    bad = [r for r in roles if r not in known]
    if bad:
        return {"status": False, "err": f"unknown role: {bad[0]}"}
    return insert_to_sql({"table": "users", "set": {"username": username, "sis": hash_pw(password),
                          "Roles": list(roles), "FirstName": first, "LastName": last}, "data": dict(data)})


def set_pw(user_id, password):
    return insert_to_sql({"table": "users", "id": user_id, "set": {"sis": hash_pw(password)}})


def roles_of(u):
    r = parse_json(u.get("Roles"))
    return r if isinstance(r, list) else []


def is_role(user_id, role):
    # 1 when the active user has the role
    u = get_record("users", user_id)
    if not u or not u.get("is_active"):
        return 0
    return 1 if role in roles_of(u) else 0


def is_admin(user_id):
    return is_role(user_id, "admin")


def is_owner(user_id):
    return is_role(user_id, "owner")

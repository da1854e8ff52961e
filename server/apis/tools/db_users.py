# db_users.py: the users, their passwords (salted scrypt) and roles.
import os
import base64
import unicodedata

from tools.sql import *
from tools.kicreq import kicreq

# what `from tools.db_users import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["db_users", "my_user", "roles_of", "add_user", "set_pw", "check_pw", "norm_user", "look_taken", "email_taken"]

pw_n, pw_r, pw_p = 2 ** 14, 8, 1     # scrypt work factor: about 16 MB and 50 ms a check
# what an unknown username is checked against, so that it costs what a known one does
# (a constant: made once per process it cost CGI one more scrypt per unknown name)
dummy = "scrypt$16384$8$1$3B5wK0qC7sV9mX2aL4dR8g==$Yp0b7Zq3u1hK9sX2mC5vL8aR4dT6wE0iO3nB7gF1jH4="
# look-alike letters: a new username may not look like one that is there ("adm1n")
# what may be edited in place (tools/kicedit.py): the names, by the user or an admin
edits = {"FirstName": {"check": ("First name", {"cln": 1, "max": 60}), "owner": "id", "role": "admin"},
         "LastName": {"check": ("Last name", {"cln": 1, "max": 60}), "owner": "id", "role": "admin"}}
looks = [("0", "o"), ("1", "l"), ("i", "l"), ("5", "s"), ("-", "_"), (".", "_"), ("rn", "m"), ("vv", "w"), ("cl", "d")]


def db_users(username):
    # the active user with this username as a dict, or {}. The name is compared as
    # typed after norm_user (NFKC, lower case), never as the column's collation does
    # (it would let "sëc_user" or "ｓｅｃ_user" in as sec_user)
    if not isinstance(username, str) or not username:
        return {}
    username = norm_user(username)
    u = get_record("users", username, "username")
    # (norm_user of the stored name too: a "Dana" saved before names were normalised still logs in)
    if not u or not u.get("is_active") or norm_user(u.get("username") or "") != username:
        return {}
    u["Roles"] = roles_of(u)
    return u


def norm_user(u):
    # the one spelling of a username: Unicode NFKC (full-width and compatibility
    # letters become plain ones), lower case, no spaces around
    # (cut first: a name is at most 255 characters, and NFKC of a huge one costs seconds)
    return unicodedata.normalize("NFKC", str(u)[:1024]).strip().lower()


def look(u):
    # what a username looks like: names with the same look are refused at register
    s = norm_user(u)
    for a, b in looks:
        s = s.replace(a, b)
    return s


def look_sql():
    # look() of the username column, in SQL (the same replacements, in the same order)
    s = "LOWER(username)"
    for a, b in looks:
        s = f"REPLACE({s}, '{a}', '{b}')"
    return s


def look_taken(u):
    # the username of an existing user (active or not) that looks like u, or ""
    w = sql(f"SELECT username FROM users WHERE {look_sql()} = %s LIMIT 1", (look(u),))[0]
    return w[0][0] if w else ""


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
    # 1 when p is the password of the hash sis; constant time compare. With no hash
    # (no such user) the same work is done against the dummy, and the answer is 0.
    import hmac
    import hashlib   # here, not on top: most requests check no password, and it costs 4 ms to import
    real = 1 if isinstance(sis, str) and sis.startswith("scrypt$") else 0
    if not real:
        sis = dummy
    try:
        k, n, r, pp, salt, h = sis.split("$")
        got = hashlib.scrypt(str(p).encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(pp),
                             maxmem=256 * 1024 * 1024, dklen=len(base64.b64decode(h)))
    except (ValueError, TypeError):
        return 0
    return 1 if hmac.compare_digest(got, base64.b64decode(h)) and real else 0


def add_user(username, password, roles=[], first="", last="", data={}):
    # a new user; returns the insert_to_sql result (status 0 when the name is
    # taken or a role is not one of gen "roles"). The name is kept as norm_user spells it.
    username = norm_user(username)
    if find_in_sql({"table": "users", "fld": "username", "val": username}):
        return {"status": 0, "err": "username taken"}
    known = gen_data().get("roles", {}).get("data", {})
    bad = [r for r in roles if r not in known]
    if bad:
        return {"status": 0, "err": f"unknown role: {bad[0]}"}
    try:
        return insert_to_sql({"table": "users", "set": {"username": username, "sis": hash_pw(password),
                              "Roles": list(roles), "FirstName": first, "LastName": last}, "data": dict(data)})
    except SqlError as e:
        if e.errno != 1062:    # 1062: the same name, added a moment ago by another request
            raise
        return {"status": 0, "err": "username taken"}


def email_taken(e, user_id=0):
    # 1 when another user has this address (the unique key of users.email decides in the end)
    w = find_in_sql({"table": "users", "what": "id", "where": {"email": str(e).lower(), "id": ("!=", user_id)}})
    return 1 if w else 0


def use_step(user_id, step):
    # 1 when this call takes the user's two-step code of time step `step`: each code works once,
    # also when logins bringing it race (one UPDATE: the row's lock lets one of them through)
    w = sql("""UPDATE users SET data = JSON_SET(data, '$.mfa.last', %s)
               WHERE id = %s AND COALESCE(JSON_EXTRACT(data, '$.mfa.last'), 0) < %s""", (int(step), user_id, int(step)))
    return 1 if w[1] == 1 else 0


def set_pw(user_id, password, sis=""):
    # sis: the new password's hash made before (hash_pw), as api_password does
    return insert_to_sql({"table": "users", "id": user_id, "set": {"sis": sis or hash_pw(password)}})


def roles_of(u):
    r = parse_json(u.get("Roles"))
    return r if isinstance(r, list) else []

# mkadmin.py: the first admin user, or a new password for admin from FLYTON_ADMIN_PASSWORD (install.sh)
# install.sh runs it (its step 8). Run again: changes nothing, unless FLYTON_ADMIN_PASSWORD is set,
# which then becomes admin's password.
import os
import sys
import secrets
import argparse

from tools.sql import *
from tools.db_users import add_user, set_pw, check_pw


def mkadmin(argv):
    argparse.ArgumentParser(prog="sudo [FLYTON_ADMIN_PASSWORD=...] server/bin/flyton mkadmin",
                            epilog="a new admin's password is made and printed once, when FLYTON_ADMIN_PASSWORD is not set").parse_args(argv)
    pw = os.environ.get("FLYTON_ADMIN_PASSWORD", "")
    w = find_in_sql({"table": "users", "what": "id,sis", "fld": "username", "val": "admin"})
    if w and not pw:
        print("ok: user admin exists (password unchanged)")
        return 0
    if w and check_pw(pw, w[1]):
        print("ok: user admin exists (password is FLYTON_ADMIN_PASSWORD already)")
        return 0
    if w:
        set_pw(w[0], pw)
        print("ok: admin's password is FLYTON_ADMIN_PASSWORD")
        return 0
    new = pw or secrets.token_urlsafe(12)
    r = add_user("admin", new, ["admin"], "Flyton", "Admin", {"email": "admin@localhost"})
    if not r["status"]:
        print(f"could not create admin: {r['err']}", file=sys.stderr)
        return 1
    if pw:
        print("created user admin, password FLYTON_ADMIN_PASSWORD")
        return 0
    print(f"created user admin, password: {new}   (shown once: write it down)")
    with open(os.environ.get("FLYTON_SAY_FILE", os.devnull), "w") as f:
        f.write(new)      # install.sh repeats it in its closing lines, then removes the file
    return 0


if __name__ == "__main__":
    sys.exit(mkadmin(sys.argv[1:]))

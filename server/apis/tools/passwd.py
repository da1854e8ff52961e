# passwd.py: a new password for a user, from the shell (a forgotten admin password):
#   sudo server/bin/flyton passwd USERNAME     asks twice (or reads two lines from a pipe)
# The user's live sessions end: whoever was logged in logs in again.
import sys
import getpass

from tools.sql import *
from tools.db_users import db_users, set_pw
from tools.db_ses import end_user_ses
from tools.throttle import throttle_clear


def passwd(username):
    try:
        sql("SELECT 1")
    except DbError as e:
        print(f"flyton passwd: the database: {errtext(e)}", file=sys.stderr)
        return 1
    u = db_users(username)
    if not u:
        print(f"flyton passwd: no active user {username!r}", file=sys.stderr)
        return 1
    a, b = ask("new password for " + username + ": "), ask("again: ")
    if a != b:
        print("flyton passwd: the two passwords differ: nothing changed", file=sys.stderr)
        return 1
    p = kic_refine("password", a, {"strip": 0, "min": 8, "max": 200})
    if isinstance(p, dict):
        print(f"flyton passwd: {p['err']}: nothing changed", file=sys.stderr)
        return 1
    w = set_pw(u["id"], p)
    if not w["status"]:
        print(f"flyton passwd: {w['err']}", file=sys.stderr)
        return 1
    n = end_user_ses(u["id"])
    throttle_clear(u["username"])
    print(f"ok: {username} has a new password; {n} live session(s) of {username} ended")
    return 0


def ask(prompt):
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: sudo server/bin/flyton passwd USERNAME", file=sys.stderr)
        sys.exit(2)
    sys.exit(passwd(sys.argv[1]))

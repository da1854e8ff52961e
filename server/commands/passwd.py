# passwd.py: a new password for a user (a forgotten admin password); ends that user's sessions
# From the shell:
#   sudo server/bin/flyton passwd USERNAME [--no-mfa]   asks twice (or reads two lines from a pipe)
# The user's live sessions and "forgot password" links end: whoever was logged in logs in again.
# --no-mfa also turns two-step login off (a lost phone, or someone else's authenticator).
import sys
import getpass
import argparse

from tools.sql import *
from tools.db_users import db_users, set_pw
from tools.db_ses import end_user_ses
from tools.db_pwreset import pwreset_end
from tools.throttle import throttle_clear


def passwd(argv):
    a = argparse.ArgumentParser(prog="sudo server/bin/flyton passwd",
                                epilog="asks for the new password twice (or reads two lines from a pipe); 8 characters or more. "
                                       "The user's live sessions and reset links end.")
    a.add_argument("username")
    a.add_argument("--no-mfa", action="store_true", help="two-step login off too (a lost phone)")
    o = a.parse_args(argv)
    return set_new(o.username, 1 if o.no_mfa else 0)


def set_new(username, nomfa=0):
    try:
        sql("SELECT 1")
    except SqlError as e:
        print(f"flyton passwd: the database: {e}", file=sys.stderr)
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
    set_pw(u["id"], p)
    n = end_user_ses(u["id"])
    pwreset_end(u["id"])
    throttle_clear(u["username"])
    print(f"ok: {username} has a new password; {n} live session(s) of {username} ended")
    m = (u.get("data") or {}).get("mfa") or {}
    if nomfa and m.get("on"):
        add_to_data("users", u["id"], "mfa", {"on": 0, "last": m.get("last", 0)})
        print(f"ok: two-step login of {username} is off (they can turn it on again on their mfa page)")
        return 0
    if nomfa:
        print(f"ok: {username} had no two-step login")
        return 0
    if m.get("on"):
        print(f"note: {username} has two-step login on; --no-mfa turns it off")
    return 0


def ask(prompt):
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\n")


if __name__ == "__main__":
    sys.exit(passwd(sys.argv[1:]))

# throttle.py: failed logins and password checks are counted here, so that guessing
# stays slow and nobody can lock another person out (docs/deploy.md, "Security model"):
#   pair  a username from one address: gen login_fail_max failures (5), then that
#         address is refused for the username until its window (login_fail_min) ends
#   addr  one address, any usernames: 4 x login_fail_max failures, then the address
#         is refused until its window ends (it slows down one guesser, nobody else).
#         Checks in flight are booked too (the limit holds under parallel requests), but a
#         check that finds the address full of checks in flight, not of failures, waits for
#         them (up to busy_s) instead of being refused: 100 people logging in at once from
#         one office address all get in, a little later each
#   user  a username from anywhere: past login_fail_max failures each check waits a
#         delay that doubles (2, 4, 8 .. gen login_slow_max_s seconds) after the last
#         one. An address the user logged in from (within login_known_days) does not
#         wait, and neither does a login that brings a code: it succeeds only when the
#         password and a current code are both right (api_login.py), and every failure
#         answers the same, so a guesser learns nothing from it. Guessers who book every
#         slot from several addresses keep the owner out of a new address without
#         2FA; a "forgot password" link used from there makes it known (api_pw_reset),
#         and the refusal says so. Decision: no free first try per new address, since a
#         guesser with many addresses (an IPv6 block) would get one each.
# A check is counted before the password is compared, with the rows locked, so parallel
# requests can never check more passwords than the limit allows; a failure is counted once
# more, for the address (throttle_fail: the row "fails <address>"). Both commit on their own
# (sql.apart): a call sent again, whose writes are undone, never takes its checks back.
import time

from tools.sql import *
from tools.sql import apart
import tools.sql as sqlmod

# what `from tools.throttle import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["throttle", "throttle_ok", "throttle_fail", "throttle_clear", "wait_text"]

busy_s = 10      # how long a check waits for the checks in flight from its address


def throttle(u, ip, code=0):
    # book one password check of username u from address ip: 0 when it may go on,
    # else {"wait": seconds, "slow": 0|1} (slow: 1 the username is slowed down from
    # everywhere; code=1: the login brings a second-factor code, no delay for that)
    end = time.monotonic() + busy_s
    while True:
        w = apart(book, u, ip, code)
        if not w or not w.get("busy"):
            return w
        if time.monotonic() > end:
            return {"wait": busy_s, "slow": 0}
        time.sleep(0.1)


def book(u, ip, code):
    g = limits()
    names = keys(u, ip)
    # the rows exist before the transaction, inserted in index order (the order FOR UPDATE
    # locks them in): any other order can deadlock with a parallel check
    ks = tuple(sorted(names[k] for k in ("pair", "addr", "user", "fails")))
    if sql("SELECT COUNT(*) FROM throttle WHERE name IN (%s, %s, %s, %s)", ks)[0][0][0] < 4:
        sql("INSERT IGNORE INTO throttle (name) VALUES (%s), (%s), (%s), (%s)", ks)
    sqlmod.begin()
    try:
        w = rows(names, g["window"], 1)
        wait = refused(w, g, code or known(names, g))
        if wait:
            sqlmod.rollback()
            return wait
        count(g, names["pair"], names["addr"], names["user"])
        sqlmod.commit()
        return 0
    except Exception:
        sqlmod.rollback()
        raise


def count(g, *names):
    # one more in the window of each row named (a new window when the last one ended)
    sql(f"""UPDATE throttle SET n = IF(since < NOW() - INTERVAL %s SECOND, 1, n + 1),
            since = IF(n = 1, NOW(), since) WHERE name IN ({", ".join(["%s"] * len(names))})""", (g["window"], *names))


def throttle_fail(u, ip):
    # the check failed (a wrong password, code or link): one more failure of the address
    apart(count, limits(), keys(u, ip)["fails"])


def throttle_ok(u, ip, good=1):
    # the password was right: the booked check is given back and the pair starts again;
    # good=1 (logged in): the address becomes one this user is known at
    names = keys(u, ip)
    sql("UPDATE throttle SET n = 0 WHERE name = %s", (names["pair"],))
    sql("UPDATE throttle SET n = GREATEST(n - 1, 0) WHERE name IN (%s, %s)", (names["addr"], names["user"]))
    if good:
        sql("INSERT INTO throttle (name) VALUES (%s) ON DUPLICATE KEY UPDATE since = NOW(), is_active = 1", (names["known"],))


def throttle_clear(u):
    # forget the failures of a username (an admin set a new password)
    sql("UPDATE throttle SET n = 0 WHERE name = %s OR name LIKE %s", (f"user {key_of(u)}", f"pair {key_of(u)} %"))


def throttle_count(u, g):
    # the checks booked for username u in the window of g (limits()), from every address
    w = sql("SELECT IF(since < NOW() - INTERVAL %s SECOND, 0, n) FROM throttle WHERE name = %s",
            (g["window"], f"user {key_of(u)}"))[0]
    return w[0][0] if w else 0


def wait_text(s):
    # seconds to wait, as people say it: "40 seconds", "15 minutes"
    if s < 90:
        return f"{s} second{'' if s == 1 else 's'}"
    return f"{-(-s // 60)} minutes"


def limits():
    g = gen_data()

    def num(k, d):
        try:
            return float(g.get(k, {}).get("val", d))
        except (TypeError, ValueError):
            return float(d)
    most = max(1, int(num("login_fail_max", 5)))
    return {"most": most, "window": max(1, int(num("login_fail_min", 15) * 60)),
            "slow": max(1, int(num("login_slow_max_s", 60))), "days": num("login_known_days", 30)}


def key_of(u):
    # names are compared as the database stores them (binary); long names are cut
    return str(u)[:150].replace(" ", "_")


def keys(u, ip):
    k, a = key_of(u), str(ip)[:64]
    return {"pair": f"pair {k} {a}", "addr": f"addr {a}", "user": f"user {k}", "known": f"known {k} {a}",
            "fails": f"fails {a}"}


def rows(names, window, lock=0):
    # {kind: (checks in the window, seconds since the last check, seconds the window has left)}
    kinds = ("pair", "addr", "user", "fails")
    q = f"""SELECT name, IF(since < NOW() - INTERVAL %s SECOND, 0, n), TIMESTAMPDIFF(SECOND, updated_at, NOW()),
                   %s - TIMESTAMPDIFF(SECOND, since, NOW())
            FROM throttle WHERE name IN (%s, %s, %s, %s) ORDER BY name{" FOR UPDATE" if lock else ""}"""
    got = {w[0]: w[1:] for w in sql(q, (window, window, *[names[k] for k in kinds]))[0]}
    return {k: got.get(names[k], (0, 0, 0)) for k in kinds}


def known(names, g):
    # 1 when the user logged in from this address within gen login_known_days
    w = sql("SELECT 1 FROM throttle WHERE name = %s AND since > NOW() - INTERVAL %s SECOND",
            (names["known"], int(g["days"] * 86400)))[0]
    return 1 if w else 0


def refused(w, g, nodelay):
    n, ago, left = w["pair"]
    if n >= g["most"]:
        return {"wait": max(1, int(left)), "slow": 0}
    n, ago, left = w["fails"]
    if n >= 4 * g["most"]:
        return {"wait": max(1, int(left)), "slow": 0}
    if w["addr"][0] >= 4 * g["most"]:
        return {"busy": 1}       # checks in flight, not failures: wait for them (throttle)
    n, ago, left = w["user"]
    if nodelay or n < g["most"]:
        return 0
    # from 2 s: the clock has whole seconds, so a 1 s delay could pass at once
    delay = min(2 ** min(n - g["most"] + 1, 20), g["slow"])
    if ago >= delay:
        return 0
    return {"wait": max(1, int(delay - ago)), "slow": 1}

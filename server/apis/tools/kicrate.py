# kicrate.py: rate limits for every API method and page. dispatch.py asks before it runs a
# method, p4web.py before it builds a page; a new method or page has the default limit without a
# line of its own. From config.py:
#   rate_limits = {"default": "300/minute per user",
#                  "api_email": "5/hour per user", "api_register": "10/hour per address",
#                  "reports": "30/minute per both"}
#   rate_dry = 1        # log the calls a limit would refuse, refuse none (try a new limit first)
# A rule is "N/second|minute|hour|day per user|address|both" (or "off"); a method's or page's own
# line wins over "default". per user: the session's user (the client address for a call without a
# session: the login's doors); per address: the client address (after trusted_proxies); both: a
# counter for each, and both must pass. Unless config.py says otherwise: api_ping (a balancer's health
# check) has none, api_email 5/hour per user, api_register and api_pw_forgot 10/hour per address.
# Pages without a line of their own share one counter ("pages"): a made-up page name counts there.
# A refused call gets 429 with Retry-After, the seconds left in its window, and
# {"allow": 0, "err": "Too many requests ...", "wait": s}; a page the same, as a page.
# The counters are rows of the rates table (sql/tables.sql: shared by every node of a group, in
# the database server's memory, never written to disk), one per key and window (fixed windows,
# from the epoch), counted by one atomic statement each. Mail has caps of its own (kicmail.py).
import time
import _thread   # a lock without importing threading (a CGI request pays for every import)

import config
from tools.sql import sql, SqlError, apart, close
from tools.kicweb import client_ip, log

# what `from tools.kicrate import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["kicrate"]

periods = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
default = "300/minute per user"
parsed = {}      # rule text -> [(most, seconds, by)], made once per process


def kicrate(name, uid=0):
    # 0 when this call of method or page `name` may run, else the seconds until it may
    rules = rule_of(name)
    if not rules:
        return 0
    ip = client_ip()
    if not name.startswith("api_") and name not in (getattr(config, "rate_limits", None) or {}):
        name = "pages"
    wait = 0
    for most, secs, by in rules:
        for who in whom(by, uid, ip):
            n, left = count(f"{name} {who}", secs, most)
            if n > most:
                wait = max(wait, left)
    if wait and getattr(config, "rate_dry", 0):
        log(f"rate_dry: {name} by user {uid} from {ip} would be refused for {wait} s")
        return 0
    return wait


# the doors that send mail or make accounts have limits of their own unless config.py gives them others
builtin = {"api_ping": "off", "api_email": "5/hour per user", "api_register": "10/hour per address",
           "api_pw_forgot": "10/hour per address"}


def rule_of(name):
    lines = getattr(config, "rate_limits", None) or {}
    t = lines.get(name) or builtin.get(name) or lines.get("default", default)
    if t not in parsed:
        try:
            parsed[t] = rate_rule(t)
        except ValueError as e:
            # a typo in config.py must not make every request an error: the default counts, and the log says why
            log(f"{e}; {name} has the default {default!r} instead (server/config.py rate_limits)")
            parsed[t] = rate_rule(default)
    return parsed[t]


def rate_rule(t):
    # "5/hour per user" -> [(5, 3600, "user")]; "off" -> []; several rules: "10/minute per user, 100/day per user".
    # A rule that does not read so raises ValueError, naming it (tests check config.py's)
    if str(t).strip() == "off":
        return []
    out = []
    for part in str(t).split(","):
        w = part.split()
        ok = len(w) == 3 and w[1] == "per" and w[2] in ("user", "address", "both") and w[0].count("/") == 1
        most, per = w[0].split("/") if ok else ("", "")
        if not ok or not most.isdigit() or int(most) < 1 or per not in periods:
            raise ValueError(f"rate limit {t!r}: not N/second|minute|hour|day per user|address|both")
        out.append((int(most), periods[per], w[2]))
    return out


def whom(by, uid, ip):
    # the counters' keys of one rule: u<user id>, a<address>
    a = f"a{ip[:64]}"
    if by == "address" or not uid:
        return [a]
    if by == "user":
        return [f"u{uid}"]
    return [f"u{uid}", a]


def bump(q, args):
    # the counting statement; on a connection the server ended (a restart, a kill) once more on a new
    # one: a call counted twice at worst, never refused for it
    try:
        return sql(q, args)
    except SqlError as e:
        if e.errno not in (2006, 2013):
            raise
        close()
        return sql(q, args)


def count(key, secs, most):
    # one more call in key's current window: (calls in it, seconds left in it). The shared count is
    # the rates row's, added to by one atomic statement (its new n comes back as the insert id), on
    # any number of nodes and processes at once; it commits on its own, outside the call's
    # transaction. A process keeps what it counted since its last statement (seen): a limit of 100
    # or less a window is counted in the table on every call (exact); a looser one every
    # (most - shared) / 16 calls or every second, so a busy page costs no statement a request (the
    # nodes together may pass it by about that many calls a process, less and less near it). Once
    # the shared count is past the limit, the window's other calls are refused here, with no statement.
    now = time.time()
    win = int(now // secs * secs)
    left = max(1, int(win + secs - now + 0.999))
    with lock:
        s = seen.get(key)
        if not s or s[0] != win:
            if len(seen) > 20000:
                seen.clear()
            s = seen[key] = [win, 0, 0, 0.0]     # window, shared count at the last statement, since, when
        s[2] += 1
        if s[1] > most or (most > 100 and s[2] < max(1, (most - s[1]) // 16) and now - s[3] < 1):
            return s[1] + s[2], left
        add, s[2] = s[2], 0
    q = """INSERT INTO rates (name, n, win) VALUES (%s, %s, %s)
           ON DUPLICATE KEY UPDATE n = LAST_INSERT_ID(IF(win = %s, n + %s, %s)), win = %s"""
    k = f"{secs} {key}"[:190]
    try:
        rows, changed, n = apart(bump, q, (k, add, win, win, add, add, win))
    except SqlError as e:
        if e.errno != 1114:      # 1114: the table is full: the old windows go, the call is let through
            raise
        apart(sql, "DELETE FROM rates WHERE win < %s", (int(now) - 86400,))
        log(f"rate limits: the rates table was full; windows older than a day removed ({key})")
        return 1, left
    n = n if changed == 2 else add
    with lock:
        if s[0] == win:
            s[1], s[3] = max(s[1], n), now
    return n, left


lock = _thread.allocate_lock()
seen = {}        # key -> [window, shared count, counted here since, when]: this process's (count)

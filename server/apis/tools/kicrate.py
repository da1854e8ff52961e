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

import config
from tools.sql import sql, SqlError, apart, close
from tools.kicweb import client_ip, log

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
            n, left = count(f"{name} {who}", secs)
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
        parsed[t] = rate_rule(t)
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


def count(key, secs):
    # one more call in key's current window: (calls in it, seconds left in it). The statement
    # counts and answers at once (its new n comes back as the insert id), atomic under any
    # number of parallel calls and nodes; it commits on its own, outside the call's transaction
    now = time.time()
    win = int(now // secs * secs)
    q = """INSERT INTO rates (name, n, win) VALUES (%s, 1, %s)
           ON DUPLICATE KEY UPDATE n = LAST_INSERT_ID(IF(win = %s, n + 1, 1)), win = %s"""
    k = f"{secs} {key}"[:190]
    try:
        rows, changed, n = apart(bump, q, (k, win, win, win))
    except SqlError as e:
        if e.errno != 1114:      # 1114: the table is full (rates_max_mb): the old windows go, the call is let through
            raise
        apart(sql, "DELETE FROM rates WHERE win < %s", (int(now) - 86400,))
        log(f"rate limits: the rates table was full; windows older than a day removed ({key})")
        return 1, 0
    return (n if changed == 2 else 1), max(1, int(win + secs - now + 0.999))

# kicsched.py: the jobs that run on a schedule, one line each in server/schedule, as cron writes them:
#   # minute hour day month weekday  job  [its arguments, JSON]
#   17 3 * * *     archive
#   */15 8-18 * * 1-5  report {"kind": "sales"}
# Every worker of every machine looks once a minute; a minute's job is queued once for the whole
# group (its key is the job's name and the minute, by the database's clock), whichever machine is
# up. A worker that was down looks back 10 minutes when it starts again.
import os
import re
import json
import time

from tools import kicjob
from tools.sql import sql

__all__ = ["kicsched"]     # (the workers read the schedule: nothing for pages and methods)

path = os.path.join(kicjob.top, "server", "schedule")
ranges = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
state = {"next": 0.0, "last": None, "mtime": None, "lines": []}


def kicsched():
    # the schedule's lines: [(fields as sets, job name, arguments)]; a wrong line raises ValueError
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return []
    if st.st_mtime != state["mtime"]:
        state["lines"] = parse(open(path, encoding="utf-8").read())
        state["mtime"] = st.st_mtime
    return state["lines"]


def parse(text):
    out = []
    for n, ln in enumerate(text.splitlines(), 1):
        ln = ln.strip()
        if not ln or ln.startswith("#"):
            continue
        p = ln.split(None, 6)
        if len(p) < 6:
            raise ValueError(f"server/schedule line {n}: minute hour day month weekday job [arguments]: {ln!r}")
        try:
            sets = [field(p[i], *ranges[i]) for i in range(5)]
        except ValueError as e:
            raise ValueError(f"server/schedule line {n}: {e}: {ln!r}") from None
        if 7 in sets[4]:
            sets[4].add(0)     # Sunday is 0 or 7
        args = json.loads(p[6]) if len(p) > 6 else {}
        if not re.match(r"^[a-z][a-z0-9_]{0,59}\Z", p[5]) or not isinstance(args, dict):
            raise ValueError(f"server/schedule line {n}: a job's name, then its arguments as a JSON object: {ln!r}")
        out.append((sets, p[5], args))
    return out


def field(f, lo, hi):
    # one cron field: *, */n, a, a-b, a-b/n, and lists of these
    got = set()
    for part in f.split(","):
        m = re.match(r"^(\*|\d+(?:-\d+)?)(?:/(\d+))?\Z", part)
        if not m:
            raise ValueError(f"not a cron field: {f!r}")
        a, b = lo, hi
        if m.group(1) != "*":
            x, _, y = m.group(1).partition("-")
            a, b = int(x), int(y or x)
        step = int(m.group(2) or 1)
        if not (lo <= a <= b <= hi) or step < 1:
            raise ValueError(f"{f!r} is not within {lo}-{hi}")
        got.update(range(a, b + 1, step))
    return got


def matches(sets, t):
    # t: time.struct_time of a minute
    mi, h, d, mo, wd = sets
    return t.tm_min in mi and t.tm_hour in h and t.tm_mday in d and t.tm_mon in mo and (t.tm_wday + 1) % 7 in wd


def tick(say):
    # once a minute at most: the jobs of the minutes since the last look (10 at most), each queued once
    now = time.monotonic()
    if now < state["next"]:
        return
    state["next"] = now + 20
    try:
        lines = kicsched()
    except (OSError, ValueError) as e:
        say(f"the schedule is not read: {e}")
        return
    if not lines:
        return
    db_now = int(sql("SELECT UNIX_TIMESTAMP()")[0][0][0])     # the group's one clock
    minute = db_now - db_now % 60
    first = state["last"] + 60 if state["last"] else minute - 600
    for m in range(max(first, minute - 600), minute + 1, 60):
        t = time.localtime(m)
        for sets, name, args in lines:
            if matches(sets, t):
                key = f"@{name}@{time.strftime('%Y-%m-%dT%H:%M', t)}"
                kicjob.put(name, json.dumps(args), "NOW(3)", [], "default", 0, key)
    state["last"] = minute

# kicstat.py: what every request did, for `flyton stats` and `flyton slow` (docs/deploy.md, "When
# something is slow or failing"). Each request has an id (the rid call_server sends with an API
# call, or one made here), sent back as X-Request-Id, written in the access log, in every error
# log line and in the request's record: one line of JSON in a file of this machine
#   {"t": 1764921600.123, "rid": "…", "what": "api_todo_add", "st": 200, "ms": 12.5, "db": 3.1,
#    "nq": 4, "u": 20003, "rt": "wsgi", "slow": [["SELECT … WHERE id = %s", 312.4]]}
# Decision: the records are local files, not the database: a write costs microseconds and goes on
# while the database restarts. The file is stats_file of config.py (default: log_file's folder,
# requests.jl); past stats_max_mb (20) it becomes <file>.1 (the one before is dropped), so a node
# keeps at most twice that, whatever its daemons do. A statement slower than slow_ms (200) is
# recorded in its request's line, as its text (values are bound: the text holds none).
import os
import re
import fcntl
import json
import time

import config
from tools import sql
from tools.kicreq import kicreq

__all__ = ["kicstat"]

rid_re = re.compile(r"^[A-Za-z0-9_-]{8,64}\Z")
plain_re = re.compile(r"^[A-Za-z0-9_ .-]{1,80}\Z")     # a page's or a method's name
log_file = getattr(config, "log_file", "/var/log/flyton/error.log")
path = getattr(config, "stats_file", "") or os.path.join(os.path.dirname(log_file),
                                                        os.path.basename(log_file).replace("error.log", "") + "requests.jl")
most = int(float(getattr(config, "stats_max_mb", 20)) * 1024 * 1024)
on = 1 if getattr(config, "stats", 1) else 0
state = {"fd": None, "ino": 0, "seen": 0.0}     # this process's open file


def kicstat():
    # this request's record so far (what its line will say)
    r = kicreq()
    n, s, slow = tally()
    return {"rid": rid(), "what": r["what"], "ms": round((time.perf_counter() - r["t0"]) * 1000, 1),
            "db": round(s * 1000, 1), "nq": n, "slow": list(slow)}


def timing():
    # the Server-Timing header's value so far: the database's time (and statements), the request's
    r = kicreq()
    n, s, slow = tally()
    return f'db;dur={s * 1000:.1f};desc="{n} queries", total;dur={(time.perf_counter() - r["t0"]) * 1000:.1f}'


def rid():
    # the request's id: the one it came with (set_rid), else one made now
    r = kicreq()
    if not r["rid"]:
        r["rid"] = os.urandom(8).hex()     # (not secrets: a CGI request pays for every import)
    return r["rid"]


def set_rid(v):
    # the id the request brought (call_server's rid), when it is a plain one. Decision: a balancer's
    # X-Request-Id is not taken, as nothing here can tell it from one the client sent itself
    if isinstance(v, str) and rid_re.match(v):
        kicreq()["rid"] = v


def tally():
    # (statements, seconds in them, the slow ones) of this thread's request: tools/sql.py counts them
    return getattr(sql.local, "nq", 0), getattr(sql.local, "db_s", 0.0), getattr(sql.local, "slow", ())


def start():
    # a request begins (both runtimes, after kicreq_new): its counters start at 0
    sql.local.nq = 0
    sql.local.db_s = 0.0
    sql.local.slow = []


def done(status, runtime):
    # the request's line in the stats file; never fails the request (a full disk: no line)
    if not on:
        return
    r = kicreq()
    loc = sql.local
    what = r["what"] or "-"
    if not plain_re.match(what):
        what = json.dumps(what)[1:-1]     # (a name is plain: only another is escaped, the cost of json)
    u = (r["u"] or {}).get("id", 0)
    # one f-string, not json.dumps: a request pays microseconds for its line (tests/bench_site.py)
    line = (f'{{"t":{time.time():.3f},"rid":"{rid()}","what":"{what}","st":{int(status)},'
            f'"ms":{(time.perf_counter() - r["t0"]) * 1000:.1f},"db":{getattr(loc, "db_s", 0.0) * 1000:.1f},'
            f'"nq":{getattr(loc, "nq", 0)},"u":{int(u) if isinstance(u, int) else 0},"rt":"{runtime}"')
    slow = getattr(loc, "slow", ())
    if slow:
        line += ',"slow":' + json.dumps(slow[:20], ensure_ascii=True)
    # ensure_ascii: whatever a request brought, the line is printable ASCII, one line
    write((line + "}\n").encode("ascii", "replace"))


def write(b):
    try:
        fd = state["fd"]
        now = time.monotonic()
        if fd is not None and now - state["seen"] > 10:
            state["seen"] = now
            if os.stat(path).st_ino != state["ino"]:     # moved or removed by someone else: a new one
                fd = reopen()
        if fd is None:
            fd = reopen()
        os.write(fd, b)     # O_APPEND: one write, so the lines of two processes never mix
        if os.lseek(fd, 0, os.SEEK_CUR) > most:
            rotate(fd)
    except OSError:
        close()


def reopen():
    close()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
    st = os.fstat(fd)
    if os.geteuid() == 0 and st.st_uid == 0:
        from tools.kicweb import give_to_web
        give_to_web(fd)     # made by root (a test in process, a command): stays the web server's
    state.update(fd=fd, ino=st.st_ino, seen=time.monotonic())
    return fd


def rotate(fd):
    # the full file becomes <file>.1; only by the process whose file it still is (another may have
    # done it a moment ago: then this one only opens the new file at its next line)
    try:
        # a lock on the full file: without it, a process could find its file still in place, another
        # move it and a third make the new one, and the first move that new one over the full one
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.stat(path).st_ino == os.fstat(fd).st_ino:
            os.replace(path, path + ".1")
    except OSError:
        pass
    close()


def close():
    fd = state["fd"]
    state["fd"] = None
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass

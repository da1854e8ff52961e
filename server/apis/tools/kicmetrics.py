# kicmetrics.py: the site's request records (tools/kicstat.py) as Prometheus metrics, at
# GET /cgi-bin/api?meth=metrics. Off unless config.py lists who may scrape:
#   metrics_from = ["127.0.0.1", "10.0.0.0/16"]     # addresses or networks (after trusted_proxies)
# The totals live in one small file beside the records (<stats_file>.metrics), not in a process:
# a scrape adds the lines written since the last one (at most read_max bytes of them, the rest at
# the next scrape) under a lock, so the counters never go back whichever daemon answers, however
# often the daemons restart, and a scrape costs what arrived since the one before. The first
# scrape of a node counts from then on (Prometheus takes a counter's start as a reset).
import os
import json
import time
import fcntl

import config
from tools.kicreq import kicreq_env
from tools import kicstat

__all__ = ["kicmetrics"]

buckets = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)   # seconds
read_max = 4 * 1024 * 1024     # bytes of new records a scrape reads at most
most_whats = 300               # pages and methods named; the rest are counted as "other"


def kicmetrics():
    # (status, text) of a scrape from this request's address
    allowed = getattr(config, "metrics_from", [])
    if not allowed:
        return 404, "no metrics here (config.py: metrics_from)\n"
    if not is_from(kicreq_env("REMOTE_ADDR"), allowed):
        return 403, "not from an address config.py's metrics_from lists\n"
    try:
        t = totals()
    except OSError as e:
        return 503, f"the records cannot be read: {e.strerror}\n"
    return 200, text(t)


def is_from(addr, allowed):
    import ipaddress     # here: only a scrape pays for it
    try:
        a = ipaddress.ip_address(addr)
    except ValueError:
        return 0
    for n in allowed:
        try:
            if a in ipaddress.ip_network(str(n), strict=False):
                return 1
        except ValueError:
            continue
    return 0


def totals():
    # the totals so far: the saved ones and the records written since, saved again
    path = kicstat.path
    with open(path + ".metrics.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)     # one scrape at a time adds the new lines
        t = load(path + ".metrics")
        add_new(t, path)
        save(path + ".metrics", t)
        return t


def load(p):
    try:
        with open(p) as f:
            t = json.load(f)
        if isinstance(t, dict) and isinstance(t.get("w"), dict):
            return t
    except (OSError, ValueError):
        pass
    return {"ino": -1, "off": 0, "w": {}, "lines": 0, "bad": 0, "since": time.time()}     # -1: the first scrape


def save(p, t):
    tmp = f"{p}.{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(t, f, separators=(",", ":"))
    os.replace(tmp, p)     # whole or not at all: a scrape killed here loses nothing said before


def add_new(t, path):
    # the lines since t's place: the rest of the rotated file if the place is there, then the file
    try:
        st = os.stat(path)
    except FileNotFoundError:
        t["ino"] = max(t["ino"], 0)     # the file that comes is read from its start
        return
    if t["ino"] == -1:
        t["ino"], t["off"] = st.st_ino, st.st_size     # the first scrape counts from now on
        return
    left = read_max
    if t["ino"] != st.st_ino:
        try:
            old = os.stat(path + ".1")
        except FileNotFoundError:
            old = None
        if old and old.st_ino == t["ino"]:
            if old.st_size - t["off"] > left:
                read_from(t, path + ".1", left)
                return     # more than a scrape reads: the next one goes on from there
            left -= read_from(t, path + ".1", left)
        t["ino"], t["off"] = st.st_ino, 0
    if t["off"] > st.st_size:
        t["off"] = 0     # the file was cut short by someone: it is read again from its start
    read_from(t, path, left)


def read_from(t, p, left):
    # adds p's whole lines from t["off"] (at most left bytes); returns the bytes read
    with open(p, "rb") as f:
        f.seek(t["off"])
        b = f.read(left)
    end = b.rfind(b"\n") + 1     # a line being written is read at the next scrape
    for ln in b[:end].splitlines():
        add_line(t, ln)
    t["off"] += end
    return end


def add_line(t, ln):
    try:
        r = json.loads(ln)
        what = str(r.get("what", "-"))
        st = str(int(r.get("st", 0)))
        ms = float(r.get("ms", 0))
        db = float(r.get("db", 0))
        nq = int(r.get("nq", 0))
        slow = len(r.get("slow") or ())
    except (ValueError, TypeError, AttributeError):
        t["bad"] += 1
        return
    w = t["w"]
    if what not in w and len(w) >= most_whats:
        what = "other"
    m = w.setdefault(what, {"st": {}, "b": [0] * len(buckets), "s": 0.0, "db": 0.0, "nq": 0, "slow": 0})
    m["st"][st] = m["st"].get(st, 0) + 1
    for i, le in enumerate(buckets):
        if ms / 1000 <= le:
            m["b"][i] += 1
    m["s"] += ms / 1000
    m["db"] += db / 1000
    m["nq"] += nq
    m["slow"] += slow
    t["lines"] += 1


def text(t):
    # Prometheus' text format (version 0.0.4)
    out = ["# HELP flyton_requests_total Requests answered, by page or method and status.",
           "# TYPE flyton_requests_total counter"]
    ws = sorted(t["w"].items())
    for what, m in ws:
        for st, n in sorted(m["st"].items()):
            out.append(f'flyton_requests_total{{what="{label(what)}",status="{st}"}} {n}')
    out += ["# HELP flyton_request_seconds Time to answer, by page or method.",
            "# TYPE flyton_request_seconds histogram"]
    for what, m in ws:
        q = label(what)
        n = sum(m["st"].values())
        for le, c in zip(buckets, m["b"]):
            out.append(f'flyton_request_seconds_bucket{{what="{q}",le="{le}"}} {c}')
        out.append(f'flyton_request_seconds_bucket{{what="{q}",le="+Inf"}} {n}')
        out.append(f'flyton_request_seconds_sum{{what="{q}"}} {m["s"]:.6f}')
        out.append(f'flyton_request_seconds_count{{what="{q}"}} {n}')
    for name, key, about in (("flyton_db_seconds_total", "db", "Time in the database."),
                             ("flyton_queries_total", "nq", "SQL statements run."),
                             ("flyton_slow_queries_total", "slow", "Statements slower than slow_ms.")):
        out += [f"# HELP {name} {about[:-1]}, by page or method.", f"# TYPE {name} counter"]
        for what, m in ws:
            v = f'{m[key]:.6f}' if key == "db" else m[key]
            out.append(f'{name}{{what="{label(what)}"}} {v}')
    out += ["# HELP flyton_records_read_total Request records counted since flyton_records_since.",
            "# TYPE flyton_records_read_total counter", f'flyton_records_read_total {t["lines"]}',
            "# HELP flyton_records_bad_total Records that could not be read.",
            "# TYPE flyton_records_bad_total counter", f'flyton_records_bad_total {t["bad"]}',
            "# HELP flyton_records_since When these totals began (unix time).",
            "# TYPE flyton_records_since gauge", f'flyton_records_since {t["since"]:.0f}']
    return "\n".join(out) + "\n"


def label(v):
    # a label's value as the format wants it: \ " and newlines escaped
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

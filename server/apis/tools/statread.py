# statread.py: what flyton stats and flyton slow read: this machine's request records
# (tools/kicstat.py), summed per page and method in buckets 5 % wide, or the sums of a group's
# machines merged. Nothing for pages and methods: the commands' library.
import os
import sys
import json
import math
import time
import argparse
import subprocess

try:
    from tools.kicstat import path
except ModuleNotFoundError:     # no config.py: a dev clone that reads prod machines only (HOST|GROUP)
    path = ""

__all__ = ["statread"]     # (what flyton stats and flyton slow read: nothing for a page or a method)

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
step = math.log(1.05)
units = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def statread(where, since, secs):
    # (the sums, the machines that did not answer): this machine's, or those of where's machines merged
    if not where and not path:
        raise SystemExit("flyton: no server/config.py here (sudo ./install.sh writes it): only HOST or GROUP can be read")
    if not where:
        return sums(records(time.time() - secs)), []
    p = subprocess.run([f"{top}/server/bin/flyton", "each", where, "stats", "--raw", "--since", since],
                       capture_output=True, text=True)
    got, host, bad = [], "", []
    for line in p.stdout.splitlines():
        if line.startswith("== "):
            if host:
                bad.append(host)
            host = line[3:]
            continue
        if host and line.startswith("{"):
            got.append(json.loads(line))
            host = ""
    if host:
        bad.append(host)
    if not got:
        print(p.stdout + p.stderr, file=sys.stderr, end="")
    return merge(got), bad


def parsed(name, epilog, argv):
    # the arguments of flyton stats and flyton slow: (options, seconds back); a wrong --since ends here
    a = argparse.ArgumentParser(prog=f"sudo server/bin/flyton {name}", epilog=epilog)
    a.add_argument("--since", default="1h", help="how far back: 30m, 1h, 2d (default 1h)")
    a.add_argument("--raw", action="store_true", help=argparse.SUPPRESS)    # a machine's sums, for a group's merge
    a.add_argument("where", nargs="?", default="", help="HOST or GROUP (server/groups): that prod machine's, or all of the group's merged")
    o = a.parse_args(argv)
    secs = seconds(o.since)
    if secs is None:
        print(f"flyton {name}: --since takes a number and s, m, h or d: {o.since!r}", file=sys.stderr)
        raise SystemExit(2)
    return o, secs


def seconds(v):
    n, u = v[:-1], v[-1:]
    if u not in units or not n.isdigit() or not 0 < int(n) < 10 ** 6:
        return None
    return int(n) * units[u]


def records(since):
    # the records of this machine from since on (the file before the current one first)
    for f in (path + ".1", path):
        try:
            fh = open(f, encoding="ascii", errors="replace")
        except OSError:
            continue
        with fh:
            for line in fh:
                try:
                    r = json.loads(line)
                except ValueError:
                    continue      # a line cut by a full disk
                if isinstance(r, dict) and r.get("t", 0) >= since:
                    yield r


def bucket(ms):
    return max(0, int(math.ceil(math.log(max(ms, 0.1) / 0.1) / step)))


def ms_of(b):
    return round(0.1 * math.exp(b * step), 1)


def sums(recs):
    # what a group's machines send: counts and buckets per page or method, the slowest, the users
    s = {"n": 0, "t0": 0, "t1": 0, "what": {}, "slowest": [], "users": {}, "slow": []}
    for r in recs:
        w = s["what"].setdefault(str(r.get("what", "-"))[:80], {"n": 0, "err": 0, "max": 0, "h": {}})
        ms = float(r.get("ms", 0))
        w["n"] += 1
        w["err"] += 1 if int(r.get("st", 0)) >= 500 else 0
        w["max"] = max(w["max"], ms)
        b = str(bucket(ms))
        w["h"][b] = w["h"].get(b, 0) + 1
        s["n"] += 1
        s["t0"] = min(s["t0"] or r["t"], r["t"])
        s["t1"] = max(s["t1"], r["t"])
        u = str(r.get("u", 0))
        if u != "0":
            s["users"][u] = s["users"].get(u, 0) + 1
        s["slowest"].append([ms, r.get("rid", ""), r.get("what", "-"), r.get("st", 0), r.get("u", 0), r["t"]])
        if len(s["slowest"]) > 200:
            s["slowest"] = sorted(s["slowest"], reverse=True)[:10]
        for q in r.get("slow") or []:
            s["slow"].append([q[1], q[0], r.get("what", "-"), r.get("rid", ""), r["t"]])
        if len(s["slow"]) > 500:
            s["slow"] = sorted(s["slow"], reverse=True)[:50]
    s["slowest"] = sorted(s["slowest"], reverse=True)[:10]
    s["slow"] = sorted(s["slow"], reverse=True)[:50]
    return s


def merge(got):
    s = {"n": 0, "t0": 0, "t1": 0, "what": {}, "slowest": [], "users": {}, "slow": []}
    for g in got:
        s["n"] += g["n"]
        s["t0"] = min(s["t0"] or g["t0"], g["t0"]) if g["t0"] else s["t0"]
        s["t1"] = max(s["t1"], g["t1"])
        for k, w in g["what"].items():
            m = s["what"].setdefault(k, {"n": 0, "err": 0, "max": 0, "h": {}})
            m["n"] += w["n"]
            m["err"] += w["err"]
            m["max"] = max(m["max"], w["max"])
            for b, c in w["h"].items():
                m["h"][b] = m["h"].get(b, 0) + c
        for u, c in g["users"].items():
            s["users"][u] = s["users"].get(u, 0) + c
        s["slowest"] += g["slowest"]
        s["slow"] += g["slow"]
    s["slowest"] = sorted(s["slowest"], reverse=True)[:10]
    s["slow"] = sorted(s["slow"], reverse=True)[:50]
    return s


def pct(h, n, p):
    # the p-th percentile of a bucket count: the upper edge of its bucket, in ms
    k = math.ceil(n * p / 100)
    for b in sorted(h, key=int):
        k -= h[b]
        if k <= 0:
            return ms_of(int(b))
    return 0


def when(t):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))



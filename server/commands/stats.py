# stats.py: requests per second, p50/p95/p99 and errors per page and method, the slowest requests, the busiest users
# From the records of tools/kicstat.py (one line of JSON per request, in this machine's stats
# file and the one before it), read by tools/statread.py. HOST or GROUP: each machine sums its
# own (flyton each ... stats --raw), and the sums are merged, so a group's percentiles are those
# of all its requests. Percentiles come from buckets 5 % wide: p99 "120 ms" means between 114 and 120 ms.
import sys
import json
import time

from tools.statread import parsed, statread, pct, when


def stats(argv):
    o, secs = parsed("stats", "per page and per method: requests, per second, p50/p95/p99 and the longest in ms, "
                              "5xx answers; the worst p99 first. Then the slowest requests with their ids "
                              "(grep ID finds them in the logs) and the users with the most requests.", argv)
    s, bad = statread(o.where, o.since, secs)
    if o.raw:
        print(json.dumps(s))
        return 0
    print(report(s, o.since, secs, o.where))
    for b in bad:
        print(f"note: {b}: no answer (not counted)")
    return 1 if bad else 0


def report(s, since, secs, where):
    if not s["n"]:
        return f"no requests recorded in the last {since}{' on ' + where if where else ''}"
    span = max(1.0, min(secs, time.time() - s["t0"]))
    head = (f"{s['n']} requests in the last {since}{' on ' + where if where else ''} (from {when(s['t0'])}): "
            f"{s['n'] / span:.2f}/s, {sum(w['err'] for w in s['what'].values())} with 5xx")
    rows = []
    for k, w in s["what"].items():
        rows.append((pct(w["h"], w["n"], 99), k, w))
    lines = [head, "", f"{'page / method':32} {'n':>7} {'/s':>7} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8} {'5xx':>5}"]
    for p99, k, w in sorted(rows, key=lambda x: (-x[0], x[1])):
        lines.append(f"{k[:32]:32} {w['n']:>7} {w['n'] / span:>7.2f} {pct(w['h'], w['n'], 50):>8} "
                     f"{pct(w['h'], w['n'], 95):>8} {p99:>8} {round(w['max'], 1):>8} {w['err']:>5}")
    lines += ["", "the slowest requests (grep the id in the access and error logs):"]
    for ms, rid, what, st, u, t in s["slowest"]:
        lines.append(f"  {ms:>8} ms  {when(t)}  {str(what)[:32]:32} {st}  user {u}  id {rid}")
    users = sorted(s["users"].items(), key=lambda x: -x[1])[:5]
    if users:
        lines += ["", "the users with the most requests:"]
        lines += [f"  user {u}: {c}" for u, c in users]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(stats(sys.argv[1:]))

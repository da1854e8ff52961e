# bench_site.py: what a request costs through Apache + CGI + Python + the database.
# Not a test: prints figures. Run as root after install.sh:
#   /opt/flyton/testenv/bin/python tests/bench_site.py [requests]
import os
import sys
import json
import time
import secrets
import threading
import urllib.request

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(top, "server", "apis"), os.path.join(top, "server")]

from tools.db_users import add_user  # noqa: E402
from tools.db_ses import create_new_ses  # noqa: E402

site = "http://localhost"
n = int(sys.argv[1]) if len(sys.argv) > 1 else 200


def bench_site():
    u = "bench_" + secrets.token_hex(4)
    uid = add_user(u, secrets.token_hex(8), [])["id"]
    ses = create_new_ses(uid)
    body = json.dumps({"info": {"ses": ses}, "input": {}}).encode()
    cases = [
        ("static file /lib/kicdev.server.js", "/lib/kicdev.server.js", None),
        ("API ping (no session)", "/cgi-bin/api?meth=api_ping", b"{}"),
        ("API todo list (session)", "/cgi-bin/api?meth=api_todo_list", body),
        ("page dashboard", f"/cgi-bin/p?app=start&r=309012&ses={ses}&rpage=dashboard", None),
        ("page todo", f"/cgi-bin/p?app=start&r=309012&ses={ses}&rpage=todo", None),
    ]
    print(f"{n} requests each, 2 at a time, {os.cpu_count()} cores")
    print(f"{'request':<36}{'ms/request':>12}{'requests/s':>12}{'x static':>10}")
    base = 0
    for name, path, data in cases:
        t = run(path, data)
        base = base or t
        print(f"{name:<36}{t * 1000:>12.1f}{2 / t:>12.1f}{t / base:>10.1f}")


def run(path, data):
    # two threads, n requests in all; the mean time of one request
    times = []

    def worker(k):
        for i in range(k):
            t = time.perf_counter()
            r = urllib.request.urlopen(urllib.request.Request(site + path, data=data), timeout=30)
            r.read()
            assert r.status == 200
            times.append(time.perf_counter() - t)

    ts = [threading.Thread(target=worker, args=(n // 2,)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(times) / len(times)


bench_site()

# bench_site.py: what a request costs through Apache, side by side in one run:
# the dashboard page and one API call (the todo list) through the CGI runtime and
# through the persistent runtime (mod_wsgi), a static file, a bare WSGI app doing
# the same queries by hand (tests/bench_ref.py) as the reference, and the same page
# and call in PHP (tests/bench_ref.php, php-fpm), the way most small sites are served.
# Beside each figure, the CPU a request costs by part (Apache, Python or PHP, the database), read
# from /proc: where a difference comes from. Not a test: it prints figures and ratios. Run: sudo tests/run --bench [seconds at c=200]
# Load comes from ab (apache2-utils), on loopback only, bounded in count and time.
import os
import re
import sys
import json
import secrets
import tempfile
import subprocess

from tools.sql import *
from tools.db_users import add_user
from tools.db_ses import create_new_ses

cgi = "http://127.0.0.1:8091"
wsgi = "http://127.0.0.1:8092"
ref = "http://127.0.0.1:8093"
php = "http://127.0.0.1:8097"
soak = int(sys.argv[1]) if len(sys.argv) > 1 else 30
rounds = 9     # runs of each, taking turns: this machine's figures move by 5-10% from one run to the next
per = 1500     # requests a run
bad = []     # runs with failed requests


def bench_site():
    u = "bench_" + secrets.token_hex(4)
    uid = add_user(u, secrets.token_hex(8), [], "Bench", "User")["id"]
    for i in range(5):
        insert_to_sql({"table": "todo", "set": {"user_id": uid, "name": f"todo {i}"}})
    ses = create_new_ses(uid)
    body = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    # as call_server sends it: with a request id (a call that only reads keeps no answer, so each one
    # looks for a kept answer, finds none, and runs: dispatch.py)
    body.write(json.dumps({"info": {"os": "a", "ses": ses, "uses": ses, "rid": secrets.token_hex(16)}, "input": {}}))
    body.close()
    page = f"/cgi-bin/p?app=start&r=309012&ses={ses}&rpage=dashboard"
    api = "/cgi-bin/api?meth=api_todo_list"
    with_line(features[0][1])       # every request counted as on a site, none refused (one user sends them all)
    print(f"ab at concurrency 4, {os.cpu_count()} cores; req/s, then p50 and p99 in ms")
    print(f"{'request':<40}{'req/s':>10}{'p50':>8}{'p99':>8}{'failed':>8}")
    r = {}
    r["static"] = ab("static file /lib/kicdev.server.js", cgi + "/lib/kicdev.server.js", 4, 4000)
    r["cgi_page"] = ab("CGI: page dashboard", cgi + page, 4, 300)
    r["cgi_api"] = ab("CGI: API api_todo_list", cgi + api, 4, 300, body.name)
    same(wsgi + page, ref + f"/ref/full?ses={ses}", ref + f"/guarded/ref/full?ses={ses}", php + f"/bench_ref.php/full?ses={ses}")
    same_json(body.name, wsgi + api, ref + "/ref/api", ref + "/guarded/ref/api", php + "/bench_ref.php/api")
    # Flyton, the references and PHP take turns, in rounds (every other one in the reverse order): each
    # figure is the median of its runs, and each ratio the median of its rounds' ratios, each of two runs
    # side by side in time; a slow spell of the machine lands on a run or two, not on a whole figure
    print(f"(below: each the median of {rounds} runs, taking turns)")
    turns = [("wsgi_page", "persistent: page dashboard", wsgi + page, ""),
             ("ref_full", "bare WSGI reference: the same page", ref + f"/ref/full?ses={ses}", ""),
             ("guard_full", "bare WSGI, behind the site's guards", ref + f"/guarded/ref/full?ses={ses}", ""),
             ("php_page", "PHP (php-fpm): the same page", php + f"/bench_ref.php/full?ses={ses}", ""),
             ("ref_page", "bare WSGI reference: short page", ref + f"/ref/page?ses={ses}", ""),
             ("wsgi_api", "persistent: API api_todo_list", wsgi + api, body.name),
             ("ref_api", "bare WSGI reference: API", ref + "/ref/api", body.name),
             ("guard_api", "bare WSGI, behind the site's guards", ref + "/guarded/ref/api", body.name),
             ("php_api", "PHP (php-fpm): API", php + "/bench_ref.php/api", body.name)]
    runs = {k: [] for k, name, url, post in turns}
    cpus = {k: [] for k, name, url, post in turns}
    for i in range(rounds):
        for k, name, url, post in (turns if i % 2 == 0 else turns[::-1]):
            a = cpu()
            runs[k].append(ab(name, url, 4, per, post, quiet=1))
            b = cpu()
            c = dict.fromkeys(parts, 0)
            for pid, (part, t) in b.items():
                was = a.get(pid, ("", 0))      # a process that ended meanwhile is left out
                c[part] += (t - (was[1] if was[0] == part else 0)) / per * 1e6
            cpus[k].append(c)
    for k, name, url, post in turns:
        m = sorted(runs[k])[rounds // 2]
        show(name, m)
        r[k] = m[0]
    print()
    print(f"CPU per request, microseconds (the median of the {rounds} runs; ab's own left out)")
    print(f"{'request':<40}" + "".join(f"{p:>9}" for p in parts) + f"{'all':>9}")
    for k, name, url, post in turns:
        c = {p: sorted(x[p] for x in cpus[k])[rounds // 2] for p in parts}
        print(f"{name:<40}" + "".join(f"{c[p]:>9.0f}" for p in parts) + f"{sum(c.values()):>9.0f}")

    def paired(a, b):
        # a's req/s over b's, the median of the rounds' ratios
        return sorted(runs[a][i][0] / runs[b][i][0] for i in range(rounds))[rounds // 2]

    def by_cpu(a, b):
        # b's CPU a request (all parts) over a's, the median of the rounds' ratios
        return sorted(sum(cpus[b][i].values()) / sum(cpus[a][i].values()) for i in range(rounds))[rounds // 2]

    print()
    print(f"ratios of req/s (of a run and the reference's in the same round: the median of {rounds} rounds)")
    print(f"{'':<42}got     target")
    ratio("persistent page / CGI page", r["wsgi_page"], r["cgi_page"], 25)
    ratio("persistent API / CGI API", r["wsgi_api"], r["cgi_api"], 25)
    ratio("persistent page / bare WSGI same page", paired("wsgi_page", "ref_full"), 1, 1.0)
    # the same two by the CPU a request costs (all parts), the reference's over Flyton's: what
    # a page costs the machine, apart from how ab and the daemons happened to share the cores
    ratio("page / bare WSGI, by CPU per request", by_cpu("wsgi_page", "ref_full"), 1, 0)
    # the most any code behind the site's guards (ModSecurity, the security headers) can reach
    # against the bare app: the bare app itself behind them, with no framework at all
    ratio("bare WSGI behind the guards / bare WSGI", paired("guard_full", "ref_full"), 1, 0)
    ratio("page / the same behind the site's guards", paired("wsgi_page", "guard_full"), 1, 0)
    ratio("persistent page / bare WSGI short page", paired("wsgi_page", "ref_page"), 1, 0)
    ratio("persistent API / bare WSGI API", paired("wsgi_api", "ref_api"), 1, 0.6)
    ratio("API / the same behind the site's guards", paired("wsgi_api", "guard_api"), 1, 0)
    ratio("persistent page / PHP page", paired("wsgi_page", "php_page"), 1, 0)
    ratio("persistent API / PHP API", paired("wsgi_api", "php_api"), 1, 0)
    ratio("persistent page / static file", r["wsgi_page"], r["static"], 0)
    print()
    print(f"persistent runtime at concurrency 200 for {soak} s")
    print(f"{'request':<40}{'req/s':>10}{'p50':>8}{'p99':>8}{'failed':>8}")
    hi = ab("persistent: page dashboard, c=200", wsgi + page, 200, 10 ** 7, "", soak)
    ab("persistent: API api_todo_list, c=200", wsgi + api, 200, 10 ** 7, body.name, min(soak, 10))
    hi_ref = ab("bare WSGI reference: same page, c=200", ref + f"/ref/full?ses={ses}", 200, 10 ** 7, "", min(soak, 10))
    ratio("persistent page / bare WSGI, c=200", hi, hi_ref, 0)
    costs(page, api, body.name)
    os.unlink(body.name)
    if bad:
        raise SystemExit(f"failed requests in: {', '.join(bad)}")


parts = ["apache", "python", "php", "database"]
cfg = ""
keep = ""


features = [
    # what a feature costs: its name, config.py's line with it, without it (the rest as tests/run writes it)
    ("rate limits", 'rate_limits = {"default": "1000000000/minute per user"}', 'rate_limits = {"default": "off"}'),
    ("request records", "stats = 1", "stats = 0"),
]


def with_line(line):
    # the test instance's config.py with one more line; the persistent runtime reloaded. Its own
    # text comes back at the end (costs)
    global cfg, keep
    import config
    cfg = os.path.realpath(config.__file__)
    if not keep:
        keep = open(cfg).read()
    with open(cfg, "w") as f:
        f.write(keep + "\n" + line + "\n")
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run([f"{top}/server/bin/flyton", "reload", "flyton_test_wsgi", wsgi + "/cgi-bin/api?meth=api_ping"],
                   capture_output=True, check=True, timeout=120)


def costs(page, api, post):
    # what each feature costs a request: the same page and call with it and without, taking turns
    n = 9
    print()
    print(f"what a feature costs (persistent runtime, c=4, the median of {n} rounds with and without, taking turns)")
    print(f"{'':<42}with   without  ratio   target")
    try:
        for name, on_line, off_line in features:
            cpu_off = cost(name, on_line, off_line, n, page, api, post)
        us = own_cost()
        print(f"{'   request records, their own code':<40}{us:>7.1f} us a request, in this process: "
              f"{us / cpu_off['page'] * 100:.1f} % of the page's CPU, {us / cpu_off['api'] * 100:.1f} % of the call's")
    finally:
        with open(cfg, "w") as f:
            f.write(keep)


def cost(name, on_line, off_line, n, page, api, post):
    got = {k: [] for k in ("on_page", "off_page", "on_api", "off_api")}
    c = {k: [] for k in got}
    for i in range(n):
        for on in ((1, 0) if i % 2 == 0 else (0, 1)):
            with_line(on_line if on else off_line)
            k = "on" if on else "off"
            for what, url, body in (("page", wsgi + page, ""), ("api", wsgi + api, post)):
                ab("warm", url, 4, 50, body, quiet=1)
                a = cpu()
                got[f"{k}_{what}"].append(ab(what, url, 4, per, body, quiet=1)[0])
                b = cpu()
                c[f"{k}_{what}"].append(sum(t - a.get(p, ("", 0))[1] for p, (part, t) in b.items()) / per * 1e6)
    out = {}
    for what in ("page", "api"):
        on = sorted(got[f"on_{what}"])[n // 2]
        off = sorted(got[f"off_{what}"])[n // 2]
        r = sorted(got[f"on_{what}"][i] / got[f"off_{what}"][i] for i in range(n))[n // 2]
        ok = "ok" if r >= 0.97 else "MORE THAN 3 %"
        print(f"{name + ': ' + ('page dashboard' if what == 'page' else 'API api_todo_list') + ', req/s':<40}"
              f"{on:>7.0f}{off:>9.0f}{r:>7.3f}x  >= 0.97  {ok}")
        con = sorted(c[f"on_{what}"])[n // 2]
        coff = sorted(c[f"off_{what}"])[n // 2]
        print(f"{'   CPU per request, microseconds':<40}{con:>7.0f}{coff:>9.0f}   ({con - coff:+.0f} us a request)")
        out[what] = coff
    return out


def own_cost():
    # the request record's own code (kicstat.done: its line made and written), timed in this process
    # as a request of the persistent runtime runs it, to a file of its own: the median of 9 x 5000
    import time
    import shutil
    from tools import kicstat
    from tools.kicreq import kicreq, kicreq_new, kicreq_end
    d = tempfile.mkdtemp()
    kicstat.path = d + "/requests.jl"
    kicstat.close()
    kicreq_new({"REQUEST_METHOD": "POST"}, None)
    kicreq()["what"] = "api_todo_list"
    kicstat.start()
    runs = []
    for r in range(9):
        t = time.perf_counter()
        for i in range(5000):
            kicstat.done(200, "wsgi")
        runs.append((time.perf_counter() - t) / 5000 * 1e6)
    kicreq_end()
    kicstat.close()
    shutil.rmtree(d)
    return sorted(runs)[4]


def cpu():
    # {pid: (part, CPU seconds so far)} of the processes that serve the benchmark: Apache's workers, the
    # Python of the persistent runtime's daemons (the pids it notes for reloads) and of the
    # reference's (display-name flyton-bench-ref, tests/run), php-fpm, and the database server
    mine = set(os.listdir("/var/cache/flyton/run/flyton_test_wsgi")) if os.path.isdir("/var/cache/flyton/run/flyton_test_wsgi") else set()
    tck = os.sysconf("SC_CLK_TCK")
    out = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            st = open(f"/proc/{p}/stat").read()
            cmd = open(f"/proc/{p}/cmdline", "rb").read()
        except OSError:
            continue     # ended meanwhile
        comm = st.split("(", 1)[1].rsplit(")", 1)[0]
        k = ""
        if cmd.startswith(b"flyton-bench-ref") or (p in mine and cmd.startswith(b"(wsgi:")):
            k = "python"
        elif comm == "apache2":
            k = "apache"
        elif comm.startswith("php-fpm"):
            k = "php"
        elif comm in ("mariadbd", "mysqld"):
            k = "database"
        if not k:
            continue
        t = ran(p)
        if t is None:
            f = st.rsplit(")", 1)[1].split()
            t = (int(f[11]) + int(f[12])) / tck     # clock ticks: 10 ms each, coarse for a worker's share
        out[p] = (k, t)
    return out


def ran(p):
    # the CPU seconds of process p's threads, to the nanosecond (the first field of each one's
    # schedstat); None where the kernel keeps no schedstat. A thread that ends during a run takes
    # its time with it: Apache's, mod_wsgi's and php-fpm's threads live as long as their process
    if not schedstat:
        return None
    try:
        tasks = os.listdir(f"/proc/{p}/task")
    except OSError:
        return None
    ns = 0
    for t in tasks:
        try:
            ns += int(open(f"/proc/{p}/task/{t}/schedstat").read().split()[0])
        except (OSError, ValueError, IndexError):
            pass      # ended meanwhile
    return ns / 1e9


schedstat = os.path.exists("/proc/self/schedstat")


def same(*urls):
    # the references send the very page Flyton sends, or their figures compare nothing
    import urllib.request
    pages = [urllib.request.urlopen(u, timeout=30).read() for u in urls]
    for u, b in zip(urls[1:], pages[1:]):
        if b != pages[0]:
            raise SystemExit(f"{u} is not the page Flyton sends ({len(b)} bytes, Flyton {len(pages[0])})")


def same_json(post, *urls):
    # the references answer the API call with what Flyton answers (the same JSON)
    import urllib.request
    b = open(post, "rb").read()
    got = [json.loads(urllib.request.urlopen(urllib.request.Request(u, b, {"Content-Type": "application/json"}),
                                             timeout=30).read()) for u in urls]
    for u, a in zip(urls[1:], got[1:]):
        if a != got[0]:
            raise SystemExit(f"{u} does not answer what Flyton answers:\n{a}\n{got[0]}")


def ab(name, url, c, n, post="", secs=0, quiet=0):
    # one ab run: n requests (and secs seconds at most when given); (req/s, p50, p99, failed)
    cmd = ["ab", "-q", "-S", "-c", str(c), "-n", str(n), "-s", "60"]
    if secs:
        cmd += ["-t", str(secs), "-n", str(n)]
    if post:
        cmd += ["-p", post, "-T", "application/json"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=(secs or 600) + 120).stdout
    rps = float(grab(r"Requests per second:\s+([\d.]+)", out))
    p50 = grab(r"^\s+50%\s+(\d+)", out)
    p99 = grab(r"^\s+99%\s+(\d+)", out)
    failed = int(grab(r"Failed requests:\s+(\d+)", out)) + int(grab(r"Non-2xx responses:\s+(\d+)", out, "0"))
    if failed:
        bad.append(name)
    if quiet:
        return (rps, p50, p99, failed)
    show(name, (rps, p50, p99, failed))
    return rps


def show(name, f):
    rps, p50, p99, failed = f
    print(f"{name:<40}{rps:>10.0f}{p50:>8}{p99:>8}{failed:>8}", flush=True)


def grab(pat, out, default=None):
    m = re.search(pat, out, re.M)
    if m:
        return m.group(1)
    if default is not None:
        return default
    raise SystemExit(f"ab said something else:\n{out[-2000:]}")


def ratio(name, a, b, target):
    t = f"{'>= ' + str(target) if target else ''}"
    ok = "" if not target else ("ok" if a / b >= target else "BELOW TARGET")
    print(f"{name:<40}{a / b:>6.2f}x   {t:<8}{ok}")


bench_site()

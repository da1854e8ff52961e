# test_nodes.py: two prod web nodes on one database of a server of its own, as a site grows on
# AWS (EC2 web nodes, one RDS). tests/prodhost makes the nodes flyprod1 (10.231.1.2) and flyprod2
# (10.231.2.2), each a Debian root in its own network namespace; the database is a MariaDB that
# speaks TLS only, with RDS's master grants, on this machine's side of them (10.231.1.1:3307,
# tests/dbserver.py). `flyton prod-init flyprod1 --db-host ...` installs the first node with no
# database server of its own; `prod-init flyprod2 --like flyprod1` adds the second. Then: a session
# made through one node works on the other, a file sent through one is served by the other, a
# call sent again through the other node writes once, the archive run on both at once works once,
# and promote backs up the database server's database and migrates it, or leaves nothing behind.
# Then HAProxy in front of both (haproxy-flyton.cfg, on this machine's loopback) while clients
# call as call_server does: a database restart and a node killed (every process at once, SIGKILL)
# fail no call, lose no acknowledged write and write nothing twice; 50 bad logins of one client
# through the balancer lock out no other client; `flyton promote t_nodes` (the group of both, server/groups)
# under that load, with a migration, fails no call and migrates once, and a release that fails its
# check on the second node leaves both on the release before; the group's releases, status, health
# and rollback; restore of a backup into the shared database.
# Once per tests/run, beside the suite (machines of their own).
import os
import re
import ssl
import json
import time
import base64
import shutil
import secrets
import subprocess
import signal
import threading
from http.client import HTTPSConnection
import urllib.error
import urllib.request

import pytest

from conftest import top
from dbserver import dbserver, stop, admin, restart

pytestmark = [pytest.mark.skipif(os.environ.get("FLYTON_PROD_TESTS") != "1",
                                 reason="machines of their own: once per tests/run, beside the suite"),
              pytest.mark.own_machines]
ssh_config = "/opt/flyton/prodhost/ssh_config"
env = dict(os.environ, FLYTON_SSH=f"ssh -F {ssh_config}")
env.pop("SUDO_USER", None)     # root's ssh and key here
nodes = {"flyprod1": "10.231.1.2", "flyprod2": "10.231.2.2"}
name = "10.231.1.2"            # the site's address (site_url): what a balancer in front would be asked for
free = 1 + max(int(f[:4]) for f in os.listdir(f"{top}/sql/migrations") if f[:4].isdigit())
mig = f"{free:04d}_t_nodes.sql"        # the next free number, in this project or a grown one
mig2 = f"{free + 1:04d}_t_group.sql"
st = {}
upload = """from tools.kicfile import kicfile


def api_t_upload(data):
    i = data["post"]["input"]
    return {"url": kicfile(i["file_x"], i.get("name", ""), data["s"]["my_user_id"])}
"""

# what the request records are tested with: a slow statement, a method that fails, a slow page
made = {"server/apis/api/api_t_slowq.py": "from tools.sql import *\nfrom tools.kicapi import *\n\n\n"
                                          "def api_t_slowq(data):\n    sql('DO SLEEP(0.3)')\n    api_ok()\n",
        "server/apis/api/api_t_fail.py": "def api_t_fail(data):\n    raise ValueError('a failing call on purpose')\n",
        "server/apis/jobs/job_t_count.py": "from tools.sql import *\nimport time\n\n\n"
                                           "def job_t_count(data):\n"
                                           "    sql(\"INSERT INTO logs (act_type, send_text) VALUES ('t_job_run', %s)\", [data['tag']])\n"
                                           "    time.sleep(0.02)\n"
                                           "    sql(\"INSERT INTO logs (act_type, send_text) VALUES ('t_job_end', %s)\", [data['tag']])\n",
        "client/app/admin/t_slowpage.py": "from tools.sql import *\n\n\n"
                                          "def t_slowpage(data):\n    if data.get('slow') == '1':\n        sql('DO SLEEP(2.5)')\n"
                                          "    return '<p id=t_slow>slow</p>'\n"}


def sh(cmd, cwd=None, check=True, input=None):
    r = subprocess.run(cmd, shell=True, cwd=cwd, capture_output=True, text=True, env=env, timeout=600, input=input)
    if check:
        assert r.returncode == 0, f"{cmd}\n{r.stdout}\n{r.stderr}"
    return r


def on(node, cmd):
    return sh(f"ssh -F {ssh_config} {node} {json.dumps(cmd)}").stdout


def flyton(args, more_env=None):
    r = subprocess.run(f"server/bin/flyton {args}", shell=True, cwd=st["dev"], capture_output=True, text=True,
                       env=dict(env, **(more_env or {})), timeout=600)
    return r.returncode, r.stdout + r.stderr


def commit(files, msg):
    for p, text in files.items():
        with open(os.path.join(st["dev"], p), "w") as f:
            f.write(text)
    sh(f"git add -A && git -c user.name=dev -c user.email=dev@example.com commit -qm {json.dumps(msg)}", cwd=st["dev"])


# one context for every call (made once: a context per call loads the system's CAs, a few ms of
# CPU each, and the load below makes thousands of calls); it checks no certificate
unchecked = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
unchecked.check_hostname = False
unchecked.verify_mode = ssl.CERT_NONE


def http(node, path, body=None):
    # through one node, asked for the site's name (as a balancer in front forwards it)
    req = urllib.request.Request(f"https://{nodes[node]}{path}", data=body,
                                 headers={"Host": name, **({"Content-Type": "application/json"} if body else {})})
    ctx = unchecked      # each node's own self-signed certificate: not what this test is about
    try:
        with urllib.request.urlopen(req, timeout=30, context=ctx) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def api(node, meth, inp, ses="", rid=""):
    info = {"ses": ses}
    if rid:
        info["rid"] = rid
    s, b = http(node, f"/cgi-bin/api?meth={meth}", json.dumps({"info": info, "input": inp}).encode())
    return s, json.loads(b)["server"]


def db(q):
    return admin(st["db"], f"USE flyton; {q}")


@pytest.fixture(scope="module", autouse=True)
def cluster(tmp_path_factory):
    for n in nodes:
        sh(f"{top}/tests/prodhost up {n}")
    st["db"] = dbserver(f"/var/tmp/flyton-nodes-db-{os.getpid()}", "10.231.1.1", 3307, "10.231.%")
    d = str(tmp_path_factory.mktemp("nodes") / "clone")
    sh(f"git clone -q {top} {d}")
    for f in ("bootstrap.min.css", "bootstrap.rtl.min.css", "bootstrap.bundle.min.js"):
        shutil.copy(f"{top}/client/lib/{f}", f"{d}/client/lib/{f}")
    with open(f"{d}/server/apis/api/api_t_upload.py", "w") as f:
        f.write(upload)
    for rel, text in made.items():
        with open(f"{d}/{rel}", "w") as f:
            f.write(text)
    sh("git add -A && git -c user.name=dev -c user.email=dev@example.com commit -qm 'an upload method'", cwd=d)
    st["dev"] = d
    try:
        yield
    finally:
        for n in nodes:
            sh(f"{top}/tests/prodhost down {n}", check=False)
        stop(st["db"])


def test_the_first_node_takes_a_database_server_of_its_own():
    rc, out = flyton(f"prod-init flyprod1 --url https://{name} --db-host 10.231.1.1 --db-port 3307 "
                     f"--db-ca {st['db']['ca']} --db-master master", {"FLYTON_DB_MASTER_PASSWORD": st["db"]["pw"]})
    assert rc == 0, out
    st["pw"] = re.search(r"created user admin, password: (\S+)", out).group(1)
    cfg = on("flyprod1", "cat /srv/flyton/shared/config.py")
    assert '"host": "10.231.1.1"' in cfg, cfg
    assert '"ssl_ca": "/etc/flyton/db-ca.pem"' in cfg, cfg
    assert '"socket"' not in cfg, cfg
    assert on("flyprod1", "pgrep -c mariadbd || true").strip() == "0", "no database server on the node"
    assert on("flyprod1", "ls /etc/flyton/db-master.pw 2>/dev/null || echo gone").strip() == "gone", "the master's password is not kept"
    assert db("SELECT username FROM users").split() == ["admin"], "the admin is in the database server's database"
    # the loads below send thousands of calls with one session: no per-user rate limit for them (the
    # second node takes this config.py too; test_limits.py tests the limits, one counter for both nodes below)
    # (and a job's lease of 5 s, not 60: the worker killed below leaves its job for 5 s only)
    on("flyprod1", "printf '%s\\n' 'rate_limits = {\"default\": \"1000000/minute per user\"}' 'job_lease = 5' >> /srv/flyton/shared/config.py && "
                   "/srv/flyton/current/server/bin/flyton reload >/dev/null")


def test_a_second_node_like_the_first_serves_the_same_site():
    rc, out = flyton("prod-init flyprod2 --like flyprod1")
    assert rc == 0, out
    assert "flyprod2 takes the settings and the database of flyprod1" in out
    assert "created user admin" not in out, "the admin of the first node, not a second one"
    assert on("flyprod2", "pgrep -c mariadbd || true").strip() == "0"
    s, a = api("flyprod1", "api_login", {"u": "admin", "p": st["pw"]})
    assert a["allow"] == 1, a
    st["ses"] = a["ses"]
    s, b = http("flyprod2", f"/cgi-bin/p?app=start&r=309012&ses={st['ses']}&rpage=dashboard")
    assert s == 200, b[:300]
    assert b"id=kicheader" in b, "a session made through one node works on the other"


def test_a_file_sent_through_one_node_is_served_by_the_other():
    content = bytes(range(256)) * 20
    s, a = api("flyprod1", "api_t_upload", {"b64_file_x": base64.b64encode(content).decode(), "name": "scan.png"}, st["ses"])
    assert a["allow"] == 1, a
    s, b = http("flyprod2", a["url"])
    assert s == 200
    assert b == content


def test_a_call_sent_again_through_the_other_node_writes_once():
    # the first node answered, and the answer was lost: the client sends the call again, the
    # balancer gives it to the other node
    rid = secrets.token_hex(16)
    s1, a1 = api("flyprod1", "api_todo_add", {"name": "sent to two nodes"}, st["ses"], rid)
    s2, a2 = api("flyprod2", "api_todo_add", {"name": "sent to two nodes"}, st["ses"], rid)
    assert a1["allow"] == 1, a1
    assert a2 == a1
    assert db("SELECT COUNT(*) FROM todo WHERE name = 'sent to two nodes'").strip() == "1"


def test_a_rate_limit_is_one_counter_for_both_nodes():
    # api_email's builtin limit (5/hour per user, tools/kicrate.py), its calls taking turns on the nodes
    left = 3600 - time.time() % 3600
    if left < 10:
        time.sleep(left + 0.05)       # (a window is fixed, from the epoch: the calls fall in one)
    got = [api(n, "api_email", {"email": f"t-rate-{i}@example.com", "p": st["pw"]}, st["ses"])
           for i, n in enumerate(["flyprod1", "flyprod2"] * 4)]
    assert [s for s, a in got] == [200] * 5 + [429] * 3, got
    assert got[-1][1]["wait"] >= 1 and got[-1][1]["err"].startswith("Too many requests"), got[-1]


def test_the_archive_run_on_both_nodes_at_once_works_once():
    rows = ", ".join(f"('t_nodes_arc', 'r{i}', NOW() - INTERVAL 200 DAY)" for i in range(3000))
    db(f"INSERT INTO logs (act_type, send_text, created_at) VALUES {rows}")
    runs = [subprocess.Popen(["ssh", "-F", ssh_config, n, "/srv/flyton/current/server/bin/flyton archive --batch 500 --pause 0.3"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for n in nodes]
    outs = [p.communicate(timeout=300)[0] for p in runs]
    assert [p.returncode for p in runs] == [0, 0], outs
    assert sum("another node runs the archive now" in o for o in outs) == 1, outs
    assert sum("logs: moved" in o for o in outs) == 1, outs
    assert db("SELECT COUNT(*) FROM logs WHERE act_type = 't_nodes_arc'").strip() == "0"
    assert db("SELECT COUNT(*), COUNT(DISTINCT id) FROM logs_arc WHERE act_type = 't_nodes_arc'").split() == ["3000", "3000"]


def test_a_failed_backup_leaves_nothing_behind():
    cnf = "/etc/flyton/owner-flyton.cnf"
    look = "ls -a /srv/flyton/releases /srv/flyton/backups; readlink /srv/flyton/current"
    before = on("flyprod1", look)
    commit({"client/app/admin/t_nodes_page.py": "def t_nodes_page(data):\n    return '<p id=t_nodes>new</p>'\n"}, "a page")
    on("flyprod1", f"cp -p {cnf} {cnf}.keep && sed -i 's/^password=.*/password=wrong/' {cnf}")
    try:
        rc, out = flyton("promote flyprod1 --skip-tests")
    finally:
        on("flyprod1", f"mv {cnf}.keep {cnf}")
    assert rc != 0, out
    assert "the backup failed: nothing changed" in out, out
    assert on("flyprod1", look) == before, "no release folder and no part of a dump are left"


def test_promote_backs_up_the_database_server_and_migrates_it_once():
    commit({f"sql/migrations/{mig}": "ALTER TABLE todo ADD COLUMN t_nodes INT NOT NULL DEFAULT 0;\n"}, "a migration")
    rc, out = flyton("promote flyprod1 --skip-tests")
    assert rc == 0, out
    assert f"copy: ok: {mig}" in out, "tried on a copy of the database first"
    b = on("flyprod1", "ls -t /srv/flyton/backups | head -n 1").strip()
    n = on("flyprod1", f"zcat /srv/flyton/backups/{b} | grep -a -c 'sent to two nodes' || true").strip()
    assert n == "1", "the backup holds the database server's rows"
    assert db(f"SELECT COUNT(*) FROM migrations WHERE name = '{mig}'").strip() == "1"
    assert "t_nodes" in db("SHOW COLUMNS FROM todo")
    assert db("SHOW DATABASES LIKE 'flyton%'").split() == ["flyton"], "the scratch copy is gone"
    s, b = http("flyprod1", f"/cgi-bin/p?app=start&r=309012&ses={st['ses']}&rpage=t_nodes_page")
    assert b"<p id=t_nodes>new</p>" in b


def test_the_second_node_takes_the_release_and_migrates_nothing():
    rc, out = flyton("promote flyprod2 --skip-tests")
    assert rc == 0, out
    assert "no pending migrations" in out, out


lb = "https://127.0.0.1:8099"


def doc_block(kind):
    # the lines of docs/deploy.md's ```sh KIND block (Scaling out: what a user types on a node, on the balancer)
    t = open(f"{top}/docs/deploy.md", encoding="utf-8").read()
    m = re.search(rf"^```sh {kind}\n(.*?)^```$", t, re.M | re.S)
    assert m, f"docs/deploy.md has no ```sh {kind} block"
    return [ln for ln in m.group(1).splitlines() if ln.strip()]


@pytest.fixture(scope="module")
def balancer(tmp_path_factory):
    # haproxy-flyton.cfg as shipped, with this test's addresses, names and certificate; the certificate
    # file made and the config checked by the lines of docs/deploy.md (the package is tests/run's,
    # and HAProxy runs in the foreground here, not as the machine's service)
    d = str(tmp_path_factory.mktemp("lb"))
    sh(f'openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -keyout {d}/k -out {d}/c 2>/dev/null')
    t = open(f"{top}/haproxy-flyton.cfg").read()
    for a, b in (("bind :443 ssl crt /etc/haproxy/site.pem", f"bind 127.0.0.1:8099 ssl crt {d}/site.pem"),
                 ("bind :80\n", "bind 127.0.0.1:8098\n"), ("www.example.com", name),
                 ("10.0.1.11", nodes["flyprod1"]), ("10.0.1.12", nodes["flyprod2"]),
                 # checks 4 times as often as shipped (2 a node's way out or in: 0.5 s), so the
                 # group's drain wait below is 2 s, not 4
                 ("check inter 1s fall 2 rise 2", "check inter 250ms fall 2 rise 2")):
        assert a in t, f"haproxy-flyton.cfg has no {a!r}"
        t = t.replace(a, b)
    with open(f"{d}/haproxy.cfg", "w") as f:
        f.write(t)
    # docs/deploy.md's lines on the balancer: the package is tests/run's, the config copied with the
    # test's names is the one just written, HAProxy runs in the foreground below, not as a service
    lines = doc_block("balancer")
    skip = ["sudo apt-get install -y haproxy", "sudo cp haproxy-flyton.cfg /etc/haproxy/haproxy.cfg", "sudo service haproxy reload"]
    assert [ln for ln in lines if ln in skip] == skip, lines
    for ln in lines:
        if ln not in skip:
            sh(ln.replace("sudo ", "").replace("www.example.com.crt", f"{d}/c").replace("www.example.com.key", f"{d}/k")
               .replace("/etc/haproxy/", f"{d}/"))
    assert oct(os.stat(f"{d}/site.pem").st_mode & 0o777) == "0o600"
    assert open(f"{d}/site.pem").read() == open(f"{d}/c").read() + open(f"{d}/k").read()
    p = subprocess.Popen(["haproxy", "-db", "-f", f"{d}/haproxy.cfg"], stdout=subprocess.DEVNULL,
                         stderr=open(f"{d}/haproxy.log", "w"), start_new_session=True)
    try:
        up = 0
        for i in range(60):
            up = up + 1 if call("api_ping", {})[0].get("allow") == 1 else 0
            if up >= 6:            # both nodes in service (2 good checks each)
                break
            time.sleep(0.5)
        assert up >= 6, open(f"{d}/haproxy.log").read()[-2000:]
        st["lb_ses"] = call("api_login", {"u": "admin", "p": st["pw"]})[0]["ses"]
        yield
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(30)


def call(meth, inp, ses=""):
    # as call_server does: one request id; the call sent again (same id, twice at most, after 0.4 s and
    # 1.6 s) when no answer of Flyton's came or the answer says retry. (answer, tries)
    ctx = unchecked       # the balancer's certificate of this test
    body = json.dumps({"info": {"ses": ses, "rid": secrets.token_hex(16)}, "input": inp}).encode()
    a = {"allow": 0, "err": "no answer"}
    for t in range(3):
        if t:
            time.sleep(0.4 * t * t)
        req = urllib.request.Request(f"{lb}/cgi-bin/api?meth={meth}", data=body,
                                     headers={"Host": name, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30, context=ctx) as r:
                s, b = r.status, r.read()
        except urllib.error.HTTPError as e:
            s, b = e.code, e.read()
        except OSError as e:
            a = {"allow": 0, "err": f"network: {e}"}
            continue
        if 502 <= s <= 504:
            try:
                a = json.loads(b)["server"]      # Flyton's own refusal (a restore holds the writes): its words
            except (ValueError, KeyError, TypeError):
                a = {"allow": 0, "err": f"HTTP {s}"}
            continue
        try:
            a = json.loads(b)["server"]
        except (ValueError, KeyError):
            a = {"allow": 0, "err": f"not JSON, HTTP {s}: {b[:300]!r}"}
            if s >= 500:
                continue
            return a, t + 1
        if not a.get("retry"):
            return a, t + 1
    return a, 3


def load(tag, seconds, hit, pause=0):
    # 4 clients add todos through the balancer for `seconds`, and on until hit() (run 2 s in) has
    # returned; bounded: 10 minutes at most. pause: each client's rest between calls (a long hit()
    # under full load would starve the suite that runs beside on the same 2 cores)
    out = {"acked": [], "failed": [], "tries": 0}
    end = time.monotonic() + seconds
    done = threading.Event()

    def client(k):
        i = 0
        while (time.monotonic() < end or not done.is_set()) and time.monotonic() < end + 600:
            n = f"{tag} {k} {i}"
            i += 1
            a, t = call("api_todo_add", {"name": n}, st["lb_ses"])
            out["tries"] += t - 1
            if a.get("allow") == 1:
                out["acked"].append((n, a["id"]))
            else:
                out["failed"].append((n, a))
            time.sleep(pause)
    ts = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    time.sleep(2)
    try:
        hit()
    finally:
        done.set()
    for t in ts:
        t.join(seconds + 720)
    rows = db(f"SELECT id, name FROM todo WHERE name LIKE '{tag} %'")
    out["rows"] = sorted((ln.split("\t")[1], int(ln.split("\t")[0])) for ln in rows.splitlines())
    took = time.monotonic() - end + seconds
    print(f"\n{tag}: {len(out['acked'])} calls acknowledged in {took:.1f} s ({len(out['acked']) / took:.0f}/s), "
          f"{len(out['failed'])} failed, {out['tries']} sent again; {len(out['rows'])} rows")
    return out


def login_from(addr, pw, hdr=None):
    # api_login as admin through the balancer, from the client address addr (127.0.0.x)
    c = HTTPSConnection("127.0.0.1", 8099, timeout=30, source_address=(addr, 0), context=unchecked)
    try:
        c.request("POST", "/cgi-bin/api?meth=api_login", json.dumps({"info": {}, "input": {"u": "admin", "p": pw}}),
                  dict({"Host": name, "Content-Type": "application/json"}, **(hdr or {})))
        return json.loads(c.getresponse().read())["server"]
    finally:
        c.close()


def test_through_the_balancer_bad_logins_of_one_client_lock_out_no_other(balancer):
    # the balancer, as the nodes see it (10.231.N.1), is their trusted proxy: install.sh writes that into the site
    # (docs/deploy.md's lines for each node, as written, with this test's network)
    lines = [ln.replace("sudo ", "").replace("10.0.0.0/16", "10.231.0.0/16") for ln in doc_block("node")]
    for n in nodes:
        out = on(n, " && ".join(lines))
        assert 'trusted_proxies = ["10.231.0.0/16"]' in out, out
        assert "Flyton is running" in out, out
    for i in range(40):
        if call("api_ping", {})[0].get("allow") == 1 and call("api_ping", {})[0].get("allow") == 1:
            break
        time.sleep(0.5)
    guesser, owner = "127.0.0.66", "127.0.0.77"
    # (the test's own calls straight to a node come from this machine's side, 10.231.N.1)
    theirs = "SELECT name, n FROM throttle WHERE name LIKE '%10.231.%' OR name LIKE '%127.0.0.99%' ORDER BY name"
    before = db(theirs)
    assert login_from(owner, st["pw"])["allow"] == 1
    for i in range(50):
        assert login_from(guesser, "wrong-password")["allow"] == 0
    assert "Too many" in login_from(guesser, st["pw"])["msg"], "the guesser is refused, even with the password"
    a = login_from(owner, st["pw"])
    assert a["allow"] == 1, (a, db("SELECT name, n FROM throttle"))
    # what the guesser writes in X-Forwarded-For comes before the address the balancer adds: it changes nothing
    assert "Too many" in login_from(guesser, st["pw"], {"X-Forwarded-For": "127.0.0.99"})["msg"]
    assert db(f"SELECT COUNT(*) FROM throttle WHERE name LIKE '%{guesser}%'").strip() != "0", "the site counted the client"
    assert db(theirs) == before, "never the balancer, nor an address the client chose"


def test_a_drained_node_gets_no_new_request_and_comes_back(balancer):
    # flyton drain on: the balancer's ping gets 503, HAProxy takes the node out; off: back in
    def posts():
        return int(on("flyprod2", "grep -c 'POST /cgi-bin/api' /var/log/apache2/flyton_access.log || true").strip())
    assert "draining" in on("flyprod2", "/srv/flyton/current/server/bin/flyton drain on")
    time.sleep(1.5)          # 2 failed checks a quarter of a second apart, and a margin
    n = posts()
    for i in range(20):
        assert call("api_todo_list", {}, st["lb_ses"])[0]["allow"] == 1
    assert posts() == n, "no request reached the drained node"
    assert "in service" in on("flyprod2", "/srv/flyton/current/server/bin/flyton drain off")
    time.sleep(1.5)          # 2 good checks
    for i in range(20):
        assert call("api_todo_list", {}, st["lb_ses"])[0]["allow"] == 1
    assert posts() > n, "back in service"


def current():
    return {n: on(n, "readlink /srv/flyton/current").strip() for n in nodes}


def promote_group(r):
    # flyton promote of the group t_nodes (server/groups), its exit code and output kept in r
    r["rc"], r["out"] = flyton("promote t_nodes --skip-tests")


def test_a_group_promote_under_load_with_a_migration_fails_no_call_and_migrates_once(balancer):
    g = f"{st['dev']}/server/groups"
    groups = open(g).read() if os.path.exists(g) else ""
    st["before_group"] = current()
    # the second node never had a backup of its own (a group backs up on its first): as on a new group
    on("flyprod2", "rm -f /srv/flyton/backups/*.sql.gz")
    commit({"server/groups": groups + "t_nodes: flyprod1 flyprod2\nt_nodes.drain: 2\n",
            f"sql/migrations/{mig2}": "ALTER TABLE todo ADD COLUMN t_group INT NOT NULL DEFAULT 0;\n",
            "client/app/admin/t_nodes_page.py": "def t_nodes_page(data):\n    return '<p id=t_nodes>group</p>'\n"},
           "the group t_nodes, a migration and a page")
    p = {}
    r = load("grouppromote", 6, lambda: promote_group(p), pause=0.25)
    out = p["out"]
    assert p["rc"] == 0, out
    assert out.strip().endswith(f"ok: flyprod1 flyprod2 run release {current()['flyprod1'].split('/')[-1]}"), out[-500:]
    assert out.count("ok: release ") == 2, "each node says it serves (and pruned)"
    assert r["failed"] == [], r["failed"][:5]
    assert r["rows"] == sorted(r["acked"]), "every acknowledged write is there, once, and nothing else"
    assert out.count(f"copy: ok: {mig2}") == 1, out
    assert out.count("the pending migrations, for real") == 1, "migrated once, for the group"
    assert db(f"SELECT COUNT(*) FROM migrations WHERE name = '{mig2}'").strip() == "1"
    assert out.count("out of the balancer's service (drain)") == 2, "each machine left the balancer to switch"
    rel = set(current().values())
    assert len(rel) == 1, current()
    st["group_rel"] = rel.pop().split("/")[-1]
    assert st["group_rel"] not in st["before_group"].values()
    b = on("flyprod1", f"zcat /srv/flyton/backups/{st['group_rel']}.sql.gz | grep -a -c 'sent to two nodes' || true").strip()
    assert b == "1", "the backup holds the database server's rows"
    assert on("flyprod2", "ls /srv/flyton/backups").strip().count(st["group_rel"]) == 0, "backed up once, on the first"
    for n in nodes:
        s, b = http(n, f"/cgi-bin/p?app=start&r=309012&ses={st['ses']}&rpage=t_nodes_page")
        assert b"<p id=t_nodes>group</p>" in b, n
        assert on(n, "test -e /srv/flyton/shared/drain && echo drained || echo in").strip() == "in", n


def test_a_release_failing_on_the_second_machine_leaves_both_on_the_release_before(balancer):
    page = ("import os\n\n\ndef t_nodes_page(data):\n    if os.path.exists('/srv/flyton/shared/t_break'):\n"
            "        raise RuntimeError('broken on this machine')\n    return '<p id=t_nodes>broken where marked</p>'\n")
    commit({"client/app/admin/t_nodes_page.py": page}, "a page that fails on one machine")
    look = "readlink /srv/flyton/current; ls /srv/flyton/releases; test -e /srv/flyton/shared/drain && echo drained || true"
    before = {n: on(n, look) for n in nodes}
    on("flyprod2", "touch /srv/flyton/shared/t_break")
    p = {}
    try:
        r = load("groupfail", 6, lambda: promote_group(p), pause=0.25)
    finally:
        on("flyprod2", "rm -f /srv/flyton/shared/t_break")
    out = p["out"]
    assert p["rc"] != 0, out
    assert "flyprod2 failed: every machine goes back to the release before" in out, out
    assert "failed its health check" in out, out
    assert {n: on(n, look) for n in nodes} == before, "both on the release before, its folders gone, in service"
    assert r["failed"] == [], r["failed"][:5]
    assert r["rows"] == sorted(r["acked"]), "every acknowledged write is there, once, and nothing else"
    for n in nodes:
        s, b = http(n, f"/cgi-bin/p?app=start&r=309012&ses={st['ses']}&rpage=t_nodes_page")
        assert b"<p id=t_nodes>group</p>" in b, n


def test_the_group_answers_releases_status_health_and_rolls_back(balancer):
    rc, out = flyton("releases t_nodes")
    assert rc == 0, out
    one, two = out.split("== flyprod2\n")
    assert one.startswith("== flyprod1\n"), out
    for t in (one, two):
        assert re.search(rf"^\*\s+{st['group_rel']} ", t, re.M), out
    rc, out = flyton("status t_nodes")
    assert rc == 0, out
    assert out.count(f"release: {st['group_rel']}") == 2, out
    assert out.count("balancer: in service") == 2, out
    rc, out = flyton("health t_nodes")
    assert rc == 0, out
    assert out.count("== flyprod") == 2, out
    rc, out = flyton("reload t_nodes")
    assert rc == 0, out
    assert out.count("ok: the site answers with the code as it is now") == 2, out
    # the request records of both nodes, merged: at least all of each one's (more came since)
    got = {}
    for w in ("flyprod1", "flyprod2", "t_nodes"):
        rc, out = flyton(f"stats {w} --since 1h")
        assert rc == 0, out
        m = re.search(r"^(\d+) requests in the last 1h on " + w, out, re.M)
        assert m and re.search(r"^api_ping +\d+", out, re.M), out
        got[w] = int(m.group(1))
    assert got["t_nodes"] >= got["flyprod1"] + got["flyprod2"] > 0, got
    rc, out = flyton("slow t_nodes --since 1h")
    assert rc == 0 and "note:" not in out, out
    rc, out = flyton("logs t_nodes")               # each node's log, under its name
    assert rc == 0, out
    assert out.count("== flyprod") == 2, out
    rc, out = flyton("logs t_nodes 0badc0de")      # a reference no node has
    assert rc == 1, out
    assert "no machine of t_nodes could show 0badc0de" in out, out
    p = {}
    r = load("grouprollback", 4, lambda: p.update(zip(("rc", "out"), flyton("rollback t_nodes"))), pause=0.25)
    assert p["rc"] == 0, p["out"]
    assert current() == st["before_group"], "each machine on the release it ran before the group's"
    assert r["failed"] == [], r["failed"][:5]
    assert r["rows"] == sorted(r["acked"])


asset_re = re.compile(r"""(?:src|href)="(/(?:v/[0-9a-f]{16}|lib)/[A-Za-z0-9][A-Za-z0-9._-]*)\"""")


def crawl(out, stop):
    # every page below from each node, and every file it names from every node, until stop (bounded:
    # 3 minutes, 400 rounds); out: pages read, files asked, what did not answer 200, flyton.css's URLs seen
    pages = [f"/cgi-bin/p?app=start&r=309012&ses={st['ses']}", "/pages/login/"]
    end = time.monotonic() + 180
    for i in range(400):
        if stop.is_set() or time.monotonic() > end:
            return
        for n in nodes:
            for p in pages:
                s, b = http(n, p)
                out["pages"] += 1
                if s != 200:
                    out["missing"].append((n, p, s))
                    continue
                for u in asset_re.findall(b.decode("utf-8", "replace")):
                    if u.endswith("/flyton.css"):
                        out["css"].add(u)
                    for m in nodes:
                        s2, b2 = http(m, u)
                        out["files"] += 1
                        if s2 != 200 or not b2:
                            out["missing"].append((n, p, m, u, s2))
        time.sleep(0.1)


def test_through_a_group_promote_and_a_rollback_every_file_a_page_names_answers_on_every_node(balancer):
    # a release that changes a file of client/lib: its pages name a new version; while the group is
    # promoted and rolled back, a crawler reads the pages of each node and asks every node for every
    # file they name. A node keeps the versions of the last releases (flyton assets, its store), and
    # promote makes the new ones on every node before any switches: nothing is missing, anywhere
    before = current()
    css = open(f"{st['dev']}/client/lib/flyton.css").read()
    commit({"client/lib/flyton.css": css + "\n/* t_crawl: a changed file */\n"}, "a changed stylesheet")
    out = {"pages": 0, "files": 0, "missing": [], "css": set()}
    stop = threading.Event()
    t = threading.Thread(target=crawl, args=(out, stop))
    t.start()
    try:
        time.sleep(1)
        rc, po = flyton("promote t_nodes --skip-tests")
        assert rc == 0, po
        rel = current()
        assert len(set(rel.values())) == 1 and rel != before, rel
        time.sleep(1)
        rc, ro = flyton("rollback t_nodes")
        assert rc == 0, ro
        time.sleep(1)
    finally:
        stop.set()
        t.join(60)
    print(f"\ncrawler: {out['pages']} pages, {out['files']} files asked, {len(out['missing'])} missing")
    assert current() == before
    assert out["missing"] == [], out["missing"][:10]
    assert len(out["css"]) == 2 and all(u.startswith("/v/") for u in out["css"]), out["css"]     # both versions were named
    assert out["pages"] >= 20 and out["files"] >= 200, out
    # the rolled-back release's version of the file answers still, from both nodes (a cache may ask)
    for u in out["css"]:
        for n in nodes:
            s, b = http(n, u)
            assert s == 200, (n, u)
    for n in nodes:
        assert "max-age=31536000, immutable" in on(n, f"curl -sk -o /dev/null -D - -H 'Host: {name}' https://127.0.0.1{sorted(out['css'])[0]}")


def grep_on(node, rid):
    # the lines of a request id on a node: its access log, its error log, its records
    t = on(node, f"grep -h -- {rid} /var/log/apache2/*access.log; echo '--'; grep -h -- {rid} /var/log/flyton/error.log; "
                 f"echo '--'; cat /var/log/flyton/requests.jl.1 /var/log/flyton/requests.jl 2>/dev/null | grep -h -- {rid}; true")
    return [x.splitlines() for x in t.split("--\n")]


def test_a_failing_calls_id_greps_on_its_node_and_the_group_stats_show_a_slow_page_first(balancer):
    # through the balancer: the id of a failing call finds its access line, error lines and record
    # on the node that served it, and nothing on the other
    rid = "t" + secrets.token_hex(12)
    s, b = http_lb("/cgi-bin/api?meth=api_t_fail", {"info": {"ses": st["lb_ses"], "rid": rid}, "input": {}})
    a = json.loads(b)["server"]
    assert s == 500 and a["rid"] == rid and a["ref"], a
    found = {n: grep_on(n, rid) for n in nodes}
    served = [n for n, (acc, err, rec) in found.items() if acc]
    assert len(served) == 1, found
    acc, err, rec = found[served[0]]
    assert len(acc) == 1 and '"POST /cgi-bin/api HTTP/1.1" 500 ' in acc[0], acc
    assert err and all(f"ref {a['ref']} rid {rid}" in x for x in err) and "a failing call on purpose" in err[-1], err
    assert len(rec) == 1 and json.loads(rec[0])["st"] == 500 and json.loads(rec[0])["what"] == "api_t_fail", rec
    other = [n for n in nodes if n not in served][0]
    assert found[other] == [[], [], []], found[other]
    # a slow statement on each node, named with its method and id there
    for n in nodes:
        rid = "q" + secrets.token_hex(12)
        s, a = api(n, "api_t_slowq", {}, st["ses"], rid)
        assert s == 200 and a["allow"] == 1, a
        rec = grep_on(n, rid)[2]
        assert len(rec) == 1, rec
        r = json.loads(rec[0])
        assert r["what"] == "api_t_slowq" and r["slow"][0][0] == "DO SLEEP(0.3)" and r["slow"][0][1] >= 300, r
        rc, out = flyton(f"slow {n} --since 5m")
        assert rc == 0 and re.search(rf"ms .* api_t_slowq +id {rid}\n +DO SLEEP\(0\.3\)", out), out
    # a page made slow on purpose, asked of both nodes at once: the group's stats put it first, with its p99
    ts = [threading.Thread(target=http, args=(n, f"/cgi-bin/p?app=start&r=309012&ses={st['ses']}&rpage=t_slowpage&slow=1"))
          for n in nodes for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    rc, out = flyton("stats t_nodes --since 1h")
    assert rc == 0 and "note:" not in out, out
    rows = out.split("page / method")[1].splitlines()[1:]
    first = rows[0].split()
    assert first[:2] == ["page", "t_slowpage"] and int(first[2]) >= 4, out     # (and the health checks' fast ones)
    assert 2500 <= float(first[6]) <= 8000, out     # its p99, ms
    assert re.search(r"^ +\d+\.\d ms .* page t_slowpage +200 ", out, re.M), "the slowest requests, with their ids"


def test_the_workers_of_both_nodes_run_each_of_a_thousand_jobs_once_with_one_killed(balancer):
    # 1000 jobs in the group's database; each node's worker (2 processes, started by install.sh and
    # again by each promote) claims them; one process of flyprod1 is killed (SIGKILL) mid-run, so its
    # job runs again once its lease ends: every other job ends once; that one began twice at most, and
    # ended twice only if the kill came after its body's last write and before its row was marked done
    # (at least once, as docs/tools.md says), its row saying so (tries 2)
    tag = "n" + secrets.token_hex(4)
    for k in range(2):
        rc, out = flyton(f"each flyprod{k + 1} worker --status")
        assert rc == 0 and "running, pid" in out, out
    db(f"INSERT INTO jobs (name, data) SELECT 't_count', JSON_OBJECT('tag', CONCAT('{tag}-', seq)) FROM seq_1_to_1000")
    done = lambda: int(db(f"SELECT COUNT(*) FROM logs WHERE act_type = 't_job_end' AND send_text LIKE '{tag}-%'").split()[-1])
    end = time.monotonic() + 60
    while done() < 200 and time.monotonic() < end:
        time.sleep(0.2)
    sup = on("flyprod1", "cat /run/flyton/worker-flyton.pid").split()[0]
    kid = on("flyprod1", f"pgrep -P {sup} | head -n 1").strip()
    assert kid.isdigit(), kid
    on("flyprod1", f"kill -9 {kid}")
    finished = lambda: int(db(f"SELECT COUNT(*) FROM jobs WHERE name = 't_count' AND state = 'done' "
                              f"AND JSON_VALUE(data, '$.tag') LIKE '{tag}-%'").split()[-1])
    end = time.monotonic() + 180
    while finished() < 1000 and time.monotonic() < end:
        time.sleep(0.5)
    left = db(f"SELECT state, COUNT(*) FROM jobs WHERE name = 't_count' AND JSON_VALUE(data, '$.tag') LIKE '{tag}-%' GROUP BY state")
    assert left.split() == ["done", "1000"], left
    ended = db(f"SELECT send_text, COUNT(*) FROM logs WHERE act_type = 't_job_end' AND send_text LIKE '{tag}-%' GROUP BY send_text")
    n = {t: int(c) for t, c in (ln.split() for ln in ended.splitlines() if ln.strip())}
    assert len(n) == 1000, f"{1000 - len(n)} jobs never ended"
    twice = [t for t, c in n.items() if c != 1]
    assert len(twice) <= 1 and all(n[t] == 2 for t in twice), twice
    for t in twice:
        tries = db(f"SELECT tries FROM jobs WHERE name = 't_count' AND JSON_VALUE(data, '$.tag') = '{t}'").split()
        assert tries and int(tries[-1]) == 2, f"{t} ended twice and its row does not say it was claimed twice"
    began = db(f"SELECT COUNT(*) FROM logs WHERE act_type = 't_job_run' AND send_text LIKE '{tag}-%'").split()[-1]
    assert 1000 <= int(began) <= 1001, began
    rc, out = flyton("jobs t_nodes")
    assert rc == 0 and out.count("worker on this machine: running") == 2, out
    assert re.search(r"^t_count +0 +0 +0 +0 +\d+", out, re.M), out


def test_a_database_restart_under_the_workers_loses_no_job_and_runs_none_twice_unsaid(balancer):
    # 400 jobs; the group's database server restarts while both nodes' workers run them. Every job
    # ends; one whose run the restart cut (a write in flight when its connection went) is tried again,
    # and its row says so (tries 2, the error kept): at most one such job per worker process (4)
    tag = "r" + secrets.token_hex(4)
    db(f"INSERT INTO jobs (name, data) SELECT 't_count', JSON_OBJECT('tag', CONCAT('{tag}-', seq)) FROM seq_1_to_400")
    done = lambda: int(db(f"SELECT COUNT(*) FROM logs WHERE act_type = 't_job_end' AND send_text LIKE '{tag}-%'").split()[-1])
    end = time.monotonic() + 60
    while done() < 100 and time.monotonic() < end:
        time.sleep(0.2)
    assert done() < 400, "the restart comes while the jobs run"
    restart(st["db"])
    # every job's row done: one whose end was written but whose answer the restart lost runs again
    # after its backoff, so its end row comes before its row is done
    finished = lambda: int(db(f"SELECT COUNT(*) FROM jobs WHERE name = 't_count' AND state = 'done' "
                              f"AND JSON_VALUE(data, '$.tag') LIKE '{tag}-%'").split()[-1])
    end = time.monotonic() + 180
    while finished() < 400 and time.monotonic() < end:
        time.sleep(0.5)
    left = db(f"SELECT state, COUNT(*) FROM jobs WHERE name = 't_count' AND JSON_VALUE(data, '$.tag') LIKE '{tag}-%' GROUP BY state")
    assert left.split() == ["done", "400"], left
    ended = db(f"SELECT send_text, COUNT(*) FROM logs WHERE act_type = 't_job_end' AND send_text LIKE '{tag}-%' GROUP BY send_text")
    n = {t: int(c) for t, c in (ln.split() for ln in ended.splitlines() if ln.strip())}
    assert len(n) == 400, f"{400 - len(n)} jobs never ended"
    twice = [t for t, c in n.items() if c > 1]
    assert len(twice) <= 4, twice
    for t in twice:
        tries = db(f"SELECT tries FROM jobs WHERE name = 't_count' AND JSON_VALUE(data, '$.tag') = '{t}'").split()
        assert tries and int(tries[-1]) >= 2, f"{t} ran twice and its row does not say so"


def http_lb(path, body):
    req = urllib.request.Request(f"{lb}{path}", data=json.dumps(body).encode(),
                                 headers={"Host": name, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30, context=unchecked) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_a_group_restore_under_load_puts_back_the_backup_and_loses_no_acknowledged_write(balancer):
    # the backup the group promote took (before its migration) back into the shared database,
    # with the owner's grants only: a side database, then one RENAME TABLE; the group holds its
    # writes meanwhile, so every write a client was told of is in the database or the new backup
    s, a = api("flyprod2", "api_todo_add", {"name": "written after the backup"}, st["ses"])
    assert a["allow"] == 1, a
    p = {}
    r = load("restore", 6, lambda: p.update(zip(("rc", "out"), flyton(f"restore t_nodes {st['group_rel']} --yes"))), pause=0.1)
    out = p["out"]
    assert p["rc"] == 0, out
    assert f"is as in {st['group_rel']}" in out, out
    assert out.count("writes held") == 2 and out.count("writes taken again") == 2, out
    assert db("SELECT COUNT(*) FROM todo WHERE name = 'written after the backup'").strip() == "0"
    assert db(f"SELECT COUNT(*) FROM migrations WHERE name = '{mig2}'").strip() == "0", "as before the migration"
    assert "t_group" not in db("SHOW COLUMNS FROM todo")
    assert db("SHOW DATABASES LIKE 'flyton%'").split() == ["flyton"], "no side database left"
    before = re.search(r"the database before is backup (\S+)", out).group(1)
    assert before.endswith("-before-restore"), out
    kept = set(on("flyprod1", f"zcat /srv/flyton/backups/{before}.sql.gz | grep -a -o \"'restore [0-9]* [0-9]*'\" || true").split("\n"))
    live = {n for n, i in r["rows"]}
    lost = [n for n, i in r["acked"] if n not in live and f"'{n}'" not in kept]
    assert r["acked"], "the load ran"
    assert lost == [], f"acknowledged, and in neither the database nor the backup before the restore: {lost[:5]}"
    assert all("restored" in str(a) for n, a in r["failed"]), r["failed"][:5]     # refused with a reason, never lost
    assert on("flyprod1", "ls /srv/flyton/shared/hold 2>/dev/null || echo none").strip() == "none"
    for n in nodes:
        s, a = api(n, "api_todo_list", {}, st["ses"])
        assert a["allow"] == 1, (n, a)


def test_through_the_balancer_a_database_restart_fails_no_call_and_writes_once(balancer):
    # (each client rests 0.02 s between calls: at most about 100 calls a second in all, as many as the
    # suite beside it leaves room for; unpaced, the load took the CPU the other tests need)
    r = load("dbrestart", 8, lambda: restart(st["db"]), pause=0.02)
    assert r["failed"] == [], r["failed"][:5]
    assert len(r["acked"]) > 20, "the load ran"
    assert r["rows"] == sorted(r["acked"]), "every acknowledged write is there, once, and nothing else"


def test_through_the_balancer_a_node_killed_fails_no_call_and_loses_no_write(balancer):
    r = load("nodekill", 8, lambda: sh(f"{top}/tests/prodhost kill flyprod2"), pause=0.02)
    assert r["failed"] == [], r["failed"][:5]
    assert len(r["acked"]) > 20, "the load ran"
    assert r["rows"] == sorted(r["acked"]), "every acknowledged write is there, once, and nothing else"

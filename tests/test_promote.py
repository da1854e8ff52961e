# test_promote.py: dev -> prod for real. tests/prodhost makes a second machine (a
# Debian root with sshd, Apache + mod_wsgi and MariaDB in its own network namespace,
# 10.231.0.2); a dev clone made here changes code and schema, commits, and promotes
# with server/bin/flyton. The tests run in order and share the prod machine.
# They run once per tests/run, beside its passes, in a pytest of their own (prod is always
# the mod_wsgi runtime).
import os
import re
import json
import time
import ssl
import shutil
import secrets
from http.client import HTTPConnection, HTTPSConnection
import threading
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import top

pytestmark = [pytest.mark.skipif(os.environ.get("FLYTON_PROD_TESTS") != "1",
                                 reason="the prod host tests run once per tests/run, beside the suite"),
              pytest.mark.own_machines]
prod = "https://10.231.0.2"       # prod serves https (a self-signed certificate from its first install)
ssh_config = "/opt/flyton/prodhost/ssh_config"
env = dict(os.environ, FLYTON_SSH=f"ssh -F {ssh_config}")
env.pop("SUDO_USER", None)     # root's ssh and key here (under `sudo tests/run` flyton would ssh as the developer)
free = 1 + max(int(f[:4]) for f in os.listdir(f"{top}/sql/migrations") if f[:4].isdigit())
color = f"{free:04d}_todo_color.sql"      # the migrations the tests add take the next free numbers
st = {}      # what the tests share: the dev clone, the admin password, releases


def sh(cmd, cwd=None, check=True):
    r = subprocess.run(cmd, shell=True, cwd=cwd, capture_output=True, text=True, env=env, timeout=600)
    if check:
        assert r.returncode == 0, f"{cmd}\n{r.stdout}\n{r.stderr}"
    return r


def on_prod(cmd):
    return sh(f"ssh -F {ssh_config} flyprod {json.dumps(cmd)}").stdout


def flyton(args):
    # server/bin/flyton of the dev clone; (exit code, all it said)
    r = sh(f"server/bin/flyton {args}", cwd=st["dev"], check=False)
    return r.returncode, r.stdout + r.stderr


def commit(files, msg):
    for p, text in files.items():
        full = os.path.join(st["dev"], p)
        if text is None:
            os.remove(full)
            continue
        with open(full, "w") as f:
            f.write(text)
    sh(f"git add -A && git -c user.name=dev -c user.email=dev@example.com commit -qm {json.dumps(msg)}", cwd=st["dev"])


def http(path, body=None):
    req = urllib.request.Request(prod + path, data=body, headers={"Content-Type": "application/json"} if body else {})
    try:
        r = urllib.request.urlopen(req, timeout=30, context=trust())
        return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def trust():
    # prod's own self-signed certificate, checked as the only one trusted (it names the
    # machine, not the address 10.231.0.2, so the name is not compared)
    if "ctx" not in st:
        c = ssl.create_default_context(cadata=on_prod("cat /etc/flyton/self-signed.crt"))
        c.check_hostname = False
        st["ctx"] = c
    return st["ctx"]


def api(meth, inp, ses=""):
    s, t = http(f"/cgi-bin/api?meth={meth}", json.dumps({"info": {"ses": ses}, "input": inp}).encode())
    return s, json.loads(t)["server"]


def current():
    return on_prod("readlink /srv/flyton/current").strip().split("/")[-1]


def releases():
    return sorted(on_prod("ls -1 /srv/flyton/releases").split())


@pytest.fixture(scope="module", autouse=True)
def machines(tmp_path_factory):
    sh(f"{top}/tests/prodhost up")
    d = str(tmp_path_factory.mktemp("dev") / "clone")
    sh(f"git clone -q {top} {d}")
    for f in ("bootstrap.min.css", "bootstrap.rtl.min.css", "bootstrap.bundle.min.js"):
        shutil.copy(f"{top}/client/lib/{f}", f"{d}/client/lib/{f}")
    st["dev"] = d
    yield
    sh(f"{top}/tests/prodhost down", check=False)


def test_prod_init_installs_a_prod_site():
    rc, out = flyton(f"prod-init flyprod --url {prod}")
    assert rc == 0, out
    m = re.search(r"created user admin, password: (\S+)", out)
    assert m
    assert "ok: the dashboard page, as admin" in out
    assert re.search(r"ok: \d+ pages built", out)
    # its last lines are a prod node's: its address, how it is run from the dev box; no dev box advice
    assert f"open:   {prod}/  (its name: site_url in /srv/flyton/shared/config.py" in out, out
    assert "from the dev box:  sudo server/bin/flyton promote HOST" in out, out
    assert "sudo tests/run" not in out and "https://localhost/" not in out, out
    st["pw"] = m.group(1)
    cfg = on_prod("cat /srv/flyton/shared/config.py")
    assert 'runtime = "wsgi"' in cfg
    assert 'sys_mode = "prod"' in cfg
    assert on_prod("readlink /srv/flyton/current/server/config.py").strip() == "/srv/flyton/shared/config.py"
    assert on_prod("mysql -N -e 'SELECT username FROM flyton.users'").split() == ["admin"]   # no test users
    s, a = api("api_ping", {})
    assert s == 200
    assert a["allow"] == 1
    assert a["db"] == 1
    s, a = api("api_login", {"u": "admin", "p": st["pw"]})
    assert a["allow"] == 1
    st["ses"] = a["ses"]
    rc, out = flyton("prod-init flyprod")           # only once
    assert rc == 1
    assert "has a Flyton already" in out
    # the load tests below send thousands of calls with one session: no per-user rate limit for them here
    # (test_limits.py tests the limits)
    on_prod("printf '%s\\n' 'rate_limits = {\"default\": \"1000000/minute per user\"}' >> /srv/flyton/shared/config.py && "
            "/srv/flyton/current/server/bin/flyton reload >/dev/null")


def test_prod_serves_https_and_sends_plain_http_there():
    c = HTTPConnection("10.231.0.2", 80, timeout=30)
    c.request("GET", "/cgi-bin/p?app=start&r=309012&rpage=dashboard")
    r = c.getresponse()
    assert r.status == 301
    assert r.headers["Location"] == "https://10.231.0.2/cgi-bin/p?app=start&r=309012&rpage=dashboard"
    c.close()
    # the name is prod-init's --url (site_url), whatever Host a request brings; other names get 421
    assert 'site_url = "https://10.231.0.2"' in on_prod("cat /srv/flyton/shared/config.py")
    c = HTTPConnection("10.231.0.2", 80, timeout=30)
    c.request("GET", "/pages/login/", headers={"Host": "attacker.example"})
    r = c.getresponse()
    assert r.status == 301
    assert r.headers["Location"] == "https://10.231.0.2/pages/login/"
    c.close()
    c = HTTPSConnection("10.231.0.2", 443, timeout=30, context=trust())
    c.request("GET", "/pages/login/", headers={"Host": "attacker.example"})
    r = c.getresponse()
    assert r.status == 421
    assert "id=u" not in r.read().decode()
    c.close()
    c = HTTPSConnection("10.231.0.2", 443, timeout=30, context=trust())
    c.request("GET", "/pages/login/")
    r = c.getresponse()
    assert r.status == 200
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert r.headers["Server"] == "Apache"
    c.close()
    assert on_prod("cat /etc/flyton/tls").split() == ["cert", "/etc/flyton/self-signed.crt", "key", "/etc/flyton/self-signed.key"]


def test_promote_refuses_uncommitted_changes_and_failing_tests():
    before = releases()
    with open(f"{st['dev']}/README.md", "a") as f:
        f.write("\nnot committed\n")
    rc, out = flyton("promote flyprod --skip-tests")
    assert rc == 1
    assert "not committed" in out
    sh("git checkout -q README.md", cwd=st["dev"])
    commit({"tests/run": "#!/usr/bin/env bash\necho 'a test failed'\nexit 1\n"}, "tests that fail")
    rc, out = flyton("promote flyprod")
    assert rc == 1
    assert "a test failed" in out
    assert "the tests failed: nothing was promoted" in out
    sh("git reset -q --hard HEAD~1", cwd=st["dev"])
    assert releases() == before


def test_promote_ships_a_page_an_api_method_and_a_migration():
    # rows written on prod before the promote, a file uploaded there, its config
    on_prod("mysql flyton -e \"INSERT INTO todo (user_id, name) VALUES (1001, 'prod row 1'), (1001, 'prod row 2'), (1001, 'prod row 3')\"")
    on_prod("echo uploaded-on-prod > /srv/flyton/shared/files/t_up.txt")
    cfg = on_prod("md5sum /srv/flyton/shared/config.py")
    rows = on_prod("mysql -N flyton -e 'SELECT id, name FROM todo ORDER BY id'")
    commit({
        "client/app/admin/t_prodpage.py": "from tools.db_users import *\n\n\ndef t_prodpage(data):\n"
                                          "    return f\"<p id=t_prodpage>new page for {my_user()['username']}</p>\"\n",
        "server/apis/api/api_t_prod.py": "from tools.kicapi import *\n\n\ndef api_t_prod(data):\n    api_ok({'prod': 1})\n",
        f"sql/migrations/{color}": "ALTER TABLE todo ADD COLUMN color VARCHAR(20) NOT NULL DEFAULT 'none';\n"
                                              "CREATE INDEX todo_color ON todo (color, is_active);\n",
    }, "a page, an api method, a migration")
    assert api("api_t_prod", {}, st["ses"])[0] == 404          # not there yet
    rc, out = flyton("promote flyprod --skip-tests")
    assert rc == 0, out
    assert f"copy: ok: {color}" in out
    assert f"ok: {color}" in out
    s, t = http(f"/cgi-bin/p?app=start&r=309012&ses={st['ses']}&rpage=t_prodpage")
    assert s == 200
    assert "<p id=t_prodpage>new page for admin</p>" in t
    s, a = api("api_t_prod", {}, st["ses"])
    assert s == 200
    assert a["prod"] == 1
    assert on_prod("mysql -N flyton -e 'SELECT id, name FROM todo ORDER BY id'") == rows
    assert on_prod("mysql -N flyton -e 'SELECT DISTINCT color FROM todo'").split() == ["none"]
    assert "todo_color" in on_prod("mysql -N flyton -e 'SHOW INDEX FROM todo'")
    assert on_prod(f"mysql -N flyton -e \"SELECT COUNT(*) FROM migrations WHERE name = '{color}' AND is_active = 1\"").strip() == "1"
    assert http("/pages/files/t_up.txt") == (200, "uploaded-on-prod\n")
    assert on_prod("md5sum /srv/flyton/shared/config.py") == cfg
    assert len(on_prod("ls /srv/flyton/backups").split()) >= 1
    st["good"] = current()
    # again, with nothing new: the migration does not run twice
    rc, out = flyton("promote flyprod --skip-tests")
    assert rc == 0
    assert "no pending migrations" in out
    assert on_prod(f"mysql -N flyton -e \"SELECT COUNT(*) FROM migrations WHERE name = '{color}'\"").strip() == "1"
    st["good"] = current()


def test_a_release_that_fails_its_health_check_is_switched_back():
    good = current()
    header = open(f"{st['dev']}/client/app/admin/header.py").read()
    commit({"client/app/admin/header.py": "raise ImportError('broken on purpose')\n" + header}, "a header that breaks")
    rc, out = flyton("promote flyprod --skip-tests")
    assert rc == 1
    assert "failed its health check" in out
    assert f"{good} serves again" in out
    assert current() == good
    s, t = http(f"/cgi-bin/p?app=start&r=309012&ses={st['ses']}&rpage=t_prodpage")
    assert s == 200
    assert "new page for admin" in t
    sh("git reset -q --hard HEAD~1", cwd=st["dev"])


@pytest.mark.parametrize("f,text", [
    ("client/app/admin/t_broken.py", "import t_no_such_module\n\n\ndef t_broken(data):\n    return 'never'\n"),
    ("client/app/admin/t_broken2.py", "def t_broken2(data):\n    return 1 / 0\n"),
    ("server/apis/api/api_t_broken.py", "from tools.kicapi import *\n\n\ndef api_t_broken(data)\n    api_ok({})\n"),
    ("server/apis/api/api_t_broken2.py", "from tools.kicapi import *\n"),
])
def test_one_broken_page_or_method_sends_the_release_back_and_is_named(f, text):
    # the rest of the release is fine: only the check of every page and method can see it
    good = current()
    ses_before = on_prod("mysql -N flyton -e 'SELECT COUNT(*) FROM ses'")
    commit({f: text}, f"{f}, broken")
    rc, out = flyton("promote flyprod --skip-tests")
    assert rc == 1, out
    assert re.search(rf"release \S+ failed its health check \(FAILED: {re.escape(f)}", out), out
    assert f"{good} serves again" in out
    assert current() == good
    assert http("/pages/login/")[0] == 200
    assert on_prod("mysql -N flyton -e 'SELECT COUNT(*) FROM ses'") == ses_before     # the check user leaves no session
    sh("git reset -q --hard HEAD~1", cwd=st["dev"])


def test_a_failing_migration_changes_nothing():
    good = current()
    before = on_prod("mysql -N flyton -e 'SHOW COLUMNS FROM todo; SELECT name, is_active FROM migrations ORDER BY id'")
    commit({f"sql/migrations/{free + 1:04d}_bad.sql": "ALTER TABLE todo ADD COLUMN t_x INT NULL;\nALTER TABLE todo ADD COLUMN t_x INT NULL;\n"},
           "a migration that fails")
    rc, out = flyton("promote flyprod --skip-tests")
    assert rc == 1
    assert "statement 2 of 2 failed" in out
    assert "nothing changed" in out
    assert current() == good
    assert on_prod("mysql -N flyton -e 'SHOW COLUMNS FROM todo; SELECT name, is_active FROM migrations ORDER BY id'") == before
    assert on_prod("mysql -N -e \"SHOW DATABASES LIKE 'flyton_promote_check'\"").strip() == ""
    grants = on_prod("mysql -N -e \"SELECT user FROM mysql.db WHERE db LIKE 'flyton%promote%check'\"")
    assert grants.strip() == "", f"no account keeps a right on the copy's name: {grants}"
    sh("git reset -q --hard HEAD~1", cwd=st["dev"])


def test_rollback_returns_the_previous_release_and_keeps_config_and_files():
    cur = current()
    cfg = on_prod("md5sum /srv/flyton/shared/config.py")
    rs = releases()
    prev = rs[rs.index(cur) - 1]
    rc, out = flyton("rollback flyprod")
    assert rc == 0, out
    assert f"release {prev} serves again" in out, out
    assert current() == prev
    assert http("/pages/files/t_up.txt") == (200, "uploaded-on-prod\n")
    assert on_prod("md5sum /srv/flyton/shared/config.py") == cfg
    rc, out = flyton("releases flyprod")
    assert rc == 0, out
    assert re.search(rf"\*\s+{prev}", out), out
    assert re.search(rf"{prev} .* rolled back to \(from {cur}\)", out), out
    assert re.search(rf"x\s+{cur} .* rolled back from \(to {prev}\)", out), out    # marked: rollback skips it from now on
    st["rolled_from"], st["rolled_to"] = cur, prev


@pytest.mark.parametrize("args", ["rollback flyprod --help", "rollback --help flyprod", "promote flyprod --skip-tests --help",
                                  "restore flyprod x -h", "prod-init flyprod --help", "logs flyprod --help"])
def test_help_anywhere_prints_help_and_does_nothing(args):
    # prod as it was: current, the releases and their log (one ssh call)
    state = "readlink /srv/flyton/current; ls -1 /srv/flyton/releases; cat /srv/flyton/releases.log"
    before = on_prod(state)
    rc, out = flyton(args)
    assert rc == 0, out
    c = args.split()[0]
    # the command's line of `flyton --help` (its file's first line), then its own usage
    assert out.startswith(f"flyton {c}: "), out
    assert out.splitlines()[1].startswith("usage: sudo server/bin/flyton " + c), out
    assert on_prod(state) == before, "the help changed something on prod"


def test_unknown_words_are_refused():
    cur = current()
    for args in ("rollback flyprod a b", "rollback flyprod ../x", "releases flyprod extra", "promote flyprod --fast"):
        rc, out = flyton(args)
        assert rc == 1, (args, out)
        assert ("usage" in out or "no such release" in out), (args, out)
    assert current() == cur


def test_load_during_a_promote_fails_no_request():
    errs = []
    done = [0]
    stop = threading.Event()

    def load():
        end = time.time() + 120           # bounded in time and count
        while not stop.is_set() and time.time() < end and done[0] < 20000:
            s, t = http(f"/cgi-bin/p?app=start&r=309012&ses={st['ses']}&rpage=dashboard")
            if s != 200 or "id=kicheader" not in t:
                errs.append(s)
            s2, a = api("api_ping", {})
            if s2 != 200:
                errs.append(s2)
            done[0] += 2

    commit({"client/app/admin/t_prodpage.py": "def t_prodpage(data):\n    return '<p id=t_prodpage>version two</p>'\n"},
           "version two of the page")
    ts = [threading.Thread(target=load) for i in range(4)]
    for t in ts:
        t.start()
    try:
        time.sleep(1)
        rc, out = flyton("promote flyprod --skip-tests")
        time.sleep(1)
    finally:
        stop.set()
        for t in ts:
            t.join(130)
    assert rc == 0, out
    assert errs == []
    assert done[0] > 100
    s, t = http(f"/cgi-bin/p?app=start&r=309012&ses={st['ses']}&rpage=t_prodpage")
    assert "version two" in t


def test_a_later_rollback_skips_the_release_rolled_back_from():
    # A, B (rolled back from, to A), C (the load test's): rollback from C goes to A, not B
    c = current()
    assert c > st["rolled_from"] > st["rolled_to"]
    rc, out = flyton("rollback flyprod")
    assert rc == 0, out
    assert f"skipped {st['rolled_from']}" in out
    assert current() == st["rolled_to"]
    rc, out = flyton(f"rollback flyprod {c}")            # a release named is taken as it is
    assert rc == 0, out
    assert current() == c, out
    rc, out = flyton("rollback flyprod 20990101-000000-abcdef1234")
    assert rc == 1
    assert "no release" in out
    assert current() == c


def test_the_worker_runs_the_release_it_is_switched_to_and_a_job_keeps_its_release():
    # a job that writes the release it runs in and queues one more (which records the release that
    # queued it); promote, rollback and a rollback to a release named each start the worker again
    commit({"server/apis/jobs/job_t_rel.py": "from tools.sql import *\nfrom tools import kicjob\n\n\n"
                                             "def job_t_rel(data):\n"
                                             "    sql(\"INSERT INTO logs (act_type, send_text) VALUES ('t_rel', %s)\", "
                                             "[data['tag'] + ' ' + kicjob.release()])\n"
                                             "    if data.get('again'):\n"
                                             "        kicjob.job('t_rel', {'tag': data['tag'] + 'b'})\n"}, "a job that says its release")
    rc, out = flyton("promote flyprod --skip-tests")
    assert rc == 0, out
    d = current()
    pid = lambda: on_prod("cat /run/flyton/worker-flyton.pid").split()[0]
    ran = lambda tag: on_prod(f"mysql -N flyton -e \"SELECT send_text FROM logs WHERE act_type = 't_rel' AND send_text LIKE '{tag}%'\"").split("\n")
    tag = "w" + secrets.token_hex(4)
    on_prod(f"mysql flyton -e \"INSERT INTO jobs (name, data) VALUES ('t_rel', JSON_OBJECT('tag', '{tag}', 'again', 1))\"")
    end = time.monotonic() + 30
    while len([x for x in ran(tag) if x]) < 2 and time.monotonic() < end:
        time.sleep(0.3)
    assert sorted(x for x in ran(tag) if x) == [f"{tag} {d}", f"{tag}b {d}"]
    assert on_prod(f"mysql -N flyton -e \"SELECT rel FROM jobs WHERE JSON_VALUE(data, '$.tag') = '{tag}b'\"").strip() == d
    p1 = pid()
    rc, out = flyton("rollback flyprod")
    assert rc == 0, out
    p2 = pid()
    assert p2 != p1 and on_prod(f"test -d /proc/{p2} && echo up").strip() == "up"
    rc, out = flyton(f"rollback flyprod {d}")
    assert rc == 0, out
    assert current() == d and pid() not in (p1, p2)
    tag = "w" + secrets.token_hex(4)
    on_prod(f"mysql flyton -e \"INSERT INTO jobs (name, data) VALUES ('t_rel', JSON_OBJECT('tag', '{tag}'))\"")
    end = time.monotonic() + 30
    while not [x for x in ran(tag) if x] and time.monotonic() < end:
        time.sleep(0.3)
    assert [x for x in ran(tag) if x] == [f"{tag} {d}"]


def test_a_non_root_login_with_sudo_under_the_developers_own_ssh():
    # as on EC2: sudo flyton ... runs ssh as the developer ($SUDO_USER, their ~/.ssh/config and
    # key), and the login there is ubuntu, who uses sudo
    dev = "flytondev"
    alias = "t-prod-" + secrets.token_hex(3)      # a name of its own: a project's server/groups may name "prod"
    subprocess.run(["userdel", "-r", dev], capture_output=True)
    sh(f"useradd -m -s /bin/bash {dev}")
    try:
        home = f"/home/{dev}"
        os.makedirs(f"{home}/.ssh", mode=0o700)
        shutil.copy("/opt/flyton/prodhost/key", f"{home}/.ssh/prod.pem")
        with open(f"{home}/.ssh/config", "w") as f:
            f.write(f"Host {alias}\n    HostName 10.231.0.2\n    User ubuntu\n    IdentityFile ~/.ssh/prod.pem\n"
                    "    StrictHostKeyChecking no\n    UserKnownHostsFile /dev/null\n    LogLevel ERROR\n")
        sh(f"chown -R {dev}: {home}/.ssh && chmod 600 {home}/.ssh/*")
        e = dict(os.environ, SUDO_USER=dev)
        e.pop("FLYTON_SSH", None)
        r = subprocess.run(f"server/bin/flyton releases {alias}", shell=True, cwd=st["dev"], capture_output=True, text=True, env=e, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        assert re.search(r"\*\s+\d{8}-", r.stdout), r.stdout + r.stderr
        commit({"client/app/admin/t_prodpage.py": "def t_prodpage(data):\n    return '<p id=t_prodpage>via ubuntu</p>'\n"},
               "promoted by a non-root login")
        r = subprocess.run(f"server/bin/flyton promote {alias} --skip-tests", shell=True, cwd=st["dev"], capture_output=True,
                           text=True, env=e, timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "via ubuntu" in http(f"/cgi-bin/p?app=start&r=309012&ses={st['ses']}&rpage=t_prodpage")[1]
        assert on_prod("stat -c %U /srv/flyton/releases/" + current()) == "root\n"
        # and USER@HOST on the command line, with the tests' ssh config (as root here)
        rc, out = flyton("releases ubuntu@flyprod")
        assert rc == 0, out
        assert current() in out, out
    finally:
        subprocess.run(["userdel", "-r", dev], capture_output=True)


def test_logs_on_prod_show_an_error_by_its_reference():
    commit({"server/apis/api/api_t_fails.py": "from tools.kicapi import *\n\n\ndef api_t_fails(data):\n"
                                              "    if data['post']['input'].get('x'):\n        raise ValueError('t_fails on purpose')\n"
                                              "    api_ok({})\n"}, "a method that can fail")
    rc, out = flyton("promote flyprod --skip-tests")
    assert rc == 0, out
    s, a = api("api_t_fails", {"x": 1}, st["ses"])
    assert s == 500
    assert re.fullmatch(r"[0-9a-f]{8}", a["ref"])
    rc, out = flyton(f"logs flyprod {a['ref']}")
    assert rc == 0, out
    assert "ValueError: t_fails on purpose" in out, out
    assert "Traceback" in out, out
    assert all(f"ref {a['ref']}" in ln for ln in out.strip().split("\n")), out
    rc, out = flyton("logs flyprod 0badc0de")
    assert rc == 1
    assert "no reference 0badc0de" in out


def test_restore_goes_back_to_a_backup_and_can_be_undone():
    b = sorted(on_prod("ls /srv/flyton/backups").split())[-1][:-len(".sql.gz")]
    on_prod("mysql flyton -e \"INSERT INTO todo (user_id, name) VALUES (1001, 't_after_backup')\"")
    count = "mysql -N flyton -e \"SELECT COUNT(*) FROM todo WHERE name = 't_after_backup'\""
    assert on_prod(count).strip() == "1"
    r = subprocess.run(f"server/bin/flyton restore flyprod {b}", shell=True, cwd=st["dev"], input="no\n",
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1
    assert "nothing was changed" in r.stderr
    assert on_prod(count).strip() == "1"
    rc, out = flyton(f"restore flyprod {b} --yes")
    assert rc == 0, out
    assert on_prod(count).strip() == "0"
    before = re.search(r"the database before is backup (\S+)", out).group(1)
    assert api("api_ping", {})[1]["db"] == 1
    assert http("/pages/login/")[0] == 200
    dbs = on_prod("mysql -N -e 'SHOW DATABASES'").split()
    assert "flyton_restore" not in dbs
    assert "flyton_replaced" not in dbs   # no side database left
    rc, out = flyton(f"restore flyprod {before} --yes")           # undone
    assert rc == 0, out
    assert on_prod(count).strip() == "1", out
    rc, out = flyton("restore flyprod 20990101-nothing --yes")
    assert rc == 1
    assert "has no backup" in out


def test_prod_keeps_the_newest_releases_and_backups():
    assert len(releases()) >= 3
    env["FLYTON_KEEP"] = "2"
    try:
        rc, out = flyton("promote flyprod --skip-tests")
    finally:
        env.pop("FLYTON_KEEP")
    assert rc == 0, out
    assert "removed the old release" in out, out
    rs = releases()
    assert len(rs) == 2
    assert current() == rs[-1]
    assert len(on_prod("ls /srv/flyton/backups").split()) == 2
    rc, out = flyton("releases flyprod")
    assert rc == 0
    assert all(r in out for r in rs)


def test_no_file_on_prod_gives_the_database_password_to_another_account():
    # after all the above (installs, promotes with migrations checked on a copy, restores): what
    # an ordinary account on prod can read holds no database password
    pw = re.search(r'"password": "([^"]+)"', on_prod("cat /srv/flyton/shared/config.py")).group(1)
    opw = on_prod("sed -n 's/^password=//p' /etc/flyton/owner-flyton.cnf").strip()      # the owner's (migrations)
    assert opw
    assert on_prod("stat -c '%a %U' /etc/flyton/owner-flyton.cnf").strip() == "600 root"
    for p in (pw, opw):
        out = on_prod(f"runuser -u nobody -- grep -rlsF --exclude-dir=site-packages '{p}' /srv/flyton /var/cache/flyton "
                      "/var/log/flyton /etc/flyton /opt/flyton /tmp /etc/apache2 || true")
        assert out == "", f"readable by anyone on prod, with a database password: {out}"


def test_root_on_prod_never_runs_code_the_web_servers_user_wrote():
    # the third audit: a compiled argparse planted as www-data in the web server's bytecode cache ran
    # as root with the nightly archive. On prod: root's commands (cron's archive, promote, restore,
    # health) compile into root's own cache
    mark = f"/tmp/t_planted_{secrets.token_hex(4)}"
    py = "/opt/flyton/venv/bin/python"
    plant = f"""set -e
printf 'import os\\nopen("{mark}", "w").write(str(os.getuid()))\\n' > {mark}.py
{py} -c 'import sys, py_compile as c; c.compile(sys.argv[1], sys.argv[2], invalidation_mode=c.PycInvalidationMode.UNCHECKED_HASH)' {mark}.py {mark}.pyc
chmod 644 {mark}.pyc
f=$({py} -c 'import sys, os, argparse; print("/var/cache/flyton/pycache" + os.path.realpath(argparse.__file__)[:-3] + "." + sys.implementation.cache_tag + ".pyc")')
runuser -u www-data -- sh -c "mkdir -p $(dirname $f) && cp {mark}.pyc $f"
echo $f
"""
    r = subprocess.run(["ssh", "-F", ssh_config, "flyprod", "sh", "-s"], input=plant, capture_output=True, text=True, timeout=120)
    planted = r.stdout.strip()
    assert r.returncode == 0 and planted.startswith("/var/cache/flyton/pycache/"), r.stdout + r.stderr
    try:
        r = sh(f"ssh -F {ssh_config} flyprod /srv/flyton/current/server/bin/flyton archive --dry-run", check=False)
        assert on_prod(f"cat {mark} 2>/dev/null || true").strip() == "", "root ran what www-data planted"
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        on_prod(f"rm -f {planted} {mark} {mark}.py {mark}.pyc")
    assert on_prod("stat -c '%u %a' /var/cache/flyton-root").strip() == "0 700"
    # the import path (server/pypath: the folder of config.py, client/app, server/...) is not the web server's to write
    assert on_prod("cd / && runuser -u www-data -- find /srv/flyton/current/server/ /srv/flyton/current/client/app/ "
                   "/srv/flyton/shared/config.py -writable -print -quit").strip() == ""

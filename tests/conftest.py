# conftest.py: what every test shares: the test instance of the site over HTTP
# (tests/run starts it: its own database, one Apache site per runtime), the real
# database through Flyton's own tools, and users made for one test.
# The import path (the test config first) is set by tests/run.
import os
import json
import secrets
import subprocess
import contextlib
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

# the tests set up their world (tables of their own, rows) as the database's owner account, as
# migrations do; the site under test connects as its own user, which may change rows only
os.environ["FLYTON_DB_OWNER"] = "1"

import config  # noqa: E402
from tools import sql  # noqa: E402
from tools.db_users import add_user

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # the copy that tests/run made
clone = os.environ.get("FLYTON_CLONE", top)     # the clone itself, with the dev site: only read
site = os.environ.get("FLYTON_URL", "http://127.0.0.1:8091")
runtime = os.environ.get("FLYTON_RUNTIME", "cgi")
cfg_file = config.__file__                      # the test instance's config.py
logs = f"/var/log/apache2/flyton_test_{runtime}"  # _error.log, _access.log
out_dir = os.path.join(os.path.dirname(top), "out")   # screenshots, beside the copy


class Noredir(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


opener = urllib.request.build_opener(Noredir)


def http(path, body=None, method=None, headers=None):
    # (status, headers, text) of one request to the site; redirects are not followed
    data = body.encode("utf-8") if isinstance(body, str) else body
    req = urllib.request.Request(site + path, data=data, method=method, headers=headers or {})
    try:
        r = opener.open(req, timeout=30)
        return r.status, r.headers, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")


json_type = {"Content-Type": "application/json"}


def ses_of(user):
    # a user fixture (its "ses"), a token, or nobody
    if isinstance(user, dict):
        return user.get("ses", "")
    return user or ""


# The test client over HTTP, to the site under test. inproc.py's api() and page() take the same
# arguments and give the same answers in process: a test file moves between the two by its import line.
def api(meth, inp=None, user=None, uses="", raw=None, addr=""):
    # (status, the answer's "server" dict) of a call like call_server(meth, inp); addr: sent from
    # that loopback address (127.0.0.x), so the site sees another client, as from another machine
    body = raw if raw is not None else json.dumps({"info": {"os": "a", "ses": ses_of(user), "uses": uses}, "input": inp or {}})
    if not addr:
        st, h, t = http(f"/cgi-bin/api?meth={meth}", body, "POST", json_type)
        return st, json.loads(t)["server"]
    from http.client import HTTPConnection
    from urllib.parse import urlsplit
    s = urlsplit(site)
    c = HTTPConnection(s.hostname, s.port, timeout=30, source_address=(addr, 0))
    try:
        c.request("POST", f"/cgi-bin/api?meth={meth}", body, json_type)
        r = c.getresponse()
        return r.status, json.loads(r.read().decode("utf-8"))["server"]
    finally:
        c.close()


def page(rpage="", user=None, app="start", more=""):
    # (status, html) of /cgi-bin/p?app=..&r=309012&ses=..&rpage=..; more: the query's rest ("&q=a%25");
    # its headers: http()
    q = f"/cgi-bin/p?app={quote(app)}&r=309012&ses={quote(ses_of(user))}"
    if rpage:
        q += f"&rpage={quote(rpage)}"
    st, h, t = http(q + more)
    return st, t


def this_clone_is_the_site():
    # install.sh ran in this clone (the machine's Apache site serves it); a copy of a project (the
    # grown copies of tests/run --all) runs its gate on a machine whose site is another clone
    try:
        return 1 if f"Alias /lib/ {clone}/client/lib/" in open("/etc/apache2/sites-available/flyton.conf").read() else 0
    except OSError:
        return 0


def demo_here():
    # the demo todo app: its page, methods, table tool and table. A project renames or drops it, and
    # its tests (test_app.py, test_browser.py's todo walks) skip then, saying so
    files = ("client/app/admin/todo.py", "server/apis/api/api_todo_add.py", "server/apis/api/api_todo_list.py",
             "server/apis/api/api_todo_del.py", "server/apis/api/api_todo_done.py", "server/apis/api/api_todo_edit.py",
             "server/apis/tools/db_todo.py", "client/lib/todo.js")
    if not all(os.path.exists(os.path.join(top, f)) for f in files):
        return 0
    return 1 if sql.kic_sql("SHOW TABLES LIKE 'todo'") else 0


needs_demo = pytest.mark.skipif(not demo_here(), reason="the demo todo app is not in this project (renamed or dropped)")


def new_user(roles=(), data=None):
    # a fresh active user: (username, password, id)
    u = "t_" + secrets.token_hex(5)
    p = "pw-" + secrets.token_hex(8)
    w = add_user(u, p, list(roles), "Test", "User", data or {})
    assert w["status"], w
    return u, p, w["id"]


def login(u, p):
    # a new session of the user (in process: a session is a row, whichever runtime made it)
    import inproc
    st, a = inproc.api("api_login", {"u": u, "p": p})
    assert a["allow"] == 1, a
    return a["ses"]


@pytest.hookimpl(hookwrapper=True)
def pytest_collection_modifyitems(config, items):
    # (a wrapper: pytest's own -k and -m select first, then whole_modules and select below)
    every = list(items)
    yield
    whole_modules(every, items)
    select(config, items)


def whole_modules(every, items):
    # the tests with machines of their own (own_machines) share their machines and run in order (a
    # promote before its rollback): any of them selected (-k rollback, tests/run --all), their file runs whole
    keep = {i.module.__name__ for i in items if i.get_closest_marker("own_machines")}
    whole = [i for i in every if i.module.__name__ in keep]
    if len(whole) > len([i for i in items if i.module.__name__ in keep]):
        items[:] = whole + [i for i in items if i.module.__name__ not in keep]


def select(config, items):
    # an in-process test calls no runtime: it runs in the first pass of tests/run only, or, when
    # its file is in FLYTON_ONCE_MOVED (tests/run, passes beside each other), in the other pass only
    first = os.environ.get("FLYTON_FIRST", "1") == "1"
    moved = os.environ.get("FLYTON_ONCE_MOVED", "").split()

    def here(i):
        return first != (os.path.basename(str(i.fspath)) in moved)
    gone = [i for i in items if i.get_closest_marker("once") and not here(i)]
    if gone:
        config.hook.pytest_deselected(items=gone)
        items[:] = [i for i in items if not i.get_closest_marker("once") or here(i)]
    # the files whose tests need the browser come last, whole (their order inside stays): on a new
    # machine tests/run is still installing it while the first tests run
    late = {i.module.__name__ for i in items if "tools_installed" in getattr(i, "fixturenames", ())}
    items.sort(key=lambda i: i.module.__name__ in late)
    # the framework's own proof (machines of their own, copies of the project grown and tested
    # inside) runs in `tests/run --all` only: the project's gate (tests/run) builds no machine
    # the grown copies run their own gate, which remakes the test instance: tests/run --all runs them
    # last, on their own (FLYTON_GROWN=1)
    grown = [i for i in items if (i.get_closest_marker("grown") is None) == (os.environ.get("FLYTON_GROWN") == "1")]
    if grown:
        config.hook.pytest_deselected(items=grown)
        items[:] = [i for i in items if i not in grown]
    if os.environ.get("FLYTON_ALL") != "1":
        # a test in Chromium sees the same pages whichever runtime serves them: in the gate, the
        # persistent runtime's pass has it (the CGI pass beside it does not)
        cgi_beside = runtime != "wsgi" and os.environ.get("FLYTON_SIDE") == "1"
        proof = [i for i in items if i.get_closest_marker("own_machines") or i.get_closest_marker("proof")
                 or (cgi_beside and "browser" in getattr(i, "fixturenames", ()) and not i.get_closest_marker("once"))]
        if proof:
            config.hook.pytest_deselected(items=proof)
            items[:] = [i for i in items if i not in proof]


# Beside each other (tests/run's FLYTON_SIDE=1), the CGI and the wsgi pass each have a test instance
# of their own, and share the database server and Apache. With FLYTON_LOCK=1 (tests/run: something
# runs beside this pytest) a test marked alone holds the lock alone; every other test shares it. A
# test that wants it alone first takes the turn, so the other pass's next test waits behind it.
side = os.environ.get("FLYTON_SIDE") == "1"
locking = os.environ.get("FLYTON_LOCK") == "1"
lock_dir = "/opt/flyton"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    # (the lanes of tests/run beside the passes share it too: test_dbhost copies this machine's database)
    if not locking or item.get_closest_marker("own_machines"):
        yield
        return
    import fcntl
    alone = item.get_closest_marker("alone") is not None
    with open(f"{lock_dir}/tests-turn.lock", "w") as turn, open(f"{lock_dir}/tests-side.lock", "w") as lk:
        fcntl.flock(turn, fcntl.LOCK_EX)
        fcntl.flock(lk, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        if not alone:
            fcntl.flock(turn, fcntl.LOCK_UN)
        yield     # both locks go with the files


log_files = ("/var/log/apache2/error.log", logs + "_error.log", config.log_file)


def error_log():
    # mod_cgid writes what scripts print to stderr into the main error log
    t = ""
    for f in log_files:
        if os.path.exists(f):
            t += open(f, encoding="utf-8", errors="replace").read()
    return t


def log_mark():
    # a function that returns what the error logs got since this call (each log from its own end:
    # one offset into all of them would shift when the first grows)
    ends = {f: os.path.getsize(f) if os.path.exists(f) else 0 for f in log_files}

    def since():
        t = ""
        for f, n in ends.items():
            if os.path.exists(f):
                with open(f, "rb") as fh:
                    fh.seek(n)
                    t += fh.read().decode("utf-8", "replace")
        return t
    return since


def reload_site():
    # the persistent runtime reads code and config once: `flyton reload`, as a user would
    if runtime != "wsgi":
        return ""
    r = subprocess.run([f"{top}/server/bin/flyton", "reload", "flyton_test_wsgi", f"{site}/cgi-bin/api?meth=api_ping"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def pypath(app, cfg):
    # the import path of the copy app with its config.py in cfg, as its flyton says (server/pypath)
    r = subprocess.run([f"{app}/server/bin/flyton", "pypath"], env=dict(os.environ, FLYTON_CONFIG_DIR=cfg),
                       capture_output=True, text=True, check=True)
    return r.stdout.strip()


def clone_copy(dest):
    # the files of this clone (committed or not, but none that git ignores) copied to dest
    os.makedirs(dest)
    ls = subprocess.run(["git", "-C", top, "ls-files", "-co", "--exclude-standard", "-z"], capture_output=True, check=True)
    names = b"\0".join(n for n in ls.stdout.split(b"\0") if n and os.path.exists(os.path.join(top, n.decode())))
    tar = subprocess.run(["tar", "--null", "-T", "-", "-cf", "-"], cwd=top, input=names, capture_output=True, check=True)
    subprocess.run(["tar", "-xf", "-", "-C", dest], input=tar.stdout, check=True)


browser_flags = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def tools_installed():
    # tests/run installs Chromium (and the rest of the test tools) beside the first tests; a test that
    # needs them waits here. FLYTON_APT_RC: the file apt's exit code lands in
    rc = os.environ.get("FLYTON_APT_RC")
    if not rc:
        return
    import time
    end = time.monotonic() + 900
    while not os.path.exists(rc) or not open(rc).read().strip():
        assert time.monotonic() < end, "the test tools were not installed within 15 minutes"
        time.sleep(1)
    assert open(rc).read().strip() == "0", "tests/run could not install the test tools: see /var/log/flyton-tests-install.log"


@pytest.fixture(scope="session")
def browser(tools_installed):
    # one headless Chromium (Debian's) for the whole run: a launch costs seconds of CPU; each
    # test opens contexts of its own (their own cookies and storage: nothing passes between tests)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=browser_flags)
        yield b
        b.close()


@contextlib.contextmanager
def chromium_page(browser):
    # one page in a context of its own, for a test that needs a browser once
    c = browser.new_context()
    try:
        pg = c.new_page()
        pg.set_default_timeout(15000)
        yield pg
    finally:
        c.close()


@contextlib.contextmanager
def config_lines(text):
    # the test instance's config.py with text added, for the time of a with block: for the
    # site, and for the in-process client (this process's config module)
    keep = open(cfg_file).read()
    was = dict(vars(config))
    try:
        with open(cfg_file, "a") as f:
            f.write("\n" + text + "\n")
        exec(text, vars(config))
        reload_site()
        restart_worker()
        yield
    finally:
        with open(cfg_file, "w") as f:
            f.write(keep)
        for k in [k for k in vars(config) if k not in was]:
            delattr(config, k)
        vars(config).update(was)
        reload_site()
        restart_worker()


def restart_worker(how="--restart"):
    # the test instance's worker of background jobs reads config.py once, as the daemons do
    r = subprocess.run([f"{top}/server/bin/flyton", "worker", how], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, FLYTON_CONFIG_DIR=os.path.dirname(cfg_file)))
    assert r.returncode == 0, r.stdout + r.stderr


@contextlib.contextmanager
def worker_paused():
    # the test instance's worker stopped for the time of a with block: a job the test queues or
    # retries stays as the test left it until the test runs it itself (inproc.run_jobs)
    restart_worker("--stop")
    try:
        yield
    finally:
        restart_worker("--start")


def clear_fails():
    # throttling counts recent login failures; tests start from none
    sql.sql("UPDATE logs SET is_active = 0 WHERE act_type IN ('login_fail', 'login_block') AND is_active = 1")
    sql.sql("UPDATE throttle SET n = 0 WHERE n != 0")


def set_gen(k, v):
    # one setting of the gen table (the test's own database)
    sql.insert_to_sql({"table": "gen", "id": sql.gen_data()[k]["id"], "set": {"val1": str(v)}})


@pytest.fixture
def gen_keep():
    # the login limits as they were, after the test changed them
    keep = {k: sql.gen_data()[k]["val"] for k in ("login_fail_max", "login_fail_min", "login_slow_max_s")}
    clear_fails()
    yield
    for k, v in keep.items():
        set_gen(k, v)
    clear_fails()


@pytest.fixture
def user():
    clear_fails()
    u, p, uid = new_user()
    return {"u": u, "p": p, "id": uid, "ses": login(u, p)}


@pytest.fixture
def admin():
    clear_fails()
    u, p, uid = new_user(["admin"])
    return {"u": u, "p": p, "id": uid, "ses": login(u, p)}


@pytest.fixture
def temp_file():
    # writes a file into the copy under test for one test (a page or an API method) and removes it
    made = []

    def write(rel, text):
        p = os.path.join(top, rel)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, 0o644)
        made.append(p)
        return p

    yield write
    for p in made:
        os.remove(p)

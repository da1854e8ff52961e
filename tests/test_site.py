# test_site.py: the skeleton end to end: static pages, login, the page flow,
# the API flow, and what must never be reachable. Real Apache, real database.
import os
import re
import json
import secrets
import subprocess
from http.client import HTTPConnection

import pytest

from conftest import this_clone_is_the_site, http, api, page, error_log, sql, top, clone, cfg_file, config_lines, worker_paused, logs, site, opener, json_type, log_mark, runtime


def test_root_goes_to_login_page():
    st, h, t = http("/")
    assert st == 302
    assert h["Location"].endswith("/pages/login/")


def test_login_page_is_served_with_its_scripts():
    st, h, t = http("/pages/login/")
    assert st == 200
    assert "id=loginbox" in t
    for f in ("kicdev.server.js", "kicdev.bs5.js", "login.js"):
        # the plain name on a dev box (CGI), the versioned one on prod (flyton assets: test_assets.py)
        m = re.search(r'src="(/(?:lib|v/[0-9a-f]{16})/' + re.escape(f) + ')"', t)
        assert m, f
        s, _, body = http(m.group(1))
        assert s == 200
        assert "function" in body


def test_bootstrap_is_installed_not_committed():
    st, h, t = http("/lib/bootstrap.min.css")
    assert st == 200
    assert "Bootstrap  v5.3.8" in t
    st, h, t = http("/lib/bootstrap.bundle.min.js")
    assert st == 200
    assert len(t) > 50000


def test_ping_needs_no_session_and_reports_the_database():
    for m in ("ping", "api_ping"):
        st, a = api(m, {})
        assert st == 200
        assert a["allow"] == 1
        assert a["db"] == 1
        assert a["method"] == "api_ping"


def test_page_that_raises_shows_a_reference(user, temp_file):
    temp_file("client/app/admin/t_raise.py", '''
def t_raise(data):
    raise ValueError("page secret 777")
''')
    st, t = page("t_raise", user["ses"])
    assert st == 500
    m = re.search(r"Reference: ([0-9a-f]{8})", t)
    assert m
    assert "id=kicheader" not in t   # nothing of the half-built page
    mode = re.search(r'^sys_mode = "(\w+)"', open(cfg_file).read(), re.M).group(1)
    if mode == "prod":
        assert "page secret 777" not in t
        assert "Traceback" not in t
    log = error_log()
    assert m.group(1) in log
    assert "page secret 777" in log


def test_a_database_failure_is_an_error_with_a_reference(user, temp_file):
    # in both runtimes: a page or method whose query fails (SqlError) gets the error page or
    # api_err with a reference, the log the database's own words
    temp_file("client/app/admin/t_dbfail.py", '''
from tools.sql import *
def t_dbfail(data):
    return str(find_in_sql({"table": "t_no_such_table_1"}))
''')
    temp_file("server/apis/api/api_t_dbfail.py", '''
from tools.sql import *
from tools.kicapi import *
def api_t_dbfail(data):
    api_ok({"n": count_in_sql({"table": "t_no_such_table_2"})[0]})
''')
    since = log_mark()
    st, t = page("t_dbfail", user["ses"])
    assert st == 500, t[:300]
    r = re.search(r"The database could not do it. Reference: ([0-9a-f]{8})", t)
    assert r, t[:500]
    st, a = api("api_t_dbfail", {}, user["ses"])
    assert st == 500
    assert a["err"] == f"database error, reference {a['ref']}"
    log = since()
    assert f"ref {r.group(1)}" in log, log[-800:]
    assert "t_no_such_table_1" in log, log[-800:]
    assert f"ref {a['ref']}" in log, log[-800:]
    assert "t_no_such_table_2" in log, log[-800:]


def test_static_pages_get_the_security_headers():
    st, h, t = http("/pages/login/")
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"]


def test_dev_mode_shows_the_traceback_escaped(user, temp_file):
    temp_file("client/app/admin/t_boom.py", "def t_boom(data):\n    raise ValueError('<b>boom</b>')\n")
    with config_lines('sys_mode = "dev"'):
        st, t = page("t_boom", user["ses"])
        assert st == 500
        assert "Traceback" in t
        assert "ValueError: &lt;b&gt;boom&lt;/b&gt;" in t
        assert "<b>boom" not in t
    st, t = page("t_boom", user["ses"])
    assert st == 500
    if re.search(r'^sys_mode = "prod"', open(cfg_file).read(), re.M):
        assert "Traceback" not in t


def test_repository_files_are_not_reachable():
    pw = re.search(r'"password": "([^"]+)"', open(cfg_file).read()).group(1)
    pw_dev = re.search(r'"password": "([^"]+)"', open(f"{clone}/server/config.py").read()).group(1)
    for p in ("/server/config.py", "/config.py", "/sql/tables.sql", "/.git/config", "/.git/HEAD",
              "/cgi-bin/p4web.py", "/cgi-bin/p4api.py", "/cgi-bin/../config.py", "/cgi-bin/%2e%2e/config.py",
              "/lib/../../server/config.py", "/lib/%2e%2e/%2e%2e/server/config.py", "/pages/../../sql/tables.sql",
              "/install.sh", "/README.md", "/client/app/start.py", "/server/apis/tools/sql.py", "/cgi-bin/"):
        st, h, t = http(p)
        assert st in (400, 403, 404), (p, st)
        assert pw not in t, p
        assert pw_dev not in t, p
        assert "CREATE TABLE" not in t, p
        assert "import" not in t, p


def test_access_log_has_no_session_tokens(user):
    page("dashboard", user["ses"])
    log = open(logs + "_access.log", encoding="utf-8", errors="replace").read()
    assert "/cgi-bin/p " in log
    assert user["ses"] not in log
    assert "ses=" not in log


def test_cors_preflight_follows_the_config():
    hdr = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}
    st, h, t = http("/cgi-bin/api?meth=api_ping", method="OPTIONS", headers=hdr)
    assert st == 403
    assert "Access-Control-Allow-Origin" not in h
    with config_lines('cors_origins = ["https://app.example.com"]'):
        st, h, t = http("/cgi-bin/api?meth=api_ping", method="OPTIONS", headers=hdr)
        assert st == 204
        assert h["Access-Control-Allow-Origin"] == "https://app.example.com"
        assert "POST" in h["Access-Control-Allow-Methods"]
        st, h, t = http("/cgi-bin/api?meth=api_ping", "{}", "POST", dict(hdr, **json_type))
        assert st == 200
        assert h["Access-Control-Allow-Origin"] == "https://app.example.com"
        st, h, t = http("/cgi-bin/api?meth=api_ping", "{}", "POST", dict(json_type, Origin="https://evil.example"))
        assert st == 403
        assert "Access-Control-Allow-Origin" not in h


def test_only_a_json_post_from_this_site_reaches_a_method():
    # a foreign page can send these without its browser asking first; none may register
    u = "t_csrf" + secrets.token_hex(4)
    body = json.dumps({"info": {}, "input": {"u": u, "p": "a-good-password", "first": "A", "last": "B", "email": "a@example.com"}})
    host = site.split("://")[1]
    for how, hdr, want in (("POST", {"Content-Type": "text/plain"}, 415), ("POST", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
                           ("POST", {"Content-Type": "multipart/form-data; boundary=x"}, 415),
                           ("POST", {"Content-Type": "application/jsonx"}, 415), ("PUT", json_type, 405),
                           ("POST", dict(json_type, Origin="https://evil.example"), 403),
                           ("POST", dict(json_type, Origin="null"), 403),
                           ("POST", dict(json_type, Origin=f"http://{host}.evil.example"), 403)):
        st, h, t = http("/cgi-bin/api?meth=api_register", body, how, hdr)
        a = json.loads(t)["server"]
        assert st == want, (how, hdr, st, t)
        assert a["allow"] == 0, (how, hdr, st, t)
        assert a["err"], (how, hdr, st, t)
    st, h, t = http(f"/cgi-bin/api?meth=api_register&u={u}", method="GET")
    assert st == 405
    c = HTTPConnection(host, timeout=30)
    c.request("POST", "/cgi-bin/api?meth=api_register", body.encode())      # no Content-Type at all
    r = c.getresponse()
    assert r.status == 415
    assert json.loads(r.read())["server"]["allow"] == 0
    c.close()
    assert sql.find_in_sql({"table": "users", "what": "count(*)", "where": {"username": u}})[0] == 0
    # the site's own pages, site_url's origin (a proxy in front), and GET ping are let through
    assert json.loads(http("/cgi-bin/api?meth=ping")[2])["server"]["allow"] == 1
    st, h, t = http("/cgi-bin/api?meth=api_ping", "{}", "POST", dict(json_type, Origin=f"http://{host}"))
    assert st == 200
    assert json.loads(t)["server"]["allow"] == 1
    with config_lines('site_url = "https://www.example.com"'):
        st, h, t = http("/cgi-bin/api?meth=api_ping", "{}", "POST", dict(json_type, Origin="https://www.example.com"))
        assert st == 200, t
        assert json.loads(t)["server"]["allow"] == 1, t
    # a proxy's word for the host counts only for a name of the site (Cloud9's preview is one
    # on a dev box): any other name is refused, whatever the request says
    hdr = dict(json_type, Origin="https://www.example.com", **{"X-Forwarded-Host": "www.example.com"})
    st, h, t = http("/cgi-bin/api?meth=api_ping", "{}", "POST", hdr)
    assert st == 403, t
    assert json.loads(t)["server"]["allow"] == 0, t
    hdr = dict(json_type, Origin="https://ab12.vfs.cloud9.eu-west-1.amazonaws.com", **{"X-Forwarded-Host": "ab12.vfs.cloud9.eu-west-1.amazonaws.com"})
    st, h, t = http("/cgi-bin/api?meth=api_ping", "{}", "POST", hdr)
    assert st == 403, t
    with config_lines('hosts = ["localhost", "127.0.0.1", "*.amazonaws.com"]'):
        st, h, t = http("/cgi-bin/api?meth=api_ping", "{}", "POST", hdr)
        assert st == 200, t
        assert json.loads(t)["server"]["allow"] == 1, t


def test_while_a_restore_holds_writes_every_call_but_the_ping_is_refused_with_retry(user):
    # flyton restore: a file "hold" beside config.py; no call runs (none writes), each is told to
    # come again (call_server does, twice); the ping answers, so the balancer keeps the node
    hold = os.path.join(os.path.dirname(cfg_file), "hold")
    open(hold, "w").close()
    try:
        for meth, inp, ses in (("api_login", {"u": user["u"], "p": user["p"]}, ""), ("api_logout", {}, user["ses"])):
            st, a = api(meth, inp, user["ses"] if ses else "")
            assert st == 503, a
            assert a["allow"] == 0 and a["retry"] == 1, a
            assert "restored" in a["err"], a
        st, a = api("api_ping")
        assert st == 200 and a["allow"] == 1, a
    finally:
        os.remove(hold)
    st, a = api("api_logout", {}, user["ses"])       # the session was not ended while held
    assert st == 200 and a["allow"] == 1, a


def test_a_balancers_ping_is_answered_whatever_its_host_on_the_persistent_runtime():
    # an AWS ALB checks a node with its private address as Host: the ping (and nothing else of the
    # site) answers it on a prod node (mod_wsgi), drained or not as the site's own block would say
    import http.client
    from urllib.parse import urlsplit
    u = urlsplit(site)

    def get(path, addr="127.0.0.2", host="10.0.1.11:443"):
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30, source_address=(addr, 0))
        try:
            c.request("GET", path, headers={"Host": host})
            r = c.getresponse()
            return r.status, r.read().decode("utf-8", "replace")
        finally:
            c.close()
    others = ("/cgi-bin/api?meth=api_ping&x=1", "/cgi-bin/api?meth=api_login", "/cgi-bin/api?meth=metrics&x=1", "/cgi-bin/p?app=start&r=309012",
              "/pages/login/", "/cgi-bin/api/?meth=api_ping", "/lib/kicdev.server.js")
    for p in others:
        assert get(p)[0] == 421, p
    st, t = get("/cgi-bin/api?meth=api_ping")
    if runtime != "wsgi":
        assert st == 421, t      # a dev box (CGI) serves its own names only
        return
    assert st == 200, t
    assert json.loads(t)["server"]["allow"] == 1 and json.loads(t)["server"]["db"] == 1, t
    assert get("/cgi-bin/api?meth=ping", host="10.0.1.12")[0] == 200
    st, t = get("/cgi-bin/api?meth=metrics")     # a scraper asks each node by its address: the site's answer
    assert st == 404 and "metrics_from" in t, t
    drain = os.path.join(os.path.dirname(cfg_file), "drain")
    open(drain, "w").close()
    try:
        st, t = get("/cgi-bin/api?meth=api_ping")
        assert st == 503, t
        assert "flyton drain" in json.loads(t)["server"]["err"], t
    finally:
        os.remove(drain)
    assert get("/cgi-bin/api?meth=api_ping")[0] == 200


def test_only_the_sites_own_host_names_are_served(user):
    # another Host (a name someone pointed here, a DNS-rebinding page) gets 421 and nothing of
    # the site: no page, no API method, not even with an Origin to match it
    evil = {"Host": "attacker.example", "Origin": "http://attacker.example"}
    st, h, t = http(f"/cgi-bin/p?app=start&r=309012&ses={user['ses']}&rpage=dashboard", headers={"Host": "attacker.example"})
    assert st == 421
    assert "kicheader" not in t
    assert "does not serve that host name" in t
    body = json.dumps({"info": {"ses": user["ses"]}, "input": {}})
    st, h, t = http("/cgi-bin/api?meth=api_t_kit_list", body, "POST", dict(json_type, **evil))
    assert st == 421
    assert "items" not in t
    assert http("/pages/login/", headers={"Host": "attacker.example"})[0] == 421
    # the configured names are served, with a port or without
    for name in ("127.0.0.1", site.split("://")[1], "localhost"):
        assert http("/pages/login/", headers={"Host": name})[0] == 200, name
    # Host matching Origin is not enough from Python either (a vhost written before hosts existed)
    with config_lines('hosts = ["localhost"]\nsite_url = "http://localhost"'):
        st, h, t = http("/cgi-bin/api?meth=api_ping", "{}", "POST", dict(json_type, Origin=site))
        assert st == 403, t


def test_tables_sql_loads_twice_without_changing_anything():
    # the instance's worker paused: its claims and the schedule's minute jobs write the jobs table
    with worker_paused():
        tables_sql_loaded_again()


def tables_sql_loaded_again():
    import subprocess
    db = sql.config.db["name"]
    tables = [w[0] for w in sql.kic_sql("SHOW TABLES") if not w[0].startswith("t_")]
    before = {t: sql.kic_sql(f"CHECKSUM TABLE `{t}`")[0][1] for t in tables}
    with open(f"{top}/sql/tables.sql") as f:
        subprocess.run(["mysql", db], stdin=f, check=True)
    after = {t: sql.kic_sql(f"CHECKSUM TABLE `{t}`")[0][1] for t in tables}
    assert after == before
    assert {"users", "ses", "gen", "logs", "ses_arc", "logs_arc"} <= set(tables)


def test_a_too_large_body_gets_a_json_answer(user):
    big = json.dumps({"info": {"ses": user["ses"]}, "input": {"x": "a" * (11 * 1024 * 1024)}})
    st, h, t = http("/cgi-bin/api?meth=api_t_kit_list", big, "POST", json_type)
    assert st == 413
    assert json.loads(t)["server"]["err"] == "request too large"


def test_no_endpoint_shows_urls_or_the_server_version(user):
    # a Flyton URL carries the session token: nothing on the box may list URLs (mod_status)
    page("dashboard", user["ses"])
    for base in ("http://127.0.0.1", site):
        for p in ("/server-status", "/server-status?auto", "/server-info"):
            st, h, t = http_at(base, p)
            assert st == 404, (base, p, st)
            assert user["ses"] not in t, (base, p, st)
            assert "ses=" not in t, (base, p, st)
        st, h, t = http_at(base, "/nosuch")
        assert h["Server"] == "Apache"
        assert "Apache/" not in t


def http_at(base, path):
    # like http(), at another site of this box
    import urllib.error
    import urllib.request
    try:
        r = opener.open(urllib.request.Request(base + path), timeout=30)
        return r.status, r.headers, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")


def test_one_grep_by_the_reference_shows_the_whole_traceback(user, temp_file):
    temp_file("client/app/admin/t_deep.py", '''
def t_deep(data):
    return inner(3)


def inner(n):
    if n == 0:
        raise KeyError("deep secret 5151")
    return inner(n - 1)
''')
    st, t = page("t_deep", user["ses"])
    r = re.search(r"Reference: ([0-9a-f]{8})", t).group(1)
    lines = [ln for ln in open(sql.config.log_file, encoding="utf-8").read().splitlines() if f"ref {r} " in ln]
    text = "\n".join(lines)
    assert "Traceback (most recent call last)" in text
    assert "KeyError: 'deep secret 5151'" in text
    assert text.count("in inner") >= 4
    assert "t_deep" in text


def test_dev_mode_errors_a_developer_can_find(user, temp_file):
    temp_file("server/apis/api/api_t_boom2.py", "def api_t_boom2(data):\n    raise ValueError('api secret 6262')\n")
    temp_file("client/app/admin/t_misnamed.py", "def something_else(data):\n    return 'x'\n")
    temp_file("server/apis/api/api_t_misnamed.py", "def api_other(data):\n    return {}\n")
    # prod: a reference only, a 404 for the misnamed files; the reason is in the log
    st, a = api("api_t_boom2", {}, user["ses"])
    assert st == 500
    assert "trace" not in a
    assert "api secret" not in json.dumps(a)
    assert page("t_misnamed", user["ses"])[0] == 404
    st, a = api("api_t_misnamed", {}, user["ses"])
    assert st == 404
    assert a["err"] == "wrong method"
    assert "client/app/admin/t_misnamed.py has no function t_misnamed(data)" in error_log()
    with config_lines('sys_mode = "dev"'):
        st, a = api("api_t_boom2", {}, user["ses"])
        assert st == 500
        assert "ValueError: api secret 6262" in a["trace"]
        st, t = page("t_misnamed", user["ses"])
        assert st == 500
        assert "client/app/admin/t_misnamed.py has no function t_misnamed(data)" in t
        st, a = api("api_t_misnamed", {}, user["ses"])
        assert st == 404
        assert a["err"] == "server/apis/api/api_t_misnamed.py has no function api_t_misnamed(data)"


def test_no_file_flyton_writes_gives_a_password_to_another_local_account():
    # what an ordinary account on the machine (nobody) can read in every place Flyton writes:
    # no database password, neither the dev site's nor the test instance's (compiled copies of
    # config.py included)
    pws = [re.search(r'"password": "([^"]+)"', open(f).read()).group(1) for f in (cfg_file, f"{clone}/server/config.py")]
    # and the owner accounts' (migrations): their files are root's alone
    for c in (cfg_file, f"{clone}/server/config.py"):
        f = "/etc/flyton/owner-" + re.search(r'"user": "([^"]+)"', open(c).read()).group(1) + ".cnf"
        assert os.stat(f).st_mode & 0o077 == 0, f
        assert os.stat(f).st_uid == 0, f
        pws.append(re.search(r"^password=(.+)$", open(f).read(), re.M).group(1))
    places = [p for p in (clone, top, "/opt/flyton", "/var/cache/flyton", "/var/log/flyton", "/etc/flyton",
                          "/var/log/flyton-install.log", "/etc/apache2", "/etc/cron.d") if os.path.exists(p)]
    for pw in pws:
        r = subprocess.run(["runuser", "-u", "nobody", "--", "grep", "-rlsF", "--exclude-dir=prodhost", "--exclude-dir=site-packages", pw, *places],
                           capture_output=True, text=True, timeout=300)
        assert r.stdout == "", f"readable by anyone, with a database password: {r.stdout}"


@pytest.mark.once
def test_root_never_runs_code_the_web_servers_user_wrote():
    # the third audit planted a compiled argparse in the web server's bytecode cache as www-data, and
    # root's `flyton archive` (cron's, every night) ran it as uid 0. Root's commands compile into a
    # cache of their own now, and no folder of the import path is the web server's to write
    mark = f"/tmp/t_planted_{secrets.token_hex(4)}"
    py = "/opt/flyton/venv/bin/python"
    src, pyc = f"{mark}.py", f"{mark}.pyc"
    with open(src, "w") as f:
        f.write(f"import os\nopen({mark!r}, 'w').write(str(os.getuid()))\n")
    # an unchecked-hash .pyc: Python never compares it with the source it stands for
    subprocess.run([py, "-c", "import sys, py_compile as c; c.compile(sys.argv[1], sys.argv[2], "
                    "invalidation_mode=c.PycInvalidationMode.UNCHECKED_HASH)", src, pyc], check=True)
    os.chmod(pyc, 0o644)
    tag, argparse_py = subprocess.run([py, "-c", "import sys, argparse; print(sys.implementation.cache_tag, argparse.__file__)"],
                                      capture_output=True, text=True, check=True).stdout.split()
    # where the web server's cache holds argparse (the archive's) and tools/sql.py of the copy under test
    webc = "/var/cache/flyton/pycache"
    planted = [f"{webc}{os.path.dirname(f)}/{os.path.basename(f)[:-3]}.{tag}.pyc"
               for f in (os.path.realpath(argparse_py), f"{top}/server/apis/tools/sql.py")]
    try:
        for p in planted:
            subprocess.run(["runuser", "-u", "www-data", "--", "sh", "-c", 'mkdir -p "$(dirname "$1")" && cp "$2" "$1"', "-",
                            p, pyc], check=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env["FLYTON_CONFIG_DIR"] = os.path.dirname(cfg_file)
        r = subprocess.run([f"{top}/server/bin/flyton", "archive", "--dry-run"], env=env, capture_output=True, text=True, timeout=120)
        assert not os.path.exists(mark), f"root ran a file www-data planted in {webc} (as uid {open(mark).read()})"
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        for p in planted + [src, pyc, mark]:
            if os.path.exists(p):
                os.remove(p)
    st = os.stat("/var/cache/flyton-root")
    assert (st.st_uid, st.st_mode & 0o777) == (0, 0o700)
    # the import path: the folders of the copy under test, and of the clone when it is the machine's site
    roots = [top] + ([clone] if this_clone_is_the_site() else [])
    dirs = [f"{d}/{p}" for d in roots for p in ("server", "client/app")] + [os.path.dirname(cfg_file)]
    r = subprocess.run(["runuser", "-u", "www-data", "--", "find", *dirs, "-writable", "-print", "-quit"], capture_output=True, text=True)
    assert r.stdout == "", f"the web server's user may write on root's import path: {r.stdout}"


def test_the_sites_database_user_changes_rows_never_tables(user, temp_file):
    # pages and methods need rows only: a method that tries more is refused by the database
    # (the grants of install.sh; migrations run as the owner account)
    import subprocess
    r = subprocess.run(["mysql", "-N", "-e", f"SHOW GRANTS FOR '{sql.config.db['user']}'@'localhost'"], capture_output=True, text=True)
    # its grants on the site's database (the scratch databases of other tests are theirs)
    grants = [g for g in r.stdout.splitlines() if f"ON `{sql.config.db['name']}`.*" in g or " ON *.* " in g]
    assert r.returncode == 0, r.stdout
    assert len(grants) == 2, r.stdout
    grants = " ".join(grants)
    assert "SELECT, INSERT, UPDATE, DELETE" in grants
    assert "ALL PRIVILEGES" not in grants
    for w in ("CREATE,", "DROP", "ALTER", "GRANT OPTION", "INDEX", "FILE", "SUPER"):
        assert w not in grants, grants
    temp_file("server/apis/api/api_t_ddl.py", '''
from tools.sql import *
from tools.kicapi import *
def api_t_ddl(data):
    got = {}
    for q in ("CREATE TABLE t_ddl (id INT)", "ALTER TABLE users ADD COLUMN t_x INT", "DROP TABLE gen",
              "CREATE TABLE t_ddl2 AS SELECT * FROM users", "TRUNCATE TABLE logs", "CREATE INDEX t_i ON ses (data(10))"):
        try:
            kic_sql(q, 1)
            got[q] = 1
        except SqlError as e:
            got[q] = 0 if e.errno == 1142 else str(e)   # 1142: command denied to user
    w = kic_sql("SELECT COUNT(*) FROM gen", 1)
    api_ok({"got": got, "gen": w["results"][0][0]})
''')
    st, a = api("api_t_ddl", {}, user["ses"])
    assert a["allow"] == 1, a
    assert a["gen"] > 5, a
    assert set(a["got"].values()) == {0}, a["got"]
    tables = [r[0] for r in sql.kic_sql("SHOW TABLES")]
    assert "t_ddl" not in tables
    assert "t_ddl2" not in tables
    assert "gen" in tables
    cols = [r[0] for r in sql.kic_sql("SHOW COLUMNS FROM users")]
    assert "t_x" not in cols

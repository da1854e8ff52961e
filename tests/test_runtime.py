# test_runtime.py: what the persistent runtime must hold that a fresh process per
# request gave for free: no request sees another's session, language, answer or
# rows; a failing request leaves nothing behind; kept database connections survive
# the server going away; code arrives with a reload. Run against both runtimes.
import os
import re
import contextlib
import time
import threading
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from tools.db_ses import ses_key
from conftest import api, page, new_user, login, clear_fails, runtime, reload_site, sql, top

rounds = 12      # per user; bounded: 8 users x 12 rounds x 3 requests


@pytest.mark.proof      # the framework's request context under load (tests/run --all)
def test_concurrent_users_see_only_their_own(temp_file):
    temp_file("server/apis/api/api_t_iso.py", '''
import time
from tools.kicapi import *
from tools.kiclang import *
from tools.db_users import *


def api_t_iso(data):
    me = data["s"]["my_user_id"]
    before = dict(kicapi())
    api_ok({"me": me})
    kiclang(data["post"]["input"]["lang"])
    print("noise from", me)
    time.sleep(0.003)          # let the other requests run in between
    a = kicapi()
    api_ok({"me": a["me"], "lang": kiclang(), "u": my_user()["username"], "before": before})
''')
    clear_fails()
    users = []
    for i in range(8):
        u, p, uid = new_user()
        ses = login(u, p)
        lang = "he" if i % 2 else "en"
        sql.add_to_data("ses", ses_key(ses), "lang", lang)
        for k in range(3):
            sql.insert_to_sql({"table": "t_kit", "set": {"user_id": uid, "name": f"{u} todo {k}"}})
        users.append({"u": u, "id": uid, "ses": ses, "lang": lang})
    names = [x["u"] for x in users]

    def one(x):
        bad = []
        for r in range(rounds):
            st, t = page("dashboard", x["ses"])
            others = [n for n in names if n != x["u"] and n in t]
            if st != 200 or f"<b id=me_user>{x['u']}</b>" not in t or others or f"<html lang={x['lang']} " not in t:
                bad.append(("page", st, others, t[:200]))
            st, a = api("api_t_kit_list", {}, x["ses"])
            got = [t["name"] for t in a.get("items", [])]
            if st != 200 or sorted(got) != [f"{x['u']} todo {k}" for k in range(3)]:
                bad.append(("todos", st, got))
            st, a = api("api_t_iso", {"lang": x["lang"]}, x["ses"])
            s = a
            if (st, s.get("me"), s.get("u"), s.get("lang"), s.get("before")) != (200, x["id"], x["u"], x["lang"], {}):
                bad.append(("answer", st, s))
        return bad

    with ThreadPoolExecutor(len(users)) as ex:
        bad = [b for bs in ex.map(one, users) for b in bs]
    assert bad == []


def test_a_failing_request_leaves_the_next_one_clean(user, temp_file):
    # a method that opens a transaction (ours, or raw), writes, answers half, prints, and raises;
    # the next request on the same connection must find no open transaction, no answer, no row
    temp_file("server/apis/api/api_t_txboom.py", '''
from tools import sql
from tools.sql import *
from tools.kicapi import *


def api_t_txboom(data):
    i = data["post"]["input"]
    if i.get("raw"):
        kic_sql("START TRANSACTION")
    else:
        sql.begin()
    kic_sql("INSERT INTO logs (act_type, send_text) VALUES ('t_txboom', %s)", 0, (i["tag"],))
    api_ok({"half": 1})
    print("{ half a page")
    raise RuntimeError("boom in a transaction")
''')
    temp_file("server/apis/api/api_t_txstate.py", '''
from tools import sql
from tools.kicapi import *
from tools.kicreq import kicreq


def api_t_txstate(data):
    before = dict(kicapi())
    api_ok({"in_tx": sql.conn().st_server_status() & 1, "before": before})
''')

    def one(k):
        bad = []
        for r in range(6):
            tag = f"{user['u']}-{k}-{r}"
            st, a = api("api_t_txboom", {"tag": tag, "raw": r % 2}, user["ses"])
            if st != 500 or a["allow"] != 0 or "half" in a:
                bad.append(("boom", st, a))
            st, a = api("api_t_txstate", {}, user["ses"])
            s = a
            if (st, s.get("in_tx"), s.get("before")) != (200, 0, {}):
                bad.append(("state", st, s))
        return bad

    with ThreadPoolExecutor(8) as ex:
        bad = [b for bs in ex.map(one, range(8)) for b in bs]
    assert bad == []
    # every write of the failed requests was rolled back
    w = sql.find_in_sql({"table": "logs", "what": "count(*)", "where": {"act_type": "t_txboom"}})
    assert w == (0,)


def kill_connections():
    # the server ends every connection of the site (the test database user, but this
    # process's own), as a timeout would
    db = sql.config.db["user"]
    me = sql.conn().thread_id()
    q = f"SELECT id FROM information_schema.processlist WHERE user = '{db}' AND id != {int(me)}"
    ids = subprocess.run(["mysql", "-N", "-e", q], capture_output=True, text=True, check=True).stdout.split()
    for i in ids:
        subprocess.run(["mysql", "-e", f"KILL {int(i)}"], capture_output=True)
    return len(ids)


def many(ses, n):
    # n page views and n API calls from 4 threads; the statuses that were not 200
    def one(k):
        out = []
        for i in range(n // 4):
            out.append(page("dashboard", ses)[0])
            out.append(api("api_t_kit_list", {}, ses)[0])
        return out

    with ThreadPoolExecutor(4) as ex:
        return [s for ss in ex.map(one, range(4)) for s in ss if s != 200]


@pytest.mark.skipif(runtime != "wsgi", reason="under CGI no connection outlives its request")
def test_kept_connections_survive_the_server_ending_them(user):
    assert many(user["ses"], 40) == []        # every process and thread has its connection now
    assert kill_connections() >= 1
    assert many(user["ses"], 40) == []


def db_service():
    import os
    return "mariadb" if os.path.exists("/etc/init.d/mariadb") else "mysql"


@contextlib.contextmanager
def under_load(ses, errs):
    # page views and API calls from another thread for as long as the with block runs;
    # the statuses that were not 200 go to errs
    stop = threading.Event()

    def load():
        while not stop.is_set():
            errs.extend(many(ses, 4))

    t = threading.Thread(target=load)
    t.start()
    try:
        time.sleep(0.5)
        yield
        time.sleep(0.5)
    finally:
        stop.set()
        t.join(60)


@pytest.mark.proof      # the framework's proof under a restart (tests/run --all)
@pytest.mark.alone      # the database server restarts under the other pass too
def test_a_database_restart_fails_no_request(user):
    assert many(user["ses"], 20) == []
    errs = []
    with under_load(user["ses"], errs):
        r = subprocess.run(["service", db_service(), "restart"], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
    assert errs == []
    assert many(user["ses"], 20) == []


@pytest.mark.skipif(runtime != "wsgi", reason="under CGI every request runs the files as they are")
def test_code_arrives_with_a_reload_and_not_before(user, temp_file):
    code = 'import os\nfrom tools.kicapi import *\ndef api_t_ver(data):\n    api_ok({"v": %s, "pid": os.getpid()})\n'
    f = temp_file("server/apis/api/api_t_ver.py", code % "1")
    # every daemon process of the site loads v1 (each loads a module at its first call)
    d = "/var/cache/flyton/run/flyton_test_wsgi"
    seen = set()
    with ThreadPoolExecutor(8) as ex:
        for k in range(40):
            seen |= set(ex.map(lambda i: api("api_t_ver", {}, user["ses"])[1]["pid"], range(8)))
            live = {int(p) for p in os.listdir(d) if os.path.exists(f"/proc/{p}")}
            if live <= seen:
                break
    assert live
    assert live <= seen
    with open(f, "w") as fh:   # another size: a .pyc is checked by size and mtime in whole seconds
        fh.write(code % "[2, 2]")
    # processes that loaded v1 keep it: the persistent runtime runs code loaded once
    assert {api("api_t_ver", {}, user["ses"])[1]["v"] for i in range(10)} == {1}
    out = reload_site()
    assert "signalled" in out
    assert "ok: the site answers" in out
    assert all(api("api_t_ver", {}, user["ses"])[1]["v"] == [2, 2] for i in range(10))


@pytest.mark.skipif(runtime != "wsgi", reason="under CGI there is nothing to reload")
@pytest.mark.proof      # the framework's daemons restarted under load (tests/run --all)
def test_a_reload_under_load_fails_no_request(user):
    errs = []
    with under_load(user["ses"], errs):
        reload_site()
        time.sleep(0.5)
        reload_site()
    assert errs == []


def test_an_api_method_may_return_its_answer(user, temp_file):
    temp_file("server/apis/api/api_t_ret.py", '''
from tools.kicapi import *


def api_t_ret(data):
    i = data["post"]["input"]
    if i.get("err"):
        return api_err("no good", {"code": 3})
    return {"n": 3, "l": [1, 2]}
''')
    st, a = api("api_t_ret", {}, user["ses"])
    assert st == 200
    assert a["allow"] == 1
    assert a["n"] == 3
    assert a["l"] == [1, 2]
    st, a = api("api_t_ret", {"err": 1}, user["ses"])
    assert a["allow"] == 0
    assert a["msg"] == "no good"
    assert a["code"] == 3


def test_no_code_file_edits_the_import_path():
    # one way to find the code: the web server config and tests/run set it
    out = subprocess.run(["grep", "-rlE", r"sys\.path(\[|\.insert|\.append| *=)", "server", "client", "tests",
                          "--include=*.py"], cwd=top, capture_output=True, text=True).stdout.split()
    assert out == [] or out == ["tests/test_runtime.py"]


def statements(f):
    # the SQL statements the server received while f() ran (the general log, read as root)
    name = "flyton_t_general.log"
    mysql = ["mysql", "-N", "-e"]
    datadir = subprocess.run(mysql + ["SELECT @@datadir"], capture_output=True, text=True, check=True).stdout.strip()
    path = f"{datadir}/{name}"
    subprocess.run(mysql + [f"SET GLOBAL general_log_file = '{name}'; SET GLOBAL general_log = 1"], check=True)
    start = os.path.getsize(path)
    try:
        f()
    finally:
        subprocess.run(mysql + ["SET GLOBAL general_log = 0"], check=True)
    with open(path, "rb") as fh:
        fh.seek(start)
        t = fh.read().decode("utf-8", "replace")
    # an entry starts with "[date time] id Command"; a statement may go on over more lines
    out = []
    for ln in t.splitlines():
        m = re.match(r"^(\d{6} [\d:]+)?\s+\d+ (\w+)\t?(.*)$", ln)
        if m:
            out.append([m.group(2), m.group(3)])
        elif out:
            out[-1][1] += " " + ln.strip()
    return [q for c, q in out if c == "Query"]


@pytest.mark.proof      # what the framework sends the database (tests/run --all)
@pytest.mark.alone      # the general log holds what every connection sends
def test_the_session_and_user_are_read_once_per_page(admin):
    # one joined query reads the session and its user; the header, the page and
    # need_role read the request context, not the tables again
    got = {}

    def view():
        got["page"] = page("users", admin["ses"])

    q = statements(view)
    st, t = got["page"]
    assert st == 200
    assert "id=users_table" in t
    assert "id=menu_users" in t
    ses_reads = [x for x in q if re.search(r"FROM\s+`?ses`?\b", x)]
    user_reads = [x for x in q if re.search(r"FROM\s+`?users`?.*WHERE\s+`?(id|username)`?\s*=", x)]
    assert len(ses_reads) == 1
    assert "JOIN users" in ses_reads[0]
    assert user_reads == []

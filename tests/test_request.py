# test_request.py: one request path, in process (tests/inproc.py): how a request becomes `data`
# (kicdata, the same for pages and methods), the one way a method answers, and the one way the
# database fails (SqlError), which the front controllers turn into an error with a reference.
import pytest

from conftest import config
from inproc import api, page, site_sql
from tools.sql import *
from tools.kicreq import kicreq, kicreq_new, has_role
from tools.kicweb import kicdata
from tools.db_users import my_user, add_user
from tools.db_ses import is_ses_role, ses_key

pytestmark = pytest.mark.once


def test_kicdata_is_the_request_context(admin):
    kicreq_new({})
    add_to_data("ses", ses_key(admin["ses"]), "lang", "he")
    data = kicdata({"rpage": "todo", "x": "1"}, admin["ses"])
    assert data["x"] == "1", data
    assert data["ses"] == admin["ses"]
    assert data["s"]["my_user_id"] == admin["id"]
    assert data["s"]["lang"] == "he"
    assert data["s"] is kicreq()["s"], "data['s'] is the context's session data, not a copy"
    assert kicreq()["data"] is data
    assert my_user()["id"] == admin["id"]
    assert "sis" not in my_user(), "the password hash never reaches a page"
    assert has_role("admin") == 1
    assert has_role("owner") == 0
    assert is_ses_role(admin["ses"], "admin") == 1
    assert kicreq()["lang"] == "he", "the session's language is the request's"


def test_nothing_of_a_request_stays_in_the_thread(admin):
    # the persistent runtime's threads serve one request after another: once the answer is
    # made, the thread's context holds no session, user, roles or data of it
    st, h = page("dashboard", admin)
    assert st == 200, h[:300]
    r = kicreq()
    assert r["ses"] == "", "the session token stayed"
    assert r["u"] == {}, "the user stayed"
    assert r["roles"] == [], "the roles stayed"
    assert r["data"] == {}, "the page's data stayed"
    assert r["resp"] is None, "the answer stayed"


def test_the_query_string_reads_as_parse_qsl_reads_it():
    # kicweb splits a query with nothing encoded itself (faster); it must read every query as parse_qsl
    import urllib.parse
    from tools.kicweb import kicweb
    for qs in ("", "a=1", "a=1&b=", "a", "a&&b=2", "&", "=", "=x", "a=1=2", "a=1&a=2", "a=é", "a=%C3%A9", "a+b=c+d",
               "a=%zz", "ses=Ab-_9&rpage=todo&app=start", "a=1;b=2", "a=%26&b=%3D", "x=1&"):
        want = dict(urllib.parse.parse_qsl(qs, keep_blank_values=True, encoding="utf-8", errors="replace"))
        assert kicweb(qs) == want, qs


def test_kicdata_without_a_live_session():
    kicreq_new({})
    assert kicdata({}, "no-such-session-token-at-all") is None
    data = kicdata({"par": {}}, "whatever", 0)
    assert data["s"] == {}, "a method that needs no session gets empty session data"
    assert has_role("admin") == 0


def test_a_method_answers_one_way_whether_it_returns_or_calls_api_ok(temp_file, user):
    temp_file("server/apis/api/api_t_ret.py", '''
from tools.kicapi import *
def api_t_ret(data):
    how = data["post"]["input"]["how"]
    if how == "return":
        return {"n": 1}
    if how == "return_ok":
        return api_ok({"n": 2})
    if how == "both":
        api_err("first")
        return {"allow": 0, "msg": "second"}
    api_ok({"n": 3})
''')
    assert api("api_t_ret", {"how": "return"}, user)[1]["n"] == 1
    assert api("api_t_ret", {"how": "return"}, user)[1]["allow"] == 1, "a returned dict without allow means allow: 1"
    assert api("api_t_ret", {"how": "return_ok"}, user)[1]["n"] == 2, "return api_ok(..) keeps the answer"
    assert api("api_t_ret", {"how": "call"}, user)[1]["n"] == 3
    a = api("api_t_ret", {"how": "both"}, user)[1]
    assert a["msg"] == "second", "what is returned wins over what was set before"
    assert a["allow"] == 0


def locked():
    # the site's next statements on other tables fail with error 1100, as a real database failure does:
    # the session and its user can still be read (db_ses reads ses AS s, users AS u and gen), nothing else
    site_sql("LOCK TABLES ses AS s READ, users AS u READ, gen READ")


def test_a_failed_lookup_is_not_read_as_found(user, admin):
    # api_user_off read a database error as "the user is there" and deactivated nobody, saying it had
    locked()
    try:
        st, a = api("api_user_off", {"id": user["id"]}, admin)
    finally:
        site_sql("UNLOCK TABLES")
    assert st == 500, a
    assert a["allow"] == 0
    assert a["err"].startswith("database error, reference "), a
    assert ("ref " + a["ref"]) in open(config.log_file).read(), "the log holds the reference"
    assert find_in_sql({"table": "users", "what": "is_active", "fld": "id", "val": user["id"]}) == (1,)


def test_a_failed_lookup_is_not_a_taken_name():
    # add_user read a database error as "username taken"
    sql("LOCK TABLES gen READ")
    try:
        with pytest.raises(SqlError) as e:
            add_user("t_free_name_xyz", "longenough1")
    finally:
        sql("UNLOCK TABLES")
    assert e.value.errno == 1100, e.value


def test_a_page_whose_query_fails_shows_the_error_page(admin):
    # users.py took count_in_sql's error dict for a count and failed with a KeyError
    locked()
    try:
        st, h = page("users", admin)
    finally:
        site_sql("UNLOCK TABLES")
    assert st == 500, h[:300]
    assert "The database could not do it. Reference: " in h
    assert "Traceback" not in h


def test_an_sql_error_inside_a_transaction_leaves_none_open(temp_file, user):
    temp_file("server/apis/api/api_t_tx.py", '''
from tools.sql import *
from tools.kicapi import *
def api_t_tx(data):
    begin()
    sql("UPDATE t_kit SET name = 'half' WHERE user_id = %s", (data["s"]["my_user_id"],))
    sql("SELECT * FROM t_no_such_table")
''')
    id = api("api_t_kit_add", {"name": "whole"}, user)[1]["id"]
    st, a = api("api_t_tx", {}, user)
    assert st == 500
    assert a["err"].startswith("database error")
    assert find_in_sql({"table": "t_kit", "what": "name", "fld": "id", "val": id}) == ("whole",), "rolled back"


def test_commands_are_apart_and_run_nothing_on_import(capsys):
    # server/commands/<name>.py runs from __main__ only (test_names.py: one file, one help per command);
    # tools/ is the library
    import os
    import importlib.util
    from conftest import top
    d = f"{top}/server/commands"
    names = sorted(f[:-3] for f in os.listdir(d) if f.endswith(".py"))
    assert len(names) >= 8, names
    for n in names:
        spec = importlib.util.spec_from_file_location(f"cmd_{n.replace('-', '_')}", f"{d}/{n}.py")
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
        assert capsys.readouterr().out == "", f"importing {n}.py printed"
    assert "cron" not in os.listdir(f"{top}/server/apis/tools")
    assert len(open(f"{top}/server/bin/flyton").read().splitlines()) < 120, "server/bin/flyton only finds the command"


def test_one_import_path_written_once_and_shadowing_nothing():
    # server/pypath is the only place the path is written; no module on it hides one of Python's own
    import os
    import sys
    import subprocess
    from conftest import top
    dirs = [x for x in open(f"{top}/server/pypath").read().splitlines() if x and not x.startswith("#")]
    assert dirs == ["client/app", "server/apis", "server/cgi-bin"], dirs
    for d in dirs:
        for f in os.listdir(f"{top}/{d}"):
            name = f[:-3] if f.endswith(".py") else f
            assert name not in sys.stdlib_module_names, f"{d}/{f} would hide Python's own {name}"
    # nobody writes the path out by hand (the folders, joined with ":")
    out = subprocess.run(["grep", "-rlE", "--exclude-dir=__pycache__", "--exclude=pypath", "--exclude=test_request.py",
                          r"client/app:|apis:\S*server", "install.sh", "server", "tests", "docs", "apache2-flyton.conf",
                          "README.md"], cwd=top, capture_output=True, text=True).stdout.split()
    assert out == [], f"the import path written out in {out}: use server/bin/flyton pypath"


def test_an_in_process_request_has_the_sites_database_rights_not_the_tests(temp_file, user):
    # the tests make their tables as the owner; a method run in process may change rows only, as on the site
    temp_file("server/apis/api/api_t_ddl2.py", '''
from tools.sql import *
from tools.kicapi import *
def api_t_ddl2(data):
    kic_sql("CREATE TABLE t_inproc_ddl (id INT)")
    api_ok()
''')
    st, a = api("api_t_ddl2", {}, user)
    assert st == 500, a
    assert a["err"].startswith("database error"), a
    tables = [r[0] for r in sql("SHOW TABLES")[0]]
    assert "t_inproc_ddl" not in tables
    assert sql("SELECT CURRENT_USER()")[0][0][0].endswith("_owner@localhost"), "the test itself stays the owner"


def test_a_draining_node_refuses_the_balancers_ping_and_answers_its_own():
    # `flyton drain on` makes the file "drain" beside config.py: the ping from anyone but the machine
    # itself gets 503 (a balancer takes the node out); loopback (flyton health) gets its answer
    import os
    from inproc import call
    import json as js
    f = os.path.join(os.path.dirname(os.path.realpath(config.__file__)), "drain")

    def ping(addr):
        st, h, t = call("/cgi-bin/api", "meth=api_ping", method="GET", addr=addr)
        return st, js.loads(t)["server"]
    assert ping("10.0.0.5")[0] == 200
    open(f, "w").close()
    try:
        st, a = ping("10.0.0.5")
        assert st == 503, a
        assert a["allow"] == 0, a
        assert "leaving the balancer" in a["err"], a
        assert ping("127.0.0.1")[0] == 200, "the machine's own check still gets its answer"
        st, a = api("api_t_kit_list", {}, None, addr="10.0.0.5")
        assert st == 401, "other calls go on (requests in flight finish)"
    finally:
        os.remove(f)
    assert ping("10.0.0.5")[0] == 200

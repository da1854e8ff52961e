# test_hostile.py: no input can change the meaning of a query. Every value
# position stores and finds hostile text exactly; every identifier position
# refuses hostile names and runs nothing; no other table changes.
import json

import pytest

from conftest import top, http, page, api, log_mark
from tools.sql import *

values = [
    "'", '"', "\\", "\\'", "''", "'; DROP TABLE users; --", "' OR '1'='1", "1; DELETE FROM gen",
    "a\x00b", "%", "_", "`", "\n\r\t", '{"a": "b\\"c"}', "שלום עולם", "emoji 🎉🚀", "x" * 10000,
    "\u202e reversed", "NULL", "/* comment */", "$.a", "%s", "%(x)s", "?",
]
names = [
    "users; DROP TABLE t_canary", "a`b", "users--", "x y z", "1=1", "name)", "sleep(5)", "t_canary#",
    "id OR 1=1", "'id'", "users.id.id", "", "a\x00", "ab" * 40, "data:a'b", "data:a\"b", "*/",
]
watched = ["users", "ses", "gen", "logs", "t_kit", "t_canary"]


@pytest.fixture(scope="module", autouse=True)
def tables():
    kic_sql("DROP TABLE IF EXISTS t_hostile")
    kic_sql("DROP TABLE IF EXISTS t_canary")
    kic_sql("""CREATE TABLE t_hostile (id INT AUTO_INCREMENT PRIMARY KEY, name TEXT, tag VARCHAR(64),
               is_active TINYINT(1) NOT NULL DEFAULT 1, data JSON) AUTO_INCREMENT=8001 DEFAULT CHARSET=utf8mb4""")
    kic_sql("CREATE TABLE t_canary (id INT PRIMARY KEY, v TEXT)")
    kic_sql("INSERT INTO t_canary VALUES (1, 'alive')")
    yield
    kic_sql("DROP TABLE IF EXISTS t_hostile")
    kic_sql("DROP TABLE IF EXISTS t_canary")


def snapshot():
    # row count and checksum of every table the hostile input must not touch
    out = {}
    for t in watched:
        n = kic_sql(f"SELECT COUNT(*) FROM {t}")[0][0]
        c = kic_sql(f"CHECKSUM TABLE {t}")[0][1]
        out[t] = (n, c)
    return out


@pytest.mark.once      # the database calls, in this process
@pytest.mark.parametrize("v", values, ids=[f"v{i}" for i in range(len(values))])
def test_values_round_trip_and_touch_nothing_else(v):
    before = snapshot()
    w = insert_to_sql({"table": "t_hostile", "set": {"name": v, "tag": v[:64]}, "data": {"v": v, v[:50]: 1}})
    assert w["status"] is True, w
    id = w["id"]
    got = find_in_sql({"table": "t_hostile", "what": "id,name,tag", "fld": "name", "val": v, "all": 1})
    assert got == [(id, v, v[:64])]
    assert find_in_sql({"table": "t_hostile", "what": "id", "where": {"name": v, "tag": v[:64]}}) == (id,)
    assert (id,) in find_in_sql({"table": "t_hostile", "what": "id", "where": {"name": ("like", v)}, "all": 1})
    assert find_in_sql({"table": "t_hostile", "what": "id", "where": {"id": ("in", [v, id])}, "all": 1}) == [(id,)]
    assert find_in_sql({"table": "t_hostile", "what": "id", "where": {"v": ("=", v, "data")}}) == (id,)
    assert find_in_sql({"table": "t_hostile", "what": "id", "fld": "id", "val": v}) in (False,)
    assert get_data("t_hostile", id) == {"v": v, v[:50]: 1}
    assert add_to_data("t_hostile", id, v[:60], v)["status"]
    assert add_to_data("t_hostile", id, {"x": [v, {"y": v}]})["status"]
    d = get_data("t_hostile", id)
    assert d[v[:60]] == v
    assert d["x"] == [v, {"y": v}]
    assert insert_to_sql({"table": "t_hostile", "id": id, "set": {"tag": v[::-1][:64]}})["status"]
    assert get_record("t_hostile", id)["tag"] == v[::-1][:64]
    assert insert_to_sql({"table": "t_hostile", "id": v, "set": {"tag": "x"}})["row_count"] == 0
    assert count_in_sql({"table": "t_hostile", "fld": "name", "val": v}) == (1,)
    assert get_record("t_hostile", v, "name")["id"] == id
    assert kic_sql_delete({"table": "t_hostile", "id": v})["status"] == 0
    insert_to_sql({"table": "t_hostile", "id": id, "set": {"is_active": 0}})
    assert snapshot() == before


@pytest.mark.once      # the database calls, in this process
@pytest.mark.parametrize("n", names, ids=[f"n{i}" for i in range(len(names))])
def test_identifiers_are_refused_and_nothing_runs(n):
    before = snapshot()
    base = {"table": "t_hostile", "fld": "id", "val": 1}
    for k, v in (("table", n), ("table", f"t_hostile {n}"), ("what", n), ("fld", n), ("sort", n), ("sortj", n),
                 ("grp", n), ("where", {n: 1}), ("where", {"id": (">", 1, n)}), ("limit", n),
                 ("join", [{"jtab": n, "on": "id", "jon": "id"}]), ("join", [{"jtab": "t_canary c", "on": n, "jon": "id"}]),
                 ("ljoin", [{"jtab": "t_canary c", "on": "id", "jon": n}])):
        if n == "" and (k in ("fld", "sort", "sortj", "grp", "limit", "what") or v == "t_hostile "):
            continue          # empty means "not given" for these keys
        r = dict(base)
        r[k] = v
        with pytest.raises(SqlError) as e:
            find_in_sql(r)
        assert e.value.errno == 0, (k, v, str(e.value))     # refused here: the server never saw it
    for f in (lambda: insert_to_sql({"table": n, "set": {"v": "x"}}), lambda: insert_to_sql({"table": "t_hostile", "set": {n: "x"}}),
              lambda: add_to_data(n, 1, "k", "v"), lambda: kic_sql_delete({"table": n, "id": 1}),
              lambda: get_record(n, 1), lambda: get_data(n, 1)):
        with pytest.raises(SqlError):
            f()
    assert snapshot() == before
    assert kic_sql("SELECT v FROM t_canary") == [("alive",)]


@pytest.mark.once      # the database calls, in this process
def test_stacked_statements_are_refused_even_in_raw_sql():
    before = snapshot()
    for q in ("SELECT 1; DROP TABLE t_canary", "UPDATE t_canary SET v = 'x'; SELECT 1"):
        with pytest.raises(SqlError) as e:
            kic_sql(q)
        assert e.value.errno == 1064, e.value     # a syntax error: the server runs one statement only
    assert snapshot() == before
    assert kic_sql("SELECT v FROM t_canary") == [("alive",)]


def test_hostile_bodies_get_a_clean_4xx_and_no_traceback(user):
    # each once failed with HTTP 500 and a traceback (an outside audit)
    deep = "[" * 100000 + "]" * 100000
    bodies = [
        '{"info": {}, "input": {"u": ' + deep + '}}',
        '{"info": {}, "input": {"id": Infinity}}', '{"info": {}, "input": {"id": -Infinity}}',
        '{"info": {}, "input": {"id": NaN}}', '{"info": {}, "input": {"id": 1e400}}',
        '{"info": {}, "input": {"u": "a\\ud800b", "p": "x"}}', b'{"info": {}, "input": {"u": "\xff\xfe"}}',
    ]
    since = log_mark()
    for meth in ("api_login", "api_t_kit_add"):
        for b in bodies:
            raw = b if isinstance(b, bytes) else b.replace('"info": {}', '"info": {"ses": "%s"}' % user["ses"]).encode()
            st, h, t = http(f"/cgi-bin/api?meth={meth}", raw, "POST", {"Content-Type": "application/json"})
            a = json.loads(t)["server"]
            assert st == 400, (meth, raw[:60], st, t[:200])
            assert a["allow"] == 0, (meth, raw[:60], st, t[:200])
            assert a["err"].startswith("bad json"), (meth, raw[:60], st, t[:200])
    for rpage in ("__init__", "_x", "__pycache__"):
        st, t = page(rpage, user["ses"])
        assert st == 404
        assert "There is no such page" in t
    assert "Traceback" not in since()


@pytest.mark.once      # the database calls, in this process
def test_name_patterns_refuse_a_trailing_newline():
    # "$" would match before a final newline; the patterns end with \Z
    from tools import sql as sqlmod
    from tools.kicweb import is_name
    from tools.kic_refine import kic_refine
    for n in ("users\n", "id\n"):
        with pytest.raises(sqlmod.BadName):
            sqlmod.qn(n)
    with pytest.raises(sqlmod.BadName):
        sqlmod.jpath("a.b\n")
    assert is_name("dashboard\n") == 0
    assert is_name("dashboard") == 1
    assert isinstance(kic_refine("Email", "a@b.com\n", {"strip": 0, "is": "email"}), dict)


def test_an_id_is_a_whole_number_not_whatever_int_makes_of_it(user, admin):
    # int(true) is 1 and int(2.5) is 2: such input must not act on row 1 or row 2
    st, a = api("api_t_kit_add", {"name": "keep me"}, user["ses"])
    tid = a["id"]
    for v in (tid + 0.5, True, f"{tid}.0", f"{tid}e0", [tid], {"id": tid}):
        st, a = api("api_t_kit_del", {"id": v}, user["ses"])
        assert a["allow"] == 0, v
    assert kic_sql(f"SELECT is_active FROM t_kit WHERE id = {int(tid)}") == [(1,)]
    st, a = api("api_t_kit_del", {"id": str(tid)}, user["ses"])
    assert a["allow"] == 1                 # a string of digits is an id
    for v in (user["id"] + 0.25, True, f"{user['id']}x"):
        st, a = api("api_user_off", {"id": v}, admin["ses"])
        assert a["allow"] == 0, v
    assert kic_sql(f"SELECT is_active FROM users WHERE id = {int(user['id'])}") == [(1,)]

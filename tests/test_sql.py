# test_sql.py: every call and key of tools/sql.py against the real database,
# with the exact result shapes of the Flyton contract.
import io
import os
import sys
import json
import datetime
import subprocess
import contextlib

import pytest

from conftest import top
from tools.sql import *
import tools.sql as sqlmod

pytestmark = pytest.mark.once      # the database calls, in this process: the first pass only


@pytest.fixture(scope="module", autouse=True)
def tables():
    for t in ("t_items", "t_cats", "t_pair"):
        kic_sql(f"DROP TABLE IF EXISTS {t}")
    kic_sql("""CREATE TABLE t_cats (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50),
               is_active TINYINT(1) NOT NULL DEFAULT 1, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
               updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, data JSON)
               AUTO_INCREMENT=701 DEFAULT CHARSET=utf8mb4""")
    kic_sql("""CREATE TABLE t_items (id INT AUTO_INCREMENT PRIMARY KEY, name TEXT, cat_id INT, price INT,
               is_active TINYINT(1) NOT NULL DEFAULT 1, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
               updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, data JSON)
               AUTO_INCREMENT=5001 DEFAULT CHARSET=utf8mb4""")
    kic_sql("""CREATE TABLE t_pair (a INT, b INT, v TEXT, PRIMARY KEY (a, b)) DEFAULT CHARSET=utf8mb4""")
    for name in ("fruit", "veg", "empty"):
        insert_to_sql({"table": "t_cats", "set": {"name": name}})
    rows = [("apple", 701, 5, {"color": "red", "w": 10}), ("banana", 701, 3, {"color": "yellow", "w": 2}),
            ("carrot", 702, 2, {"color": "orange", "w": 100}), ("old", 702, 9, {"color": "grey", "w": 1})]
    for n, c, p, d in rows:
        insert_to_sql({"table": "t_items", "set": {"name": n, "cat_id": c, "price": p}, "data": d})
    insert_to_sql({"table": "t_items", "id": 5004, "set": {"is_active": 0}})
    kic_sql("INSERT INTO t_items (name, cat_id, price) VALUES ('nocat', 799, 1)")
    yield
    for t in ("t_items", "t_cats", "t_pair"):
        kic_sql(f"DROP TABLE IF EXISTS {t}")


# ---------- find_in_sql ----------

def test_find_first_row_as_tuple():
    w = find_in_sql({"table": "t_items", "fld": "id", "val": 5001, "what": "id,name,price"})
    assert w == (5001, "apple", 5)


def test_find_nothing_is_false():
    assert find_in_sql({"table": "t_items", "fld": "name", "val": "nothing"}) is False
    assert find_in_sql({"table": "t_items", "fld": "name", "val": "nothing", "all": 1}) is False


def test_find_all_is_a_list_of_tuples():
    w = find_in_sql({"table": "t_items", "what": "name", "fld": "cat_id", "val": 701, "all": 1, "sort": "id"})
    assert w == [("apple",), ("banana",)]


def test_find_what_reads_json_keys():
    w = find_in_sql({"table": "t_items", "what": "name,data:color", "fld": "id", "val": 5003})
    assert w == ("carrot", "orange")


def test_find_what_functions_and_as():
    w = find_in_sql({"table": "t_items", "what": "count(*), max(price) as top, cat_id", "grp": "cat_id",
                     "sort": "cat_id", "all": 1, "is_active": 1})
    assert w == [(2, 5, 701), (1, 2, 702), (1, 1, 799)]
    w = find_in_sql({"table": "t_items", "what": "distinct cat_id", "sort": "cat_id", "all": 1})
    assert w == [(701,), (702,), (799,)]


def test_find_alias_table_and_alias_fld():
    w = find_in_sql({"table": "t_items i", "what": "i.name", "fld": "i.id", "val": 5002})
    assert w == ("banana",)


def test_where_forms():
    f = lambda where, **k: find_in_sql(dict({"table": "t_items", "what": "name", "where": where, "all": 1, "sort": "id"}, **k))
    assert f({"cat_id": 701}) == [("apple",), ("banana",)]
    assert f({"price": (">", 4)}) == [("apple",), ("old",)]
    assert f({"price": (">=", 3), "price/2": ("<", 9)}) == [("apple",), ("banana",)]
    assert f({"name": ("like", "an")}) == [("banana",)]
    assert f({"name": ("like", "c%")}) == [("carrot",)]
    assert f({"id": ("in", [5001, 5003, 9999])}) == [("apple",), ("carrot",)]
    assert f({"id": ("in", [])}) is False
    assert f({"id": ("not in", [5001, 5002, 5003, 5004])}) == [("nocat",)]
    assert f({"w": (">", 5, "data")}) == [("apple",), ("carrot",)]
    assert f({"color": ("=", "yellow", "data")}) == [("banana",)]
    assert f({"price": ("!=", 5)}, is_active=1) == [("banana",), ("carrot",), ("nocat",)]
    assert f("price < 3") == [("carrot",), ("nocat",)]


def test_is_active_filter():
    w = find_in_sql({"table": "t_items", "what": "name", "is_active": 0, "all": 1})
    assert w == [("old",)]


def test_sort_desc_and_limit():
    w = find_in_sql({"table": "t_items", "what": "name", "sort": "price", "desc": 1, "all": 1, "limit": 2})
    assert w == [("old",), ("apple",)]
    w = find_in_sql({"table": "t_items", "what": "name", "sort": "id", "all": 1, "limit": "1,2"})
    assert w == [("banana",), ("carrot",)]


def test_sortj_forms():
    f = lambda s: [x[0] for x in find_in_sql({"table": "t_items", "what": "name", "sortj": s, "is_active": 1,
                                             "where": {"cat_id": ("in", [701, 702])}, "all": 1})]
    assert f("price") == ["carrot", "banana", "apple"]
    assert f("name/desc") == ["carrot", "banana", "apple"]
    assert f("data:color") == ["carrot", "apple", "banana"]
    assert f("data:w") == ["apple", "carrot", "banana"]            # as text: "10" < "100" < "2"
    assert f("data:w:int") == ["banana", "apple", "carrot"]
    assert f("data:w:int/desc") == ["carrot", "apple", "banana"]


def test_joins():
    j = [{"jtab": "t_cats c", "on": "cat_id", "jon": "id"}]
    w = find_in_sql({"table": "t_items i", "what": "i.name,c.name", "join": j, "is_active": 1, "all": 1, "sort": "i.id"})
    assert w == [("apple", "fruit"), ("banana", "fruit"), ("carrot", "veg")]
    w = find_in_sql({"table": "t_items i", "what": "i.name,c.name", "ljoin": j, "is_active": 1, "all": 1, "sort": "i.id"})
    assert w[-1] == ("nocat", None)
    assert len(w) == 4
    w = find_in_sql({"table": "t_items i", "what": "c.name,i.name", "rjoin": j, "all": 1, "sort": "c.id"})
    assert ("empty", None) in w
    j = [{"jtab": "t_cats c", "on": "cat_id", "jon": "id", "And": {"c.name": "veg"}}]
    w = find_in_sql({"table": "t_items i", "what": "i.name", "join": j, "all": 1})
    assert w == [("carrot",), ("old",)]


def test_debug_prints_sql_only_in_dev(monkeypatch):
    r = {"table": "t_items", "fld": "id", "val": 5001, "debug": 1}
    for mode, seen in (("dev", 1), ("prod", 0)):
        monkeypatch.setattr(sqlmod.config, "sys_mode", mode)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert find_in_sql(r)[0] == 5001
        assert ("SELECT" in buf.getvalue()) == bool(seen)


def test_a_database_error_raises_sqlerror():
    with pytest.raises(SqlError) as e:
        find_in_sql({"table": "t_nosuchtable", "fld": "id", "val": 1})
    assert e.value.errno == 1146, e.value
    assert "t_nosuchtable" in str(e.value)


def test_every_call_raises_the_same_error():
    # one exception type for a failing server and for a wrong call: never a value to read as a result
    calls = [lambda: find_in_sql({"table": "t_nosuchtable"}), lambda: find_in_sql({"fld": "id"}),
             lambda: insert_to_sql({"table": "t_nosuchtable", "set": {"a": 1}}),
             lambda: insert_to_sql({"table": "t_items", "id": 1}),
             lambda: count_in_sql({"table": "t_nosuchtable"}), lambda: get_record("t_nosuchtable", 1),
             lambda: get_data("t_nosuchtable", 1), lambda: add_to_data("t_nosuchtable", 1, "k", 1),
             lambda: sql_next({"table": "t_nosuchtable"}), lambda: kic_sql("SELEC nonsense"),
             lambda: kic_sql_delete({"table": "t_nosuchtable", "id": 1}), lambda: sql("SELEC 1"),
             lambda: list(sql_order({"table": "t_nosuchtable"}))]
    for i, f in enumerate(calls):
        with pytest.raises(SqlError):
            f()
        assert sqlmod.in_tx() == 0, f"call {i} left a transaction open"


# ---------- insert_to_sql ----------

def test_insert_and_update():
    w = insert_to_sql({"table": "t_items", "set": {"name": "new", "price": 7}, "data": {"k": [1, 2]}})
    assert w["status"] is True
    assert w["id"] > 5005
    assert get_data("t_items", w["id"]) == {"k": [1, 2]}
    u = insert_to_sql({"table": "t_items", "id": w["id"], "set": {"price": 8}})
    assert u == {"status": True, "id": w["id"], "row_count": 1}
    assert find_in_sql({"table": "t_items", "what": "price", "fld": "id", "val": w["id"]}) == (8,)
    s = insert_to_sql({"table": "t_items", "id": w["id"], "set": "price = price + 1"})
    assert s["status"]
    assert find_in_sql({"table": "t_items", "what": "price", "fld": "id", "val": w["id"]}) == (9,)


def test_insert_string_id_and_compound_id():
    w = insert_to_sql({"table": "t_pair", "set": {"a": 1, "b": 2, "v": "x"}})
    assert w["status"]
    u = insert_to_sql({"table": "t_pair", "id": {"a": 1, "b": 2}, "set": {"v": "y"}})
    assert u["status"]
    assert u["row_count"] == 1
    assert find_in_sql({"table": "t_pair", "what": "v", "where": {"a": 1, "b": 2}}) == ("y",)


def test_insert_error_raises():
    with pytest.raises(SqlError) as e:
        insert_to_sql({"table": "t_items", "set": {"nosuchcolumn": 1}})
    assert "nosuchcolumn" in str(e.value)


# ---------- the other calls ----------

def test_sql_order_walks_a_big_table_in_batches():
    kic_sql("""CREATE TEMPORARY TABLE t_big (id INT AUTO_INCREMENT PRIMARY KEY, name TEXT, price INT,
               is_active TINYINT(1) NOT NULL DEFAULT 1, data JSON) AUTO_INCREMENT=5001""")
    kic_sql("INSERT INTO t_big (name, price) VALUES " + ", ".join(f"('r{i}', {i})" for i in range(1, 1206)))
    insert_to_sql({"table": "t_big", "id": 5010, "set": {"is_active": 0}})
    ids = []
    id = ""
    for u in sql_order({"table": "t_big", "id": id}):
        id = u["id"]
        ids.append(u["id"])
        assert isinstance(u, dict)
        assert "name" in u
    assert len(ids) == 1204
    assert 5010 not in ids
    assert ids == sorted(ids)
    later = [u["id"] for u in sql_order({"table": "t_big", "id": 6100})]
    assert later[0] == 6101
    assert later[-1] == ids[-1]
    cheap = [u["name"] for u in sql_order({"table": "t_big", "id": "", "where": {"price": ("<", 4)}})]
    assert cheap == ["r1", "r2", "r3"]
    off = [u["id"] for u in sql_order({"table": "t_big", "id": "", "is_active": 0})]
    assert off == [5010]


def test_sql_next():
    a = sql_next({"table": "t_items", "id": ""})
    assert a["id"] == 5001
    assert a["name"] == "apple"
    b = sql_next({"table": "t_items", "id": 5003})
    assert b["name"] == "nocat"   # 5004 is inactive
    assert sql_next({"table": "t_items", "id": 99999}) == {"id": ""}


def test_count_in_sql():
    assert count_in_sql({"table": "t_items", "fld": "cat_id", "val": 701}) == (2,)
    assert count_in_sql({"table": "t_items", "fld": "cat_id", "val": 12345}) == (0,)


def test_get_data_add_to_data_get_record():
    id = insert_to_sql({"table": "t_items", "set": {"name": "d"}})["id"]
    assert get_data("t_items", id) == {}
    assert add_to_data("t_items", id, "a", 1)["status"]
    assert add_to_data("t_items", id, {"b": [1, "two"], "c": {"x": None}})["status"]
    assert get_data("t_items", id) == {"a": 1, "b": [1, "two"], "c": {"x": None}}
    add_to_data("t_items", id, "a", "!del")
    assert get_data("t_items", id) == {"b": [1, "two"], "c": {"x": None}}
    r = get_record("t_items", id)
    assert r["name"] == "d"
    assert r["b"] == [1, "two"]
    assert r["id"] == id
    assert get_record("t_items", "d", "name")["id"] == id
    assert get_record("t_items", 987654) == {}
    assert get_data("t_items", 987654) == {}
    assert add_to_data("t_items", 987654, "a", 1)["status"] is False


def test_gen_data_shape():
    g = gen_data()
    assert g["roles"]["data"]["admin"] == "Admin"
    assert g["ses_idle_min"] == {"id": g["ses_idle_min"]["id"], "val": "60"}
    assert isinstance(g["year"]["id"], int)


def test_get_next_counter_counts():
    t = "t" + os.urandom(3).hex()
    assert get_next_counter("inv", t) == 1
    assert get_next_counter("inv", t) == 2
    assert get_next_counter("inv", t + "b", {"start": 1000}) == 1000
    assert gen_data()[f"{t}_inv"]["val"] == "2"


def test_get_next_counter_is_atomic_across_processes():
    t = "c" + os.urandom(3).hex()
    code = f"""
from tools.sql import get_next_counter
print(" ".join(str(get_next_counter("n", {t!r})) for i in range(200)))
"""
    ps = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for i in range(4)]
    got = []
    for p in ps:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0
        got += [int(x) for x in out.split()]
    assert len(got) == 800
    assert len(set(got)) == 800
    assert sorted(got) == list(range(1, 801))


def test_kic_sql_and_delete():
    assert kic_sql("SELECT 1 + 1") == [(2,)]
    w = kic_sql("UPDATE t_items SET price = price WHERE cat_id = %s", 1, (701,))
    assert w["status"] == 1
    assert "row_count" in w
    assert w["results"] == []
    id = insert_to_sql({"table": "t_items", "set": {"name": "gone"}})["id"]
    assert kic_sql_delete({"table": "t_items", "id": id}) == {"status": 1, "row_count": 1}
    assert find_in_sql({"table": "t_items", "fld": "id", "val": id}) is False
    assert kic_sql_delete({"table": "t_items", "id": id})["status"] == 0


def test_dates_come_back_as_datetimes():
    w = find_in_sql({"table": "t_items", "what": "created_at", "fld": "id", "val": 5001})
    assert isinstance(w[0], datetime.datetime)


def test_one_connection_serves_many_calls():
    first = sqlmod.conn()
    for i in range(20):
        find_in_sql({"table": "t_items", "fld": "id", "val": 5001})
    assert sqlmod.conn() is first


def test_a_broken_connection_is_reopened_once():
    find_in_sql({"table": "t_items", "fld": "id", "val": 5001})
    cid = kic_sql("SELECT CONNECTION_ID()")[0][0]
    subprocess.run(["mysql", "-e", f"KILL {cid}"], check=True)
    w = find_in_sql({"table": "t_items", "what": "name", "fld": "id", "val": 5001})
    assert w == ("apple",)
    assert kic_sql("SELECT CONNECTION_ID()")[0][0] != cid


def test_a_failed_add_to_data_leaves_nothing_half_done():
    id = insert_to_sql({"table": "t_items", "set": {"name": "tx"}, "data": {"keep": 1}})["id"]
    with pytest.raises(SqlError):
        add_to_data("t_items", id, {"bad": float("nan")})   # NaN is not JSON: refused before writing
    assert get_data("t_items", id) == {"keep": 1}
    assert sqlmod.in_tx() == 0
    assert add_to_data("t_items", id, "ok", 2)["status"]


def test_a_forked_child_opens_a_connection_of_its_own():
    # a connection opened before a fork is the parent's: the child's first statement opens its own
    # (sql.py knows its process without asking the system each time: os.register_at_fork tells it)
    mine = sql("SELECT CONNECTION_ID()")[0][0][0]
    r, w = os.pipe()
    kid = os.fork()
    if kid == 0:
        keep = sqlmod.local.db      # held: its end must not close the parent's connection before _exit
        try:
            os.write(w, str(sql("SELECT CONNECTION_ID()")[0][0][0]).encode())
        finally:
            os._exit(0)
    os.close(w)
    got = os.read(r, 100).decode()
    os.close(r)
    os.waitpid(kid, 0)
    assert got.isdigit(), f"the child said {got!r}"
    assert int(got) != mine, "the child used the parent's connection"
    assert sql("SELECT CONNECTION_ID()")[0][0][0] == mine, "the parent keeps its own"

# test_retry.py: a call sent again writes nothing twice (in process, tests/inproc.py).
# call_server sends each call with a request id (rid) and sends it again, with the same rid,
# when no answer came; dispatch.py commits a call's writes and its answer together
# (tools/db_calls.py), so a second try gets the first answer. The browser's side of it, an
# answer lost after the write, is in test_browser.py.
import os
import re
import secrets
import threading
import subprocess

import pytest

from conftest import top, cfg_file
from inproc import api
from tools.sql import *
from tools.db_calls import call_key

pytestmark = pytest.mark.once


def rid():
    return secrets.token_hex(16)


def todos(uid, name):
    return sql("SELECT COUNT(*) FROM t_kit WHERE user_id = %s AND name = %s", (uid, name))[0][0][0]


def kept(uid, r):
    return sql("SELECT COUNT(*) FROM calls WHERE name = %s", (call_key(uid, r),))[0][0][0]


def test_a_call_sent_again_gets_the_first_answer_and_writes_nothing(user):
    r = rid()
    st1, a1 = api("api_t_kit_add", {"name": "milk"}, user["ses"], rid=r)
    st2, a2 = api("api_t_kit_add", {"name": "milk"}, user["ses"], rid=r)
    assert st1 == 200, a1
    assert a1["allow"] == 1, a1
    assert (st2, a2) == (st1, a1), "the second try answers what the first did"
    assert todos(user["id"], "milk") == 1, "one todo, not two"
    assert kept(user["id"], r) == 1


def test_another_request_id_is_another_call(user):
    api("api_t_kit_add", {"name": "bread"}, user["ses"], rid=rid())
    api("api_t_kit_add", {"name": "bread"}, user["ses"], rid=rid())
    assert todos(user["id"], "bread") == 2


def test_a_call_without_a_request_id_runs_each_time(user):
    api("api_t_kit_add", {"name": "eggs"}, user["ses"])
    api("api_t_kit_add", {"name": "eggs"}, user["ses"])
    assert todos(user["id"], "eggs") == 2


def test_a_request_id_is_one_users_own(user, admin):
    r = rid()
    api("api_t_kit_add", {"name": "tea"}, user["ses"], rid=r)
    st, a = api("api_t_kit_add", {"name": "tea"}, admin["ses"], rid=r)
    assert a["allow"] == 1, a
    assert todos(admin["id"], "tea") == 1, "another user's call with the same rid runs"
    assert todos(user["id"], "tea") == 1


def test_a_call_that_only_reads_keeps_nothing(user):
    r = rid()
    st, a = api("api_t_kit_list", {}, user["ses"], rid=r)
    assert a["allow"] == 1, a
    assert kept(user["id"], r) == 0


def test_a_bad_request_id_is_no_request_id(user):
    for bad in ("short", "x" * 65, "../../etc/passwd/x", 12345678901234567890, None):
        api("api_t_kit_add", {"name": "jam"}, user["ses"], rid=bad)
    assert todos(user["id"], "jam") == 5


fails = """from tools.sql import *


def api_t_fails(data):
    uid = data["s"]["my_user_id"]
    insert_to_sql({"table": "t_kit", "set": {"user_id": uid, "name": data["post"]["input"]["name"]}})
    raise RuntimeError("after a write")
"""


def test_a_try_that_fails_writes_nothing_and_may_be_sent_again(user, temp_file):
    temp_file("server/apis/api/api_t_fails.py", fails)
    st, a = api("api_t_fails", {"name": "half"}, user["ses"], rid=rid())
    assert st == 500, a
    assert a["allow"] == 0, a
    assert todos(user["id"], "half") == 0, "the write before the failure is undone"


flaky = """from tools.sql import *

tries = []


def api_t_flaky(data):
    uid = data["s"]["my_user_id"]
    insert_to_sql({"table": "t_kit", "set": {"user_id": uid, "name": "flaky"}})
    tries.append(1)
    if len(tries) == 1:
        sql("SELECT * FROM t_no_such_table")     # the database fails the first try, after its write
    return {"tries": len(tries)}
"""


def test_a_database_error_says_send_again_and_the_next_try_writes_once(user, temp_file):
    temp_file("server/apis/api/api_t_flaky.py", flaky)
    r = rid()
    st, a = api("api_t_flaky", {}, user["ses"], rid=r)
    assert st == 500, a
    assert a.get("retry") == 1, a
    assert todos(user["id"], "flaky") == 0, "the first try's write is undone"
    st, a = api("api_t_flaky", {}, user["ses"], rid=r)
    assert a["allow"] == 1, a
    assert a["tries"] == 2, a
    assert todos(user["id"], "flaky") == 1


def test_without_a_request_id_a_failed_call_is_not_sent_again(user, temp_file):
    # its writes before the failure stay (no transaction around it): sending it again would double them
    temp_file("server/apis/api/api_t_fails.py", fails)
    st, a = api("api_t_fails", {"name": "kept_half"}, user["ses"])
    assert st == 500, a
    assert "retry" not in a, a
    assert todos(user["id"], "kept_half") == 1


inner = """from tools.sql import *
import tools.sql as sqlmod


def api_t_inner(data):
    uid = data["s"]["my_user_id"]
    for n in ("a", "b", "c"):
        if n == "b":
            sqlmod.begin()
        insert_to_sql({"table": "t_kit", "set": {"user_id": uid, "name": "inner_" + n}})
        if n == "b":
            sqlmod.rollback()
    return {"depth": sqlmod.in_tx()}
"""


def test_a_methods_own_transaction_inside_the_call_undoes_only_its_part(user, temp_file):
    temp_file("server/apis/api/api_t_inner.py", inner)
    r = rid()
    st, a = api("api_t_inner", {}, user["ses"], rid=r)
    assert a["allow"] == 1, a
    assert a["depth"] == 1, "the method ran inside the call's transaction"
    names = [w[0] for w in sql("SELECT name FROM t_kit WHERE user_id = %s ORDER BY id", (user["id"],))[0]]
    assert names == ["inner_a", "inner_c"], names
    assert kept(user["id"], r) == 1


slow = """import time
from tools.sql import *


def api_t_slow_add(data):
    uid = data["s"]["my_user_id"]
    w = insert_to_sql({"table": "t_kit", "set": {"user_id": uid, "name": "slow"}})
    time.sleep(0.5)
    return {"id": w["id"]}
"""


def test_two_tries_at_the_same_time_write_once(user, temp_file):
    # the first try is still at work when the second comes (a balancer sent it again)
    temp_file("server/apis/api/api_t_slow_add.py", slow)
    r = rid()
    got = []
    ts = [threading.Thread(target=lambda: got.append(api("api_t_slow_add", {}, user["ses"], rid=r))) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    assert len(got) == 2, got
    assert got[0] == got[1], got
    assert got[0][1]["allow"] == 1, got
    assert todos(user["id"], "slow") == 1


def test_the_archive_engine_forgets_old_answers(user):
    old, new = rid(), rid()
    api("api_t_kit_add", {"name": "old"}, user["ses"], rid=old)
    api("api_t_kit_add", {"name": "new"}, user["ses"], rid=new)
    sql("UPDATE calls SET created_at = NOW() - INTERVAL 25 HOUR WHERE name = %s", (call_key(user["id"], old),))
    r = subprocess.run([f"{top}/server/bin/flyton", "archive"], capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, FLYTON_CONFIG_DIR=os.path.dirname(cfg_file)))     # the test database
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"^calls: deleted [1-9]\d* kept answers", r.stdout, re.M), r.stdout
    assert kept(user["id"], old) == 0
    assert kept(user["id"], new) == 1

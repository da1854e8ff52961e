# new.py: a new page, API method, table or migration, written the way the rules say, with its test
#   sudo server/bin/flyton new page notes            client/app/admin/notes.py, def notes(data)
#                                                    (tab_x, test_x, card_x: in admin/tabs/ .. : tools/pagedirs.py)
#   sudo server/bin/flyton new api note_add          server/apis/api/api_note_add.py, def api_note_add(data)
#   sudo server/bin/flyton new job mail_welcome      server/apis/jobs/job_mail_welcome.py, def job_mail_welcome(data)
#   sudo server/bin/flyton new migration prio        sql/migrations/NNNN_prio.sql, to fill with SQL
#   sudo server/bin/flyton new table notes [--owned] sql/migrations/NNNN_notes.sql, its entry in
#                                                    sql/tables.sql, server/apis/tools/db_notes.py
# Each also writes a test in tests/ that passes as written and is there to grow.
# A name that breaks the rules or is taken is refused, and nothing is written.
import os
import re
import sys
import keyword
import argparse

from tools.pagedirs import pagedirs

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(os.path.dirname(here))
name_re = re.compile(r"^[a-z][a-z0-9_]{1,30}\Z")
# app parts and our own modules: a page or table of that name would hide them
taken_names = {"header", "body", "footer", "main", "start", "weba", "admin", "tools", "config", "api", "sql",
               "ses", "users", "gen", "logs", "migrations", "throttle", "test", "tests"}
# words MySQL reserves: a table of that name breaks every statement that does not quote it
sql_words = set("""add all alter and as asc before between both by call case change check column condition
constraint create cross current_date current_time current_user database databases default delete desc
describe distinct div drop each else elseif exists explain false fetch for foreign from fulltext grant group
having if ignore in index inner insert interval into is join key keys kill leading left like limit lines load
lock long loop match mod natural not null on optimize option or order outer primary procedure range read
references regexp release rename repeat replace require restrict return revoke right rlike schema select set
show spatial sql ssl starting table terminated then to trailing trigger true undo union unique unlock unsigned
update usage use using values when where while with write xor year_month zerofill""".split())


class Refused(Exception):
    pass


def new(argv):
    a = argparse.ArgumentParser(prog="server/bin/flyton new",
                                epilog="page: client/app/<app>/NAME.py (tab_x, test_x, card_x: in a group's folder); api: server/apis/api/api_NAME.py; job: server/apis/jobs/job_NAME.py (a background job: tools/kicjob.py); table: sql/migrations/NNNN_NAME.sql, its entry in sql/tables.sql and server/apis/tools/db_NAME.py; migration: sql/migrations/NNNN_NAME.sql. Each writes a test in tests/ too.")
    a.add_argument("kind", choices=["page", "api", "job", "table", "migration"])
    a.add_argument("name")
    a.add_argument("--app", default="admin", help="page: the app folder of client/app (default admin, app=start)")
    a.add_argument("--owned", action="store_true", help="table: each row belongs to a user (user_id)")
    o = a.parse_args(argv)
    try:
        if o.kind == "page":
            made = new_page(o.name, o.app)
        elif o.kind == "api":
            made = new_api(o.name)
        elif o.kind == "job":
            made = new_job(o.name)
        elif o.kind == "migration":
            made = new_migration(o.name)
        else:
            made = new_table(o.name, o.owned)
    except Refused as e:
        print(f"flyton new: {e}: nothing written", file=sys.stderr)
        return 1
    for p, text in made:
        write(p, text)
        print(f"{'added to' if text.startswith(chr(10)) else 'wrote'} {os.path.relpath(p, top)}")
    print(next_steps(o))
    return 0


def check_name(name, what):
    if not name_re.match(name):
        raise Refused(f"{what} name is 2 to 31 lowercase letters, digits and _, starting with a letter: {name!r}")
    if keyword.iskeyword(name) or name in taken_names:
        raise Refused(f"{name!r} is a name Flyton or Python keeps for itself: pick another")


def free(paths):
    # every file still to be written: none may exist
    for p in paths:
        if os.path.exists(p):
            raise Refused(f"{os.path.relpath(p, top)} exists")


def write(p, text):
    # a text starting with a newline is added to the end of a file (sql/tables.sql);
    # a new file belongs to whoever owns its folder (the developer, not root), readable by the web server
    if text.startswith("\n"):
        with open(p, "a") as f:
            f.write(text)
        return
    d = os.path.dirname(p)
    if not os.path.isdir(d):
        # a page group's folder (admin/tabs/): its owner is the app folder's
        os.mkdir(d, 0o755)
        st = os.stat(os.path.dirname(d))
        os.chown(d, st.st_uid, st.st_gid)
    with open(p, "x") as f:
        f.write(text)
    st = os.stat(d)
    os.chmod(p, 0o644)
    os.chown(p, st.st_uid, st.st_gid)


def fill(text, **names):
    for k, v in names.items():
        text = text.replace(f"@{k}@", str(v))
    return text


# ---------- page ----------

page_py = '''# @name@.py: the page rpage=@name@ (say here what it shows).
from tools.sql import *
from tools.kicutil import *
from tools.kiclang import *


def @name@(data):
    ses = data["ses"]
    h = f"""<div class="col-12 col-lg-8" id=@name@>
      <h1 class=h4>{txt("@title@")}</h1>
    </div>"""
    return h
'''

page_test = '''# test_page_@name@.py: the page @name@ (client/app/@rel@), as a user sees it. In process
# (tests/inproc.py: the site's own code, no Apache, milliseconds). Written by flyton new page;
# grow it with the page.
import pytest

from inproc import page

pytestmark = pytest.mark.once


def test_@name@_shows_to_a_logged_in_user(user):
    st, h = page("@name@", user, "@start@")
    assert st == 200
    assert "id=@name@" in h


def test_@name@_needs_a_session():
    st, h = page("@name@", "no-such-session", "@start@")
    assert st == 302, "no session: to the login page"
    assert "id=@name@" not in h
'''


def new_page(name, app):
    check_name(name, "a page")
    if not name_re.match(app) or not os.path.isfile(os.path.join(top, "client", "app", app, "body.py")):
        raise Refused(f"no app folder client/app/{app} with a body.py")
    start = "start" if app == "admin" else app
    g = pagedirs(name)    # tab..., test..., card_...: the group's folder
    d = os.path.join(top, "client", "app", app, g) if g else os.path.join(top, "client", "app", app)
    p = os.path.join(d, name + ".py")
    t = os.path.join(top, "tests", f"test_page_{name}.py")
    free([p, t])
    title = name.replace("_", " ").capitalize()
    made = []
    if not os.path.isdir(d):
        made.append((os.path.join(d, "__init__.py"), f"# {g}/: the pages whose names start like {name} (tools/pagedirs.py).\n"))
    rel = os.path.relpath(p, os.path.join(top, "client", "app"))
    return made + [(p, fill(page_py, name=name, title=title)), (t, fill(page_test, name=name, app=app, start=start, rel=rel))]


# ---------- api ----------

api_py = '''# api_@name@.py: {...} -> ... (say here what it takes and what it answers).
from tools.sql import *
from tools.kicapi import *


def api_@name@(data):
    i = data["post"]["input"]
    uid = data["s"]["my_user_id"]
    api_ok({"user_id": uid})
'''

api_test = '''# test_api_@name@.py: the API method api_@name@, called as call_server("api_@name@", inp) calls it.
# In process (tests/inproc.py: the site's own code, no Apache, milliseconds). Written by
# flyton new api; grow it with the method.
import pytest

from inproc import api

pytestmark = pytest.mark.once


def test_api_@name@_answers_a_logged_in_user(user):
    st, a = api("api_@name@", {}, user)
    assert st == 200
    assert a["allow"] == 1, a


def test_api_@name@_needs_a_session():
    st, a = api("api_@name@", {})
    assert a["allow"] == 0
    assert a["sact"] == "out"
'''


def new_api(name):
    return new_in("api", name, "an API method", api_py, api_test)


def new_in(kind, name, what, text, test):
    # server/apis/<kind>/<kind>_NAME.py and tests/test_<kind>_NAME.py (an API method, a job)
    name = name.removeprefix(kind + "_")
    check_name(name, what)
    d = "api" if kind == "api" else "jobs"
    p = os.path.join(top, "server", "apis", d, f"{kind}_{name}.py")
    t = os.path.join(top, "tests", f"test_{kind}_{name}.py")
    free([p, t])
    return [(p, fill(text, name=name)), (t, fill(test, name=name))]


# ---------- job ----------

job_py = '''# job_@name@.py: (say here what it does), in the background: job("@name@", {...}) queues it (tools/kicjob.py).
# It runs at least once: if it is cut short (a machine stops) it runs again, so running it twice
# must do no harm (docs/tools.md, "tools/kicjob.py"). Raising makes it run again later.
from tools.sql import *


def job_@name@(data):
    print("job @name@", data)      # what it prints goes to the worker's log
'''

job_test = '''# test_job_@name@.py: the background job job_@name@, queued as a page or method queues it and run
# here (tests/inproc.py run_jobs). Written by flyton new job; grow it with the job.
import pytest

from inproc import run_jobs
from tools.kicjob import job

pytestmark = pytest.mark.once


def test_job_@name@_runs():
    i = job("@name@", {})
    assert run_jobs([i]) == {i: "done"}
'''


def new_job(name):
    return new_in("job", name, "a job", job_py, job_test)


# ---------- table ----------

table_sql = '''CREATE TABLE IF NOT EXISTS @name@ (
  id          INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
@owner@  name        VARCHAR(500) NOT NULL,
  is_active   TINYINT(1) NOT NULL DEFAULT 1,
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  data        JSON NULL@key@
) ENGINE=InnoDB AUTO_INCREMENT=@start@ DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
'''

table_doc = '''-- @name@: (say here what one row is).
@ownerdoc@--   name      (what it holds)
--   data      JSON for the fields only some rows have
-- ids start at @start@.
-- DROP:   DROP TABLE @name@;
-- example rows:
-- | id      | @ownercol@name          | is_active | data |
-- | @ex1@ | @ownerval@first example | 1         | {}   |
-- | @ex2@ | @ownerval@deleted one   | 0         | {}   |
'''

migration_head = '''-- @file@: the @name@ table (written by flyton new table).
-- Runs once per database: sudo server/bin/flyton migrate. Once it ran (here or on
-- prod), change the table with a new migration, never by editing this file.
'''

# the same in both kinds of table
chk_py = '''def @name@_chk(i):
    # clean and check an input: {"status": 1, "name": ..} or {"status": 0, "err": .., "fld": ..}
    name = kic_refine("Name", i.get("name"), {"min": 1, "max": 500, "regex": r"[^\\x00-\\x1f\\x7f]*"})
    if isinstance(name, dict):
        return {"status": 0, "err": name["err"], "fld": "name"}
    return {"status": 1, "name": name}
'''

db_owned = '''# db_@name@.py: the @name@ table, the db_<table>.py way: @name@_list, @name@_get, @name@_chk, @name@_add, @name@_set.
# Every call takes the owner's user_id: a user reaches only their own rows.
from tools.sql import *

# what `from tools.db_@name@ import *` gives: this tool's own names, no other's
__all__ = ["db_@name@", "@name@_list", "@name@_get", "@name@_chk", "@name@_add", "@name@_set"]


def db_@name@(user_id):
    # how many active rows the user has
    return count_in_sql({"table": "@name@", "where": {"user_id": user_id}, "is_active": 1})[0]


def @name@_list(user_id, limit=100, offset=0):
    # the user's active rows as dicts, newest first, a page at a time (an API method: kicapi's api_paging)
    w = find_in_sql({"table": "@name@", "what": "id,name,created_at", "where": {"user_id": user_id}, "is_active": 1,
                     "sort": "id", "desc": 1, "limit": f"{int(offset)},{int(limit)}", "all": 1}) or []
    return [{"id": r[0], "name": r[1], "created_at": r[2]} for r in w]


def @name@_get(user_id, id):
    # one active row of the user as a dict, or {} (also when it is someone else's)
    w = find_in_sql({"table": "@name@", "what": "id,name", "where": {"id": id, "user_id": user_id}, "is_active": 1})
    if not w:
        return {}
    return {"id": w[0], "name": w[1]}


@chk@def @name@_add(user_id, name):
    # {"status": 0, "err": "quota", "quota": n} when the user has config.py quotas["@name@"] rows already
    # (quotas["default"], 10000, without a line of its own)
    return insert_in_quota({"table": "@name@", "set": {"user_id": user_id, "name": name}, "data": {}}, user_id)


def @name@_set(user_id, id, s):
    # change the user's own row ({"is_active": 0} deletes it); {"status": 0} when it is not theirs
    if not @name@_get(user_id, id):
        return {"status": 0, "err": "no such row"}
    return insert_to_sql({"table": "@name@", "id": {"id": id, "user_id": user_id}, "set": s})
'''

db_plain = '''# db_@name@.py: the @name@ table, the db_<table>.py way: @name@_list, @name@_get, @name@_chk, @name@_add, @name@_set.
from tools.sql import *

# what `from tools.db_@name@ import *` gives: this tool's own names, no other's
__all__ = ["db_@name@", "@name@_list", "@name@_get", "@name@_chk", "@name@_add", "@name@_set"]


def db_@name@():
    # how many active rows there are
    return count_in_sql({"table": "@name@", "is_active": 1})[0]


def @name@_list(limit=100, offset=0):
    # active rows as dicts, newest first, a page at a time
    w = find_in_sql({"table": "@name@", "what": "id,name,created_at", "is_active": 1, "sort": "id", "desc": 1,
                     "limit": f"{int(offset)},{int(limit)}", "all": 1}) or []
    return [{"id": r[0], "name": r[1], "created_at": r[2]} for r in w]


def @name@_get(id):
    # one active row as a dict, or {}
    w = find_in_sql({"table": "@name@", "what": "id,name", "where": {"id": id}, "is_active": 1})
    if not w:
        return {}
    return {"id": w[0], "name": w[1]}


@chk@def @name@_add(name):
    return insert_to_sql({"table": "@name@", "set": {"name": name}, "data": {}})


def @name@_set(id, s):
    # change a row ({"is_active": 0} deletes it); {"status": 0} when there is none
    if not @name@_get(id):
        return {"status": 0, "err": "no such row"}
    return insert_to_sql({"table": "@name@", "id": id, "set": s})
'''

table_test_owned = '''# test_table_@name@.py: the @name@ table (sql/migrations/@file@) through tools/db_@name@.py,
# on the test database. Written by flyton new table; grow it with the table.
import pytest

from conftest import new_user
from tools.sql import *
from tools.db_@name@ import *

pytestmark = pytest.mark.once      # the database, in this process: the first pass of tests/run only


def test_@name@_starts_at_its_id_range_and_has_the_rule_columns():
    cols = [r[0] for r in sql("SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE()"
                              " AND table_name = '@name@'")[0]]
    for c in ("id", "user_id", "name", "is_active", "created_at", "updated_at", "data"):
        assert c in cols, c
    u, p, uid = new_user()
    w = @name@_add(uid, "first")
    assert w["id"] >= @start@


def test_@name@_a_user_reaches_only_their_own_rows():
    u, p, a = new_user()
    u, p, b = new_user()
    assert @name@_chk({"name": "  x\\x00 "})["status"] == 0
    c = @name@_chk({"name": " milk "})
    assert c == {"status": 1, "name": "milk"}
    id = @name@_add(a, c["name"])["id"]
    assert @name@_get(a, id)["name"] == "milk"
    assert @name@_get(b, id) == {}
    assert @name@_list(b) == []
    assert @name@_set(b, id, {"is_active": 0})["status"] == 0
    assert [r["name"] for r in @name@_list(a)] == ["milk"]
    assert db_@name@(a) == 1
    assert @name@_set(a, id, {"is_active": 0})["status"]
    assert @name@_list(a) == []
    assert db_@name@(a) == 0


def test_@name@_a_user_has_at_most_the_quota_and_the_list_comes_a_page_at_a_time():
    import config
    u, p, a = new_user()
    was = dict(vars(config))
    config.quotas = {"@name@": 3}
    try:
        ids = [@name@_add(a, f"n{i}")["id"] for i in range(3)]
        assert @name@_add(a, "one more") == {"status": 0, "err": "quota", "quota": 3}
    finally:
        vars(config).pop("quotas", None)
        vars(config).update(was)
    assert [r["id"] for r in @name@_list(a, 2)] == ids[::-1][:2]
    assert [r["id"] for r in @name@_list(a, 2, 2)] == ids[:1]
'''

table_test_plain = '''# test_table_@name@.py: the @name@ table (sql/migrations/@file@) through tools/db_@name@.py,
# on the test database. Written by flyton new table; grow it with the table.
import pytest

from tools.sql import *
from tools.db_@name@ import *

pytestmark = pytest.mark.once      # the database, in this process: the first pass of tests/run only


def test_@name@_starts_at_its_id_range_and_has_the_rule_columns():
    cols = [r[0] for r in sql("SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE()"
                              " AND table_name = '@name@'")[0]]
    for c in ("id", "name", "is_active", "created_at", "updated_at", "data"):
        assert c in cols, c


def test_@name@_add_get_change_delete():
    assert @name@_chk({"name": ""})["status"] == 0
    id = @name@_add("first")["id"]
    assert id >= @start@
    assert @name@_get(id)["name"] == "first"
    assert @name@_set(id, {"name": "second"})["status"]
    assert @name@_get(id)["name"] == "second"
    assert @name@_set(id, {"is_active": 0})["status"]
    assert @name@_get(id) == {}
'''


def new_table(name, owned):
    check_name(name, "a table")
    if name in sql_words or name.endswith("_arc"):
        raise Refused(f"{name!r} is a word MySQL reserves or an archive table's name: pick another")
    pic = os.path.join(top, "sql", "tables.sql")
    mig = os.path.join(top, "sql", "migrations")
    text = open(pic).read()
    made = tables_of(text)
    for f in sorted(os.listdir(mig)):
        made |= tables_of(open(os.path.join(mig, f)).read())
    if name in made:
        raise Refused(f"the table {name} is already made (sql/tables.sql or sql/migrations)")
    file = next_file(mig, name)
    db = os.path.join(top, "server", "apis", "tools", f"db_{name}.py")
    t = os.path.join(top, "tests", f"test_table_{name}.py")
    free([os.path.join(mig, file), db, t])
    start = free_start(text)
    owner = "  user_id     INT NOT NULL,\n" if owned else ""
    key = f",\n  KEY {name}_user (user_id, is_active)" if owned else ""
    create = fill(table_sql, name=name, owner=owner, key=key, start=start)
    doc = fill(table_doc, name=name, start=start, ex1=str(start).ljust(7), ex2=str(start + 1).ljust(7),
               ownerdoc="--   user_id   the owner (users.id)\n" if owned else "",
               ownercol="user_id | " if owned else "", ownerval="1002    | " if owned else "")
    entry = f"\n\n{doc}{create}"
    return [(os.path.join(mig, file), fill(migration_head, file=file, name=name) + create),
            (pic, entry),
            (db, fill(fill(db_owned if owned else db_plain, chk=chk_py + "\n\n"), name=name)),
            (t, fill(table_test_owned if owned else table_test_plain, name=name, file=file, start=start))]


migration_text = '''-- @file@: @name@ (written by flyton new migration).
-- Runs once per database, in the order of the numbers: sudo server/bin/flyton migrate here,
-- flyton promote on prod (first on a copy of prod's database). Once it ran anywhere, never
-- edit it: write the next one. One statement after another, each ending with ;
--
-- Keep sql/tables.sql (the picture of every table) in step: a column added here is added to
-- the table's CREATE TABLE there too (tests/test_migrate.py compares the two). For example:
--   ALTER TABLE todo ADD COLUMN prio INT NOT NULL DEFAULT 0;
--   CREATE INDEX todo_prio ON todo (prio);
--   UPDATE todo SET prio = 1 WHERE name LIKE '%urgent%';

'''


def new_migration(name):
    # the next numbered file of sql/migrations, to be filled with SQL
    if not re.match(r"^[a-z][a-z0-9_]{1,40}\Z", name):
        raise Refused(f"a migration name is 2 to 41 lowercase letters, digits and _, starting with a letter: {name!r}")
    mig = os.path.join(top, "sql", "migrations")
    file = next_file(mig, name)
    free([os.path.join(mig, file)])
    return [(os.path.join(mig, file), fill(migration_text, file=file, name=name.replace("_", " ")))]


def next_file(mig, name):
    # NNNN_name.sql, NNNN one more than the highest number there
    nums = [int(f[:4]) for f in os.listdir(mig) if re.match(r"^\d{4}_", f)]
    return f"{max(nums, default=0) + 1:04d}_{name}.sql"


def tables_of(text):
    return set(re.findall(r"(?i)create\s+table\s+(?:if\s+not\s+exists\s+)?`?([a-z0-9_]+)", text))


def free_start(text):
    # ids of a table are recognisable by their digits: the first of 20001, 40001, .. 90001, 200001, ..
    # whose count of digits and first digit no table's start has
    used = {(len(s), s[0]) for s in re.findall(r"AUTO_INCREMENT=(\d+)", text)}
    for n in (5, 6, 7):
        for d in range(2, 10):
            if (n, str(d)) not in used:
                return d * 10 ** (n - 1) + 1
    raise Refused("no free id range left in sql/tables.sql")


def next_steps(o):
    if o.kind == "page":
        start = "start" if o.app == "admin" else o.app
        g = pagedirs(o.name)
        rel = f"{o.app}/{g}/{o.name}" if g else f"{o.app}/{o.name}"
        return (f"next: fill client/app/{rel}.py; open it with app={start}&rpage={o.name} (a link: "
                f'kicmenu("{o.name}", ses, txt("...")) in client/app/{o.app}/header.py); sudo tests/run -k {o.name}')
    if o.kind == "api":
        n = o.name[4:] if o.name.startswith("api_") else o.name
        return (f"next: fill server/apis/api/api_{n}.py; the browser calls it with "
                f'call_server("api_{n}", {{...}}); sudo tests/run -k {n}')
    if o.kind == "job":
        n = o.name[4:] if o.name.startswith("job_") else o.name
        return (f"next: fill server/apis/jobs/job_{n}.py; a page or method queues it with "
                f'job("{n}", {{...}}) (from tools.kicjob import job); sudo tests/run -k {n}')
    if o.kind == "migration":
        return ("next: write its SQL; change sql/tables.sql the same way (the picture of every table); "
                "sudo server/bin/flyton migrate (runs it here; promote runs it on prod); sudo tests/run -k picture")
    return (f"next: sudo server/bin/flyton migrate (makes the table here; promote runs it on prod); "
            f"sudo tests/run -k {o.name}")


if __name__ == "__main__":
    sys.exit(new(sys.argv[1:]))

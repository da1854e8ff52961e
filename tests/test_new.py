# test_new.py: `flyton new page|api|job|table` in a copy of the clone: what it writes, and
# what it refuses (writing nothing). That the files it writes work on a real site, with
# their tests passing, is shown by the tutorial's test (test_tutorial.py).
import os
import re
import ast
import shutil
import subprocess

import pytest

from conftest import top, clone_copy

pytestmark = pytest.mark.once      # it writes files only: the first pass only


@pytest.fixture
def copy(tmp_path):
    d = tmp_path / "clone"
    clone_copy(str(d))
    return d


def new(copy, *args):
    r = subprocess.run([f"{copy}/server/bin/flyton", "new"] + list(args), capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr


def files(copy):
    # every file of the copy with its content, to see that a refusal changed nothing
    out = {}
    for d, dirs, names in os.walk(copy):
        for n in names:
            p = os.path.join(d, n)
            out[p] = open(p, "rb").read()
    return out


def starts(text):
    # the first ids of the tables in a text (AUTO_INCREMENT=N)
    return [int(n) for n in re.findall(r"AUTO_INCREMENT=(\d+)", text)]


def a_free_range(start, text):
    # a table's range is told by its count of digits and first digit: 20001, 40001, .., 200001;
    # a new one takes the first shape that no table had before
    s = str(start)
    assert re.fullmatch(r"[2-9]0{3,6}1", s), start
    used = {(len(str(n)), str(n)[0]) for n in starts(text)}
    shapes = [(n, str(d)) for n in (5, 6, 7) for d in range(2, 10)]
    k = shapes.index((len(s), s[0]))
    return (len(s), s[0]) not in used and all(x in used for x in shapes[:k])     # the first free one


def first_function(p):
    return [n.name for n in ast.parse(open(p).read()).body if isinstance(n, ast.FunctionDef)][0]


def test_page_api_and_table_are_written_the_flyton_way(copy):
    os.chown(copy / "client/app/admin", 4242, 4242)   # a developer's clone: the new file is theirs
    rc, out = new(copy, "page", "notes")
    assert rc == 0, out
    p = copy / "client/app/admin/notes.py"
    assert first_function(p) == "notes"
    assert "from tools.kicutil import *" in p.read_text()
    assert os.stat(p).st_uid == 4242
    assert os.stat(p).st_mode & 0o777 == 0o644
    assert first_function(copy / "tests/test_page_notes.py").startswith("test_notes")

    rc, out = new(copy, "api", "api_note_add")     # with or without the api_ prefix
    assert rc == 0, out
    assert first_function(copy / "server/apis/api/api_note_add.py") == "api_note_add"
    assert "from tools.kicapi import *" in (copy / "server/apis/api/api_note_add.py").read_text()
    assert (copy / "tests/test_api_note_add.py").exists()

    rc, out = new(copy, "job", "job_mail_welcome")     # with or without the job_ prefix
    assert rc == 0, out
    j = copy / "server/apis/jobs/job_mail_welcome.py"
    assert first_function(j) == "job_mail_welcome"
    assert "running it twice" in j.read_text(), "the job's file says what its author must make safe"
    assert 'job("mail_welcome", {})' in (copy / "tests/test_job_mail_welcome.py").read_text()
    assert 'job("mail_welcome", {...})' in out

    before = (copy / "sql/tables.sql").read_text()
    n = len(os.listdir(copy / "sql/migrations"))
    rc, out = new(copy, "table", "notes", "--owned")
    assert rc == 0, out
    mig = sorted(os.listdir(copy / "sql/migrations"))
    assert mig[-1] == f"{n + 1:04d}_notes.sql"
    assert len(mig) == n + 1
    m = (copy / "sql/migrations" / mig[-1]).read_text()
    assert "CREATE TABLE IF NOT EXISTS notes" in m
    assert "user_id     INT NOT NULL" in m
    (first,) = starts(m)
    assert a_free_range(first, before)            # the skeleton's first free one is 20001; a grown project's later
    after = (copy / "sql/tables.sql").read_text()
    assert after.startswith(before)
    entry = after[len(before):]
    assert "-- notes: " in entry
    assert "-- DROP:   DROP TABLE notes;" in entry
    assert f"| {first}" in entry
    assert m.split("\n", 3)[3] in entry                       # the picture is the same statement
    db = copy / "server/apis/tools/db_notes.py"
    assert first_function(db) == "db_notes"
    assert "from tools.sql import *" in db.read_text()
    assert "def notes_list(user_id, limit=100, offset=0):" in db.read_text()
    assert "insert_in_quota(" in db.read_text()

    # a second table gets the next free range and the next number; a plain one has no owner
    rc, out = new(copy, "table", "prods")
    assert rc == 0, out
    m = (copy / "sql/migrations" / f"{n + 2:04d}_prods.sql").read_text()
    (second,) = starts(m)
    assert a_free_range(second, after)
    assert "user_id" not in m
    for d in ("client/app/admin", "server/apis/api", "server/apis/jobs", "server/apis/tools", "tests"):
        for n in os.listdir(copy / d):
            if n.endswith(".py"):
                compile(open(copy / d / n).read(), n, "exec")


@pytest.mark.parametrize("args,says", [
    (("page", "Notes"), "lowercase letters"),
    (("page", "x"), "2 to 31"),
    (("page", "1notes"), "starting with a letter"),
    (("page", "no-tes"), "lowercase letters"),
    (("page", "notes\n"), "lowercase letters"),
    (("page", "../x"), "lowercase letters"),
    (("page", "class"), "keeps for itself"),
    (("page", "header"), "keeps for itself"),
    (("page", "t_taken"), "client/app/admin/t_taken.py exists"),       # (made first, below)
    (("page", "notes", "--app", "../x"), "no app folder"),
    (("api", "t_taken"), "server/apis/api/api_t_taken.py exists"),
    (("api", "api_"), "an API method name"),
    (("table", "users"), "keeps for itself"),
    (("table", "order"), "MySQL reserves"),
    (("table", "notes_arc"), "archive"),
    (("thing", "notes"), "invalid choice"),
])
def test_bad_or_taken_names_are_refused_and_nothing_is_written(copy, args, says):
    # the taken names are the test's own (a project may have renamed or dropped any of the skeleton's)
    (copy / "client/app/admin/t_taken.py").write_text("def t_taken(data):\n    return ''\n")
    (copy / "server/apis/api/api_t_taken.py").write_text("def api_t_taken(data):\n    return {}\n")
    before = files(copy)
    rc, out = new(copy, *args)
    assert rc != 0, out
    assert says in out, out
    assert "Traceback" not in out
    assert files(copy) == before


def test_a_second_new_of_the_same_name_is_refused(copy):
    assert new(copy, "table", "notes")[0] == 0
    before = files(copy)
    rc, out = new(copy, "table", "notes")
    assert rc != 0
    assert "already made" in out
    assert files(copy) == before


def test_a_page_of_a_group_goes_to_its_folder(copy):
    rc, out = new(copy, "page", "tab_orders")
    assert rc == 0, out
    assert first_function(copy / "client/app/admin/tabs/tab_orders.py") == "tab_orders"
    shutil.rmtree(copy / "client/app/admin/cards")          # a group folder not there yet is made
    rc, out = new(copy, "page", "card_sales")
    assert rc == 0, out
    assert (copy / "client/app/admin/cards/__init__.py").exists()
    assert first_function(copy / "client/app/admin/cards/card_sales.py") == "card_sales"
    assert not (copy / "client/app/admin/card_sales.py").exists()

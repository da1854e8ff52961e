# test_migrate.py: versioned schema migrations (server/bin/flyton migrate), on
# scratch databases of their own, and the promise that sql/tables.sql (the
# picture) and sql/migrations (what runs) make the same schema.
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import top, sql, cfg_file

tdb = sql.config.db["name"]
tuser = sql.config.db["user"]

pytestmark = pytest.mark.once      # the runtimes share the database and its migrations: the first pass only


def root_sql(q, db=""):
    # a statement as the database's root (the mysql client), its rows as lists of text
    r = subprocess.run(["mysql", "-N", "-B", "-e", q] + ([db] if db else []), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return [ln.split("\t") for ln in r.stdout.splitlines()]


def schema(db):
    # the tables, columns and indexes of a database, as comparable text (but the tests' own kit table,
    # tests/kit, which tests/run adds to the test database)
    cols = root_sql(f"""SELECT table_name, column_name, column_type, is_nullable, IFNULL(column_default, 'NULL'),
                        extra, IFNULL(collation_name, '') FROM information_schema.columns
                        WHERE table_schema = '{db}' AND table_name != 't_kit' ORDER BY table_name, column_name""")
    idx = root_sql(f"""SELECT table_name, index_name, non_unique, GROUP_CONCAT(column_name ORDER BY seq_in_index)
                       FROM information_schema.statistics WHERE table_schema = '{db}' AND table_name != 't_kit'
                       GROUP BY table_name, index_name, non_unique ORDER BY table_name, index_name""")
    return cols, idx


@pytest.fixture
def scratch(tmp_path):
    # an empty database of its own, a config.py that points at it, and a folder of migrations
    db = f"{tdb}_mig"
    root_sql(f"DROP DATABASE IF EXISTS `{db}`; CREATE DATABASE `{db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; "
             f"GRANT ALL PRIVILEGES ON `{db}`.* TO '{tuser}'@'localhost'")
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    text = open(cfg_file).read()
    (cfg / "config.py").write_text(re.sub(r'"name": "[^"]+"', f'"name": "{db}"', text))
    mig = tmp_path / "mig"
    mig.mkdir()
    shutil.copy(f"{top}/sql/migrations/0001_base.sql", mig)

    def migrate(*args):
        env = dict(os.environ, FLYTON_CONFIG_DIR=str(cfg))
        r = subprocess.run([f"{top}/server/bin/flyton", "migrate", "--dir", str(mig)] + list(args),
                           capture_output=True, text=True, env=env, timeout=120)
        return r.returncode, r.stdout + r.stderr

    yield {"db": db, "mig": mig, "migrate": migrate}
    root_sql(f"DROP DATABASE IF EXISTS `{db}`")


def write(mig, name, text):
    (mig / name).write_text(text)


def test_tables_sql_is_the_picture_of_the_migrations():
    # the test database was made by the migrations (tests/run); one made from tables.sql must match it
    pic = f"{tdb}_pic"
    root_sql(f"DROP DATABASE IF EXISTS `{pic}`; CREATE DATABASE `{pic}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    try:
        with open(f"{top}/sql/tables.sql") as f:
            subprocess.run(["mysql", pic], stdin=f, check=True)
        a, b = schema(tdb), schema(pic)
        assert a[0] == b[0], "columns differ between sql/tables.sql and sql/migrations"
        assert a[1] == b[1], "indexes differ between sql/tables.sql and sql/migrations"
    finally:
        root_sql(f"DROP DATABASE IF EXISTS `{pic}`")


def test_fresh_database_runs_every_file_once_in_order(scratch):
    write(scratch["mig"], "0002_todo_color.sql", "ALTER TABLE todo ADD COLUMN color VARCHAR(20) NOT NULL DEFAULT 'none';\n"
                                                 "CREATE INDEX todo_color ON todo (color);\n")
    write(scratch["mig"], "0003_gen_color.sql", "INSERT INTO gen (key1, val1, data) VALUES ('color_type', '0', '[\"red\", \"green\"]');\n")
    rc, out = scratch["migrate"]("--status")
    assert rc == 0
    assert re.search(r"0001_base.sql\s+pending", out)
    assert re.search(r"0003_gen_color.sql\s+pending", out)
    rc, out = scratch["migrate"]()
    assert rc == 0, out
    assert out.index("0001_base.sql") < out.index("0002_todo_color.sql") < out.index("0003_gen_color.sql")
    assert "ok: 3 migration(s) applied" in out
    db = scratch["db"]
    assert root_sql("SELECT name, is_active FROM migrations ORDER BY id", db) == [
        ["0001_base.sql", "1"], ["0002_todo_color.sql", "1"], ["0003_gen_color.sql", "1"]]
    assert root_sql("SHOW INDEX FROM todo WHERE key_name = 'todo_color'", db)
    rc, out = scratch["migrate"]()
    assert rc == 0
    assert "ok: 0 migration(s) applied" in out
    assert root_sql("SELECT COUNT(*) FROM gen WHERE key1 = 'color_type'", db) == [["1"]]
    rc, out = scratch["migrate"]("--status")
    assert rc == 0
    assert len(re.findall(r"\bapplied\b", out)) == 3
    assert "pending" not in out


def test_an_existing_install_upgrades_without_losing_a_row(scratch):
    # tables made by the old tables.sql (no migrations table), rows in them
    db = scratch["db"]
    with open(f"{top}/sql/migrations/0001_base.sql") as f:
        subprocess.run(["mysql", db], stdin=f, check=True)
    root_sql("INSERT INTO users (username, Roles) VALUES ('old_a', '[]'), ('old_b', '[]'); "
             "INSERT INTO todo (user_id, name) SELECT id, CONCAT('t of ', username) FROM users", db)
    before = root_sql("SELECT id, name FROM todo ORDER BY id", db)
    write(scratch["mig"], "0002_todo_color.sql", "ALTER TABLE todo ADD COLUMN color VARCHAR(20) NOT NULL DEFAULT 'none';\n")
    rc, out = scratch["migrate"]()
    assert rc == 0, out
    assert root_sql("SELECT id, name FROM todo ORDER BY id", db) == before
    assert root_sql("SELECT DISTINCT color FROM todo", db) == [["none"]]
    assert root_sql("SELECT COUNT(*) FROM users WHERE username LIKE 'old_%'", db) == [["2"]]


def test_users_sharing_an_address_before_0003_lose_nothing(scratch):
    # the unique email needs one user per address: the first keeps it, the others' move to email_was
    db = scratch["db"]
    shutil.copy(f"{top}/sql/migrations/0002_throttle.sql", scratch["mig"])
    assert scratch["migrate"]()[0] == 0
    root_sql("""INSERT INTO users (username, data) VALUES ('a', '{"email": "same@x.com"}'), ('b', '{"email": "SAME@x.com"}'),
                ('c', '{"email": "same@x.com", "phone": "1"}'), ('d', '{"email": ""}'), ('e', '{"email": null}'),
                ('f', '{"email": ""}'), ('g', '{"email": "own@x.com"}'), ('h', NULL)""", db)
    shutil.copy(f"{top}/sql/migrations/0003_mail.sql", scratch["mig"])
    rc, out = scratch["migrate"]()
    assert rc == 0, out
    got = root_sql("SELECT username, IFNULL(email, '-'), IFNULL(JSON_UNQUOTE(JSON_EXTRACT(data, '$.email_was')), '-') "
                   "FROM users ORDER BY username", db)
    assert got == [["a", "same@x.com", "-"], ["b", "-", "SAME@x.com"], ["c", "-", "same@x.com"], ["d", "-", "-"],
                   ["e", "-", "-"], ["f", "-", "-"], ["g", "own@x.com", "-"], ["h", "-", "-"]]
    assert root_sql("SELECT JSON_UNQUOTE(JSON_EXTRACT(data, '$.phone')) FROM users WHERE username = 'c'", db) == [["1"]]
    r = subprocess.run(["mysql", db, "-e", """UPDATE users SET data = '{"email": "Own@X.com"}' WHERE username = 'h'"""],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "users_email" in r.stderr


def test_a_file_changed_after_it_ran_is_refused(scratch):
    write(scratch["mig"], "0002_a.sql", "ALTER TABLE todo ADD COLUMN a INT NULL;\n")
    assert scratch["migrate"]()[0] == 0
    write(scratch["mig"], "0002_a.sql", "ALTER TABLE todo ADD COLUMN a BIGINT NULL;\n")
    write(scratch["mig"], "0003_b.sql", "ALTER TABLE todo ADD COLUMN b INT NULL;\n")
    rc, out = scratch["migrate"]()
    assert rc == 1
    assert "0002_a.sql changed after it ran here" in out
    assert "new migration" in out
    assert root_sql("SHOW COLUMNS FROM todo LIKE 'b'", scratch["db"]) == []     # nothing after it ran
    rc, out = scratch["migrate"]("--status")
    assert re.search(r"0002_a.sql\s+CHANGED", out)


def test_a_failing_statement_stops_the_run_and_the_next_run_goes_on_from_it(scratch):
    db = scratch["db"]
    write(scratch["mig"], "0002_three.sql", "ALTER TABLE todo ADD COLUMN c1 INT NULL;\n"
                                            "ALTER TABLE todo ADD COLUMN c1 INT NULL;\n"
                                            "ALTER TABLE todo ADD COLUMN c3 INT NULL;\n")
    write(scratch["mig"], "0003_after.sql", "ALTER TABLE todo ADD COLUMN c4 INT NULL;\n")
    rc, out = scratch["migrate"]()
    assert rc == 1
    assert "0002_three.sql: statement 2 of 3 failed" in out
    assert "Duplicate column" in out
    assert "ALTER TABLE todo ADD COLUMN c1" in out
    assert root_sql("SELECT is_active, JSON_VALUE(data, '$.done') FROM migrations WHERE name = '0002_three.sql'", db) == [["0", "1"]]
    assert root_sql("SHOW COLUMNS FROM todo LIKE 'c4'", db) == []               # the run stopped there
    rc, out = scratch["migrate"]("--status")
    assert re.search(r"0002_three.sql\s+FAILED", out)
    assert "statement 2 failed" in out
    # fixed: statement 1 is the same, so it is not run again (it would fail: c1 exists)
    write(scratch["mig"], "0002_three.sql", "ALTER TABLE todo ADD COLUMN c1 INT NULL;\n"
                                            "ALTER TABLE todo ADD COLUMN c2 INT NULL;\n"
                                            "ALTER TABLE todo ADD COLUMN c3 INT NULL;\n")
    rc, out = scratch["migrate"]()
    assert rc == 0, out
    assert "going on from statement 2" in out, out
    assert [c[0] for c in root_sql("SHOW COLUMNS FROM todo WHERE field REGEXP '^c[0-9]$'", db)] == ["c1", "c2", "c3", "c4"]
    assert root_sql("SELECT is_active FROM migrations WHERE name = '0002_three.sql'", db) == [["1"]]


def test_dry_run_shows_the_sql_and_runs_nothing(scratch):
    write(scratch["mig"], "0002_d.sql", "-- a comment; with a semicolon\nALTER TABLE todo ADD COLUMN d INT NULL;\n")
    rc, out = scratch["migrate"]("--dry-run")
    assert rc == 0
    assert "ALTER TABLE todo ADD COLUMN d INT NULL;" in out
    assert "ok: 2 migration(s) would run" in out
    assert "a comment" not in out
    assert root_sql("SHOW TABLES LIKE 'todo'", scratch["db"]) == []
    assert root_sql("SELECT COUNT(*) FROM migrations", scratch["db"]) == [["0"]]


def test_bad_names_are_refused(scratch):
    write(scratch["mig"], "2_x.sql", "SELECT 1;\n")
    rc, out = scratch["migrate"]()
    assert rc == 1
    assert "2_x.sql: a migration is named NNNN_what.sql" in out
    os.remove(scratch["mig"] / "2_x.sql")
    write(scratch["mig"], "0001_again.sql", "SELECT 1;\n")
    rc, out = scratch["migrate"]()
    assert rc == 1
    assert "two migrations have the number 0001" in out


def test_two_migrates_at_once_run_each_file_once(scratch):
    write(scratch["mig"], "0002_slow.sql", "DO SLEEP(1);\nINSERT INTO gen (key1, val1) VALUES ('t_once', '1');\n")
    with ThreadPoolExecutor(2) as ex:
        got = list(ex.map(lambda i: scratch["migrate"](), range(2)))
    assert [g[0] for g in got] == [0, 0], got
    assert root_sql("SELECT COUNT(*) FROM gen WHERE key1 = 't_once'", scratch["db"]) == [["1"]]


def test_the_statement_splitter():
    import importlib.util
    spec = importlib.util.spec_from_file_location("flyton_migrate", f"{top}/server/commands/migrate.py")
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)       # nothing runs on import: a command runs from its __main__ only
    statements, Stop = m.statements, m.Stop
    t = """-- head; comment
CREATE TABLE t (a TEXT DEFAULT 'x;y', b TEXT DEFAULT "it's") ;  # tail; comment
/* block; comment */ INSERT INTO t VALUES ('a\\'b;', 'c''d;');
UPDATE `we;ird` SET a = 1"""
    assert statements(t) == [
        """CREATE TABLE t (a TEXT DEFAULT 'x;y', b TEXT DEFAULT "it's")""",
        """INSERT INTO t VALUES ('a\\'b;', 'c''d;')""",
        """UPDATE `we;ird` SET a = 1"""]
    with pytest.raises(Stop):
        statements("SELECT 'open")


def test_a_database_that_refuses_gets_one_line_not_a_traceback(tmp_path):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    # a user with no owner account (its file) and a wrong password: what the server says, in one line
    text = re.sub(r'"password": "[^"]+"', '"password": "wrong"', open(cfg_file).read())
    (cfg / "config.py").write_text(re.sub(r'"user": "[^"]+"', '"user": "t_nobody"', text))
    env = dict(os.environ, FLYTON_CONFIG_DIR=str(cfg))
    for args, text in ((["migrate"], None), (["migrate", "--status"], None), (["passwd", "admin"], "abcdefghij\nabcdefghij\n")):
        r = subprocess.run([f"{top}/server/bin/flyton"] + args, input=text, capture_output=True, text=True, env=env, timeout=60)
        assert r.returncode == 1, (args, r.stderr)
        assert "Traceback" not in r.stderr, (args, r.stderr)
        assert "the database: 1045" in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)


def test_a_projects_own_table_of_a_name_flyton_takes_is_named_not_skipped(scratch):
    # a project that made its own `files` before 0006: CREATE TABLE IF NOT EXISTS would skip it, and
    # every upload would fail later; migrate stops at it, says what to do, and keeps the project's rows
    db = scratch["db"]
    assert scratch["migrate"]()[0] == 0
    root_sql("CREATE TABLE files (id INT PRIMARY KEY, path VARCHAR(99)); INSERT INTO files VALUES (7, 'a.pdf')", db)
    shutil.copy(f"{top}/sql/migrations/0006_files.sql", scratch["mig"])
    rc, out = scratch["migrate"]()
    assert rc != 0, out
    assert "this database has a table files already, without the column(s) user_id, name, body" in out, out
    assert "RENAME TABLE files TO my_files" in out, out
    assert "Traceback" not in out, out
    assert root_sql("SELECT id, path FROM files", db) == [["7", "a.pdf"]], "the project's rows stay"
    rc, out = scratch["migrate"]("--status")
    assert re.search(r"0006_files\.sql\s.*FAILED", out), out
    # renamed as told, the next run makes Flyton's table
    root_sql("RENAME TABLE files TO my_files", db)
    rc, out = scratch["migrate"]()
    assert rc == 0, out
    assert "body" in [r[0] for r in root_sql("SHOW COLUMNS FROM files", db)]
    assert root_sql("SELECT id, path FROM my_files", db) == [["7", "a.pdf"]]


def test_a_table_made_before_with_every_column_is_taken_as_it_is(scratch):
    # an install older than the migrations (its tables from sql/tables.sql): the base runs over them
    db = scratch["db"]
    assert scratch["migrate"]()[0] == 0
    root_sql("DELETE FROM migrations", db)
    rc, out = scratch["migrate"]()
    assert rc == 0, out
    assert "ok: 0001_base.sql" in out, out

# test_grown.py: the framework's tests still pass in a project that grew. A copy of this
# clone gets what a user adds (a table with its migration, taking the next id range, a second
# migration with data, an API method, a page), then the tests that look at the project's own
# files (flyton new, the migrations, the tutorial's walk) run in that copy, as tests/run would.
import os
import re
import shutil
import subprocess

import pytest

from conftest import clone_copy, runtime, cfg_file, pypath
from test_migrate import root_sql

pytestmark = [pytest.mark.skipif(runtime != "cgi", reason="a walk of the dev box: once, in the CGI pass"),
              pytest.mark.proof, pytest.mark.alone]     # the tutorial it runs restarts Apache gracefully
tenv = "/opt/flyton/testenv/bin/python"


def flyton(app, *args):
    r = subprocess.run([f"{app}/server/bin/flyton", *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_a_grown_project_passes_the_frameworks_tests(tmp_path, tools_installed):     # (its tutorial test opens Chromium)
    app = str(tmp_path / "grown")
    clone_copy(app)
    out = flyton(app, "new", "table", "shop_items")
    mig = re.search(r"^wrote (sql/migrations/\d{4}_shop_items\.sql)$", out, re.M).group(1)
    assert re.search(r"AUTO_INCREMENT=[2-9]0{3,6}1 ", open(f"{app}/{mig}").read())    # a range of its own, whichever is free
    out = flyton(app, "new", "migration", "shop_items_data")
    data = re.search(r"^wrote (sql/migrations/\d{4}_shop_items_data\.sql)$", out, re.M).group(1)
    with open(f"{app}/{data}", "a") as f:
        f.write("INSERT INTO shop_items (name) VALUES ('first'), ('second');\n")
    flyton(app, "new", "api", "shop_list")
    flyton(app, "new", "page", "shop")
    for c in ("init -q", "add -A", "-c user.name=u -c user.email=u@localhost -c commit.gpgsign=false commit -qm grown"):
        subprocess.run(f"git {c}", shell=True, cwd=app, check=True)
    # its test database, made by its migrations as tests/run makes one
    db = "flyton_test_grown"
    cfg = str(tmp_path / "cfg")
    tuser = re.search(r'"user": "([^"]+)"', open(cfg_file).read()).group(1)
    root_sql(f"DROP DATABASE IF EXISTS `{db}`; CREATE DATABASE `{db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; "
             f"GRANT ALL PRIVILEGES ON `{db}`.* TO '{tuser}'@'localhost'")
    os.makedirs(cfg)
    with open(f"{cfg}/config.py", "w") as f:
        f.write(re.sub(r'"name": "[^"]+"', f'"name": "{db}"', open(cfg_file).read()))
    try:
        r = subprocess.run([f"{app}/server/bin/flyton", "migrate"], capture_output=True, text=True, timeout=120,
                           env={k: v for k, v in dict(os.environ, FLYTON_CONFIG_DIR=cfg).items() if k != "PYTHONPATH"})
        assert r.returncode == 0, r.stdout + r.stderr
        assert "shop_items_data" in r.stdout, r.stdout + r.stderr
        assert root_sql("SELECT COUNT(*) FROM shop_items", db) == [["2"]]
        run_tests(app, cfg)
    finally:
        root_sql(f"DROP DATABASE IF EXISTS `{db}`")
        shutil.rmtree(app, ignore_errors=True)


def run_tests(app, cfg):
    # (this test holds the lock of tests/run's two passes: the walk inside must not wait for it, and
    # runs its files whole, whatever tests/run moved from one pass to the other)
    env = dict(os.environ, FLYTON_RUNTIME="cgi", PYTHONPATH=pypath(app, cfg), FLYTON_LOCK="0", FLYTON_ONCE_MOVED="")
    r = subprocess.run([tenv, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "tests/test_new.py", "tests/test_migrate.py",
                        "tests/test_tutorial.py"], cwd=app, env=env, capture_output=True, text=True, timeout=900)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    assert "PASSED tests/test_tutorial.py::test_the_tutorial_runs_as_printed_and_its_feature_works" in out, out[-4000:]
    assert "PASSED tests/test_migrate.py::test_tables_sql_is_the_picture_of_the_migrations" in out, out[-4000:]
    assert "PASSED tests/test_new.py::test_page_api_and_table_are_written_the_flyton_way" in out, out[-4000:]
    assert not re.search(r"\d+ (failed|error)", out), out[-4000:]

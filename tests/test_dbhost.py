# test_dbhost.py: the site's database on a server of its own, as RDS, Aurora or a database
# machine give one. A second MariaDB made here for the module (on 127.0.0.1:3307, its own data
# folder) speaks TLS only and has a master account with the grants RDS gives its master user
# (no SUPER, no FILE, no socket). `flyton db-init` makes the database and the two accounts with
# it; migrate, archive, passwd and the site's own requests then run over TLS, the server checked
# against its CA. Once per tests/run, beside the suite (a server of its own, like the prod host).
import os
import re
import json
import shutil
import secrets
import subprocess

import pytest

from conftest import top, cfg_file
from dbserver import dbserver, stop, admin

pytestmark = [pytest.mark.skipif(os.environ.get("FLYTON_PROD_TESTS") != "1",
                                 reason="servers of their own: once per tests/run --all, beside the suite"),
              pytest.mark.proof]
port = 3307


@pytest.fixture(scope="module")
def dbhost():
    s = dbserver(f"/var/tmp/flyton-dbhost-{os.getpid()}", "127.0.0.1", port, "127.0.0.1")
    try:
        yield s
    finally:
        stop(s)


def flyton(cfg, *args, env=None, input=None):
    r = subprocess.run([f"{top}/server/bin/flyton", *args], capture_output=True, text=True, timeout=300, input=input,
                       env=dict(os.environ, FLYTON_CONFIG_DIR=cfg, **(env or {})))
    return r.returncode, r.stdout + r.stderr


@pytest.fixture(scope="module")
def site(dbhost, tmp_path_factory):
    cfg = str(tmp_path_factory.mktemp("dbhost_cfg"))
    shutil.copy(cfg_file, f"{cfg}/config.py")      # the test instance's settings, its db made by db-init
    user = "fx_" + secrets.token_hex(4)
    rc, out = flyton(cfg, "db-init", "--host", "127.0.0.1", "--port", str(port), "--ca", dbhost["ca"],
                     "--master", "master", "--name", user, env={"FLYTON_DB_MASTER_PASSWORD": dbhost["pw"]})
    try:
        yield {"cfg": cfg, "user": user, "out": out, "rc": rc}
    finally:
        if os.path.exists(f"/etc/flyton/owner-{user}.cnf"):
            os.remove(f"/etc/flyton/owner-{user}.cnf")


def config_db(cfg):
    t = open(f"{cfg}/config.py").read()
    return json.loads(re.search(r"(?ms)^db = (\{.*?^\})", t).group(1).replace(",\n}", "\n}"))


def test_db_init_makes_the_database_and_two_accounts_with_the_masters_grants(dbhost, site):
    assert site["rc"] == 0, site["out"]
    db = config_db(site["cfg"])
    assert db["host"] == "127.0.0.1", db
    assert db["port"] == port, db
    assert db["ssl_ca"] == dbhost["ca"], db
    assert "socket" not in db, "no socket: the server is elsewhere"
    assert db["name"] == site["user"], db
    owner = f"/etc/flyton/owner-{site['user']}.cnf"
    assert oct(os.stat(owner).st_mode & 0o777) == "0o600", "the owner's password is root's only"
    grants = admin(dbhost, f"SHOW GRANTS FOR '{site['user']}'@'%'")
    assert "REQUIRE SSL" in admin(dbhost, f"SHOW CREATE USER '{site['user']}'@'%'")
    esc = site["user"].replace("_", "\\_")      # _ means only itself in the grant, not any character
    assert f"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE TEMPORARY TABLES, LOCK TABLES ON `{esc}`.*" in grants, grants
    owner = admin(dbhost, f"SHOW GRANTS FOR '{site['user']}_owner'@'%'")
    assert f"ON `{esc}\\_promote\\_check`.*" in owner, "the owner may make promote's scratch copy, no other schema"
    assert "ON *.*" not in owner.replace("GRANT USAGE ON *.*", ""), owner
    assert "ALTER" not in grants and "CREATE," not in grants, grants


def test_migrate_runs_over_tls_as_the_owner(site):
    rc, out = flyton(site["cfg"], "migrate")
    assert rc == 0, out
    assert "the database is up to date" in out, out
    files = [f for f in os.listdir(f"{top}/sql/migrations") if re.match(r"^\d{4}_.*\.sql$", f)]
    rc, out = flyton(site["cfg"], "migrate", "--status")
    assert len(re.findall(r"\bapplied\b", out)) == len(files), out


site_code = """
import sys
import json
import inproc
from tools.sql import *
from tools.db_users import add_user
out = {"cipher": sql("SHOW STATUS LIKE 'Ssl_cipher'")[0][0][0][1]}
add_user("dana", "a-long-password-1", [], "Dana", "Levi")
st, a = inproc.api("api_login", {"u": "dana", "p": "a-long-password-1"})
out["login"] = a["allow"]
st, h = inproc.page("todo", a["ses"])
out["page"] = [st, "id=todo_list" in h or "id=todo_none" in h]
st, t = inproc.api("api_todo_add", {"name": "over tls"}, a["ses"], rid="r" * 32)
out["todo"] = t["allow"]
try:
    inproc.site_sql("CREATE TABLE t_nope (id INT)")      # on the site's account
    out["create"] = "made"
except SqlError as e:
    out["create"] = e.errno
sys.__stdout__.write(json.dumps(out))     # print() goes to the request's page while p4wsgi is loaded
"""


def test_the_sites_requests_run_over_tls_and_its_account_changes_rows_not_tables(site):
    pypath = subprocess.run([f"{top}/server/bin/flyton", "pypath"], capture_output=True, text=True, check=True,
                            env=dict(os.environ, FLYTON_CONFIG_DIR=site["cfg"])).stdout.strip()
    r = subprocess.run(["/opt/flyton/testenv/bin/python", "-c", site_code], capture_output=True, text=True, timeout=120,
                       cwd=f"{top}/tests", env=dict(os.environ, PYTHONPATH=f"{pypath}:{top}/tests"))
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["cipher"], "the connection is TLS"
    assert out["login"] == 1, out
    assert out["page"] == [200, True], out
    assert out["todo"] == 1, out
    assert out["create"] == 1142, "the site's account may not make tables"


def test_archive_and_passwd_work_with_the_granted_rights(site):
    rc, out = flyton(site["cfg"], "archive")
    assert rc == 0, out
    assert "calls: deleted" in out, out
    rc, out = flyton(site["cfg"], "passwd", "dana", input="another-password-2\nanother-password-2\n")
    assert rc == 0, out


def test_a_server_its_ca_does_not_vouch_for_is_refused(site, tmp_path):
    # the same server, with the CA of another (the tests' https site): no connection, one line
    cfg = str(tmp_path)
    t = open(f"{site['cfg']}/config.py").read()
    open(f"{cfg}/config.py", "w").write(re.sub(r'"ssl_ca": "[^"]+"', '"ssl_ca": "/opt/flyton/test/tls/ca.crt"', t))
    rc, out = flyton(cfg, "migrate", "--status")
    assert rc != 0, out
    assert "certificate verify failed" in out, out
    assert "Traceback" not in out, out


def test_db_init_copy_moves_this_machines_database_and_refuses_a_server_with_tables(dbhost, tmp_path):
    # a running box moving to a database server: its own database (here the test instance's) copied first
    local = re.search(r'(?m)^    "name": "(\w+)"', open(cfg_file).read()).group(1)
    user = "fc_" + secrets.token_hex(4)
    args = ("db-init", "--host", "127.0.0.1", "--port", str(port), "--ca", dbhost["ca"], "--master", "master",
            "--name", user, "--copy")
    env = {"FLYTON_DB_MASTER_PASSWORD": dbhost["pw"]}
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    for d in (a, b):
        os.makedirs(d)
        shutil.copy(cfg_file, f"{d}/config.py")
    try:
        rc, out = flyton(a, *args, env=env)
        assert rc == 0, out
        assert f"copied into {user}" in out, out
        assert config_db(a)["name"] == user, "config.py names the new database"
        q = "SELECT name FROM migrations ORDER BY name"
        was = subprocess.run(["mysql", "-N", "-e", q, local], capture_output=True, text=True, check=True).stdout
        assert was.count(".sql") >= 6, was
        assert admin(dbhost, f"USE {user}; {q}") == was, "the rows arrived"
        assert "users" in admin(dbhost, f"USE {user}; SHOW TABLES").split()
        # the same again from a box still on its own database: the server's database has tables now
        before = open(f"{b}/config.py").read()
        rc, out = flyton(b, *args, env=env)
        assert rc != 0, out
        assert "has tables already: nothing was copied nor changed" in out, out
        assert open(f"{b}/config.py").read() == before
    finally:
        if os.path.exists(f"/etc/flyton/owner-{user}.cnf"):
            os.remove(f"/etc/flyton/owner-{user}.cnf")


def test_db_init_copy_that_fails_leaves_the_new_database_empty_and_the_config_as_it_was(dbhost, tmp_path):
    # the box's database cannot be dumped (config.py names one that is not there)
    user = "fd_" + secrets.token_hex(4)
    shutil.copy(cfg_file, f"{tmp_path}/config.py")
    t = open(f"{tmp_path}/config.py").read()
    t = re.sub(r'(?m)^    "name": "\w+"', '    "name": "flyton_no_such_db"', t, count=1)
    open(f"{tmp_path}/config.py", "w").write(t)
    try:
        rc, out = flyton(str(tmp_path), "db-init", "--host", "127.0.0.1", "--port", str(port), "--ca", dbhost["ca"],
                         "--master", "master", "--name", user, "--copy", env={"FLYTON_DB_MASTER_PASSWORD": dbhost["pw"]})
        assert rc != 0, out
        assert "the dump of flyton_no_such_db failed" in out, out
        assert "Traceback" not in out, out
        assert open(f"{tmp_path}/config.py").read() == t, "config.py as it was"
        assert admin(dbhost, f"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{user}'").strip() == "0"
    finally:
        if os.path.exists(f"/etc/flyton/owner-{user}.cnf"):
            os.remove(f"/etc/flyton/owner-{user}.cnf")


def test_db_init_copy_says_so_when_this_machines_server_cannot_be_asked(dbhost, tmp_path):
    # the check for triggers, routines and views (mysql as root, this machine's server) cannot reach
    # the server: db-init says it could not read the database, in the server's words, and changes nothing.
    # The client is sent to a socket where no server listens by the ~/.my.cnf of a HOME of the test's own
    user = "fa_" + secrets.token_hex(4)
    shutil.copy(cfg_file, f"{tmp_path}/config.py")
    t = open(f"{tmp_path}/config.py").read()
    home = tmp_path / "home"
    home.mkdir()
    (home / ".my.cnf").write_text("[client]\nsocket=/nonexistent/flyton-test.sock\n")
    rc, out = flyton(str(tmp_path), "db-init", "--host", "127.0.0.1", "--port", str(port), "--ca", dbhost["ca"],
                     "--master", "master", "--name", user, "--copy",
                     env={"FLYTON_DB_MASTER_PASSWORD": dbhost["pw"], "HOME": str(home)})
    assert rc != 0, out
    assert "cannot read database" in out, out
    assert "/nonexistent/flyton-test.sock" in out, "the server's words are said: " + out
    assert "has triggers" not in out, out
    assert "Traceback" not in out, out
    assert open(f"{tmp_path}/config.py").read() == t, "config.py as it was"
    assert not os.path.exists(f"/etc/flyton/owner-{user}.cnf"), "no owner account file"
    assert admin(dbhost, f"SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = '{user}'").strip() == "0"

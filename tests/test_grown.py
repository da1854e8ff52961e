# test_grown.py: the gate (sudo tests/run) passes in a project that grew, whichever way it grew,
# and fails, naming the file, when the project's own code is broken. Copies of this clone grow
# as users' projects do, each in another way (tables past the skeleton's id ranges, the demo
# app dropped or renamed, roles and pages of their own, a group named prod as the docs name it),
# commit, and run their own tests/run as a user would. Two of them go all the way as a user's
# project does: set up prod from the clone as it came, grow, and promote with the gate on, one to a
# host named prod, one to a group named prod (web1 web2 on a database server of their own), the
# names docs/deploy.md uses (the machines are tests/prodhost's, under those names in an ssh config).
# A nested tests/run remakes the test instance, so tests/run --all runs this file last, alone,
# after every other test (FLYTON_GROWN=1); it copies from the clone itself (FLYTON_CLONE).
import os
import re
import ssl
import json
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import clone
from dbserver import dbserver, stop, admin

pytestmark = [pytest.mark.proof, pytest.mark.grown]
home = "/opt/flyton/grown"
ssh_config = f"{home}/ssh_config"       # the machines under the docs' names


def flyton(app, *args):
    r = subprocess.run([f"{app}/server/bin/flyton", *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def user_env(**more):
    # a user's shell under sudo, with ssh reaching the test's machines: none of the outer run's settings
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLYTON_", "PYTHON", "PYTEST")) and k != "SUDO_USER"}
    return dict(env, FLYTON_SSH=f"ssh -F {ssh_config}", **more)


def run(app, cmd, **more):
    # a command in the project as a user runs it (tests/run, server/bin/flyton ...): (exit code, all it said)
    r = subprocess.run(cmd, shell=True, cwd=app, env=user_env(**more), capture_output=True, text=True, timeout=1800)
    return r.returncode, r.stdout + r.stderr


def machines(names):
    # tests/prodhost's machines up, and reached by the names the docs give them: {"web1": "flyprod1"}
    conf = ""
    os.makedirs(home, exist_ok=True)
    for alias, m in names.items():
        subprocess.run([f"{clone}/tests/prodhost", "up", m], check=True, capture_output=True, timeout=600)
        t = open("/opt/flyton/prodhost/ssh_config").read()
        conf += re.search(rf"^Host {m}\n(?:[ \t]+.*\n)*", t, re.M).group(0).replace(f"Host {m}\n", f"Host {alias}\n", 1)
    with open(ssh_config, "w") as f:
        f.write(conf)


def down(names):
    for m in names.values():
        subprocess.run([f"{clone}/tests/prodhost", "down", m], capture_output=True, timeout=600)


def on(alias, cmd):
    r = subprocess.run(["ssh", "-F", ssh_config, alias, cmd], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def call(addr, meth, inp, ses="", name=""):
    # an API call over https to one machine (its own self-signed certificate, not what this is about)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    req = urllib.request.Request(f"https://{addr}/cgi-bin/api?meth={meth}", json.dumps({"info": {"ses": ses}, "input": inp}).encode(),
                                 {"Content-Type": "application/json", "Host": name or addr})
    try:
        with urllib.request.urlopen(req, timeout=30, context=ctx) as r:
            return json.loads(r.read())["server"]
    except urllib.error.HTTPError as e:
        return json.loads(e.read())["server"]


def write(app, rel, text):
    p = os.path.join(app, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)


def edit(app, rel, old, new, regex=0):
    p = os.path.join(app, rel)
    t = open(p).read()
    n = re.subn(old, new, t, flags=re.M | re.S) if regex else (t.replace(old, new), t.count(old))
    assert n[1] >= 1, f"{rel}: {old!r} not found"
    with open(p, "w") as f:
        f.write(n[0])


def new_copy(name):
    # the clone's files (committed or not, none that git ignores), bootstrap, and this machine's
    # config.py (tests/run reads the dev site's database from it, to see it untouched)
    app = f"{home}/{name}"
    shutil.rmtree(app, ignore_errors=True)
    os.makedirs(app)
    ls = subprocess.run(["git", "-C", clone, "ls-files", "-co", "--exclude-standard", "-z"], capture_output=True, check=True)
    names = b"\0".join(n for n in ls.stdout.split(b"\0") if n and os.path.exists(os.path.join(clone, n.decode())))
    tar = subprocess.run(["tar", "--null", "-T", "-", "-cf", "-"], cwd=clone, input=names, capture_output=True, check=True)
    subprocess.run(["tar", "-xf", "-", "-C", app], input=tar.stdout, check=True)
    for f in os.listdir(f"{clone}/client/lib"):
        if f.startswith("bootstrap"):
            shutil.copy(f"{clone}/client/lib/{f}", f"{app}/client/lib/{f}")
    shutil.copy(f"{clone}/server/config.py", f"{app}/server/config.py")
    subprocess.run("git init -q", shell=True, cwd=app, check=True)
    commit(app, "the clone as it came")
    return app


def commit(app, msg):
    for c in ("add -A", f"-c user.name=u -c user.email=u@localhost -c commit.gpgsign=false commit -qm '{msg}'"):
        subprocess.run(f"git {c}", shell=True, cwd=app, check=True, capture_output=True)


def gate(app, promote=""):
    # git commit, then `sudo tests/run` in the project, or `sudo server/bin/flyton promote PROMOTE`
    # (which runs it first): (exit code, all it said)
    commit(app, "grown")
    rc, out = run(app, f"server/bin/flyton promote {promote}" if promote else "tests/run")
    log = "/opt/flyton/test2/pass.log"
    if os.path.exists(log):
        out += "\n--- the wsgi pass:\n" + open(log, errors="replace").read()
    print(f"\n{app}: exit {rc}; " + "; ".join(re.findall(r"^\s*(\d+ passed.*|tests/run took .*|ok: .* runs? release .*)$", out, re.M)))
    return rc, out


def passed(rc, out):
    assert rc == 0, failures(out) + out[-6000:]
    assert re.search(r"^\d+ passed, \d+ skipped, \d+ deselected", out, re.M), out[-3000:]
    assert "failed" not in "\n".join(re.findall(r"^\d+ passed.*$", out, re.M)), out[-3000:]
    assert "ok: the dev database" in out


def failures(out):
    # the FAILURES parts of a run's output (each pass's), which its tail alone would cut off
    parts = re.findall(r"^=+ FAILURES =+$.*?(?=^=+ (?:short test summary info|slowest \d+ durations) =+$)", out, re.M | re.S)
    return "".join(p[:8000] + "\n" for p in parts)


group = {"web1": "flyprod1", "web2": "flyprod2"}
site = "10.231.1.2"         # the group's site_url (a balancer in front would be asked for it)


@pytest.fixture
def group_prod():
    # prod as docs/deploy.md builds a group: web1 on a database server of its own, web2 like web1
    machines(group)
    db = dbserver("/var/tmp/flyton-grown-db", "10.231.1.1", 3307, "10.231.%")
    try:
        yield db
    finally:
        down(group)
        stop(db)


def test_a_project_with_tables_past_the_skeletons_ranges_promoted_to_a_group_named_prod(group_prod):
    app = new_copy("shop")
    # prod first, from the clone as it came
    rc, out = run(app, f"server/bin/flyton prod-init web1 --url https://{site} --db-host 10.231.1.1 --db-port 3307 "
                       f"--db-ca {group_prod['ca']} --db-master master", FLYTON_DB_MASTER_PASSWORD=group_prod["pw"])
    assert rc == 0, out
    pw = re.search(r"created user admin, password: (\S+)", out).group(1)
    rc, out = run(app, "server/bin/flyton prod-init web2 --like web1")
    assert rc == 0, out
    firsts = []
    for t in ("shop_items", "shop_orders", "shop_notes"):
        out = flyton(app, "new", "table", t, "--owned")
        mig = re.search(rf"^wrote (sql/migrations/\d{{4}}_{t}\.sql)$", out, re.M).group(1)
        firsts.append(int(re.search(r"AUTO_INCREMENT=(\d+)", open(f"{app}/{mig}").read()).group(1)))
    assert len(set(firsts)) == 3 and min(firsts) >= 20001, firsts      # three ranges of their own
    out = flyton(app, "new", "migration", "shop_items_data")
    data = re.search(r"^wrote (sql/migrations/\d{4}_shop_items_data\.sql)$", out, re.M).group(1)
    with open(f"{app}/{data}", "a") as f:
        f.write("INSERT INTO shop_items (user_id, name) VALUES (1001, 'first'), (1001, 'second');\n")
    flyton(app, "new", "api", "shop_list")
    flyton(app, "new", "page", "shop")
    write(app, "server/groups", "# the docs' names\nprod: web1 web2\nprod.drain: 2\n")
    rc, out = gate(app, "prod")
    passed(rc, out)
    assert re.search(r"^ok: web1 web2 run release \S+$", out, re.M), out[-3000:]
    # the project's tables, rows and method on both nodes: a session made on one works on the other
    tables = admin(group_prod, "SHOW TABLES FROM flyton").split()
    assert {"shop_items", "shop_orders", "shop_notes"} <= set(tables), tables
    assert admin(group_prod, "SELECT COUNT(*) FROM flyton.shop_items").strip() == "2"
    a = call("10.231.1.2", "api_login", {"u": "admin", "p": pw}, name=site)
    assert a["allow"] == 1, a
    b = call("10.231.2.2", "api_shop_list", {}, a["ses"], name=site)
    assert b["allow"] == 1, b
    assert str(b["user_id"]) == admin(group_prod, "SELECT id FROM flyton.users WHERE username = 'admin'").strip(), b
    assert on("web1", "readlink /srv/flyton/current") == on("web2", "readlink /srv/flyton/current")
    # the edit-test loop: one flyton new file's tests alone; a word that selects nothing passes
    rc, out = run(app, "tests/run -k shop_list")
    assert rc == 0 and re.search(r"^[1-9]\d* passed, \d+ deselected", out, re.M), out[-3000:]
    print(re.findall(r"^\s*(tests/run took .*)$", out, re.M))
    rc, out = run(app, "tests/run -k no_test_has_this_name")
    assert rc == 0 and "(no test of the cgi pass is selected by: -k no_test_has_this_name)" in out, out[-3000:]


def drop_demo(app):
    # the demo todo app, gone as a user takes it out: its files, its menu entry and card, its
    # columns of the users page, its table (a migration) and its entry in sql/tables.sql
    for f in ("client/app/admin/todo.py", "server/apis/tools/db_todo.py", "client/lib/todo.js"):
        os.remove(f"{app}/{f}")
    for f in os.listdir(f"{app}/server/apis/api"):
        if f.startswith("api_todo_"):
            os.remove(f"{app}/server/apis/api/{f}")
    edit(app, "client/app/admin/header.py", r'^\s*\{kicmenu\("todo".*?\n', "", 1)
    edit(app, "client/app/admin/dashboard.py", r'^\s*\{kiccard\(txt\("Todos"\).*?\n', "", 1)
    edit(app, "client/app/admin/users.py", r"^def todo_counts\(ids\):.*?(?=\n\n\ndef )", "def todo_counts(ids):\n    return {}", 1)
    edit(app, "client/app/admin/users.py", r"^def latest_todos\(\):.*\Z", "def latest_todos():\n    return \"\"\n", 1)
    edit(app, "sql/tables.sql", r"^-- todo: .*?^\) ENGINE=[^\n]*;\n", "", 1)
    out = flyton(app, "new", "migration", "drop_todo")
    mig = re.search(r"^wrote (sql/migrations/\d{4}_drop_todo\.sql)$", out, re.M).group(1)
    with open(f"{app}/{mig}", "a") as f:
        f.write("DROP TABLE todo;\nDELETE FROM gen WHERE key1 = 'todo_dict';\n")
    edit(app, "sql/tables.sql", r"^\s*\('todo_dict'.*?\n", "", 1)


@pytest.fixture
def host_prod():
    # one prod machine, named prod as in docs/deploy.md
    machines({"prod": "flyprod"})
    try:
        yield
    finally:
        down({"prod": "flyprod"})


def test_a_project_without_the_demo_app_and_with_a_role_and_pages_of_its_own_promoted_to_a_host_named_prod(host_prod):
    app = new_copy("nodemo")
    rc, out = run(app, "server/bin/flyton prod-init prod --url https://10.231.0.2")     # prod first, from the clone as it came
    assert rc == 0, out
    pw = re.search(r"created user admin, password: (\S+)", out).group(1)
    drop_demo(app)
    write(app, "client/app/admin/reports.py", """from tools.sql import *
from tools.kicweb import need_role
from tools.kiclang import *


def reports(data):
    need_role(data, "editor")
    n = count_in_sql({"table": "users"})[0]
    return f\"\"\"<div class=col-12><h1 class=h4>{txt("Reports")}</h1><p id=n_users>{n}</p></div>\"\"\"
""")
    write(app, "server/apis/api/api_report_count.py", """from tools.sql import *
from tools.kicapi import *
from tools.kicweb import need_role


def api_report_count(data):
    need_role(data, "editor")
    api_ok({"n": count_in_sql({"table": "users"})[0]})
""")
    out = flyton(app, "new", "migration", "editor_role")      # a role of its own: gen "roles" lists it
    mig = re.search(r"^wrote (sql/migrations/\d{4}_editor_role\.sql)$", out, re.M).group(1)
    with open(f"{app}/{mig}", "a") as f:
        f.write("UPDATE gen SET data = JSON_SET(data, '$.editor', 'Editor') WHERE key1 = 'roles';\n")
    edit(app, "sql/tables.sql", '"owner": "Owner", "user": "User"}', '"owner": "Owner", "user": "User", "editor": "Editor"}')
    write(app, "tests/test_reports.py", """import pytest

from conftest import new_user, login, clear_fails
from inproc import page, api

pytestmark = pytest.mark.once


def test_an_editor_sees_the_reports_and_nobody_else():
    clear_fails()
    u, p, uid = new_user(["editor"])
    st, t = page("reports", login(u, p))
    assert st == 200 and "id=n_users" in t
    u, p, uid = new_user()
    assert page("reports", login(u, p))[0] == 403
""")
    rc, out = gate(app, "prod")
    passed(rc, out)
    assert "the demo todo app is not in this project" in out          # the demo's tests say why they skip
    assert re.search(r"^ok: prod runs release \S+$", out, re.M), out[-3000:]
    # on prod: the demo's table gone, the role the project added, its method for that role only
    assert on("prod", "mysql -N -e \"SHOW TABLES FROM flyton LIKE 'todo'\"").strip() == ""
    assert "editor" in on("prod", "mysql -N -e \"SELECT data FROM flyton.gen WHERE key1 = 'roles'\"")
    a = call("10.231.0.2", "api_login", {"u": "admin", "p": pw})
    assert a["allow"] == 1, a
    b = call("10.231.0.2", "api_report_count", {}, a["ses"])
    assert b["allow"] == 0 and b["err"] == "not allowed", b          # there, and admin is no editor


def test_a_project_that_renamed_the_demo_app_and_made_a_table_by_hand():
    app = new_copy("renamed")
    moves = {"client/app/admin/todo.py": "client/app/admin/task.py", "server/apis/tools/db_todo.py": "server/apis/tools/db_task.py",
             "client/lib/todo.js": "client/lib/task.js"}
    for f in os.listdir(f"{app}/server/apis/api"):
        if f.startswith("api_todo_"):
            moves[f"server/apis/api/{f}"] = f"server/apis/api/{f.replace('todo', 'task')}"
    for a, b in moves.items():
        os.rename(f"{app}/{a}", f"{app}/{b}")
    for f in list(moves.values()) + ["client/app/admin/header.py", "client/app/admin/dashboard.py", "client/app/admin/users.py",
                                     "client/lib/flyton.css"]:
        p = f"{app}/{f}"
        t = open(p).read().replace("todo", "task").replace("Todo", "Task")
        with open(p, "w") as fh:
            fh.write(t)
    edit(app, "sql/tables.sql", "CREATE TABLE IF NOT EXISTS todo (", "CREATE TABLE IF NOT EXISTS task (")
    edit(app, "sql/tables.sql", "('todo_dict',", "('task_dict',")
    out = flyton(app, "new", "migration", "todo_is_task")
    mig = re.search(r"^wrote (sql/migrations/\d{4}_todo_is_task\.sql)$", out, re.M).group(1)
    with open(f"{app}/{mig}", "a") as f:
        f.write("RENAME TABLE todo TO task;\nUPDATE gen SET key1 = 'task_dict' WHERE key1 = 'todo_dict';\n")
    # a table written by hand, not by flyton new: an id range of its own choosing, its picture in tables.sql
    table = ("CREATE TABLE IF NOT EXISTS visits (\n  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,\n"
             "  page        VARCHAR(60) NOT NULL,\n  is_active   TINYINT(1) NOT NULL DEFAULT 1,\n"
             "  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
             "  updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,\n"
             "  data        JSON NULL\n) ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;\n")
    n = 1 + max(int(f[:4]) for f in os.listdir(f"{app}/sql/migrations") if f[:4].isdigit())
    write(app, f"sql/migrations/{n:04d}_visits.sql", "-- visits, by hand\n" + table)
    with open(f"{app}/sql/tables.sql", "a") as f:
        f.write("\n-- visits: the pages seen (written by hand)\n" + table)
    passed(*gate(app))


def test_a_broken_page_or_method_fails_the_gate_stops_the_promote_and_names_its_file():
    app = new_copy("broken")
    flyton(app, "new", "table", "shop_items", "--owned")
    write(app, "client/app/admin/shop_broken.py", "from tools.sql import *\n\n\ndef shop_broken(data):\n"
                                                  "    return f\"<p>{no_such_name}</p>\"\n")
    write(app, "server/apis/api/api_shop_broken.py", "from tools.kicapi import *\n\n\ndef api_shop_broken(data):\n"
                                                     "    api_ok({'n': 1 / 0})\n")
    rc, out = gate(app, "prod")         # the gate fails before any machine is reached
    assert rc != 0, out[-3000:]
    assert "the tests failed: nothing was promoted" in out, out[-3000:]
    assert "client/app/admin/shop_broken.py: the page shop_broken" in out, out[-6000:]
    assert "server/apis/api/api_shop_broken.py: api_shop_broken" in out, out[-6000:]

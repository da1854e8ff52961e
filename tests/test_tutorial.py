# test_tutorial.py: docs/tutorial.md, run as printed, in a copy of the clone with a
# database and an Apache site of its own (127.0.0.1:8096, CGI as on a dev box). Then
# the feature it built is used: over HTTP, by the tests it wrote, and in Chromium.
#   ```sh blocks      each line runs in the copy ("sudo " dropped: the tests run as root);
#                     `sudo tests/run ARGS` runs pytest ARGS on the copy's tests, against
#                     the copy's site (tests/run itself would remake the test instance)
#   ```python / ```js the whole file named on the line before the block ("`path`:")
#   ```diff           applied with git apply
import os
import re
import json
import shutil
import secrets
import subprocess
import urllib.request

import pytest

from conftest import top, cfg_file, runtime, out_dir, clone_copy, chromium_page, pypath
from test_migrate import root_sql

home = "/opt/flyton/tutorial"      # readable by the web server, unlike a clone under /root
port = 8096
url = f"http://127.0.0.1:{port}"
conf = "/etc/apache2/sites-available/flyton-test-tut.conf"
tenv = "/opt/flyton/testenv/bin/python"

# the tutorial is a dev box's walk, and a dev box runs CGI: once, in the CGI pass
pytestmark = [pytest.mark.skipif(runtime != "cgi", reason="the tutorial runs on a dev box's runtime (CGI)"),
              pytest.mark.proof,     # the docs' walk, the framework's: tests/run --all
              pytest.mark.alone]     # its site comes and goes with a graceful restart of Apache


def steps():
    # the runnable blocks of the tutorial, in order: (kind, text, path)
    lines = text_of_tutorial().split("\n")
    out, i, last = [], 0, ""
    while i < len(lines):
        m = re.match(r"^```(\w*)$", lines[i])
        if not m:
            if lines[i].strip():
                last = lines[i]
            i += 1
            continue
        j = lines.index("```", i + 1)
        kind, text = m.group(1), "\n".join(lines[i + 1:j]) + "\n"
        f = re.search(r"`([\w./-]+)`:$", last)
        out.append((kind, text, f.group(1) if f else ""))
        i, last = j + 1, ""
    return out


def text_of_tutorial():
    return open(f"{top}/docs/tutorial.md", encoding="utf-8").read()


def numberless(t):
    return re.sub(r"sql/migrations/\d{4}_", "sql/migrations/NNNN_", t)


def sh(cmd, cwd, env, timeout=300):
    r = subprocess.run(["bash", "-c", cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout + r.stderr


def post(meth, inp, ses=""):
    body = json.dumps({"info": {"os": "a", "ses": ses}, "input": inp}).encode()
    req = urllib.request.Request(f"{url}/cgi-bin/api?meth={meth}", body, {"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=30).read())["server"]


def get(path):
    return urllib.request.urlopen(url + path, timeout=30).read().decode()


@pytest.fixture
def tut():
    # the copy, its database (from the migrations, as install.sh makes it) and its site
    db = "flyton_test_tut"
    tuser = re.search(r'"user": "([^"]+)"', open(cfg_file).read()).group(1)
    shutil.rmtree(home, ignore_errors=True)
    clone_copy(f"{home}/app")
    for f in ("bootstrap.min.css", "bootstrap.bundle.min.js"):
        if os.path.exists(f"{top}/client/lib/{f}"):
            shutil.copy(f"{top}/client/lib/{f}", f"{home}/app/client/lib/")
    root_sql(f"DROP DATABASE IF EXISTS `{db}`; CREATE DATABASE `{db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; "
             f"GRANT ALL PRIVILEGES ON `{db}`.* TO '{tuser}'@'localhost'")
    os.makedirs(f"{home}/cfg")
    text = re.sub(r'"name": "[^"]+"', f'"name": "{db}"', open(cfg_file).read())
    with open(f"{home}/cfg/config.py", "w") as f:
        f.write(text)
    shutil.chown(f"{home}/cfg/config.py", "root", "www-data")
    os.chmod(f"{home}/cfg/config.py", 0o640)
    env = dict(os.environ, FLYTON_CONFIG_DIR=f"{home}/cfg")
    env.pop("PYTHONPATH", None)
    rc, out = sh("server/bin/flyton migrate", f"{home}/app", env)
    assert rc == 0, out
    rc, out = sh(f"server/bin/flyton vhost flyton_test_tut 127.0.0.1:{port} cgi > {conf} && a2ensite -q flyton-test-tut"
                 " && apache2ctl graceful", f"{home}/app", env)
    assert rc == 0, out
    try:
        wait_up()
        yield {"app": f"{home}/app", "env": env, "db": db}
    finally:
        subprocess.run("a2dissite -q flyton-test-tut; rm -f " + conf + "; apache2ctl graceful", shell=True)
        root_sql(f"DROP DATABASE IF EXISTS `{db}`")
        shutil.rmtree(home, ignore_errors=True)


def wait_up():
    import time
    for i in range(60):
        try:
            if post("api_ping", {}).get("allow") == 1:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the tutorial's site {url} does not answer")


def run_tests(app, args):
    # what `sudo tests/run ARGS` does, pointed at the tutorial's copy and site
    # (this test holds the lock of tests/run's two passes: the tests inside must not wait for it, and
    # run whole, whatever tests/run moved from one pass to the other)
    env = dict(os.environ, FLYTON_URL=url, FLYTON_RUNTIME="cgi", FLYTON_LOCK="0", FLYTON_ONCE_MOVED="",
               PYTHONPATH=pypath(app, f"{home}/cfg"))
    env.pop("PYTHONPYCACHEPREFIX", None)
    r = subprocess.run([tenv, "-m", "pytest", "-p", "no:cacheprovider", "tests"] + args, cwd=app, env=env,
                       capture_output=True, text=True, timeout=600)
    return r.returncode, r.stdout + r.stderr


def test_the_tutorial_runs_as_printed_and_its_feature_works(tut, browser):
    app, env = tut["app"], tut["env"]
    mine = [f for f in ("client/app/admin/notes.py", "server/apis/api/api_note_add.py", "server/apis/tools/db_notes.py")
            if os.path.exists(f"{app}/{f}")]
    if mine or "notes" in open(f"{app}/sql/tables.sql").read().split():
        pytest.skip(f"this project has a notes feature of its own ({', '.join(mine) or 'sql/tables.sql'}): "
                    "the tutorial builds one from the skeleton")
    done = {"sh": 0, "file": 0, "diff": 0, "tests": 0}
    for kind, text, path in steps():
        if kind == "sh":
            for cmd in text.splitlines():
                if not cmd.strip() or cmd.startswith("#"):
                    continue
                cmd = re.sub(r"^sudo ", "", cmd)
                if cmd.startswith("tests/run"):
                    rc, out = run_tests(app, cmd.split()[1:])
                    assert rc == 0, out[-3000:]
                    assert not re.search(r"\d+ failed", out), out[-3000:]
                    assert int(re.search(r"(\d+) passed", out).group(1)) >= 7, out[-3000:]
                    done["tests"] += 1
                    continue
                rc, out = sh(cmd, app, env)
                assert rc == 0, f"{cmd}\n{out}"
                # every file the command says it wrote is one the tutorial names (a migration's number is
                # the next free one: in a project with migrations of its own, not the one printed)
                for f in re.findall(r"^wrote (\S+)$", out, re.M):
                    assert f"`{numberless(f)}`" in numberless(text_of_tutorial()), f"{cmd} wrote {f}, which docs/tutorial.md does not name"
                done["sh"] += 1
        elif kind in ("python", "js"):
            assert path, f"a {kind} block with no `path`: before it:\n{text[:200]}"
            with open(f"{app}/{path}", "w") as f:
                f.write(text)
            done["file"] += 1
        elif kind == "diff":
            r = subprocess.run(["git", "apply", "-"], cwd=app, input=text, capture_output=True, text=True)
            assert r.returncode == 0, r.stderr
            done["diff"] += 1
    # the walk has its parts: new table, migrate, new api, new page; the files; the menu; the tests
    assert done == {"sh": 4, "file": 5, "diff": 1, "tests": 1}, done

    # the table's picture still matches the migrations (the copy's own test of it)
    rc, out = run_tests(app, ["tests/test_migrate.py", "-k", "picture"])
    assert rc == 0, out[-3000:]
    assert "1 passed" in out, out[-3000:]

    # the feature, over HTTP: a user's note is theirs alone, ids in the table's range
    u = "tut_" + secrets.token_hex(4)
    a = post("api_register", {"u": u, "p": "tutorialpw1", "first": "Tu", "last": "Torial", "email": "tu@example.com"})
    assert a["allow"] == 1, a
    ses = post("api_login", {"u": u, "p": "tutorialpw1"})["ses"]
    a = post("api_note_add", {"name": "buy <milk>"}, ses)
    m = [open(f"{app}/sql/migrations/{f}").read() for f in os.listdir(f"{app}/sql/migrations") if f.endswith("_notes.sql")]
    start = int(re.search(r"AUTO_INCREMENT=(\d+)", m[0]).group(1))
    assert a["allow"] == 1, (a, start)
    assert start <= a["id"] < start + 1000, (a, start)   # in the range its migration gave it
    t = get(f"/cgi-bin/p?app=start&r=309012&ses={ses}&rpage=notes")
    assert "buy &lt;milk&gt;" in t
    assert "id=menu_notes" in t   # the page, and its link in the menu
    v = "tut2_" + secrets.token_hex(4)
    a = post("api_register", {"u": v, "p": "tutorialpw2", "first": "An", "last": "Other", "email": "an@example.com"})
    assert a["allow"] == 1, a
    ses2 = post("api_login", {"u": v, "p": "tutorialpw2"})["ses"]
    assert "milk" not in get(f"/cgi-bin/p?app=start&r=309012&ses={ses2}&rpage=notes")
    assert root_sql("SELECT COUNT(*) FROM notes WHERE name = 'buy <milk>'", tut["db"]) == [["1"]]

    # and in Chromium, as the tutorial says: the menu's Notes, type, Add
    from playwright.sync_api import expect
    with chromium_page(browser) as pg:
        pg.goto(url + "/pages/login/")
        pg.fill("#u", v)
        pg.fill("#p", "tutorialpw2")
        pg.click("#go")
        expect(pg.locator("#kicheader")).to_be_visible()
        pg.click("#menu_notes")
        expect(pg.locator("#notes_none")).to_be_visible()
        pg.click("#note_add")
        expect(pg.locator("#note_err")).not_to_be_empty()
        pg.fill("#note", "water the plants")
        pg.click("#note_add")
        expect(pg.locator("#notes_list li", has_text="water the plants")).to_have_count(1)
        os.makedirs(out_dir, exist_ok=True)
        pg.screenshot(path=f"{out_dir}/tutorial_notes.png")

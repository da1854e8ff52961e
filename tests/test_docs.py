# test_docs.py: the examples of README.md run as printed.
import os
import re
import subprocess

import pytest

from conftest import top, cfg_file
from inproc import api, page

# in process, and the framework's docs (a project writes its own README): the first pass of --all only
pytestmark = [pytest.mark.once, pytest.mark.proof]


def blocks():
    # the ```python blocks of README.md, in order
    t = open(f"{top}/README.md", encoding="utf-8").read()
    return re.findall(r"```python\n(.*?)```", t, re.S)


def test_readme_page_and_api_examples_work(user, temp_file):
    b = blocks()
    pg = [x for x in b if "def about(data):" in x][0]
    ap = [x for x in b if "def api_hello(data):" in x][0]
    temp_file("client/app/admin/about.py", pg)
    temp_file("server/apis/api/api_hello.py", ap)
    st, t = page("about", user["ses"])
    assert st == 200
    assert f"Hello {user['u']}" in t
    assert "rpage=dashboard" in t
    st, a = api("api_hello", {"name": "Dana"}, user["ses"])
    assert a["allow"] == 1
    assert a["greeting"] == "hello Dana"
    assert a["n"] == 3
    st, a = api("api_hello", {"name": ""}, user["ses"])
    assert a["allow"] == 0
    assert a["msg"].startswith("name:")


def shown_commands():
    # (file, command word) of every `server/bin/flyton WORD` that README.md and docs/ show
    out = set()
    for f in ["README.md"] + [f"docs/{n}" for n in sorted(os.listdir(f"{top}/docs")) if n.endswith(".md")]:
        t = open(f"{top}/{f}", encoding="utf-8").read()
        for w in re.findall(r"server/bin/flyton ([a-z][a-z-]*)", t):
            out.add((f, w))
    return sorted(out)


def test_every_flyton_command_the_docs_show_exists_and_has_help():
    cmds = shown_commands()
    assert {"promote", "rollback", "restore", "logs", "new", "migrate"} <= {w for f, w in cmds}
    for f, w in cmds:
        r = subprocess.run([f"{top}/server/bin/flyton", w, "--help"], capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, FLYTON_CONFIG_DIR=os.path.dirname(cfg_file)))
        assert r.returncode == 0, f"{f} shows flyton {w}: {r.stdout}{r.stderr}"
        assert "usage" in r.stdout.lower(), f"{f} shows flyton {w}, whose --help says: {r.stdout}"


def test_the_docs_name_free_migration_numbers_and_https_on_prod():
    for f in ("docs/deploy.md", "docs/rules.md", "README.md"):
        t = open(f"{top}/{f}", encoding="utf-8").read()
        assert "plain HTTP on port 80" not in t, f
        assert "serves HTTP on\nport 80" not in t, f
        if f == "docs/deploy.md":
            # its example migration takes a number after the skeleton's own four
            ex = re.findall(r"-- (\d{4})_\w+\.sql: ", t)
            assert ex, ex
            assert all(n > "0004" for n in ex), ex

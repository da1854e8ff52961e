# test_assets.py: versioned static files (flyton assets, tools/kicasset.py, /v/ in apache2-flyton.conf):
# a page names each file of client/lib by a URL made of its content, served for a year; errors there
# are never kept; a file changed since the last run is named plainly; the store keeps the last sets;
# a second page view in a real browser asks the site for no file of client/lib.
import os
import re
import time
import hashlib
import subprocess

import pytest

from conftest import http, page, site, top, cfg_file, runtime, logs, chromium_page, new_user
from tools import kicasset as ka

url_re = re.compile(r"""(?:src|href)="(/(?:v/[0-9a-f]{16}|lib)/[A-Za-z0-9][A-Za-z0-9._-]*)\"""")
year = "public, max-age=31536000, immutable"


def flyton_assets(*more):
    r = subprocess.run([f"{top}/server/bin/flyton", "assets", *more], env=dict(os.environ, FLYTON_CONFIG_DIR=os.path.dirname(cfg_file)),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def named(t):
    # the files of client/lib a page names, as {name: url}
    return {u.rsplit("/", 1)[1]: u for u in url_re.findall(t)}


def lib_file(name):
    with open(f"{top}/client/lib/{name}", "rb") as f:
        return f.read()


@pytest.fixture
def scratch_lib():
    # files written into client/lib for one test; removed after, and the manifest made again
    made = []

    def write(name, text):
        p = f"{top}/client/lib/{name}"
        with open(p, "w") as f:
            f.write(text)
        made.append(p)
        return p

    yield write
    for p in made:
        if os.path.exists(p):
            os.remove(p)
    flyton_assets()


def test_a_page_names_each_file_by_its_content_and_it_is_kept_a_year(user):
    st, t = page("", user)
    assert st == 200
    w = named(t)
    for n in ("bootstrap.min.css", "flyton.css", "bootstrap.bundle.min.js", "kicdev.server.js", "kicdev.bs5.js",
              "kicbutton.js", "kicedit.js", "secure.js"):
        body = lib_file(n)
        assert w.get(n) == f"/v/{hashlib.sha256(body).hexdigest()[:16]}/{n}", (n, w)
        st, h, got = http(w[n])
        assert st == 200
        assert h["Cache-Control"] == year
        assert got.encode("utf-8") == body
        st, h, _ = http(w[n], headers={"If-None-Match": h["ETag"]})
        assert st == 304
        assert h["Cache-Control"] == year
    for n in w:
        assert f'"/lib/{n}"' not in t, n      # (a project's own page may name other files plainly: its choice)


def test_what_is_not_a_version_is_never_kept():
    for path in ("/v/0000000000000000/kicdev.server.js", "/v/" + "f" * 16 + "/nothing.js", "/v/abc/kicdev.server.js",
                 "/v/", "/v/0000000000000000/", "/v/0000000000000000/.lock", "/v/.sets/x"):
        st, h, _ = http(path)
        assert st == 404, path
        assert h["Cache-Control"] == "no-store", path
    st, h, _ = http("/lib/nothing-here.js")
    assert st == 404
    assert h["Cache-Control"] == "no-store"


def test_plain_names_and_the_static_pages_are_asked_again():
    st, h, t = http("/lib/kicdev.server.js")
    assert st == 200
    assert h["Cache-Control"] == ("public, max-age=300" if runtime == "wsgi" else "no-cache")
    st, h, t = http("/pages/login/")
    assert st == 200
    assert h["Cache-Control"] == "no-cache"
    w = named(t)
    assert set(w) >= {"kicdev.server.js", "kicdev.bs5.js", "login.js", "bootstrap.min.css"}
    for n, u in w.items():
        st, h, body = http(u)
        assert st == 200, u
        assert body.encode("utf-8") == lib_file(n)
    if runtime == "wsgi":
        # prod serves the pages as flyton assets wrote them: versioned
        assert all(u.startswith("/v/") for u in w.values()), w
        st, h, t2 = http("/pages/login/index.html")
        assert t2 == t
        return
    # a dev box serves client/pages as they are now, for the developer at work
    assert all(u.startswith("/lib/") for u in w.values()), w


def fresh(name):
    # kicasset as a new process (a CGI request) sees it: nothing kept from the last second
    ka.seen["until"] = 0
    return ka.kicasset(name)


def test_a_file_changed_since_the_last_run_is_named_plainly_until_the_next(scratch_lib):
    scratch_lib("t_asset.js", "var t_asset = 1;\n")
    assert fresh("t_asset.js") == "/lib/t_asset.js"     # never seen by flyton assets
    flyton_assets()
    v1 = fresh("t_asset.js")
    assert re.match(r"^/v/[0-9a-f]{16}/t_asset\.js$", v1), v1
    time.sleep(0.01)
    scratch_lib("t_asset.js", "var t_asset = 2;\n")
    # a persistent process sees the change within a second; a new one at once
    assert ka.kicasset("t_asset.js") == v1
    time.sleep(1.05)
    assert ka.kicasset("t_asset.js") == "/lib/t_asset.js"
    assert ka.lib_js("t_asset.js") == '<script src="/lib/t_asset.js"></script>'
    flyton_assets()
    v2 = fresh("t_asset.js")
    assert v2 != v1 and v2.startswith("/v/")
    assert ka.lib_css("t_asset.js") == f'<link href="{v2}" rel=stylesheet>'
    # both versions answer: a page an old release built still finds its file
    assert http(v1)[2] == "var t_asset = 1;\n"
    assert http(v2)[2] == "var t_asset = 2;\n"
    for bad in ("../config.py", "a/b.js", "", ".lock", None, "x\n.js"):
        with pytest.raises(ValueError):
            ka.kicasset(bad)


def test_the_store_keeps_the_files_of_the_last_ten_sets(scratch_lib, tmp_path):
    store = str(tmp_path / "store")
    seen = []
    for i in range(12):
        scratch_lib("t_prune.js", f"var t_prune = {i};\n")
        flyton_assets("--store", store)
        seen.append(hashlib.sha256(f"var t_prune = {i};\n".encode()).hexdigest()[:16])
        time.sleep(0.01)     # each set newer than the one before
    have = {h for h in os.listdir(store) if os.path.exists(f"{store}/{h}/t_prune.js")}
    assert have == set(seen[2:])
    assert len(os.listdir(f"{store}/.sets")) == 10
    # a file no set names goes; one every set names stays
    assert os.path.exists(f"{store}/{hashlib.sha256(lib_file('secure.js')).hexdigest()[:16]}/secure.js")
    # that store is served by no site: the manifest names nothing, the pages say /lib/
    assert fresh("secure.js") == "/lib/secure.js"
    flyton_assets()
    assert fresh("secure.js").startswith("/v/")


def test_a_second_view_asks_the_site_for_no_file_of_client_lib(browser):
    u, p, uid = new_user()
    log = logs + "_access.log"
    with chromium_page(browser) as pg:
        views = ["/pages/login/"] if runtime == "wsgi" else []
        pg.goto(site + "/pages/login/")
        pg.fill("#u", u)
        pg.fill("#p", p)
        pg.click("#go")
        pg.wait_for_url(re.compile(r"/cgi-bin/p\?app=start&r=309012&ses="))
        pg.wait_for_load_state("load")
        views.append(pg.url[len(site):])
        for v in views:
            pg.goto(site + v)
            pg.wait_for_load_state("load")
            # the files the page names plainly (a project's own choice: none of Flyton's, on prod)
            plain = set(re.findall(r'(?:src|href)="/lib/([A-Za-z0-9][A-Za-z0-9._-]*)"', pg.content()))
            if runtime == "wsgi":
                assert not plain & {"kicdev.server.js", "bootstrap.min.css", "login.js", "flyton.css"}, plain
            time.sleep(0.3)
            start = os.path.getsize(log)
            pg.goto(site + v)
            pg.wait_for_load_state("load")
            time.sleep(0.5)     # Apache writes the line once the answer is sent
            with open(log, encoding="utf-8", errors="replace") as f:
                f.seek(start)
                lines = f.read().splitlines()
            path = v.split("?")[0]
            assert any(f"GET {path}" in x for x in lines), (v, lines)     # the page itself was asked
            asked = [x for x in lines if re.search(r'"GET /(lib|v)/', x)]
            theirs = [x for x in asked if any(f'"GET /lib/{n} ' in x for n in plain)]
            assert asked == theirs, (v, lines)


def test_root_writes_no_file_through_a_link_planted_in_the_clone(tmp_path):
    # flyton assets runs as root in a clone its owner may write: a link in place of client/built,
    # or of a page's folder under it, gets no file written where it points
    from conftest import clone_copy
    app, evil = str(tmp_path / "app"), tmp_path / "evil"
    evil.mkdir()
    clone_copy(app)
    env = dict(os.environ, FLYTON_CONFIG_DIR=os.path.dirname(cfg_file))
    subprocess.run(["rm", "-rf", f"{app}/client/built"], check=True)
    os.symlink(evil, f"{app}/client/built")
    r = subprocess.run([f"{app}/server/bin/flyton", "assets"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "is a link: not written" in r.stderr and "Traceback" not in r.stderr, r.stdout + r.stderr
    assert os.listdir(evil) == []
    os.remove(f"{app}/client/built")
    os.makedirs(f"{app}/client/built/pages")
    os.symlink(evil, f"{app}/client/built/pages/login")
    r = subprocess.run([f"{app}/server/bin/flyton", "assets"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "lies under) a link" in r.stderr, r.stdout + r.stderr
    assert os.listdir(evil) == []

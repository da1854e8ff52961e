# test_browser.py: the site as a person uses it, in headless Chromium (Debian's),
# driven by Playwright. Screenshots land in /opt/flyton/test/out/ for people to look at.
import os
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

import config
from conftest import site, out_dir, new_user, clear_fails, config_lines, needs_demo, top, logs as logs_at
from tools.sql import *
from tools.db_ses import ses_key

pytestmark = pytest.mark.browser


@pytest.fixture
def ctx(browser):
    # (browser: conftest.py's, one for the run)
    os.makedirs(out_dir, exist_ok=True)
    c = browser.new_context()
    c.set_default_timeout(15000)
    yield c
    c.close()


def watch(pg):
    # every alert/confirm the page shows, answered at once
    seen = []
    pg.on("dialog", lambda d: (seen.append(d.message), d.dismiss()))
    return seen


tokens = []   # every session the browser logged in to, for the logs check at the end


def ui_login(pg, u, p):
    pg.goto(site + "/pages/login/")
    pg.fill("#u", u)
    pg.fill("#p", p)
    pg.click("#go")
    pg.wait_for_url(re.compile(r"/cgi-bin/p\?app=start&r=309012&ses="))
    expect(pg.locator("#kicheader")).to_be_visible()
    tokens.append(pg.evaluate("sessionStorage.getItem('ses')"))


def todo_item(pg, name):
    return pg.locator("#todo_list li", has_text=name)


def todo_id(pg, name):
    return todo_item(pg, name).get_attribute("id").split("_")[1]


def add_todo(pg, name):
    pg.fill("#name", name)
    pg.click("#todo_add")
    expect(todo_item(pg, name)).to_have_count(1)


@needs_demo
def test_register_login_todos_logout(ctx):
    clear_fails()
    pg = ctx.new_page()
    dialogs = watch(pg)
    u = "b_" + secrets.token_hex(4)
    pg.goto(site + "/")
    expect(pg).to_have_url(site + "/pages/login/")
    pg.click("#toreg")
    pg.fill("#u", u)
    pg.fill("#p", "browserpass1")
    pg.fill("#first", "Noa")
    pg.fill("#last", "Browser")
    pg.fill("#email", f"{u}@example.com")
    pg.click("#go")
    expect(pg.locator("#done")).to_be_visible()
    pg.click("#tologin")
    ui_login(pg, u, "browserpass1")
    expect(pg.locator("#hello")).to_contain_text("Noa Browser")
    pg.screenshot(path=f"{out_dir}/dashboard.png", full_page=True)

    pg.click("#zzz .card button >> nth=0")            # a kiccard button (kicbutton) opens the todo page
    pg.wait_for_url(re.compile(r"rpage=todo$"))
    for n in ("buy milk", "call the bank", "water the plants"):
        add_todo(pg, n)
    pg.click(f"#done_{todo_id(pg, 'buy milk')}")
    expect(pg.locator(f"#name_{todo_id(pg, 'buy milk')}")).to_have_class(re.compile("todo-done"))
    i = todo_id(pg, "call the bank")
    pg.click(f"#edit_{i}")
    pg.fill(f"#ed_{i}", "call the bank at 9")
    pg.click(f"#edit_{i}")
    expect(pg.locator(f"#name_{i}")).to_have_text("call the bank at 9")
    pg.click(f"#del_{todo_id(pg, 'water the plants')}")
    expect(todo_item(pg, "water the plants")).to_have_count(0)

    pg.reload()
    names = pg.locator("#todo_list li span[id^=name_]").all_inner_texts()
    assert names == ["call the bank at 9", "buy milk"]
    assert "todo-done" in pg.locator(f"#name_{todo_id(pg, 'buy milk')}").get_attribute("class")
    assert not pg.locator(f"#done_{i}").is_checked()
    expect(pg.locator("#todo_count")).to_contain_text("1 to do, 1 done")
    pg.screenshot(path=f"{out_dir}/todo.png", full_page=True)

    pg.click("#logout")
    pg.wait_for_url(site + "/pages/login/")
    pg.go_back()
    pg.wait_for_load_state()
    pg.wait_for_timeout(500)
    expect(pg).to_have_url(re.compile(r"/pages/login/$"))
    assert "buy milk" not in pg.content()
    assert dialogs == []


@needs_demo
def test_a_hostile_title_is_only_text(ctx, user):
    pg = ctx.new_page()
    dialogs = watch(pg)
    ui_login(pg, user["u"], user["p"])
    pg.click("#menu_todo")
    bad = "<img src=x onerror=alert(1)><script>window.pwned=1</script>"
    add_todo(pg, bad)
    pg.reload()
    expect(pg.locator("#todo_list li span[id^=name_]").first).to_have_text(bad)
    assert pg.locator("#todo_list img").count() == 0
    assert pg.evaluate("window.pwned") is None
    pg.wait_for_timeout(300)
    assert dialogs == []


@needs_demo
def test_another_user_sees_nothing_of_mine(browser, user):
    a = browser.new_context()
    pa = a.new_page()
    ui_login(pa, user["u"], user["p"])
    pa.click("#menu_todo")
    add_todo(pa, "private plan")
    id = todo_id(pa, "private plan")
    clear_fails()
    u2, p2, uid2 = new_user()
    b = browser.new_context()
    pb = b.new_page()
    ui_login(pb, u2, p2)
    pb.click("#menu_todo")
    expect(pb.locator("#todo_none")).to_be_visible()
    assert "private plan" not in pb.content()
    res = pb.evaluate(f"call_server('api_todo_del', {{id: {id}}})")
    assert res["server"]["allow"] == 0
    assert res["server"]["msg"] == "No such todo"
    pa.reload()
    expect(todo_item(pa, "private plan")).to_have_count(1)
    a.close()
    b.close()


@needs_demo
def test_a_button_with_use_carries_the_radio_value(ctx, user):
    pg = ctx.new_page()
    ui_login(pg, user["u"], user["p"])
    pg.click("#menu_todo")
    add_todo(pg, "open one")
    add_todo(pg, "done one")
    pg.click(f"#done_{todo_id(pg, 'done one')}")
    expect(pg.locator(f"#name_{todo_id(pg, 'done one')}")).to_have_class(re.compile("todo-done"))
    pg.click("label[for=flt_done]")
    pg.click("#filters button")
    pg.wait_for_url(re.compile(r"&flt=done$"))
    assert pg.locator("#todo_list li span[id^=name_]").all_inner_texts() == ["done one"]
    assert pg.locator("#flt_done").is_checked()


@needs_demo
def test_an_api_error_shows_a_message_next_to_the_field(ctx, user):
    pg = ctx.new_page()
    ui_login(pg, user["u"], user["p"])
    pg.click("#menu_todo")
    pg.fill("#name", "   ")
    pg.click("#todo_add")
    expect(pg.locator("#name_err")).to_contain_text("Title: must be at least 1 characters")
    expect(pg.locator("#name")).to_have_class(re.compile("is-invalid"))
    expect(pg.locator("#todo_list")).to_be_visible()


def test_call_server_never_throws(ctx, user, temp_file):
    temp_file("server/apis/api/api_t_file.py", '''
from tools.kicapi import *
def api_t_file(data):
    f = data["post"]["input"]["file_x"]
    api_ok({"size": len(f), "first": f[0], "last": f[-1]})
''')
    pg = ctx.new_page()
    ui_login(pg, user["u"], user["p"])
    r = pg.evaluate("call_server('api_nosuch', {})")
    assert r["server"] == {"method": "api_nosuch", "allow": 0, "err": "wrong method", "server_ver": r["server"]["server_ver"]}
    r = pg.evaluate("""(async () => { var b = new Uint8Array(100000); b[0] = 7; b[99999] = 9;
                        return await call_server('api_t_file', {file_x: b.buffer}); })()""")
    assert r["server"]["allow"] == 1
    assert r["server"]["size"] == 100000
    assert r["server"]["first"] == 7
    assert r["server"]["last"] == 9
    # no answer of Flyton's: sent again twice (with the same request id), then said
    tries = []
    pg.route("**/cgi-bin/api?meth=api_t_kit_list", lambda route: (tries.append(route.request.post_data_json["info"]["rid"]),
                                                                 route.fulfill(status=502, body="<html>bad gateway")))
    r = pg.evaluate("call_server('api_t_kit_list', {})")
    assert r["server"]["allow"] == 0
    assert "HTTP 502" in r["server"]["err"]
    assert len(tries) == 3, tries
    assert len(set(tries)) == 1, tries
    pg.route("**/cgi-bin/api?meth=api_ping", lambda route: route.abort())
    r = pg.evaluate("call_server('api_ping', {})")
    assert r["server"]["allow"] == 0
    assert r["server"]["err"].startswith("network error")
    assert "again" not in r, r


def test_a_call_whose_answer_was_lost_is_sent_again_and_writes_once(ctx, user):
    pg = ctx.new_page()
    ui_login(pg, user["u"], user["p"])
    base = pg.url.split("&rpage=")[0]          # this tab's own session
    rids = []

    def lose_first(route):
        # the first try reaches the server and writes; its answer is lost on the way back (the
        # node died after its commit, the network broke): the browser sees no answer
        rids.append(route.request.post_data_json["info"]["rid"])
        if len(rids) == 1:
            route.fetch()
            route.abort()
            return
        route.continue_()

    pg.route("**/cgi-bin/api?meth=api_t_kit_add", lose_first)
    r = pg.evaluate("call_server('api_t_kit_add', {name: 'sent twice'})")
    assert r["server"]["allow"] == 1, r
    assert len(rids) == 2, rids
    assert rids[0] == rids[1], "sent again with the same request id"
    n = sql("SELECT COUNT(*) FROM t_kit WHERE user_id = %s AND name = 'sent twice'", (user["id"],))[0][0][0]
    assert n == 1, "written once"
    pg.goto(base + "&rpage=t_kit")             # the tests' kit page (tests/kit) lists the user's rows
    expect(pg.locator("#t_kit li", has_text="sent twice")).to_have_count(1)


def test_two_tabs_two_users_and_a_foreign_url(ctx, user):
    clear_fails()
    u2, p2, uid2 = new_user()
    a = ctx.new_page()
    b = ctx.new_page()
    ui_login(a, user["u"], user["p"])
    ui_login(b, u2, p2)
    a.reload()
    b.reload()
    expect(a.locator("#me_user")).to_have_text(user["u"])
    expect(b.locator("#me_user")).to_have_text(u2)
    a.goto(b.url)                        # tab a opens tab b's address
    a.wait_for_url(re.compile(r"/pages/login/$"))
    b.reload()
    expect(b.locator("#me_user")).to_have_text(u2)


def test_an_ended_session_sends_the_user_to_login(ctx, user):
    pg = ctx.new_page()
    dialogs = watch(pg)
    ui_login(pg, user["u"], user["p"])
    ses = pg.evaluate("sessionStorage.getItem('ses')")
    sql("UPDATE ses SET is_active = 0 WHERE id = %s", (ses_key(ses),))
    pg.evaluate("setTimeout(function () { call_server('api_t_kit_list', {}); }, 0)")    # the page leaves during the call
    pg.wait_for_url(re.compile(r"/pages/login/$"))
    assert len(dialogs) == 1
    assert pg.evaluate("sessionStorage.getItem('ses')") is None


def test_two_step_login_in_the_browser(ctx, user):
    from tools.kictotp import kictotp, new_secret
    s = new_secret()
    add_to_data("users", user["id"], "mfa", {"on": 1, "secret": s, "last": 0})
    pg = ctx.new_page()
    pg.goto(site + "/pages/login/")
    pg.fill("#u", user["u"])
    pg.fill("#p", user["p"])
    pg.click("#go")
    expect(pg.locator("#mfa")).to_be_visible()
    pg.fill("#code", kictotp(s))
    pg.click("#go")
    pg.wait_for_url(re.compile(r"/cgi-bin/p\?"))
    expect(pg.locator("#me_user")).to_have_text(user["u"])


def test_a_page_of_another_site_cannot_call_the_api(ctx):
    # a page on another origin (a server of the test's own on another loopback port)
    # tries what a browser sends without asking: text/plain, a form; and JSON, which
    # makes the browser ask first. Nobody may be registered.
    api = site + "/cgi-bin/api?meth=api_register"
    names = "t_x" + secrets.token_hex(4)
    evil = f"""<html><body><iframe name=f id=f></iframe>
      <form id=form method=post enctype=text/plain action="{api}" target=f>
      <input name='{{"info": {{}}, "input": {{"u": "{names}_form", "p": "a-good-password", "first": "A", "last": "B", "email": "a@example.com", "x": "' value='"}}}}'>
      </form></body></html>""".encode()

    class Evil(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(evil)))
            self.end_headers()
            self.wfile.write(evil)

        def log_message(self, *a):
            pass
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    other = f"http://127.0.0.1:{srv.server_address[1]}"
    try:
        cross_site(ctx, other, api, names)
    finally:
        srv.shutdown()
        srv.server_close()


def cross_site(ctx, other, api, names):
    pg = ctx.new_page()
    pg.goto(other + "/evil.html")
    js = """async ([api, u]) => {
      const body = (v) => JSON.stringify({info: {}, input: {u: v, p: "a-good-password", first: "A", last: "B", email: v + "@example.com"}});
      const got = [];
      try { await fetch(api, {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: body(u + "_plain")}); got.push("sent"); }
      catch (e) { got.push("blocked"); }
      try { const r = await fetch(api, {method: "POST", headers: {"Content-Type": "application/json"}, body: body(u + "_json")}); got.push(r.status); }
      catch (e) { got.push("refused"); }
      return got;
    }"""
    got = pg.evaluate(js, [api, names])
    with pg.expect_event("framenavigated", predicate=lambda fr: fr.name == "f"):
        pg.evaluate("document.getElementById('form').submit()")
    assert got == ["sent", "refused"]           # the plain one left the browser; the server refused it
    made = kic_sql("SELECT username FROM users WHERE username LIKE %s", args=(names + "%",))
    assert made == []
    # the same JSON call works once the config lists that origin: the test can see a success
    with config_lines(f'cors_origins = ["{other}"]'):
        got = pg.evaluate(js, [api, names + "ok"])
    assert got[1] == 200
    assert kic_sql("SELECT username FROM users WHERE username = %s", args=(names + "ok_json",)) == [(names + "ok_json",)]
    assert kic_sql("SELECT username FROM users WHERE username = %s", args=(names + "ok_plain",)) == []


@pytest.mark.parametrize("width", [390, 1280])
def test_the_admin_pages_fit_a_phone_and_a_desktop(browser, admin, width):
    c = browser.new_context(viewport={"width": width, "height": 844})
    c.set_default_timeout(15000)
    try:
        pg = c.new_page()
        ui_login(pg, admin["u"], admin["p"])
        if width < 768:
            # the menu folds under the toggler: Logout appears when it is opened
            expect(pg.locator("#logout")).to_be_hidden()
            pg.click("#kicnav_toggle")
        expect(pg.locator("#logout")).to_be_visible()
        box = pg.locator("#logout").bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width
        pg.click("#menu_users")
        pg.wait_for_url(re.compile(r"rpage=users"))
        expect(pg.locator("#users_table")).to_be_visible()
        # the page never scrolls sideways; a table wider than the screen scrolls inside its card
        assert pg.evaluate("document.documentElement.scrollWidth") <= width
        wide = pg.evaluate("(() => { const d = document.getElementById('users_table').parentElement; return [d.scrollWidth, d.clientWidth]; })()")
        assert wide[1] <= width, wide
        assert (wide[0] > wide[1]) == (width < 768), wide
        pg.screenshot(path=os.path.join(out_dir, f"users_{width}px.png"), full_page=True)
    finally:
        c.close()


def test_no_session_token_reaches_the_server_logs(ctx, user):
    # the sessions a browser logged in to (this test's own, and any other test's of this run), used on
    # pages and in calls: no token is in a log of the site
    pg = ctx.new_page()
    ui_login(pg, user["u"], user["p"])
    base = pg.url.split("&rpage=")[0]
    pg.goto(base)
    assert pg.evaluate("call_server('api_t_kit_list', {})")["server"]["allow"] == 1
    pg.evaluate("call_server('api_nosuch', {})")
    toks = [t for t in tokens if t]
    assert toks and user["ses"] not in toks
    assert all(find_in_sql({"table": "ses", "fld": "id", "val": ses_key(t)}) for t in toks)
    logs = ""
    for f in (logs_at + "_access.log", logs_at + "_error.log", "/var/log/apache2/error.log", config.log_file):
        if os.path.exists(f):
            logs += open(f, encoding="utf-8", errors="replace").read()
    assert '"GET /cgi-bin/p HTTP/1.1" 200' in logs and '"POST /cgi-bin/api HTTP/1.1" 200' in logs, "the site's own logs are read"
    for t in toks + [user["ses"]]:
        assert t not in logs


def test_the_content_security_policy_holds_and_blocks_nothing_of_ours(ctx, admin):
    # the policy limits scripts, styles, fetches, forms and frames to the site; every page of the
    # app still works under it (its inline handlers included) and the browser reports no violation
    from conftest import http
    st, h, t = http("/pages/login/")
    csp = {d.strip().split(" ")[0]: d.strip() for d in h["Content-Security-Policy"].split(";")}
    for d in ("default-src 'self'", "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'",
              "object-src 'none'", "base-uri 'none'"):
        assert d in csp.values(), (d, csp)
    assert csp["script-src"].startswith("script-src 'self'")
    assert "http" not in csp["script-src"]
    pg = ctx.new_page()
    bad = []
    pg.on("console", lambda m: bad.append(m.text) if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    ui_login(pg, admin["u"], admin["p"])
    base = pg.url.split("&rpage=")[0]          # this tab's own session
    for rpage in [r for r in ("profile", "mfa", "users", "dashboard", "todo") if os.path.exists(f"{top}/client/app/admin/{r}.py")]:
        pg.goto(f"{base}&rpage={rpage}")
        expect(pg.locator("#kicfooter")).to_be_attached()
    sid = pg.evaluate("sessionStorage.getItem('ses')")
    pg.click("#logout")                                     # an inline onclick (the header's) and a fetch to the API
    pg.wait_for_url(re.compile(r"/pages/login/$"))
    assert find_in_sql({"table": "ses", "what": "is_active", "fld": "id", "val": ses_key(sid)}) in (None, (0,)), "logged out"
    # and a script from elsewhere is refused (what the policy is for)
    pg.evaluate("() => { const s = document.createElement('script'); s.src = 'http://127.0.0.1:1/x.js'; document.head.appendChild(s); }")
    pg.wait_for_timeout(300)
    assert [m for m in bad if "127.0.0.1:1" in m], bad
    assert not [m for m in bad if "127.0.0.1:1" not in m], bad

# test_pages.py: the page flow and the API flow of the skeleton, in process (tests/inproc.py):
# login, sessions on pages, names never paths, answers and errors of methods, languages,
# page groups. What needs the real server (static files, headers, Apache's config, logs,
# grants) is in test_site.py, over HTTP, in both runtimes.
import re
import json
from urllib.parse import urlencode

import pytest

from tools.db_ses import ses_key
from conftest import new_user, login, clear_fails, error_log, sql, json_type, http as site_http
from inproc import api, page, http, call

pytestmark = pytest.mark.once      # in process: the first pass only


def test_login_good_and_bad_password():
    clear_fails()
    u, p, uid = new_user()
    st, a = api("api_login", {"u": u, "p": p})
    assert st == 200
    assert a["allow"] == 1
    assert re.fullmatch(r"[A-Za-z0-9_\-]{32}", a["ses"])
    st, bad = api("api_login", {"u": u, "p": p + "x"})
    assert bad["allow"] == 0
    st, unknown = api("api_login", {"u": u + "nobody", "p": p})
    assert unknown["allow"] == 0
    assert bad["msg"] == unknown["msg"]
    assert "ses" not in bad



def test_dashboard_has_header_body_footer(user):
    st, h, t = call("/cgi-bin/p", f"app=start&r=309012&ses={user['ses']}")     # the page, with its headers
    assert st == 200
    assert h["Content-Type"].startswith("text/html")
    assert "id=kicheader" in t
    assert "id=kicfooter" in t
    assert '<div class="container-fluid"><div class="row kicbody" id=zzz>' in t
    assert f"<b id=me_user>{user['u']}</b>" in t
    assert t.index("id=kicheader") < t.index("id=zzz") < t.index("id=kicfooter")
    assert h["Referrer-Policy"] == "no-referrer"



def test_rpage_is_remembered_in_the_session(user, temp_file):
    temp_file("client/app/admin/t_here.py", "def t_here(data):\n    return '<p id=t_here>here ' + data['s']['page'] + '</p>'\n")
    st, t = page("t_here", user["ses"])
    assert st == 200
    assert "<p id=t_here>here t_here</p>" in t
    assert sql.get_data("ses", ses_key(user["ses"]))["page"] == "t_here"
    st, t = page(user=user["ses"])          # no rpage: the last page again
    assert "<p id=t_here>here t_here</p>" in t
    st, t = page("nosuch", user["ses"])  # a page that failed is not remembered
    assert st == 404
    assert sql.get_data("ses", ses_key(user["ses"]))["page"] == "t_here"



def test_no_session_goes_to_login(user):
    for ses in ("", "made-up-token-0123456789abcdef", "x' OR '1'='1", "a" * 300):
        st, h, t = call("/cgi-bin/p", urlencode({"app": "start", "r": "309012", "ses": ses}))
        assert st == 302, ses
        assert h["Location"] == "/pages/login/"
        assert "id=kicheader" not in t



def test_deactivated_session_and_user_go_to_login(user):
    sql.insert_to_sql({"table": "ses", "id": ses_key(user["ses"]), "set": {"is_active": 0}})
    assert page(user=user["ses"])[0] == 302
    clear_fails()
    u, p, uid = new_user()
    ses = login(u, p)
    assert page(user=ses)[0] == 200
    sql.insert_to_sql({"table": "users", "id": uid, "set": {"is_active": 0}})
    assert page(user=ses)[0] == 302



def test_unknown_or_pathlike_pages_are_404(user):
    for rp in ("nosuchpage", "../cgi-bin/p4web", "..%2F..%2Fserver%2Fconfig", "a.b", "a/b", "/etc/passwd",
               "header", "body", "footer", "Dashboard", "dash%00board"):
        st, t = page(rp, user["ses"])
        assert st == 404, rp
        assert "Page not found" in t
        assert "Traceback" not in t
    for app in ("../start", "admin", "x.y", "%2Fetc%2Fpasswd", "sql", "config"):
        st, t = page("", user["ses"], app)
        assert st == 404, app



def test_meth_must_be_an_api_name(user):
    for m in ("checklogin", "os.system", "../api_login", "api_nosuch", "api_login.py", "API_LOGIN", "__init__"):
        st, a = api(m, {}, user["ses"])
        assert st == 404, m
        assert a["allow"] == 0
        assert a["err"] == "wrong method"



def test_malformed_json_is_a_clear_error(user):
    for raw in ("{not json", "[1, 2]", '"text"', '{"info": 3, "input": {}}', '{"input": [1]}', '{"input": "x"}', "\xff\xfe"):
        st, a = api("api_ping", raw=raw)
        assert st == 400, raw
        assert a["allow"] == 0
        assert a["err"].startswith("bad json")



def test_api_without_session_says_out():
    st, a = api("api_logout", {}, "")
    assert st == 401
    assert a["allow"] == 0
    assert a["sact"] == "out"
    st, a = api("api_logout", {}, "made-up-token-0123456789abcdef")
    assert a["sact"] == "out"



def test_api_values_keep_their_json_types(user, temp_file):
    temp_file("server/apis/api/api_t_types.py", '''
from tools.kicapi import *
def api_t_types(data):
    print("junk that must not break the JSON")
    i = data["post"]["input"]
    api_ok({"n": 3, "f": 1.5, "l": [1, {"a": None}], "echo": i, "who": data["s"]["my_user_id"]})
''')
    inp = {"x": [1, 2.5, "שלום", {"q": "\\ \" '"}], "t": True}
    st, a = api("api_t_types", inp, user["ses"])
    s = a
    assert st == 200
    assert s["allow"] == 1
    assert s["n"] == 3
    assert s["f"] == 1.5
    assert s["l"] == [1, {"a": None}]
    assert s["echo"] == inp
    assert s["who"] == user["id"]
    assert s["method"] == "api_t_types"
    assert "server_ver" in s



def test_api_err_shape(user, temp_file):
    temp_file("server/apis/api/api_t_err.py", '''
from tools.kicapi import *
def api_t_err(data):
    api_err("no such user", {"code": 7})
''')
    st, a = api("api_t_err", {}, user["ses"])
    assert a["allow"] == 0
    assert a["msg"] == "no such user"
    assert a["code"] == 7



def test_api_method_that_raises(user, temp_file):
    temp_file("server/apis/api/api_t_raise.py", '''
def api_t_raise(data):
    print("half an answer {")
    raise RuntimeError("secret detail 4242")
''')
    st, h, t = http("/cgi-bin/api?meth=api_t_raise", json.dumps({"info": {"ses": user["ses"]}, "input": {}}), "POST", json_type)
    assert st == 500
    a = json.loads(t)["server"]
    assert a["allow"] == 0
    assert a["ref"]
    assert "secret detail" not in t
    assert "Traceback" not in t
    log = error_log()
    assert a["ref"] in log
    assert "secret detail 4242" in log



def test_api_method_that_gives_no_answer(user, temp_file):
    temp_file("server/apis/api/api_t_none.py", "def api_t_none(data):\n    return 5\n")
    st, a = api("api_t_none", {}, user["ses"])
    assert st == 500
    assert a["allow"] == 0



def test_the_second_app_slot(user):
    st, t = page("", user["ses"], "weba")
    assert st == 200
    assert "<h1 class=h4 id=hello>Welcome</h1>" in t
    assert "id=kicfooter" in t
    assert page("users", user["ses"], "weba")[0] == 404     # weba has its own pages



def test_hebrew_session_gets_a_right_to_left_page(user):
    sql.add_to_data("ses", ses_key(user["ses"]), "lang", "he")
    st, t = page(user=user["ses"])
    assert st == 200
    assert "<html lang=he dir=rtl>" in t
    css = re.search(r'href="(/v/[0-9a-f]{16}/bootstrap\.rtl\.min\.css)"', t)     # versioned (flyton assets)
    assert css, t[:800]
    assert "שלום" in t, "txt('Hello') in Hebrew"
    assert "לוח בקרה" in t, "txt('Dashboard') in Hebrew"
    assert site_http(css.group(1))[0] == 200      # a static file: Apache's
    assert site_http("/lib/bootstrap.rtl.min.css")[0] == 200



def test_query_string_is_decoded_with_repeated_and_empty_keys(user, temp_file):
    temp_file("client/app/admin/t_qs.py", '''
import json, html
def t_qs(data):
    d = {k: v for k, v in data.items() if k != "s"}
    return "<pre id=d>" + html.escape(json.dumps(d, ensure_ascii=False)) + "</pre>"
''')
    st, t = page("t_qs", user["ses"], more="&x=1&x=2&e=&sp=a+b%26c&he=%D7%A9%D7%9C%D7%95%D7%9D&bad=%ZZ&n")
    import html
    d = json.loads(html.unescape(t.split("<pre id=d>")[1].split("</pre>")[0]))
    assert d["x"] == "2"
    assert d["e"] == ""
    assert d["sp"] == "a b&c"
    assert d["he"] == "שלום"
    assert d["bad"] == "%ZZ"
    assert d["n"] == ""
    assert d["r"] == "309012"
    assert d["ses"] == user["ses"]



def test_only_admins_see_the_users_menu(user, admin):
    assert "id=menu_users" in page(user=admin["ses"])[1]
    assert "id=menu_users" not in page(user=user["ses"])[1]



def test_the_error_page_leads_back_with_the_session(user, temp_file):
    temp_file("client/app/admin/t_fail.py", "def t_fail(data):\n    raise ValueError('x')\n")
    st, t = page("t_fail", user["ses"])
    assert st == 500
    m = re.search(r'id=kicback href="([^"]+)"', t)
    assert m
    assert f"ses={user['ses']}" in m.group(1)
    assert "rpage=dashboard" in m.group(1)
    import html as h2
    st, h, t = http(h2.unescape(m.group(1)))
    assert st == 200
    assert "id=kicheader" in t
    st, t = page("t_fail", "no-such-session-0123456789abcdef")
    assert st == 302



def test_pages_of_a_group_live_in_its_folder(user, temp_file):
    # tab..., test..., card_... pages are in admin/tabs/, admin/test/, admin/cards/ (tools/pagedirs.py)
    for rel, name in (("tabs", "tab_t1"), ("test", "test_t1"), ("cards", "card_t1")):
        temp_file(f"client/app/admin/{rel}/{name}.py", f"def {name}(data):\n    return '<p id=grp>{rel} {name}</p>'\n")
        st, t = page(name, user["ses"])
        assert st == 200, (name, st)
        assert f"<p id=grp>{rel} {name}</p>" in t, (name, st)
    # the group's name alone is not a way in: only the name decides the folder
    temp_file("client/app/admin/tab_t2.py", "def tab_t2(data):\n    return 'top-level tab'\n")
    temp_file("client/app/admin/tabs/other_t3.py", "def other_t3(data):\n    return 'grouped other'\n")
    assert page("tab_t2", user["ses"])[0] == 404
    assert page("other_t3", user["ses"])[0] == 404
    for bad in ("tabs.tab_t1", "tabs/tab_t1", "tabs%2Ftab_t1", "..%2Ftabs%2Ftab_t1", "cards", "tabs.__init__"):
        st, t = page(bad, user["ses"])
        assert st == 404, bad
        assert "grouped" not in t, bad
        assert "<p id=grp>" not in t, bad


# test_kicutil.py: what the kic helpers and txt() put in a page, exactly.
import pytest
import datetime
import html
import json
import re

from tools.kicutil import *
from tools.kicutil import colors, js_arg
from tools.kiclang import txt, kiclang, lang_dir

pytestmark = pytest.mark.once      # nothing here calls the site: the first pass only


def test_kicnav_encodes_every_value():
    u = kicnav("todo", "ABC_def-1", {"q": "a&b=c d", "he": "שלום", "n": 3})
    assert u.startswith("/cgi-bin/p?app=start&r=309012&ses=ABC_def-1&rpage=todo&")
    assert "q=a%26b%3Dc+d" in u
    assert "he=%D7%A9%D7%9C%D7%95%D7%9D" in u
    assert "n=3" in u
    assert kicnav("x", "s", {}, "weba").startswith("/cgi-bin/p?app=weba&")
    assert "use=" not in kicnav("x", "s", {"use": "a/b"})


def test_kicmenu_is_a_link_with_an_escaped_url():
    h = kicmenu("about", "S1", "About", "nav-link")
    assert h == '<a class="nav-link" id=menu_about href="/cgi-bin/p?app=start&amp;r=309012&amp;ses=S1&amp;rpage=about">About</a>'


def test_kicbutton_js_argument_cannot_break_out():
    h = kicbutton("todo", "S1", "Go", "btn", {"x": "\"');alert(1)//", "use": "flt/name"})
    m = re.search(r'onclick="kic_run_but\((.*)\)">Go</button>$', h)
    args = json.loads("[" + html.unescape(m.group(1)) + "]")
    assert args[0].startswith("/cgi-bin/p?app=start&r=309012&ses=S1&rpage=todo&x=")
    assert args[0].endswith("x=%22%27%29%3Balert%281%29%2F%2F")
    assert args[1] == "flt/name"
    assert '"' not in m.group(1)


def test_kicbutton0_loads_the_script_once():
    # its versioned name (flyton assets ran for the test instance: tools/kicasset.py)
    assert re.match(r'^<script src="/v/[0-9a-f]{16}/kicbutton\.js"></script>$', kicbutton0()), kicbutton0()


def test_kiccard_options():
    h = kiccard("Title", "Sub", "Explain", "Open", "S1", "todo",
                {"width": 200, "cls": "extra", "color": "red", "icon": "/lib/i.png", "but_cls": "btn btn-sm"})
    assert 'class="card m-2 border-danger extra"' in h
    assert 'style="width: 200px"' in h
    assert '<img src="/lib/i.png" class=kicicon alt="">' in h
    assert "Sub</h6>" in h
    assert "Explain" in h
    assert 'class="btn btn-sm" onclick="kic_run_but(' in h
    assert "rpage=todo" in h
    bare = kiccard("T", "", "E")
    assert "<button" not in bare
    assert "<h6" not in bare
    assert "style=" not in bare
    assert "border-success" in kiccard("T", "", "E", more={"color": "green"})


def test_kic_collapse():
    h = kic_collapse("More", "Hidden text", "Open", "S1", "about")
    assert 'data-bs-target="#col_about"' in h
    assert "id=col_about" in h
    assert "Hidden text" in h
    assert "rpage=about" in h


def test_kicselect_escapes_data():
    h = kicselect("cat", "Category", {"value": 2, "empty": "-", "data": [(1, "<b>one</b>"), (2, 'two "2"')]})
    assert '<option value="">-</option>' in h
    assert '<option value="1">&lt;b&gt;one&lt;/b&gt;</option>' in h
    assert '<option value="2" selected>two &quot;2&quot;</option>' in h
    assert " disabled" in kicselect("c", "C", {"disable": 1})
    assert " disabled" not in h


def test_kicinput_escapes_the_value():
    h = kicinput("name", "Name", 'say "hi"', {"value": '"><script>x</script>', "onchange": "go(1)"})
    assert 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in h
    assert "<script>" not in h
    assert 'placeholder="say &quot;hi&quot;"' in h
    assert 'onchange="go(1)"' in h
    assert "id=name_err" in h


def test_kic_date_formats():
    # the original Flyton's formats, as the contract lists them
    d = datetime.date(2024, 3, 9)
    assert kic_date(d, "-") == "2024-03-09"
    assert kic_date(d, "y0") == "2024"
    assert kic_date(d, 8) == "09-03-2024"
    assert kic_date(d, "disp") == "09-03-2024"
    assert kic_date(d, "8") == "09-03-2024"
    assert kic_date(d, 6) == "03/09/2024"
    assert kic_date(d, 3) == 20240309
    assert kic_date(d, "int") == 20240309
    assert kic_date(datetime.datetime(2024, 3, 9, 14, 5), "%H:%M") == "14:05"
    assert kic_date("2024-03-09 14:05:00", "%d.%m.%Y %H:%M") == "09.03.2024 14:05"
    assert kic_date("2024-03-09T14:05:00", "%H:%M") == "14:05"
    assert kic_date("09-03-2024", "-") == "2024-03-09"
    assert kic_date("20240309", "disp") == "09-03-2024"
    now = datetime.datetime.now()
    assert kic_date("", "-") == now.strftime("%Y-%m-%d")
    assert kic_date("now", "y0") == now.strftime("%Y")
    assert kic_date("now", "%H") in (now.strftime("%H"), (now + datetime.timedelta(hours=1)).strftime("%H"))
    assert kic_date(datetime.date(2026, 1, 5)) == "2026-01-05"
    assert kic_date("not a date", "-") == ""


def test_esc():
    assert esc("<a href='x'>&</a>") == "&lt;a href=&#x27;x&#x27;&gt;&amp;&lt;/a&gt;"
    assert esc(None) == ""
    assert esc(5) == "5"


def test_txt_keeps_spaces_and_unknown_text():
    kiclang("en")
    assert txt("Hello") == "Hello"
    assert txt(" Hello ", "world ") == " Hello world "
    kiclang("he")
    try:
        assert txt("Hello") == "שלום"
        assert txt("  Hello ", "Logout") == "  שלום יציאה"
        assert txt("no such words") == "no such words"
        assert lang_dir() == "rtl"
    finally:
        kiclang("en")
    assert lang_dir() == "ltr"


def test_kicnav_is_urlencode_whatever_the_values():
    # kicnav joins plain names as they are (fast) and encodes the rest: the URL is always urlencode's
    import urllib.parse
    for more in ({}, {"q": "x&y=z"}, {"q": "a%25"}, {"pg": 3}, {"a=b": "c"}, {"k": "v=w"}, {"k": ""}, {"k": "é"},
                 {"k": "a b"}, {"k": "<script>"}, {"k": "1\n2"}, {"use": "flt", "flt": "done"}):
        q = {"app": "start", "r": "309012", "ses": "tok-_.~9", "rpage": "todo"}
        q.update({k: v for k, v in more.items() if k != "use"})
        assert kicnav("todo", "tok-_.~9", more) == "/cgi-bin/p?" + urllib.parse.urlencode(q), more
    # no more keys (the common link): the page, the session and the app are still encoded when not plain
    for pg, ses, app in (("to do", "t", "start"), ("x", "a&b", "start"), ("x", "t", "w=1"), ("é", "t", "start"), (3, "t", "start")):
        q = {"app": app, "r": "309012", "ses": ses, "rpage": pg}
        assert kicnav(pg, ses, {}, app) == "/cgi-bin/p?" + urllib.parse.urlencode(q), (pg, ses, app)
        assert kicnav(pg, ses, None, app) == "/cgi-bin/p?" + urllib.parse.urlencode(q), (pg, ses, app)


def test_menus_buttons_and_cards_of_plain_names_are_what_the_general_path_makes():
    # kicmenu and kicbutton skip kicnav, esc and js_arg for a plain page and token, kiccard the
    # class's work when no color or cls is given: the HTML must be the same as the general way's
    for pg, ses, app in (("todo", "tok-_.~9", "start"), ("x", "", "start"), ("", "t", "start"), ("to do", "t", "start"),
                         ("x", "a&b", "start"), ("é", "t", "start"), (3, "t", "start"), ("x", "t", "weba"), ("x", None, "start"),
                         ('a"b', "t", "start"), ("x", "t<", "w=1")):
        url = kicnav(pg, ses, {}, app)
        if app == "start":
            assert kicmenu(pg, ses, "T", "nav-link") == f'<a class="nav-link" id=menu_{esc(pg)} href="{esc(url)}">T</a>', (pg, ses)
        want = f'<button type=button class="btn" onclick="kic_run_but({esc(json.dumps(url))}, {esc(json.dumps(""))})">Go</button>'
        assert kicbutton(pg, ses, "Go", "btn", {}, app) == want, (pg, ses, app)
        assert kicbutton(pg, ses, "Go", "btn", None, app) == want, (pg, ses, app)
    for m in ({}, {"width": 260}, {"color": "red"}, {"cls": "x y"}, {"color": "blue", "cls": "<b>"}, {"color": None}, {"cls": ""}):
        cls = esc(f"card m-2 {colors.get(m.get('color', ''), '')} {m.get('cls', '')}".strip())
        assert kiccard("T", "", "E", more=m).startswith(f'<div class="{cls}" '), m


def test_js_arg_of_a_url_is_what_json_and_esc_make_of_it():
    # js_arg skips json.dumps for a plain URL: the text must be the same either way
    for s in ("/cgi-bin/p?app=start&r=309012&ses=a-b_c.d~e&rpage=x%20", "", 'a"b', "<", "x y", "é", "\\", "\n",
              "a+b%2F/?", "&amp;", "'", 5, None):
        assert js_arg(s) == esc(json.dumps(s)), s

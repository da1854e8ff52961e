# test_edit.py: inline editing (tools/kicedit.py, api_edit, client/lib/kicedit.js): what a
# page marks is what may be saved, by whom the table's db_ file says, with its checks. Over
# HTTP on the tests' kit (tests/kit), and in Chromium on the demo's todo page and the admin's users page.
import re
import secrets

import pytest

from conftest import site, login, new_user, chromium_page, needs_demo
from inproc import api, page     # the browser's tests go to the site
from tools.sql import *
from tools.kicedit import edit_key


def add_todo(ses, name, meth="api_t_kit_add"):
    # a row of the tests' kit (tests/kit), or with meth="api_todo_add" a todo of the demo app
    st, a = api(meth, {"name": name}, ses)
    assert a["allow"] == 1
    return a["id"]


def mark(ses, rpage, table, id, field, more=""):
    # the mark the page drew for this value
    st, t = page(rpage, ses, more=more)
    m = re.search(rf"id=ed_{table}_{id}_{field} [^>]*data-k=([0-9a-f]+)", t)
    assert m, f"no editable {table} {id} {field} on {rpage}"
    return m.group(1)


def edit(ses, t, i, f, k, v):
    return api("api_edit", {"t": t, "i": i, "f": f, "k": k, "v": v}, ses)[1]


def name_of(id, table="t_kit"):
    return kic_sql(f"SELECT name FROM {table} WHERE id = %s", args=(id,))[0][0]


@pytest.mark.once
def test_a_marked_value_is_saved_after_its_checks(user):
    id = add_todo(user["ses"], "first title")
    k = mark(user["ses"], "t_kit", "t_kit", id, "name")
    a = edit(user["ses"], "t_kit", id, "name", k, "  renamed in place ")
    assert a["allow"] == 1
    assert a["v"] == "renamed in place"
    assert name_of(id) == "renamed in place"
    for bad in ("", "   ", "x" * 201, "a\x00b", None, ["x"], {"a": 1}):
        a = edit(user["ses"], "t_kit", id, "name", k, bad)
        assert a["allow"] == 0, bad
        assert a["err"], bad
    assert name_of(id) == "renamed in place"


@pytest.mark.once
def test_the_mark_is_for_one_session_row_and_field(user):
    id = add_todo(user["ses"], "mine")
    other_id = add_todo(user["ses"], "mine too")
    k = mark(user["ses"], "t_kit", "t_kit", id, "name")
    later = login(user["u"], user["p"])                         # the same user, another tab
    u2, p2, uid2 = new_user()
    s2 = login(u2, p2)
    for ses, t, i, f, kk in ((user["ses"], "t_kit", id, "name", "0" * 40), (user["ses"], "t_kit", id, "name", ""),
                             (user["ses"], "t_kit", other_id, "name", k), (user["ses"], "t_kit", id, "done", k),
                             (user["ses"], "t_kit", id, "user_id", k), (user["ses"], "users", id, "name", k),
                             (later, "t_kit", id, "name", k), (s2, "t_kit", id, "name", k)):
        a = edit(ses, t, i, f, kk, "taken over")
        assert a["allow"] == 0, (t, i, f)
    assert name_of(id) == "mine"
    assert name_of(other_id) == "mine too"


@pytest.mark.once
def test_only_what_the_db_file_allows_and_only_rows_the_user_may_change(user, admin):
    # marks made here with the site's own key: even a right mark gets no further than the rules
    ses, uid = user["ses"], user["id"]
    id = add_todo(ses, "mine")
    for t, i, f in (("t_kit", id, "user_id"), ("t_kit", id, "is_active"), ("ses", 1, "data"), ("gen", 101, "val1"),
                    ("users", uid, "Roles"), ("users", uid, "sis"), ("../x", 1, "name"), ("t_kit", id, "name`")):
        a = edit(ses, t, i, f, edit_key(ses, t, i, f), "x")
        assert a["allow"] == 0, (t, f)
    u2, p2, uid2 = new_user()
    theirs = add_todo(login(u2, p2), "theirs")
    assert edit(ses, "t_kit", theirs, "name", edit_key(ses, "t_kit", theirs, "name"), "mine now")["allow"] == 0
    assert name_of(theirs) == "theirs"
    # names: the user their own, an admin anyone's
    assert edit(ses, "users", uid2, "FirstName", edit_key(ses, "users", uid2, "FirstName"), "Eve")["allow"] == 0
    assert edit(ses, "users", uid, "FirstName", edit_key(ses, "users", uid, "FirstName"), "Me")["allow"] == 1
    k = mark(admin["ses"], "users", "users", uid2, "LastName", f"&q={u2}")
    a = edit(admin["ses"], "users", uid2, "LastName", k, "  Cohen ")
    assert a["allow"] == 1
    assert a["v"] == "Cohen"
    assert kic_sql("SELECT FirstName, LastName FROM users WHERE id = %s", args=(uid2,)) == [("Test", "Cohen")]


def ui_login(pg, u, p, rpage, more=""):
    # logged in as a person does (the tab keeps its session), then on the page
    from playwright.sync_api import expect
    pg.goto(site + "/pages/login/")
    pg.fill("#u", u)
    pg.fill("#p", p)
    pg.click("#go")
    expect(pg.locator("#kicheader")).to_be_visible()
    pg.click(f"#menu_{rpage}")
    if more:
        pg.goto(pg.url + more)
    expect(pg.locator("#kicheader")).to_be_visible()


@pytest.mark.browser
@needs_demo
def test_rename_a_todo_in_place_and_an_admin_renames_a_user(user, admin, browser):
    from playwright.sync_api import expect
    id = add_todo(user["ses"], "water plants", "api_todo_add")
    with chromium_page(browser) as pg:
        ui_login(pg, user["u"], user["p"], "todo")
        e = f"#ed_todo_{id}_name"
        pg.click(e)
        pg.fill(e + "_in", "water the plants")
        pg.press(e + "_in", "Enter")
        expect(pg.locator(e)).to_have_text("water the plants")
        assert name_of(id, "todo") == "water the plants"
        pg.click(e)                                   # Escape: nothing changes
        pg.fill(e + "_in", "something else")
        pg.press(e + "_in", "Escape")
        expect(pg.locator(e)).to_have_text("water the plants")
        pg.click(e)                                   # refused: the word next to it, the old value back
        pg.fill(e + "_in", "")
        pg.press(e + "_in", "Enter")
        expect(pg.locator(e + "_err")).not_to_be_empty()
        expect(pg.locator(e)).to_have_text("water the plants")
        assert name_of(id, "todo") == "water the plants"
        pg.reload()
        expect(pg.locator(e)).to_have_text("water the plants")
    u2, p2, uid2 = new_user()
    with chromium_page(browser) as pg:
        ui_login(pg, admin["u"], admin["p"], "users", f"&q={u2}")
        e = f"#ed_users_{uid2}_FirstName"
        pg.click(e)
        pg.fill(e + "_in", "Dana")
        pg.press(e + "_in", "Enter")
        expect(pg.locator(e)).to_have_text("Dana")
    assert kic_sql("SELECT FirstName FROM users WHERE id = %s", args=(uid2,)) == [("Dana",)]

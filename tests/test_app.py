# test_app.py: the demo app's pages and methods, in process (tests/inproc.py): register, todos
# (only your own), profile, the admin's page, health. The browser side is in test_browser.py.
import re
import secrets

import pytest

from conftest import login, new_user, clear_fails, needs_demo, demo_here
from inproc import api, page
from tools.sql import *

pytestmark = pytest.mark.once


def test_register_validates_and_creates_a_plain_user():
    u = "r_" + secrets.token_hex(4)
    good = {"u": u, "p": "longenough", "first": "Dana", "last": "Levi", "email": f"Dana.{u}@Example.com"}
    for k, v in (("u", "ab"), ("u", "no spaces"), ("p", "short"), ("email", "nope"), ("first", "x" * 61)):
        st, a = api("api_register", dict(good, **{k: v}))
        assert a["allow"] == 0, (k, v)
        assert a["fld"] == k, (k, v)
    st, a = api("api_register", good)
    assert a["allow"] == 1
    w = get_record("users", a["user_id"])
    # the address is the user's once its mailed link is opened (test_mail.py follows one)
    assert w["username"] == u
    assert w["email"] is None
    assert parse_json(w["Roles"]) == ["user"]
    assert a["pending"] == f"dana.{u}@example.com"
    st, a = api("api_register", good)
    assert a["allow"] == 0
    assert a["fld"] == "u"
    clear_fails()
    assert login(u, "longenough")


@needs_demo
def test_todo_crud(user):
    s = user["ses"]
    ids = [api("api_todo_add", {"name": n}, s)[1]["id"] for n in ("one", "two", "three")]
    assert api("api_todo_done", {"id": ids[0], "done": 1}, s)[1]["allow"] == 1
    assert api("api_todo_edit", {"id": ids[1], "name": "two, renamed"}, s)[1]["allow"] == 1
    assert api("api_todo_del", {"id": ids[2]}, s)[1]["allow"] == 1
    st, a = api("api_todo_list", {}, s)
    got = {t["id"]: (t["name"], t["done"]) for t in a["todos"]}
    assert got == {ids[0]: ("one", 1), ids[1]: ("two, renamed", 0)}
    assert a["count"] == {"open": 1, "done": 1}
    assert find_in_sql({"table": "todo", "what": "is_active", "fld": "id", "val": ids[2]}) == (0,)   # kept, inactive
    st, a = api("api_todo_list", {"flt": "done"}, s)
    assert [t["id"] for t in a["todos"]] == [ids[0]]


@needs_demo
def test_todo_input_is_checked_with_a_message_for_the_field(user):
    for bad in ("", "   ", "x" * 201, "tab\there"):
        st, a = api("api_todo_add", {"name": bad}, user["ses"])
        assert a["allow"] == 0
        assert a["fld"] == "name"
        assert a["msg"].startswith("Title")
    for bad_id in ("abc", None, 99999999, "1 OR 1=1"):
        st, a = api("api_todo_done", {"id": bad_id}, user["ses"])
        assert a["allow"] == 0
        assert a["msg"] == "No such todo"


@needs_demo
def test_a_user_cannot_touch_another_users_todo(user):
    id = api("api_todo_add", {"name": "mine only"}, user["ses"])[1]["id"]
    clear_fails()
    u2, p2, uid2 = new_user()
    s2 = login(u2, p2)
    for m, inp in (("api_todo_done", {"id": id, "done": 1}), ("api_todo_edit", {"id": id, "name": "taken"}),
                   ("api_todo_del", {"id": id})):
        st, a = api(m, inp, s2)
        assert a["allow"] == 0
        assert a["msg"] == "No such todo"
    st, a = api("api_todo_list", {}, s2)
    assert a["todos"] == []
    st, t = page("todo", s2)
    assert "mine only" not in t
    assert find_in_sql({"table": "todo", "what": "name,done,is_active", "fld": "id", "val": id}) == ("mine only", 0, 1)


def test_password_and_phone(user):
    s = user["ses"]
    st, a = api("api_password", {"old": "wrong", "new": "newpassword1"}, s)
    assert a["allow"] == 0
    assert a["fld"] == "old"
    st, a = api("api_password", {"old": user["p"], "new": "short"}, s)
    assert a["allow"] == 0
    assert a["fld"] == "new"
    st, a = api("api_password", {"old": user["p"], "new": "newpassword1"}, s)
    assert a["allow"] == 1
    clear_fails()
    assert api("api_login", {"u": user["u"], "p": user["p"]})[1]["allow"] == 0
    assert login(user["u"], "newpassword1")
    st, a = api("api_phone", {"phone": "050-12x"}, s)
    assert a["allow"] == 0
    assert a["fld"] == "phone"
    st, a = api("api_phone", {"phone": "+972 (50) 123-4567"}, s)
    assert a["phone"] == "+972501234567"
    assert get_data("users", user["id"])["phone"] == "+972501234567"
    clear_fails()


def test_admin_page_and_deactivation(user, admin):
    st, t = page("users", admin, more={"q": user["u"]})
    assert st == 200
    assert f"<td>{user['u']}</td>" in t
    if demo_here():
        assert "id=todos_table" in t          # the demo's todos of the users found
    st, t = page("users", user)
    assert st == 403
    st, a = api("api_user_off", {"id": admin["id"]}, user["ses"])
    assert st == 403
    assert a["allow"] == 0
    st, a = api("api_user_off", {"id": admin["id"]}, admin["ses"])
    assert a["allow"] == 0          # not yourself
    st, a = api("api_user_off", {"id": user["id"]}, admin["ses"])
    assert a["allow"] == 1
    assert page("", user)[0] == 302         # their sessions end
    clear_fails()
    assert api("api_login", {"u": user["u"], "p": user["p"]})[1]["allow"] == 0


def test_health():
    st, a = api("ping")
    assert st == 200
    assert a["db"] == 1


def test_big_and_bad_files_are_refused(user):
    st, a = api("api_t_kit_list", {"b64_file_x": "A" * (8 * 1024 * 1024)}, user["ses"])
    assert st == 413
    assert "file too large" in a["err"]
    st, a = api("api_t_kit_list", {"b64_file_x": "not base64!"}, user["ses"])
    assert st == 400
    assert a["err"] == "bad file data"


def test_the_users_page_pages_and_finds_in_the_database(admin):
    tag = "t_pg" + secrets.token_hex(3)
    kic_sql("INSERT INTO users (username, Roles, data) SELECT CONCAT(%s, LPAD(n, 3, '0')), '[\"user\"]', '{}' FROM "
            "(SELECT a.i * 10 + b.i AS n FROM (SELECT 0 i UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 "
            "UNION SELECT 6 UNION SELECT 7 UNION SELECT 8 UNION SELECT 9 UNION SELECT 10 UNION SELECT 11) a, "
            "(SELECT 0 i UNION SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 "
            "UNION SELECT 7 UNION SELECT 8 UNION SELECT 9) b) s", args=(tag + "_",))
    assert count_in_sql({"table": "users", "where": {"username": ("like", tag)}})[0] == 120

    def shown(more):
        st, t = page("users", admin, more=more)
        assert st == 200
        return re.findall(rf"<td>({tag}_\d+)</td>", t), t
    names, t = shown(f"&q={tag}")
    assert names == [f"{tag}_{i:03d}" for i in range(50)]
    assert "id=users_next" in t
    assert "id=users_prev" not in t
    assert "1-50 / 120" in t
    names, t = shown(f"&q={tag}&pg=3")
    assert names == [f"{tag}_{i:03d}" for i in range(100, 120)]
    assert "id=users_next" not in t
    assert "id=users_prev" in t
    assert shown(f"&q={tag}&pg=999")[0] == names                 # past the end: the last page
    for bad in ("abc", "-1", "0", "1e3", "%27"):
        assert shown(f"&q={tag}&pg={bad}")[0][:1] == [f"{tag}_000"]
    names, t = shown(f"&q={tag}_11")
    assert names == [f"{tag}_{i}" for i in range(110, 120)]
    names, t = shown(f"&q={tag}%25")                             # with % it is a pattern: names starting so
    assert len(names) == 50
    assert shown(f"&q={tag}x")[0] == []
    assert "0 / 0" in shown(f"&q={tag}x")[1]

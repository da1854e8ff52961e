# test_docs.py: the examples of README.md run as printed.
import re

from conftest import api, page, top


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
    st, h, t = page(user["ses"], "about")
    assert st == 200 and f"Hello {user['u']}" in t and "rpage=dashboard" in t
    st, a = api("api_hello", {"name": "Dana"}, user["ses"])
    assert a["server"]["allow"] == 1 and a["server"]["greeting"] == "hello Dana" and a["server"]["n"] == 3
    st, a = api("api_hello", {"name": ""}, user["ses"])
    assert a["server"]["allow"] == 0 and a["server"]["msg"].startswith("name:")

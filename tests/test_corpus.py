# test_corpus.py: a corpus of hostile input sent to every API method and every page
# parameter. Whatever comes in, the answer is a clean 4xx or 200 (an API answer is
# always one JSON object), never a 500, and no traceback lands in a log. In process
# (tests/inproc.py), 4 threads at once as the persistent runtime's are; what Apache does
# to a hostile request before Python sees it is test_hostile.py's, over HTTP.
import os
import json
import glob
from urllib.parse import quote
from concurrent.futures import ThreadPoolExecutor

import pytest

import inproc
from conftest import top, log_mark, new_user, login, clear_fails
from tools.sql import *

pytestmark = pytest.mark.once

texts = [
    "", " ", "'", '"', "\\", "`", "' OR '1'='1", "'; DROP TABLE users; --", "1; SELECT SLEEP(5)", "%", "_",
    "%s", "%(id)s", "?", "\x00", "a\x00b", "\r\n", "\r\nSet-Cookie: x=1", "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>', "{{7*7}}", "${7*7}", "../../../../etc/passwd", "/etc/passwd",
    "..\\..\\boot.ini", "file:///etc/passwd", "__init__", "__import__('os')", "$.a", "users", "null", "NaN",
    "Infinity", "1e400", "-1", "0", "9" * 400, "x" * 70000, "ש" * 5000, "🎉" * 1000, "\u202e", "\ufeff",
    "\u200b", "ａｄｍｉｎ", "ſ", "İ", "a\u0301", "\ue000", "\uffff", "\U0010ffff", "a\ud800b", "\udc00",
]
deep = []
for i in range(900):
    deep = [deep]
others = [None, True, False, 0, -1, -2 ** 63, 2 ** 64, 10 ** 30, 1e308, 0.5, -0.0, [], {}, [1, "a"], {"a": 1},
          {"$gt": ""}, ["'"] * 200, deep]
fields = ["u", "p", "id", "name", "code", "old", "new", "first", "last", "email", "phone", "flt", "done", "file_x"]
# input that passes the checks, so a hostile value in one field reaches the code after them
# (id: no such row, so nothing real is deleted or turned off)
good = {"u": "t_corpus", "p": "a-good-password-1", "id": 99999999, "name": "a name", "code": "123456",
        "old": "a-good-password-1", "new": "another-password-2", "first": "A", "last": "B",
        "email": "a@example.com", "phone": "+972501234567", "flt": "all", "done": 1, "file_x": ""}
raw_bodies = [
    b"", b"null", b"[]", b'"x"', b"1", b"{", b"}", b"{}" * 2, b'{"info": 1}', b'{"info": [], "input": {}}',
    b'{"input": []}', b'{"input": "x"}', b'{"input": null}', b'{"info": {"ses": {"$ne": 1}}}',
    b'{"info": {}, "input": {"u": ' + b"[" * 100000 + b"]" * 100000 + b"}}",
    b'{"info": {}, "input": {"u": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b"}}",
    b"\xff\xfe", b'{"info": {}, "input": {"id": Infinity}}', b'{"info": {}, "input": {"id": NaN}}',
    b'{"info": {}, "input": {"id": -Infinity}}', b'{"info": {}, "input": {"id": 1e400}}',
    b'{"info": {}, "input": {"id": 1' + b"0" * 5000 + b"}}",
    b'{"info": {}, "input": {"u": "\\ud800"}}', b'{"info": {}, "input": {"u": "\\udfff\\ud800"}}',
    b'{"info": {}, "input": {"id": 1, "id": "x"}}', b'{"info": {}, "input": {"b64_file_x": "!!!"}}',
    b'{"info": {}, "input": {"b64_file_x": 12}}', b'{"info": {}, "input": {"b64_file_x": "' + b"A" * 8000001 + b'"}}',
    b'{"info": {}, "input": {' + b", ".join(b'"k%d": %d' % (i, i) for i in range(20000)) + b"}}",
]
methods = sorted(os.path.basename(f)[:-3] for f in glob.glob(f"{top}/server/apis/api/api_*.py"))


def send(how, path, body=None, hdr=None):
    # (status, text) of one request (each thread has its own request context and connection)
    p, _, qs = path.partition("?")
    h = dict(hdr or {})
    st, hs, t = inproc.call(p, qs, body or b"", h.pop("Content-Type", ""), how, h)
    return st, t


def as_api(meth, body):
    st, t = send("POST", f"/cgi-bin/api?meth={meth}", body, {"Content-Type": "application/json"})
    try:
        a = json.loads(t)["server"]
        ok = a["allow"] in (0, 1) and (a["allow"] == 1 or a.get("err") or a.get("msg"))
    except (ValueError, KeyError, TypeError):
        ok = 0
    return (meth, body[:80], st, t[:200]) if st >= 500 or not ok else None


def api_bodies(ses):
    # every value in every field a method reads at once, then in one field of good input; a live session
    vals = texts + others
    out = [json.dumps({"info": {"ses": ses, "uses": ses}, "input": {f: v for f in fields}}).encode() for v in vals]
    for j in (0, 5):
        for i, v in enumerate(vals):
            f = fields[(i + j) % len(fields)]
            out.append(json.dumps({"info": {"ses": ses, "uses": ses}, "input": dict(good, **{f: v})}).encode())
    out += [b.replace(b'"info": {}', b'"info": {"ses": "%s"}' % ses.encode()) for b in raw_bodies]
    return out


def run_all(jobs, f):
    with ThreadPoolExecutor(4) as ex:
        return [x for x in ex.map(lambda j: f(*j), jobs) if x]


@pytest.fixture(scope="module")
def log_new():
    clear_fails()
    yield log_mark()
    clear_fails()


def test_every_api_method_answers_hostile_input_with_clean_json(log_new):
    users0 = kic_sql("SELECT COUNT(*) FROM users WHERE is_active = 1")[0][0]
    jobs = []
    for meth in methods + ["api_nope", "x" * 300, "../api_ping", "api_ping\n"]:
        u, p, uid = new_user()
        jobs += [(quote(meth), b) for b in api_bodies(login(u, p))]
    u, p, uid = new_user(["admin"])
    jobs += [("api_user_off", b) for b in api_bodies(login(u, p))]
    assert len(jobs) > 200 * len(methods)
    bad = run_all(jobs, as_api)
    assert bad == [], bad[:5]
    assert "Traceback" not in log_new()
    assert kic_sql("SELECT COUNT(*) FROM users WHERE is_active = 1")[0][0] >= users0


def test_the_session_fields_take_any_value(log_new):
    jobs = []
    for v in texts + others:
        for info in ({"ses": v}, {"ses": v, "uses": v}, {"uses": v}, {"os": v, "ses": v}):
            jobs.append(("api_t_kit_list", json.dumps({"info": info, "input": {}}).encode()))
    bad = run_all(jobs, as_api)
    assert bad == [], bad[:5]
    assert "Traceback" not in log_new()


def as_page(q, body=None):
    hdr = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    st, t = send("POST" if body is not None else "GET", "/cgi-bin/p?" + q, body, hdr)
    ok = st < 500 and "Traceback" not in t
    return None if ok else (q[:80], st, t[:200])


def test_every_page_parameter_answers_hostile_input_with_a_page(log_new):
    clear_fails()           # the corpus failed logins from this address
    u, p, uid = new_user()
    ses = login(u, p)
    base = {"app": "start", "r": "309012", "ses": ses, "rpage": "dashboard", "flt": "all"}
    vals = [quote(v.encode("utf-8", "surrogatepass"), safe="") for v in texts] + ["%zz", "%", "%00", "&", "=", "+", "%ff%fe", "a%0a"]
    jobs = []
    for k in list(base) + ["x"]:
        for v in vals:
            q = dict(base)
            q[k] = None
            jobs.append(("&".join(f"{a}={b}" for a, b in q.items() if b is not None) + f"&{k}={v}",))
    for v in vals[:40]:
        jobs.append((f"app=start&ses={ses}", f"rpage={v}&flt={v}".encode()))
    au, ap, aid = new_user(["admin"])
    ases = login(au, ap)
    for v in vals:                        # the users page's search and page number, as its admin
        jobs.append((f"app=start&r=309012&ses={ases}&rpage=users&q={v}",))
        jobs.append((f"app=start&r=309012&ses={ases}&rpage=users&q=t_&pg={v}",))
    # every file of the project's admin app (its pages, and the modules that are no page), and names of none
    mine = sorted(f[:-3] for f in os.listdir(f"{top}/client/app/admin") if f.endswith(".py"))
    for rpage in mine + ["about", "__init__", "_x", "nosuch"]:
        jobs.append((f"app=start&r=309012&ses={ses}&rpage={rpage}&flt=%27",))
    assert len(jobs) > 300
    bad = run_all(jobs, as_page)
    assert bad == [], bad[:5]
    assert "Traceback" not in log_new()

# inproc.py: the in-process test client. page() and api() call the WSGI entry of the
# persistent runtime (server/cgi-bin/p4wsgi.py) directly, in this process, on the test
# database: the same front controllers, session, pages and methods as over HTTP, without
# Apache, so a page's or a method's tests take milliseconds. As on the site, the request's
# database account is the site's (rows only), whatever the test's own is. What needs a real server
# (the runtimes, Apache's config, headers on the wire, TLS, the browser) is tested over HTTP.
#   st, h = page("todo", user)                 (status, html)
#   st, a = api("api_todo_add", {"name": "x"}, user)     (status, the "server" dict)
# conftest.py's api() and page() are the same calls over HTTP, to the site.
import io
import json
import threading
import contextlib
from urllib.parse import urlencode

import p4wsgi
from tools import sql
from conftest import ses_of

host = "127.0.0.1:8091"
sites = threading.local()     # per thread: its connection as the site's account, kept between calls


@contextlib.contextmanager
def as_site():
    # the request runs as the site does: on a connection of the site's database account (rows
    # only, no tables), not on the test's own (the owner's, that makes the tests' tables). The
    # thread's connection is swapped for the time of the block, and kept for the next one.
    mine = dict(sql.local.__dict__)
    sql.local.__dict__.clear()
    sql.local.__dict__.update(getattr(sites, "state", {"db": None, "tx": 0, "pid": 0, "used": 0}))
    sql.local.site = 1
    try:
        yield
    finally:
        sites.state = dict(sql.local.__dict__)
        sql.local.__dict__.clear()
        sql.local.__dict__.update(mine)


def site_sql(q, args=()):
    # one statement on the site's connection of this thread (a test that makes it fail: LOCK TABLES)
    with as_site():
        return sql.sql(q, args)


def call(path, qs, body=b"", ctype="", method="GET", headers=None, addr="127.0.0.1", raw=0):
    # (status, headers dict, body text; raw=1: bytes) of one request to the WSGI entry
    info = ""
    if path.startswith("/pages/files/"):
        path, info = "/pages/files", path[len("/pages/files"):]     # as Apache's WSGIScriptAlias splits it
    env = {"REQUEST_METHOD": method, "SCRIPT_NAME": path, "PATH_INFO": info, "QUERY_STRING": qs,
           "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8091", "SERVER_PROTOCOL": "HTTP/1.1",
           "HTTP_HOST": host, "REMOTE_ADDR": addr, "wsgi.url_scheme": "http",
           "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)) if body else ""}
    if ctype:
        env["CONTENT_TYPE"] = ctype
    for k, v in (headers or {}).items():
        env["HTTP_" + k.upper().replace("-", "_")] = v
    got = {}

    def start_response(status, hs):
        got["status"] = int(status.split()[0])
        got["headers"] = dict(hs)

    with as_site():
        out = p4wsgi.application(env, start_response)
        b = b"".join(out)
        if hasattr(out, "close"):
            out.close()      # the jobs left for after the answer run now, as mod_wsgi runs them
    if raw:
        return got["status"], got["headers"], b
    return got["status"], got["headers"], b.decode("utf-8", "replace")


def file(url, headers=None, method="GET"):
    # (status, headers, bytes) of an uploaded file's URL, /pages/files/<name>
    return call(url, "", method=method, headers=headers, raw=1)


def page(rpage="", user=None, app="start", more=None):
    # (status, html) of /cgi-bin/p?app=..&r=309012&ses=..&rpage=..; more: a dict of more keys,
    # or a query string as it would be in the URL ("&q=a%25")
    q = {"app": app, "r": "309012", "ses": ses_of(user)}
    if rpage:
        q["rpage"] = rpage
    if isinstance(more, dict):
        q.update(more)
    st, h, t = call("/cgi-bin/p", urlencode(q) + (more if isinstance(more, str) else ""))
    return st, t


def api(meth, inp=None, user=None, uses="", raw=None, addr="127.0.0.1", rid=""):
    # (status, the answer's "server" dict) of a call like call_server(meth, inp); rid: its request id
    info = {"os": "a", "ses": ses_of(user), "uses": uses}
    if rid:
        info["rid"] = rid
    body = raw if raw is not None else json.dumps({"info": info, "input": inp or {}})
    if isinstance(body, str):
        body = body.encode("utf-8")
    st, h, t = call("/cgi-bin/api", urlencode({"meth": meth}), body, "application/json", "POST", addr=addr)
    return st, json.loads(t)["server"]


def http(path, body=None, method=None, headers=None):
    # conftest.http for /cgi-bin/p and /cgi-bin/api, in process: (status, headers, text)
    p, _, qs = path.partition("?")
    b = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    h = dict(headers or {})
    ctype = h.pop("Content-Type", "")
    return call(p, qs, b, ctype, method or ("POST" if body is not None else "GET"), h)


def run_jobs(ids, s=30):
    # runs the due jobs here, as a worker does, until each job of ids has ended (the test instance's own
    # worker may take some first): {id: its state, "done" or "failed"}
    import time
    from tools import kicjob
    end = time.monotonic() + s
    left = set(ids)
    got = {}
    while left and time.monotonic() < end:
        with as_site():
            j = kicjob.claim("test:" + kicjob.me(), [], 1)
            if j:
                kicjob.run_one(j, lambda m, ref="": None)
            rows = sql.sql("SELECT id, state FROM jobs WHERE id IN (" + ",".join(["%s"] * len(left)) + ")", list(left))[0]
        for i, st in rows:
            if st in ("done", "failed"):
                got[i] = st
                left.discard(i)
        if left and not j:
            time.sleep(0.1)
    return got

# bench_ref.py: the benchmark's reference, not Flyton: a bare WSGI app, by hand, on
# the connector's C core, doing the same queries as the dashboard page and the
# todo-list API call (the session and its user, the touch rule, the todos), with
# no framework at all. tests/run serves it at 127.0.0.1:8093/ref for bench_site.py:
#   /ref/page  a short page (the reference since the first benchmark)
#   /ref/full  the dashboard as Flyton sends it, byte for byte, built by hand
#   /ref/api   the todo list
import os
import json
import hashlib
import html
import threading
import urllib.parse

import _mysql_connector as cdb

import config

local = threading.local()
plugins = os.path.join(os.path.dirname(os.path.abspath(cdb.__file__)), "mysql", "vendor", "plugin")

ses_q = """SELECT u.*, s.id AS ses_id, s.data AS ses_data,
                  TIMESTAMPDIFF(SECOND, s.updated_at, NOW()) AS ses_idle,
                  TIMESTAMPDIFF(SECOND, s.created_at, NOW()) AS ses_age,
                  (SELECT val1 FROM gen WHERE key1 = 'ses_idle_min' AND is_active = 1) AS ses_idle_min,
                  (SELECT val1 FROM gen WHERE key1 = 'ses_life_hours' AND is_active = 1) AS ses_life_hours
           FROM ses s JOIN users u ON u.id = s.user_id AND u.is_active = 1
           WHERE s.id = %s AND s.is_active = 1"""
todo_q = """SELECT `id`, `name`, `done`, `created_at` FROM `todo` WHERE `user_id` = %s AND `todo`.`is_active` = %s
            ORDER BY `id` DESC"""
count_q = """SELECT `done`, COUNT(*) FROM `todo` WHERE `user_id` = %s AND `todo`.`is_active` = %s GROUP BY `done`"""


def assets():
    # the URLs the site's pages name (flyton assets, client/assets.json): a bare app would write them
    # in by hand; this one reads them once, when it starts
    try:
        f = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "client", "assets.json")))["files"]
    except (OSError, ValueError, KeyError):
        f = {}
    return {n: f.get(n, {}).get("url", "/lib/" + n) for n in ['bootstrap.min.css', 'flyton.css', 'bootstrap.bundle.min.js', 'kicdev.server.js', 'kicdev.bs5.js', 'kicbutton.js', 'kicedit.js', 'secure.js']}


lib = assets()


def bench_ref(environ, start_response):
    q = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
    if environ.get("CONTENT_LENGTH"):
        body = json.loads(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])) or b"{}")
        q["ses"] = body.get("info", {}).get("ses", "")
    key = hashlib.sha256(q.get("ses", "").encode()).hexdigest()   # ses holds the token's hash, as in db_ses
    rows = query(ses_q, (key,), 1)
    if not rows:
        start_response("302 Found", [("Location", "/pages/login/"), ("Content-Length", "0")])
        return [b""]
    w = rows[0]
    if w["ses_idle"] >= 5:
        query("UPDATE ses SET updated_at = NOW() WHERE id = %s", (key,))
    if environ.get("PATH_INFO") == "/api":
        todos = [{"id": t[0], "name": t[1], "done": t[2], "created_at": str(t[3])} for t in query(todo_q, (w["id"], 1))]
        count = {"open": 0, "done": 0}
        for t in query(count_q, (w["id"], 1)):
            count["done" if t[0] else "open"] = t[1]
        srv = {"method": "api_todo_list", "allow": 1, "todos": todos, "count": count, "server_ver": getattr(config, "version", "1")}
        b = json.dumps({"server": srv}, ensure_ascii=False).encode()
        start_response("200 OK", [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(b)))])
        return [b]
    if environ.get("PATH_INFO") == "/full":
        b = full(w, q.get("ses", "")).encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(b)))])
        return [b]
    name = html.escape(f"{w['FirstName'] or ''} {w['LastName'] or ''}".strip() or w["username"])
    h = f"""<!doctype html><html><head><meta charset=utf-8><title>Flyton</title>
      <link href="/lib/bootstrap.min.css" rel=stylesheet><script src="/lib/kicdev.server.js"></script></head><body>
      <nav class="navbar navbar-expand bg-body-tertiary mb-3" id=kicheader><span class=navbar-brand>Flyton</span>
      <span id=whoami>{name}</span></nav>
      <div class="container-fluid"><div class="row kicbody" id=zzz><div class=col-12>
      <h1 class=h4 id=hello>Hello {name}</h1><p id=me>User: <b id=me_user>{html.escape(w["username"])}</b></p>
      </div></div></div><footer id=kicfooter>Flyton</footer></body></html>"""
    b = h.encode()
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(b)))])
    return [b]


def full(w, ses):
    # the dashboard page of tests/bench_site.py's user, the same bytes as Flyton's (bench_site checks)
    e = html.escape
    s = urllib.parse.quote_plus(ses)
    roles = json.loads(w["Roles"] or "[]")
    name = e(f"{w['FirstName'] or ''} {w['LastName'] or ''}".strip() or w["username"])
    site = e(getattr(config, "site_name", "Flyton"))

    def url(p):
        return f"/cgi-bin/p?app=start&amp;r=309012&amp;ses={s}&amp;rpage={p}"

    def card(title, text, p):
        return f"""<div class="card m-2" style="width: 260px">
      <div class=card-body>
        <h5 class=card-title>{title}</h5>
        
        <p class=card-text>{text}</p>
        <button type=button class="btn btn-primary btn-sm" onclick="kic_run_but(&quot;{url(p)}&quot;, &quot;&quot;)">Open</button>
      </div>
    </div>"""
    users = f"""<a class="nav-link" id=menu_users href="{url("users")}">Users</a>""" if "admin" in roles else ""
    return f"""<!doctype html>
<html lang=en dir=ltr>
<head>
  <meta charset=utf-8>
  <meta name=viewport content="width=device-width, initial-scale=1">
  <meta name=referrer content=no-referrer>
  <title>{site}</title>
  <link href="{lib["bootstrap.min.css"]}" rel=stylesheet>
  <link href="{lib["flyton.css"]}" rel=stylesheet>
  <script src="{lib["bootstrap.bundle.min.js"]}"></script>
  <script src="{lib["kicdev.server.js"]}"></script>
  <script src="{lib["kicdev.bs5.js"]}"></script>
  <script src="{lib["kicbutton.js"]}"></script>
  <script src="{lib["kicedit.js"]}"></script>
  <script src="{lib["secure.js"]}"></script>
</head>
<body>
<nav class="navbar navbar-expand-md bg-body-tertiary mb-3" id=kicheader>
      <div class=container-fluid>
        <span class=navbar-brand>{site}</span>
        <button class=navbar-toggler type=button id=kicnav_toggle data-bs-toggle=collapse data-bs-target="#kicnav"
          aria-controls=kicnav aria-expanded=false aria-label="Menu"><span class=navbar-toggler-icon></span></button>
        <div class="collapse navbar-collapse" id=kicnav>
          <div class="navbar-nav me-auto">
            <a class="nav-link" id=menu_dashboard href="{url("dashboard")}">Dashboard</a>
            <a class="nav-link" id=menu_todo href="{url("todo")}">Todos</a>
            <a class="nav-link" id=menu_profile href="{url("profile")}">Profile</a>
            {users}
          </div>
          <span class="navbar-text me-2" id=whoami>{e(w["FirstName"] or w["username"])}</span>
          <button type=button class="btn btn-outline-secondary btn-sm" id=logout onclick=kic_logout()>Logout</button>
        </div>
      </div>
    </nav>
<div class="container-fluid"><div class="row kicbody" id=zzz><div class=col-12>
      <h1 class=h4 id=hello>Hello {name}</h1>
      <p id=me>User: <b id=me_user>{e(w["username"])}</b> &middot; Roles: <span id=me_roles>{e(", ".join(roles)) or "none"}</span></p>
    </div>
    <div class="col-12 d-flex flex-wrap">
      {card("Todos", "Your list of things to do", "todo")}
      {card("Profile", "Password, phone number, two-step login", "profile")}
    </div></div></div>
<footer class="container-fluid text-body-secondary small py-3" id=kicfooter>
      Flyton {e(getattr(config, "version", ""))}
    </footer>

</body>
</html>
"""


def query(q, args, dic=0):
    m = getattr(local, "db", None)
    if m is None:
        c = config.db
        m = cdb.MySQL(buffered=True, charset_name="utf8mb4", use_unicode=True, auth_plugin="", plugin_dir=plugins)
        m.connect(host="localhost", user=c["user"], password=c["password"], database=c["name"],
                  unix_socket=c["socket"], ssl_disabled=True)
        m.autocommit(True)
        local.db = m
    parts = q.encode().split(b"%s")
    vals = m.convert_to_mysql(*args)
    stmt = parts[0] + b"".join(v + p for v, p in zip(vals, parts[1:]))
    m.query(stmt)
    if not m.have_result_set:
        return []
    names = [f[4] for f in m.fetch_fields()]
    rows = []
    r = m.fetch_row()
    while r is not None:
        rows.append(dict(zip(names, r)) if dic else r)
        r = m.fetch_row()
    m.free_result()
    return rows


application = bench_ref

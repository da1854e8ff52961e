# p4web.py: the page front controller. /cgi-bin/p?app=start&r=..&ses=..&rpage=..
# query string -> data -> client/app/<app>.py main(data); the whole answer is
# built first, so a failing page never sends half a page.
# Run as a CGI script by /cgi-bin/p (dev), or by p4wsgi.py in the persistent runtime.
import os
import html
import importlib.util

import config
from tools.kicreq import kicreq, kicreq_env
from tools.kicweb import kicweb, kicdata, log, ref, send, printed, read_body, kicdone, cgi_run, has_file, is_dev, is_name, app_dir, NoPage, NotAllowed
from tools.sql import SqlError
from tools.kiclang import kiclang, lang_dir
from tools.kicutil import kicnav
from tools.kicasset import lib_js, lib_css
from tools.kicrate import kicrate
from tools.throttle import wait_text
from tools import kicstat

login_url = "/pages/login/"


def p4web():
    try:
        page_request()
    except NoPage:
        kicreq()["what"] = ""     # no such page: not a line of its own in flyton stats
        send(404, "text/html; charset=utf-8", error_html("Page not found", "There is no such page."))
    except NotAllowed:
        send(403, "text/html; charset=utf-8", error_html("Not allowed", "Your user may not open this page."))
    except SqlError as e:
        r = ref()
        log(f"page error, rpage {kicweb().get('rpage', '')[:60]!r}: database: {e}", r)
        send(500, "text/html; charset=utf-8", error_html("Something went wrong", f"The database could not do it. Reference: {r}"))
    except Exception:
        import traceback   # here, not on top: only a failing request pays for it
        r = ref()
        t = traceback.format_exc()
        log(f"page error, rpage {kicweb().get('rpage', '')[:60]!r}\n{t}", r)
        more = f"<pre>{html.escape(t)}</pre>" if is_dev() else ""
        send(500, "text/html; charset=utf-8", error_html("Something went wrong", f"Reference: {r}", more))


def page_request():
    q = kicweb()
    if kicreq_env("REQUEST_METHOD") == "POST":
        q.update(form_body())
    app = q.get("app") or "start"
    rpage = q.get("rpage", "")
    if not is_name(app):
        raise NoPage(app)
    path = f"{app_dir}/{app}.py"
    if not has_file(path):
        raise NoPage(app)
    if rpage and not is_name(rpage):
        raise NoPage(rpage)
    data = kicdata(q, q.get("ses", ""))
    if data is None:
        send(302, "text/html; charset=utf-8", f"<a href={login_url}>login</a>", {"Location": login_url})
        return
    s = data["s"]
    s["page"] = rpage or s.get("page") or "dashboard"
    kicreq()["what"] = "page " + s["page"]
    wait = 0 if s.get("health") else kicrate(s["page"], s.get("my_user_id", 0))     # (flyton health's own session)
    if wait:
        send(429, "text/html; charset=utf-8", error_html("Too many requests", f"Try again in {wait_text(wait)}."),
             {"Retry-After": str(wait)})
        return
    v, h = printed(app_module(app, path).main, data)
    kicdone(s["page"] if rpage else "")
    send(200, "text/html; charset=utf-8", head_html() + h + "\n</body>\n</html>\n")


def form_body():
    # a form posted to a page (application/x-www-form-urlencoded), 1 MB at most
    b = read_body(1024 * 1024)
    if isinstance(b, int) or "urlencoded" not in kicreq_env("CONTENT_TYPE"):
        return {}
    return kicweb(b.decode("utf-8", "replace"))


def app_module(app, path):
    # loaded by path, once per process: an app name can only ever mean client/app/<app>.py
    m = apps.get(app)
    if m:
        return m
    spec = importlib.util.spec_from_file_location(f"app_{app}", path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    apps[app] = m
    return m


apps = {}


def head_html():
    title = html.escape(getattr(config, "site_name", "Flyton"))
    d = lang_dir()
    css = "bootstrap.rtl.min.css" if d == "rtl" else "bootstrap.min.css"
    return f"""<!doctype html>
<html lang={kiclang()} dir={d}>
<head>
  <meta charset=utf-8>
  <meta name=viewport content="width=device-width, initial-scale=1">
  <meta name=referrer content=no-referrer>
  <title>{title}</title>
  {lib_css(css)}
  {lib_css("flyton.css")}
  {lib_js("bootstrap.bundle.min.js")}
  {lib_js("kicdev.server.js")}
  {lib_js("kicdev.bs5.js")}
  {lib_js("kicbutton.js")}
  {lib_js("kicedit.js")}
  {lib_js("secure.js")}
</head>
<body>
"""


def error_html(title, text, more=""):
    # the way back keeps the session when there is one: to the dashboard, not the login
    ses = kicreq()["ses"]
    rid = kicstat.rid()     # letters, digits, _ and - only (kicstat.rid_re): nothing to escape
    back = f"""<a href="{login_url}">Back to the start</a>"""
    if ses:
        url = html.escape(kicnav("dashboard", ses, {}, kicweb().get("app") or "start"))
        back = f"""<a id=kicback href="{url}">Back to the dashboard</a>"""
    return f"""<!doctype html>
<html lang=en>
<head>
  <meta charset=utf-8>
  <meta name=referrer content=no-referrer>
  <title>{html.escape(title)}</title>
  {lib_css("bootstrap.min.css")}
</head>
<body>
  <div class="container py-5" id=kicerror>
    <h1 class=h3>{html.escape(title)}</h1>
    <p>{html.escape(text)}</p>
    <p class=text-secondary>Request id: <span id=kicrid>{rid}</span></p>
    <p>{back}</p>
    {more}
  </div>
</body>
</html>
"""


if os.environ.get("GATEWAY_INTERFACE"):   # run by /cgi-bin/p as a CGI script
    cgi_run(p4web)

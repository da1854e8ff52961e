# kicweb.py: what the two front controllers (p4web for pages, dispatch.py for the API)
# share: reading the request, writing the answer, error references, page lookup,
# and running one request as a CGI script (the persistent runtime is p4wsgi.py).
import io
import os
import re
import sys
import importlib
import urllib.parse

import config
from tools import sql
from tools.kicreq import kicreq, kicreq_env, kicreq_new, after_by, local
from tools.pagedirs import pagedirs
from tools.db_ses import ses_load, ses_touch, is_ses_role
from tools.kiclang import kiclang
from tools import kicstat

# what `from tools.kicweb import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["kicweb", "need_role", "run_page", "client_ip", "kicdata", "log"]

name_re = re.compile(r"^[a-z0-9_]{1,60}\Z")
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(os.path.dirname(here)))
app_dir = os.path.join(root, "client", "app")
reserved = {"header", "body", "footer", "main"}   # app parts, never pages (nor names that start with _)


class NoPage(Exception):
    pass


class NotAllowed(Exception):
    pass


class Out:
    # sys.stdout while requests run: what print() writes goes to the buffer of
    # the page (or API method) this thread is building. Threads share sys.stdout,
    # so a plain redirect would mix two requests' pages. Outside a page: the log.
    def write(self, s):
        b = kicreq()["out"]
        if b is None:
            return sys.__stderr__.write(s)
        return b.write(s)

    def flush(self):
        pass

    def isatty(self):
        return False


def is_name(s):
    # app, rpage, meth: names only, never paths
    return 1 if isinstance(s, str) and name_re.match(s) else 0


def kicweb(qs=None):
    # the query string as a dict: url-decoded, blank values kept, the last of a repeated key wins
    if qs is None:
        qs = kicreq_env("QUERY_STRING")
    d = {}
    if "%" not in qs and "+" not in qs:
        # nothing encoded (a page's own links): parse_qsl would only split it, at three times the cost
        for f in qs.split("&"):
            if f:
                k, eq, v = f.partition("=")
                d[k] = v
        return d
    for k, v in urllib.parse.parse_qsl(qs, keep_blank_values=True, encoding="utf-8", errors="replace"):
        d[k] = v
    return d


def read_body(limit):
    # the request body as bytes, or the status that says why not: 413 larger than limit;
    # 408 it stopped arriving (mod_reqtimeout cut a client slower than its minimum rate).
    # Apache has the whole body before Python runs (ModSecurity buffers it, apache2-flyton.conf)
    inp = kicreq()["inp"]
    try:
        n = int(kicreq_env("CONTENT_LENGTH") or 0)
    except ValueError:
        n = 0
    if inp is None or n <= 0:
        return b""
    try:
        return read_all(inp, n, limit)
    except OSError:
        return 408


def read_all(inp, n, limit):
    if n > limit:
        # read and drop it: a CGI that leaves the body unread gets its answer cut off
        while n > 0:
            got = inp.read(min(n, 65536))
            if not got:
                break
            n -= len(got)
        return 413
    b = inp.read(n)
    return b if len(b) == n else 408


def client_ip():
    return kicreq_env("REMOTE_ADDR")


def ref():
    # a short reference that joins what the user sees to the server log
    import secrets   # here, not on top: only a failing request needs it
    return secrets.token_hex(4)


def log(msg, r=""):
    # a line (or a traceback) for the log; with a reference r on every line, so that
    # "grep <ref> /var/log/flyton/error.log" shows the whole traceback
    import time
    import config
    head = time.strftime("%Y-%m-%d %H:%M:%S") + (f" ref {r}" if r else "")
    q = getattr(local, "req", None)
    if q and q["env"]:
        head += f" rid {kicstat.rid()}"     # in a request: its id, as its header and records say it
    t = "".join(f"{head} {ln}\n" for ln in str(msg).splitlines() or [""])
    p = getattr(config, "log_file", "/var/log/flyton/error.log")
    try:
        with open(p, "a", encoding="utf-8") as f:
            f.write(t)     # one write: lines of two requests never mix
            if os.geteuid() == 0 and os.fstat(f.fileno()).st_uid == 0:
                give_to_web(f.fileno())
    except OSError:
        print(f"flyton: {t}", file=sys.stderr, end="", flush=True)


def give_to_web(fd):
    # a log made by root (a command, cron, a test) stays writable by the web server
    import pwd
    try:
        os.fchown(fd, pwd.getpwnam("www-data").pw_uid, -1)
        os.fchmod(fd, 0o640)
    except (KeyError, OSError):
        pass


def is_dev():
    import config
    return 1 if getattr(config, "sys_mode", "prod") == "dev" else 0


def send(status, ctype, body, more=None):
    # the answer of this request: status, headers, body (utf-8 bytes); the runtime sends it
    # (more: headers of its own; one named here replaces the default, as Cache-Control of a file)
    b = body.encode("utf-8", "replace") if isinstance(body, str) else body
    ids = [("X-Request-Id", kicstat.rid())]
    if timing:
        ids.append(("Server-Timing", kicstat.timing()))
    if not more:
        kicreq()["resp"] = (status, [("Content-Type", ctype), *safe_headers, *ids, ("Content-Length", str(len(b)))], b)
        return
    h = {"Content-Type": ctype, **dict(safe_headers), **dict(ids)}
    for k, v in more.items():
        h[k] = str(v).replace("\r", "").replace("\n", "")
    h["Content-Length"] = str(len(b))
    kicreq()["resp"] = (status, list(h.items()), b)


safe_headers = (("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer"),
                ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"))     # on every answer
# Server-Timing (the database's and the whole request's time, in the browser's dev tools): on a dev
# box, or where config.py says server_timing = 1
timing = 1 if getattr(config, "server_timing", getattr(config, "sys_mode", "prod") == "dev") else 0


def printed(f, *a):
    # f(*a) with what it prints caught: (what it returned, the printed text)
    if not isinstance(sys.stdout, Out):
        Out.was = sys.stdout     # kept alive: mod_wsgi uses its stdout object after each request
        sys.stdout = Out()
    r = kicreq()
    buf = io.StringIO()
    r["out"] = buf
    try:
        v = f(*a)
    finally:
        r["out"] = None
    return v, buf.getvalue()


def load(name):
    # import a page or API module; a file added since this process started is found too
    m = sys.modules.get(name)
    if m is not None and not getattr(getattr(m, "__spec__", None), "_initializing", False):
        return m      # loaded (not still loading in another thread): import_module's locks and checks not needed
    if m is None:
        importlib.invalidate_caches()
    return importlib.import_module(name)


def run_page(folder, page, data):
    # client/app/<folder>/<page>.py (or its group's folder: tools/pagedirs.py), function <page>(data) -> html string
    if not is_name(folder) or not is_name(page) or page in reserved or page.startswith("_"):
        raise NoPage(page)
    g = pagedirs(page)
    rel = f"{folder}/{g}/{page}" if g else f"{folder}/{page}"
    if not has_file(f"{app_dir}/{rel}.py"):
        raise NoPage(page)
    f = getattr(load(rel.replace("/", ".")), page, None)
    if not callable(f):
        # a programming error, not a missing page: said plainly on a dev box, logged on prod
        msg = f"client/app/{rel}.py has no function {page}(data): a page file's first function has the file's name"
        if is_dev():
            raise RuntimeError(msg)
        log(msg)
        raise NoPage(page)
    h = f(data)
    return "" if h is None else str(h)


def has_file(p):
    # 1 when the file is there. One found stays found for this process, as its module stays loaded
    # (a change reaches the persistent runtime with a reload); one not there is looked for each time
    if p in found:
        return 1
    if not os.path.isfile(p):
        return 0
    found.add(p)
    return 1


found = set()


def need_role(data, role):
    # one line in a page or API method: need_role(data, "admin"); NotAllowed: a 403 page or answer
    if not is_ses_role(data.get("ses", ""), role):
        raise NotAllowed(role)


def kicdata(base, ses, need=1):
    # How a request becomes `data`, the one argument of a page or an API method (both front
    # controllers, both runtimes): base (a page: the query's keys; a method: par, post, meth),
    # "ses" the token and "s" the session's data with my_user_id. The session's user and roles
    # go into the request context (my_user(), has_role()), the session's language sets txt().
    # None when need and the session is not live; need=0: a method that needs no session.
    r = kicreq()
    data = dict(base)
    data["ses"] = ses
    data["s"] = {}
    r["data"] = data
    if not need:
        return data
    w = ses_load(ses)
    if not w:
        return None
    s = w["data"]
    s["my_user_id"] = w["user_id"]
    data["s"] = s
    if s.get("lang"):
        kiclang(s["lang"])
    return data


def kicdone(page=""):
    # the end of a request that had a session: it was used now (and showed page)
    r = kicreq()
    if r["row"]:
        ses_touch(r["ses"], page, r["row"])


def cgi_run(handler):
    # one request as a CGI script: the environment and stdin in, the answer to stdout
    out = sys.stdout.buffer
    kicreq_new(dict(os.environ), sys.stdin.buffer)
    kicstat.start()
    try:
        handler()
    finally:
        sql.close()
    st, hs, b = kicreq()["resp"]
    h = f"Status: {st}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hs) + "\r\n"
    out.write(h.encode("latin-1", "replace") + b)
    out.flush()
    kicstat.done(st, "cgi")     # after the answer has left: the user does not wait for the line
    jobs = kicreq()["after"]
    if not jobs:
        return
    # the answer is whole. Apache ends the script when the response is over, so the jobs run in a
    # grandchild of a session of its own (made before the answer ends: no race with that end);
    # then stdin and stdout, one socket under mod_cgid, are closed, which ends the response
    sql.close()
    kid = os.fork()
    if kid == 0:
        os.setsid()
        if os.fork():
            os._exit(0)
        try:
            quiet()
            run_after(jobs)
        finally:
            os._exit(0)
    os.waitpid(kid, 0)
    quiet()


def quiet():
    # stdin and stdout closed (the answer is over); print() goes nowhere from now on
    sys.stdout = open(os.devnull, "w")
    sys.stdin = open(os.devnull)
    os.close(1)
    os.close(0)


def run_after(jobs):
    # what a request left for after its answer (tools/kicreq.py, after_answer); a failure is logged
    for f, a, uid in jobs:
        after_by(uid)
        try:
            f(*a)
        except Exception:
            import traceback
            log(f"after the answer: {traceback.format_exc()}", ref())
        finally:
            after_by(0)
    sql.done()

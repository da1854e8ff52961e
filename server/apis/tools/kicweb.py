# kicweb.py: what the two front controllers (p4web for pages, cgi.py for the API)
# share: reading the request, writing the answer, error references, page lookup.
import os
import re
import sys
import secrets
import importlib
import urllib.parse

name_re = re.compile(r"^[a-z0-9_]{1,60}$")
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(os.path.dirname(here)))
app_dir = os.path.join(root, "client", "app")
reserved = {"header", "body", "footer", "main"}   # app parts, never pages


class NoPage(Exception):
    pass


class NotAllowed(Exception):
    pass


def is_name(s):
    # app, rpage, meth: names only, never paths
    return 1 if isinstance(s, str) and name_re.match(s) else 0


def kicweb(qs=None):
    # the query string as a dict: url-decoded, blank values kept, the last of a repeated key wins
    if qs is None:
        qs = os.environ.get("QUERY_STRING", "")
    d = {}
    for k, v in urllib.parse.parse_qsl(qs, keep_blank_values=True, encoding="utf-8", errors="replace"):
        d[k] = v
    return d


def read_body(limit):
    # the request body as bytes; None when it is larger than limit
    try:
        n = int(os.environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        n = 0
    if n > limit:
        # read and drop it: a CGI that leaves the body unread gets its answer cut off
        while n > 0:
            got = sys.stdin.buffer.read(min(n, 65536))
            if not got:
                break
            n -= len(got)
        return None
    if n <= 0:
        return b""
    return sys.stdin.buffer.read(n)


def client_ip():
    return os.environ.get("REMOTE_ADDR", "")


def ref():
    # a short reference that joins what the user sees to the server log
    return secrets.token_hex(4)


def log(msg):
    print(f"flyton: {msg}", file=sys.stderr, flush=True)


def send(status, ctype, body, more=None):
    # one complete answer: status line, headers, body (always utf-8 bytes)
    b = body.encode("utf-8", "replace") if isinstance(body, str) else body
    h = f"Status: {status}\r\nContent-Type: {ctype}\r\n"
    h += "Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n"
    h += "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
    for k, v in (more or {}).items():
        h += f"{k}: {v}\r\n"
    h += f"Content-Length: {len(b)}\r\n\r\n"
    sys.stdout.flush()
    sys.stdout.buffer.write(h.encode("latin-1", "replace") + b)
    sys.stdout.buffer.flush()


def run_page(folder, page, data):
    # client/app/<folder>/<page>.py, function <page>(data) -> html string
    if not is_name(folder) or not is_name(page) or page in reserved:
        raise NoPage(page)
    path = os.path.join(app_dir, folder, page + ".py")
    if not os.path.isfile(path):
        raise NoPage(page)
    mod = importlib.import_module(f"{folder}.{page}")
    f = getattr(mod, page, None)
    if not callable(f):
        raise NoPage(page)
    h = f(data)
    return "" if h is None else str(h)


def need_role(data, role):
    # one line in a page or API method: need_role(data, "admin")
    from tools.db_users import is_ses_role
    if not is_ses_role(data.get("ses", ""), role):
        raise NotAllowed(role)

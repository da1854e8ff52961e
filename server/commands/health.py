# health.py: the ping with the database, the login page, and a real page built end to end (--all: every page and method)
# Is the site up, on this machine: the API ping answers with the database, and a real page is built end to end (as the first active admin, with a
# session made for the check and removed right after). Used by promote and rollback:
#   server/bin/flyton health [--all] [URL]       (default this machine's site)
#   server/bin/flyton health [--all] HOST|GROUP  the same on a prod machine, or on each of a group's (flyton each)
# (server/commands/: what the flyton commands run; nothing here runs on import)
# --all: every page of every app is built by the site too, and every API method is
# imported, so a release with one broken file is found (and named) before it stays live.
import os
import re
import sys
import ssl
import glob
import json
import argparse
import urllib.error
import urllib.request

try:
    from tools.sql import *
    from tools.db_ses import create_new_ses, ses_key
    from tools.pagedirs import groups
    from tools.kicweb import reserved      # app parts (header, body, footer, main): never pages
    here = 1
except ModuleNotFoundError:     # no config.py: a dev clone that checks prod machines only (HOST|GROUP)
    here = 0

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def health(argv):
    # 0 when healthy
    a = argparse.ArgumentParser(prog="sudo server/bin/flyton health",
                                epilog="the dashboard is built as the first active admin, with a session made for the check "
                                       "and removed right after; --all names the first page or method that fails "
                                       "(promote and rollback check this way)")
    a.add_argument("--all", action="store_true", help="also every page of every app, built by the site, and every API method, imported")
    a.add_argument("where", nargs="?", default="", help="URL (default this machine's site), or HOST or GROUP (server/groups): "
                                                          "the same check on that prod machine, or on each of the group's")
    o = a.parse_args(argv)
    if o.where and "://" not in o.where:
        # a prod machine or a group: over ssh, by the shell side (flyton each)
        os.execv(f"{top}/server/bin/flyton", ["flyton", "each", o.where, "health"] + (["--all"] if o.all else []))
    if not here:
        print("flyton health: no server/config.py here (sudo ./install.sh writes it): only HOST or GROUP can be checked",
              file=sys.stderr)
        return 1
    return check(o.where or local_url(), 1 if o.all else 0)


def local_url():
    # this machine's own site: https when its Apache site serves TLS (a certificate of our own: not checked, below)
    try:
        t = open("/etc/apache2/sites-enabled/flyton.conf", encoding="utf-8").read()
    except OSError:
        t = ""
    return "https://127.0.0.1" if re.search(r"(?m)^ *SSLEngine on", t) else "http://127.0.0.1"


def check(base, every=0):
    # 0 when healthy; says what it checked, one line each
    st, t = get(base + "/cgi-bin/api?meth=api_ping", b"{}")
    try:
        s = json.loads(t)["server"]
    except (ValueError, KeyError, TypeError):
        s = {}
    if st != 200 or s.get("allow") != 1 or s.get("db") != 1:
        print(f"FAILED: api_ping answered {st}: {t[:200]}")
        return 1
    print(f"ok: api_ping, database {s.get('db_ms')} ms")
    st, t = get(base + "/pages/login/")
    if st != 200:
        print(f"FAILED: the login page answered {st}")
        return 1
    print("ok: the login page")
    w = find_in_sql({"table": "users", "what": "id,username", "is_active": 1,
                     "where": {"Roles": ("like", '"admin"')}, "sort": "id"})
    if not w:
        print("note: no active admin, so no page was built")
        return 0
    ses = create_new_ses(w[0], {"health": 1})
    try:
        st, t = get(f"{base}/cgi-bin/p?app=start&r=309012&ses={ses}&rpage=dashboard")
        if st != 200 or "id=kicheader" not in t or "id=kicfooter" not in t:
            print(f"FAILED: the dashboard page (as {w[1]}) answered {st}: {t[:200]!r}")
            return 1
        print(f"ok: the dashboard page, as {w[1]}")
        if every:
            return all_pages(base, ses, w[1]) or all_apis()
        return 0
    finally:
        sql("DELETE FROM ses WHERE BINARY id = %s", (ses_key(ses),))   # the check leaves no session behind


def pages():
    # (app, page, file) of every page: client/app/<app>.py reads its pages from client/app/<folder>/
    out = []
    for f in sorted(glob.glob(f"{top}/client/app/*.py")):
        app = os.path.basename(f)[:-3]
        folder = "admin" if app == "start" else app
        for g in [""] + [d for s, d in groups]:
            for p in sorted(glob.glob(f"{top}/client/app/{folder}/{g}/*.py".replace("//", "/"))):
                name = os.path.basename(p)[:-3]
                if name in reserved or name.startswith("_"):
                    continue
                out.append((app, name, os.path.relpath(p, top)))
    return out


def all_pages(base, ses, who):
    # every page built by the site as that user: a 500, or a page file the site cannot run (404), fails
    n = 0
    for app, name, f in pages():
        st, t = get(f"{base}/cgi-bin/p?app={app}&r=309012&ses={ses}&rpage={name}")
        if st >= 500 or st in (0, 404):
            r = re.search(r"reference ([0-9a-f]{8})", t)
            print(f"FAILED: {f}: the page {name} (app={app}) answered {st}" + (f", reference {r.group(1)}" if r else ""))
            if r:
                print(tail_of(r.group(1)))
            return 1
        n += 1
    print(f"ok: {n} pages built, as {who}")
    return 0


def all_apis():
    # every API method imports and has its function (the site imports them the same way)
    import importlib
    n = 0
    for p in sorted(glob.glob(f"{top}/server/apis/api/api_*.py")):
        name = os.path.basename(p)[:-3]
        f = os.path.relpath(p, top)
        try:
            m = importlib.import_module(f"api.{name}")
        except BaseException as e:     # a syntax error, a missing import, a module that exits
            print(f"FAILED: {f} does not import: {type(e).__name__}: {e}")
            return 1
        if not callable(getattr(m, name, None)):
            print(f"FAILED: {f} has no function {name}(data)")
            return 1
        n += 1
    print(f"ok: {n} API methods import")
    return 0


def tail_of(r):
    # the last line the error log has for reference r (the exception), when it can be read
    import config
    try:
        t = [ln for ln in open(config.log_file, encoding="utf-8", errors="replace") if f" ref {r} " in ln]
    except (OSError, AttributeError):
        return ""
    return "   " + t[-1].strip() if t else ""


def get(url, body=None):
    # (status, text) of one request; no redirects followed
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"} if body else {})
    ctx = None
    if url.startswith(("https://127.0.0.1", "https://localhost")):
        ctx = ssl._create_unverified_context()     # our own site on this machine: a self-signed certificate is fine
    try:
        r = urllib.request.urlopen(req, timeout=30, context=ctx)
        return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except OSError as e:
        return 0, str(e)


if __name__ == "__main__":
    sys.exit(health(sys.argv[1:]))

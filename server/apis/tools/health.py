# health.py: is the site up, on this machine: the API ping answers with the
# database, and a real page is built end to end (as the first active admin, with a
# session made for the check and ended right after). Used by promote and rollback:
#   server/bin/flyton health [URL]       (default http://127.0.0.1)
import sys
import ssl
import json
import urllib.error
import urllib.request

from tools.sql import *
from tools.db_ses import create_new_ses, end_ses


def health(base="http://127.0.0.1"):
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
    if not isinstance(w, tuple):
        print("note: no active admin, so no page was built")
        return 0
    ses = create_new_ses(w[0], {"health": 1})
    try:
        st, t = get(f"{base}/cgi-bin/p?app=start&r=309012&ses={ses}&rpage=dashboard")
    finally:
        end_ses(ses)
    if st != 200 or "id=kicheader" not in t or "id=kicfooter" not in t:
        print(f"FAILED: the dashboard page (as {w[1]}) answered {st}: {t[:200]!r}")
        return 1
    print(f"ok: the dashboard page, as {w[1]}")
    return 0


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
    sys.exit(health(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1"))   # flyton health: this machine's site

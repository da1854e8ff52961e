# kicasset.py: the URL of a file of client/lib that a page names, versioned: /v/<hash>/<name>.
# `flyton assets` (install.sh, promote, rollback) copies each file into the machine's asset store
# under a name made of its content, and writes client/assets.json; Apache serves /v/ for a year
# (immutable), so a browser or CloudFront asks for each version once. A file changed since that
# run (a developer at work on a dev box) and a file it never saw are named /lib/NAME, served as
# they are now: a page never names a version that is not the file's.
import os
import re
import json
import time

__all__ = ["kicasset", "lib_js", "lib_css"]

name_re = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
client = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "client"))
lib = os.path.join(client, "lib")
manifest = os.path.join(client, "assets.json")
# this process's copy of assets.json (read again when it changes) and the URLs it gave this second
seen = {"key": None, "files": {}, "urls": {}, "until": 0.0}


def kicasset(name):
    # "/v/<hash>/<name>" for a file of client/lib as `flyton assets` last saw it, else "/lib/<name>".
    # What it found is kept a second (a persistent process asks the disk once a second, not 16 times
    # a page: 76 us a page otherwise); a CGI process is new each request, so a dev box sees edits at once
    if not isinstance(name, str) or not name_re.match(name):
        raise ValueError(f"kicasset: a file name of client/lib, not {name!r}")
    now = time.monotonic()
    if now >= seen["until"]:
        seen["urls"] = {}
        seen["until"] = now + 1
    u = seen["urls"].get(name)
    if u:
        return u
    u = look(name)
    seen["urls"][name] = u
    return u


def look(name):
    # the URL, as the manifest and the file are now
    f = files().get(name)
    if not f:
        return f"/lib/{name}"
    try:
        st = os.stat(os.path.join(lib, name))
    except OSError:
        return f"/lib/{name}"
    if st.st_size != f.get("size") or st.st_mtime_ns != f.get("mtime"):
        return f"/lib/{name}"
    return f["url"]


def lib_js(name):
    # the <script> that loads a file of client/lib
    return f"""<script src="{kicasset(name)}"></script>"""


def lib_css(name):
    # the stylesheet <link> of a file of client/lib
    return f"""<link href="{kicasset(name)}" rel=stylesheet>"""


def files():
    # assets.json's files, read once per change of the file (a stat per call)
    try:
        st = os.stat(manifest)
    except OSError:
        return {}
    key = (st.st_ino, st.st_size, st.st_mtime_ns)
    if seen["key"] == key:
        return seen["files"]
    try:
        with open(manifest, encoding="utf-8") as fh:
            w = json.load(fh).get("files", {})
    except (OSError, ValueError, AttributeError):
        w = {}
    # only what a URL of ours looks like: a broken or planted file names nothing else
    ok = {}
    for n, f in (w if isinstance(w, dict) else {}).items():
        if isinstance(f, dict) and name_re.match(str(n)) and re.match(r"^/v/[0-9a-f]{16}/" + re.escape(str(n)) + r"\Z", str(f.get("url", ""))):
            ok[n] = f
    seen["key"] = key
    seen["files"] = ok
    return ok

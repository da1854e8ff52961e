# p4file.py: the uploaded files, /pages/files/<name> (tools/kicfile.py). They come from the
# database, so every web node serves every file; one still in client/pages/files/ (sent before
# files lived in the database: `flyton files-import` moves it in) is served from there.
# Run as a CGI script by /pages/files (server/cgi-bin/f, dev), or by p4wsgi.py in the persistent runtime.
import os
import hashlib

from tools.kicreq import kicreq, kicreq_env
from tools.kicweb import log, ref, send, cgi_run, root
from tools.sql import SqlError
from tools.kicfile import file_get, file_type, name_re

files_dir = os.path.join(root, "client", "pages", "files")


def p4file():
    kicreq()["what"] = "file"
    name = kicreq_env("PATH_INFO").lstrip("/")
    if kicreq_env("REQUEST_METHOD") not in ("GET", "HEAD"):
        send(405, "text/plain; charset=utf-8", "A file is read with GET.", {"Allow": "GET, HEAD"})
        return
    have = kicreq_env("HTTP_IF_NONE_MATCH")
    have = have[1:-1] if len(have) == 66 and have[0] == have[-1] == '"' else ""   # one ETag of ours: "<sha256>"
    try:
        f = file_get(name, have) or on_disk(name)
    except SqlError as e:
        r = ref()
        log(f"file {name[:60]!r}: database: {e}", r)
        send(500, "text/plain; charset=utf-8", f"The database could not do it. Reference: {r}")
        return
    except Exception:
        import traceback   # here, not on top: only a failing request pays for it
        r = ref()
        log(f"file {name[:60]!r}\n{traceback.format_exc()}", r)
        send(500, "text/plain; charset=utf-8", f"Something went wrong. Reference: {r}")
        return
    if not f:
        send(404, "text/plain; charset=utf-8", "There is no such file.")
        return
    # a name is never reused (kicfile makes a new one for each file): a day in the browser's cache
    how = "inline" if f["inline"] else "attachment"
    more = {"Cache-Control": "public, max-age=86400", "ETag": f'"{f["sha256"]}"',
            "Content-Disposition": f'{how}; filename="{name}"'}
    if kicreq_env("HTTP_IF_NONE_MATCH") == more["ETag"]:
        send(304, f["type"], b"", more)
        return
    send(200, f["type"], f["body"], more)


def on_disk(name):
    # a file of client/pages/files/ itself (on prod a link to the machine's own folder), nothing below or beside it
    if not name_re.match(name):
        return {}
    p = os.path.join(files_dir, name)
    if not os.path.isfile(p) or os.path.dirname(os.path.realpath(p)) != os.path.realpath(files_dir):
        return {}
    with open(p, "rb") as fh:
        b = fh.read()
    t, show = file_type(name)
    return {"body": b, "type": t, "inline": show, "sha256": hashlib.sha256(b).hexdigest()}


if os.environ.get("GATEWAY_INTERFACE"):   # run by /pages/files as a CGI script
    cgi_run(p4file)

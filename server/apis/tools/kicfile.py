# kicfile.py: uploaded files, kept in the database (table files): every web node serves each
# of them at /pages/files/<name> (server/cgi-bin/p4file.py) and a backup holds them. An API
# method saves what call_server sent under a file_ key (bytes, at most config max_file):
#   url = kicfile(data["post"]["input"]["file_x"], "report.pdf", data["s"]["my_user_id"])
#   -> "/pages/files/3f9a1c2b7d4e_report.pdf"
# The name is made here (a random part, then the sent name cleaned): never a path the user chose.
import re
import hashlib
import secrets

from tools.sql import *

# what `from tools.kicfile import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["kicfile", "file_get", "file_off"]

name_re = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}\Z")
# served as themselves in the browser; any other type is a download (an .html or .svg sent by
# a user must never run as a page of this site)
inline = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
          "pdf": "application/pdf", "txt": "text/plain; charset=utf-8", "csv": "text/csv; charset=utf-8"}


def kicfile(content, name="", user_id=0):
    # save the bytes as a new file; its URL
    if not isinstance(content, (bytes, bytearray)):
        raise ValueError("kicfile takes the bytes of a file (a file_ key of the input)")
    n = f"{secrets.token_hex(6)}_{clean(name)}"
    file_put(n, bytes(content), user_id)
    return f"/pages/files/{n}"


def clean(name):
    # the sent name as letters, digits, . - _ only, 80 at most, never starting with a dot
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._-")[-80:]
    return s or "file"


def file_put(name, content, user_id=0):
    # a file under this very name (flyton files-import keeps the names the URLs already have)
    if not name_re.match(name):
        raise ValueError(f"not a file name: {name[:80]!r}")
    d = {"type": file_type(name)[0], "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    return insert_to_sql({"table": "files", "set": {"user_id": user_id, "name": name, "body": content}, "data": d})


def file_get(name, have=""):
    # the live file {"body", "type", "inline", "sha256"}, or {} when there is none of that name;
    # have: the sha256 the browser holds (its If-None-Match): when it is this file's, the body stays
    # in the database ("body": b"") and the answer is a 304
    if not isinstance(name, str) or not name_re.match(name):
        return {}
    w = sql("SELECT IF(JSON_UNQUOTE(JSON_EXTRACT(data, '$.sha256')) = %s, '', body), data FROM files "
            "WHERE name = %s AND is_active = 1", (have, name))[0]
    if not w:
        return {}
    d = parse_json(w[0][1])
    t, show = file_type(name)
    return {"body": bytes(w[0][0]), "type": t, "inline": show, "sha256": d.get("sha256", "")}


def file_off(name):
    # the file is no longer served (the row stays, as every row does)
    return sql("UPDATE files SET is_active = 0 WHERE name = %s", (name,))[1]


def file_type(name):
    # (content type, 1 when the browser may show it itself)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in inline:
        return inline[ext], 1
    return "application/octet-stream", 0

# test_files.py: uploaded files live in the database (tools/kicfile.py, table files), so every
# web node serves each of them at /pages/files/<name> (server/cgi-bin/p4file.py). In process for
# the rules (names, types, caching, files from before); over HTTP for Apache's part: a file sent
# through one runtime is served by the other, as through another web node on the same database.
import os
import re
import base64
import secrets
import subprocess
import urllib.request

import pytest

from conftest import top, cfg_file, site, api as site_api, new_user, login, clear_fails, side
from inproc import api, file, site_sql
from tools.sql import *
from tools.kicfile import file_off

upload = """from tools.kicfile import kicfile


def api_t_upload(data):
    i = data["post"]["input"]
    return {"url": kicfile(i["file_x"], i.get("name", ""), data["s"]["my_user_id"])}
"""
every_byte = bytes(range(256)) * 40


def send(user, content, name, how=api):
    st, a = how("api_t_upload", {"b64_file_x": base64.b64encode(content).decode(), "name": name}, user["ses"])
    assert st == 200, a
    return a["url"]


@pytest.fixture
def uploads(temp_file):
    temp_file("server/apis/api/api_t_upload.py", upload)


@pytest.mark.once
def test_an_upload_is_kept_in_the_database_and_served_at_its_url(user, uploads):
    url = send(user, every_byte, "report.pdf")
    assert re.match(r"^/pages/files/[0-9a-f]{12}_report\.pdf$", url), url
    w = sql("SELECT user_id, body FROM files WHERE name = %s", (url.rsplit("/", 1)[1],))[0]
    assert w[0][0] == user["id"]
    assert bytes(w[0][1]) == every_byte, "the bytes, as sent"
    st, h, b = file(url)
    assert st == 200
    assert b == every_byte
    assert h["Content-Type"] == "application/pdf"
    assert h["Content-Disposition"].startswith("inline")
    assert h["Cache-Control"] == "public, max-age=86400"


@pytest.mark.once
@pytest.mark.parametrize("name,made", [("../../server/config.py", "config.py"), (".htaccess", "htaccess"),
                                       ("", "file"), ("my report (1).pdf", "my_report_1_.pdf"),
                                       ("C:\\Users\\dana\\cv.pdf", "cv.pdf"), ("שלום.txt", "txt")])
def test_the_name_is_made_by_flyton_never_chosen(user, uploads, name, made):
    url = send(user, b"x", name)
    assert re.match(r"^/pages/files/[0-9a-f]{12}_" + re.escape(made) + r"\Z", url), url


@pytest.mark.once
@pytest.mark.parametrize("name", ["page.html", "logo.svg", "run.js", "noext"])
def test_a_page_or_a_script_sent_as_a_file_is_only_a_download(user, uploads, name):
    url = send(user, b"<script>alert(1)</script>", name)
    st, h, b = file(url)
    assert st == 200
    assert h["Content-Type"] == "application/octet-stream"
    assert h["Content-Disposition"].startswith("attachment")
    assert h["X-Content-Type-Options"] == "nosniff"


@pytest.mark.once
@pytest.mark.parametrize("url", ["/pages/files/../../server/config.py", "/pages/files/a/b", "/pages/files/.gitkeep",
                                 "/pages/files/", "/pages/files//etc/passwd", "/pages/files/nosuch_file.txt"])
def test_a_url_that_is_no_file_is_404_and_shows_nothing(url):
    st, h, b = file(url)
    assert st == 404, url
    assert b == b"There is no such file."


@pytest.mark.once
def test_the_etag_saves_sending_it_again(user, uploads):
    url = send(user, b"a picture", "p.png")
    st, h, b = file(url)
    st2, h2, b2 = file(url, {"If-None-Match": h["ETag"]})
    assert st2 == 304
    assert b2 == b""
    assert file(url, {"If-None-Match": '"other"'})[0] == 200


@pytest.mark.once
def test_a_304_leaves_the_body_in_the_database(user, uploads):
    # the bytes the database sent the site's connection: a 304 of a 1 MB file costs a few hundred
    big = secrets.token_bytes(1 << 20)
    url = send(user, big, "big.bin")
    st, h, b = file(url)
    assert b == big

    def sent():
        return int(site_sql("SHOW SESSION STATUS LIKE 'Bytes_sent'")[0][0][1])
    a = sent()
    st, h2, b = file(url, {"If-None-Match": h["ETag"]})
    n = sent() - a
    assert st == 304
    assert n < 20000, f"{n} bytes from the database for a 304"
    a = sent()
    assert file(url)[1]["ETag"] == h["ETag"]
    assert sent() - a > 1 << 20, "a 200 reads the body (the measure sees it)"


@pytest.mark.once
def test_a_file_turned_off_is_no_longer_served(user, uploads):
    url = send(user, b"old news", "n.txt")
    assert file(url)[0] == 200
    file_off(url.rsplit("/", 1)[1])
    assert file(url)[0] == 404


@pytest.mark.once
def test_a_file_from_before_is_served_from_disk_and_files_import_moves_it_in(temp_file):
    n = f"t_old_{secrets.token_hex(4)}.txt"
    p = temp_file(f"client/pages/files/{n}", "from before the database\n")
    st, h, b = file(f"/pages/files/{n}")
    assert st == 200
    assert b == b"from before the database\n"

    def files_import():
        r = subprocess.run([f"{top}/server/bin/flyton", "files-import"], capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, FLYTON_CONFIG_DIR=os.path.dirname(cfg_file)))     # the test database
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout

    assert "ok: 1 file(s) moved into the database" in files_import()
    assert "ok: 0 file(s) moved into the database" in files_import(), "a second run moves nothing twice"
    os.remove(p)
    st, h, b = file(f"/pages/files/{n}")
    assert st == 200, "the disk copy is gone: the database serves it"
    assert b == b"from before the database\n"
    open(p, "w").close()      # for temp_file to remove


def fetch(base, url):
    with urllib.request.urlopen(base + url, timeout=30) as r:
        return r.status, r.headers, r.read()


def test_a_file_sent_through_one_runtime_is_served_by_the_other(temp_file):
    # the two runtimes of the test instance are two front ends on one database, as two web nodes
    # are. When tests/run runs its passes beside each other (FLYTON_SIDE), each runtime has a
    # database of its own: then its own runtime serves it here, and two front ends on one database
    # are test_nodes.py's test_a_file_sent_through_one_node_is_served_by_the_other
    temp_file("server/apis/api/api_t_upload.py", upload)
    clear_fails()
    u, p, uid = new_user()
    url = send({"ses": login(u, p)}, every_byte, "scan.png", how=site_api)
    bases = [site] if side else ["http://127.0.0.1:8091", "http://127.0.0.1:8092"]
    for base in bases:
        st, h, b = fetch(base, url)
        assert st == 200, base
        assert b == every_byte, base
        assert h["Content-Type"] == "image/png", base
        assert h["X-Content-Type-Options"] == "nosniff", base
        assert "default-src 'self'" in h["Content-Security-Policy"], base
    assert site in ("http://127.0.0.1:8091", "http://127.0.0.1:8092")


@pytest.mark.once
def test_a_failure_while_reading_a_file_is_a_reference_not_a_traceback(monkeypatch):
    # (the database failing is test_request.py's; here any other error, as an unreadable disk file)
    import p4file

    def broken(name):
        raise OSError("disk gone")
    monkeypatch.setattr(p4file, "file_get", broken)
    st, h, b = file("/pages/files/abc_x.txt")
    assert st == 500
    assert re.match(rb"^Something went wrong\. Reference: [0-9a-f]{8}$", b), b
    assert b"Traceback" not in b

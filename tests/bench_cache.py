# bench_cache.py: what versioned static files save (flyton assets, /v/): the requests and bytes a second
# view of a page costs in its files, with the plain names as before (each file asked again with its
# ETag, a 304 at best) and with the versioned names (kept a year: none asked). Persistent runtime, on
# loopback; the bytes are what crosses the wire (status line, headers, body). Not a test: it prints figures.
import re
import sys
import socket
import secrets

from tools.db_users import add_user
from tools.db_ses import create_new_ses

host, port = "127.0.0.1", 8092
url_re = re.compile(r"""(?:src|href)="(/(?:v/[0-9a-f]{16}|lib)/[A-Za-z0-9][A-Za-z0-9._-]*)\"""")


def bench_cache():
    uid = add_user("bench_" + secrets.token_hex(4), secrets.token_hex(8), [], "Bench", "User")["id"]
    ses = create_new_ses(uid)
    pages = [("dashboard (a page of p4web)", f"/cgi-bin/p?app=start&r=309012&ses={ses}&rpage=dashboard"),
             ("login (a static page)", "/pages/login/")]
    print("caching: a page's files (client/lib) on a first view and on a second one; persistent runtime")
    print(f"{'page':<30}{'first view':>22}{'2nd, plain names':>22}{'2nd, versioned':>22}{'saved':>10}")
    for name, path in pages:
        st, head, body = get(path)
        if st != 200:
            print(f"{name}: answered {st}")
            return 1
        urls = url_re.findall(body.decode("utf-8", "replace"))
        first = [get(u) for u in urls]
        if any(s != 200 for s, h, b in first):
            print(f"{name}: a file did not answer 200")
            return 1
        # as before: the same files under plain names, each asked again with the ETag it came with
        again = []
        for u in urls:
            plain = "/lib/" + u.rsplit("/", 1)[1]
            s, h, b = get(plain)
            tag = re.search(rb"(?im)^etag: *(.+?)\r?$", h)
            again.append(get(plain, {"If-None-Match": tag.group(1).decode() if tag else ""}))
        if any(s != 304 for s, h, b in again):
            print(f"{name}: a file asked again with its ETag did not answer 304")
            return 1
        # versioned: each answer says immutable for a year, so a browser asks none of them
        kept = [u for u, (s, h, b) in zip(urls, first) if re.search(rb"(?im)^cache-control: *public, max-age=31536000, immutable", h)]
        asked = len(urls) - len(kept)
        fb = sum(len(h) + len(b) for s, h, b in first)
        ab = sum(len(h) + len(b) for s, h, b in again)
        vb = sum(len(h) + len(b) for u, (s, h, b) in zip(urls, first) if u not in kept)
        print(f"{name:<30}{f'{len(urls)} req, {kb(fb)}':>22}{f'{len(again)} req, {kb(ab)}':>22}"
              f"{f'{asked} req, {kb(vb)}':>22}{f'{len(again) - asked} req':>10}")
    print("(2nd, plain names: 304 answers; a browser also waits a round trip for each before it runs the page's scripts)")
    return 0


def kb(n):
    return f"{n / 1024:.1f} KB"


def get(path, more=None):
    # (status, head bytes, body bytes) of one GET over its own connection, as sent on the wire
    s = socket.create_connection((host, port), timeout=30)
    extra = "".join(f"{k}: {v}\r\n" for k, v in (more or {}).items())
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept-Encoding: identity\r\n{extra}Connection: close\r\n\r\n".encode())
    data = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        data += c
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    st = int(head.split(b" ", 2)[1])
    if re.search(rb"(?im)^transfer-encoding: *chunked", head):
        body = unchunk(body)
    return st, head + b"\r\n\r\n", body


def unchunk(b):
    out = b""
    while b:
        n, _, b = b.partition(b"\r\n")
        size = int(n.split(b";")[0], 16)
        if size == 0:
            break
        out += b[:size]
        b = b[size + 2:]
    return out


if __name__ == "__main__":
    sys.exit(bench_cache())

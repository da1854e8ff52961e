# test_proxy.py: behind a trusted proxy (config trusted_proxies) each viewer is its own address
# to the login limits, and no viewer can choose its address. Over HTTP, both runtimes: the
# forwarded address is Apache's work (mod_remoteip).
import json
import secrets
import http.client
from urllib.parse import urlsplit
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import threading

import pytest

from conftest import new_user, site, sql as sqlmod
from tools.sql import *


# ---------- behind a proxy ----------
# A forwarding proxy of the test's own, as a load balancer is: it takes the viewers'
# requests and sends them on to the site from 127.0.0.250 (the test config's
# trusted_proxies), adding each viewer's address to X-Forwarded-For.

@pytest.fixture(scope="module")
def proxy():
    s = urlsplit(site)

    class Fwd(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            xff = ", ".join(x for x in (self.headers.get("X-Forwarded-For"), self.client_address[0]) if x)
            c = http.client.HTTPConnection(s.hostname, s.port, timeout=30, source_address=("127.0.0.250", 0))
            try:
                c.request("POST", self.path, body, {"Content-Type": self.headers["Content-Type"], "X-Forwarded-For": xff})
                r = c.getresponse()
                got = r.read()
            finally:
                c.close()
            self.send_response(r.status)
            self.send_header("Content-Type", r.headers["Content-Type"])
            self.send_header("Content-Length", str(len(got)))
            self.end_headers()
            self.wfile.write(got)

        def log_message(self, *a):
            pass
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Fwd)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def call(addr, port, meth, inp, hdr=None):
    # (status, answer) of a call from addr to 127.0.0.1:port (the proxy, or the site itself)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(addr, 0))
    try:
        c.request("POST", f"/cgi-bin/api?meth={meth}", json.dumps({"info": {}, "input": inp}),
                  dict({"Content-Type": "application/json"}, **(hdr or {})))
        r = c.getresponse()
        return r.status, json.loads(r.read())["server"]
    finally:
        c.close()


def seen(addr):
    # the failures the site counted for a client address
    w = sqlmod.sql("SELECT n FROM throttle WHERE name = %s", (f"addr {addr}",))[0]
    return w[0][0] if w else 0


def rand_ip():
    return "127.0.%d.%d" % tuple(secrets.token_bytes(2))


def test_behind_a_trusted_proxy_each_viewer_is_its_own_address(gen_keep, proxy):
    u, p, uid = new_user()
    owner, guesser = rand_ip(), rand_ip()
    assert call(owner, proxy, "api_login", {"u": u, "p": p})[1]["allow"] == 1
    # five wrong passwords from one viewer refuse that viewer, not the owner behind the same proxy
    for i in range(5):
        assert call(guesser, proxy, "api_login", {"u": u, "p": "wrong"})[1]["msg"] == "Wrong username, password or code"
    a = call(guesser, proxy, "api_login", {"u": u, "p": p})[1]
    assert a["allow"] == 0
    assert "Too many" in a["msg"]
    assert call(owner, proxy, "api_login", {"u": u, "p": p})[1]["allow"] == 1
    # twenty failures of any kind refuse that viewer, not every user
    for i in range(20):
        call(guesser, proxy, "api_login", {"u": f"t_spray_{secrets.token_hex(3)}", "p": "x"})
    assert "Too many" in call(guesser, proxy, "api_login", {"u": f"t_spray_{i}", "p": "x"})[1]["msg"]
    v, pv, vid = new_user()
    assert call(rand_ip(), proxy, "api_login", {"u": v, "p": pv})[1]["allow"] == 1
    # the site counted the viewer, never the proxy
    assert seen(guesser) >= 20
    assert seen("127.0.0.250") == 0


def test_a_viewer_cannot_choose_its_address_through_the_proxy_or_around_it(gen_keep, proxy):
    u, p, uid = new_user()
    me, other = rand_ip(), rand_ip()
    port = urlsplit(site).port
    # straight to the site: the header is nobody's word, the address is the connection's
    call(me, port, "api_login", {"u": u, "p": "wrong"}, {"X-Forwarded-For": other})
    assert seen(me) == 1
    assert seen(other) == 0
    # through the proxy: what the viewer wrote in front of the proxy's entry counts for nothing
    call(me, proxy, "api_login", {"u": u, "p": "wrong"}, {"X-Forwarded-For": other})
    assert seen(me) == 2
    assert seen(other) == 0

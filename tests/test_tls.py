# test_tls.py: https as prod serves it. tests/run makes a site on 127.0.0.1:8094 with the
# vhost prod gets (flyton vhost --tls --redirect), its certificate from a test CA, and
# plain http on :8095 redirecting to it. `flyton tls` is run on folders of the test's own.
import os
import ssl
import json
import stat
import subprocess
import tempfile
from http.client import HTTPConnection, HTTPSConnection

import pytest

from conftest import top, new_user, clear_fails

tls = "/opt/flyton/test/tls"
ca = ssl.create_default_context(cafile=f"{tls}/ca.crt")      # checks the certificate as a browser does

pytestmark = pytest.mark.once      # the https site is its own (CGI) whichever the pass: the first pass only


def https(how, path, body=None, hdr=None):
    c = HTTPSConnection("127.0.0.1", 8094, timeout=30, context=ca)
    try:
        c.request(how, path, body, hdr or {})
        r = c.getresponse()
        return r.status, r.headers, r.read().decode("utf-8", "replace"), c.sock.version()
    finally:
        c.close()


def plain(port, path):
    c = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.headers, r.read().decode("utf-8", "replace")
    finally:
        c.close()


def test_the_site_is_served_over_https_with_hsts():
    st, h, t, ver = https("GET", "/pages/login/")
    assert st == 200
    assert "id=u" in t.replace('"', "")
    assert ver in ("TLSv1.2", "TLSv1.3")
    assert h["Strict-Transport-Security"] == "max-age=31536000"
    assert h["Server"] == "Apache"


def test_login_and_a_page_over_https():
    clear_fails()
    u, p, uid = new_user()
    body = json.dumps({"info": {}, "input": {"u": u, "p": p}})
    st, h, t, ver = https("POST", "/cgi-bin/api?meth=api_login", body, {"Content-Type": "application/json"})
    a = json.loads(t)["server"]
    assert st == 200
    assert a["allow"] == 1
    st, h, t, ver = https("GET", f"/cgi-bin/p?app=start&r=309012&ses={a['ses']}&rpage=dashboard")
    assert st == 200
    assert "id=kicheader" in t


def test_plain_http_is_sent_to_https_with_the_whole_url():
    st, h, t = plain(8095, "/cgi-bin/p?app=start&r=309012&rpage=about")
    assert st == 301
    assert h["Location"] == "https://127.0.0.1:8094/cgi-bin/p?app=start&r=309012&rpage=about"
    st, h, t = plain(8095, "/pages/login/")
    assert st == 301
    assert h["Location"] == "https://127.0.0.1:8094/pages/login/"
    # the name comes from the site's config, never from the request's Host
    c = HTTPConnection("127.0.0.1", 8095, timeout=30)
    c.request("GET", "/pages/login/", headers={"Host": "attacker.example"})
    r = c.getresponse()
    assert r.status == 301
    assert r.headers["Location"] == "https://127.0.0.1:8094/pages/login/"
    c.close()
    # certbot's http-01 challenge is answered over http, not redirected
    st, h, t = plain(8095, "/.well-known/acme-challenge/token123")
    assert st == 404
    assert "Location" not in h


def test_plain_http_on_the_https_port_gets_no_page():
    st, h, t = plain(8094, "/pages/login/")
    assert st == 400
    assert "id=u" not in t


def test_a_certificate_from_nobody_trusted_is_refused_by_a_checking_client():
    # the point of a real certificate: without the test CA, the client must refuse
    c = HTTPSConnection("127.0.0.1", 8094, timeout=30, context=ssl.create_default_context())
    with pytest.raises(ssl.SSLCertVerificationError):
        c.request("GET", "/pages/login/")
    c.close()


# ---------- flyton tls: which certificate a prod box uses ----------

def flyton_tls(etc, *args):
    r = subprocess.run([f"{top}/server/bin/flyton", "tls", *args], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, FLYTON_ETC=etc))
    return r.returncode, r.stdout + r.stderr


def openssl(*args):
    return subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=60).stdout


@pytest.fixture
def etc():
    with tempfile.TemporaryDirectory() as d:
        yield d


def test_a_first_run_makes_a_self_signed_certificate_and_keeps_it(etc):
    rc, out = flyton_tls(etc)
    assert rc == 0, out
    assert "self-signed" in out, out
    state = open(f"{etc}/tls").read().split("\n")
    assert state[0] == f"cert {etc}/self-signed.crt"
    assert state[1] == f"key {etc}/self-signed.key"
    crt = f"{etc}/self-signed.crt"
    assert openssl("x509", "-noout", "-subject", "-in", crt).split("=", 1)[1] == openssl("x509", "-noout", "-issuer", "-in", crt).split("=", 1)[1]
    san = openssl("x509", "-noout", "-ext", "subjectAltName", "-in", crt)
    assert "DNS:localhost" in san
    assert "IP Address:127.0.0.1" in san
    assert stat.S_IMODE(os.stat(f"{etc}/self-signed.key").st_mode) == 0o600
    first = openssl("x509", "-noout", "-fingerprint", "-in", crt)
    rc, out = flyton_tls(etc)
    assert rc == 0
    assert "made" not in out
    assert openssl("x509", "-noout", "-fingerprint", "-in", crt) == first


def test_a_given_certificate_is_checked_before_it_is_recorded(etc):
    rc, out = flyton_tls(etc, "--cert", f"{tls}/site.crt", "--key", f"{tls}/site.key")
    assert rc == 0
    assert open(f"{etc}/tls").read() == f"cert {tls}/site.crt\nkey {tls}/site.key\n"
    keep = open(f"{etc}/tls").read()
    with open(f"{etc}/junk.pem", "w") as f:
        f.write("not a certificate\n")
    for args, said in ((["--cert", f"{tls}/site.crt", "--key", f"{tls}/ca.key"], "does not match"),
                       (["--cert", f"{etc}/junk.pem", "--key", f"{tls}/site.key"], "is not a PEM certificate"),
                       (["--cert", f"{tls}/site.crt", "--key", f"{etc}/junk.pem"], "is not a PEM private key"),
                       (["--cert", f"{etc}/none.crt", "--key", f"{tls}/site.key"], "cannot read"),
                       (["--cert", f"{etc}/a b.crt", "--key", f"{tls}/site.key"], "paths of letters"),
                       (["--cert", f"{tls}/site.crt"], "both")):
        rc, out = flyton_tls(etc, *args)
        assert rc != 0, (args, out)
        assert said in out, (args, out)
        assert "Traceback" not in out, (args, out)
        assert open(f"{etc}/tls").read() == keep          # the good one stays
    rc, out = flyton_tls(etc, "--off")
    assert rc == 0
    assert open(f"{etc}/tls").read() == "off\n"


def handshake(*args):
    # (exit code, what openssl s_client said) of one TLS handshake with the https test site
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:8094", "-servername", "localhost", *args],
                       input="", capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout + r.stderr


@pytest.mark.proof      # the framework's TLS settings, every cipher tried (tests/run --all)
def test_tls_1_2_takes_forward_secret_aead_ciphers_only_in_the_servers_order():
    names = subprocess.run(["openssl", "ciphers", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"], capture_output=True, text=True).stdout
    taken = []
    for c in sorted(set(names.strip().split(":"))):
        rc, out = handshake("-tls1_2", "-cipher", c + ":@SECLEVEL=0")
        if rc == 0 and f"Cipher is {c}" in out:
            taken.append(c)
    assert taken, taken
    assert "ECDHE-RSA-AES128-GCM-SHA256" in taken, taken
    assert all(c.startswith("ECDHE-") and ("GCM" in c or "CHACHA20" in c) for c in taken), taken   # no RSA kx, CBC, CCM
    # the client prefers AES256 and CHACHA20; the server's order (AES128 first) decides
    rc, out = handshake("-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256")
    assert rc == 0, out[-800:]
    assert "Cipher is ECDHE-RSA-AES128-GCM-SHA256" in out, out[-800:]
    for old in ("-tls1", "-tls1_1"):
        rc, out = handshake(old, "-cipher", "ALL:@SECLEVEL=0")
        assert rc != 0, f"{old} was accepted"

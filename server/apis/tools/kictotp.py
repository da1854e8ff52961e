# kictotp.py: one-time codes for two-step login (TOTP, RFC 6238), standard library only.
import hmac
import time
import base64
import struct
import secrets
import urllib.parse

# what `from tools.kictotp import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["kictotp", "new_secret", "otp_uri", "check_totp"]


def kictotp(secret, t=None, digits=6, step=30, algo="sha1"):
    # the code of a base32 secret at time t (now when None)
    now = time.time() if t is None else t
    return hotp(b32key(secret), int(now // step), digits, algo)


def b32key(secret):
    s = secret.strip().replace(" ", "").upper()
    return base64.b32decode(s + "=" * (-len(s) % 8))


def hotp(key, counter, digits=6, algo="sha1"):
    # RFC 4226: the counter's HMAC, cut dynamically to a number of digits
    h = hmac.new(key, struct.pack(">Q", counter), algo).digest()
    o = h[-1] & 15
    n = (struct.unpack(">I", h[o:o + 4])[0] & 0x7FFFFFFF) % 10 ** digits
    return str(n).zfill(digits)


def new_secret():
    # 160 random bits, base32 (what authenticator apps expect)
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def otp_uri(secret, user, issuer="Flyton"):
    # the otpauth:// address an authenticator app reads (often from a QR code)
    label = urllib.parse.quote(f"{issuer}:{user}")
    q = urllib.parse.urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": 6, "period": 30})
    return f"otpauth://totp/{label}?{q}"


def check_totp(secret, code, last=0, t=None):
    # the time step the code belongs to (now, or one step either side), when that
    # step is after last (a code is good once); else 0
    code = str(code or "").strip()
    if len(code) != 6 or not code.isdigit():
        return 0
    now = time.time() if t is None else t
    key = b32key(secret)
    for s in (int(now // 30) - 1, int(now // 30), int(now // 30) + 1):
        if s > int(last or 0) and hmac.compare_digest(hotp(key, s), code):
            return s
    return 0

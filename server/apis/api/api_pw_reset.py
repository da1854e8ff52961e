# api_pw_reset.py: {t, p} -> the password of the user of the mailed link t is p (no session
# needed). The link works once; every session of the user ends, and so does every other link.
# The address the link was used from becomes one the user is known at: a user whose name
# others are guessing from many addresses gets in from here at once (tools/throttle.py).
from tools.sql import *
from tools.kicapi import *
from tools.kicweb import client_ip
from tools.throttle import throttle, throttle_ok, throttle_clear, wait_text, throttle_fail
from tools.db_users import set_pw
from tools.db_ses import end_user_ses
from tools.db_pwreset import pwreset_use, pwreset_end
from tools.db_log import add_log


def api_pw_reset(data):
    i = data["post"]["input"]
    p = kic_refine("Password", i.get("p"), {"strip": 0, "min": 8, "max": 200})
    if isinstance(p, dict):
        api_err(p["err"], {"fld": "p"})
        return
    ip = client_ip()
    # a client that tries links is slowed down like one that tries passwords
    wait = throttle("reset " + ip, ip)
    if wait:
        api_err(f"Too many tries. Try again in {wait_text(wait['wait'])}.", {"wait": wait["wait"]})
        return
    uid = pwreset_use(i.get("t"))
    if not uid:
        throttle_fail("reset " + ip, ip)
        api_err("This link does not work: it was used, is too old, or a newer one was sent. Ask for a new one.")
        return
    throttle_ok("reset " + ip, ip, 0)
    set_pw(uid, p)
    pwreset_end(uid)
    n = end_user_ses(uid)
    u = find_in_sql({"table": "users", "what": "username", "where": {"id": uid}})
    throttle_clear(u[0])
    throttle_ok(u[0], ip)
    add_log("pw_reset", u[0], {"uid": uid, "ip": ip, "ended": n})
    api_ok()

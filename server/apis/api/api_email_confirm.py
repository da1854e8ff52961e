# api_email_confirm.py: {t} -> the address of the mailed link t becomes its user's (no session
# needed: the link may open in any browser). The link works once; it ends every other link.
from tools.sql import *
from tools.kicapi import *
from tools.kicweb import client_ip
from tools.throttle import throttle, throttle_ok, wait_text, throttle_fail
from tools.db_pwreset import pwreset_email, pwreset_end
from tools.db_log import add_log


def api_email_confirm(data):
    ip = client_ip()
    # a client that tries links is slowed down like one that tries passwords
    wait = throttle("reset " + ip, ip)
    if wait:
        api_err(f"Too many tries. Try again in {wait_text(wait['wait'])}.", {"wait": wait["wait"]})
        return
    uid, e = pwreset_email(data["post"]["input"].get("t"))
    if not uid:
        throttle_fail("reset " + ip, ip)
        api_err("This link does not work: it was used, is too old, or a newer one was sent. Ask for a new one.")
        return
    throttle_ok("reset " + ip, ip, 0)
    try:
        add_to_data("users", uid, "email", e)
    except SqlError as x:
        if x.errno != 1062:    # 1062: a duplicate of a unique key (users.email)
            raise
        # the link goes to the address itself: only its owner reads this
        api_err("This address belongs to another user now")
        return
    pwreset_end(uid)
    add_log("email_set", str(uid), {"uid": uid, "ip": ip})
    api_ok({"email": e})

# api_pw_forgot.py: {email} -> a mail with a link that sets a new password, to the user with
# that address (no session needed). The answer is the same whether or not the address is a
# user's, and takes as long (floor seconds): the link is made and mailed after the answer has
# left (after_answer), so neither a slow mail server nor the work tells who has an account.
# Throttled like login (per address and client, per client) and a few links per
# address a window from anywhere (tools/throttle.py).
import time

import config
from tools.sql import *
from tools.kicapi import *
from tools.kicweb import client_ip
from tools.kicmail import kicmail
from tools.kicreq import after_answer
from tools.throttle import throttle, throttle_count, throttle_fail, limits, wait_text
from tools.db_pwreset import pwreset_new, minutes
from tools.db_log import add_log

floor = 1.5
said = "If a user has this address, a mail with a link to set a new password is on its way."


def api_pw_forgot(data):
    t0 = time.monotonic()
    e = kic_refine("Email", data["post"]["input"].get("email"), {"is": "email", "min": 3, "max": 255})
    if isinstance(e, dict):
        api_err(e["err"], {"fld": "email"})
        return
    ip = client_ip()
    # an address gets at most login_fail_max links a window, from anywhere: nobody can fill
    # a stranger's mailbox (and the newest link in it always works)
    g = limits()
    wait = throttle("mail " + e, ip)
    if not wait and throttle_count("mail " + e, g) > g["most"]:
        wait = {"wait": g["window"]}
    if wait:
        api_err(f"Too many requests for a link. Try again in {wait_text(wait['wait'])}.", {"wait": wait["wait"]})
        return
    throttle_fail("mail " + e, ip)      # every link asked for counts for the address it came from
    w = find_in_sql({"table": "users", "what": "id,username", "where": {"email": e}, "is_active": 1})
    if w:
        after_answer(mail_link, w[0], w[1], e, ip)
    time.sleep(max(0.0, floor - (time.monotonic() - t0)))
    api_ok({"msg": said})


def mail_link(uid, username, e, ip):
    t = pwreset_new(uid, ip)
    url = f"{str(getattr(config, 'site_url', 'http://localhost')).rstrip('/')}/pages/login/reset.html#t={t}"
    site = getattr(config, "site_name", "Flyton")
    text = f"""Hello {username},

someone (we hope you) asked to set a new password for your user on {site}.
Open this link to set it; it works once, for {minutes()} minutes:

{url}

If it was not you, do nothing: your password stays as it is.
"""
    w = kicmail(e, f"{site}: set a new password", text)
    add_log("pw_forgot", username, {"uid": uid, "ip": ip, "sent": 1 if w["status"] else 0})

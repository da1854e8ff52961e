# api_pw_forgot.py: {email} -> a mail with a link that sets a new password, to the user with
# that address (no session needed). The answer is the same whether or not the address is a
# user's, and takes as long (floor seconds): the link is made and mailed by a background job
# (server/apis/jobs/job_pw_link.py), so neither a slow mail server nor the work tells who has an account.
# Throttled like login (per address and client, per client) and a few links per
# address a window from anywhere (tools/throttle.py).
import time

from tools.sql import *
from tools.kicapi import *
from tools.kicweb import client_ip
from tools.kicjob import job
from tools.throttle import throttle, throttle_count, throttle_fail, limits, wait_text

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
        job("pw_link", {"uid": w[0], "username": w[1], "email": e, "ip": ip})
    time.sleep(max(0.0, floor - (time.monotonic() - t0)))
    api_ok({"msg": said})

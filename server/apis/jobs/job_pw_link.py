# job_pw_link.py: the link of "forgot password" (api_pw_forgot), made and mailed in the background.
# Run again (a worker that died): a second link, and the newest one works.
import config
from tools.kicmail import kicmail
from tools.db_pwreset import pwreset_new, minutes
from tools.db_log import add_log


def job_pw_link(data):
    uid, username, e, ip = data["uid"], data["username"], data["email"], data["ip"]
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

# job_email_confirm.py: the link that makes a new address a user's (tools/kicconfirm.py), or, when
# the address is another user's, a word to its owner (the one who asked learns nothing).
import config
from tools.kicmail import kicmail
from tools.db_users import email_taken
from tools.db_pwreset import pwreset_new, minutes
from tools.db_log import add_log


def job_email_confirm(data):
    uid, username, e, ip = data["uid"], data["username"], data["email"], data["ip"]
    site = getattr(config, "site_name", "Flyton")
    if email_taken(e, uid):
        # its owner learns of the try; the one who asked learns nothing
        kicmail(e, f"{site}: this address is in use", f"""Hello,

someone asked {site} to use this address for a user, but it belongs to another
user already, so nothing changed. If that was you: log in as the user that has
this address, or use "Forgot password" on the login page.
""")
        add_log("email_confirm", username, {"uid": uid, "ip": ip, "sent": 0, "taken": 1})
        return
    t = pwreset_new(uid, ip, e)
    url = f"{str(getattr(config, 'site_url', 'http://localhost')).rstrip('/')}/pages/login/confirm.html#t={t}"
    w = kicmail(e, f"{site}: confirm your email address", f"""Hello {username},

open this link to make this your email address on {site} (it works once, for
{minutes()} minutes):

{url}

If you did not ask for it, do nothing: your address stays as it is.
""")
    add_log("email_confirm", username, {"uid": uid, "ip": ip, "sent": 1 if w["status"] else 0})

# kicconfirm.py: a new email address is a user's only once a link mailed to it is opened
# (api_email_confirm): nobody can claim an address that is not theirs, and the answer to
# the one who asks never tells whether the address is taken. The mails leave after the
# answer (tools/kicreq.py, after_answer), so their time does not show either.
import config
from tools.sql import *
from tools.kicmail import kicmail
from tools.kicreq import after_answer
from tools.db_users import email_taken
from tools.db_pwreset import pwreset_new, minutes
from tools.db_log import add_log

# what `from tools.kicconfirm import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["kicconfirm"]


def kicconfirm(uid, username, e, old, ip):
    # the link goes to e, and the old address (when there is one) is told
    after_answer(mail_confirm, uid, username, e, ip)
    if old and old != e:
        after_answer(tell_old, username, old, e)


def mail_confirm(uid, username, e, ip):
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


def tell_old(username, old, e):
    # e: the new address, or "" when the address was removed
    site = getattr(config, "site_name", "Flyton")
    what = f"asked to change your email address to\n{e}. It changes when the link mailed there is opened."
    if not e:
        what = "removed your email address: the user has none now."
    kicmail(old, f"{site}: your email address is changing", f"""Hello {username},

someone logged in as you on {site} {what}

If that was not you, log in and change your password now (your sessions
elsewhere end with it), and tell the site's admin.
""")

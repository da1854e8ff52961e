# job_email_old.py: the old address of a user is told that the address is changing or was removed.
import config
from tools.kicmail import kicmail


def job_email_old(data):
    username, old, e = data["username"], data["old"], data["email"]
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

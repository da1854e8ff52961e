# kicmail.py: sending mail, on the standard library (smtplib, email). The SMTP server is
# config.mail in server/config.py (docs/tools.md, "tools/kicmail.py"):
#   mail = {"host": "localhost", "port": 25, "tls": "", "user": "", "password": "",
#           "from": "Flyton <noreply@localhost>", "timeout": 10}
#   tls: "" plain (a relay on the box), "starttls" (port 587), "ssl" (port 465)
# kicmail() never raises: it answers {"status": 1, "job": id} (queued) or {"status": 0, "err": ...},
# and a refusal is written to the error log. A mail that cannot be sent yet is sent again later
# (flyton jobs shows it).
import ssl
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid, formatdate

import config
from tools.kic_refine import validate_email
from tools.kicjob import job

# what `from tools.kicmail import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["kicmail"]     # (send_now: the mail job's, sending at once)

defaults = {"host": "localhost", "port": 25, "tls": "", "user": "", "password": "",
            "from": "Flyton <noreply@localhost>", "timeout": 10}


def kicmail(to, subject, text, html=""):
    # one mail to one address (a text body, and an HTML one when given), queued: a background job
    # sends it (server/apis/jobs/job_mail.py), again later while the mail server is down, so no
    # answer waits for it. Inside a call's transaction it is queued with the call's writes
    if not isinstance(to, str) or not validate_email(to):
        return fail(f"not an email address: {str(to)[:80]!r}")
    try:
        message(to, subject, text, html)     # what would fail at sending fails now, with its reason
    except (ValueError, TypeError) as e:
        return fail(f"the message is not valid: {e}")
    if capped(to):
        return fail(f"not sent to {to}: the address or the sender had their cap of mails (config.py mail_cap, mail_cap_user)")
    return {"status": 1, "job": job("mail", {"to": to, "subject": str(subject), "text": str(text), "html": str(html or "")})}


def send_now(to, subject, text, html=""):
    # sends it now; raises when the server is not there or refuses (the job is tried again later)
    c = dict(defaults, **(getattr(config, "mail", None) or {}))
    m = message(to, subject, text, html, c)
    send(c, m)


def message(to, subject, text, html, c=None):
    c = c or dict(defaults, **(getattr(config, "mail", None) or {}))
    m = EmailMessage()
    m["From"] = c["from"]
    m["To"] = to
    m["Subject"] = str(subject)     # a new line in a header is refused here (ValueError)
    m["Date"] = formatdate(localtime=True)
    m["Message-ID"] = make_msgid(domain=c["from"].rsplit("@", 1)[-1].strip("> ") or "localhost")
    m.set_content(str(text))
    if html:
        m.add_alternative(str(html), subtype="html")
    return m


def capped(to, uid=None):
    # 1 when the address had its cap of mails in the window (config.py mail_cap = "5/hour"), or the
    # user whose request sends it had theirs (mail_cap_user = "20/hour"), from any method: nobody
    # can fill a stranger's mailbox through the site. uid: the request's user (kicreq whose())
    import hashlib
    from tools.kicrate import rate_rule, count
    from tools.kicreq import whose
    uid = whose() if uid is None else uid
    keys = [("mail to " + hashlib.sha256(to.strip().lower().encode("utf-8")).hexdigest()[:40], getattr(config, "mail_cap", "5/hour"))]
    if uid:
        keys.append((f"mail by u{uid}", getattr(config, "mail_cap_user", "20/hour")))
    for key, cap in keys:
        for most, secs, by in rate_rule(str(cap).split(" per ")[0] + " per address"):
            if count(key, secs, most)[0] > most:
                return 1
    return 0


def send(c, m):
    t = float(c["timeout"])
    if c["tls"] == "ssl":
        s = smtplib.SMTP_SSL(c["host"], int(c["port"]), timeout=t, context=ssl.create_default_context())
    else:
        s = smtplib.SMTP(c["host"], int(c["port"]), timeout=t)
    try:
        if c["tls"] == "starttls":
            s.starttls(context=ssl.create_default_context())
        if c["user"]:
            s.login(c["user"], c["password"])
        s.send_message(m)
    finally:
        try:
            s.quit()
        except (OSError, smtplib.SMTPException):
            s.close()


def fail(err):
    from tools.kicweb import log
    log(f"kicmail: {err}")
    return {"status": 0, "err": err}

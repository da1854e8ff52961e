# kicconfirm.py: a new email address is a user's only once a link mailed to it is opened
# (api_email_confirm): nobody can claim an address that is not theirs, and the answer to
# the one who asks never tells whether the address is taken. The mails are made and sent by
# background jobs (server/apis/jobs/job_email_confirm.py, job_email_old.py), so their time does
# not show either.
from tools.kicjob import job

# what `from tools.kicconfirm import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["kicconfirm"]


def kicconfirm(uid, username, e, old, ip):
    # the link goes to e, and the old address (when there is one) is told
    job("email_confirm", {"uid": uid, "username": username, "email": e, "ip": ip})
    if old and old != e:
        job("email_old", {"username": username, "old": old, "email": e})

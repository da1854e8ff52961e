# job_mail.py: one mail, queued by kicmail() (tools/kicmail.py), sent to the SMTP server of config.mail.
# A server that is down or refuses for a while: the job raises and the worker sends it again
# later (5 s, 10 s, 20 s ... an hour at most), 25 times over about a day, then keeps it as failed.
from tools.kicmail import send_now

tries = 25


def job_mail(data):
    send_now(data["to"], data["subject"], data["text"], data.get("html", ""))

# kicreq.py: the request context: all that one request knows, in one place.
# Started afresh at the start of every request (kicreq_new) and dropped at its end
# (kicreq_end), one per thread, so the persistent runtime can serve many requests,
# one after another or side by side, and none sees what belongs to another. tools/kicweb.py kicdata() fills it
# from the session and hands its `data` to the page or method.
#   env     the request's variables (QUERY_STRING, REQUEST_METHOD, REMOTE_ADDR ...)
#   inp     the request body, a binary stream
#   data    the one argument of the page or method (kicdata)
#   ses     the session token, s its data (data["s"], the same dict), row the db_ses row,
#           u its user (as get_record gives it, no sis: my_user())
#   roles   the user's roles (a list: is_ses_role(), need_role())
#   answer  the API method's answer (api_ok / api_err)
#   lang    the language of txt()
#   out     what print() writes while a page is built (None: not building a page)
#   resp    the answer to send: (status, headers, body bytes)
#   after   what runs once the answer has left (after_answer): a mail, so nobody waits for it
#   ran     1 once an API method ran whose writes stay when it fails (dispatch.py: no retry then)
#   rid     the request's id, what the page or method it ran, t0 its start (tools/kicstat.py)
import _thread   # threading.local without importing threading: 1 ms less for every CGI request
from time import perf_counter

import config

# what `from tools.kicreq import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["kicreq", "kicreq_env", "after_answer"]

local = _thread._local()


def kicreq():
    # the current request's context (a dict)
    try:
        return local.req
    except AttributeError:
        return kicreq_new({})


def kicreq_new(env, inp=None):
    # a clean context for a new request; nothing of the one before survives
    r = {"env": env, "inp": inp, "data": {}, "ses": "", "s": {}, "row": {}, "u": {}, "roles": [], "answer": {},
         "lang": getattr(config, "lang", "en"), "out": None, "resp": None, "after": [], "ran": 0,
         "rid": "", "what": "", "t0": perf_counter()}
    local.req = r
    return r


def kicreq_end():
    # the request is over: nothing of it stays in the thread (a kicreq() after it starts a clean one)
    local.__dict__.pop("req", None)


def has_role(role):
    # 1 when this request's user has the role (read with the session, no query): what
    # is_ses_role (tools/db_ses.py, the one role check pages and methods use) reads
    return 1 if role in kicreq()["roles"] else 0


def kicreq_env(k, default=""):
    # one request variable: kicreq_env("REMOTE_ADDR")
    v = kicreq()["env"].get(k, default)
    return default if v is None else v


def after_answer(f, *a):
    # f(*a) runs after the answer has been sent (both runtimes): the client neither waits for
    # it nor can tell from the answer's time what it did (a mail to a slow server)
    kicreq()["after"].append((f, a, (kicreq()["u"] or {}).get("id", 0)))


def after_by(uid):
    # run_after: the user whose request left the job that runs now (whose)
    local.by = uid


def whose():
    # the user whose request this is (0: none); after the answer (run_after), the one whose request
    # left the job that runs now: what a mail sent then counts for (kicmail's caps)
    r = getattr(local, "req", None)
    return getattr(local, "by", 0) or ((r or {}).get("u") or {}).get("id", 0)

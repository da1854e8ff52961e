# kicapi.py: how an API method answers. The dispatcher (dispatch.py) prints the answer
# once, as valid JSON, after the method returns. The answer lives in the request
# context, so each request starts with none.
from tools.kicreq import kicreq

# what `from tools.kicapi import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["kicapi", "api_ok", "api_err", "api_id", "api_paging"]


def kicapi():
    # the answer given so far (a dict; empty when the method gave none)
    return kicreq()["answer"]


def api_ok(more={}):
    # allow: 1, plus the keys of more (they keep their JSON types); returns the answer
    a = kicreq()["answer"]
    a.clear()
    a["allow"] = 1
    a.update(more or {})
    return a


def api_err(msg, more={}):
    # allow: 0, msg (and err) = msg, plus the keys of more; returns the answer
    a = kicreq()["answer"]
    a.clear()
    a["allow"] = 0
    a["msg"] = msg
    a["err"] = msg
    a.update(more or {})
    return a


def answer(v):
    # the method's answer, one path: what it returned when that is a dict (without "allow" it
    # means allow: 1), else what api_ok()/api_err() set
    a = kicreq()["answer"]
    if isinstance(v, dict) and v is not a:    # (return api_ok(..) gives back the answer itself)
        a.clear()
        a.update(v)
        a.setdefault("allow", 1)
    return a


def api_id(i, k="id"):
    # the id under k of an API input as an int, or 0 when it is none: an int or a string
    # of digits. true, 1.5 and "1e3" are no ids (int() would make true or 1.5 into 1)
    v = i.get(k) if isinstance(i, dict) else None
    if isinstance(v, str) and v.strip().isascii() and v.strip().isdigit():
        v = int(v.strip())
    if type(v) is not int or v <= 0 or v >= 2 ** 63:
        return 0
    return v


def api_paging(i, most=100):
    # (offset, limit) of a paged list from an API input {"offset": n, "limit": n}: offset 0 and up,
    # limit 1 to most (most by default). The method fetches limit + 1 rows, answers limit of them,
    # and "next": offset + limit when there are more (docs/tutorial.md, a paged list)
    off = api_id(i, "offset")
    n = api_id(i, "limit") or most
    return off, min(n, most)

# dispatch.py: the API dispatcher (the original's server/apis/cgi.py: a module named cgi on the
# import path would hide Python's own). POST /cgi-bin/api?meth=api_x with
# {"info": {"os", "ses", "uses"}, "input": {...}} runs api/api_x.py: api_x(data)
# and answers exactly one JSON object {"server": {...}}, whatever the method does.
import os
import re
import json
import base64
import binascii
import fnmatch
import urllib.parse

import config
from tools.kicreq import kicreq, kicreq_env
from tools.kicweb import kicweb, kicdata, log, ref, send, load, printed, read_body, kicdone, has_file, is_dev, is_name, NotAllowed
from tools.kicapi import answer
from tools import sql as sqlmod
from tools.sql import SqlError
from tools.db_ses import db_ses, end_ses
from tools.db_calls import db_calls, call_keep, is_rid
from tools.kicrate import kicrate
from tools.throttle import wait_text
from tools import kicstat

here = os.path.dirname(os.path.abspath(__file__))
# the doors of the login system need no session whatever config.py lists (one written before
# "forgot password" existed still opens it); api_register is the site's choice
no_ses = set(getattr(config, "no_ses_meths", [])) | {"api_login", "api_ping", "api_pw_forgot", "api_pw_reset", "api_email_confirm"}
alias = {"ping": "api_ping"}
# beside config.py (on prod the machine's shared/): "drain" (flyton drain) and "hold" (flyton restore:
# no write is taken while the database is swapped; the call is answered 503 with retry)
cfg_dir = os.path.dirname(os.path.realpath(config.__file__))
hold = f"{cfg_dir}/hold"


def dispatch():
    meth = ""
    more = cors()
    try:
        if kicreq_env("REQUEST_METHOD") == "OPTIONS":
            preflight(more)
            return
        meth = kicweb().get("meth", "")
        meth = alias.get(meth, meth)
        if meth == "metrics":
            from tools.kicmetrics import kicmetrics     # here: only a scrape pays for it
            kicreq()["what"] = "metrics"
            st, t = kicmetrics()
            send(st, "text/plain; version=0.0.4; charset=utf-8", t, more)     # Prometheus' format
            return
        status, ans = call(meth)
        if status == 429:
            more = dict(more, **{"Retry-After": str(ans["wait"])})     # the time left, not the window
    except NotAllowed:
        status, ans = 403, {"allow": 0, "err": "not allowed"}
    except SqlError as e:
        r = ref()
        log(f"api error in {meth[:60]!r}: database: {e}", r)
        status, ans = 500, {"allow": 0, "err": f"database error, reference {r}", "ref": r}
        if not kicreq()["ran"]:
            ans["retry"] = 1      # nothing of it was written: call_server may send it again
    except Exception:
        import traceback   # here, not on top: only a failing request pays for it
        r = ref()
        t = traceback.format_exc()
        log(f"api error in {meth[:60]!r}\n{t}", r)
        status, ans = 500, {"allow": 0, "err": f"server error, reference {r}", "ref": r}
        if is_dev():
            ans["trace"] = t      # call_server prints it in the browser's console
    reply(status, meth, ans, more)


body_err = {413: "request too large", 408: "the request body did not arrive in time"}


def call(meth):
    # the body is read first: a CGI that leaves it unread gets its answer cut off
    body = read_body(int(getattr(config, "max_body", 10 * 1024 * 1024)))
    if not is_name(meth) or not meth.startswith("api_") or not has_file(f"{here}/api/{meth}.py"):
        return 404, {"allow": 0, "err": "wrong method"}
    kicreq()["what"] = meth       # a method that is one: its line in flyton stats
    if isinstance(body, int):
        return body, {"allow": 0, "err": body_err[body]}
    if meth == "api_ping":
        if draining():
            return 503, {"allow": 0, "err": "this node is leaving the balancer (flyton drain)"}
    elif os.path.exists(hold):
        return 503, {"allow": 0, "err": "the site's database is being restored: try again in a minute", "retry": 1}
    out = gate(meth)
    if out:
        return out
    try:
        post = read_json(body)
    except (ValueError, RecursionError) as e:
        return 400, {"allow": 0, "err": f"bad json: {str(e)[:80]}" if isinstance(e, BadJson) else "bad json"}
    if not isinstance(post, dict) or not isinstance(post.get("info", {}), dict):
        return 400, {"allow": 0, "err": "bad json: an object with info and input is expected"}
    post.setdefault("input", {})
    if not isinstance(post["input"], dict):
        return 400, {"allow": 0, "err": "bad json: input must be an object"}
    info = post.get("info") or {}
    kicstat.set_rid(info.get("rid"))      # call_server's id of the call (the same when it is sent again)
    ses = str(info.get("ses") or "")
    data = kicdata({"par": kicweb(), "post": post, "meth": meth}, ses, 0 if meth in no_ses else 1)
    if data is None:
        return 401, {"allow": 0, "sact": "out", "err": "no session"}
    out = other_tab(ses, str(info.get("uses") or ""), data)
    if out:
        return out
    # (flyton health's own session, made and removed by root, is never refused)
    wait = 0 if data["s"].get("health") else kicrate(meth, data["s"].get("my_user_id", 0))
    if wait:
        return 429, {"allow": 0, "err": f"Too many requests: try again in {wait_text(wait)}.", "wait": wait}
    kicdone()
    err = files(post["input"])
    if err:
        return (413 if "large" in err else 400), {"allow": 0, "err": err}
    return run(meth, data)


def draining():
    # `flyton drain on` (a file "drain" beside config.py: on prod the machine's shared/, kept across
    # releases): the balancer's ping is refused, so it sends this node nothing new while requests in
    # flight finish. The machine's own checks (flyton health, from loopback) still get their answer
    if kicreq_env("REMOTE_ADDR") in ("127.0.0.1", "::1"):
        return 0
    return 1 if os.path.exists(f"{cfg_dir}/drain") else 0


surrogate_re = re.compile(rb"\\u[dD][89a-fA-F]")


class BadJson(ValueError):
    pass


def finite(s):
    # a JSON number with a fraction or exponent; 1e400 would be infinity
    f = float(s)
    if f in (float("inf"), float("-inf")):
        raise BadJson("a number too large")
    return f


def constant(s):
    raise BadJson(f"{s} is not JSON")


reader = json.JSONDecoder(parse_float=finite, parse_constant=constant)     # json.loads would make one per call
writer = json.JSONEncoder(ensure_ascii=False, default=str, allow_nan=False)


def read_json(body):
    # the body as JSON: no NaN or Infinity, no number too large, no lone surrogate
    # (the database could not store it); nesting too deep raises RecursionError
    if not body.strip():
        return {}
    post = reader.decode(body.decode("utf-8"))
    # a surrogate can only come from a \\uD800..\\uDFFF escape: look closer only then
    if surrogate_re.search(body):
        try:
            json.dumps(post, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise BadJson("a string has a lone surrogate (\\ud800..\\udfff)")
    return post


def other_tab(ses, uses, data):
    # a URL session (uses) that is not this tab's live one was copied from another tab: it
    # ends, but only when it is the caller's own (same user); a token of somebody else's
    # proves nothing, and must not log its owner out
    if not data["s"] or not uses or uses == ses:
        return None
    o = db_ses(uses)
    if o and o["user_id"] == data["s"]["my_user_id"]:
        end_ses(uses)
    return 401, {"allow": 0, "sact": "out", "err": "session of another tab"}


def gate(meth):
    # who may call: a page of another site can send text/plain or a form without its
    # browser asking anybody; JSON makes the browser ask first (a CORS preflight), and
    # a foreign Origin is refused unless config.cors_origins lists it
    how = kicreq_env("REQUEST_METHOD")
    if how == "GET" and meth == "api_ping":
        return None      # a health check from the shell or a load balancer
    if how != "POST":
        return 405, {"allow": 0, "err": "use POST with a JSON body"}
    t = kicreq_env("CONTENT_TYPE").split(";")[0].strip().lower()
    if t != "application/json":
        return 415, {"allow": 0, "err": "send the body as Content-Type: application/json"}
    o = kicreq_env("HTTP_ORIGIN")
    if o and not same_site(o) and o not in getattr(config, "cors_origins", []):
        return 403, {"allow": 0, "err": "origin not allowed"}
    return None


def same_site(o):
    # Origin is this site when it is site_url's origin, or when its host:port is the Host the
    # request came with (or the one a proxy in front, as Cloud9's preview, says it was asked
    # for) and that host is one of the site's names (site_url's, config hosts: Apache answers
    # any other Host with 421, and this checks again). A name that is not the site's never
    # passes, whatever the request says (DNS rebinding); a page cannot add X-Forwarded-Host
    # to a cross-site call without the preflight, which is refused.
    o = o.lower()
    if "://" not in o:
        return 0
    u = urllib.parse.urlsplit(str(getattr(config, "site_url", "")).lower())
    if o == f"{u.scheme}://{u.netloc}":
        return 1
    host = o.split("://", 1)[1]
    asked = [kicreq_env("HTTP_HOST"), kicreq_env("HTTP_X_FORWARDED_HOST").split(",")[0]]
    if host not in [h.strip().lower() for h in asked if h.strip()]:
        return 0
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    names = [u.hostname or ""] + [str(h).lower() for h in getattr(config, "hosts", ["localhost", "127.0.0.1"])]
    return 1 if any(fnmatch.fnmatchcase(name, h) for h in names) else 0


def files(i):
    # b64_file_x (sent by call_server for an ArrayBuffer under file_x) -> bytes under file_x
    if not isinstance(i, dict):
        return ""
    limit = int(getattr(config, "max_file", 5 * 1024 * 1024))
    for k in [k for k in i if k.startswith("b64_file_")]:
        s = i[k]
        if not isinstance(s, str) or len(s) > limit * 4 // 3 + 8:
            return f"file too large (at most {limit} bytes)"
        try:
            i[k[4:]] = base64.b64decode(s, validate=True)
        except (binascii.Error, ValueError):
            return "bad file data"
    return ""


def run(meth, data):
    # the method answers with api_ok()/api_err(), or returns its answer (tools/kicapi.py answer());
    # what it prints is dropped
    f = getattr(load(f"api.{meth}"), meth, None)
    if not callable(f):
        msg = f"server/apis/api/{meth}.py has no function {meth}(data)"
        log(msg)
        return 404, {"allow": 0, "err": msg if is_dev() else "wrong method"}
    rid = (data["post"].get("info") or {}).get("rid")
    if not data["s"] or not is_rid(rid):
        kicreq()["ran"] = 1     # what it wrote before a failure stays: not to be sent again
        return method(f, meth, data)
    return once(f, meth, data, rid)


def once(f, meth, data, rid):
    # A call that may come again (call_server sends it again, with the same rid, when no answer
    # came): its first write opens a transaction, and its answer is kept in that transaction
    # (tools/db_calls.py). A second try of a call whose writes committed finds the first answer
    # kept: its own writes are undone and the first answer goes back. A try that fails writes
    # nothing, so the next one is safe. Calls without a session are the login's doors: their
    # answers hold tokens, and are not kept. What protects an account (a throttle's booked check, a
    # failure's log row) commits apart (sql.apart) and stays when a try is undone; a method that
    # checks a password costs the same whether it was right (api_password hashes the new one first),
    # so a try sent again tells nothing that a new call would not. Decision: no lookup of a kept
    # answer before the method runs (a query on every call, 5-8 % of an API call in the benchmark).
    uid = data["s"]["my_user_id"]
    sqlmod.lazy_tx(1)
    try:
        st, ans = method(f, meth, data)
        if not sqlmod.lazy_tx(0):
            # it wrote nothing: nothing to keep. A try that failed so may come after one that got through
            # (a password change sent again: the old password is wrong now): the first answer, when kept
            if ans.get("allow") == 0:
                return db_calls(uid, rid) or (st, ans)
            return st, ans
        if sqlmod.in_tx() != 1:
            raise RuntimeError(f"{meth} left a transaction open (a begin() without commit())")
        if not call_keep(uid, rid, st, ans):
            undo()
            return db_calls(uid, rid) or (500, {"allow": 0, "err": "try again", "retry": 1})
        sqlmod.commit()
        return st, ans
    except BaseException:
        undo()
        raise


def undo():
    # the writes of this try are undone, and what it left for after the answer (a mail) with them
    sqlmod.lazy_tx(0)
    while sqlmod.in_tx():
        sqlmod.rollback()
    kicreq()["after"].clear()


def method(f, meth, data):
    v, out = printed(f, data)
    if out.strip():
        log(f"{meth} printed {len(out)} characters (dropped, the answer is JSON)")
    ans = answer(v)
    if not ans:
        return 500, {"allow": 0, "err": "the method gave no answer"}
    return 200, dict(ans)


def reply(status, meth, ans, more):
    ver = getattr(config, "version", "1")
    srv = {"method": meth[:60]}
    srv.update(ans)
    if "ref" in srv:
        srv["rid"] = kicstat.rid()      # beside the reference: grep it in the access and error logs
                                        # (every answer has it as X-Request-Id)
    srv["server_ver"] = ver
    try:
        body = writer.encode({"server": srv})
    except (ValueError, TypeError) as e:
        log(f"{meth} answer is not JSON: {e}")
        status = 500
        body = json.dumps({"server": {"method": meth, "allow": 0, "err": "answer is not JSON", "server_ver": ver}})
    send(status, "application/json; charset=utf-8", body, more)


def cors():
    # the origins of config.cors_origins may call the API from their pages
    o = kicreq_env("HTTP_ORIGIN")
    if o and o in getattr(config, "cors_origins", []):
        return {"Access-Control-Allow-Origin": o, "Vary": "Origin"}
    return {}


def preflight(more):
    if not more:
        send(403, "text/plain; charset=utf-8", "origin not allowed")
        return
    more["Access-Control-Allow-Methods"] = "POST, GET, OPTIONS"
    more["Access-Control-Allow-Headers"] = "Content-Type"
    more["Access-Control-Max-Age"] = "600"
    send(204, "text/plain; charset=utf-8", "", more)

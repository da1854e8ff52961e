# kicjob.py: background jobs on the site's own database (docs/tools.md, "tools/kicjob.py").
#   job("mail_welcome", {"uid": 5})                      run job_mail_welcome({"uid": 5}) soon
#   job("report", {}, delay=600, queue="slow", priority=5)
#   job("remind", {"id": 7}, at="2026-12-24 09:00:00")
# A job is a function in server/apis/jobs/job_<name>.py (flyton new job NAME), run by `flyton
# worker` on every machine. job() is a write like any other: inside a call's transaction it
# commits with the call's writes, or is undone with them; a call sent again queues it once.
# Each job runs at least once: a worker that dies mid-job leaves it to another once its lease
# ends, so a job must be safe to run twice (docs/tools.md says how). One that raises is queued
# again later (5 s, 10 s, 20 s ... an hour at most) up to its tries (10), then kept as failed
# with its traceback and a reference (flyton jobs; flyton jobs retry ID).
import os
import re
import json
import time
import random
import socket

import config
from tools import sql as sqlmod
from tools.sql import sql, SqlError
from tools.kicreq import kicreq, whose, after_by, local as reqlocal

__all__ = ["kicjob", "job"]

apis = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
top = os.path.dirname(os.path.dirname(apis))
name_re = re.compile(r"^[a-z][a-z0-9_]{0,59}\Z")
lease_s = int(getattr(config, "job_lease", 60))          # a running job's lease, renewed while it runs
backoff_s = float(getattr(config, "job_backoff", 5))     # the wait before the first retry; doubled each time
tries_max = 10
state = {"db": None, "n": 0, "job": None}     # this worker: its connection's isolation set; jobs queued


def kicjob(i):
    # what became of job i: {"id", "name", "state", "tries", "run_at", "err", "ref"}, {} when it is
    # gone (done jobs are kept jobs_keep_hours, 24)
    w = sql("SELECT id, name, state, tries, run_at, err, ref FROM jobs WHERE id = %s", [int(i)], 1)[0]
    return w[0] if w else {}


def job(name, args=None, at=None, delay=0, queue="default", priority=0):
    # queues job_<name>(args) to run in the background; returns its id
    if not isinstance(name, str) or not name_re.match(name) or not os.path.isfile(f"{apis}/jobs/job_{name}.py"):
        raise ValueError(f"no such job: {str(name)[:60]!r} (server/apis/jobs/job_<name>.py; flyton new job NAME)")
    if not isinstance(queue, str) or not name_re.match(queue):
        raise ValueError(f"a queue is a short lowercase name: {str(queue)[:40]!r}")
    try:
        d = json.dumps(args if args is not None else {}, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise ValueError(f"job {name}: its arguments are not JSON: {e}") from None
    when, wargs = "NOW(3) + INTERVAL %s SECOND", [float(delay)]
    if at is not None:
        when, wargs = "%s", [str(at)[:23]]
    return put(name, d, when, wargs, queue, int(priority), uniq_key())


def put(name, d, when, wargs, queue, priority, uniq):
    # the row; one that is there with the same uniq (a call sent again) is the job
    r = kicreq() if getattr(reqlocal, "req", None) else {}
    rows, n, last = sql("INSERT INTO jobs (name, queue, priority, run_at, uniq, rel, rid, user_id, data) "
                        f"VALUES (%s, %s, %s, {when}, %s, %s, %s, %s, %s) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)",
                        [name, queue, priority, *wargs, uniq, release(), (r.get("rid") or "")[:64], int(whose() or 0), d])
    return last


def uniq_key():
    # the n-th job of a request that came with call_server's id (sent again: the same key), or of a
    # job (run again: the same key); None otherwise
    state["n"] += 1
    j = state["job"]
    if j:
        return f"j{j['id']}:{state['n']}"
    if not getattr(reqlocal, "req", None):
        return None
    r = kicreq()
    if not r["rid"]:
        return None
    uid = (r["u"] or {}).get("id", 0)
    was = getattr(reqlocal, "jobs", (None, 0))     # (the request, its jobs so far), this thread's
    k = (was[1] if was[0] is r else 0) + 1
    reqlocal.jobs = (r, k)
    return f"u{uid}:{r['rid']}:{k}"


def release():
    # the release this code is (on prod: the name of releases/<id>), "" on a dev box
    p = os.path.realpath(top)
    return os.path.basename(p) if os.path.basename(os.path.dirname(p)) == "releases" else ""


def has_skip():
    # 1 when the database server can claim with SKIP LOCKED: MariaDB 10.6+, MySQL 8.0.1+
    v = str(sql("SELECT VERSION()")[0][0][0])
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", v)
    if not m:
        return 0
    n = tuple(int(x) for x in m.groups())
    if "mariadb" in v.lower():
        return 1 if n >= (10, 6, 0) else 0
    return 1 if n >= (8, 0, 1) else 0


due = "is_active = 1 AND run_at <= NOW(3) AND (state = 'queued' OR lease_until < NOW(3))"


def any_due(queues):
    # one plain read: is there anything to claim (an idle worker asks this, about once a second)
    q, a = queue_cond(queues)
    return 1 if sql(f"SELECT 1 FROM jobs WHERE {due}{q} LIMIT 1", a)[0] else 0


def queue_cond(queues):
    if not queues:
        return "", []
    return " AND queue IN (" + ", ".join(["%s"] * len(queues)) + ")", list(queues)


def claim(me, queues, skip):
    # the next due job, marked running for this worker until its lease ends; None when none is
    # due. A deadlock or a lost connection is tried again
    q, a = queue_cond(queues)
    pick = (f"SELECT id, name, tries, data, rid, user_id FROM jobs WHERE {due}{q} ORDER BY priority, run_at, id LIMIT 1 "
            f"FOR UPDATE{' SKIP LOCKED' if skip else ''}")
    for n in range(6):
        try:
            m = sqlmod.conn()
            if state["db"] is not m:
                # committed rows only, and no lock kept on a row read but not taken
                sql("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                state["db"] = m
            sqlmod.begin()
            rows = sql(pick, a, 1)[0]
            if not rows:
                sqlmod.commit()
                return None
            j = rows[0]
            j["claim"] = f"{me}:{os.urandom(4).hex()}"
            sql("UPDATE jobs SET state = 'running', tries = tries + 1, claim = %s, "
                "lease_until = NOW(3) + INTERVAL %s SECOND WHERE id = %s", [j["claim"], lease_s, j["id"]])
            sqlmod.commit()
            j["tries"] += 1
            return j
        except SqlError as e:
            sqlmod.rollback()
            if not again(e) or n == 5:
                raise
            time.sleep(0.05 * 2 ** n)
    return None


def again(e):
    # a deadlock (1213), a lock wait too long (1205), a connection lost or a server restarting
    return 1 if e.errno in (1213, 1205, 2006, 2013, 2055, 1053, 1927, 2002, 2003) else 0


def work(queues, once, stop, say, log):
    # a worker process: claims and runs jobs until stop() says 1 (once: until none is due); idle, it
    # asks about once a second. say(text) writes to the worker's log, log(text, ref) to the error log
    from tools import kicsched     # (it queues through this module)
    who = me()
    skip = has_skip()
    if not skip:
        say("this database has no SKIP LOCKED (MariaDB 10.6+, MySQL 8.0.1+): workers wait on each other's claims")
    idle = 0.1
    while not stop():
        try:
            kicsched.tick(say)
            j = claim(who, queues, skip) if any_due(queues) else None
        except SqlError as e:
            if not again(e):
                raise
            say(f"the database does not answer ({e.errno}): asking again in a second")
            time.sleep(1)
            continue
        if j:
            idle = 0.1
            # a try that failed: a line in the worker's log; the last one: its traceback in the error log too
            run_one(j, lambda m, ref="": (say(m), ref and log(m, ref)))
            continue
        if once:
            return 0
        time.sleep(idle)
        idle = min(1.0, idle * 2)
    return 0


def run_one(j, log):
    # runs a claimed job, its lease renewed meanwhile; the row says how it ended. 1: done
    import threading
    import traceback
    stop = threading.Event()
    t = threading.Thread(target=renew, args=(j, stop), daemon=True)
    t.start()
    state["job"], state["n"] = j, 0
    after_by(j.get("user_id", 0))     # whose(): the user whose request queued it (kicmail's caps)
    tries = tries_max
    try:
        mod = load(j["name"])
        tries = int(getattr(mod, "tries", tries_max))
        f = getattr(mod, f"job_{j['name']}")
        args = json.loads(j["data"]) if j["data"] else {}
        f(args)
        while sqlmod.in_tx():
            sqlmod.rollback()     # (a job that left its transaction open: nothing of it stays)
        ok, err, ref = 1, None, None
    except Exception:
        while sqlmod.in_tx():
            sqlmod.rollback()
        ok, err, ref = 0, traceback.format_exc()[-8000:], os.urandom(4).hex()
        last = (err.strip().splitlines() or [""])[-1]
        if j["tries"] < tries:
            log(f"job {j['id']} {j['name']} (try {j['tries']} of {tries}) failed, ref {ref}: {last}; again later")
        else:     # the last try: its traceback in the error log too (flyton logs REF)
            log(f"job {j['id']} {j['name']} failed its last try ({tries}), ref {ref}\n{err}", ref)
    finally:
        state["job"] = None
        after_by(0)
        stop.set()
        t.join()
    finish(j, ok, err, ref, tries, log)
    return ok


def load(name):
    # server/apis/jobs/job_<name>.py, by its path (a worker's own folder may hold a module named
    # jobs: the flyton jobs command), loaded once a process
    import sys
    import importlib.util
    m = sys.modules.get(f"job_{name}")
    if m is None:
        spec = importlib.util.spec_from_file_location(f"job_{name}", f"{apis}/jobs/job_{name}.py")
        m = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(m)
        sys.modules[f"job_{name}"] = m
    return m


def renew(j, stop):
    # this job's lease goes on while it runs (its own connection: a thread has its own)
    while not stop.wait(lease_s / 3):
        try:
            sql("UPDATE jobs SET lease_until = NOW(3) + INTERVAL %s SECOND WHERE id = %s AND claim = %s",
                [lease_s, j["id"], j["claim"]])
        except SqlError:
            pass     # the database restarting: the next turn tries again
    sqlmod.close()


def finish(j, ok, err, ref, tries, log):
    # the job's row says how it ended; only while it is still this worker's (its lease held)
    if ok:
        q, a = "state = 'done', is_active = 0, lease_until = NULL, err = NULL", []
    elif j["tries"] >= tries:
        q, a = "state = 'failed', is_active = 0, lease_until = NULL, err = %s, ref = %s", [err, ref]
    else:
        wait = min(3600.0, backoff_s * 2 ** (j["tries"] - 1)) * random.uniform(0.8, 1.2)
        q, a = "state = 'queued', run_at = NOW(3) + INTERVAL %s SECOND, claim = NULL, err = %s, ref = %s", [wait, err, ref]
    for n in range(30):
        try:
            got = sql(f"UPDATE jobs SET {q} WHERE id = %s AND claim = %s", a + [j["id"], j["claim"]])[1]
            break
        except SqlError as e:
            if not again(e):
                raise
            time.sleep(min(5, 0.1 * 2 ** n))     # the database restarting: its end is written when it is back
    else:
        return
    if not got and sql("SELECT claim FROM jobs WHERE id = %s", [j["id"]])[0] != [(j["claim"],)]:
        # another worker took it when its lease ended (this one stalled): it ran twice, said so
        # (a row still this worker's: the write took, and only its answer was lost in a restart)
        log(f"job {j['id']} {j['name']}: its lease ended before it did, and another worker took it: it ran twice",
            os.urandom(4).hex())     # (in the error log: never silently twice)


def me():
    # this worker's name in a job's claim
    return f"{socket.gethostname()[:50]}:{os.getpid()}"

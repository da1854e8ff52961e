# test_jobs.py: background jobs (tools/kicjob.py) over the real database, Apache and the test
# instance's own worker (flyton worker, started by tests/run): queued in the call's transaction,
# once per call sent again, retried then kept as failed, run again after a worker is killed, never
# run twice by two workers, on a schedule once a minute for the whole group.
import os
import re
import json
import time
import signal
import secrets
import subprocess

import pytest

from conftest import http, json_type, top, cfg_file, config_lines, worker_paused, sql
import inproc
from inproc import run_jobs
from tools import kicjob, kicsched


def flyton(*args):
    r = subprocess.run([f"{top}/server/bin/flyton", *args], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, FLYTON_CONFIG_DIR=os.path.dirname(cfg_file)))
    return r.returncode, r.stdout + r.stderr


def call(meth, inp, ses, rid):
    body = json.dumps({"info": {"os": "a", "ses": ses, "uses": "", "rid": rid}, "input": inp})
    st, h, t = http(f"/cgi-bin/api?meth={meth}", body, "POST", json_type)
    return st, json.loads(t)["server"]


# a job that notes each run in t_kit (user_id 0, name "run <tag>"), its tag from its arguments
counting = """from tools.sql import *
import time


def job_@name@(data):
    sql("INSERT INTO t_kit (user_id, name) VALUES (0, %s)", ["run " + data["tag"]])
    time.sleep(data.get("sleep", 0))
    if data.get("fail"):
        raise RuntimeError("this job fails on purpose " + data["tag"])
    sql("INSERT INTO t_kit (user_id, name) VALUES (0, %s)", ["end " + data["tag"]])
"""


def runs(tag, what="run"):
    return sql.sql("SELECT COUNT(*) FROM t_kit WHERE user_id = 0 AND name = %s", [f"{what} {tag}"])[0][0][0]


def jobs_of(tag):
    return sql.sql("SELECT id, state, tries FROM jobs WHERE JSON_VALUE(data, '$.tag') = %s ORDER BY id", [tag])[0]


def wait_for(f, s=30):
    end = time.monotonic() + s
    while time.monotonic() < end:
        v = f()
        if v:
            return v
        time.sleep(0.1)
    return f()


def test_a_call_that_rolls_back_queues_nothing_and_one_sent_again_queues_once(user, temp_file):
    temp_file("server/apis/jobs/job_t_count.py", counting.replace("@name@", "t_count"))
    temp_file("server/apis/api/api_t_enq.py", """from tools.sql import *
from tools.kicapi import *
from tools.kicjob import job


def api_t_enq(data):
    i = data["post"]["input"]
    insert_to_sql({"table": "t_kit", "set": {"user_id": data["s"]["my_user_id"], "name": "row " + i["tag"]}})
    job("t_count", {"tag": i["tag"]})
    if i.get("fail"):
        raise ValueError("the call fails after it queued")
    api_ok({"queued": 1})
""")
    bad = "rb" + secrets.token_hex(6)
    st, a = call("api_t_enq", {"tag": bad, "fail": 1}, user["ses"], secrets.token_hex(16))
    assert st == 500 and a["allow"] == 0
    good = "ok" + secrets.token_hex(6)
    rid = secrets.token_hex(16)
    for i in range(3):     # the same call three times (call_server sends it again when no answer came)
        st, a = call("api_t_enq", {"tag": good}, user["ses"], rid)
        assert st == 200 and a["allow"] == 1, a
    w = jobs_of(good)
    assert len(w) == 1, w
    assert run_jobs([w[0][0]]) == {w[0][0]: "done"}
    assert runs(good) == 1 and runs(good, "end") == 1
    assert jobs_of(bad) == [] and runs(bad) == 0, "a call undone queues nothing"
    row = sql.sql("SELECT rid FROM jobs WHERE id = %s", [w[0][0]])[0][0]
    assert row[0] == rid, "a job keeps the id of the request that queued it"


def test_a_door_without_a_session_sent_again_queues_once(temp_file):
    # no session, so no kept answer: the job's own key (the request id) keeps it once
    temp_file("server/apis/jobs/job_t_count.py", counting.replace("@name@", "t_count"))
    temp_file("server/apis/api/api_t_door.py", """from tools.kicapi import *
from tools.kicjob import job


def api_t_door(data):
    job("t_count", {"tag": data["post"]["input"]["tag"]})
    api_ok()
""")
    tag = "dr" + secrets.token_hex(6)
    rid = secrets.token_hex(16)
    with config_lines('no_ses_meths = ["api_t_door"]'):
        for i in range(2):
            st, a = call("api_t_door", {"tag": tag}, "", rid)
            assert st == 200 and a["allow"] == 1, a
        st, a = call("api_t_door", {"tag": tag}, "", secrets.token_hex(16))     # another call: another job
    assert len(jobs_of(tag)) == 2


def test_a_job_knows_whose_request_queued_it_so_its_mails_count_for_them(user, temp_file):
    # whose() inside a job is the user of the request that queued it (kicmail's cap per user
    # counts the framework's mails too: a password link, a confirmation); 0 for one queued elsewhere
    temp_file("server/apis/jobs/job_t_who.py", """from tools.sql import *
from tools.kicreq import whose


def job_t_who(data):
    sql("INSERT INTO t_kit (user_id, name) VALUES (0, %s)", ["who " + data["tag"] + " " + str(whose())])
""")
    temp_file("server/apis/api/api_t_who.py", """from tools.kicapi import *
from tools.kicjob import job


def api_t_who(data):
    api_ok({"id": job("t_who", {"tag": data["post"]["input"]["tag"]})})
""")
    tag = "wh" + secrets.token_hex(6)
    st, a = call("api_t_who", {"tag": tag}, user["ses"], secrets.token_hex(16))
    assert st == 200 and a["allow"] == 1, a
    i = a["id"]
    assert sql.sql("SELECT user_id FROM jobs WHERE id = %s", [i])[0][0][0] == user["id"]
    other = "wo" + secrets.token_hex(6)
    k = kicjob.job("t_who", {"tag": other})
    assert run_jobs([i, k]) == {i: "done", k: "done"}
    assert runs(f"{tag} {user['id']}", "who") == 1
    assert runs(f"{other} 0", "who") == 1


@pytest.mark.once
def test_a_failing_job_is_tried_again_then_kept_failed_and_flyton_jobs_retries_or_drops_it(temp_file, monkeypatch):
    # the instance's worker paused: between `flyton jobs retry` and the next look it could take the
    # job again (then it is running, and drop refuses it); here only the test runs it
    with worker_paused():
        failing_job_retried_and_dropped(temp_file, monkeypatch)


def failing_job_retried_and_dropped(temp_file, monkeypatch):
    temp_file("server/apis/jobs/job_t_fails.py", counting.replace("@name@", "t_fails") + "\n\ntries = 3\n")
    monkeypatch.setattr(kicjob, "backoff_s", 0.2)
    tag = "fl" + secrets.token_hex(6)
    i = kicjob.job("t_fails", {"tag": tag, "fail": 1})
    got = {}
    end = time.monotonic() + 60
    while not got and time.monotonic() < end:
        got = run_jobs([i], 5)
    assert got == {i: "failed"}, got
    assert runs(tag) == 3 and runs(tag, "end") == 0, "three tries, none got through"
    st, tries, ref, err = sql.sql("SELECT state, tries, ref, err FROM jobs WHERE id = %s", [i])[0][0]
    assert st == "failed" and tries == 3 and re.fullmatch(r"[0-9a-f]{8}", ref) and "this job fails on purpose" in err
    rc, out = flyton("jobs")
    assert rc == 0 and re.search(rf"^  {i}  t_fails +3 tries, .* ref {ref}  RuntimeError: this job fails on purpose", out, re.M), out
    assert re.search(r"^t_fails +\d+ +\d+ +\d+ +[1-9]", out, re.M), out
    rc, out = flyton("jobs", "retry", str(i))
    assert rc == 0 and "runs again now" in out, out
    assert sql.sql("SELECT state, tries FROM jobs WHERE id = %s", [i])[0][0] == ("queued", 0)
    rc, out = flyton("jobs", "drop", str(i))
    assert rc == 0 and "dropped" in out, out
    assert sql.sql("SELECT COUNT(*) FROM jobs WHERE id = %s", [i])[0][0][0] == 0
    rc, out = flyton("jobs", "drop", str(i))
    assert rc == 1 and "no failed or queued job" in out


@pytest.mark.once
def test_bad_jobs_are_refused_when_queued():
    for bad in ("", "../x", "t_nosuch", "A", "x" * 80, None):
        with pytest.raises(ValueError):
            kicjob.job(bad, {})
    with pytest.raises(ValueError, match="not JSON"):
        kicjob.job("mail", {"x": object()})
    with pytest.raises(ValueError):
        kicjob.job("mail", {}, queue="../q")


@pytest.mark.once
def test_a_worker_killed_mid_job_leaves_it_to_run_again_once_its_lease_ends(temp_file):
    # a worker of its own (lease 2 s, renewed every 0.7 s while the job runs), killed with SIGKILL
    # while its job sleeps: the job is run again by the next worker once the lease has ended, and once
    temp_file("server/apis/jobs/job_t_long.py", counting.replace("@name@", "t_long"))
    tag = "lg" + secrets.token_hex(6)
    with config_lines("job_lease = 2"):
        i = kicjob.job("t_long", {"tag": tag, "sleep": 4})
        assert wait_for(lambda: runs(tag) == 1, 20), "the worker began the job"
        claim = sql.sql("SELECT claim FROM jobs WHERE id = %s", [i])[0][0][0]
        pid = int(claim.split(":")[1])
        time.sleep(2.5)     # longer than a lease: renewed, it is still this worker's
        assert sql.sql("SELECT state, claim FROM jobs WHERE id = %s", [i])[0][0] == ("running", claim)
        os.kill(pid, signal.SIGKILL)
        assert wait_for(lambda: runs(tag, "end") == 1, 40), "another worker ran it to its end"
        # its row is marked done just after the job's own last write (the worker's next statement)
        assert wait_for(lambda: sql.sql("SELECT state, tries FROM jobs WHERE id = %s", [i])[0][0] == ("done", 2), 10), \
            sql.sql("SELECT state, tries FROM jobs WHERE id = %s", [i])[0][0]
        time.sleep(1)
        assert runs(tag) == 2 and runs(tag, "end") == 1


@pytest.mark.once
def test_workers_side_by_side_run_each_of_hundreds_of_jobs_once(temp_file):
    # the instance's worker (2 processes) and two more processes here, all claiming at once
    temp_file("server/apis/jobs/job_t_count.py", counting.replace("@name@", "t_count"))
    tag = "mn" + secrets.token_hex(4)
    ids = [kicjob.job("t_count", {"tag": f"{tag}-{n}"}) for n in range(300)]
    kids = []
    for k in range(2):
        pid = os.fork()
        if pid == 0:
            code = 1
            # the parent's connections are kept as they are (freed here, they would say goodbye to the
            # server for the parent); tools/sql.py opens this process's own
            keep = [dict(sql.local.__dict__), dict(getattr(inproc.sites, "state", {}))]
            try:
                run_jobs(ids, 60)
                code = 0
            finally:
                os._exit(code)
        kids.append(pid)
    for pid in kids:
        assert os.waitpid(pid, 0)[1] == 0
    assert wait_for(lambda: sql.sql("SELECT COUNT(*) FROM jobs WHERE id BETWEEN %s AND %s AND state = 'done'",
                                    [ids[0], ids[-1]])[0][0][0] == 300, 60)
    w = sql.sql("SELECT name, COUNT(*) FROM t_kit WHERE user_id = 0 AND name LIKE %s GROUP BY name HAVING COUNT(*) != 1",
                [f"% {tag}-%"])[0]
    assert w == [], f"run more or less than once: {w[:10]}"
    assert sql.sql("SELECT COUNT(*) FROM t_kit WHERE user_id = 0 AND name LIKE %s", [f"end {tag}-%"])[0][0][0] == 300


@pytest.mark.once
def test_a_schedules_minute_is_queued_once_whoever_looks(temp_file, monkeypatch, tmp_path):
    temp_file("server/apis/jobs/job_t_count.py", counting.replace("@name@", "t_count"))
    tag = "sc" + secrets.token_hex(6)
    f = tmp_path / "schedule"
    f.write_text(f'# every minute\n* * * * *  t_count {{"tag": "{tag}"}}\n0 4 * * 0 t_count {{"tag": "never-{tag}"}}\n')
    monkeypatch.setattr(kicsched, "path", str(f))
    for k in range(3):     # three workers (or machines) look in the same minute
        monkeypatch.setattr(kicsched, "state", {"next": 0.0, "last": None, "mtime": None, "lines": []})
        kicsched.tick(print)
    w = jobs_of(tag)
    assert 1 <= len(w) <= 11, w     # this minute and the ten before, each once
    keys = sql.sql("SELECT uniq FROM jobs WHERE JSON_VALUE(data, '$.tag') = %s", [tag])[0]
    assert len(keys) == len(set(keys)) and all(re.fullmatch(rf"@t_count@\d{{4}}-\d\d-\d\dT\d\d:\d\d", k[0]) for k in keys), keys
    assert jobs_of(f"never-{tag}") == [] or len(jobs_of(f"never-{tag}")) <= 1
    for bad in ("* * * *  t_count", "61 * * * * t_count", "* * * * * ../x", "*/0 * * * * t_count", "* * * * * t_count [1]"):
        with pytest.raises(ValueError):
            kicsched.parse(bad)
    assert kicsched.parse("*/20 8-9 * * 1,7 t_count")[0][0] == [{0, 20, 40}, {8, 9}, set(range(1, 32)), set(range(1, 13)), {1, 7, 0}]


def test_the_schedule_shipped_is_read_and_runs_the_archive():
    lines = kicsched.parse(open(f"{top}/server/schedule").read())
    assert ("archive", {}) in [(n, a) for s, n, a in lines]
    assert os.path.isfile(f"{top}/server/apis/jobs/job_archive.py")


def test_the_worker_runs_as_the_web_servers_user_and_says_so():
    rc, out = flyton("worker", "--status")
    assert rc == 0 and out.startswith("running, pid "), out
    pid = int(out.split()[2].rstrip(","))
    kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    assert len(kids) == 2, kids
    for k in kids:
        assert os.stat(f"/proc/{k}").st_uid == 33, "a worker runs as www-data"


@pytest.mark.once
def test_an_idle_worker_asks_about_once_a_second_and_wakes_for_a_job(temp_file):
    # kicjob.work, the loop of each worker process, in a thread here on a queue of its own: its
    # statements counted (tools/sql.py counts each thread's) while nothing is due, then a job queued
    temp_file("server/apis/jobs/job_t_count.py", counting.replace("@name@", "t_count"))
    import threading
    q = "idle" + secrets.token_hex(4)
    seen = []     # (time, statements so far), at each turn of the loop
    stop = {"at": time.monotonic() + 30}

    def turn():
        seen.append((time.monotonic(), getattr(sql.local, "nq", 0)))
        return 1 if time.monotonic() > stop["at"] else 0

    t = threading.Thread(target=kicjob.work, args=([q], 0, turn, print, lambda m, ref: print(m)))
    t.start()
    try:
        time.sleep(3)     # past its first quick looks
        a = seen[-1]
        time.sleep(10)
        b = seen[-1]
        rate = (b[1] - a[1]) / (b[0] - a[0])
        assert 0.5 <= rate <= 1.3, f"{rate:.2f} statements a second while idle"
        tag = "id" + secrets.token_hex(6)
        kicjob.job("t_count", {"tag": tag}, queue=q)
        t0 = time.monotonic()
        assert wait_for(lambda: runs(tag, "end") == 1, 10), "an idle worker (this one or the instance's) ran the job"
        assert time.monotonic() - t0 < 2.5, "it ran within about a second of being queued"
    finally:
        stop["at"] = 0
        t.join(5)
    assert not t.is_alive()

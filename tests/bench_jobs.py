# bench_jobs.py: background jobs (tools/kicjob.py) on this machine's database: jobs a second with 1, 4
# and 16 worker processes claiming side by side (SKIP LOCKED), and what queuing one costs a request.
# Not a test: it prints figures. Run: sudo tests/run --bench (the test instance's own worker is
# stopped for it and started again after). Bounded: 2,000 jobs a round, a minute at most.
import os
import sys
import time
import subprocess

from tools import kicjob
from tools import sql as sqlmod
from tools.sql import sql

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
flyton = [f"{top}/server/bin/flyton", "worker"]
per = 2000


def bench_jobs():
    import config
    env = dict(os.environ, FLYTON_CONFIG_DIR=os.path.dirname(os.path.realpath(config.__file__)))
    f = f"{top}/server/apis/jobs/job_t_bench.py"
    with open(f, "w") as fh:
        fh.write("def job_t_bench(data):\n    pass\n")
    subprocess.run(flyton + ["--stop"], env=env, capture_output=True)
    try:
        print(f"background jobs: {per} jobs a round that do nothing, claimed and run by N processes "
              f"({os.cpu_count()} cores; SKIP LOCKED: {'yes' if kicjob.has_skip() else 'no'})")
        print(f"{'workers':<10}{'jobs/s':>10}{'seconds':>10}")
        for n in (1, 4, 16):
            s, done = rounds(n)
            print(f"{n:<10}{done / s:>10.0f}{s:>10.1f}" + ("" if done == per else f"   only {done} of {per} in time"))
        us = enqueue_cost()
        print(f"queuing a job: {us:.0f} us (one INSERT), what a call that queues one pays more")
    finally:
        os.remove(f)
        sql("DELETE FROM jobs WHERE name = 't_bench'")
        subprocess.run(flyton + ["--restart"], env=env, capture_output=True)


def rounds(n):
    sqlmod.begin()
    for i in range(per):
        kicjob.job("t_bench", {"i": i}, queue="bench")
    sqlmod.commit()
    t = time.monotonic()
    kids = []
    for k in range(n):
        pid = os.fork()
        if pid == 0:
            # the parent's connection is kept as it is (freed here, it would say goodbye to the server
            # for the parent); tools/sql.py opens this process's own
            keep = dict(sqlmod.local.__dict__)
            code = 1
            try:
                work(t + 60)
                code = 0
            finally:
                os._exit(code)
        kids.append(pid)
    for pid in kids:
        os.waitpid(pid, 0)
    s = time.monotonic() - t
    done = sql("SELECT COUNT(*) FROM jobs WHERE name = 't_bench' AND state = 'done'")[0][0][0]
    sql("DELETE FROM jobs WHERE name = 't_bench'")
    return s, done


def work(end):
    me = kicjob.me()
    skip = kicjob.has_skip()
    out = open(os.devnull, "w")
    while time.monotonic() < end:
        j = kicjob.claim(me, ["bench"], skip)
        if not j:
            return
        kicjob.run_one(j, lambda m, ref="": print(m, file=out))


def enqueue_cost():
    # the median of 9 runs of 200 job() calls, each its own statement (as in a call that queues one)
    runs = []
    for r in range(9):
        t = time.perf_counter()
        for i in range(200):
            kicjob.job("t_bench", {"i": i})
        runs.append((time.perf_counter() - t) / 200 * 1e6)
        sql("DELETE FROM jobs WHERE name = 't_bench'")
    return sorted(runs)[4]


if __name__ == "__main__":
    sys.exit(bench_jobs())

# jobs.py: the background jobs: queued, running, failed (with their reference), and retry or drop one
# `flyton jobs` reads the site's database (a group's nodes share it) and says whether this
# machine's worker runs; `flyton jobs HOST|GROUP` asks each machine (flyton each).
#   sudo server/bin/flyton jobs [HOST|GROUP] [--all]
#   sudo server/bin/flyton jobs retry ID      a failed job (or a queued one) runs now, its tries from 0
#   sudo server/bin/flyton jobs drop ID       a queued or failed job is removed (a running one ends first)
import os
import sys
import argparse
import subprocess

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def jobs(argv):
    a = argparse.ArgumentParser(prog="sudo server/bin/flyton jobs",
                                epilog="per job name: queued (due now), running, failed, done in the last hour; "
                                       "then the failed ones and the running ones")
    a.add_argument("what", nargs="*", help="HOST or GROUP (server/groups); or retry ID, or drop ID")
    a.add_argument("--all", action="store_true", help="every failed job, not the last 20")
    o = a.parse_args(argv)
    if o.what[:1] in (["retry"], ["drop"]):
        if len(o.what) != 2 or not o.what[1].isdigit():
            print(f"flyton jobs: {o.what[0]} takes a job's id (flyton jobs lists them)", file=sys.stderr)
            return 2
        if not here():
            return 1
        return change(o.what[0], int(o.what[1]))
    if len(o.what) > 1:
        print("flyton jobs: one HOST or GROUP, or retry ID, or drop ID", file=sys.stderr)
        return 2
    if o.what:
        return subprocess.run([f"{top}/server/bin/flyton", "each", o.what[0], "jobs"] + (["--all"] if o.all else [])).returncode
    if not here():
        return 1
    return show(o.all)


def here():
    # this machine's own database needs its config.py; HOST|GROUP work from a clone without one
    if os.path.exists(f"{os.environ.get('FLYTON_CONFIG_DIR') or top + '/server'}/config.py"):
        return 1
    print("flyton: no server/config.py here (sudo ./install.sh writes it): only HOST or GROUP can be read", file=sys.stderr)
    return 0


def show(every):
    from tools.sql import sql
    w = sql("SELECT name, SUM(state = 'queued' AND run_at <= NOW(3)), SUM(state = 'queued' AND run_at > NOW(3)), "
            "SUM(state = 'running'), SUM(state = 'failed'), "
            "SUM(state = 'done' AND updated_at > NOW() - INTERVAL 1 HOUR) FROM jobs GROUP BY name ORDER BY name")[0]
    r = subprocess.run([f"{top}/server/bin/flyton", "worker", "--status"], capture_output=True, text=True)
    print(f"worker on this machine: {r.stdout.strip()}")
    if not w:
        print("no jobs")
        return 0
    print(f"\n{'job':24} {'due':>7} {'later':>7} {'running':>8} {'failed':>7} {'done 1h':>8}")
    for name, due, later, run, failed, done in w:
        print(f"{name:24} {int(due or 0):>7} {int(later or 0):>7} {int(run or 0):>8} {int(failed or 0):>7} {int(done or 0):>8}")
    f = sql("SELECT id, name, tries, updated_at, ref, err FROM jobs WHERE state = 'failed' ORDER BY id DESC"
            + ("" if every else " LIMIT 20"))[0]
    if f:
        print("\nfailed (flyton jobs retry ID; flyton logs REF: the whole traceback):")
        for i, name, tries, t, ref, err in f:
            last = (str(err or "").strip().splitlines() or [""])[-1][:90]
            print(f"  {i}  {name:20} {tries} tries, {t}  ref {ref}  {last}")
    g = sql("SELECT id, name, tries, claim, lease_until FROM jobs WHERE state = 'running' ORDER BY id LIMIT 20")[0]
    if g:
        print("\nrunning:")
        for i, name, tries, claim, lease in g:
            print(f"  {i}  {name:20} try {tries}  by {claim}  lease to {lease}")
    return 0


def change(what, i):
    from tools.sql import sql
    if what == "retry":
        n = sql("UPDATE jobs SET state = 'queued', is_active = 1, tries = 0, run_at = NOW(3), claim = NULL, "
                "lease_until = NULL WHERE id = %s AND state IN ('failed', 'queued')", [i])[1]
        print(f"ok: job {i} runs again now" if n else f"flyton jobs: no failed or queued job {i}")
        return 0 if n else 1
    n = sql("DELETE FROM jobs WHERE id = %s AND state IN ('failed', 'queued')", [i])[1]
    print(f"ok: job {i} dropped" if n else f"flyton jobs: no failed or queued job {i} (a running one: drop it once it ends)")
    return 0 if n else 1


if __name__ == "__main__":
    sys.exit(jobs(sys.argv[1:]))

# archive.py: move ended sessions, old logs and unused counters to the archive tables (server/schedule: every night)
# The archive engine. Moves ended sessions (ses -> ses_arc), old logs (logs -> logs_arc) and unused throttle counters, in batches, and deletes the kept answers
# of old API calls (calls, gen calls_keep_hours), done jobs (jobs, gen jobs_keep_hours) and ended rate counters (rates); each batch is one transaction (copy, then
# delete), so a crash or a kill at any point loses no row and copies none twice,
# and the next run goes on where this one stopped. Every night from cron (install.sh), or:
#   sudo server/bin/flyton archive [--dry-run] [--batch N]
# Every web node may run it at the same time: the first takes the database's lock (GET_LOCK) and
# works, the others see the lock taken and end at once, with nothing done and exit code 0.
import sys
import time
import argparse

from tools.sql import *
import tools.sql as sqlmod

jobs = {
    # table: (archive, which rows are done with, gen key of the days to keep)
    "ses": ("ses_arc", "(is_active = 0 OR updated_at < NOW() - INTERVAL %s SECOND OR created_at < NOW() - INTERVAL %s SECOND)"
                       " AND updated_at < %s", "arc_ses_days"),
    "logs": ("logs_arc", "created_at < %s", "arc_logs_days"),
    "throttle": ("throttle_arc", "updated_at < %s", "login_known_days"),
}


def archive(argv):
    a = argparse.ArgumentParser(prog="sudo server/bin/flyton archive")
    a.add_argument("--dry-run", action="store_true", help="only say how many rows would move")
    a.add_argument("--batch", type=int, default=1000, help="rows per transaction (default 1000)")
    a.add_argument("--pause", type=float, default=0, help=argparse.SUPPRESS)   # test hook
    o = a.parse_args(argv)
    t = time.time()
    print(time.strftime("%Y-%m-%d %H:%M:%S"), "archive", "dry run" if o.dry_run else "", flush=True)
    name = job_lock("archive")
    if not name:
        print("another node runs the archive now (it holds the lock): nothing to do here")
        return 0
    archive_all(max(1, o.batch), 1 if o.dry_run else 0, o.pause)
    sql("DO RELEASE_LOCK(%s)", (name,))
    print(f"done in {time.time() - t:.1f}s", flush=True)
    return 0


def job_lock(job):
    # the cluster-wide lock of a periodic job, for this database: its name, or "" when another run
    # holds it. It is the connection's: a run that dies (killed, its node gone) lets go of it
    name = f"flyton_{job}.{sql('SELECT DATABASE()')[0][0][0]}"[:64]
    return name if sql("SELECT GET_LOCK(%s, 0)", (name,))[0][0][0] == 1 else ""


def archive_all(batch=1000, dry=0, pause=0, say=print):
    # every job; returns {"ses": moved, "logs": moved, "throttle": moved} (with dry=1: what would move)
    g = gen_data()
    out = {}
    for t in jobs:
        out[t] = archive_table(t, g, batch, dry, pause, say)
    out["calls"] = forget("calls", "created_at", "calls_keep_hours", "kept answers", g, batch, dry, say)
    out["jobs"] = forget("jobs", "state = 'done' AND updated_at", "jobs_keep_hours", "done jobs", g, batch, dry, say)
    out["rates"] = forget_rates(dry, say)
    return out


def forget_rates(dry, say):
    # the rate limits' counters (tools/kicrate.py) whose window ended over a day ago: no limit has a
    # longer one, so they count nothing any more
    cond = "win < UNIX_TIMESTAMP() - 2 * 86400"
    if dry:
        n = sql(f"SELECT COUNT(*) FROM rates WHERE {cond}")[0][0][0]
        say(f"rates: {n} ended counters would be deleted")
        return n
    n = sql(f"DELETE FROM rates WHERE {cond}")[1]
    say(f"rates: deleted {n} ended counters")
    return n


def forget(t, cond, key, what, g, batch, dry, say):
    # rows that are for a while, not a record (the kept answers of calls: tools/db_calls.py; done
    # jobs: tools/kicjob.py): older than gen <key> hours they are deleted, not archived
    hours = gen_val(g, key, 24)
    cond += " < NOW() - INTERVAL %s SECOND"
    args = (int(hours * 3600),)
    if dry:
        n = sql(f"SELECT COUNT(*) FROM {t} WHERE {cond}", args)[0][0][0]
        say(f"{t}: {n} {what} would be deleted (kept: {hours:g} hours)")
        return n
    gone = 0
    while True:
        n = sql(f"DELETE FROM {t} WHERE {cond} LIMIT {int(batch)}", args)[1]
        gone += n
        if n < batch:
            break
    say(f"{t}: deleted {gone} {what} (kept: {hours:g} hours)")
    return gone


def gen_val(g, k, d):
    try:
        return float(g.get(k, {}).get("val", d))
    except ValueError:
        return float(d)


def archive_table(t, g, batch, dry, pause, say):
    arc, cond, key = jobs[t]
    days = gen_val(g, key, 90 if t == "logs" else 1)
    cutoff = sql("SELECT NOW() - INTERVAL %s SECOND", (int(days * 86400),))[0][0][0]
    args = (cutoff,)
    if t == "ses":
        args = (int(gen_val(g, "ses_idle_min", 60) * 60), int(gen_val(g, "ses_life_hours", 12) * 3600), cutoff)
    if dry:
        n = sql(f"SELECT COUNT(*) FROM {t} WHERE {cond}", args)[0][0][0]
        say(f"{t}: {n} rows would move to {arc} (kept: {days:g} days)")
        return n
    moved = 0
    while True:
        n = move_batch(t, arc, cond, args, batch, pause)
        moved += n
        if n < batch:
            break
    say(f"{t}: moved {moved} rows to {arc} (kept: {days:g} days)")
    return moved


def move_batch(t, arc, cond, args, batch, pause):
    # one transaction: lock a batch, copy what the archive lacks, delete the batch
    sqlmod.begin()
    try:
        ids = [w[0] for w in sql(f"SELECT id FROM {t} WHERE {cond} ORDER BY id LIMIT {int(batch)} FOR UPDATE", args)[0]]
        if not ids:
            sqlmod.commit()
            return 0
        marks = ", ".join(["%s"] * len(ids))
        sql(f"INSERT INTO {arc} SELECT m.* FROM {t} m LEFT JOIN {arc} a ON a.id = m.id WHERE m.id IN ({marks}) AND a.id IS NULL", ids)
        sql(f"DELETE FROM {t} WHERE id IN ({marks})", ids)
        if pause:
            time.sleep(pause)     # test hook: a window to kill the process inside the transaction
        sqlmod.commit()
        return len(ids)
    except Exception:
        sqlmod.rollback()
        raise


if __name__ == "__main__":
    sys.exit(archive(sys.argv[1:]))

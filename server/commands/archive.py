# archive.py: the archive engine. Moves ended sessions (ses -> ses_arc), old
# logs (logs -> logs_arc) and unused throttle counters, in batches; each batch is one transaction (copy, then
# delete), so a crash or a kill at any point loses no row and copies none twice,
# and the next run goes on where this one stopped. Every night from cron (install.sh), or:
#   sudo server/bin/flyton archive [--dry-run] [--batch N]
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
    a = argparse.ArgumentParser(prog="flyton archive", description="move ended sessions and old logs to the archive tables")
    a.add_argument("--dry-run", action="store_true", help="only say how many rows would move")
    a.add_argument("--batch", type=int, default=1000, help="rows per transaction (default 1000)")
    a.add_argument("--pause", type=float, default=0, help=argparse.SUPPRESS)   # test hook
    o = a.parse_args(argv)
    t = time.time()
    print(time.strftime("%Y-%m-%d %H:%M:%S"), "archive", "dry run" if o.dry_run else "")
    archive_all(max(1, o.batch), 1 if o.dry_run else 0, o.pause)
    print(f"done in {time.time() - t:.1f}s", flush=True)
    return 0


def archive_all(batch=1000, dry=0, pause=0, say=print):
    # every job; returns {"ses": moved, "logs": moved, "throttle": moved} (with dry=1: what would move)
    g = gen_data()
    out = {}
    for t in jobs:
        out[t] = archive_table(t, g, batch, dry, pause, say)
    return out


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

# cron/archive.py: runs the archive engine; install.sh puts it in /etc/cron.d/flyton.
#   python server/apis/tools/cron/archive.py [--dry-run] [--batch N]
# The import path is set by whoever runs it (the cron line, server/bin/flyton).
import time
import argparse

import tools.archive as engine


def archive():
    a = argparse.ArgumentParser(description="move ended sessions and old logs to the archive tables")
    a.add_argument("--dry-run", action="store_true", help="only say how many rows would move")
    a.add_argument("--batch", type=int, default=1000, help="rows per transaction (default 1000)")
    a.add_argument("--pause", type=float, default=0, help=argparse.SUPPRESS)   # test hook
    o = a.parse_args()
    t = time.time()
    print(time.strftime("%Y-%m-%d %H:%M:%S"), "archive", "dry run" if o.dry_run else "")
    engine.archive(max(1, o.batch), 1 if o.dry_run else 0, o.pause)
    print(f"done in {time.time() - t:.1f}s", flush=True)


archive()

# job_archive.py: the archive engine (server/commands/archive.py), run by the schedule (server/schedule)
# every night, on one machine of the group. It moves in batches, each one whole or not at all, so a
# job run again goes on where the last one stopped.
import os
import sys
import subprocess

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
tries = 3


def job_archive(data):
    r = subprocess.run([sys.executable, f"{top}/server/commands/archive.py"], capture_output=True, text=True, timeout=3600)
    print(r.stdout, end="", flush=True)     # the worker's log
    if r.returncode != 0:
        raise RuntimeError(f"the archive engine failed ({r.returncode}): {(r.stdout + r.stderr)[-2000:]}")

# worker.py: run the background jobs (tools/kicjob.py) and the schedule (server/schedule), as the web server's user
# `flyton worker` runs N worker processes in the foreground and starts again any that ends;
# --start does the same in the background (install.sh, promote and rollback use it; cron's
# line of install.sh starts it again if it is not running), --stop lets each running job end
# first (30 s, then it is killed and its job runs again once its lease ends), --once runs what is
# due and ends. Each process claims one job at a time (SKIP LOCKED where the database has it) and
# asks about once a second when there is nothing to do.
import os
import sys
import time
import signal
import argparse

import config

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(os.path.dirname(here))
site = str((getattr(config, "db", {}) or {}).get("name", "flyton"))
pidfile = f"/run/flyton/worker-{site}.pid"
logfile = os.path.join(os.path.dirname(getattr(config, "log_file", "/var/log/flyton/error.log")), f"worker-{site}.log")
stop_s = 30
flag = {"stop": 0}


def worker(argv):
    a = argparse.ArgumentParser(prog="sudo server/bin/flyton worker",
                                epilog=f"processes: config.py workers (2); log: {logfile}")
    g = a.add_mutually_exclusive_group()
    g.add_argument("--start", action="store_true", help="in the background, unless it runs already")
    g.add_argument("--stop", action="store_true", help="stop the one in the background (each job ends first)")
    g.add_argument("--restart", action="store_true", help="stop, then start (the code as it is now)")
    g.add_argument("--status", action="store_true", help="running or not, and its processes")
    g.add_argument("--once", action="store_true", help="one process: run the jobs due now, then end")
    a.add_argument("-n", type=int, default=int(getattr(config, "workers", 2)), help="worker processes (default: config.py workers, 2)")
    a.add_argument("--queue", default="", help="only these queues, as mail,slow (default: all)")
    a.add_argument("--quiet", action="store_true", help="say nothing when it runs already (cron)")
    o = a.parse_args(argv)
    queues = [q for q in o.queue.split(",") if q]
    if os.geteuid() != 0:
        print("flyton worker: run me as root (sudo): the workers run as the web server's user", file=sys.stderr)
        return 1
    if not 1 <= o.n <= 64:
        print("flyton worker: -n takes 1 to 64", file=sys.stderr)
        return 2
    pid = running()
    if o.status:
        print(f"running, pid {pid}, log {logfile}" if pid else "not running")
        return 0 if pid else 3
    if o.stop or o.restart:
        if pid:
            halt(pid)
            print(f"ok: stopped the worker (pid {pid})")
            pid = 0
        elif o.stop:
            print("the worker was not running")
        if o.stop:
            return 0
    if o.once:
        return one(queues, 1)
    if o.start or o.restart:
        if pid:
            if not o.quiet:
                print(f"the worker runs already (pid {pid}); --restart to start it with the code as it is now")
            return 0
        return background(o.n, queues)
    return supervise(o.n, queues)


def running():
    # the pid of this site's worker in the background, 0 when none runs
    try:
        pid = int(open(pidfile).read().split()[0])
        os.kill(pid, 0)
        if b"worker" not in open(f"/proc/{pid}/cmdline", "rb").read():
            return 0     # a pid used again by another program
        return pid
    except (OSError, ValueError, IndexError):
        return 0


def halt(pid):
    # SIGTERM: each job ends first; what is still running after stop_s + 5 s is killed
    try:
        pg = os.getpgid(pid)     # the supervisor's and its workers' group
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return
    end = time.monotonic() + stop_s + 5
    while time.monotonic() < end:
        if not alive(pid):
            return
        time.sleep(0.1)
    try:
        os.killpg(pg, signal.SIGKILL)
    except OSError:
        pass


def alive(pid):
    # a process that ended is gone, or a zombie where no init reaps orphans (a container's shell as pid 1)
    try:
        return 0 if open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z" else 1
    except (OSError, IndexError):
        return 0


def background(n, queues):
    # the supervisor as a daemon of its own (a session of its own: a kill of the process group ends it all)
    os.makedirs(os.path.dirname(pidfile), exist_ok=True)
    r, w = os.pipe()
    if os.fork():
        os.close(w)
        got = os.read(r, 100).decode()
        if not got.startswith("ok"):
            print(f"flyton worker: did not start: {got or 'no word from it'} (see {logfile})", file=sys.stderr)
            return 1
        print(f"ok: the worker runs in the background ({n} processes, pid {got.split()[1]}, log {logfile})")
        return 0
    os.close(r)
    os.setsid()
    if os.fork():
        os._exit(0)
    fd = os.open(logfile, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    with open(pidfile, "w") as f:
        f.write(f"{os.getpid()}\n")
    os.write(w, f"ok {os.getpid()}".encode())
    os.close(w)
    os._exit(supervise(n, queues))


def supervise(n, queues):
    # n worker processes, each started again a second after it ends
    signal.signal(signal.SIGTERM, lambda s, f: flag.update(stop=1))
    signal.signal(signal.SIGINT, lambda s, f: flag.update(stop=1))
    say(f"the worker starts: {n} processes{' for ' + ','.join(queues) if queues else ''}, code {top}")
    kids = {}
    wait = {}
    while not flag["stop"]:
        for i in range(n):
            if i not in kids.values() and time.monotonic() >= wait.get(i, 0):
                kids[start(i, queues)] = i
        try:
            pid, st = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            pid = 0
        if pid and pid in kids:
            i = kids.pop(pid)
            say(f"process {i} (pid {pid}) ended ({st}); again in a moment")
            wait[i] = time.monotonic() + 1
            continue
        time.sleep(0.2)
    for pid in kids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    end = time.monotonic() + stop_s
    while kids and time.monotonic() < end:
        try:
            pid, st = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            kids.pop(pid, None)
            continue
        time.sleep(0.1)
    for pid in kids:
        say(f"pid {pid} still runs a job after {stop_s} s: killed (the job runs again once its lease ends)")
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        if running() == os.getpid():
            os.remove(pidfile)
    except OSError:
        pass
    say("the worker stopped")
    return 0


def start(i, queues):
    pid = os.fork()
    if pid:
        return pid
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)     # a ^C reaches the supervisor, which stops each in turn
        code = one(queues, 0)
    except BaseException:
        import traceback
        traceback.print_exc()
        code = 1
    os._exit(code)


def as_web():
    # the jobs run as the web server's user, as the pages and methods do: never as root
    import pwd
    w = pwd.getpwnam("www-data")
    os.setgroups([])
    os.setgid(w.pw_gid)
    os.setuid(w.pw_uid)
    sys.pycache_prefix = "/var/cache/flyton/pycache"     # the web server's compiled code, not root's
    os.environ["PYTHONPYCACHEPREFIX"] = sys.pycache_prefix     # (and a job's own Python, the archive's)


def one(queues, once):
    # one worker process: claims and runs jobs until told to stop (once: until none is due)
    as_web()
    signal.signal(signal.SIGTERM, lambda s, f: flag.update(stop=1))
    from tools import kicjob
    from tools.kicweb import log
    return kicjob.work(queues, once, lambda: flag["stop"], say, log)


def say(m):
    print(time.strftime("%Y-%m-%d %H:%M:%S"), f"[{os.getpid()}]", m, flush=True)


if __name__ == "__main__":
    sys.exit(worker(sys.argv[1:]))

# p4wsgi.py: the persistent runtime (mod_wsgi in daemon mode, prod). The same
# /cgi-bin/p, /cgi-bin/api and /pages/files as the CGI scripts, the same page and API files,
# served by long-lived processes: each request gets a fresh request context, a
# kept database connection, and leaves nothing behind for the next one.
# Code changes reach it by a graceful reload: sudo server/bin/flyton reload
import os
import sys
from http import HTTPStatus

if os.geteuid() != 0:
    # the clone is not the web server's to write; root (a test's in-process client) keeps its own
    # cache (PYTHONPYCACHEPREFIX, /var/cache/flyton-root): root never writes into the web server's
    sys.pycache_prefix = "/var/cache/flyton/pycache"

from tools import sql  # noqa: E402
from tools.kicreq import kicreq, kicreq_new, kicreq_end  # noqa: E402
from tools.kicweb import log, send, run_after  # noqa: E402
from tools import kicstat  # noqa: E402
import p4web  # noqa: E402
import p4file  # noqa: E402
from dispatch import dispatch  # noqa: E402

pids = "/var/cache/flyton/run"     # <group>/<pid>: what server/bin/flyton reload signals
lines = {s.value: f"{s.value} {s.phrase}" for s in HTTPStatus}     # the status lines, made once
handlers = {"/cgi-bin/p": p4web.p4web, "/cgi-bin/api": dispatch, "/pages/files": p4file.p4file}


def p4wsgi(environ, start_response):
    kicreq_new(environ, environ.get("wsgi.input"))
    kicstat.start()
    try:
        handler = handlers.get(environ.get("SCRIPT_NAME", ""))
        if handler is None:
            send(404, "text/plain; charset=utf-8", "not found")
        else:
            handler()
    finally:
        sql.done()
    st, hs, b = kicreq()["resp"] or (500, [("Content-Type", "text/plain; charset=utf-8")], b"server error")
    jobs = kicreq()["after"]
    kicstat.done(st, "wsgi")
    kicreq_end()
    start_response(lines.get(st) or f"{st} {HTTPStatus(st).phrase}", hs)
    if jobs:
        return Then([b], jobs)
    return [b]


class Then(list):
    # the body of an answer that left jobs behind: mod_wsgi calls close() once it has sent the
    # body, and the jobs run then (tools/kicreq.py, after_answer)
    def __init__(self, body, jobs):
        super().__init__(body)
        self.jobs = jobs

    def close(self):
        run_after(self.jobs)


def note_pid():
    # this process, for `flyton reload`: SIGUSR1 restarts it gracefully (requests in
    # flight finish, new ones wait on the daemon socket), so a reload fails no request
    try:
        import mod_wsgi
    except ImportError:
        return      # not under mod_wsgi: a test calls p4wsgi in its own process
    try:
        d = os.path.join(pids, mod_wsgi.process_group)
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, str(os.getpid())), "w").close()
    except OSError as e:
        log(f"cannot note the pid for reloads: {e}")


note_pid()
application = p4wsgi

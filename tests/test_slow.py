# test_slow.py: slow clients cannot starve the site. 300 connections that send their
# headers a byte at a time (slowloris) and 40 API calls that send their body at 600 B/s
# (more than the persistent runtime has threads)
# run together for a bounded time, while a normal client asks for a page and an API call
# every quarter second: every one of its requests must be answered, and the server must cut
# the slow ones off (mod_reqtimeout) instead of waiting for them. Under both runtimes.
# The slow clients are other machines (127.0.0.66 and .77) than the normal one.
import time
import json
import select
import socket
import threading
from urllib.parse import urlsplit

import pytest

from conftest import site, page, api, new_user, login, clear_fails

# Apache's guards as Flyton configures them, under load: the framework's proof (tests/run --all)
pytestmark = pytest.mark.proof

host, port = urlsplit(site).hostname, urlsplit(site).port
run_s = 30          # how long the slow clients keep at it (the server cuts each by 22 s at most)


def slowloris(out, stop):
    # a connection that starts a request and adds a header line byte by byte, forever
    s = socket.create_connection((host, port), timeout=5, source_address=("127.0.0.66", 0))
    try:
        s.sendall(b"GET /pages/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        t0 = time.monotonic()
        while not stop.is_set():
            s.sendall(b"X")
            time.sleep(1)
    except OSError:
        out.append(time.monotonic() - t0)      # the server closed it
    finally:
        s.close()


def slow_upload(out, stop):
    # an API call with a 64 KB body, sent at 600 bytes a second
    body = json.dumps({"info": {}, "input": {"pad": "x" * 65000}}).encode()
    s = socket.create_connection((host, port), timeout=5, source_address=("127.0.0.77", 0))
    try:
        s.sendall(b"POST /cgi-bin/api?meth=api_ping HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        t0 = time.monotonic()
        i = 0
        # until the server answers (a refusal, or a 408 when the body is too slow) or stops reading
        while not stop.is_set() and i < len(body) and not select.select([s], [], [], 0.5)[0]:
            s.sendall(body[i:i + 300])
            i += 300
        got = s.recv(200)
        out.append((time.monotonic() - t0, got[:12]))
    except OSError:
        out.append((time.monotonic() - t0, b"closed"))
    finally:
        s.close()


@pytest.fixture
def one_at_a_time():
    # beside the other pass of tests/run (another site of the same Apache), not beside its test_slow:
    # 600 slow clients would take more workers than Apache has, and that is not what this measures
    import fcntl
    with open("/opt/flyton/tests-slow.lock", "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        yield


def test_slow_headers_and_slow_bodies_do_not_starve_a_normal_client(one_at_a_time):
    clear_fails()
    u, p, uid = new_user()
    ses = login(u, p)
    stop = threading.Event()
    cut, ups = [], []
    ts = [threading.Thread(target=slowloris, args=(cut, stop), daemon=True) for i in range(300)]
    ts += [threading.Thread(target=slow_upload, args=(ups, stop), daemon=True) for i in range(40)]
    for t in ts:
        t.start()
        time.sleep(0.005)
    times, bad = [], []
    t0 = time.monotonic()
    try:
        time.sleep(4)       # every slow connection is open and holding what it can
        while time.monotonic() - t0 < run_s:
            a = time.monotonic()
            st, t = page("dashboard", ses)
            st2, ans = api("api_t_kit_list", {}, ses)
            times.append(time.monotonic() - a)
            if st != 200 or st2 != 200 or ans["allow"] != 1:
                bad.append((st, st2))
            # a quarter second between rounds: 30 rounds and more even where each takes 0.5 s (a fresh
            # CI machine with the lanes beside: median 457 ms, 27 rounds with a half-second rest)
            time.sleep(0.25)
    finally:
        stop.set()
        for t in ts:
            t.join(10)
    times.sort()
    print(f"\nnormal client under 300 slowloris + 40 slow uploads: {len(times)} rounds, "
          f"median {times[len(times) // 2] * 1000:.0f} ms, slowest {times[-1] * 1000:.0f} ms; "
          f"slowloris cut after {min(cut or [0]):.0f}-{max(cut or [0]):.0f} s; uploads cut after "
          f"{min(d for d, g in ups or [(0, 0)]):.0f}-{max(d for d, g in ups or [(0, 0)]):.0f} s: {sorted(set(g for d, g in ups))}")
    assert not bad, bad
    assert len(times) >= 30
    # a request that had to wait for slow clients to be cut off waits 14 s or more
    assert times[-1] < 12, times[-3:]
    # the server, not the test's stop, ended the slow ones: headers within 10-20 s
    assert len(cut) >= 290, (len(cut), max(cut or [0]))
    assert max(cut) < 30, (len(cut), max(cut or [0]))
    # each slow upload was cut by Apache (408, or a closed connection) for the body's minimum
    # rate, long before 64 KB arrived, and before the test stopped sending (at run_s): at 600 B/s
    # after 15 s in the persistent runtime, 23-24 s under CGI; Python never saw it, ModSecurity
    # holds a body until it is whole
    assert len(ups) == 40, ups
    late = [(d, g) for d, g in ups if d >= run_s or not (g.startswith(b"HTTP/1.1 4") or g in (b"", b"closed"))]
    assert not late, late

# test_stats.py: one request id from the browser to every log line, and the request records
# (tools/kicstat.py) that flyton stats and flyton slow read, over HTTP in both runtimes.
import os
import re
import json
import time
import secrets
import subprocess

import pytest

from conftest import http, json_type, top, cfg_file, logs, log_mark, config_lines, reload_site
from tools import kicstat
from tools import kicmetrics

path = kicstat.path      # this runtime's test instance's records


def records(rid):
    # the record lines of a request id (the file and the one before it)
    out = []
    for f in (path + ".1", path):
        if os.path.exists(f):
            out += [json.loads(x) for x in open(f, encoding="ascii") if rid in x]
    return out


def access_lines(rid):
    for i in range(40):       # Apache writes its line once the answer has left
        t = [x for x in open(logs + "_access.log", encoding="utf-8", errors="replace") if f"rid={rid}" in x]
        if t:
            return t
        time.sleep(0.05)
    return []


def call(meth, inp, ses, rid):
    body = json.dumps({"info": {"os": "a", "ses": ses, "uses": "", "rid": rid}, "input": inp})
    st, h, t = http(f"/cgi-bin/api?meth={meth}", body, "POST", json_type)
    return st, h, json.loads(t)["server"]


def flyton(*args):
    r = subprocess.run([f"{top}/server/bin/flyton", *args], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, FLYTON_CONFIG_DIR=os.path.dirname(cfg_file)))
    return r.returncode, r.stdout + r.stderr


def test_a_failing_calls_id_is_in_its_header_answer_access_line_error_line_and_record(user, temp_file):
    temp_file("server/apis/api/api_t_idfail.py", "def api_t_idfail(data):\n    raise ValueError('id test 5151')\n")
    rid = "t" + secrets.token_hex(10)
    since = log_mark()
    st, h, a = call("api_t_idfail", {}, user["ses"], rid)
    assert st == 500 and a["allow"] == 0
    assert h["X-Request-Id"] == rid
    assert a["rid"] == rid and a["ref"]
    err = since()
    assert re.search(rf" ref {a['ref']} rid {rid} .*id test 5151", err), err[-600:]
    line = access_lines(rid)
    assert line and " 500 " in line[0] and re.search(r" \d+ ms rid=", line[0]), line
    w = records(rid)
    assert len(w) == 1, w
    assert w[0]["what"] == "api_t_idfail" and w[0]["st"] == 500 and w[0]["u"] == user["id"], w
    assert w[0]["ms"] >= w[0]["db"] >= 0 and w[0]["nq"] >= 1 and w[0]["rt"] in ("cgi", "wsgi"), w


def test_a_page_gets_an_id_of_its_own_and_its_error_page_shows_it(user, temp_file):
    temp_file("client/app/admin/t_idpage.py", "def t_idpage(data):\n    raise RuntimeError('page id test')\n")
    st, h, t = http(f"/cgi-bin/p?app=start&r=309012&ses={user['ses']}&rpage=t_idpage")
    assert st == 500
    rid = h["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{16}", rid), rid
    assert f"<span id=kicrid>{rid}</span>" in t
    w = records(rid)
    assert len(w) == 1 and w[0]["what"] == "page t_idpage" and w[0]["st"] == 500, w
    st, h, t = http(f"/cgi-bin/p?app=start&r=309012&ses={user['ses']}&rpage=dashboard")
    assert st == 200 and h["X-Request-Id"] != rid


def test_a_slow_statement_is_named_with_its_method_and_flyton_stats_and_slow_show_it(user, temp_file):
    temp_file("server/apis/api/api_t_slowq.py",
              "from tools.sql import *\nfrom tools.kicapi import *\n\ndef api_t_slowq(data):\n    sql('DO SLEEP(0.3)')\n    api_ok()\n")
    rid = "s" + secrets.token_hex(10)
    t0 = time.monotonic()
    st, h, a = call("api_t_slowq", {}, user["ses"], rid)
    assert st == 200 and a["allow"] == 1 and "rid" not in a
    w = records(rid)
    assert len(w) == 1 and w[0]["db"] >= 300 and w[0]["ms"] >= 300, w
    assert w[0]["slow"][0][0] == "DO SLEEP(0.3)" and w[0]["slow"][0][1] >= 300, w
    # the seconds since the call only: on a loaded machine (tests/run --all: the lanes beside) the
    # minutes before may hold more than the 50 statements slow lists, all slower than this one
    rc, out = flyton("slow", "--since", f"{int(time.monotonic() - t0) + 3}s")
    assert rc == 0, out
    assert re.search(rf"ms .* api_t_slowq +id {rid}\n +DO SLEEP\(0\.3\)", out), out
    rc, out = flyton("stats", "--since", "1m")
    assert rc == 0, out
    row = [x for x in out.splitlines() if x.startswith("api_t_slowq ")]
    assert row, out
    p99 = float(row[0].split()[5])
    assert 300 <= p99 <= 2000, row
    # the slowest requests, worst first, with their ids: this one, unless ten slower ones came
    # in the same minute (another test's)
    top = [(float(m), i) for m, i in re.findall(r"^ +([\d.]+) ms .* id (\S+)$", out, re.M)]
    assert top and top == sorted(top, reverse=True), out
    assert rid in [i for m, i in top] or (len(top) == 10 and top[-1][0] >= w[0]["ms"]), out


def test_hostile_ids_are_not_taken_and_never_reach_a_log(user, temp_file):
    temp_file("server/apis/api/api_t_idfail2.py", "def api_t_idfail2(data):\n    raise ValueError('hostile id test')\n")
    for bad in ("x\nrid forged 1 ref", "\x1b[31mred\x1b[0m-aaaaaa", "a" * 65, "../../etc/passwd", "short", 12345678901):
        since = log_mark()
        st, h, a = call("api_t_idfail2", {}, user["ses"], bad)
        rid = h["X-Request-Id"]
        assert re.fullmatch(r"[0-9a-f]{16}", rid) and a["rid"] == rid, (bad, rid)
        err = since()
        assert "forged" not in err and "\x1b" not in err and "etc/passwd" not in err, err[-400:]
        assert len(records(rid)) == 1
    for f in (path, path + ".1"):
        if os.path.exists(f):
            b = open(f, "rb").read()
            assert all(32 <= c < 127 or c == 10 for c in b), "the records are printable lines"


@pytest.mark.once
def test_the_records_stay_bounded_with_several_processes_writing(tmp_path, monkeypatch):
    # four processes, each a thousand lines, the limit a few KB: the file turns over, no line is cut
    # or mixed, and what stays is at most twice the limit (and a line per writer in each file: each
    # one writes at most one line to a file past its limit before it sees so)
    monkeypatch.setattr(kicstat, "path", str(tmp_path / "requests.jl"))
    monkeypatch.setattr(kicstat, "most", 8000)
    kids = []
    for k in range(4):
        pid = os.fork()
        if pid == 0:
            try:
                kicstat.close()
                for i in range(1000):
                    kicstat.write((json.dumps({"k": k, "i": i, "pad": "x" * 40}) + "\n").encode())
            finally:
                os._exit(0)
        kids.append(pid)
    for pid in kids:
        assert os.waitpid(pid, 0)[1] == 0
    names = sorted(os.listdir(tmp_path))
    # the very last line may have turned the file over: then no new file until the next line
    assert names in (["requests.jl", "requests.jl.1"], ["requests.jl.1"]), names
    total = 0
    for n in names:
        b = open(tmp_path / n, "rb").read()
        total += len(b)
        for line in b.decode().splitlines():
            assert set(json.loads(line)) == {"k", "i", "pad"}, line
    # more than the limit: the full file is kept, never a new small one moved over it
    assert 8000 < total <= 2 * (8000 + 4 * 100), total


@pytest.mark.once
def test_records_off_writes_none(tmp_path, monkeypatch):
    monkeypatch.setattr(kicstat, "path", str(tmp_path / "requests.jl"))
    monkeypatch.setattr(kicstat, "on", 0)
    kicstat.done(200, "cgi")
    assert os.listdir(tmp_path) == []


def scrape():
    st, h, t = http("/cgi-bin/api?meth=metrics")
    return st, h, t


def counters(t):
    # {metric{labels}: value} of a scrape, every line checked against the text format
    out = {}
    for ln in t.splitlines():
        if ln.startswith("# HELP ") or ln.startswith("# TYPE "):
            continue
        m = re.fullmatch(r'([a-z_]+)(\{[a-z]+="[^"\\\n]*"(,[a-z]+="[^"\\\n]*")*\})? (-?[0-9.e+]+)', ln)
        assert m, ln
        out[m.group(1) + (m.group(2) or "")] = float(m.group(4))
    return out


def test_metrics_are_off_by_default_and_only_for_the_addresses_config_lists(user, temp_file):
    st, h, t = scrape()
    assert st == 404 and "metrics_from" in t
    with config_lines('metrics_from = ["10.9.9.0/24", "192.0.2.1"]'):
        st, h, t = scrape()
        assert st == 403 and "flyton_" not in t


def test_metrics_count_each_call_and_never_go_back_when_the_daemons_restart(user, temp_file):
    temp_file("server/apis/api/api_t_metric.py",
              "from tools.kicapi import *\n\ndef api_t_metric(data):\n    api_ok()\n")
    if os.path.exists(path + ".metrics"):
        os.remove(path + ".metrics")     # a node scraped for the first time: it counts from now on
    with config_lines('metrics_from = ["127.0.0.0/8", "::1"]'):
        st, h, t = scrape()
        assert counters(t)["flyton_records_read_total"] == 0, t
        assert st == 200 and h["Content-Type"].startswith("text/plain; version=0.0.4"), (st, t[:300])
        a = counters(t)
        for i in range(3):
            st, h2, x = call("api_t_metric", {}, user["ses"], "")
            assert st == 200
        st, h, t = scrape()
        b = counters(t)
        k = 'flyton_requests_total{what="api_t_metric",status="200"}'
        assert b[k] - a.get(k, 0) == 3, t
        c = 'flyton_request_seconds_count{what="api_t_metric"}'
        assert b[c] - a.get(c, 0) == 3
        assert b['flyton_request_seconds_bucket{what="api_t_metric",le="+Inf"}'] == b[c]
        assert b['flyton_queries_total{what="api_t_metric"}'] > a.get('flyton_queries_total{what="api_t_metric"}', 0)
        reload_site()     # the persistent runtime's daemons start anew; the counters go on
        st, h, t = scrape()
        d = counters(t)
        assert all(d.get(n, -1) >= v for n, v in b.items() if n != "flyton_records_since"), "a counter went back"
        assert d[k] == b[k]


@pytest.mark.once
def test_a_scrape_reads_a_bounded_amount_and_counts_every_line_once_across_a_turn_over(tmp_path, monkeypatch):
    # 30,000 records, the file turning over twice as they come, a scrape after each batch (two of them
    # more than a scrape reads): every line is counted exactly once, and no scrape reads more than read_max
    monkeypatch.setattr(kicstat, "path", str(tmp_path / "requests.jl"))
    monkeypatch.setattr(kicstat, "most", 1_000_000)
    monkeypatch.setattr(kicmetrics, "read_max", 400_000)
    kicstat.close()
    line = '{"t":1,"rid":"r","what":"api_x","st":200,"ms":%d,"db":1.5,"nq":2,"u":0,"rt":"wsgi"}\n'
    sent = 0
    reads = []
    real = kicmetrics.read_from

    def counted(t, p, left):
        n = real(t, p, left)
        reads.append(n)
        return n
    monkeypatch.setattr(kicmetrics, "read_from", counted)
    kicmetrics.totals()     # the first scrape, before any record: every line after it is counted
    for n in (3000, 6000, 3000, 3000, 6000, 3000, 3000, 3000):     # 6000 lines: more than a scrape reads
        for i in range(n):
            kicstat.write((line % (i % 700)).encode())
        sent += n
        kicmetrics.totals()
    assert os.path.exists(str(tmp_path / "requests.jl.1"))
    while kicmetrics.totals()["lines"] < sent and len(reads) < 200:
        pass
    kicstat.close()
    t = kicmetrics.totals()
    assert max(reads) <= 400_000
    assert t["lines"] == sent and t["bad"] == 0, (t["lines"], sent)
    m = t["w"]["api_x"]
    assert sum(m["st"].values()) == sent and m["nq"] == 2 * sent and m["b"][-1] == sent
    assert os.path.getsize(str(tmp_path / "requests.jl.metrics")) < 2000

# test_limits.py: rate limits as a framework feature (tools/kicrate.py), over HTTP against the
# runtime under test: every method and page has one from config.py without a line of its own, a
# method's own line wins, a refused call gets 429 with Retry-After (the time left) and JSON with
# wait, parallel calls lose no count, a dry run refuses nothing and logs; mail has a cap per
# recipient whatever method sends it; api_email's builtin limit stops mail bombing.
import os
import json
import contextlib
import time
import secrets
import subprocess
import http.client
from urllib.parse import urlsplit, quote
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import site, sql, top, cfg_file, new_user, login, clear_fails, config_lines, error_log
from tools.kicrate import rate_rule
import inproc

def req(path, body=None, addr="127.0.0.1"):
    # (status, headers, text) from a loopback address of its own
    s = urlsplit(site)
    c = http.client.HTTPConnection(s.hostname, s.port, timeout=60, source_address=(addr, 0))
    try:
        if body is None:
            c.request("GET", path)
        else:
            c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, r.headers, r.read().decode("utf-8", "replace")
    finally:
        c.close()


def call(meth, inp, ses="", addr="127.0.0.1"):
    st, h, t = req(f"/cgi-bin/api?meth={meth}", {"info": {"os": "a", "ses": ses}, "input": inp}, addr)
    return st, h, json.loads(t)["server"]


def mid_window(secs=60):
    # the windows are fixed, from the epoch: a test that counts calls starts with 10 s of its window
    # left at least, so that its calls fall in one (a CI run once sent the six of a test across a
    # minute's edge: four and two, none refused)
    left = secs - time.time() % secs
    if left < 10:
        time.sleep(left + 0.05)


def fresh():
    # no counts: the table's, and this process's own (the in-process calls)
    import tools.kicrate
    sql.sql("DELETE FROM rates")
    tools.kicrate.seen.clear()


def settled():
    # the framework's mail jobs (tools/kicconfirm.py) queued so far have run
    end = time.monotonic() + 60
    while time.monotonic() < end:
        n = sql.sql("SELECT COUNT(*) FROM jobs WHERE is_active = 1 AND name IN ('email_confirm', 'email_old', 'pw_link')")[0][0][0]
        if n == 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"{n} mail jobs still queued after 60 s")


def test_a_rule_reads_as_written_and_a_wrong_one_is_named():
    assert rate_rule("5/hour per user") == [(5, 3600, "user")]
    assert rate_rule("10/minute per both, 100/day per user") == [(10, 60, "both"), (100, 86400, "user")]
    assert rate_rule("off") == []
    for bad in ("5/week per user", "5 per user", "x/hour per user", "5/hour per nobody", "0/hour per user"):
        with pytest.raises(ValueError, match="rate limit"):
            rate_rule(bad)


@pytest.fixture(scope="module")
def limits():
    # one config.py for the tests below (a change of it reloads the persistent runtime's site)
    # (the logins of the tests' users come from one address: not what is tested here)
    with config_lines('rate_limits = {"default": "4/minute per user", "api_t_kit_del": "2/hour per both", "api_login": "off", '
                      '"api_register": "3/minute per address", "api_t_kit_add": "1000/hour per user", '
                      '"t_kit": "30/hour per user"}\nquotas = {"t_kit": 3}'):
        yield


def page(ses, rpage):
    return req(f"/cgi-bin/p?app=start&r=309012&ses={quote(ses)}&rpage={rpage}")


def test_a_new_method_and_page_get_the_default_and_a_refusal_says_how_long(limits):
    mid_window(60)
    fresh()
    u, p, uid = new_user()
    ses = login(u, p)
    got = [call("api_t_kit_list", {}, ses) for i in range(6)]
    assert [g[0] for g in got] == [200] * 4 + [429] * 2, [g[2] for g in got]
    st, h, a = got[-1]
    assert a["allow"] == 0 and a["err"].startswith("Too many requests: try again in"), a
    left = 60 - int(time.time()) % 60
    assert 1 <= int(h["Retry-After"]) <= left + 1 and int(h["Retry-After"]) == a["wait"], (h["Retry-After"], left)
    # another user has a counter of their own
    u2, p2, uid2 = new_user()
    assert call("api_t_kit_list", {}, login(u2, p2))[0] == 200
    # the pages without a line of their own share one counter, apart from the methods'
    codes = [page(ses, "dashboard")[0] for i in range(5)]
    assert codes == [200] * 4 + [429], codes
    st, h, t = page(ses, "t_no_such_page")
    assert st == 429 and "Too many requests" in t and "Traceback" not in t and int(h["Retry-After"]) >= 1
    assert page(ses, "t_kit")[0] == 200          # a page with a line of its own


def test_a_methods_own_line_wins_and_an_address_is_counted_without_a_session(limits):
    mid_window(60)
    fresh()
    u, p, uid = new_user()
    ses = login(u, p)
    got = [call("api_t_kit_del", {"id": 0}, ses, "127.0.0.140")[0] for i in range(3)]
    assert got == [200, 200, 429]
    assert call("api_t_kit_list", {}, ses, "127.0.0.140")[0] == 200          # the default still
    reg = {"u": "t_reg", "p": "pw-long-enough-1", "first": "A", "last": "B"}
    got = [call("api_register", dict(reg, u=f"t_{secrets.token_hex(5)}"), addr="127.0.0.141")[0] for i in range(4)]
    assert got == [200, 200, 200, 429]                                        # no session: by its address
    assert call("api_register", dict(reg, u=f"t_{secrets.token_hex(5)}"), addr="127.0.0.142")[0] == 200


def test_parallel_calls_lose_no_count(limits):
    mid_window(3600)
    fresh()
    u, p, uid = new_user()
    ses = login(u, p)
    with ThreadPoolExecutor(10) as ex:
        got = list(ex.map(lambda i: page(ses, "t_kit")[0], range(50)))
    assert got.count(429) == 20 and got.count(200) == 30, got
    # the shared count took every call up to the limit (and more: a process that knows the limit is
    # passed refuses the window's other calls without a statement)
    assert 30 < sql.sql("SELECT n FROM rates WHERE name = %s", (f"3600 t_kit u{uid}",))[0][0][0] <= 50


def test_a_user_has_at_most_the_tables_quota_of_rows_and_lists_come_a_page_at_a_time(limits):
    # the audit: one client added 2,000 todos at 272/s, and the list answered them all (537 KB)
    u, p, uid = new_user()
    ses = login(u, p)
    with ThreadPoolExecutor(10) as ex:
        got = list(ex.map(lambda i: call("api_t_kit_add", {"name": f"row {i}"}, ses)[2], range(10)))
    assert sum(a["allow"] for a in got) == 3, got                       # quotas: t_kit 3, in parallel too
    assert all(a["err"] == "You have 3 rows, the most there may be" for a in got if not a["allow"]), got
    a = call("api_t_kit_list", {"limit": 2}, ses)[2]
    assert len(a["items"]) == 2 and a["next"] == 2 and a["count"] == 3, a
    b = call("api_t_kit_list", {"limit": 2, "offset": 2}, ses)[2]
    assert len(b["items"]) == 1 and "next" not in b, b
    assert {r["id"] for r in a["items"] + b["items"]} == {r["id"] for r in call("api_t_kit_list", {"limit": 10 ** 6}, ses)[2]["items"]}


@contextlib.contextmanager
def config_here(text):
    # config.py's settings with text added, for the calls made in this process (tests/inproc.py)
    # only: nothing to reload (the HTTP tests above show the same code behind both runtimes)
    import config
    was = dict(vars(config))
    try:
        exec(text, vars(config))
        yield
    finally:
        for k in [k for k in vars(config) if k not in was]:
            delattr(config, k)
        vars(config).update(was)


@pytest.mark.once
def test_a_dry_run_refuses_nothing_and_logs_what_it_would():
    mid_window(60)
    fresh()
    u, p, uid = new_user()
    ses = login(u, p)
    with config_here('rate_limits = {"default": "2/minute per user", "api_login": "off"}\nrate_dry = 1'):
        mark = error_log()
        got = [inproc.api("api_t_kit_list", {}, ses)[0] for i in range(4)]
        assert got == [200] * 4
        assert f"rate_dry: api_t_kit_list by user {uid}" in error_log()[len(mark):]
    with config_here('rate_limits = {"default": "2/minute per user", "api_login": "off"}'):
        assert inproc.api("api_t_kit_list", {}, ses)[0] == 429          # the same, not dry


@pytest.mark.once
def test_a_rule_that_does_not_read_is_the_default_and_logged_not_an_error_on_every_call():
    fresh()
    u, p, uid = new_user()
    ses = login(u, p)
    with config_here('rate_limits = {"default": "5 a minute", "api_login": "off"}\nquotas = {"t_kit": "many"}'):
        mark = error_log()
        st, a = inproc.api("api_t_kit_list", {}, ses)
        assert st == 200 and a["allow"] == 1, a
        assert "rate limit '5 a minute': not N/second" in error_log()[len(mark):]
        st, a = inproc.api("api_t_kit_add", {"name": "x"}, ses)
        assert st == 200 and a["allow"] == 1, a


@pytest.mark.once
def test_api_email_stops_mail_bombing_and_an_address_gets_a_capped_number_of_mails():
    # the audit: 40 confirmation mails to a stranger's address in 2.2 s from one user
    mid_window(3600)
    fresh()
    clear_fails()
    u, p, uid = new_user()
    ses = login(u, p)
    target = f"t_{secrets.token_hex(4)}@example.com"
    with config_here("rate_limits = {}"):         # the builtin limits, as a site without lines of its own has them
        got = [inproc.api("api_email", {"email": target, "p": p}, ses)[0] for i in range(8)]
        assert got.count(200) == 5 and got.count(429) == 3, got           # builtin: 5/hour per user
        got = [inproc.api("api_register", {"u": f"t_{secrets.token_hex(5)}", "p": "pw-long-enough-1", "first": "A", "last": "B"},
                          addr="127.0.0.143")[0] for i in range(11)]
        assert got.count(429) == 1 and got[-1] == 429, got                 # builtin: 10/hour per address
    # the mail cap per recipient, whatever sends to it (once the worker has made the mails those calls
    # queued: each counts when it is made, and would count into the checks below)
    settled()
    fresh()
    from tools.kicmail import capped
    assert [capped(target) for i in range(7)] == [0] * 5 + [1] * 2
    assert capped("T" + target[1:].upper()) == 1                  # the same address, however it is typed
    assert capped(f"x{target}") == 0
    # and per user, to any addresses: mail_cap_user (20/hour)
    fresh()
    assert [capped(f"t{i}_{target}", uid) for i in range(22)] == [0] * 20 + [1] * 2
    assert capped(f"t_other_{target}", uid + 1) == 0


@pytest.mark.once
def test_the_archive_forgets_ended_rate_counters():
    now = int(time.time())
    sql.sql("REPLACE INTO rates (name, n, win) VALUES ('60 t_arc_old u1', 5, %s), ('60 t_arc_new u1', 5, %s)",
            (now - 3 * 86400, now))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["FLYTON_CONFIG_DIR"] = os.path.dirname(cfg_file)
    r = subprocess.run([f"{top}/server/bin/flyton", "archive"], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "rates: deleted" in r.stdout, r.stdout + r.stderr
    left = [w[0] for w in sql.sql("SELECT name FROM rates WHERE name LIKE '60 t_arc_%%'")[0]]
    assert left == ["60 t_arc_new u1"], left

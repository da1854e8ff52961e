# test_mail.py: tools/kicmail.py and "forgot password", against a real SMTP server
# (aiosmtpd) that the test starts on loopback: the site sends, the test reads what
# arrived and follows the link, over HTTP and in Chromium.
import re
import time
import contextlib
import socket
import hashlib
import secrets
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

import config
from conftest import site, chromium_page, login, new_user, clear_fails, config_lines, error_log
from conftest import api as site_api
from inproc import api     # in process; the answer's timing and the browser: the site
from tools.sql import *
from tools.kicmail import kicmail


class Box:
    # the SMTP server's inbox: every message as it arrived
    def __init__(self):
        self.got = []
        self.cv = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self.cv:
            self.got.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
            self.cv.notify_all()
        return "250 OK"

    def wait(self, n=1, s=20):
        # the first n messages, waiting up to s seconds for them
        with self.cv:
            self.cv.wait_for(lambda: len(self.got) >= n, timeout=s)
            assert len(self.got) >= n, f"{len(self.got)} message(s) arrived, {n} expected"
            return self.got[:n]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


@pytest.fixture(scope="module")
def smtp():
    box = Box()
    c = Controller(box, hostname="127.0.0.1", port=free_port())
    c.start()
    yield {"box": box, "port": c.port}
    c.stop()


def state_of(i, s=10):
    # a job's state once it has ended (the worker writes it just after the mail left), or as it is after s seconds
    end = time.monotonic() + s
    while time.monotonic() < end:
        st = sql("SELECT state FROM jobs WHERE id = %s", [i])[0][0][0]
        if st in ("done", "failed"):
            return st
        time.sleep(0.1)
    return st


@contextlib.contextmanager
def mail_config(text, box=None):
    # config.py's mail lines for a with block (the worker started again with them). The mails that
    # earlier tests queued with no mail server of theirs (tried again later) are not this test's:
    # they are dropped, so the box gets this test's mails only
    mark = sql("SELECT COALESCE(MAX(id), 0) FROM jobs")[0][0][0]
    with config_lines(text):
        sql("DELETE FROM jobs WHERE id <= %s AND state != 'running'", [mark])
        time.sleep(0.5)
        if box:
            box.got.clear()
        yield


@pytest.fixture
def mailsite(smtp):
    # the test site sends its mail to the SMTP server above; links start with the test site's address
    clear_fails()
    with mail_config(f'mail = {{"host": "127.0.0.1", "port": {smtp["port"]}, "from": "Flyton <noreply@example.com>"}}\n'
                     f'site_url = "{site}"', smtp["box"]):
        yield smtp["box"]


@pytest.fixture
def quick(monkeypatch):
    # "forgot password" answers after a floor of 1.5 s whatever it did (tested once, below); the
    # in-process tests that are about links and limits, not time, need not wait it out
    import api.api_pw_forgot as m
    monkeypatch.setattr(m, "floor", 0.0)


def body_of(m):
    return m.get_body(("plain",)).get_content()


def link_of(m):
    u = re.search(r"(\S+/pages/login/reset\.html#t=([A-Za-z0-9_-]+))", body_of(m))
    assert u, body_of(m)
    return u.group(1), u.group(2)


def mail_user():
    e = f"m_{secrets.token_hex(5)}@example.com"
    u, p, uid = new_user(data={"email": e})
    return {"u": u, "p": p, "id": uid, "e": e}


def test_kicmail_queues_a_mail_that_the_worker_sends_and_refuses_what_is_no_mail(smtp):
    box = smtp["box"]
    with mail_config(f'mail = {{"host": "127.0.0.1", "port": {smtp["port"]}, "from": "Site <site@example.com>"}}', box):
        w = kicmail("dana@example.com", "Hello ✓", "plain text", "<p>html</p>")
        assert w["status"] == 1 and w["job"] > 0, w
        to, m = box.wait(1)[0]      # sent by the test instance's worker (flyton worker)
        assert to == ["dana@example.com"]
        assert m["Subject"] == "Hello ✓"
        assert m["From"] == "Site <site@example.com>"
        assert body_of(m).strip() == "plain text"
        assert "<p>html</p>" in m.get_body(("html",)).get_content()
        assert state_of(w["job"]) == "done"
        # no header can be smuggled in through a subject or an address: refused at once, nothing queued
        for to, subject in (("dana@example.com", "x\nBcc: evil@example.com"), ("dana@example.com\nBcc: evil@example.com", "x"),
                            ("not an address", "x")):
            w = kicmail(to, subject, "body")
            assert w["status"] == 0 and type(w["status"]) is int and "job" not in w, w
            assert w["err"], w
        time.sleep(1)
        assert len(box.got) == 1


def test_with_the_mail_server_down_the_answer_is_at_once_and_the_mail_arrives_when_it_is_back():
    # "forgot password" while nothing listens on the mail server's port: the answer does not wait, the
    # mail job fails and is tried again (1 s, 2 s, 4 s ... here), and the mail arrives once a server listens
    port = free_port()
    box = Box()
    clear_fails()
    with mail_config(f'mail = {{"host": "127.0.0.1", "port": {port}, "from": "Flyton <noreply@example.com>", "timeout": 3}}\n'
                     f'site_url = "{site}"\njob_backoff = 1', box):
        m = mail_user()
        t0 = time.monotonic()
        st, a = site_api("api_pw_forgot", {"email": m["e"]})
        assert st == 200 and a["allow"] == 1 and time.monotonic() - t0 < 5, a
        q = "SELECT id, state, tries, err FROM jobs WHERE name = 'mail' AND JSON_VALUE(data, '$.to') = %s"
        end = time.monotonic() + 30
        while time.monotonic() < end and not [r for r in sql(q, [m["e"]])[0] if r[2] >= 2]:
            time.sleep(0.2)
        w = sql(q, [m["e"]])[0]
        assert len(w) == 1 and w[0][1] in ("queued", "running") and w[0][2] >= 2 and "Connection refused" in w[0][3], w     # tried again
        c = Controller(box, hostname="127.0.0.1", port=port)
        c.start()
        try:
            to, msg = box.wait(1, 40)[0]
            assert to == [m["e"]] and link_of(msg)[1]
        finally:
            c.stop()
        assert state_of(sql(q, [m["e"]])[0][0][0]) == "done"


@pytest.mark.once
def test_forgot_password_mails_a_single_use_link_that_sets_the_password(mailsite, quick):
    m = mail_user()
    s1, s2 = login(m["u"], m["p"]), login(m["u"], m["p"])       # two tabs, logged in
    st, a = api("api_pw_forgot", {"email": m["e"].upper()})
    assert a["allow"] == 1
    assert "If a user has this address" in a["msg"]
    to, msg = mailsite.wait(1)[0]
    assert to == [m["e"]]
    assert m["u"] in body_of(msg)
    url, t = link_of(msg)
    assert url == f"{site}/pages/login/reset.html#t={t}"
    # the database keeps only the token's hash
    rows = kic_sql("SELECT name, is_active FROM pwreset WHERE user_id = %s", args=(m["id"],))
    assert rows == [(hashlib.sha256(t.encode()).hexdigest(), 1)]
    # the password rules of register; a refused password does not use the link up
    st, a = api("api_pw_reset", {"t": t, "p": "short"})
    assert a["allow"] == 0
    assert a["fld"] == "p"
    st, a = api("api_pw_reset", {"t": t, "p": "a-new-password-1"})
    assert a["allow"] == 1, a
    for s in (s1, s2):                                           # every session ended
        st, a = api("api_t_kit_list", {}, s)
        assert a["allow"] == 0
        assert a.get("sact") == "out"
    assert api("api_login", {"u": m["u"], "p": m["p"]})[1]["allow"] == 0
    assert api("api_login", {"u": m["u"], "p": "a-new-password-1"})[1]["allow"] == 1
    st, a = api("api_pw_reset", {"t": t, "p": "another-password-2"})     # once only
    assert a["allow"] == 0
    assert "does not work" in a["msg"]
    assert api("api_login", {"u": m["u"], "p": "a-new-password-1"})[1]["allow"] == 1


@pytest.mark.once
def test_the_answer_is_the_same_for_an_address_nobody_has(mailsite):
    m = mail_user()
    t0 = time.monotonic()
    st1, a1 = api("api_pw_forgot", {"email": m["e"]})
    t1 = time.monotonic()
    st2, a2 = api("api_pw_forgot", {"email": f"nobody_{secrets.token_hex(4)}@example.com"})
    t2 = time.monotonic()
    assert (st1, a1) == (st2, a2)
    # each answer waits for the same floor, mail or no mail (a lower bound: no noisy-timing test)
    assert t1 - t0 >= 1.4
    assert t2 - t1 >= 1.4
    mailsite.wait(1)
    time.sleep(0.5)
    assert len(mailsite.got) == 1
    assert mailsite.got[0][0] == [m["e"]]
    # a bad address is the one answer that differs: it says nothing about users
    st, a = api("api_pw_forgot", {"email": "nope"})
    assert a["allow"] == 0
    assert a["fld"] == "email"


class SlowBox(Box):
    # a mail server that takes its time over every message
    async def handle_DATA(self, server, session, envelope):
        import asyncio
        await asyncio.sleep(6)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.proof      # the framework's mail under a slow server (tests/run --all)
def test_a_slow_mail_server_does_not_show_in_the_answer():
    # the link is mailed by a background job: a 6 s mail server neither delays the answer
    # (which would tell that the address is a user's) nor loses the mail
    box = SlowBox()
    c = Controller(box, hostname="127.0.0.1", port=free_port())
    c.start()
    try:
        clear_fails()
        with mail_config(f'mail = {{"host": "127.0.0.1", "port": {c.port}, "from": "Flyton <noreply@example.com>", '
                         f'"timeout": 30}}\nsite_url = "{site}"', box):
            m = mail_user()
            t0 = time.monotonic()
            st1, a1 = site_api("api_pw_forgot", {"email": m["e"]})
            t1 = time.monotonic()
            st2, a2 = site_api("api_pw_forgot", {"email": f"nobody_{secrets.token_hex(4)}@example.com"})
            assert (st1, a1) == (st2, a2)
            assert a1["allow"] == 1
            assert t1 - t0 < 5, f"the answer waited {t1 - t0:.1f} s: for the mail server"
            to, msg = box.wait(1, 30)[0]
            assert to == [m["e"]]
            assert link_of(msg)[1]
    finally:
        c.stop()


@pytest.mark.once
def test_a_link_expires_and_a_newer_one_ends_the_older(mailsite, quick):
    m = mail_user()
    api("api_pw_forgot", {"email": m["e"]})
    api("api_pw_forgot", {"email": m["e"]})
    (_, first), (_, second) = mailsite.wait(2)
    t1, t2 = link_of(first)[1], link_of(second)[1]
    assert t1 != t2
    # two jobs, two workers: the mails may come in either order; t2 is the newer link
    made = lambda t: kic_sql("SELECT id FROM pwreset WHERE name = %s", args=(hashlib.sha256(t.encode()).hexdigest(),))[0][0]
    if made(t1) > made(t2):
        t1, t2 = t2, t1
    assert api("api_pw_reset", {"t": t1, "p": "a-new-password-1"})[1]["allow"] == 0
    kic_sql("UPDATE pwreset SET created_at = NOW() - INTERVAL 31 MINUTE WHERE name = %s",
            args=(hashlib.sha256(t2.encode()).hexdigest(),))
    assert api("api_pw_reset", {"t": t2, "p": "a-new-password-1"})[1]["allow"] == 0
    for bad in ("", "x" * 43, "../../etc", None, 5, t2 + "\n"):
        st, a = api("api_pw_reset", {"t": bad, "p": "a-new-password-1"})
        assert st < 500, bad
        assert a["allow"] == 0, bad
    assert api("api_login", {"u": m["u"], "p": m["p"]})[1]["allow"] == 1


@pytest.mark.once
def test_links_made_at_once_for_one_user_leave_one_working():
    # two workers making a user's link at the same moment (two "forgot password" jobs): one works
    from tools.db_pwreset import pwreset_new, db_pwreset
    u, p, uid = new_user()
    for n in range(15):
        go = threading.Barrier(3)
        ts = [threading.Thread(target=lambda: (go.wait(), pwreset_new(uid, "127.0.0.1"))) for i in range(3)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
        assert db_pwreset(uid) == 1, f"round {n}: {db_pwreset(uid)} links work"


@pytest.mark.once
def test_asking_for_links_is_throttled_per_address_and_per_client(mailsite, quick):
    m = mail_user()
    a_ip, b_ip = "127.0.%d.%d" % tuple(secrets.token_bytes(2)), "127.0.%d.%d" % tuple(secrets.token_bytes(2))
    for i in range(5):
        assert api("api_pw_forgot", {"email": m["e"]}, "", addr=a_ip)[1]["allow"] == 1, i
    a = api("api_pw_forgot", {"email": m["e"]}, "", addr=a_ip)[1]
    assert a["allow"] == 0
    assert "Too many" in a["msg"]
    a = api("api_pw_forgot", {"email": m["e"]}, "", addr=b_ip)[1]     # the address, from anywhere: slowed
    assert a["allow"] == 0
    assert "Too many" in a["msg"]
    other = mail_user()
    assert api("api_pw_forgot", {"email": other["e"]}, "", addr=b_ip)[1]["allow"] == 1
    assert len(mailsite.wait(6)) == 6


def rand_ip():
    return "127.0.%d.%d" % tuple(secrets.token_bytes(2))


def guess(u, ips, n):
    # n wrong passwords for u, spread over the guessers' addresses; the answers
    return [api("api_login", {"u": u, "p": f"wrong{i}"}, "", addr=ips[i % len(ips)])[1] for i in range(n)]


@pytest.mark.once
def test_guessers_on_four_addresses_hold_a_new_address_until_a_reset_link_is_used_there(mailsite, quick):
    # the decision (tools/throttle.py): the name's slow-down holds every address not known
    # for the user; the refusal points to "forgot password", whose link makes the address known
    m = mail_user()
    ips, home = [rand_ip() for i in range(4)], rand_ip()
    got = guess(m["u"], ips, 12)
    assert sum(1 for a in got if a.get("wait")) >= 4                     # they book the slots
    a = api("api_login", {"u": m["u"], "p": m["p"]}, "", addr=home)[1]     # the owner, new address, no 2FA
    assert a["allow"] == 0, a
    assert a["wait"] >= 1, a
    assert "Forgot password" in a["msg"], a
    # a name nobody has, guessed the same way, is answered in the same words
    nobody = "t_nobody_" + secrets.token_hex(4)
    guess(nobody, ips, 12)
    b = api("api_login", {"u": nobody, "p": "x"}, "", addr=home)[1]
    assert re.sub(r"\d+ seconds?|\d+", "N", b["msg"]) == re.sub(r"\d+ seconds?|\d+", "N", a["msg"])     # (1 second, 2 seconds)
    assert b.keys() == a.keys()
    assert api("api_pw_forgot", {"email": m["e"]}, "", addr=home)[1]["allow"] == 1
    url, t = link_of(mailsite.wait(1)[0][1])
    assert api("api_pw_reset", {"t": t, "p": "owner-new-pass-1"}, "", addr=home)[1]["allow"] == 1
    # the guessers go on; from the address the link was used at, the owner gets in every time
    for i in range(4):
        guess(m["u"], ips, 3)
        st, a = api("api_login", {"u": m["u"], "p": "owner-new-pass-1"}, "", addr=home)
        assert a["allow"] == 1, a
    # while anyone else, even with the right password, is still held by the slow-down
    for i in range(10):
        if guess(m["u"], ips, 1)[0].get("wait"):
            break
    st, a = api("api_login", {"u": m["u"], "p": "owner-new-pass-1"}, "", addr=rand_ip())
    assert a["allow"] == 0
    assert a["wait"] >= 1


def confirm_link(box, n, to):
    # the token of the confirm link in the n-th mail, which must go to address to
    got, m = box.wait(n)[n - 1]
    assert got == [to], (got, to)
    u = re.search(r"/pages/login/confirm\.html#t=([A-Za-z0-9_-]+)", body_of(m))
    return u.group(1) if u else ""


def email_of(uid):
    return kic_sql("SELECT email FROM users WHERE id = %s", args=(uid,))[0][0]


@pytest.mark.once
def test_a_new_address_is_the_users_once_the_link_mailed_to_it_is_opened(mailsite, quick):
    # register: the address is not the user's until its link is opened
    e = f"u_{secrets.token_hex(5)}@example.com"
    r = {"u": "r_" + secrets.token_hex(4), "p": "longenough", "first": "A", "last": "B", "email": e}
    reg = api("api_register", r)[1]
    assert reg["allow"] == 1
    assert e in reg["msg"]
    uid = reg["user_id"]
    t = confirm_link(mailsite, 1, e)
    assert t
    assert email_of(uid) is None
    # the link of one kind never works as the other: it sets no password
    assert api("api_pw_reset", {"t": t, "p": "taken-over-1"})[1]["allow"] == 0
    a = api("api_email_confirm", {"t": t})[1]
    assert a["allow"] == 1
    assert a["email"] == e
    assert email_of(uid) == e
    assert api("api_email_confirm", {"t": t})[1]["allow"] == 0          # once
    # a taken address: the same answer (to register and to a change), and its owner is told
    r2 = dict(r, u="r_" + secrets.token_hex(4), email=e.upper())
    b = api("api_register", r2)[1]
    assert b["allow"] == 1
    assert b.keys() == reg.keys()
    assert b["msg"] == reg["msg"]
    to, m = mailsite.wait(2)[1]
    assert to == [e]
    assert "belongs to another" in body_of(m)
    assert "confirm.html" not in body_of(m)
    assert email_of(b["user_id"]) is None
    assert email_of(uid) == e
    # a change of a logged-in user
    u2, p2, uid2 = new_user(data={"email": f"old_{secrets.token_hex(4)}@example.com"})
    old = email_of(uid2)
    ses = login(u2, p2)
    taken = api("api_email", {"email": e, "p": p2}, ses)[1]
    mine = f"Mine_{secrets.token_hex(4)}@Example.com"
    free = api("api_email", {"email": mine, "p": p2}, ses)[1]
    assert taken["allow"] == free["allow"] == 1
    assert taken.keys() == free.keys()
    assert taken["email"] == free["email"] == old
    msgs = mailsite.wait(6)[2:]
    to_e = [m for to, m in msgs if to == [e]]
    to_old = [m for to, m in msgs if to == [old]]
    to_mine = [m for to, m in msgs if to == [mine.lower()]]
    assert len(to_e) == 1
    assert "belongs to another" in body_of(to_e[0])
    assert len(to_old) == 2
    assert all(mine.lower() in body_of(m) or e in body_of(m) for m in to_old)
    assert len(to_mine) == 1
    assert email_of(uid2) == old
    t = re.search(r"confirm\.html#t=([A-Za-z0-9_-]+)", body_of(to_mine[0])).group(1)
    assert api("api_email_confirm", {"t": t})[1]["email"] == mine.lower()
    assert email_of(uid2) == mine.lower()
    # removing the address needs no link; a bad one is refused at once
    assert api("api_email", {"email": "", "p": p2}, ses)[1]["allow"] == 1
    assert email_of(uid2) is None
    assert api("api_email", {"email": "not an address", "p": p2}, ses)[1]["fld"] == "email"
    # and no probing: a forgot-password link is no confirm link either
    assert api("api_pw_forgot", {"email": e})[1]["allow"] == 1
    m = [m for to, m in mailsite.wait(8) if to == [e] and "reset.html" in body_of(m)]
    assert len(m) == 1
    assert api("api_email_confirm", {"t": link_of(m[0])[1]})[1]["allow"] == 0


@pytest.mark.browser
def test_forgot_password_in_the_browser(mailsite, browser):
    from playwright.sync_api import expect
    m = mail_user()
    with chromium_page(browser) as pg:
        pg.goto(site + "/pages/login/")
        pg.click("#toforgot")
        pg.fill("#email", m["e"])
        pg.click("#go")
        expect(pg.locator("#msg")).to_contain_text("If a user has this address")
        url, t = link_of(mailsite.wait(1)[0][1])
        pg.goto(url)
        expect(pg).to_have_url(site + "/pages/login/reset.html")      # the token left the address bar
        pg.fill("#p", "browser-new-pw-1")
        pg.fill("#p2", "browser-new-pw-2")
        pg.click("#go")
        expect(pg.locator("#msg")).to_contain_text("differ")
        pg.fill("#p2", "browser-new-pw-1")
        pg.click("#go")
        expect(pg.locator("#msg")).to_contain_text("Your password is set")
        pg.click("#tologin")
        pg.fill("#u", m["u"])
        pg.fill("#p", "browser-new-pw-1")
        pg.click("#go")
        expect(pg.locator("#kicheader")).to_be_visible()


@pytest.mark.browser
def test_confirming_an_address_in_the_browser(mailsite, browser):
    from playwright.sync_api import expect
    e = f"b_{secrets.token_hex(5)}@example.com"
    with chromium_page(browser) as pg:
        pg.goto(site + "/pages/login/register.html")
        for k, v in (("u", "b_" + secrets.token_hex(4)), ("p", "browserpass1"), ("first", "A"), ("last", "B"), ("email", e)):
            pg.fill(f"#{k}", v)
        pg.click("#go")
        expect(pg.locator("#done_mail")).to_contain_text(f"A link is on its way to {e}")
        t = confirm_link(mailsite, 1, e)
        pg.goto(f"{site}/pages/login/confirm.html#t={t}")
        expect(pg).to_have_url(site + "/pages/login/confirm.html")      # the token left the address bar
        pg.click("#go")
        expect(pg.locator("#msg")).to_contain_text(f"Done: {e} is your email address.")
    assert kic_sql("SELECT COUNT(*) FROM users WHERE email = %s", args=(e,)) == [(1,)]

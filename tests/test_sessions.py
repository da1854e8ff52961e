# test_sessions.py: the life of a session: login, throttling, expiry, logout,
# per-tab tokens, session data, roles, two-step login, and the archive engine.
import os
import re
import json
import time
import base64
import signal
import subprocess

import pytest

from conftest import new_user, login, clear_fails, top, clone, cfg_file, this_clone_is_the_site
from inproc import api, page
from tools.sql import *
from tools.db_ses import ses_key
from tools.kictotp import kictotp, hotp, check_totp, new_secret, otp_uri


pytestmark = pytest.mark.once      # in process (tests/inproc.py): the first pass only


# ---------- login ----------

def test_password_is_stored_as_a_slow_salted_hash():
    u, p, uid = new_user()
    sis = get_record("users", uid)["sis"]
    assert sis.startswith("scrypt$16384$8$1$")
    assert p not in sis
    assert base64.b64encode(p.encode()).decode() not in sis
    u2, p2, uid2 = new_user()
    assert get_record("users", uid2)["sis"].split("$")[4] != sis.split("$")[4]   # own salt


def test_login_and_failure_are_logged():
    clear_fails()
    u, p, uid = new_user()
    login(u, p)
    api("api_login", {"u": u, "p": "wrong"})
    w = find_in_sql({"table": "logs", "what": "act_type", "where": {"send_text": u}, "sort": "id", "all": 1})
    assert w == [("login",), ("login_fail",)]
    assert p not in json.dumps(find_in_sql({"table": "logs", "what": "send_text,data", "where": {"send_text": u}, "all": 1}), default=str)


def test_every_login_gets_a_new_token():
    clear_fails()
    u, p, uid = new_user()
    a, b = login(u, p), login(u, p)
    assert a != b
    assert len(a) >= 32
    assert page(user=a)[0] == 200
    assert page(user=b)[0] == 200   # two tabs, two sessions


def test_the_table_holds_no_token_only_its_hash(user):
    # a copy of ses (a backup, a stolen dump) logs nobody in: the row id is the sha256
    tok = user["ses"]
    assert find_in_sql({"table": "ses", "fld": "id", "val": tok}) is False
    assert find_in_sql({"table": "ses", "what": "user_id", "fld": "id", "val": ses_key(tok)}) == (user["id"],)
    assert re.fullmatch(r"[0-9a-f]{64}", ses_key(tok))
    assert page("", ses_key(tok))[0] == 302            # the row id used as a token is no session
    st, a = api("api_t_kit_list", {}, ses_key(tok))
    assert a["allow"] == 0
    assert a.get("sact") == "out"
    assert page(user=tok)[0] == 200


# ---------- expiry, logout, tabs ----------

def test_idle_expiry_for_page_and_api(user):
    sql("UPDATE ses SET updated_at = NOW() - INTERVAL 61 MINUTE WHERE id = %s", (ses_key(user["ses"]),))
    assert page(user=user["ses"])[0] == 302
    st, a = api("api_logout", {}, user["ses"])
    assert a["sact"] == "out"
    assert find_in_sql({"table": "ses", "what": "is_active", "fld": "id", "val": ses_key(user["ses"])}) == (0,)


def test_absolute_expiry(user):
    sql("UPDATE ses SET created_at = NOW() - INTERVAL 13 HOUR, updated_at = NOW() WHERE id = %s", (ses_key(user["ses"]),))
    st, a = api("api_ping", {}, user["ses"])
    assert a["allow"] == 1      # ping needs no session
    assert page(user=user["ses"])[0] == 302


def test_use_keeps_a_session_alive(user):
    sql("UPDATE ses SET updated_at = NOW() - INTERVAL 50 MINUTE WHERE id = %s", (ses_key(user["ses"]),))
    assert page(user=user["ses"])[0] == 200
    sql("UPDATE ses SET created_at = created_at - INTERVAL 20 MINUTE WHERE id = %s", (ses_key(user["ses"]),))
    assert page(user=user["ses"])[0] == 200    # 50 + 20 minutes old, but used 0 minutes ago


def test_logout_ends_the_session(user):
    st, a = api("api_logout", {}, user["ses"])
    assert a["allow"] == 1
    assert page(user=user["ses"])[0] == 302
    st, a = api("api_logout", {}, user["ses"])
    assert a["sact"] == "out"


def test_a_url_session_of_another_tab_is_ended_when_it_is_the_callers_own(user):
    other = login(user["u"], user["p"])           # the same user in a tab whose URL was copied
    st, a = api("api_logout", {}, user["ses"], uses=other)
    assert a["sact"] == "out"
    assert page(user=other)[0] == 302           # the copied URL session is over
    assert page(user=user["ses"])[0] == 200     # the tab's own is not


def test_a_token_of_somebody_else_in_uses_ends_nothing(user):
    clear_fails()
    u, p, uid = new_user()
    victim = login(u, p)                    # seen on a shared screen: proves nothing about the caller
    st, a = api("api_t_kit_list", {}, user["ses"], uses=victim)
    assert st == 401
    assert a["allow"] == 0
    assert page(user=victim)[0] == 200           # its owner stays logged in
    st, a = api("api_t_kit_list", {}, "", uses=victim)
    assert st == 401
    assert page(user=victim)[0] == 200


# ---------- session data and roles ----------

def test_add2ses_round_trip_from_api_to_page(user, temp_file):
    temp_file("server/apis/api/api_t_save.py", '''
from tools.kicapi import *
from tools.db_ses import *
def api_t_save(data):
    add2ses(data["ses"], data["post"]["input"])
    api_ok()
''')
    temp_file("client/app/admin/t_show.py", '''
import json, html
def t_show(data):
    return "<pre id=s>" + html.escape(json.dumps(data["s"], ensure_ascii=False)) + "</pre>"
''')
    keep = {"n": 3, "f": 2.5, "l": [1, "two", {"x": None}], "he": "שלום עולם", "q": "it's \"quoted\" \\"}
    st, a = api("api_t_save", keep, user["ses"])
    assert a["allow"] == 1
    st, t = page("t_show", user["ses"])
    import html
    s = json.loads(html.unescape(t.split("<pre id=s>")[1].split("</pre>")[0]))
    for k, v in keep.items():
        assert s[k] == v
    assert s["my_user_id"] == user["id"]
    assert s["page"] == "t_show"


def test_role_protected_page_and_api(user, admin, temp_file):
    temp_file("client/app/admin/t_adm.py", '''
from tools.kicweb import need_role
def t_adm(data):
    need_role(data, "admin")
    return "<p id=secret>admin only</p>"
''')
    temp_file("server/apis/api/api_t_adm.py", '''
from tools.kicapi import *
from tools.kicweb import need_role
def api_t_adm(data):
    need_role(data, "admin")
    api_ok({"secret": 1})
''')
    st, t = page("t_adm", admin["ses"])
    assert st == 200
    assert "admin only" in t
    st, t = page("t_adm", user["ses"])
    assert st == 403
    assert "Not allowed" in t
    assert "admin only" not in t
    st, a = api("api_t_adm", {}, admin["ses"])
    assert a["allow"] == 1
    assert a["secret"] == 1
    st, a = api("api_t_adm", {}, user["ses"])
    assert st == 403
    assert a["allow"] == 0
    assert "secret" not in a


# ---------- two-step login ----------

def test_totp_rfc6238_vectors():
    k1 = b"12345678901234567890"
    k256 = b"12345678901234567890123456789012"
    k512 = b"1234567890" * 6 + b"1234"
    for t, c1, c256, c512 in ((59, "94287082", "46119246", "90693936"),
                              (1111111109, "07081804", "68084774", "25091201"),
                              (1111111111, "14050471", "67062674", "99943326"),
                              (1234567890, "89005924", "91819424", "93441116"),
                              (2000000000, "69279037", "90698825", "38618901"),
                              (20000000000, "65353130", "77737706", "47863826")):
        assert hotp(k1, t // 30, 8, "sha1") == c1
        assert hotp(k256, t // 30, 8, "sha256") == c256
        assert hotp(k512, t // 30, 8, "sha512") == c512
    s = base64.b32encode(k1).decode()
    assert kictotp(s, 59, 8) == "94287082"
    assert otp_uri("ABC", "dana").startswith("otpauth://totp/Flyton%3Adana?secret=ABC&")


def test_check_totp_window_and_reuse():
    s = new_secret()
    now = 1700000000
    assert check_totp(s, kictotp(s, now), 0, now) == now // 30
    assert check_totp(s, kictotp(s, now - 30), 0, now) == now // 30 - 1      # one step late is fine
    assert check_totp(s, kictotp(s, now - 120), 0, now) == 0                 # old
    assert check_totp(s, kictotp(s, now), now // 30, now) == 0               # used
    assert check_totp(s, "12345", 0, now) == 0
    assert check_totp(s, "abcdef", 0, now) == 0


def test_login_with_mfa_needs_a_fresh_code():
    clear_fails()
    u, p, uid = new_user()
    s = new_secret()
    add_to_data("users", uid, "mfa", {"on": 1, "secret": s, "last": 0})
    st, a = api("api_login", {"u": u, "p": p})
    assert a["allow"] == 0
    assert "ses" not in a
    assert a["msg"] == "Wrong username, password or code"
    assert "mfa" not in a          # the right password is not told apart
    st, a = api("api_login", {"u": u, "p": p, "code": kictotp(s, time.time() - 150)})
    assert a["allow"] == 0
    assert "mfa" not in a
    code = kictotp(s)
    st, a = api("api_login", {"u": u, "p": p, "code": code})
    assert a["allow"] == 1
    assert a["ses"]
    st, a = api("api_login", {"u": u, "p": p, "code": code})
    assert a["allow"] == 0         # a code works once
    st, a = api("api_login", {"u": u, "p": "wrong", "code": kictotp(s)})
    assert a["allow"] == 0
    assert "mfa" not in a
    clear_fails()


def test_mfa_enrolment_page_and_api(user):
    st, t = page("mfa", user["ses"])
    assert st == 200
    s = t.split("<code id=mfa_secret>")[1].split("</code>")[0]
    assert "otpauth://totp/" in t
    assert f"secret={s}" in t
    st, a = api("api_mfa_on", {"code": "000000" if kictotp(s) != "000000" else "111111", "p": user["p"]}, user["ses"])
    assert a["allow"] == 0
    st, a = api("api_mfa_on", {"code": kictotp(s), "p": user["p"]}, user["ses"])
    assert a["allow"] == 1
    assert get_data("users", user["id"])["mfa"]["on"] == 1
    st, t = page("mfa", user["ses"])
    assert "id=mfa_state" in t


# ---------- the archive engine ----------

def archive_run(*args, wait=1):
    cmd = [f"{top}/server/bin/flyton", "archive", *args]
    env = dict(os.environ, FLYTON_CONFIG_DIR=os.path.dirname(cfg_file))    # the test database
    if wait:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    # a group of its own: flyton is bash running python, and a kill ends both, as a dying node would
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)


def where_are(ids):
    main = {w[0] for w in kic_sql("SELECT id FROM logs WHERE act_type = 't_arc'")}
    arc = [w[0] for w in kic_sql("SELECT id FROM logs_arc WHERE act_type = 't_arc'")]
    return main, arc


def test_archive_moves_old_logs_and_ended_sessions_exactly_once():
    kic_sql("DELETE FROM logs WHERE act_type = 't_arc'")
    kic_sql("DELETE FROM logs_arc WHERE act_type = 't_arc'")
    for b in range(20):                     # 100,000 logs across 180 days
        rows = ", ".join(f"('t_arc', 'r{b}_{i}', NOW() - INTERVAL {(b * 5000 + i) % 180} DAY - INTERVAL 1 HOUR)" for i in range(5000))
        kic_sql(f"INSERT INTO logs (act_type, send_text, created_at) VALUES {rows}")
    ids = {w[0] for w in kic_sql("SELECT id FROM logs WHERE act_type = 't_arc'")}
    old = {w[0] for w in kic_sql("SELECT id FROM logs WHERE act_type = 't_arc' AND created_at < NOW() - INTERVAL 90 DAY")}
    assert len(ids) == 100000
    assert 40000 < len(old) < 60000
    clear_fails()
    u, p, uid = new_user()
    live, ended = login(u, p), login(u, p)
    sql("UPDATE ses SET is_active = 0, updated_at = NOW() - INTERVAL 8 DAY WHERE id = %s", (ses_key(ended),))

    dry = archive_run("--dry-run")
    assert dry.returncode == 0
    assert int(re.search(r"logs: (\d+) rows would move", dry.stdout).group(1)) >= len(old)
    assert where_are(ids)[0] == ids          # a dry run moves nothing

    p1 = archive_run("--batch", "3000", "--pause", "0.4", wait=0)
    for i in range(300):                     # wait until it has committed a batch or two
        if len(where_are(ids)[1]) >= 6000:
            break
        time.sleep(0.1)
    os.killpg(p1.pid, signal.SIGKILL)        # killed, most likely inside a batch's transaction
    p1.wait()
    time.sleep(0.5)
    main, arc = where_are(ids)
    assert len(arc) == len(set(arc))
    assert not (main & set(arc))
    assert main | set(arc) == ids
    assert 0 < len(arc) < len(old)           # it had started and not finished

    # two nodes start the job at once (cron runs on every node): one does the work, the other
    # finds the lock taken and ends at once, cleanly
    name = "flyton_archive." + sql("SELECT DATABASE()")[0][0][0]
    p2 = archive_run("--batch", "5000", "--pause", "0.2", wait=0)
    for i in range(100):
        if sql("SELECT IS_USED_LOCK(%s)", (name,))[0][0][0]:
            break
        time.sleep(0.05)
    other = archive_run("--batch", "5000")
    out2, err2 = p2.communicate(timeout=600)
    assert p2.returncode == 0, err2
    assert "logs: moved" in out2, out2
    assert other.returncode == 0, other.stderr
    assert "another node runs the archive now" in other.stdout, other.stdout
    assert "moved" not in other.stdout, other.stdout
    main, arc = where_are(ids)
    assert len(arc) == len(set(arc))
    assert set(arc) == old
    assert main == ids - old
    assert find_in_sql({"table": "ses", "fld": "id", "val": ses_key(ended)}) is False
    assert find_in_sql({"table": "ses_arc", "what": "user_id", "fld": "id", "val": ses_key(ended)}) == (uid,)
    assert find_in_sql({"table": "ses", "what": "user_id", "fld": "id", "val": ses_key(live)}) == (uid,)

    p3 = archive_run()                       # again: nothing more to move
    assert "logs: moved 0 rows" in p3.stdout
    kic_sql("DELETE FROM logs WHERE act_type = 't_arc'")
    kic_sql("DELETE FROM logs_arc WHERE act_type = 't_arc'")


def test_cron_entry_is_installed():
    if not this_clone_is_the_site():
        pytest.skip("this clone is not the machine's site (install.sh ran in another): its cron line is that one's")
    t = open("/etc/cron.d/flyton").read()
    # the archive runs from server/schedule now; cron only keeps the dev site's worker running
    assert f"root {clone}/server/bin/flyton worker --start --quiet" in t
    assert "flyton archive" not in t


def test_a_password_reset_from_the_shell():
    import os
    import subprocess
    clear_fails()
    u, p, uid = new_user()
    ses = login(u, p)
    env = dict(os.environ, FLYTON_CONFIG_DIR=os.path.dirname(cfg_file))

    def passwd(name, text):
        r = subprocess.run([f"{top}/server/bin/flyton", "passwd", name], input=text, capture_output=True, text=True, env=env)
        return r.returncode, r.stdout + r.stderr

    rc, out = passwd(u, "short\nshort\n")
    assert rc == 1
    assert "nothing changed" in out
    rc, out = passwd(u, "a-new-password\nanother-one\n")
    assert rc == 1
    assert "differ" in out
    rc, out = passwd("t_nobody_here", "a-new-password\na-new-password\n")
    assert rc == 1
    assert "no active user" in out
    assert api("api_login", {"u": u, "p": p})[1]["allow"] == 1     # nothing changed so far
    rc, out = passwd(u, "a-new-password\na-new-password\n")
    assert rc == 0
    assert f"ok: {u} has a new password; 2 live session(s)" in out
    assert page(user=ses)[0] == 302                                              # logged out
    clear_fails()
    assert api("api_login", {"u": u, "p": p})[1]["allow"] == 0
    assert api("api_login", {"u": u, "p": "a-new-password"})[1]["allow"] == 1


def test_one_user_opens_at_most_ses_new_max_sessions_a_minute():
    # logins without end (386 in 20 s in the audit) would take the server from everybody
    clear_fails()
    u, p, uid = new_user()
    got = [api("api_login", {"u": u, "p": p})[1] for i in range(11)]
    assert all(a["allow"] == 1 for a in got[:10]), got
    assert got[10]["allow"] == 0
    assert "Too many new sessions" in got[10]["msg"]
    assert "ses" not in got[10]
    assert all(page(user=a["ses"])[0] == 200 for a in got[:10])        # the ten go on working
    v, pv, vid = new_user()
    assert api("api_login", {"u": v, "p": pv})[1]["allow"] == 1
    # a minute later, one more
    sql("UPDATE ses SET created_at = created_at - INTERVAL 61 SECOND WHERE user_id = %s", (uid,))
    assert api("api_login", {"u": u, "p": p})[1]["allow"] == 1

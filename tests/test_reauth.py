# test_reauth.py: a session token alone (it travels in every page URL) changes nothing that
# could hand the account to someone else: the email address, the password and two-step login
# need the current password, and the code when two-step login is on (tools/reauth.py). Links
# of "forgot password" end with any such change and with deactivation.
import os
import time
import subprocess

import pytest

from conftest import new_user, login, clear_fails, cfg_file, top
from inproc import api, page
from tools.sql import *
from tools.kictotp import kictotp, new_secret
from tools.db_pwreset import pwreset_new, db_pwreset, pwreset_pending

pytestmark = pytest.mark.once      # in process (tests/inproc.py): the first pass only


def pending_of(uid, s=10):
    # the address a confirm link of the user would set (made by a background job: the worker's), or ""
    end = time.monotonic() + s
    while time.monotonic() < end:
        e = pwreset_pending(uid)
        if e:
            return e
        time.sleep(0.1)
    return ""


def email_of(uid):
    return kic_sql("SELECT email FROM users WHERE id = %s", args=(uid,))[0][0]


def mfa_of(uid):
    return get_data("users", uid).get("mfa") or {}


def test_a_session_alone_changes_no_email_password_or_second_factor(user):
    e = f"{user['u']}@example.com"
    for inp in ({"email": e}, {"email": e, "p": ""}, {"email": e, "p": "wrong-password"}, {"email": "", "p": None}):
        st, a = api("api_email", inp, user["ses"])
        assert a["allow"] == 0, (inp, a)
        assert a["fld"] == "p", (inp, a)
    assert email_of(user["id"]) is None
    st, a = api("api_password", {"new": "another-password-1"}, user["ses"])
    assert a["allow"] == 0
    assert a["fld"] == "old"
    st, t = page("mfa", user["ses"])
    s = t.split("<code id=mfa_secret>")[1].split("</code>")[0]
    st, a = api("api_mfa_on", {"code": kictotp(s)}, user["ses"])
    assert a["allow"] == 0
    assert mfa_of(user["id"]).get("on") is None
    clear_fails()
    # with the proof, each works
    st, a = api("api_email", {"email": e, "p": user["p"]}, user["ses"])
    assert a["allow"] == 1
    assert pending_of(user["id"]) == e
    assert email_of(user["id"]) is None
    st, a = api("api_mfa_on", {"code": kictotp(s), "p": user["p"]}, user["ses"])
    assert a["allow"] == 1
    assert mfa_of(user["id"])["on"] == 1


def test_with_two_step_login_on_a_change_needs_a_code_too():
    clear_fails()
    u, p, uid = new_user()
    s = new_secret()
    add_to_data("users", uid, "mfa", {"on": 1, "secret": s, "last": 0})
    st, a = api("api_login", {"u": u, "p": p, "code": kictotp(s)})
    ses = a["ses"]
    add_to_data("users", uid, "mfa", {"on": 1, "secret": s, "last": 0})     # the login's code may be used again below
    e = f"{u}@example.com"
    st, a = api("api_email", {"email": e, "p": p}, ses)
    assert a["allow"] == 0
    assert "code" in a["msg"]
    assert email_of(uid) is None
    st, a = api("api_email", {"email": e, "p": p, "code": "12345x"}, ses)
    assert a["allow"] == 0
    assert email_of(uid) is None
    code = kictotp(s)
    st, a = api("api_email", {"email": e, "p": p, "code": code}, ses)
    assert a["allow"] == 1
    assert pending_of(uid) == e
    st, a = api("api_password", {"old": p, "code": code, "new": "another-password-1"}, ses)
    assert a["allow"] == 0                                         # each code works once
    add_to_data("users", uid, "mfa", {"on": 1, "secret": s, "last": 0})
    st, a = api("api_mfa_off", {"p": p}, ses)
    assert a["allow"] == 0
    assert mfa_of(uid)["on"] == 1
    st, a = api("api_mfa_off", {"p": p, "code": kictotp(s)}, ses)
    assert a["allow"] == 1
    assert mfa_of(uid)["on"] == 0
    clear_fails()


def test_guesses_through_a_change_count_as_failed_logins(user):
    e = f"{user['u']}@example.com"
    for i in range(5):
        st, a = api("api_email", {"email": e, "p": f"wrong{i}"}, user["ses"])
        assert a["allow"] == 0
        assert "current password is wrong" in a["msg"]
    st, a = api("api_email", {"email": e, "p": user["p"]}, user["ses"])
    assert a["allow"] == 0
    assert "Too many" in a["msg"]
    assert email_of(user["id"]) is None
    clear_fails()


def test_reset_links_end_with_a_password_or_email_change_and_deactivation(admin):
    clear_fails()
    u, p, uid = new_user()
    ses = login(u, p)
    t = pwreset_new(uid, "127.0.0.1")
    assert db_pwreset(uid) == 1
    st, a = api("api_password", {"old": p, "new": "another-password-1"}, ses)
    assert a["allow"] == 1
    assert db_pwreset(uid) == 0
    st, a = api("api_pw_reset", {"t": t, "p": "taken-over-password"})
    assert a["allow"] == 0
    assert "does not work" in a["msg"]
    t = pwreset_new(uid, "127.0.0.1")
    st, a = api("api_email", {"email": f"{u}@example.com", "p": "another-password-1"}, ses)
    assert a["allow"] == 1
    assert pending_of(uid) == f"{u}@example.com"
    assert api("api_pw_reset", {"t": t, "p": "taken-over-password"})[1]["allow"] == 0
    t = pwreset_new(uid, "127.0.0.1")
    st, a = api("api_user_off", {"id": uid}, admin["ses"])
    assert a["allow"] == 1
    assert db_pwreset(uid) == 0
    assert api("api_pw_reset", {"t": t, "p": "taken-over-password"})[1]["allow"] == 0
    clear_fails()


def test_flyton_passwd_can_turn_two_step_login_off():
    u, p, uid = new_user()
    add_to_data("users", uid, "mfa", {"on": 1, "secret": new_secret(), "last": 0})
    env = dict(os.environ, FLYTON_CONFIG_DIR=os.path.dirname(cfg_file))

    def passwd(*args):
        r = subprocess.run([f"{top}/server/bin/flyton", "passwd", *args], input="a-new-password\na-new-password\n",
                           capture_output=True, text=True, env=env, timeout=60)
        return r.returncode, r.stdout + r.stderr

    rc, out = passwd(u)
    assert rc == 0
    assert "has two-step login on; --no-mfa turns it off" in out
    assert mfa_of(uid)["on"] == 1
    rc, out = passwd(u, "--no-mfa")
    assert rc == 0
    assert f"two-step login of {u} is off" in out
    assert mfa_of(uid)["on"] == 0
    assert api("api_login", {"u": u, "p": "a-new-password"})[1]["allow"] == 1
    rc, out = passwd(u, "--no-mfa", "extra")
    assert rc == 2     # argparse: a word it does not take
    assert "usage" in out
    clear_fails()

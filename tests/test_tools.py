# test_tools.py: kic_refine, and the db_* tools (db_ses, db_users, db_log, db_tab)
# against the real database.
import pytest
import os
import re
import subprocess

from conftest import new_user, login, clear_fails, top, clone, this_clone_is_the_site
from tools.sql import *
from tools.db_ses import *
from tools.db_users import *
from tools.db_log import *
from tools.db_tab import *

pytestmark = pytest.mark.once      # the tools, in this process, and install.sh: the first pass only


def err(w):
    return isinstance(w, dict) and w["status"] == 0 and w["err"]


def test_refine_cleaning():
    assert kic_refine("n", "  Moshe  ", {}) == "Moshe"
    assert kic_refine("n", "  Moshe  ", {"strip": 0}) == "  Moshe  "
    assert kic_refine("n", "MoShE", {"toLower": 1}) == "moshe"
    assert kic_refine("n", "a<b>\x00c\x07", {"cln": 1}) == "abc"
    assert kic_refine("n", "42", {"fill_zeros": 5}) == "00042"
    assert kic_refine("n", None, {}) == ""


def test_refine_lengths_lists_regex():
    assert kic_refine("code", "123", {"exactly": 3}) == "123"
    assert "exactly 3" in err(kic_refine("code", "1234", {"exactly": 3}))
    assert "at least 2" in err(kic_refine("name", "a", {"min": 2}))
    assert "at most 3" in err(kic_refine("name", "abcd", {"max": 3}))
    assert kic_refine("c", "red", {"list": ["red", "green"]}) == "red"
    assert err(kic_refine("c", "blue", {"list": ["red", "green"]})).startswith("c:")
    assert kic_refine("z", "ab12", {"regex": r"[a-z]+\d+"}) == "ab12"
    assert err(kic_refine("z", "12ab", {"regex": r"[a-z]+\d+"}))


def test_refine_is():
    assert kic_refine("e", " Dana@Example.com ", {"is": "email"}) == "dana@example.com"
    for bad in ("dana", "dana@", "@x.com", "a b@x.com", "a@b", "a@@b.com", "a..b@x.com", "x" * 250 + "@x.com"):
        assert err(kic_refine("e", bad, {"is": "email"})), bad
    assert kic_refine("s", "1,234", {"is": "sum"}) == 1234
    assert kic_refine("s", "-3.5", {"is": "sum"}) == -3.5
    assert err(kic_refine("s", "12a", {"is": "sum"}))
    assert "at most 100" in err(kic_refine("s", "101", {"is": "sum", "max": 100}))
    assert err(kic_refine("s", "-1", {"is": "sum", "min": 0}))
    assert kic_refine("y", "Y", {"is": "yesno"}) == "yes"
    assert kic_refine("y", "no", {"is": "yesno"}) == "no"
    assert err(kic_refine("y", "maybe", {"is": "yesno"}))
    assert kic_refine("b", "on", {"is": "bool01"}) == 1
    assert kic_refine("b", "0", {"is": "bool01"}) == 0
    assert err(kic_refine("b", "2", {"is": "bool01"}))
    assert kic_refine("d", "2026-02-28", {"is": "date"}) == "2026-02-28"
    assert err(kic_refine("d", "2026-02-30", {"is": "date"}))
    assert kic_refine("d", "02/28/2026", {"is": "mdy"}) == "2026-02-28"
    assert err(kic_refine("d", "28/02/2026", {"is": "mdy"}))
    assert kic_refine("p", "+972 (50) 123-4567", {"is": "phone"}) == "+972501234567"
    assert err(kic_refine("p", "12", {"is": "phone"}))
    assert err(kic_refine("p", "050-abc-1234", {"is": "phone"}))
    assert validate_email("a@b.co") == 1
    assert validate_email("nope") == 0


def test_users_roles_and_passwords():
    u, p, uid = new_user(["admin", "owner"])
    sis = get_record("users", uid)["sis"]
    assert sis.startswith("scrypt$")
    assert p not in sis
    assert check_pw(p, sis) == 1
    assert check_pw(p + "x", sis) == 0
    assert check_pw(p, None) == 0
    assert check_pw(p, "plain") == 0
    assert roles_of(get_record("users", uid)) == ["admin", "owner"]
    assert db_users(u)["id"] == uid
    assert db_users("nobody-here") == {}
    assert add_user(u, "x")["status"] == 0
    w = add_user(u + "z", "x", ["admin", "wizard"])
    assert w["status"] == 0 and type(w["status"]) is int
    assert "wizard" in w["err"]


def test_sessions():
    clear_fails()
    u, p, uid = new_user(["admin"])
    ses = create_new_ses(uid)
    assert len(ses) >= 32
    assert check_ses(ses) == 1
    assert is_ses(ses) == 1
    assert db_ses(ses)["user_id"] == uid
    assert is_ses_role(ses, "admin") == 1
    assert is_ses_role(ses, "owner") == 0
    add2ses(ses, {"n": 3, "l": [1, "שלום"], "d": {"a": None}})
    assert db_ses(ses)["data"] == {"n": 3, "l": [1, "שלום"], "d": {"a": None}}
    assert ses_key(ses) in [s["id"] for s in ses_list({"ttl": 1})]   # the row id: the hash
    end_ses(ses)
    assert check_ses(ses) == 0
    assert is_ses_role(ses, "admin") == 0
    assert check_ses("not a token") == 0
    assert check_ses("") == 0
    assert check_ses(None) == 0


def test_logs():
    id = add_log("t_act", "sent text", {"k": 1})
    assert id >= 10000001
    add_log_res(id, "the answer")
    w = find_in_sql({"table": "logs", "what": "act_type,send_text,response,data:k", "fld": "id", "val": id})
    assert w == ("t_act", "sent text", "the answer", "1")
    assert db_log(5, "t_act")[0][0] == id


def test_gen_tabs():
    insert_to_sql({"table": "gen", "set": {"key1": "t_color_type", "val1": "0"}, "data": ["red", "green"]})
    assert list_gen_tab("t_color_type") == ["red", "green"]
    assert list_gen_tab("no_such_type") == []
    insert_to_sql({"table": "gen", "set": {"key1": "t_kit_dict", "val1": "0"}, "data": {"done": {"0": "to do", "1": "done"}}})
    assert list_tab_dict("t_kit", "done") == {"0": "to do", "1": "done"}
    assert list_tab_dict("users", "is_active")["0"] == "deactivated"
    assert list_tab_dict("nosuch", "x") == {}
    kic_sql("DELETE FROM gen WHERE key1 IN ('t_color_type', 't_kit_dict')")


def test_install_on_a_machine_without_apt_says_what_to_pick(tmp_path):
    # a PATH with what install.sh needs before its apt check, and no apt-get
    import shutil
    for c in ("bash", "dirname", "id"):
        os.symlink(shutil.which(c), tmp_path / c)
    r = subprocess.run(["bash", f"{top}/install.sh"], capture_output=True, text=True, timeout=60, env={"PATH": str(tmp_path)})
    lines = r.stderr.strip().split("\n")
    assert r.returncode == 1, r.stderr
    assert len(lines) == 1, r.stderr
    assert "has no apt" in lines[0]
    assert "Ubuntu Server 22.04 LTS" in lines[0]
    assert "Cloud9" in lines[0]


def test_install_reads_an_external_database_host_without_python(tmp_path):
    # a second web node gets the first's config.py before any package: install.sh must see its
    # database server there without Python (it would install and start a local one otherwise)
    import shutil
    fn = re.search(r"(?ms)^cfg_db_host\(\) \{.*?^\}", open(f"{top}/install.sh").read()).group(0)
    for c in ("bash", "awk"):
        os.symlink(shutil.which(c), tmp_path / c)
    cases = (('db = {\n    "name": "flyton",\n    "host": "db1.example.com",\n    "port": 3306,\n}\n', "db1.example.com"),
             ('db = {"name": "f", "host": "10.0.2.5", "port": 3306}\nmail = {"host": "smtp.example.com"}\n', "10.0.2.5"),
             ('db = {\n    "socket": "/run/mysqld/mysqld.sock",   # or "host": "127.0.0.1", "port": 3306\n}\n', ""),
             ('db = {\n    "host": "127.0.0.1",\n    "socket": "/run/mysqld/mysqld.sock",\n}\n', ""),
             ('mail = {"host": "smtp.example.com"}\ndb = {\n    # "host": "old.example.com",\n    "host": "new.example.com",\n}\n', "new.example.com"))
    for text, host in cases:
        (tmp_path / "config.py").write_text(text)
        r = subprocess.run(["bash", "-c", f"{fn}\ncfg={tmp_path}/config.py; cfg_db_host"], capture_output=True, text=True,
                           env={"PATH": str(tmp_path)}, timeout=30)
        assert r.returncode == 0 and r.stderr == "", r.stderr
        assert r.stdout.strip() == host, (text, r.stdout)


def test_a_second_clone_stops_and_names_the_first(tmp_path):
    # install.sh of another clone on this machine (the site is this clone's): one line
    # naming this clone and the way to move the site, and nothing changed
    import shutil
    conf = "/etc/apache2/sites-available/flyton.conf"
    if not this_clone_is_the_site():
        pytest.skip("this clone is not the machine's site (install.sh ran in another)")
    before = open(conf).read()
    assert f"Alias /lib/ {clone}/client/lib/" in before
    shutil.copy(f"{top}/install.sh", tmp_path / "install.sh")
    r = subprocess.run(["bash", str(tmp_path / "install.sh")], capture_output=True, text=True, timeout=60)
    lines = r.stderr.strip().split("\n")
    assert r.returncode == 1, r.stdout + r.stderr
    assert len(lines) == 1, r.stdout + r.stderr
    assert r.stdout == "", r.stdout + r.stderr
    assert f"is the clone in {clone}" in lines[0]
    assert "--take-over" in lines[0]
    assert open(conf).read() == before



def test_a_kill_of_flyton_ends_the_python_it_runs():
    # flyton passwd waits for the password: killed meanwhile (Ctrl-C's cousin, a timeout's kill),
    # no Python may stay behind, waiting on a terminal that is gone
    import time
    import signal
    from conftest import cfg_file
    u, p, uid = new_user()
    env = dict(os.environ, FLYTON_CONFIG_DIR=os.path.dirname(cfg_file))
    f = subprocess.Popen([f"{top}/server/bin/flyton", "passwd", u], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env)

    def pythons():
        # the processes running passwd.py for this user
        out = []
        for pid in os.listdir("/proc"):
            try:
                cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
            except OSError:
                continue
            if any(c.endswith(b"/passwd.py") for c in cmd) and u.encode() in cmd:
                out.append(int(pid))
        return out

    for i in range(100):                 # until its Python runs (it waits for input then)
        if pythons():
            break
        time.sleep(0.1)
    assert pythons(), "flyton passwd never ran its Python"
    f.send_signal(signal.SIGTERM)
    f.wait(timeout=10)
    for i in range(20):
        if not pythons():
            break
        time.sleep(0.1)
    left = pythons()
    for pid in left:
        os.kill(pid, signal.SIGKILL)     # not left for the next test
    assert not left, f"flyton was killed, its Python {left} runs on"
    f.stdin.close()

# db-init.py: the database and its accounts on a database server of its own (RDS, a database machine)
# The site's database on a database server of its own (RDS, Aurora, a database machine), made with only the grants such a server gives its master user (no root, no socket,
# no other schema touched):
#   sudo FLYTON_DB_MASTER_PASSWORD=... server/bin/flyton db-init --host H [--port 3306] [--ca FILE]
#        --master USER [--name flyton] [--user flyton] [--from %] [--copy]
# It makes the database when missing, the site's account (rows only) and the owner account
# (tables: migrations) with new passwords, both held to TLS when --ca is given; writes the
# owner's password to /etc/flyton/owner-<user>.cnf (root only) and the site's account into
# config.py's db (host, port, ssl_ca: the server checked against that CA). Then: flyton migrate.
# --copy: the tables and rows of the database config.py names now (this machine's own, as install.sh
# made it) go into the new one first, which must have no table yet.
import os
import re
import sys
import json
import getpass
import secrets
import argparse
import tempfile
import subprocess

import config

word_re = re.compile(r"^[A-Za-z0-9_]{1,32}\Z")
# what migrations need, by name: a master user may not hold ALL (RDS gives no DELETE HISTORY)
owner_grants = ("SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, REFERENCES, CREATE TEMPORARY TABLES, "
                "LOCK TABLES, CREATE VIEW, SHOW VIEW, TRIGGER, EXECUTE")
from_re = re.compile(r"^[A-Za-z0-9_.%:-]{1,60}\Z")


def db_init(argv):
    a = argparse.ArgumentParser(prog="sudo FLYTON_DB_MASTER_PASSWORD=... server/bin/flyton db-init",
                                epilog="made with the master user's grants only: the database, the site's account (rows) and the owner "
                                       "(tables), TLS checked against --ca; writes config.py's db and /etc/flyton/owner-USER.cnf. "
                                       "Then: flyton migrate. The password is asked when FLYTON_DB_MASTER_PASSWORD is not set. "
                                       "--copy: a running box moving to RDS (stop its Apache meanwhile); the new database must have no table yet.")
    a.add_argument("--host", required=True, help="the database server's name or address")
    a.add_argument("--port", type=int, default=3306)
    a.add_argument("--ca", default="", help="CA file of the server's certificate (TLS, checked); the RDS bundle on AWS")
    a.add_argument("--master", required=True, help="an account that may create databases and accounts (RDS: the master user)")
    a.add_argument("--name", default="flyton", help="the database (default flyton)")
    a.add_argument("--user", default="", help="the site's account (default: the database's name)")
    a.add_argument("--from", dest="src", default="%", help="where the web nodes connect from, as MySQL writes it (default %%)")
    a.add_argument("--copy", action="store_true", help="the tables and rows of this machine's database (config.py's now) into the new one")
    o = a.parse_args(argv)
    user = o.user or o.name
    for k, v in (("--name", o.name), ("--user", user)):
        if not word_re.match(v):
            return fail(f"{k} takes letters, digits and _ (at most 32): {v!r}")
    if not from_re.match(o.src):
        return fail(f"--from takes a host, an address or a pattern with %: {o.src!r}")
    if o.ca and not os.path.isfile(o.ca):
        return fail(f"no CA file {o.ca}")
    pw = os.environ.get("FLYTON_DB_MASTER_PASSWORD") or getpass.getpass(f"password of {o.master}: ")
    if not pw:
        return fail("no password for the master account")
    db = {"host": o.host, "port": o.port}
    if o.ca:
        db["ssl_ca"] = os.path.abspath(o.ca)
    old = dict(config.db)
    if o.copy and not word_re.match(str(old.get("name", ""))):
        return fail(f"--copy: config.py's database name is not a plain name: {old.get('name')!r}")
    if o.copy and old.get("host") and not old.get("socket"):
        return fail("--copy copies this machine's own database; config.py names one on another server already")
    if o.copy:
        n = local_others(old["name"])
        if isinstance(n, str):      # the question itself failed: say that, not an answer
            return fail(f"--copy: cannot read database {old['name']} on this machine: {n}; nothing was copied nor changed")
        if n:
            return fail(f"--copy copies tables and rows; database {old['name']} has triggers, routines or views: copy it yourself")
    config.db = dict(db, user=o.master, password=pw)     # this process talks as the master, through sql.py
    from tools.sql import sql, SqlError
    site_pw, owner_pw = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    try:
        if o.copy and sql("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = %s", (o.name,))[0][0][0]:
            return fail(f"--copy: database {o.name} on {o.host} has tables already: nothing was copied nor changed")
        make(sql, o.name, user, o.src, site_pw, owner_pw, 1 if o.ca else 0)
    except SqlError as e:
        return fail(f"the database server: {e}")
    owner_file(user, owner_pw, o.name)
    if o.copy:
        err = copy(old["name"], dict(db, name=o.name, user=f"{user}_owner", password=owner_pw))
        if err:
            # what loaded before the failure goes: the new database had no table, so it has none again
            for (t,) in sql("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (o.name,))[0]:
                sql(f"DROP TABLE `{o.name}`.`{t}`")
            return fail(f"--copy: {err}; nothing stays in {o.name}, and config.py still names database {old['name']} here")
        print(f"ok: the tables and rows of {old['name']} copied into {o.name} on {o.host}")
    write_config(dict(db, name=o.name, user=user, password=site_pw))
    print(f"ok: database {o.name} on {o.host}:{o.port}{' (TLS, checked)' if o.ca else ''}; the site's account {user} "
          f"(rows), the owner {user}_owner (tables) in /etc/flyton/owner-{user}.cnf; config.py's db written")
    print("next: sudo server/bin/flyton migrate")
    return 0


def make(sql, name, user, src, site_pw, owner_pw, tls):
    need = " REQUIRE SSL" if tls else ""
    sql(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    for u, p, grant in ((user, site_pw, "SELECT, INSERT, UPDATE, DELETE, LOCK TABLES, CREATE TEMPORARY TABLES"),
                        (f"{user}_owner", owner_pw, owner_grants)):
        sql(f"CREATE USER IF NOT EXISTS '{u}'@'{src}' IDENTIFIED BY %s{need}", (p,))
        sql(f"ALTER USER '{u}'@'{src}' IDENTIFIED BY %s{need}", (p,))
        sql(f"REVOKE ALL PRIVILEGES, GRANT OPTION FROM '{u}'@'{src}'")
        sql(f"GRANT {grant} ON `{esc(name)}`.* TO '{u}'@'{src}'")
    # the scratch databases of promote (its migrations tried on a copy first) and restore (a side
    # copy, then a swap): the owner's too, and no other schema
    for side in ("promote_check", "restore", "replaced"):
        sql(f"GRANT {owner_grants} ON `{esc(name)}\\_{esc(side)}`.* TO '{user}_owner'@'{src}'")


def local_others(name):
    # how many triggers, routines and views the database has besides its tables (mysql as root on this
    # machine's socket); the error's text when the server could not be asked
    q = ("SELECT (SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = '{0}') + "
         "(SELECT COUNT(*) FROM information_schema.routines WHERE routine_schema = '{0}') + "
         "(SELECT COUNT(*) FROM information_schema.views WHERE table_schema = '{0}')").format(name)
    r = subprocess.run(["mysql", "-N", "-e", q], capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.strip().isdigit():
        return (r.stderr.strip() or r.stdout.strip() or f"mysql exited {r.returncode}").splitlines()[-1]
    return int(r.stdout.strip())


def copy(old, db):
    # mysqldump of this machine's database (root, the socket) into the new one, as its owner over
    # TLS; the owner's password in a root-only file, never on a command line
    with tempfile.TemporaryDirectory() as d:
        cnf = os.path.join(d, "client.cnf")
        lines = ["[client]", f"host={db['host']}", f"port={db['port']}", f"user={db['user']}", f"password={db['password']}"]
        if db.get("ssl_ca"):
            lines += [f"ssl-ca={db['ssl_ca']}", "ssl-verify-server-cert"]
        fd = os.open(cnf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(lines) + "\n")
        dump = subprocess.Popen(["mysqldump", "--single-transaction", "--skip-triggers", "--no-tablespaces", old],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        load = subprocess.run(["mysql", f"--defaults-extra-file={cnf}", db["name"]], stdin=dump.stdout,
                              capture_output=True, text=True)
        dump.stdout.close()
        derr = dump.stderr.read().decode(errors="replace").strip()
        if dump.wait() != 0:
            return f"the dump of {old} failed ({derr[:300]})"
        if load.returncode != 0:
            return f"loading it failed ({load.stderr.strip()[:300]})"
    return ""


def esc(n):
    # _ is a wildcard in a grant's database name: this one means only itself
    return n.replace("_", "\\_")


def owner_file(user, pw, name):
    os.makedirs("/etc/flyton", exist_ok=True)
    p = f"/etc/flyton/owner-{user}.cnf"
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"# written by flyton db-init: the owner of database {name}, for migrations (root only)\n"
                f"[client]\nuser={user}_owner\npassword={pw}\n")
    os.chmod(p, 0o600)


def write_config(db):
    # config.py's db = {...} block, in place; the rest of the file stays as it is (on prod
    # server/config.py is a link to the machine's shared/config.py: that file is the one written)
    p = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(config.__file__)), "config.py"))
    t = open(p, encoding="utf-8").read()
    lines = "".join(f"    {json.dumps(k)}: {json.dumps(v)},\n" for k, v in db.items())
    new, n = re.subn(r"(?ms)^db = \{.*?^\}", "db = {\n" + lines + "}", t, count=1)
    if not n:
        new = t + "\ndb = {\n" + lines + "}\n"
    st = os.stat(p)
    tmp = p + ".new"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(new)
    os.chown(tmp, st.st_uid, st.st_gid)
    os.chmod(tmp, st.st_mode & 0o777)
    os.replace(tmp, p)


def fail(msg):
    print(f"flyton db-init: {msg}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(db_init(sys.argv[1:]))

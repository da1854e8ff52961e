# dbserver.py: a database server of its own for a test, as RDS, Aurora or a database machine give
# one: a second MariaDB on this machine (its own data folder, address and port) that speaks TLS
# only, with a certificate from a CA of its own, and a master account with the grants RDS gives
# its master user (no SUPER, FILE, SHUTDOWN or socket). The test stops it and removes it all.
import os
import time
import shutil
import signal
import secrets
import subprocess

# what RDS gives its master user (the MariaDB engine)
master_grants = ("SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, REFERENCES, INDEX, ALTER, "
                 "SHOW DATABASES, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, REPLICATION CLIENT, "
                 "CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER")


def dbserver(d, addr, port, master_from):
    # start one in folder d on addr:port; {"dir", "ca", "pw", "proc"}; stop(it) ends it
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(f"{d}/tls")
    # its certificate names addr
    sh('openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Flyton test DB CA" -keyout ca.key -out ca.crt && '
       'openssl req -newkey rsa:2048 -nodes -subj "/CN=flyton-test-db" -keyout db.key -out db.csr && '
       f"printf 'subjectAltName=IP:{addr}\\n' > ext && "
       "openssl x509 -req -in db.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile ext -out db.crt", f"{d}/tls")
    # (its tmpdir too: the server it starts to make the tables deletes every #sql file in its tmpdir, and
    # in /tmp those are the live temp tables of this machine's server; a test beside this one lost one)
    os.makedirs(f"{d}/tmp", exist_ok=True)
    sh(f"mariadb-install-db --user=root --datadir={d}/data --auth-root-authentication-method=socket --skip-test-db "
       f"--tmpdir={d}/tmp")
    s = {"dir": d, "ca": f"{d}/tls/ca.crt", "addr": addr, "port": port}
    start(s)
    s["pw"] = secrets.token_urlsafe(16)
    admin(s, f"CREATE USER 'master'@'{master_from}' IDENTIFIED BY '{s['pw']}'; "
             f"GRANT {master_grants} ON *.* TO 'master'@'{master_from}' WITH GRANT OPTION")
    return s


def start(s):
    d = s["dir"]
    os.makedirs(f"{d}/tmp", exist_ok=True)
    s["proc"] = subprocess.Popen(["mariadbd", "--no-defaults", "--user=root", f"--datadir={d}/data", f"--port={s['port']}",
                                  f"--bind-address={s['addr']}", f"--socket={d}/sock", f"--pid-file={d}/pid",
                                  f"--ssl-cert={d}/tls/db.crt", f"--ssl-key={d}/tls/db.key", f"--ssl-ca={d}/tls/ca.crt",
                                  "--require-secure-transport=ON", "--skip-log-bin", "--innodb-buffer-pool-size=32M",
                                  "--skip-name-resolve",
                                  # a temp folder of its own: at start a server deletes every #sql file of its
                                  # tmpdir, and in /tmp those are the live ones of this machine's server
                                  f"--tmpdir={d}/tmp"],
                                 stdout=subprocess.DEVNULL, stderr=open(f"{d}/err.log", "a"), start_new_session=True)
    for i in range(120):
        if os.path.exists(f"{d}/sock") and subprocess.run(["mariadb", f"--socket={d}/sock", "-e", "SELECT 1"],
                                                         capture_output=True).returncode == 0:
            return
        time.sleep(0.25)
    raise AssertionError(f"the database server in {d} did not start: {open(f'{d}/err.log').read()[-2000:]}")


def restart(s):
    # as RDS restarts one: the server goes away (its connections with it) and comes back with its data
    os.killpg(s["proc"].pid, signal.SIGTERM)
    s["proc"].wait(60)
    start(s)


def stop(s):
    os.killpg(s["proc"].pid, signal.SIGTERM)
    s["proc"].wait(60)
    shutil.rmtree(s["dir"], ignore_errors=True)


def admin(s, q):
    # the server's own root, on its socket: what a test looks at, never what Flyton uses
    return subprocess.run(["mariadb", f"--socket={s['dir']}/sock", "-N", "-r"], input=q,
                          capture_output=True, text=True, check=True).stdout


def sh(cmd, cwd=None):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=120, cwd=cwd)
    assert r.returncode == 0, f"{cmd}\n{r.stdout}\n{r.stderr}"
    return r.stdout

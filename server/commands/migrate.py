# migrate.py: apply the pending files of sql/migrations (--status: what ran; --dry-run: the SQL)
# Versioned schema migrations. Every file of sql/migrations/ (NNNN_what.sql) runs once per
# database, in order; the migrations table records which ran, when, by whom, and the file's
# sha256. Run it through the project tool:
#   sudo server/bin/flyton migrate              apply what is pending
#   sudo server/bin/flyton migrate --status     applied / pending / failed, per file
#   sudo server/bin/flyton migrate --dry-run    the SQL it would run
# A file changed after it ran is refused. A statement that fails stops the run; the
# record says how many statements of the file ran, and the next run goes on from
# the failed one (when the statements before it are unchanged).
import os
import re
import sys
import json
import time
import socket
import hashlib
import argparse

from tools.sql import *

here = os.path.dirname(os.path.abspath(__file__))
folder = os.path.join(os.path.dirname(os.path.dirname(here)), "sql", "migrations")
file_re = re.compile(r"^\d{4}_[a-z0-9_]+\.sql\Z")
picture = os.path.join(os.path.dirname(folder), "tables.sql")   # holds the migrations table too


class Stop(Exception):
    # the run stops here; the text is the one-line reason
    pass


def migrate(argv):
    a = argparse.ArgumentParser(prog="sudo server/bin/flyton migrate",
                                epilog="each file runs once, in the order of the numbers; a file changed after it ran is refused."
                                       " A new file: flyton new migration NAME")
    a.add_argument("--status", action="store_true", help="list every file: applied (when, by whom), pending, failed")
    a.add_argument("--dry-run", action="store_true", help="print the SQL that would run, run nothing")
    a.add_argument("--dir", default=folder, help=argparse.SUPPRESS)   # tests: another folder of migrations
    o = a.parse_args(argv)
    # as the database's owner account (install.sh: /etc/flyton/owner-USER.cnf): the site's may not change tables
    os.environ["FLYTON_DB_OWNER"] = "1"
    try:
        lock()
        if o.status:
            status(o.dir)
            return 0
        n = apply(o.dir, 1 if o.dry_run else 0)
    except Stop as e:
        print(f"flyton migrate: {e}", file=sys.stderr)
        return 1
    except SqlError as e:
        print(f"flyton migrate: the database: {e}", file=sys.stderr)
        return 1
    finally:
        unlock()
    if o.dry_run:
        print(f"ok: {n} migration(s) would run")
        return 0
    print(f"ok: {n} migration(s) applied; the database is up to date")
    return 0


def lock():
    # one migrate at a time per database (install.sh, promote and a person may meet)
    w = sql("SELECT GET_LOCK(CONCAT(DATABASE(), '.flyton_migrate'), 60)")[0]
    if not w or w[0][0] != 1:
        raise Stop("another migrate is running on this database (waited 60 s)")
    sql(table_sql())


def table_sql():
    # the migrations table as sql/tables.sql makes it: it must be there before 0001 runs
    with open(picture, encoding="utf-8") as f:
        t = f.read()
    for s in statements(t):
        if re.match(r"CREATE TABLE IF NOT EXISTS migrations\b", s):
            return s
    raise Stop(f"{picture} has no CREATE TABLE IF NOT EXISTS migrations")


def unlock():
    try:
        sql("SELECT RELEASE_LOCK(CONCAT(DATABASE(), '.flyton_migrate'))")
    except SqlError:
        pass


def files(d):
    # the migration files in order; a name that breaks the pattern stops the run
    if not os.path.isdir(d):
        raise Stop(f"no folder {d}")
    out = []
    for f in sorted(os.listdir(d)):
        if not f.endswith(".sql"):
            continue
        if not file_re.match(f):
            raise Stop(f"{f}: a migration is named NNNN_what.sql (4 digits, then a-z 0-9 _)")
        out.append(f)
    nums = [f[:4] for f in out]
    twice = sorted({x for x in nums if nums.count(x) > 1})
    if twice:
        raise Stop(f"two migrations have the number {twice[0]}: give one the next free number")
    return out


def records():
    # {name: row dict} of the migrations table
    rows = sql("SELECT name, checksum, is_active, created_at, updated_at, data FROM migrations ORDER BY name", (), 1)[0]
    out = {}
    for w in rows:
        w["data"] = parse_json(w["data"])
        out[w["name"]] = w
    return out


def sha(t):
    return hashlib.sha256(t.encode("utf-8")).hexdigest()


def apply(d, dry):
    fs = files(d)
    done = records()
    for f in fs:
        w = done.get(f)
        t = read(d, f)
        if w and w["is_active"] and w["checksum"] != sha(t):
            raise Stop(f"{f} changed after it ran here ({w['created_at']}): a migration that ran is never "
                       f"edited; undo the edit and put the change in a new migration")
    for f in sorted(set(done) - set(fs)):
        print(f"note: {f} ran here but its file is gone")
    n = 0
    for f in fs:
        w = done.get(f)
        if w and w["is_active"]:
            continue
        n += 1
        run_file(d, f, w, dry)
    return n


def read(d, f):
    try:
        with open(os.path.join(d, f), encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as e:
        raise Stop(f"{f}: cannot be read as UTF-8 text: {e}")


def run_file(d, f, w, dry):
    # one migration, statement by statement; the record is written after each step
    t = read(d, f)
    try:
        st = statements(t)
    except Stop as e:
        raise Stop(f"{f}: {e}")
    if not st:
        raise Stop(f"{f} has no statement")
    hs = [sha(s) for s in st]
    start = 0
    if w:
        # it failed here before: go on after the statements that ran, if they are the same
        k = int(w["data"].get("done", 0))
        if hs[:k] != w["data"].get("hashes", [])[:k]:
            raise Stop(f"{f} ran {k} statement(s) here, then failed, and those statements changed since: "
                       f"fix the database by hand, then delete its row from the migrations table")
        start = k
    print(f"==> {f}: {len(st)} statement(s)" + (f", going on from statement {start + 1}" if start else ""))
    if dry:
        for s in st[start:]:
            print(s + ";")
        return
    t0 = time.time()
    by = f"{os.environ.get('SUDO_USER') or os.environ.get('USER') or 'root'}@{socket.gethostname()}"
    for i in range(start, len(st)):
        why = taken(f, st[i])
        if why:
            note(f, t, 0, {"done": i, "of": len(st), "hashes": hs[:i], "by": by, "err": why, "failed": st[i][:300]})
            raise Stop(why)
        try:
            sql(st[i])
        except SqlError as e:
            note(f, t, 0, {"done": i, "of": len(st), "hashes": hs[:i], "by": by, "err": str(e),
                           "failed": st[i][:300]})
            raise Stop(f"{f}: statement {i + 1} of {len(st)} failed: {e}\n    {one_line(st[i])}\n"
                       f"    statements 1-{i} of it ran; the next migrate goes on from statement {i + 1}")
    ms = int((time.time() - t0) * 1000)
    note(f, t, 1, {"done": len(st), "of": len(st), "hashes": hs, "by": by, "ms": ms})
    print(f"ok: {f} ({ms} ms)")


def taken(f, s):
    # CREATE TABLE IF NOT EXISTS skips a table of that name made before: a project's own table
    # (its own `files`, say) would stay, without the columns the code expects, and fail later on
    # every use. The columns the statement makes (on a temporary twin) must all be there; else why not
    m = re.match(r"CREATE TABLE IF NOT EXISTS `?(\w+)`?", s, re.I)
    if not m:
        return ""
    t = m.group(1)
    if not sql("SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = %s", (t,))[0]:
        return ""
    twin = "flyton_twin_" + t
    try:
        sql(f"DROP TEMPORARY TABLE IF EXISTS `{twin}`")
        sql(f"CREATE TEMPORARY TABLE `{twin}`" + s[m.end():])
        want = [r[0] for r in sql(f"SHOW COLUMNS FROM `{twin}`")[0]]
        sql(f"DROP TEMPORARY TABLE IF EXISTS `{twin}`")
        have = {r[0] for r in sql(f"SHOW COLUMNS FROM `{t}`")[0]}
    except SqlError:
        return ""      # a definition a temporary table cannot take (foreign keys): IF NOT EXISTS as written
    miss = [c for c in want if c not in have]
    if not miss:
        return ""
    return (f"{f}: this database has a table {t} already, without the column(s) {', '.join(miss)} that {f} "
            f"makes: it is not the table Flyton needs (one of your project's?). Rename yours (RENAME TABLE {t} "
            f"TO my_{t}, and in your code), then run migrate again; the statement did not run")


def one_line(s):
    s = " ".join(s.split())
    return s if len(s) <= 160 else s[:157] + "..."


def note(f, t, ok, d):
    sql("""INSERT INTO migrations (name, checksum, is_active, data) VALUES (%s, %s, %s, %s)
           ON DUPLICATE KEY UPDATE checksum = VALUES(checksum), is_active = VALUES(is_active),
           data = VALUES(data), created_at = IF(VALUES(is_active) = 1, NOW(), created_at)""",
        (f, sha(t), ok, json.dumps(d, ensure_ascii=False)))


def status(d):
    fs = files(d)
    done = records()
    print(f"{'migration':<40} {'state':<9} {'when':<20} {'by':<20} sha256")
    for f in sorted(set(fs) | set(done)):
        w = done.get(f)
        if not w:
            print(f"{f:<40} {'pending':<9}")
            continue
        st = "applied" if w["is_active"] else "FAILED"
        if f not in fs:
            st = "no file"
        elif w["is_active"] and w["checksum"] != sha(read(d, f)):
            st = "CHANGED"
        print(f"{f:<40} {st:<9} {str(w['updated_at']):<20} {str(w['data'].get('by', '')):<20} {w['checksum'][:12]}")
        if not w["is_active"]:
            print(f"    statement {w['data'].get('done', 0) + 1} failed: {w['data'].get('err', '')}")


def statements(t):
    # the statements of a .sql file: split at ; outside quotes and comments, comments dropped
    out = []
    cur = ""
    q = ""
    i = 0
    n = len(t)
    while i < n:
        c = t[i]
        if q:
            cur += c
            if c == "\\" and q != "`":
                cur += t[i + 1:i + 2]
                i += 2
                continue
            if c == q:
                q = ""
            i += 1
            continue
        if c in "'\"`":
            q = c
            cur += c
            i += 1
            continue
        if c == "#" or (t.startswith("--", i) and t[i + 2:i + 3] in ("", " ", "\t", "\n", "\r")):
            j = t.find("\n", i)
            i = n if j < 0 else j
            continue
        if t.startswith("/*", i):
            j = t.find("*/", i + 2)
            i = n if j < 0 else j + 2
            cur += " "
            continue
        if c == ";":
            if cur.strip():
                out.append(cur.strip())
            cur = ""
            i += 1
            continue
        cur += c
        i += 1
    if q:
        raise Stop(f"a quote ({q}) is not closed")
    if cur.strip():
        out.append(cur.strip())
    return out


if __name__ == "__main__":
    sys.exit(migrate(sys.argv[1:]))

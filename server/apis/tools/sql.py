# sql.py: every database call of a Flyton project goes through here.
# Values are always bound parameters; identifiers (tables, columns, json keys)
# must match a strict name pattern; one connection serves the whole request.
import os
import re
import json
import time
import functools
import _thread   # threading.local without importing threading: 1 ms less for every CGI request

# The C core of mysql-connector-python, used directly: it imports in 2 ms where
# "import mysql.connector" takes 45 ms, and a CGI process pays that on every request.
import _mysql_connector as cdb

import config

# what `from tools.sql import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["find_in_sql", "insert_to_sql", "insert_in_quota", "sql_order", "sql_next", "count_in_sql", "get_data", "add_to_data", "get_record", "gen_data", "get_next_counter", "kic_sql", "kic_sql_delete", "kic_refine", "validate_email", "sql", "begin", "commit", "rollback", "apart", "parse_json", "SqlError"]

DbError = cdb.MySQLInterfaceError     # the driver's; sql.py turns it into SqlError
# one connection per thread, kept across requests by the persistent runtime:
# local.db the connection, local.tx how deep our transaction is (0 none, 2 and more:
# a begin() inside one, a savepoint), local.pid the process that opened it, local.used
# when it was last used; local.lazy 1: the next write opens a transaction first (lazy_tx)
local = _thread._local()

name_re = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}\Z")
key_re = re.compile(r"^[A-Za-z0-9_]{1,64}(\.[A-Za-z0-9_]{1,64}){0,4}\Z")
read_re = re.compile(rb"^\s*(SELECT|SHOW|DESC|EXPLAIN)\b", re.I)
read_s = re.compile(r"^\s*(SELECT|SHOW|DESC|EXPLAIN|DO)\b", re.I)
ops = {"=", "!=", "<>", "<", ">", "<=", ">=", "like", "not like", "in", "not in"}
funcs = {"count", "sum", "min", "max", "avg"}
plugins = os.path.join(os.path.dirname(os.path.abspath(cdb.__file__)), "mysql", "vendor", "plugin")
down = {2002, 2003, 2006, 2013}   # the server is not there (yet): wait for it
idle_check = 1                    # seconds unused after which a kept connection is pinged first
slow_ms = float(getattr(config, "slow_ms", 200))   # a statement this slow is named in its request's record
pid = os.getpid()                 # this process, known without a system call on every statement


def forked():
    global pid
    pid = os.getpid()


os.register_at_fork(after_in_child=forked)


class SqlError(Exception):
    # the one way a database call fails: the server refused or broke (errno, sqlstate as it
    # said), or the call itself was wrong (a bad name, a missing key). Never a value: a page or
    # method that does not catch it gets the error page or api_err with a reference
    def __init__(self, msg, errno=0, sqlstate=""):
        super().__init__(msg)
        self.errno = errno
        self.sqlstate = sqlstate


class BadName(SqlError, ValueError):
    pass


def failed(where, e):
    # any failure inside a call -> SqlError (one already made passes through)
    if isinstance(e, SqlError):
        return e
    if isinstance(e, DbError):
        return SqlError(f"{e.errno} ({e.sqlstate}): {e.msg}", e.errno, e.sqlstate or "")
    return SqlError(f"{where}: refused: {type(e).__name__}: {e}")


def sql(q, args=(), dic=0):
    # find_in_sql's little brother for tool code: one statement, bound args;
    # (rows, row count, last insert id), rows as dicts with dic=1
    return run(q, args, dic)


def creds():
    # the account to connect as: config.db (pages and methods: rows only, no tables), or the
    # owner account of install.sh (every right on the database: migrations) for a process
    # started with FLYTON_DB_OWNER=1 that may read its file (root's only). A thread marked
    # local.site serves requests in such a process (the tests' in-process client): config.db's
    c = dict(getattr(config, "db", {}))
    if os.environ.get("FLYTON_DB_OWNER") != "1" or getattr(local, "site", 0):
        return c
    try:
        with open(f"/etc/flyton/owner-{c.get('user')}.cnf", encoding="utf-8") as f:
            for line in f:
                k, eq, v = line.strip().partition("=")
                if eq and k in ("user", "password"):
                    c[k] = v
    except OSError:
        pass      # no owner account (a database set up before install.sh made one): config.db's
    return c


def connect():
    # no CLIENT_MULTI_STATEMENTS: the server refuses "a; b" even in raw sql.
    # A server that is down (restarting) is waited for, db_wait seconds at most.
    c = creds()
    sock = c.get("socket") or None
    end = time.monotonic() + float(getattr(config, "db_wait", 10))
    while True:
        m = cdb.MySQL(buffered=True, raw=False, charset_name="utf8mb4", connection_timeout=10,
                      use_unicode=True, auth_plugin="", plugin_dir=plugins)
        try:
            m.connect(host="localhost" if sock else c.get("host", "127.0.0.1"), user=c.get("user"),
                      password=c.get("password", ""), database=c.get("name"), port=int(c.get("port", 3306)),
                      unix_socket=sock, client_flags=0, ssl_disabled=bool(sock), **tls(c, sock))
            m.query(b"SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci")
            m.autocommit(True)
            break
        except DbError as e:
            if e.errno not in down or time.monotonic() > end:
                raise
            time.sleep(0.2)
    local.db = m
    local.tx = 0
    local.pid = pid
    local.used = time.monotonic()
    return m


def tls(c, sock):
    # a database on another host (config.db host, port) with ssl_ca (a CA file, the RDS bundle):
    # TLS, the server's certificate checked against that CA and its name against host
    if sock or not c.get("ssl_ca"):
        return {}
    return {"ssl_ca": c["ssl_ca"], "ssl_verify_cert": True, "ssl_verify_identity": True}


def conn():
    # this thread's connection: opened on first use, pinged first when it sat
    # unused a while, never one that a parent process opened before a fork
    m = getattr(local, "db", None)
    if m is None or local.pid != pid:
        return connect()
    now = time.monotonic()
    if now - local.used > idle_check and not local.tx:
        try:
            ok = m.ping()
        except DbError:
            ok = 0
        if not ok:
            close()
            return connect()
    local.used = now
    return m


def close():
    m = getattr(local, "db", None)
    local.db = None
    local.tx = 0
    if m is None or getattr(local, "pid", 0) != pid:
        return
    try:
        m.close()
    except Exception:
        pass


def done():
    # the end of a request in the persistent runtime: the connection stays for the
    # next one, with no transaction left open (ours, or one begun by raw sql)
    m = getattr(local, "db", None)
    if m is None or local.pid != pid:
        return
    try:
        if local.tx or m.st_server_status() & 1:     # 1: SERVER_STATUS_IN_TRANS
            m.rollback()
    except Exception:
        close()
    local.tx = 0
    local.lazy = 0
    local.wrote = 0


def in_tx():
    return getattr(local, "tx", 0)


def bind(m, q, args):
    # the statement with each %s replaced by its value, quoted and escaped by
    # the server's client library for this connection's character set
    b = q.encode("utf-8")
    if not args:
        return b
    vals = m.convert_to_mysql(*args)
    parts = b.split(b"%s")
    if len(parts) != len(vals) + 1:
        raise ValueError(f"{len(vals)} values for {len(parts) - 1} places")
    out = [parts[0]]
    for v, p in zip(vals, parts[1:]):
        out += [v, p]
    return b"".join(out)


def run(q, args=(), dic=0):
    # one statement; returns (rows, rowcount, lastrowid), raises SqlError
    if getattr(local, "lazy", 0) and not read_s.match(q):
        open_lazy()
    t = time.perf_counter()
    try:
        return tries(q, args, dic)
    except (DbError, TypeError, ValueError) as e:
        raise failed("sql", e) from e
    finally:
        tally(q, time.perf_counter() - t)


def tally(q, s):
    # this thread's statements and their time, for the request's record (tools/kicstat.py); one
    # slower than slow_ms is kept with its text (values are bound: the text holds none)
    local.nq = getattr(local, "nq", 0) + 1
    local.db_s = getattr(local, "db_s", 0.0) + s
    if s * 1000 >= slow_ms and isinstance(getattr(local, "slow", None), list):
        local.slow.append([" ".join(str(q).split())[:300], round(s * 1000, 1)])


def tries(q, args, dic):
    # A broken connection is reopened once: always before the statement reached the server,
    # and for a read also when it broke during it (a write might have happened: no retry).
    for n in (0, 1):
        m = conn()
        stmt = bind(m, q, args)
        try:
            return query(m, stmt, dic)
        except DbError as e:
            if n == 1 or in_tx() or not gone(e, stmt):
                raise
            close()


def query(m, stmt, dic):
    m.query(stmt, raw=False, buffered=True)
    if not m.have_result_set:
        return [], m.affected_rows(), m.insert_id()
    names = [f[4] for f in m.fetch_fields()]
    rows = []
    r = m.fetch_row()
    while r is not None:
        rows.append(dict(zip(names, r)) if dic else r)
        r = m.fetch_row()
    m.free_result()
    return rows, len(rows), 0


def gone(e, stmt):
    # 1 when the connection broke in a way that a second try is safe: the statement
    # never reached the server (2006, 2055), the server refused it while shutting
    # down (1053) or ended the connection, rolling it back (1927); a read in any case
    if e.errno in (2006, 2055, 1053, 1927):
        return 1
    if e.errno == 2013 and read_re.match(stmt):
        return 1
    return 0


def debug(r, q, args):
    if not r.get("debug") or getattr(config, "sys_mode", "prod") != "dev":
        return
    import html   # here, not on top: only a debug run needs it (a CGI request pays for every import)
    print(f"<pre class=kicdebug>{html.escape(q)}\n{html.escape(repr(args))}</pre>")


# ---------- identifiers ----------

@functools.lru_cache(maxsize=512)
def qn(n):
    # one plain name -> `name`
    if not isinstance(n, str) or not name_re.match(n):
        raise BadName(f"bad name: {str(n)[:60]!r}")
    return f"`{n}`"


@functools.lru_cache(maxsize=512)
def qcol(c):
    # col, alias.col or alias.* -> quoted
    c = str(c).strip()
    parts = c.split(".")
    if len(parts) == 2 and parts[1] == "*":
        return f"{qn(parts[0])}.*"
    if len(parts) > 2:
        raise BadName(f"bad column: {c[:60]!r}")
    return ".".join(qn(p) for p in parts)


@functools.lru_cache(maxsize=512)
def jpath(k):
    if not isinstance(k, str) or not key_re.match(k):
        raise BadName(f"bad json key: {str(k)[:60]!r}")
    return "$." + ".".join(f'"{p}"' for p in k.split("."))


@functools.lru_cache(maxsize=512)
def jcol(col, key):
    # the value of a key of a json column, as text
    return f"JSON_UNQUOTE(JSON_EXTRACT({qcol(col)}, '{jpath(key)}'))"


@functools.lru_cache(maxsize=512)
def qfield(f):
    # a column, or data:key for a key inside the json column data
    f = str(f).strip()
    if ":" in f:
        col, key = f.split(":", 1)
        return jcol(col, key)
    return qcol(f)


@functools.lru_cache(maxsize=512)
def qtable(t):
    # 'users' or 'pri_prod_brand b' or 'users as u' -> (sql, name to qualify with)
    p = str(t).split()
    if len(p) == 3 and p[1].lower() == "as":
        p = [p[0], p[2]]
    if len(p) == 1:
        return qn(p[0]), qn(p[0])
    if len(p) == 2:
        return f"{qn(p[0])} {qn(p[1])}", qn(p[1])
    raise BadName(f"bad table: {str(t)[:60]!r}")


@functools.lru_cache(maxsize=512)
def qwhat(w):
    # the select list: col, alias.col, *, data:key, count(*), sum(col), distinct col, col as x
    if w is None or str(w).strip() == "":
        return "*"
    out = []
    for i in str(w).split(","):
        out.append(qitem(i.strip()))
    return ", ".join(out)


def qitem(i):
    if i == "*":
        return "*"
    m = re.match(r"^(.+?)\s+as\s+([A-Za-z_][A-Za-z0-9_]*)$", i, re.I)
    if m:
        return f"{qitem(m.group(1).strip())} AS {qn(m.group(2))}"
    m = re.match(r"^distinct\s+(.+)$", i, re.I)
    if m:
        return f"DISTINCT {qitem(m.group(1).strip())}"
    m = re.match(r"^([A-Za-z]+)\((.*)\)$", i)
    if m:
        f = m.group(1).lower()
        if f not in funcs:
            raise BadName(f"bad function: {f[:20]!r}")
        return f"{f.upper()}({qitem(m.group(2).strip())})"
    if ":" in i:
        return f"{qfield(i)} AS {qn(i.replace(':', '_').replace('.', '_'))}"
    return qcol(i)


# ---------- conditions ----------

def cond(k, v, args):
    # one where item -> sql text, values appended to args
    col = str(k).split("/")[0]
    f = qfield(col)
    if isinstance(v, (tuple, list)) and len(v) in (2, 3) and isinstance(v[0], str) and v[0].lower() in ops:
        op = v[0].lower()
        val = v[1]
        if len(v) == 3:
            f = jcol(v[2], col)
        return opcond(f, op, val, args)
    if v is None:
        return f"{f} IS NULL"
    args.append(val_of(v))
    return f"{f} = %s"


def opcond(f, op, val, args):
    if op in ("in", "not in"):
        vals = list(val) if isinstance(val, (list, tuple, set)) else [val]
        if not vals:
            return "1=0" if op == "in" else "1=1"
        args.extend(val_of(x) for x in vals)
        marks = ", ".join(["%s"] * len(vals))
        return f"{f} {op.upper()} ({marks})"
    if op in ("like", "not like"):
        # text with no % is a plain "contains" (its \ and _ taken literally);
        # text with % is a pattern you wrote
        s = str(val)
        if "%" not in s:
            s = "%" + s.replace("\\", "\\\\").replace("_", "\\_") + "%"
        args.append(s)
        return f"{f} {op.upper()} %s"
    if val is None and op in ("=", "!=", "<>"):
        return f"{f} IS NULL" if op == "=" else f"{f} IS NOT NULL"
    args.append(val_of(val))
    return f"{f} {op} %s"


def val_of(v):
    # python value -> what the driver binds; dicts and lists become json text
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, allow_nan=False)
    return v


def where_sql(w, args):
    # dict ANDed; a string is a raw condition (only for literals you wrote)
    if not w:
        return []
    if isinstance(w, str):
        return [f"({w})"]
    return [cond(k, v, args) for k, v in w.items()]


def order_sql(r):
    if r.get("sortj"):
        s = str(r["sortj"])
        desc = ""
        if s.endswith("/desc"):
            s = s[:-5]
            desc = " DESC"
        p = s.split(":")
        if len(p) == 1:
            return f" ORDER BY {qcol(p[0])}{desc}"
        f = jcol(p[0], p[1])
        if len(p) == 3 and p[2] == "int":
            f = f"CAST({f} AS SIGNED)"
        if len(p) > 3 or (len(p) == 3 and p[2] != "int"):
            raise BadName(f"bad sortj: {s[:60]!r}")
        return f" ORDER BY {f}{desc}"
    if r.get("sort"):
        desc = " DESC" if r.get("desc") else ""
        return f" ORDER BY {qfield(r['sort'])}{desc}"
    return ""


def limit_sql(v):
    p = [int(x) for x in str(v).split(",")]
    if len(p) > 2 or min(p) < 0:
        raise BadName(f"bad limit: {str(v)[:20]!r}")
    return " LIMIT " + ", ".join(str(x) for x in p)


def join_sql(r, main, args):
    h = ""
    for kind, word in (("join", "JOIN"), ("ljoin", "LEFT JOIN"), ("rjoin", "RIGHT JOIN")):
        for j in r.get(kind) or []:
            t, ja = qtable(j["jtab"])
            on = str(j["on"])
            left = qcol(on) if "." in on else f"{main}.{qn(on)}"
            jon = str(j.get("jon", "id"))
            right = qcol(jon) if "." in jon else f"{ja}.{qn(jon)}"
            h += f" {word} {t} ON {left} = {right}"
            for c in where_sql(j.get("And"), args):
                h += f" AND {c}"
    return h


def select_sql(r):
    args = []
    t, main = qtable(r["table"])
    q = f"SELECT {qwhat(r.get('what'))} FROM {t}"
    q += join_sql(r, main, args)
    conds = []
    if "fld" in r and r["fld"] not in (None, ""):
        conds.append(cond(r["fld"], r.get("val"), args))
    conds += where_sql(r.get("where"), args)
    if "is_active" in r and r["is_active"] not in (None, ""):
        conds.append(f"{main}.`is_active` = %s")
        args.append(int(r["is_active"]))
    if conds:
        q += " WHERE " + " AND ".join(conds)
    if r.get("grp"):
        q += " GROUP BY " + ", ".join(qfield(g) for g in str(r["grp"]).split(","))
    q += order_sql(r)
    if r.get("limit") not in (None, ""):
        q += limit_sql(r["limit"])
    return q, args


# ---------- the Flyton calls ----------

def find_in_sql(r):
    # first row as a tuple; every row (list) with 'all':1; False when none; SqlError on failure
    try:
        q, args = select_sql(r)
    except (KeyError, TypeError, ValueError) as e:
        raise failed("find_in_sql", e) from e
    if not r.get("all") and not r.get("limit"):
        q += " LIMIT 1"
    debug(r, q, args)
    rows = run(q, args)[0]
    if not rows:
        return False
    if r.get("all"):
        return rows
    return rows[0]


def set_sql(s, args):
    # set dict -> `a` = %s, ...; a string is raw (only for literals you wrote)
    if isinstance(s, str):
        return [s]
    out = []
    for k, v in s.items():
        out.append(f"{qn(k)} = %s")
        args.append(val_of(v))
    return out


def insert_to_sql(r):
    # insert a row, or update the row with r['id'] (a dict id = compound key):
    # {"status": True, "id", "row_count"}; SqlError on failure (a duplicate key too: e.errno 1062)
    try:
        q, args = write_sql(r)
    except (KeyError, TypeError, ValueError) as e:
        raise failed("insert_to_sql", e) from e
    debug(r, q, args)
    rows, n, last = run(q, args)
    if r.get("id") not in (None, ""):
        return {"status": True, "id": r["id"], "row_count": n}
    if isinstance(r.get("set"), dict) and "id" in r["set"]:
        last = r["set"]["id"]
    return {"status": True, "id": last, "row_count": n}


def insert_in_quota(r, user_id):
    # insert_to_sql(r) for a new row of user_id (r["set"] holds it), unless the user has the
    # table's quota of active rows already: config.py quotas = {"default": 10000, "todo": 1000};
    # then {"status": 0, "err": "quota", "quota": n} and nothing is written. The user's row is
    # locked while the rows are counted, so adds in parallel never pass the quota.
    q = getattr(config, "quotas", None) or {}
    try:
        most = int(q.get(r["table"], q.get("default", 10000)))
    except (TypeError, ValueError):
        most = 10000      # (a quota in config.py that is no number: the default, not an error on every add)
    begin()
    try:
        run("SELECT id FROM users WHERE id = %s FOR UPDATE", (user_id,))
        n = run(f"SELECT COUNT(*) FROM {qn(r['table'])} WHERE user_id = %s AND is_active = 1", (user_id,))[0][0][0]
        if n >= most:
            rollback()
            return {"status": 0, "err": "quota", "quota": most}
        w = insert_to_sql(r)
        commit()
        return w
    except BaseException:
        rollback()
        raise


def write_sql(r):
    t = qn(r["table"])
    args = []
    sets = set_sql(r.get("set") or {}, args)
    if "data" in r and r["data"] is not None:
        sets.append("`data` = %s")
        args.append(json.dumps(r["data"], ensure_ascii=False, allow_nan=False))
    if r.get("id") in (None, ""):
        if not sets:
            return f"INSERT INTO {t} () VALUES ()", args
        return f"INSERT INTO {t} SET " + ", ".join(sets), args
    if not sets:
        raise ValueError("nothing to update")
    ids = r["id"] if isinstance(r["id"], dict) else {"id": r["id"]}
    conds = [cond(k, v, args) for k, v in ids.items()]
    return f"UPDATE {t} SET " + ", ".join(sets) + " WHERE " + " AND ".join(conds), args


def sql_order(r):
    # yields every row (as a dict) after r['id'], in id order, in batches:
    # for a big table; only active rows unless is_active is given
    last = r.get("id", "")
    size = int(r.get("batch", 500))
    while True:
        q = {"table": r["table"], "where": dict(r.get("where") or {}), "sort": "id", "all": 1, "limit": size}
        q["is_active"] = r.get("is_active", 1)
        if last not in ("", None):
            q["where"]["id/next"] = (">", last)
        rows = find_dicts(q)
        for u in rows:
            yield u
        if len(rows) < size:
            return
        last = rows[-1]["id"]


def find_dicts(r):
    # like find_in_sql with all:1, rows as dicts, [] when none
    try:
        q, args = select_sql(r)
    except (KeyError, TypeError, ValueError) as e:
        raise failed("find_dicts", e) from e
    debug(r, q, args)
    return run(q, args, dic=1)[0]


def sql_next(r):
    # the next active row after r['id'] as a dict; {"id": ""} at the end
    q = {"table": r["table"], "where": dict(r.get("where") or {}), "sort": "id", "limit": 1}
    q["is_active"] = r.get("is_active", 1)
    if r.get("id") not in ("", None):
        q["where"]["id/next"] = (">", r["id"])
    rows = find_dicts(q)
    if not rows:
        return {"id": ""}
    return rows[0]


def count_in_sql(r):
    # (n,): rows where fld = val (and where, is_active when given)
    q = dict(r)
    q["what"] = "count(*)"
    q.pop("sort", None)
    q.pop("sortj", None)
    q.pop("all", None)
    return find_in_sql(q) or (0,)


def get_record(table, id, fld="id"):
    # the row as a dict with the keys of its json data merged in; {} when none
    rows = find_dicts({"table": table, "fld": fld, "val": id, "limit": 1})
    if not rows:
        return {}
    u = rows[0]
    d = parse_json(u.get("data"))
    out = dict(d) if isinstance(d, dict) else {}
    out.update(u)
    out["data"] = d
    return out


def parse_json(s):
    if s is None or s == "" or s == "{}":
        return {}
    if s == "[]":
        return []      # (no roles: most users; read on every request)
    if isinstance(s, (dict, list)):
        return s
    if isinstance(s, (bytes, bytearray)):
        s = s.decode("utf-8")
    try:
        return json.loads(s)
    except ValueError:
        return {}


def get_data(table, id, fld="id"):
    # the json data field as a dict ({} when empty or no row)
    w = find_in_sql({"table": table, "what": "data", "fld": fld, "val": id})
    if not w:
        return {}
    d = parse_json(w[0])
    return d if isinstance(d, dict) else {}


def begin():
    # a transaction; begin() inside one (a tool's own, inside the one of a call that may be sent
    # again) is a savepoint, and its commit() or rollback() ends only what came after it
    if getattr(local, "lazy", 0):
        open_lazy()
    n = in_tx()
    if n:
        run(f"SAVEPOINT kic{n}")
        local.tx = n + 1
        return
    run("START TRANSACTION")
    local.tx = 1


def commit():
    n = in_tx()
    if n > 1:
        local.tx = n - 1
        run(f"RELEASE SAVEPOINT kic{n - 1}")
        return
    try:
        conn().commit()
    except DbError as e:
        raise failed("commit", e) from e
    finally:
        local.tx = 0


def rollback():
    n = in_tx()
    if n > 1:
        local.tx = n - 1
        try:
            run(f"ROLLBACK TO SAVEPOINT kic{n - 1}")
        except SqlError:
            pass     # the server ended the whole transaction already (a deadlock): nothing is left to undo
        return
    local.tx = 0
    try:
        local.db.rollback()
    except Exception:
        pass


def lazy_tx(on=1):
    # on=1: this thread's next write opens a transaction first (dispatch.py, for a call that may be
    # sent again: its writes and its answer commit together; a call that only reads opens none).
    # Returns 1 when a transaction was opened since the last lazy_tx(1)
    was = getattr(local, "wrote", 0)
    local.lazy = 1 if on else 0
    local.wrote = 0
    return was


def open_lazy():
    local.lazy = 0
    local.wrote = 1
    begin()


def apart(f, *args):
    # f(*args) with its writes committed on their own, whatever becomes of the request's transaction
    # (dispatch.py undoes a call sent again whole): what protects an account (a throttle's booked
    # check, a failure's log row) is never undone with it. Before the request's first write its own
    # connection serves (no transaction is open on it yet); after it, a second one of this thread
    if not in_tx():
        lazy = getattr(local, "lazy", 0)
        local.lazy = 0
        try:
            return f(*args)
        finally:
            local.lazy = lazy
    names = ("db", "tx", "lazy", "wrote", "used", "pid")
    keep = {k: getattr(local, k, None) for k in names}
    for k, v in (getattr(local, "apart", None) or {"db": None, "tx": 0, "lazy": 0, "wrote": 0, "used": 0, "pid": 0}).items():
        setattr(local, k, v)
    try:
        return f(*args)
    finally:
        while in_tx():
            rollback()      # (a tool that left its transaction open: nothing of it stays)
        local.apart = {k: getattr(local, k, None) for k in names}
        for k, v in keep.items():
            setattr(local, k, v)


def add_to_data(table, id, key, val=""):
    # set one key of the json data (a dict as key merges it); "!del" removes.
    # read and write in one transaction so two writers never lose a key.
    try:
        t = qn(table)
        begin()
        rows = run(f"SELECT `data` FROM {t} WHERE `id` = %s FOR UPDATE", (id,))[0]
        if not rows:
            rollback()
            return {"status": False, "err": "no such row"}
        d = parse_json(rows[0][0])
        if not isinstance(d, dict):
            d = {}
        news = key if isinstance(key, dict) else {key: val}
        for k, v in news.items():
            if v == "!del":
                d.pop(k, None)
                continue
            d[k] = v
        rows, n, last = run(f"UPDATE {t} SET `data` = %s WHERE `id` = %s", (json.dumps(d, ensure_ascii=False, allow_nan=False), id))
        commit()
        return {"status": True, "id": id, "row_count": n}
    except (SqlError, TypeError, ValueError) as e:
        rollback()
        raise failed("add_to_data", e) from e


def gen_data():
    # {key1: {"id", "val", "data"}} of the active rows of gen
    w = find_in_sql({"table": "gen", "what": "id,key1,val1,data", "is_active": 1, "all": 1}) or []
    out = {}
    for g in w:
        r = {"id": g[0], "val": g[2]}
        if g[3] not in (None, ""):
            r["data"] = parse_json(g[3])
        out[g[1]] = r
    return out


def get_next_counter(field, type1, data={}):
    # atomically add 1 to gen row <type1>_<field> and return it; the first
    # call returns data["start"] (default 1). LAST_INSERT_ID(expr) keeps the
    # new value per connection, so two callers never see the same number.
    k = f"{type1}_{field}"
    start = int(data.get("start", 1)) - 1
    d = json.dumps(data, ensure_ascii=False, allow_nan=False) if data else None
    run("INSERT IGNORE INTO gen (key1, val1, data) VALUES (%s, %s, %s)", (k, str(start), d))
    run("UPDATE gen SET val1 = LAST_INSERT_ID(CAST(val1 AS SIGNED) + 1) WHERE key1 = %s", (k,))
    return int(run("SELECT LAST_INSERT_ID()")[0][0][0])


def kic_sql(q, elr=0, args=()):
    # the seed's name of sql(q, args) (the rules say don't): its rows, or with elr=1 {"status": 1,
    # "row_count", "results"}. Never put user input into q; pass it in args.
    rows, n, last = sql(q, args)
    if elr:
        return {"status": 1, "row_count": n, "results": rows}
    return rows


def kic_sql_delete(r):
    # a real delete of one row by id (the rules say: prefer is_active=0)
    try:
        q = f"DELETE FROM {qn(r['table'])} WHERE `id` = %s"
        args = (r["id"],)
    except (KeyError, TypeError) as e:
        raise failed("kic_sql_delete", e) from e
    rows, n, last = run(q, args)
    if n == 0:
        return {"status": 0, "err": "no such row"}
    return {"status": 1, "row_count": n}


def kic_refine(name, value, cond):
    # part of sql.py's surface (the contract's); the checks live in tools/kic_refine.py, imported on
    # first use: a CGI request that checks no input does not pay for them
    from tools.kic_refine import kic_refine as refine
    return refine(name, value, cond)


def validate_email(e):
    from tools.kic_refine import validate_email as valid
    return valid(e)

# bench_sql.py: what sql.py costs over a bare mysql-connector cursor, in one run.
# Not a test: it prints figures and ratios. Run with the others, against the test
# database:  sudo tests/run --bench
import os
import sys
import time

import mysql.connector   # only for the comparison

import config
from tools.sql import *

n_find = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
n_ins = int(sys.argv[2]) if len(sys.argv) > 2 else 2000


def bench_sql():
    kic_sql("DROP TABLE IF EXISTS t_bench")
    kic_sql("""CREATE TABLE t_bench (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100), price INT,
               is_active TINYINT(1) NOT NULL DEFAULT 1, data JSON) AUTO_INCREMENT=1001""")
    kic_sql("INSERT INTO t_bench (name, price) VALUES " + ", ".join(f"('n{i}', {i})" for i in range(1000)))
    ids = [1001 + (i * 7919) % 1000 for i in range(n_find)]
    d = config.db
    bare = mysql.connector.connect(user=d["user"], password=d["password"], database=d["name"], unix_socket=d.get("socket"),
                                   host=d.get("host", "127.0.0.1"), charset="utf8mb4", collation="utf8mb4_unicode_ci",
                                   autocommit=True)
    c = bare.cursor()

    def flyton_find():
        for i in ids:
            find_in_sql({"table": "t_bench", "what": "id,name,price", "fld": "id", "val": i})

    def bare_find():
        for i in ids:
            c.execute("SELECT `id`, `name`, `price` FROM `t_bench` WHERE `id` = %s LIMIT 1", (i,))
            c.fetchall()

    def flyton_ins():
        for i in range(n_ins):
            insert_to_sql({"table": "t_bench", "set": {"name": f"x{i}", "price": i}})

    def bare_ins():
        for i in range(n_ins):
            c.execute("INSERT INTO `t_bench` SET `name` = %s, `price` = %s", (f"x{i}", i))

    print(f"sql.py vs a bare mysql-connector cursor (C extension), each on its own connection, {os.cpu_count()} cores")
    print(f"{'work':<34}{'flyton us/call':>16}{'bare us/call':>14}{'ratio':>8}")
    worst = 0
    for name, n, f, b in ((f"find_in_sql by id x{n_find}", n_find, flyton_find, bare_find),
                          (f"insert_to_sql x{n_ins}", n_ins, flyton_ins, bare_ins)):
        best_f, best_b = [], []
        for r in range(3):            # alternate, keep the best of 3 of each: less noise
            best_f.append(timed(f))
            best_b.append(timed(b))
        tf, tb = min(best_f) / n * 1e6, min(best_b) / n * 1e6
        worst = max(worst, tf / tb)
        print(f"{name:<34}{tf:>16.1f}{tb:>14.1f}{tf / tb:>8.2f}")
    print(f"worst ratio {worst:.2f} (target: under 1.30)")
    c.close()
    bare.close()
    kic_sql("DROP TABLE IF EXISTS t_bench")


def timed(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


bench_sql()

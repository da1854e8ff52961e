# api_ping.py: the health check: is the site up and the database answering.
import time

from tools.sql import *
from tools.kicapi import *


def api_ping(data):
    t = time.time()
    try:
        kic_sql("SELECT 1")
    except SqlError:
        api_err("database down", {"db": 0})
        return
    ms = round((time.time() - t) * 1000, 1)
    api_ok({"db": 1, "db_ms": ms, "time": int(t)})

# api_t_kit_list.py: -> the caller's rows of t_kit (tests/kit: a method that reads).
from tools.sql import *
from tools.kicapi import *
from tools.db_t_kit import *


def api_t_kit_list(data):
    api_ok({"items": t_kit_list(data["s"]["my_user_id"]), "count": db_t_kit(data["s"]["my_user_id"])})

# api_t_kit_add.py: {name} -> a new row of the caller's in t_kit (tests/kit: a method that writes).
from tools.sql import *
from tools.kicapi import *
from tools.db_t_kit import *


def api_t_kit_add(data):
    name = kic_refine(name_rule[0], data["post"]["input"].get("name"), name_rule[1])
    if isinstance(name, dict):
        api_err(name["err"], {"fld": "name"})
        return
    w = t_kit_add(data["s"]["my_user_id"], name)
    if not w["status"]:
        api_err(f"You have {w['quota']} rows, the most there may be", {"fld": "name"})
        return
    api_ok({"id": w["id"]})

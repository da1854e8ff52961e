# api_edit.py: {t, i, f, k, v} saves one value edited in place (client/lib/kicedit.js):
# field f of row i of table t, marked editable by the page (k); tools/kicedit.py checks it all.
from tools.sql import *
from tools.kicapi import *
from tools.kicedit import edit_save


def api_edit(data):
    i = data["post"]["input"]
    w = edit_save(data["ses"], data["s"]["my_user_id"], i if isinstance(i, dict) else {})
    if not w["status"]:
        api_err(w["err"], {"fld": "v"})
        return
    api_ok({"v": w["v"]})

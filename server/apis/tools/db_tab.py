# db_tab.py: small lists kept in gen. Key suffixes: _type a list, _dict the
# codes of a field, _prov a list of providers.
from tools.sql import *

# what `from tools.db_tab import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["db_tab", "list_gen_tab", "list_tab_dict"]


def db_tab(key1):
    # the gen row key1 as {"id", "val", "data"}, or {}
    return gen_data().get(key1, {})


def list_gen_tab(tab):
    # the data of gen row tab (a list for _type and _prov rows); [] when missing
    return db_tab(tab).get("data", [])


def list_tab_dict(table, fld):
    # the code names of a field, from gen row <table>_dict: {"0": "deleted", "1": "open"}
    d = db_tab(f"{table}_dict").get("data", {})
    if not isinstance(d, dict):
        return {}
    return d.get(fld, {})

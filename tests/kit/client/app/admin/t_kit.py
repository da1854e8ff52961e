# t_kit.py: the page of the framework's tests (tests/kit): the caller's rows, each name editable in place.
from tools.kicedit import *
from tools.db_t_kit import *


def t_kit(data):
    h = ""
    for t in t_kit_list(data["s"]["my_user_id"]):
        h += f"<li>{kicedit(data, 't_kit', t['id'], 'name', t['name'])}</li>"
    return f"""<div class=col-12><ul id=t_kit>{h}</ul></div>"""

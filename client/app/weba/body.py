# body.py: runs the page of rpage: weba/<page>.py, function <page>(data).
from tools.kicweb import run_page


def body(data):
    h = run_page("weba", data["s"]["page"], data)
    return f"""<div class="container-fluid"><div class="row kicbody" id=zzz>{h}</div></div>"""

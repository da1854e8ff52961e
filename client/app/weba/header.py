# header.py: the top bar of the second app.
import config
from tools.kicutil import *


def header(data):
    site = esc(getattr(config, "site_name", "Flyton"))
    return f"""<nav class="navbar bg-body-tertiary mb-3" id=kicheader><div class=container-fluid><span class=navbar-brand>{site}</span></div></nav>"""

# footer.py: the bottom of every page of the admin app.
import config
from tools.kicutil import *


def footer(data):
    ver = esc(getattr(config, "version", ""))
    return f"""<footer class="container-fluid text-body-secondary small py-3" id=kicfooter>
      Flyton {ver}
    </footer>"""

# dashboard.py: the first page of the second app; a place to start building it.
from tools.kiclang import *


def dashboard(data):
    return f"""<div class=col-12><h1 class=h4 id=hello>{txt("Welcome")}</h1></div>"""

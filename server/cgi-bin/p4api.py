# p4api.py: the API entry (/cgi-bin/api?meth=api_x): sets the paths and runs server/apis/cgi.py.
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(os.path.dirname(here))
sys.path[:0] = [os.path.join(top, "server", "apis"), os.path.join(top, "server")]

import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location("flyton_cgi", os.path.join(top, "server", "apis", "cgi.py"))
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
m.cgi()

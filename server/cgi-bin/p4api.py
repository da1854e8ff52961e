# p4api.py: the API entry (/cgi-bin/api?meth=api_x): runs server/apis/cgi.py as a CGI
# script. The import path (client/app, server/apis, server) is set by the web server.
from tools.kicweb import cgi_run, top_module

cgi_run(top_module("apis/cgi.py", "flyton_cgi").cgi)

# p4api.py: the API entry (/cgi-bin/api?meth=api_x): runs server/apis/dispatch.py as a CGI
# script. The import path (server/pypath) is set by the web server.
from tools.kicweb import cgi_run
from dispatch import dispatch

cgi_run(dispatch)

# config.py: written by install.sh, never committed (this file is the example).
# Readable only by root and the web server: it holds the database password.

sys_mode = "dev"            # "dev" (install.sh): error pages show the traceback; "prod" (install.sh --prod): a reference only
runtime = "cgi"             # "cgi": dev, each request runs the files as they are; "wsgi": prod, mod_wsgi
                            # processes that stay up (sudo ./install.sh after a change; code: server/bin/flyton reload)
site_name = "Flyton"
version = "1.0.0"
lang = "en"                 # language of txt(): en, he (a session may override with add2ses {"lang": ..})

db = {
    "name": "flyton",
    "user": "flyton",
    "password": "change-me",
    "socket": "/run/mysqld/mysqld.sock",   # or "host": "127.0.0.1", "port": 3306
    # a database on another host (RDS, Aurora, a database machine): no socket, but
    # "host": "db.example.com", "port": 3306, "ssl_ca": "/etc/flyton/db-ca.pem" (TLS, the server
    # checked against that CA); `sudo server/bin/flyton db-init` makes the database and accounts
}

cors_origins = []           # origins allowed to call /cgi-bin/api from another site
no_ses_meths = ["api_login", "api_ping", "api_register"]   # API methods that need no session
                            # (login, ping and the two of "forgot password" always)
site_url = "http://localhost"   # the address people open: the links in mails start with it
hosts = ["localhost", "127.0.0.1"]   # host names the site answers to besides site_url's (* and ? as
                            # wildcards: "*.example.com"); any other Host header gets 421
                            # (sudo ./install.sh after a change)
trusted_proxies = []        # the proxies in front (a load balancer, CloudFront's origin-facing ranges), as
                            # "10.0.0.0/16" or "203.0.113.7": only from them X-Forwarded-For gives the client's
                            # address (sudo ./install.sh after a change); from anyone else it changes nothing
mail = {"host": "localhost", "port": 25, "tls": "", "user": "", "password": "",
        "from": "Flyton <noreply@localhost>"}   # the SMTP server of kicmail (docs/tools.md);
                            # tls: "" | "starttls" (port 587) | "ssl" (port 465)
rate_limits = {"default": "300/minute per user"}   # every API method and page (tools/kicrate.py):
                            # "N/second|minute|hour|day per user|address|both" or "off"; a method's or
                            # page's own line wins: "api_email": "5/hour per user" (its builtin)
rate_dry = 0                # 1: log the calls a limit would refuse (error log), refuse none
mail_cap = "5/hour"         # mails to one address, from every method together (tools/kicmail.py)
mail_cap_user = "20/hour"   # mails that one user's requests send, to any addresses
max_body = 10 * 1024 * 1024  # largest API request body, bytes
max_file = 5 * 1024 * 1024   # largest file sent with a file_ key, bytes
db_wait = 10                # seconds a request waits for a database that is restarting
log_file = "/var/log/flyton/error.log"   # tracebacks of pages and API methods, each line with its reference
stats = 1                   # 0: no request records (flyton stats, flyton slow: tools/kicstat.py)
stats_max_mb = 20           # the records file becomes <file>.1 past this (a node keeps twice at most)
slow_ms = 200               # a statement this slow is named in its request's record (flyton slow)
# stats_file = "/var/log/flyton/requests.jl"   # default: log_file's folder
# server_timing = 1         # the Server-Timing header on prod too (on by default with sys_mode "dev")
# metrics_from = ["10.0.0.0/16"]   # who may GET /cgi-bin/api?meth=metrics (Prometheus); none: off

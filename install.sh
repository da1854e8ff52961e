#!/usr/bin/env bash
# install.sh: from a fresh clone to a live Flyton site. Run as root: sudo ./install.sh
# Ubuntu 22.04/24.04 or Debian 12, with or without systemd. Running it again is harmless.
#   sudo ./install.sh           a dev box: CGI runtime (edit a file, the next request runs it)
#   sudo ./install.sh --prod    a prod box: the persistent runtime (mod_wsgi), sys_mode "prod",
#                               https on 443 (80 redirects to it) with a self-signed certificate
#                               the first time, until you give yours:
#     --cert FILE --key FILE    your certificate (PEM, chain included) and key: kept for later runs
#     --no-tls                  plain http on 80 (a proxy in front, e.g. CloudFront, serves https)
#   --url URL                   site_url in server/config.py: the address people open (https://www.example.com);
#                               the site answers to its host and to hosts there, other names get 421
#   --take-over                 a machine has one Flyton site: move it from another clone to this one
#   FLYTON_ADMIN_PASSWORD=...   the password of the first admin user (else one is generated once):
#                               sudo FLYTON_ADMIN_PASSWORD=... ./install.sh
#   FLYTON_DB=flyton            the database name (FLYTON_DB_USER the database user)
#   --db-host HOST --db-master USER [--db-port P] [--db-ca FILE] [--db-from PATTERN] [--db-master-file F]
#                               the database on a server of its own (RDS, Aurora, a database machine):
#                               no database server here; flyton db-init makes the database and its
#                               accounts there with the master account (its password: the file F,
#                               removed once read, or FLYTON_DB_MASTER_PASSWORD, or asked). A box
#                               whose config.py points at such a server keeps it (a second web node
#                               gets config.py and /etc/flyton/owner-*.cnf of the first: prod-init --like)
# The runtime of an installed site is runtime = "cgi" | "wsgi" in server/config.py.
set -euo pipefail
umask 022
# no compiled copy of config.py (it holds the database password) is left by this script's Pythons
export PYTHONDONTWRITEBYTECODE=1

root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=/opt/flyton/venv
db=${FLYTON_DB:-flyton}
dbuser=${FLYTON_DB_USER:-flyton}
connector="mysql-connector-python==9.1.0"
bs_ver=5.3.8.0
bs_sha=04f5cc95bbe5438d1e851d06c4ca1ad7f84bd36a09b4de5a1f54b524e8506859
cfg="$root/server/config.py"
prod=0
takeover=0
tls=()      # for server/bin/flyton tls, on a prod box
cert="" key="" url=""
dbhost="" dbx=() masterfile=""    # a database on a server of its own: its host, flyton db-init's options
while [ $# -gt 0 ]; do
  case "$1" in
    --prod) prod=1 ;;
    --db-host|--db-port|--db-ca|--db-master|--db-from|--db-master-file)
      [ $# -ge 2 ] || { echo "install.sh: $1 needs a value" >&2; exit 1; }
      [[ "$2" =~ ^[A-Za-z0-9_.%:/+-]+$ ]] || { echo "install.sh: $1: not a value it takes: $2" >&2; exit 1; }
      case "$1" in
        --db-host) dbhost=$2; dbx+=(--host "$2") ;;
        --db-ca) [ -f "$2" ] || { echo "install.sh: no CA file $2" >&2; exit 1; }; dbx+=(--ca "$(readlink -f "$2")") ;;
        --db-master-file) masterfile=$2 ;;
        *) dbx+=("--${1#--db-}" "$2") ;;
      esac
      shift ;;
    --cert|--key) [ $# -ge 2 ] || { echo "install.sh: $1 needs a file" >&2; exit 1; }
      if [ "$1" = --cert ]; then cert=$2; else key=$2; fi
      tls=(--cert "$cert" --key "$key"); shift ;;
    --no-tls) tls=(--off) ;;
    --take-over) takeover=1 ;;
    --url) [ $# -ge 2 ] || { echo "install.sh: --url needs an address" >&2; exit 1; }
      url=$2; shift
      [[ "$url" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$ ]] || { echo "install.sh: --url takes http(s)://NAME[:PORT], not $url" >&2; exit 1; } ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 1 ;;
  esac
  shift
done

[ ${#dbx[@]} = 0 ] || [ -n "$dbhost" ] || { echo "install.sh: the --db- options go with --db-host" >&2; exit 1; }
# the database's host when it is on a server of its own: given now, or in config.py from before
cfg_db_host() {
  # the "host" of config.py's db = {...} when it has no "socket": read without Python, which a new
  # machine may not have yet (a second web node gets the first's config.py before any package)
  [ -f "$cfg" ] || return 0
  awk '/^db = \{/ { f = 1 }
       f { sub(/#.*/, ""); if ($0 ~ /"socket" *:/) s = 1
           if (match($0, /"host" *: *"[^"]*"/)) { h = substr($0, RSTART, RLENGTH); sub(/^"host" *: *"/, "", h); sub(/"$/, "", h) }
           if ($0 ~ /\}/) exit }
       END { if (!s) print h }' "$cfg"
}
ext=$dbhost
[ -n "$ext" ] || ext=$(cfg_db_host)

# one line per step when nothing changes ("5/11 database ...: ok (detail)"); what changes
# is said under the step's title
cur="" told=0
step() { cur=$*; told=0; }
say() { [ $told = 1 ] || { printf '%s\n' "$cur"; told=1; }; printf '   %s\n' "$*"; }
ok() { if [ $told = 1 ]; then printf '   ok: %s\n' "$*"; else printf '%s: ok (%s)\n' "$cur" "$*"; fi; }
quiet() { local o; o=$("$@" 2>&1) || { say "$o"; return 1; }; case "$o" in ok:*) ok "${o#ok: }" ;; *) while IFS= read -r l; do say "$l"; done <<<"$o" ;; esac; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }
has_systemd() { [ -d /run/systemd/system ]; }
sums() { cat /etc/apache2/sites-enabled/flyton.conf /etc/apache2/mods-enabled/*.load /etc/apache2/conf-enabled/*.conf 2>/dev/null | md5sum || true; }

new_cfg() {
  # server/config.py from config.example.py, with this machine's database account
  ( umask 027; sed -e "s|\"name\": \"flyton\"|\"name\": \"$db\"|" -e "s|\"user\": \"flyton\"|\"user\": \"$dbuser\"|" \
      -e "s|\"password\": \"change-me\"|\"password\": \"${pw:-change-me}\"|" -e "s|/run/mysqld/mysqld.sock|$sock|" \
      server/config.example.py > "$cfg" )
  if [ "$prod" = 1 ]; then
    sed -i --follow-symlinks -e 's|^runtime = "cgi"|runtime = "wsgi"|' -e 's|^sys_mode = "dev"|sys_mode = "prod"|' "$cfg"
  fi
  say "written: $cfg"
}
ext_db() {
  # the database on a server of its own: made there once by flyton db-init with the master account;
  # a config.py that points there already (a run again, a second node) is kept as it is
  local have=""
  have=$(cfg_db_host)
  if [ -z "$dbhost" ] || [ "$have" = "$dbhost" ]; then
    [ -z "$masterfile" ] || rm -f "$masterfile"
    [ -s "/etc/flyton/owner-$dbuser.cnf" ] ||
      die "no /etc/flyton/owner-$dbuser.cnf for the migrations: copy it from the first web node (flyton prod-init HOST --like FIRST does)"
    ok "database $db on $have (made before; flyton db-init gives its accounts new passwords)"
    return
  fi
  [ -f "$cfg" ] || new_cfg
  local mpw=${FLYTON_DB_MASTER_PASSWORD:-}
  if [ -n "$masterfile" ]; then mpw=$(cat "$masterfile"); rm -f "$masterfile"; fi
  FLYTON_DB_MASTER_PASSWORD=$mpw server/bin/flyton db-init "${dbx[@]}" --name "$db" --user "$dbuser" | sed 's/^/   /' ||
    die "flyton db-init failed (above)"
  ok "database $db on $dbhost"
}

[ "$(id -u)" = 0 ] || die "run me as root: sudo ./install.sh"
command -v apt-get >/dev/null ||
  die "Flyton installs on Ubuntu 22.04/24.04 or Debian 12 (with apt), and this machine has no apt (Amazon Linux?): on Cloud9, make the environment with the Ubuntu Server 22.04 LTS platform"
cd "$root"

# one site, one database user per machine: a second clone would silently re-point both
other=""
[ -f /etc/apache2/sites-available/flyton.conf ] &&
  other=$(sed -n 's|^ *Alias /lib/ \(.*\)/client/lib/$|\1|p' /etc/apache2/sites-available/flyton.conf | head -n 1)
if [ -n "$other" ] && [ "$other" != "$root" ] && [ -d "$other/server" ] && [ "$takeover" = 0 ]; then
  die "this machine's Flyton site is the clone in $other (its Apache site, database $db and user $dbuser): work there, or move the site to this clone with sudo ./install.sh --take-over (that clone then stops working)"
fi

step "1/11 system packages"
export DEBIAN_FRONTEND=noninteractive
# installed, not only known: a removed package keeps its config files, and dpkg still knows it
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q ' installed$'; }
need=""
for p in apache2 libapache2-mod-wsgi-py3 libapache2-mod-security2 python3-venv acl cron procps ca-certificates curl openssl; do
  installed "$p" || need="$need $p"
done
dbpkg=""
# (what apt and pip print goes to this log; on a failure its end is shown)
ilog=/var/log/flyton-install.log
printf "== %s: install.sh %s\n" "$(date -u "+%F %T")" "$*" >> "$ilog"
chmod 600 "$ilog"
logged() { "$@" >> "$ilog" 2>&1 || { tail -n 20 "$ilog" >&2; die "failed: $* (the whole output: $ilog)"; }; }
if [ -n "$ext" ]; then
  # the database is on a server of its own: only a client here (mysqldump makes the backups)
  installed mariadb-client || installed mysql-client || need="$need mariadb-client"
elif ! installed mysql-server && ! installed mariadb-server; then
  logged apt-get update -q
  dbpkg=mariadb-server
  if apt-cache policy mysql-server | grep -q 'Candidate: [0-9]'; then dbpkg=mysql-server; fi
  need="$need $dbpkg"
fi
if [ -n "$need" ]; then
  say "installing:$need (apt output: $ilog)"
  [ -n "$dbpkg" ] || logged apt-get update -q
  # no recommends: ModSecurity's would bring a rule set, and the site uses it to buffer bodies only
  logged apt-get install -y -q --no-install-recommends $need
fi
dbsrv=$(installed mysql-server && echo mysql-server || echo mariadb-server)
[ -z "$ext" ] || dbsrv="a database client (the server: $ext)"
ok "apache2, mod_wsgi, $dbsrv, python3-venv"

step "2/11 database server"
sock=""
if [ -n "$ext" ]; then
  ok "on $ext, a server of its own (none on this machine)"
else
svc=mariadb
[ -x /etc/init.d/mariadb ] || svc=mysql
if ! mysqladmin ping >/dev/null 2>&1; then
  say "starting $svc"
  if has_systemd; then logged sh -c "systemctl enable --now $svc || systemctl start $svc"; else logged service "$svc" start; fi
fi
for i in $(seq 1 30); do mysqladmin ping >/dev/null 2>&1 && break; sleep 1; done
mysqladmin ping >/dev/null 2>&1 || die "the database server did not start"
sock=$(mysql -Nse 'SELECT @@socket')
ok "$svc is up (socket $sock)"
fi

step "3/11 python environment $venv ($connector)"
[ -x "$venv/bin/python" ] || { say "making $venv"; mkdir -p /opt/flyton; /usr/bin/python3 -m venv "$venv"; }
# (read first, then compared: grep -q closing the pipe early would fail pip under pipefail)
have=$("$venv/bin/pip" show mysql-connector-python 2>/dev/null || true)
if ! grep -q "^Version: ${connector#*==}$" <<<"$have"; then
  say "installing $connector"
  logged "$venv/bin/pip" install -q --disable-pip-version-check "$connector"
fi
"$venv/bin/python" -c "import _mysql_connector" || die "mysql-connector-python has no C extension for this machine"
ok "$("$venv/bin/python" --version), mysql-connector $("$venv/bin/python" -c 'import mysql.connector as m; print(m.__version__)')"

step "4/11 bootstrap $bs_ver into client/lib (from PyPI xstatic-bootstrap, sha256 pinned)"
if ! grep -qs "Bootstrap  v${bs_ver%.*}" client/lib/bootstrap.min.css || [ ! -s client/lib/bootstrap.bundle.min.js ]; then
  say "downloading xstatic-bootstrap==$bs_ver"
  t=$(mktemp -d)
  /usr/bin/python3 -m venv "$t/v"
  logged "$t/v/bin/pip" install -q --disable-pip-version-check "setuptools==69.5.1" "wheel==0.43.0"
  logged "$t/v/bin/pip" download -q --disable-pip-version-check --no-deps --no-build-isolation -d "$t" "xstatic-bootstrap==$bs_ver"
  echo "$bs_sha  $t/xstatic_bootstrap-$bs_ver.tar.gz" | sha256sum -c --quiet - || die "bootstrap download does not match its pinned sha256"
  tar xzf "$t/xstatic_bootstrap-$bs_ver.tar.gz" -C "$t"
  d="$t/xstatic_bootstrap-$bs_ver/xstatic/pkg/bootstrap/data"
  cp "$d/css/bootstrap.min.css" "$d/css/bootstrap.rtl.min.css" "$d/js/bootstrap.bundle.min.js" client/lib/
  rm -rf "$t"
fi
ok "$(ls client/lib/bootstrap*.{css,js} 2>/dev/null | wc -l) files in client/lib"

step "5/11 database '$db' and its user '$dbuser'"
pw=""
if [ -n "$ext" ]; then
  ext_db
else
if [ -f "$cfg" ]; then
  pw=$("$venv/bin/python" -c "import runpy,sys; print(runpy.run_path(sys.argv[1])['db']['password'])" "$cfg" 2>/dev/null || true)
fi
[ -n "$pw" ] || pw=$(/usr/bin/python3 -c "import secrets; print(secrets.token_urlsafe(24))")
# the site's user may change rows only; migrations use an owner account whose password only
# root can read (pages and methods never need to create, alter or drop a table)
mkdir -p /etc/flyton
ofile=/etc/flyton/owner-$dbuser.cnf
opw=$(sed -n 's/^password=//p' "$ofile" 2>/dev/null || true)
[ -n "$opw" ] || opw=$(/usr/bin/python3 -c "import secrets; print(secrets.token_urlsafe(24))")
mysql <<SQL
CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$dbuser'@'localhost' IDENTIFIED BY '$pw';
ALTER USER '$dbuser'@'localhost' IDENTIFIED BY '$pw';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM '$dbuser'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE, LOCK TABLES, CREATE TEMPORARY TABLES ON \`$db\`.* TO '$dbuser'@'localhost';
CREATE USER IF NOT EXISTS '${dbuser}_owner'@'localhost' IDENTIFIED BY '$opw';
ALTER USER '${dbuser}_owner'@'localhost' IDENTIFIED BY '$opw';
GRANT ALL PRIVILEGES ON \`$db\`.* TO '${dbuser}_owner'@'localhost';
FLUSH PRIVILEGES;
SQL
if [ ! -s "$ofile" ]; then
  ( umask 077; printf '# written by Flyton install.sh: the owner of database %s, for migrations (root only)\n[client]\nuser=%s\npassword=%s\n' \
      "$db" "${dbuser}_owner" "$opw" > "$ofile" )
  say "the owner account ${dbuser}_owner (migrations) in $ofile; $dbuser (the site) may change rows, not tables"
fi
ok "database $db, user $dbuser"
fi

step "6/11 server/config.py (root and the web server only)"
rm -f server/__pycache__/config.*.pyc      # left by an older install.sh: readable by all
[ -f "$cfg" ] || new_cfg
if [ -n "$url" ] && ! grep -qx "site_url = \"${url%/}\"" "$cfg"; then
  sed -i --follow-symlinks "s|^site_url = .*|site_url = \"${url%/}\"|" "$cfg"
  grep -q '^site_url = ' "$cfg" || echo "site_url = \"${url%/}\"" >> "$cfg"
  say "site_url set to ${url%/} in $cfg"
fi
# hosts: the names the site answers to besides site_url's (other names get 421). A dev box
# answers to what it is opened by: Cloud9's preview and EC2's names, its own addresses
h='"localhost", "127.0.0.1"'
[ "$prod" = 0 ] && ! [ -s /etc/flyton/tls ] &&
  h="$h, \"*.amazonaws.com\"$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9.]+$' | grep -v '^127\.' | sed 's/.*/, "&"/' | tr -d '\n')"
if ! grep -q '^hosts = ' "$cfg"; then
  echo "hosts = [$h]   # the names the site answers to besides site_url's (docs/deploy.md, Settings)" >> "$cfg"
  say "hosts: [$h]"
elif [ "$h" != '"localhost", "127.0.0.1"' ] && grep -q '^hosts = \["localhost", "127.0.0.1"\]' "$cfg"; then
  sed -i --follow-symlinks "s|^hosts = \\[\"localhost\", \"127.0.0.1\"\\]|hosts = [$h]|" "$cfg"
  say "hosts: [$h]"
fi
if [ "$prod" = 1 ] && ! grep -q '^runtime = "wsgi"' "$cfg"; then
  grep -q '^runtime = ' "$cfg" && sed -i --follow-symlinks 's|^runtime = .*|runtime = "wsgi"|' "$cfg" || echo 'runtime = "wsgi"' >> "$cfg"
  say "runtime set to wsgi in $cfg"
fi
pypath=$(server/bin/flyton pypath)     # the import path (server/pypath)
runtime=$(PYTHONPATH="$pypath" "$venv/bin/python" -c "import config; print(getattr(config, 'runtime', 'cgi'))")
case "$runtime" in cgi|wsgi) ;; *) die "server/config.py: runtime is \"cgi\" or \"wsgi\", not \"$runtime\"" ;; esac
chown root:www-data "$cfg"
chmod 640 "$cfg"
ok "$(stat -c '%A %U:%G' "$cfg") server/config.py"

step "7/11 tables: the pending migrations of sql/migrations"
quiet server/bin/flyton migrate || die "the migrations failed (above)"

step "8/11 the first admin user"
said=$(mktemp)
quiet env FLYTON_SAY_FILE="$said" server/bin/flyton mkadmin ||
  { rm -f "$said"; die "no first admin user (above)"; }
newpw=$(cat "$said")
rm -f "$said"

step "9/11 web server access to the clone ($root)"
# www-data may pass through the folders above the clone (a closed home folder
# included) and read client/ and server/, also files added later (default ACLs)
d="$root"
while [ "$d" != "/" ]; do
  if ! runuser -u www-data -- test -x "$d"; then
    setfacl -m u:www-data:x "$d" 2>/dev/null || chmod o+x "$d"
    say "www-data may pass through $d"
  fi
  d=$(dirname "$d")
done
if setfacl -R -m u:www-data:rX client server 2>/dev/null && setfacl -R -d -m u:www-data:rX client server 2>/dev/null; then
  ok "ACL read access for www-data on client/ and server/"
else
  chmod -R o+rX client server
  ok "read access for others on client/ and server/ (no ACL support here)"
fi
setfacl -b "$cfg" 2>/dev/null || true
chmod 640 "$cfg"
chmod 755 server/cgi-bin/p server/cgi-bin/api server/bin/flyton
# compiled code: the web server's in /var/cache/flyton/pycache (its own to write), root's apart in
# /var/cache/flyton-root (server/bin/flyton): a file the web server's user plants never runs as root
# (and the persistent runtime's process ids in /var/cache/flyton/run, for flyton reload)
mkdir -p /var/www/flyton-empty /var/cache/flyton/pycache /var/cache/flyton/run
chown root:www-data /var/cache/flyton
chmod 750 /var/cache/flyton     # config.py's compiled code lives under it: the web server's and root's only
chown -R www-data:www-data /var/cache/flyton/pycache /var/cache/flyton/run
chmod 700 /var/cache/flyton/pycache
rm -rf /var/cache/flyton-root     # root's, made anew by server/bin/flyton: whatever an older install left in it goes
# the error log of pages and API methods (both runtimes write it), rotated weekly
install -d -o www-data -g adm -m 2750 /var/log/flyton
# made here for the web server: a root command logging first would leave it unwritable
[ "$(stat -c %U /var/log/flyton/error.log 2>/dev/null)" = www-data ] ||
  { touch /var/log/flyton/error.log; chown www-data:adm /var/log/flyton/error.log; chmod 640 /var/log/flyton/error.log; }
cat > /etc/logrotate.d/flyton <<ROT
/var/log/flyton/*.log {
    weekly
    rotate 8
    compress
    missingok
    notifempty
    create 0640 www-data adm
}
ROT
runuser -u www-data -- test -r server/cgi-bin/p4web.py || die "www-data still cannot read $root/server"
runuser -u www-data -- test -r "$cfg" || die "www-data cannot read server/config.py"

step "10/11 background jobs: the worker (flyton worker), kept running by cron"
# the worker runs the jobs and the schedule (server/schedule: the archive engine every night);
# cron starts it again within a minute if it ever stops, and after a reboot
cat > /etc/cron.d/flyton <<CRON
# Flyton: keep the worker of background jobs running (server/bin/flyton worker)
SHELL=/bin/sh
* * * * * root $root/server/bin/flyton worker --start --quiet >> /var/log/flyton/worker-cron.log 2>&1
CRON
chmod 644 /etc/cron.d/flyton
if has_systemd; then systemctl enable --now cron >/dev/null 2>&1 || true
elif ! pgrep -x cron >/dev/null; then service cron start >> "$ilog" 2>&1 || true; fi
server/bin/flyton archive --dry-run >/dev/null 2>&1 ||
  die "the archive job fails its dry run: sudo server/bin/flyton archive --dry-run"
# (again: started anew, with the code as it is now)
server/bin/flyton worker --restart > /dev/null 2>&1 || die "the worker does not start: $(tail -n 5 /var/log/flyton/worker-$db.log 2>/dev/null)"
ok "the worker runs (sudo server/bin/flyton jobs); the archive every night at 03:17 (server/schedule)"

step "11/11 Apache site (runtime $runtime)"
mpm=$(a2query -M 2>/dev/null || echo event)
cgimod=cgid
[ "$mpm" = prefork ] && cgimod=cgi
before=$(sums)
a2enmod -q "$cgimod" headers alias rewrite wsgi remoteip reqtimeout security2 >/dev/null
a2disconf -q serve-cgi-bin >/dev/null 2>&1 || true
# mod_status lists the URLs being served, and a Flyton URL carries the session token: off.
# The server tells no version, and error pages no signature.
a2dismod -q -f status >/dev/null 2>&1 || true
# (named to load after Debian's security.conf, which says the opposite)
cat > /etc/apache2/conf-available/zz-flyton-security.conf <<CONF
# written by Flyton's install.sh
ServerTokens Prod
ServerSignature Off
TraceEnable Off
CONF
a2enconf -q zz-flyton-security >/dev/null
# slow clients: a connection still sending its headers holds a worker, a slow body a
# Python thread, until mod_reqtimeout cuts it: the TLS handshake within 5 s, the headers
# within 10 s (up to 20 while they keep coming at 500 B/s), the body at 2 KB/s or more
# once its first 10 s are over (408). And room for 400 such connections at once, with 100
# workers kept idle: a burst of connections does not wait for new processes.
cat > /etc/apache2/conf-available/zz-flyton-limits.conf <<CONF
# written by Flyton's install.sh
RequestReadTimeout handshake=5 header=10-20,MinRate=500 body=10,MinRate=2000
<IfModule mpm_event_module>
    ServerLimit 16
    StartServers 4
    ThreadsPerChild 25
    MaxRequestWorkers 400
    MinSpareThreads 100
    MaxSpareThreads 300
</IfModule>
CONF
a2enconf -q zz-flyton-limits >/dev/null
a2dissite -q 000-default >/dev/null 2>&1 || true
base=http://localhost
# a box installed with --prod once stays one: /etc/flyton/tls says how it serves https
if [ "$prod" = 1 ] || [ -s /etc/flyton/tls ]; then
  # a prod box serves https: the certificate given now, the one recorded before, or a self-signed one
  quiet server/bin/flyton tls "${tls[@]}" || die "no certificate for https (above)"
  if grep -qx off /etc/flyton/tls; then
    server/bin/flyton vhost flyton "*:80" "$runtime" > /etc/apache2/sites-available/flyton.conf
  else
    a2enmod -q ssl rewrite >/dev/null
    server/bin/flyton vhost --tls "$(sed -n 's/^cert //p' /etc/flyton/tls)" "$(sed -n 's/^key //p' /etc/flyton/tls)" \
      --redirect "*:80" flyton "*:443" "$runtime" > /etc/apache2/sites-available/flyton.conf
    base=https://localhost
  fi
else
  [ ${#tls[@]} = 0 ] || die "--cert, --key and --no-tls are for a prod box (--prod): a dev box serves http"
  server/bin/flyton vhost flyton "*:80 *:8080" "$runtime" > /etc/apache2/sites-available/flyton.conf
fi
a2ensite -q flyton >/dev/null
# the versioned copies of client/lib that pages name (/v/, kept a year by browsers), once the site serves them
ao=$(server/bin/flyton assets 2>&1) || { say "$ao"; die "flyton assets failed (above)"; }
grep -qs '^ServerName' /etc/apache2/conf-available/servername.conf || echo "ServerName localhost" > /etc/apache2/conf-available/servername.conf
a2enconf -q servername >/dev/null
apache2ctl configtest 2>&1 | grep -v '^Syntax OK$' || true
after=$(sums)
if ! pgrep -x apache2 >/dev/null; then
  if has_systemd; then systemctl enable apache2 >/dev/null 2>&1 || true; logged systemctl start apache2
  else service apache2 start >> "$ilog" 2>&1 || logged apache2ctl start; fi
  say "started apache2"
elif [ "$before" != "$after" ]; then
  # a full restart, not graceful: a newly enabled cgid needs its daemon started
  if has_systemd; then logged systemctl restart apache2
  else service apache2 restart >> "$ilog" 2>&1 || { apache2ctl stop >> "$ilog" 2>&1 || true; sleep 1; logged apache2ctl start; }; fi
  say "restarted apache2 (its site or modules changed)"
else
  ok "apache2 runs, nothing changed"
fi
# -k: this is our own site on this machine, whatever certificate it has
for i in $(seq 1 20); do curl -kfsS -o /dev/null $base/pages/login/ && break; sleep 0.5; done

ping=$(curl -ksS -X POST -H 'Content-Type: application/json' -d '{}' "$base/cgi-bin/api?meth=api_ping" || true)
echo "$ping" | grep -q '"allow": 1' || die "the site does not answer as it should: $ping"
mode=$(PYTHONPATH="$pypath" "$venv/bin/python" -c "import config; print(getattr(config, 'sys_mode', 'prod'))")
printf '\nFlyton is running (%s runtime, sys_mode %s).\n' "$runtime" "$mode"
if [[ "$root" == /srv/flyton/* ]]; then
  # a prod node that flyton prod-init made: its life goes on from the dev box, not here
  printf '  open:   %s/  (its name: site_url in /srv/flyton/shared/config.py, the file this node reads)\n' \
    "$("$venv/bin/python" -c "import runpy,sys; print(runpy.run_path(sys.argv[1]).get('site_url', '').rstrip('/'))" "$cfg" 2>/dev/null)"
  if [ -n "$newpw" ]; then
    printf '  login:  admin   password: %s   (shown this once: write it down)\n' "$newpw"
  fi
  printf '  here:   sudo /srv/flyton/current/server/bin/flyton status   (drain on|off, logs, health)\n'
  printf '  from the dev box:  sudo server/bin/flyton promote HOST   (releases, logs, rollback, restore)\n'
  exit 0
fi
if [ "$prod" = 0 ] && [ ! -s /etc/flyton/tls ]; then
  printf '  open:   http://localhost/   and  http://localhost:8080/  (Cloud9: Preview > Preview Running Application)\n'
else
  printf '  open:   %s/  (docs/deploy.md: HTTPS)\n' "$base"
fi
if [ -n "$newpw" ]; then
  printf '  login:  admin   password: %s   (shown this once: write it down)\n' "$newpw"
else
  printf '  login:  admin   (password: FLYTON_ADMIN_PASSWORD, or the one shown by the first install)\n'
fi
printf '  a new admin password:  sudo server/bin/flyton passwd admin\n'
printf '  errors (tracebacks):   sudo server/bin/flyton logs [REF]\n'
printf '  the tests:             sudo tests/run   (the project'"'"'s gate; --all: the framework'"'"'s proof too)\n'

# vhost.sh: print the Apache site of a Flyton instance (install.sh and tests/run use it)
# (server/bin/flyton sources this file; cmd_vhost runs the command)
cmd_vhost() {
  # vhost [--tls CERT KEY [--redirect ADDRS]] NAME ADDRS RUNTIME [PROCS THREADS]: the site, for stdout
  local cert="" key="" redir="" https=""
  if [ "${1:-}" = --tls ]; then cert=${2:-}; key=${3:-}; shift 3 || die "--tls needs a certificate and a key"; fi
  if [ "${1:-}" = --redirect ]; then redir=${2:-}; shift 2 || die "--redirect needs addresses"; fi
  if [ "${1:-}" = --help ] || [ $# -lt 3 ]; then
    say "usage: flyton vhost [--tls CERT KEY [--redirect 'ADDR:PORT ...']] NAME 'ADDR:PORT ...' cgi|wsgi [PROCESSES THREADS]"
    say "  prints an Apache site: Listen lines for its ports but 80 and 443, and the block of its runtime;"
    say "  --tls: served over https with HSTS; --redirect: plain http there answers with a redirect to it"
    [ "${1:-}" = --help ] && return 0
    die "vhost needs a name, addresses and a runtime"
  fi
  local name=$1 addrs=$2 rt=$3 procs=${4:-} threads=${5:-} drop a proxies names host aliases other assets libcache
  [[ "$name" =~ ^[a-z][a-z0-9_]{0,30}$ ]] || die "bad site name: $name"
  case "$rt" in cgi) drop=wsgi ;; wsgi) drop=cgi ;; *) die "runtime is cgi or wsgi, not '$rt'" ;; esac
  [ -n "$procs" ] || procs=$(( $(nproc) < 2 ? 2 : $(nproc) ))
  [ -n "$threads" ] || threads=4
  if [ -n "$cert" ]; then
    for a in "$cert" "$key"; do [[ "$a" =~ ^/[A-Za-z0-9._/@+-]+$ ]] || die "a certificate or key path of letters, digits and ._/@+- please: $a"; done
    a=${addrs##*:}
    [ "$a" = 443 ] || https=":$a"
  fi
  proxies=$(py - <<'PY'
import config, ipaddress
# the proxies in front, each an address or a network; a wrong one stops here, not in Apache
for p in getattr(config, "trusted_proxies", []):
    print(ipaddress.ip_network(str(p), strict=False))
PY
) 2>/dev/null || die "config.py: trusted_proxies must list addresses or networks, as \"10.0.0.0/8\" or \"203.0.113.7\""
  proxies=$(echo $proxies)
  names=$(py - <<'PY'
import re, config
from urllib.parse import urlsplit
# the site's names: site_url's host, then hosts (wildcards * and ? as Apache takes them)
ok = re.compile(r"^[A-Za-z0-9*?]([A-Za-z0-9.*?-]{0,252})$")
host = urlsplit(str(getattr(config, "site_url", "http://localhost"))).hostname or ""
hosts = [str(h).lower() for h in getattr(config, "hosts", ["localhost", "127.0.0.1"])]
bad = [h for h in [host] + hosts if not ok.match(h)]
if bad or "*" in host or "?" in host:
    raise SystemExit("bad " + " ".join(bad or [host]))
print(host)
print(" ".join(dict.fromkeys(h for h in hosts + [host])))
PY
) || die "config.py: site_url needs a host name, and hosts lists host names (letters, digits, . - and the wildcards * ?)"
  host=$(sed -n 1p <<<"$names"); aliases=$(sed -n 2p <<<"$names")
  # the versioned files' store (flyton assets): one per site's database, so a test instance has its own
  assets=$(py -c "import config; print(config.db['name'])" 2>/dev/null) || die "config.py: no db name"
  [[ "$assets" =~ ^[A-Za-z0-9_]{1,64}$ ]] || die "config.py: a database name of letters, digits and _ please"
  assets=/var/lib/flyton/assets/$assets
  libcache="public, max-age=300"
  [ "$rt" = cgi ] && libcache="no-cache"     # a dev box: the files change as you work
  other="This server does not serve that host name (421)."
  [ "$(cfg sys_mode prod)" = dev ] && other="This site answers to the host of site_url and to hosts in server/config.py, not to this name: add it to hosts there and run sudo ./install.sh (421)."
  say "# written by server/bin/flyton vhost: site $name, runtime $rt${cert:+, tls}"
  for a in $addrs $redir; do
    case "$a" in *:80|*:443) ;; \**) say "Listen ${a#\*:}" ;; *) say "Listen $a" ;; esac
  done
  sed -e "/#$drop{/,/#}/d" $( [ -n "$cert" ] || echo "-e /#tls{/,/#}/d" ) $( [ -n "$redir" ] || echo "-e /#redirect{/,/#}/d" ) \
      $( [ -n "$proxies" ] || echo "-e /#proxy{/,/#}/d" ) -e "s|@PROXIES@|$proxies|g" \
      -e "s|@BODYMAX@|$(( $(cfg max_body 10485760) + 65536 ))|g" -e "s|@HOST@|$host|g" -e "s|@ALIASES@|$aliases|g" -e "s|@OTHER@|$other|g" \
      -e '/#cgi{/d' -e '/#wsgi{/d' -e '/#tls{/d' -e '/#redirect{/d' -e '/#proxy{/d' -e '/#}/d' \
      -e "s|@ROOT@|$root|g" -e "s|@VENV@|$venv|g" -e "s|@NAME@|$name|g" -e "s|@ADDRS@|$addrs|g" \
      -e "s|@PYPATH@|$pypath|g" -e "s|@PROCS@|$procs|g" -e "s|@THREADS@|$threads|g" \
      -e "s|@CERT@|$cert|g" -e "s|@KEY@|$key|g" -e "s|@REDIRECT@|$redir|g" -e "s|@HTTPSPORT@|$https|g" \
      -e "s|@ASSETS@|$assets|g" -e "s|@LIBCACHE@|$libcache|g" \
      "$root/apache2-flyton.conf"
}

# release.sh: what the prod-side commands (here-init, here-deploy, here-rollback, here-restore,
# here-releases) share: the release folders, current, the shared files, backups. Sourced by server/bin/flyton.

log_release() {
  # releases.log: id, event, when, by (one line each, newest last)
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$(date -u '+%Y-%m-%d %H:%M:%S')" "${FLYTON_BY:-$(who)}" >> $home/releases.log
}

link_shared() {
  # what belongs to the machine, not to a release: config.py and uploaded files
  local r=$home/releases/$1
  mkdir -p $home/shared/files
  rm -f "$r/server/config.py"
  ln -s $home/shared/config.py "$r/server/config.py"
  rm -rf "$r/client/pages/files"
  ln -s $home/shared/files "$r/client/pages/files"
}

switch_to() {
  # current -> releases/ID, in one rename (a request sees the old or the new, never none)
  ln -sfn "releases/$1" $home/current.new
  mv -Tf $home/current.new $home/current
}

here_reload_check() {
  # reload the daemons, then the health check; 0 when healthy
  "$home/current/server/bin/flyton" reload flyton &&
    "$home/current/server/bin/flyton" health --all
}

hold_writes() {
  # on: a file "hold" beside config.py (the machine's shared/); the site's API answers every call
  # but the ping with 503 and retry while it is there (dispatch.py); off: gone
  local f
  f=$(dirname "$(readlink -f "$cfgdir/config.py")")/hold
  case "$1" in
    on) touch "$f"; say "-- writes held: API calls get 503 and retry until the end ($f)" ;;
    off) rm -f "$f"; say "-- writes taken again" ;;
  esac
}

drain_in() {
  # with FLYTON_DRAIN_S (promote or rollback of a group): the balancer's ping refused (flyton drain),
  # then that long for the balancer to take the machine out. A machine drained by hand stays so.
  hand=0
  [ "${FLYTON_DRAIN_S:-0}" != 0 ] || return 0
  [ -e $home/shared/drain ] && { hand=1; return 0; }
  touch $home/shared/drain
  say "-- out of the balancer's service (drain); ${FLYTON_DRAIN_S} s for the balancer to see it"
  sleep "$FLYTON_DRAIN_S"
}

drain_out() {
  [ "${FLYTON_DRAIN_S:-0}" != 0 ] && [ "${hand:-0}" = 0 ] || return 0
  rm -f $home/shared/drain
  say "-- back in service; ${FLYTON_DRAIN_S} s for the balancer to see it"
  sleep "$FLYTON_DRAIN_S"
}

prune() {
  # the newest $keep releases stay, and current always; the newest $keep backups
  local cur d
  cur=$(basename "$(readlink $home/current)")
  for d in $(ls -1 $home/releases | sort -r | tail -n +$((keep + 1))); do
    [ "$d" = "$cur" ] && continue
    rm -rf "${home:?}/releases/$d"
    say "removed the old release $d"
  done
  # (a node of a group has no backup: they are made on the first; no match is not a failure)
  for d in $(find $home/backups -maxdepth 1 -name '*.sql.gz' -printf '%T@ %f\n' 2>/dev/null | sort -rn | tail -n +$((keep + 1)) | cut -d' ' -f2); do
    rm -f "$home/backups/$d"
  done
}

fail_release() {
  # a release that did not make it: logged, its folder removed (it never serves, and
  # rollback goes back to releases that did), then the reason
  log_release "$1" "$2"
  rm -rf "${home:?}/releases/$1"
  die "$3"
}

db_client() {
  # dbc: the mysql/mysqldump options that reach this machine's database: none (root, on the local
  # socket), or for a database on a server of its own (config.py db host) its owner account over
  # TLS, the server checked: a root-only file of /etc/flyton made from config.py and the owner's file
  local f
  dbc=()
  f=$(PYTHONPATH=$home/shared "$venv/bin/python" - <<'PY'
import os
import config
d = config.db
if d.get("socket") or not d.get("host"):
    raise SystemExit(0)
own = {}
try:
    for ln in open(f"/etc/flyton/owner-{d['user']}.cnf"):
        k, eq, v = ln.strip().partition("=")
        if eq:
            own[k] = v
except OSError:
    pass
p = f"/etc/flyton/client-{d['name']}.cnf"
lines = ["[client]", f"host={d['host']}", f"port={d.get('port', 3306)}",
         f"user={own.get('user', d['user'])}", f"password={own.get('password', d.get('password', ''))}"]
if d.get("ssl_ca"):
    lines += [f"ssl-ca={d['ssl_ca']}", "ssl-verify-server-cert"]
fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, ("\n".join(lines) + "\n").encode())
os.close(fd)
print(p)
PY
) || die "cannot read the database settings in $home/shared/config.py"
  [ -z "$f" ] || dbc=("--defaults-extra-file=$f")
}

check_migrations() {
  # the backup loaded into a scratch database, the new release's migrations run on it
  local r=$1 db=$2 id=$3 s c rc=0 u
  s="${db}_promote_check"
  c=$(mktemp -d)
  u=$(PYTHONPATH=$home/shared "$venv/bin/python" -c "import config; print(config.db['user'])")
  ( umask 077; sed -e "s|\"name\": \"$db\"|\"name\": \"$s\"|" $home/shared/config.py > "$c/config.py" )   # a password
  grep -q "\"name\": \"$s\"" "$c/config.py" || { rm -rf "$c"; say "cannot point a config at the copy"; return 1; }
  if [ ${#dbc[@]} = 0 ]; then
    mysql -e "DROP DATABASE IF EXISTS \`$s\`; CREATE DATABASE \`$s\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; GRANT ALL PRIVILEGES ON \`$s\`.* TO '$u'@'localhost'"
    # the migrations run as the owner account when there is one
    mysql -Nse "SELECT 1 FROM mysql.user WHERE user = '${u}_owner'" | grep -q 1 &&
      mysql -e "GRANT ALL PRIVILEGES ON \`$s\`.* TO '${u}_owner'@'localhost'"
  else
    # a server of its own: the owner may make this one scratch database (flyton db-init granted it)
    mysql "${dbc[@]}" -e "DROP DATABASE IF EXISTS \`$s\`; CREATE DATABASE \`$s\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" || rc=1
  fi
  [ $rc = 0 ] && { gunzip -c "$home/backups/$id.sql.gz" | mysql "${dbc[@]}" "$s" || rc=1; }
  [ $rc = 0 ] && { FLYTON_CONFIG_DIR=$c "$r/server/bin/flyton" migrate | sed 's/^/   copy: /' || rc=1; }
  # a failed migrate prints its reason on stderr: it shows as it is
  mysql "${dbc[@]}" -e "DROP DATABASE IF EXISTS \`$s\`"
  # the accounts keep no right on the copy's name (the site's account changes rows, no more)
  if [ ${#dbc[@]} = 0 ]; then
    mysql -e "REVOKE ALL PRIVILEGES ON \`$s\`.* FROM '$u'@'localhost'" 2>/dev/null || true
    mysql -e "REVOKE ALL PRIVILEGES ON \`$s\`.* FROM '${u}_owner'@'localhost'" 2>/dev/null || true
  fi
  rm -rf "$c"
  return $rc
}

is_bad() {
  # 0 when the last word releases.log has for release $1 is a failure or a rollback away from it
  local e
  e=$(grep -P "^$1\t" $home/releases.log 2>/dev/null | tail -n 1 | cut -f2)
  case "$e" in failed*|"rolled back from"*) return 0 ;; esac
  return 1
}

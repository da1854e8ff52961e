# prod-init.sh: install Flyton on a new prod machine (mod_wsgi, prod mode, its database, or one of its own)
# (server/bin/flyton sources this file; cmd_prod_init runs the command)
cmd_prod_init() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton prod-init HOST [--url https://www.example.com]"
    say "         [--db-host DBHOST --db-master USER [--db-port P] [--db-ca FILE] [--db-from PATTERN]] [--like WEB1]"
    say "  installs Flyton on a new prod machine over ssh: the committed code as its first release in"
    say "  $home, then install.sh --prod there (mod_wsgi, sys_mode prod, its own database and"
    say "  passwords, only the admin user: its password is printed once)"
    say "  --url: the address people open the site at (site_url): the site answers to its host name"
    say "  --db-host ...: the database on a server of its own (RDS, a database machine): none is installed"
    say "    on HOST; flyton db-init makes it with the master account (its password: FLYTON_DB_MASTER_PASSWORD,"
    say "    or asked here); --db-ca: this machine's copy of the CA file of the server's certificate"
    say "  --like WEB1: one more web node beside WEB1: its config.py and database accounts, the same database"
    return 0
  fi
  need_host "${1:-}"
  local h=$1 id url="" opts=() ca="" master="" like="" pw="" dbopt=0 more=""
  shift
  while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || die "$1 needs a value (flyton prod-init --help)"
    [[ "$2" =~ ^[A-Za-z0-9_.%:/@+-]+$ ]] || die "$1: not a value it takes: $2"
    case "$1" in
      --url) url=$2
        [[ "$url" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$ ]] || die "--url takes http(s)://NAME[:PORT], not $url"
        opts+=(--url "$url") ;;
      --db-host|--db-port|--db-from) dbopt=1; opts+=("$1" "$2") ;;
      --db-master) dbopt=1; master=$2; opts+=("$1" "$2") ;;
      --db-ca) dbopt=1; ca=$2; [ -f "$ca" ] || die "no CA file $ca"; opts+=(--db-ca /etc/flyton/db-ca.pem) ;;
      --like) like=$2; need_host "$like" ;;
      *) die "prod-init: unknown option $1 (flyton prod-init --help)" ;;
    esac
    shift 2
  done
  [ -z "$like" ] || [ $dbopt = 0 ] || die "--like takes the database of WEB1: no --db- options with it"
  if [ -n "$master" ]; then
    pw=${FLYTON_DB_MASTER_PASSWORD:-}
    [ -n "$pw" ] || { read -rsp "password of $master on the database server: " pw; echo; }
    [ -n "$pw" ] || die "no password for $master"
  fi
  clean_tree
  id=$(release_id)
  say "==> 1/3 is $h new?"
  reach "$h"
  on "$h" "test ! -e $home/current" || die "$h has a Flyton already ($home/current): use flyton promote $h"
  if [ -n "$like" ]; then
    # the same database as WEB1: its config.py and the owner's account file (passwords: through this pipe only)
    reach "$like"
    on "$like" "cd / && tar -cf - ${home#/}/shared/config.py \$(ls etc/flyton/owner-*.cnf etc/flyton/db-ca.pem 2>/dev/null)" |
      on "$h" "tar -C / -xpf -" || die "could not copy the settings of $like to $h"
    say "   $h takes the settings and the database of $like"
  fi
  [ -z "$ca" ] || on "$h" "mkdir -p /etc/flyton && cat > /etc/flyton/db-ca.pem" < "$ca" || die "could not copy $ca to $h"
  if [ -n "$master" ]; then
    # the master's password travels in a root-only file that install.sh removes once read
    printf '%s' "$pw" | on "$h" "umask 077; mkdir -p /etc/flyton; cat > /etc/flyton/db-master.pw" || die "could not reach $h"
    opts+=(--db-master-file /etc/flyton/db-master.pw)
  fi
  say "==> 2/3 release $id to $h:$home/releases/$id"
  ship "$h" "$id"
  say "==> 3/3 install it on $h (install.sh --prod)"
  [ ${#opts[@]} = 0 ] || more=$(printf ' %q' "${opts[@]}")
  on "$h" "FLYTON_BY=$(who) $home/releases/$id/server/bin/flyton here-init $id$more" ||
    { on "$h" "rm -f /etc/flyton/db-master.pw" || true; die "install on $h failed (see above)"; }
  say "ok: $h runs release $id; from now on: sudo server/bin/flyton promote $h"
  [ -z "$like" ] || say "   beside $like: add $h to their group in server/groups (prod: $like $h) and to the balancer (docs/deploy.md, Scaling out)"
}

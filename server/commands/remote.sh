# remote.sh: what the dev-side commands (prod-init, promote, rollback, releases, logs, restore)
# share to reach a prod machine over ssh and ship a release to it. Sourced by server/bin/flyton.

need_host() {
  [ -n "${1:-}" ] || die "which prod machine? (a name ssh knows: flyton $c HOST)"
  [[ "$1" =~ ^([a-z_][a-z0-9_.-]{0,31}@)?[A-Za-z0-9_][A-Za-z0-9_.:-]*$ ]] || die "bad host name: $1 (HOST or USER@HOST)"
}

# under sudo, ssh runs as the developer who typed it: their ~/.ssh/config, keys and known hosts
ssh_as=()
if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ] && getent passwd "$SUDO_USER" >/dev/null; then
  ssh_as=(runuser -u "$SUDO_USER" -- env HOME="$(getent passwd "$SUDO_USER" | cut -d: -f6)")
fi
declare -A rsudo     # rsudo[HOST]=1 when the login on HOST is not root: commands there run under sudo -n

on_plain() {
  local h=$1
  shift
  "${ssh_as[@]}" $ssh_cmd "$h" "$*"
}

on() {
  # on HOST: run a command as root (through sudo when the login is not root)
  local h=$1
  shift
  if [ "${rsudo[$h]:-0}" = 1 ]; then
    "${ssh_as[@]}" $ssh_cmd "$h" "sudo -n sh -c $(printf '%q' "$*")"
  else
    "${ssh_as[@]}" $ssh_cmd "$h" "$*"
  fi
}

reach() {
  # HOST answers over ssh, and its login is root or may sudo without a password (an EC2 ubuntu login)
  local u as=""
  [ ${#ssh_as[@]} = 0 ] || as=" as $SUDO_USER"
  u=$(on_plain "$1" 'id -u' < /dev/null) || die "cannot reach $1 over ssh$as (try: ssh $1)"
  [ "$u" = 0 ] && return 0
  on_plain "$1" 'sudo -n true' < /dev/null ||
    die "on $1 the login (user id $u) is not root and cannot sudo without a password: use a login that can (an EC2 ubuntu login can)"
  rsudo[$1]=1
}

group() {
  # hs: the machines named by $1: the hosts of its line "NAME: HOST HOST" in server/groups, or else
  # $1 itself (a name ssh knows); drain_s: the group's NAME.drain (default 5)
  local f=$root/server/groups l h
  need_host "$1"
  hs=("$1")
  drain_s=5
  [ -f "$f" ] || return 0
  l=$(awk -v g="$1:" 'substr($0, 1, length(g)) == g { print "=" substr($0, length(g) + 1); exit }' "$f")
  [ -n "$l" ] || return 0
  read -ra hs <<< "${l#=}"
  [ ${#hs[@]} -gt 0 ] || die "the group $1 in server/groups names no machine"
  for h in "${hs[@]}"; do need_host "$h"; done
  l=$(awk -v g="$1.drain:" 'substr($0, 1, length(g)) == g { print substr($0, length(g) + 1); exit }' "$f" | tr -d ' ')
  [ -z "$l" ] || drain_s=$l
  [[ "$drain_s" =~ ^[0-9]{1,3}$ ]] || die "server/groups: $1.drain is a number of seconds"
}

ship() {
  # the committed code (git archive of HEAD) and the installed bootstrap, into HOST:$home/releases/ID
  local h=$1 id=$2 t
  t=$(mktemp -d)
  chmod 755 "$t"   # the release folder: readable by the web server, like every file in it
  git -C "$root" -c tar.umask=022 archive --format=tar HEAD | tar -x -C "$t"
  cp "$root"/client/lib/bootstrap.min.css "$root"/client/lib/bootstrap.rtl.min.css "$root"/client/lib/bootstrap.bundle.min.js "$t/client/lib/" 2>/dev/null ||
    { rm -rf "$t"; die "no bootstrap in client/lib: run sudo ./install.sh here first"; }
  # tar -m: files get the time of arrival, so no cached .pyc of an older release looks fresh
  tar -C "$t" -czf - . | on "$h" "set -e; mkdir -p $home/releases/$id; tar -xzmf - -C $home/releases/$id" ||
    { rm -rf "$t"; die "could not copy the release to $h"; }
  rm -rf "$t"
  # its versioned files into the machine's store now, on every machine before any switches: a page of
  # the new release, from any node, names files every node has (prod-init ships before config.py exists)
  on "$h" "r=$home/releases/$id; [ -f $home/shared/config.py ] || exit 0; ln -sfn $home/shared/config.py \$r/server/config.py; \$r/server/bin/flyton assets" ||
    die "the release's versioned files could not be made on $h (flyton assets, above)"
}

in_groups() {
  # 0 when $1 is a group of server/groups
  [ -f "$root/server/groups" ] && awk -v g="$1:" 'substr($0, 1, length(g)) == g { f = 1 } END { exit !f }' "$root/server/groups"
}

on_each() {
  # a prod-side flyton command on every machine of $1 (a group of server/groups, or one HOST), each under
  # its name; non-zero when one failed
  local h rc=0
  group "$1"
  shift
  for h in "${hs[@]}"; do
    say "== $h"
    ( reach "$h" && on "$h" "$home/current/server/bin/flyton $*" ) || rc=1
  done
  return $rc
}

release_id() {
  printf '%s-%s' "$(date -u +%Y%m%d-%H%M%S)" "$(git -C "$root" rev-parse --short=10 HEAD)"
}

who() { printf '%s@%s' "${SUDO_USER:-${USER:-root}}" "$(hostname)"; }

clean_tree() {
  git -C "$root" rev-parse HEAD >/dev/null 2>&1 || die "$root is not a git clone with a commit"
  [ -z "$(git -C "$root" status --porcelain)" ] || die "the working tree has changes that are not committed (git status): commit them first"
}

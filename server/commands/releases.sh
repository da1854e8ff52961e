# releases.sh: the releases on HOST|GROUP: which is current, which commit, when, by whom
# (server/bin/flyton sources this file; cmd_releases runs the command)
cmd_releases() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton releases HOST|GROUP"
    say "  the releases on HOST (or each machine of GROUP, server/groups), newest first: which is current,"
    say "  its commit, when and by whom it was promoted"
    return 0
  fi
  need_host "${1:-}"
  [ $# = 1 ] || die "usage: flyton releases HOST|GROUP"
  on_each "$1" here-releases
}

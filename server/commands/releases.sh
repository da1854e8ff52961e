# releases.sh: flyton releases (server/bin/flyton sources it; cmd_releases runs the command).
cmd_releases() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton releases HOST"
    say "  the releases on HOST, newest first: which is current, its commit, when and by whom it was promoted"
    return 0
  fi
  need_host "${1:-}"
  [ $# = 1 ] || die "usage: flyton releases HOST"
  reach "$1"
  on "$1" "$home/current/server/bin/flyton here-releases"
}

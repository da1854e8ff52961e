# rollback.sh: flyton rollback (server/bin/flyton sources it; cmd_rollback runs the command).
cmd_rollback() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton rollback HOST [RELEASE]"
    say "  HOST runs an older release again (switch, graceful reload, every page and API method checked):"
    say "  RELEASE (see flyton releases HOST), or else the newest release older than the current one that"
    say "  neither failed nor was rolled back from. The release left is marked rolled back from, so a"
    say "  later rollback never goes back to it (naming it still can)."
    say "  The database is not changed: migrations stay; backups/ on HOST has the copies before each promote."
    return 0
  fi
  need_host "${1:-}"
  [ $# -le 2 ] || die "usage: flyton rollback HOST [RELEASE]"
  [ -z "${2:-}" ] || [[ "$2" =~ ^[0-9]{8}-[0-9]{6}-[0-9a-f]{4,40}$ ]] || die "no such release name: $2 (see flyton releases $1)"
  reach "$1"
  on "$1" "FLYTON_BY=$(who) $home/current/server/bin/flyton here-rollback ${2:-}" || die "rollback on $1 failed (see above)"
}

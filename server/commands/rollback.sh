# rollback.sh: HOST|GROUP runs the release before the current one, or RELEASE
# (server/bin/flyton sources this file; cmd_rollback runs the command)
cmd_rollback() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton rollback HOST|GROUP [RELEASE]"
    say "  HOST runs an older release again (switch, graceful reload, every page and API method checked):"
    say "  RELEASE (see flyton releases HOST), or else the newest release older than the current one that"
    say "  neither failed nor was rolled back from. The release left is marked rolled back from, so a"
    say "  later rollback never goes back to it (naming it still can)."
    say "  GROUP (server/groups): machine by machine, each out of the balancer's service while it switches;"
    say "  it stops at the first machine that fails (that one serves its release again) and says so."
    say "  The database is not changed: migrations stay; backups/ on HOST has the copies before each promote."
    return 0
  fi
  group "${1:-}"
  [ $# -le 2 ] || die "usage: flyton rollback HOST|GROUP [RELEASE]"
  [ -z "${2:-}" ] || [[ "$2" =~ ^[0-9]{8}-[0-9]{6}-[0-9a-f]{4,40}$ ]] || die "no such release name: $2 (see flyton releases $1)"
  local h
  [ ${#hs[@]} -gt 1 ] || drain_s=0      # one machine: never out of service
  for h in "${hs[@]}"; do
    [ ${#hs[@]} = 1 ] || say "==> $h"
    reach "$h"
    on "$h" "FLYTON_BY=$(who) FLYTON_DRAIN_S=$drain_s $home/current/server/bin/flyton here-rollback ${2:-}" ||
      die "rollback on $h failed (see above)$([ ${#hs[@]} = 1 ] || echo "; the machines before it were rolled back: flyton releases $1")"
  done
}

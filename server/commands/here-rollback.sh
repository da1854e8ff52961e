# here-rollback.sh: this machine runs an older release again (rollback)
# (server/bin/flyton sources this file; cmd_here_rollback runs the command)
cmd_here_rollback() {
  [ "${1:-}" != --help ] || { say "usage: server/bin/flyton here-rollback [RELEASE]   (run by rollback, on prod)"; return 0; }
  local cur prev="" d
  cur=$(basename "$(readlink $home/current)")
  if [ -n "${1:-}" ]; then
    [ -d "$home/releases/$1" ] || die "no release $1 on this machine (flyton releases)"
    [ "$1" != "$cur" ] || die "$1 is the current release already"
    prev=$1
  else
    for d in $(ls -1 $home/releases | sort -r); do
      [[ "$d" < "$cur" ]] || continue
      is_bad "$d" && { say "   (skipped $d: $(grep -P "^$d\t" $home/releases.log | tail -n 1 | cut -f2))"; continue; }
      prev=$d
      break
    done
    [ -n "$prev" ] || die "there is no good release before $cur (flyton releases; flyton rollback HOST RELEASE names one)"
  fi
  # its versioned files, kept in the store or made again (a release older than flyton assets has none)
  if [ -f "$home/releases/$prev/server/commands/assets.py" ]; then
    "$home/releases/$prev/server/bin/flyton" assets || die "flyton assets failed for $prev; $cur still serves"
  fi
  drain_in
  say "-- switch: current -> releases/$prev (was $cur)"
  switch_to "$prev"
  if here_reload_check; then
    drain_out
    log_release "$cur" "rolled back from (to $prev)"
    log_release "$prev" "rolled back to (from $cur)"
    say "ok: release $prev serves again; the database was not changed"
    return 0
  fi
  switch_to "$cur"
  here_reload_check || true
  drain_out
  die "$prev failed its health check; $cur serves again"
}

# here-hold.sh: on|off: API calls but the ping answer 503 and are sent again, so no write is taken (restore)
# (server/bin/flyton sources this file; cmd_here_hold runs the command)
# On a prod machine, for restore: on, the site answers every API call but the ping with 503 and
# retry (no write is taken, call_server sends the call again); off, it takes writes again.
cmd_here_hold() {
  [ "${1:-}" != --help ] || { say "usage: server/bin/flyton here-hold on|off   (run by restore, on prod)"; return 0; }
  case "${1:-}" in on|off) hold_writes "$1" ;; *) die "usage: flyton here-hold on|off" ;; esac
}

# here-hold.sh: flyton here-hold (server/bin/flyton sources it; cmd_here_hold runs the command).
# On a prod machine, for restore: on, the site answers every API call but the ping with 503 and
# retry (no write is taken, call_server sends the call again); off, it takes writes again.
cmd_here_hold() {
  case "${1:-}" in on|off) hold_writes "$1" ;; *) die "usage: flyton here-hold on|off" ;; esac
}

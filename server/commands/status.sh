# status.sh: flyton status (server/bin/flyton sources it; cmd_status runs the command).
cmd_status() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton status"
    say "  the runtime in server/config.py and the site's health answer"
    return 0
  fi
  say "runtime: $(cfg runtime cgi)   sys_mode: $(cfg sys_mode prod)"
  say "health:  $(curl -sk -m 5 -X POST -H 'Content-Type: application/json' -d '{}' "$(local_url)/cgi-bin/api?meth=api_ping" || echo 'no answer')"
}

# status.sh: which runtime serves the site, is it healthy, is it in the balancer's service (status HOST|GROUP)
# (server/bin/flyton sources this file; cmd_status runs the command)
cmd_status() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton status [HOST|GROUP]"
    say "  the runtime in server/config.py, the site's health answer, and whether it is drained;"
    say "  HOST or GROUP (server/groups): of that prod machine, or of each of the group's, with its release"
    return 0
  fi
  if [ -n "${1:-}" ]; then
    [ $# = 1 ] || die "usage: flyton status [HOST|GROUP]"
    on_each "$1" status
    return
  fi
  local d=in
  [ "$root" = "$home/current" ] && say "release: $(basename "$(readlink $home/current)")"
  [ -e "$(dirname "$(readlink -f "$cfgdir/config.py")")/drain" ] && d="out of (flyton drain)"
  say "runtime: $(cfg runtime cgi)   sys_mode: $(cfg sys_mode prod)"
  say "health:  $(curl -sk -m 5 -X POST -H 'Content-Type: application/json' -d '{}' "$(local_url)/cgi-bin/api?meth=api_ping" || echo 'no answer')"
  say "balancer: $d service"
}

# drain.sh: on|off|status: the balancer's ping gets 503, so the balancer takes this machine out (off: back in)
# (server/bin/flyton sources this file; cmd_drain runs the command)
cmd_drain() {
  local f
  if [ "${1:-}" = --help ] || [ $# != 1 ] || ! [[ "$1" =~ ^(on|off|status)$ ]]; then
    say "usage: sudo server/bin/flyton drain on|off|status"
    say "  on: the balancer's ping (api_ping) is refused with 503, so the balancer takes this machine out of"
    say "  service within its checks (HAProxy's example: 2 s) and requests in flight finish; off: back in."
    say "  For a machine that leaves or is worked on; the machine's own checks (flyton health) still answer."
    [ "${1:-}" = --help ] && return 0
    die "drain takes on, off or status"
  fi
  [ "$(id -u)" = 0 ] || die "run me as root: sudo server/bin/flyton drain $1"
  # beside config.py, the real file (on prod: the machine's shared/, kept across releases)
  f=$(dirname "$(readlink -f "$cfgdir/config.py")")/drain
  case "$1" in
    on) touch "$f"; say "ok: draining: the balancer's ping gets 503 ($f)" ;;
    off) rm -f "$f"; say "ok: in service: the balancer's ping gets its answer" ;;
    status) if [ -e "$f" ]; then say "draining ($f)"; else say "in service"; fi ;;
  esac
}

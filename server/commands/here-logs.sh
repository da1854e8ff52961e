# here-logs.sh: this machine's error log, or the whole error of one reference (logs)
# (server/bin/flyton sources this file; cmd_here_logs runs the command)
cmd_here_logs() {
  [ "${1:-}" != --help ] || { say "usage: server/bin/flyton here-logs [REF]   (run by logs, on prod)"; return 0; }
  [ "$(id -u)" = 0 ] || die "run me as root: sudo server/bin/flyton logs (the log is the web server's)"
  local f
  f=$(cfg log_file /var/log/flyton/error.log)
  if [ ! -s "$f" ]; then
    [ -z "${1:-}" ] || die "no reference $1: nothing is logged yet ($f is empty)"
    say "no error logged yet ($f is empty)"
    return 0
  fi
  if [ -n "${1:-}" ]; then
    grep -F " ref $1 " "$f" || die "no reference $1 in $f (rotated logs: $f.1, *.gz)"
    return 0
  fi
  tail -n 60 "$f"
  say "(the last 60 lines of $f; flyton logs REF prints one error whole)"
}

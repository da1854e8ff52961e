# logs.sh: the tracebacks of pages and API methods: logs [REF] here, logs HOST|GROUP [REF] on prod machines
# (server/bin/flyton sources this file; cmd_logs runs the command)
cmd_logs() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton logs [HOST|GROUP] [REF]"
    say "  the error log of pages and API methods (every line carries its reference): REF, the"
    say "  reference an error page or an API answer showed, prints that error whole; without it,"
    say "  the last 60 lines. HOST: the log of that prod machine, over ssh; GROUP (server/groups): of each"
    say "  of its machines (a reference is on the machine that served the request)"
    return 0
  fi
  local h="" r="" a
  for a in "$@"; do
    if [[ "$a" =~ ^[0-9a-f]{8}$ ]]; then [ -z "$r" ] || die "usage: flyton logs [HOST] [REF]"; r=$a
    elif [ -z "$h" ]; then h=$a
    else die "usage: flyton logs [HOST] [REF] (REF: 8 hex digits, as the error page shows it)"; fi
  done
  if [ -n "$h" ] && in_groups "$h"; then
    # a group: each machine's log under its name; a reference is found on the machine that served it
    local n found=0
    group "$h"
    for n in "${hs[@]}"; do
      say "== $n"
      ( reach "$n" && on "$n" "$home/current/server/bin/flyton here-logs $r" ) 2>&1 && found=1
    done
    [ $found = 1 ] || die "no machine of $h could show ${r:-its log}"
    return 0
  fi
  if [ -n "$h" ]; then
    need_host "$h"
    reach "$h"
    on "$h" "$home/current/server/bin/flyton here-logs $r"
    return
  fi
  cmd_here_logs "$r"
}

# reload.sh: load changed code into the running site (graceful: requests in flight finish); reload GROUP
# (server/bin/flyton sources this file; cmd_reload runs the command)
cmd_reload() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton reload [SITE] [URL]"
    say "  the persistent runtime's processes of SITE (default flyton) start again with the code as it"
    say "  is now, one graceful restart each (SIGUSR1): requests in flight finish, new ones wait for the"
    say "  new processes, none fails. Then URL (default the site's ping) must answer."
    say "  Under CGI there is nothing to reload: every request runs the files as they are."
    say "  The worker of background jobs (flyton worker), when it runs, starts again too."
    say "usage: sudo server/bin/flyton reload GROUP"
    say "  the same on each prod machine of GROUP (server/groups), one after the other"
    return 0
  fi
  if [ $# = 1 ] && in_groups "$1"; then
    on_each "$1" reload
    return
  fi
  [ "$(id -u)" = 0 ] || die "run me as root: sudo server/bin/flyton reload"
  local site=${1:-flyton} url=${2:-$(local_url)/cgi-bin/api?meth=api_ping} d p n=0 left i
  [[ "$site" =~ ^[a-z][a-z0-9_]{0,30}$ ]] || die "bad site name: $site"
  d=/var/cache/flyton/run/$site
  say "==> graceful restart of the $site daemon processes"
  left=""
  for p in $(ls "$d" 2>/dev/null); do
    if tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline" | grep -q '^(wsgi:'; then
      kill -USR1 "$p" && n=$((n + 1)) && left="$left $p"
    fi
    rm -f "$d/$p"
  done
  say "signalled $n process(es)"
  for i in $(seq 1 70); do
    p=""
    for i2 in $left; do [ -d "/proc/$i2" ] && p="$p $i2"; done
    left=$p
    [ -z "$left" ] && break
    sleep 0.5
  done
  [ -z "$left" ] || die "these processes did not restart within 35 s:$left"
  say "==> health"
  wait_ping "$url" || die "the site does not answer after the reload"
  say "ok: the site answers with the code as it is now"
  # the worker of background jobs too, when it runs here (each job it runs ends first)
  if [ -f "$cfgdir/config.py" ] && "$root/server/bin/flyton" worker --status >/dev/null 2>&1; then
    "$root/server/bin/flyton" worker --restart >/dev/null || die "the worker did not start again: sudo server/bin/flyton worker --status"
    say "ok: the worker runs the code as it is now"
  fi
}

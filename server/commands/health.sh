# health.sh: flyton health (server/bin/flyton sources it; cmd_health runs the command).
cmd_health() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton health [--all] [URL|HOST|GROUP]"
    say "  the API ping with the database, the login page, and the dashboard built as the first admin"
    say "  (a session made for the check, removed right after). URL: default this machine's site"
    say "  --all: also every page of every app built by the site, and every API method imported;"
    say "  the first that fails is named (promote and rollback check this way)"
    say "  HOST or GROUP (server/groups): the same check on that prod machine, or on each of the group's"
    return 0
  fi
  local all=""
  [ "${1:-}" = --all ] && { all=--all; shift; }
  [ $# -le 1 ] || die "usage: flyton health [--all] [URL|HOST|GROUP]"
  if [ -n "${1:-}" ] && [[ "$1" != *://* ]]; then
    on_each "$1" health $all
    return
  fi
  py_last "$root/server/commands/health.py" $all "${1:-$(local_url)}"
}

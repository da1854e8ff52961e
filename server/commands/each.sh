# each.sh: run a flyton command on each machine of GROUP (server/groups), or on HOST, over ssh
# (server/bin/flyton sources this file; cmd_each runs the command)
cmd_each() {
  if [ "${1:-}" = --help ] || [ $# -lt 2 ]; then
    say "usage: sudo server/bin/flyton each HOST|GROUP COMMAND [ARGS]"
    say "  flyton COMMAND ARGS on each machine of GROUP, one after the other, each under its name (flyton health"
    say "  GROUP and flyton status GROUP do this); fails when it failed on one"
    [ "${1:-}" = --help ] && return 0
    die "each needs a machine or group and a command"
  fi
  [[ "$2" =~ ^[a-z][a-z-]{0,30}$ ]] || die "no such command: $2"
  # the arguments quoted for the shell of each machine: words, not commands
  # (none: none; printf '%q ' of no words would give one empty word)
  local a=""
  [ $# -lt 3 ] || a=$(printf '%q ' "${@:3}")
  on_each "$1" "$2 $a"
}

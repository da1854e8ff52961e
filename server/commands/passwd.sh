# passwd.sh: flyton passwd (server/bin/flyton sources it; cmd_passwd runs the command).
cmd_passwd() {
  local nomfa="" want=1
  [ "${2:-}" = --no-mfa ] && { nomfa=--no-mfa; want=2; }
  if [ "${1:-}" = --help ] || [ $# -ne $want ]; then
    say "usage: sudo server/bin/flyton passwd USERNAME [--no-mfa]"
    say "  asks for the new password twice (or reads two lines from a pipe); 8 characters or more."
    say "  The user's live sessions and reset links end. --no-mfa: two-step login off too."
    [ "${1:-}" = --help ] && return 0
    die "passwd needs one username"
  fi
  [ "$(id -u)" = 0 ] || die "run me as root: sudo server/bin/flyton passwd $1"
  py_last "$root/server/commands/passwd.py" "$1" $nomfa
}

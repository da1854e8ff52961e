# archive.sh: flyton archive (server/bin/flyton sources it; cmd_archive runs the command).
cmd_archive() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton archive [--dry-run] [--batch N]"
    say "  move ended sessions, old logs and unused throttle counters to the archive tables (cron runs it"
    say "  every night); --dry-run: only say how many rows would move"
    return 0
  fi
  [ "$(id -u)" = 0 ] || die "run me as root: sudo server/bin/flyton archive"
  py_last "$root/server/commands/archive.py" "$@"
}

# migrate.sh: flyton migrate (server/bin/flyton sources it; cmd_migrate runs the command).
cmd_migrate() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton migrate [--status | --dry-run]"
    say "  runs the files of sql/migrations that this database has not run, in the order of their numbers"
    say "  (each once; a file changed after it ran is refused). --status: every file, applied (when, by"
    say "  whom), pending, FAILED or CHANGED; --dry-run: the SQL that would run. A new file: flyton new migration NAME"
    return 0
  fi
  [ "$(id -u)" = 0 ] || die "run me as root: sudo server/bin/flyton migrate"
  [ -f "$cfgdir/config.py" ] || die "no $cfgdir/config.py (sudo ./install.sh writes it)"
  # as the database's owner account (install.sh; /etc/flyton/owner-USER.cnf): the site's user may not change tables
  FLYTON_DB_OWNER=1 py_last "$root/server/commands/migrate.py" "$@"
}

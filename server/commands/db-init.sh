# db-init.sh: flyton db-init (server/bin/flyton sources it; cmd_db_init runs the command).
cmd_db_init() {
  if [ "${1:-}" = --help ] || [ $# = 0 ]; then
    say "usage: sudo FLYTON_DB_MASTER_PASSWORD=... server/bin/flyton db-init --host HOST [--port 3306] [--ca FILE]"
    say "         --master USER [--name flyton] [--user flyton] [--from %] [--copy]"
    say "  the site's database on a database server of its own (RDS, Aurora, a database machine), with the"
    say "  master user's grants only: the database, the site's account (rows) and the owner (tables), TLS"
    say "  checked against --ca; writes config.py's db and /etc/flyton/owner-USER.cnf. Then: flyton migrate"
    say "  (the password is asked when FLYTON_DB_MASTER_PASSWORD is not set)"
    say "  --copy: first the tables and rows of this machine's database (config.py's now) into the new one,"
    say "  which must have no table yet (a running box moving to RDS: stop its Apache meanwhile)"
    [ "${1:-}" = --help ] && return 0
    die "db-init needs --host and --master"
  fi
  [ "$(id -u)" = 0 ] || die "run me as root: sudo server/bin/flyton db-init ..."
  py_last "$root/server/commands/dbinit.py" "$@"
}

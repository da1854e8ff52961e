# restore.sh: flyton restore (server/bin/flyton sources it; cmd_restore runs the command).
cmd_restore() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton restore HOST BACKUP [--yes]"
    say "  HOST's database as it was in BACKUP (a name from flyton releases HOST, e.g. the release id of"
    say "  the promote that made it). First the database as it is now is backed up too (so a restore can"
    say "  be undone the same way), then BACKUP is loaded into a side database, and only when that worked"
    say "  every table is swapped in one RENAME TABLE; then reload and health. Data written since the"
    say "  backup is lost from the live database (it stays in the new backup). Asks first, unless --yes."
    say "  The code is not changed: if the backup is older than a migration, flyton migrate says so."
    return 0
  fi
  need_host "${1:-}"
  local h=$1 b=${2:-} yes=0 ans
  [ "${3:-}" = --yes ] && yes=1
  [ -n "$b" ] && [ $# -le $((2 + yes)) ] || die "usage: flyton restore HOST BACKUP [--yes]"
  b=${b%.sql.gz}
  [[ "$b" =~ ^[0-9A-Za-z][0-9A-Za-z_.-]*$ ]] || die "bad backup name: $b (see flyton releases $h)"
  reach "$h"
  on "$h" "test -s $home/backups/$b.sql.gz" < /dev/null || die "$h has no backup $b (flyton releases $h lists them)"
  if [ $yes = 0 ]; then
    printf 'The database of %s goes back to backup %s: what was written since is lost there\n(it is kept in a new backup first). Type yes to go on: ' "$h" "$b"
    read -r ans || ans=""
    [ "$ans" = yes ] || die "nothing was changed"
  fi
  on "$h" "FLYTON_BY=$(who) $home/current/server/bin/flyton here-restore $b" < /dev/null || die "restore on $h failed (see above)"
}

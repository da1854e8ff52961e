# here-restore.sh: this machine's database from one of its backups, writes held meanwhile (restore)
# (server/bin/flyton sources this file; cmd_here_restore runs the command)
cmd_here_restore() {
  [ "${1:-}" != --help ] || { say "usage: server/bin/flyton here-restore BACKUP [--held]   (run by restore, on prod)"; return 0; }
  local b=${1:?backup} f db side old now tabs ren t
  f=$home/backups/$b.sql.gz
  [ -s "$f" ] || die "no backup $f"
  if [ "${2:-}" != --held ]; then
    # no write while the database is dumped, loaded and swapped: a write acknowledged then would be
    # in neither database (with --held, flyton restore GROUP holds every machine's)
    hold_writes on
    trap 'hold_writes off' EXIT
    sleep "${FLYTON_HOLD_S:-3}"     # for the calls in flight to finish
  fi
  db=$(PYTHONPATH=$home/shared "$venv/bin/python" -c "import config; print(config.db['name'])")
  side="${db}_restore"
  old="${db}_replaced"
  now=$(date -u +%Y%m%d-%H%M%S)-before-restore
  db_client
  say "-- the database $db as it is now: $home/backups/$now.sql.gz"
  mysqldump "${dbc[@]}" --single-transaction --routines --triggers "$db" | gzip > "$home/backups/$now.sql.gz.tmp" ||
    { rm -f "$home/backups/$now.sql.gz.tmp"; die "the backup of the database as it is failed: nothing changed"; }
  mv "$home/backups/$now.sql.gz.tmp" "$home/backups/$now.sql.gz"
  say "-- $b into the side database $side"
  mysql "${dbc[@]}" -e "DROP DATABASE IF EXISTS \`$side\`; CREATE DATABASE \`$side\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  if ! gunzip -c "$f" | mysql "${dbc[@]}" "$side"; then
    mysql "${dbc[@]}" -e "DROP DATABASE IF EXISTS \`$side\`"
    die "$b does not load: nothing changed"
  fi
  say "ok: $(mysql "${dbc[@]}" -Nse "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$side'") tables"
  say "-- swap: the tables of $db for those of the backup, in one RENAME TABLE"
  ren=""
  for t in $(mysql "${dbc[@]}" -Nse "SELECT table_name FROM information_schema.tables WHERE table_schema = '$db'"); do
    ren="$ren, \`$db\`.\`$t\` TO \`$old\`.\`$t\`"
  done
  for t in $(mysql "${dbc[@]}" -Nse "SELECT table_name FROM information_schema.tables WHERE table_schema = '$side'"); do
    ren="$ren, \`$side\`.\`$t\` TO \`$db\`.\`$t\`"
  done
  mysql "${dbc[@]}" -e "DROP DATABASE IF EXISTS \`$old\`; CREATE DATABASE \`$old\`; RENAME TABLE ${ren#, }" ||
    { mysql "${dbc[@]}" -e "DROP DATABASE IF EXISTS \`$side\`; DROP DATABASE IF EXISTS \`$old\`"; die "the swap failed: nothing changed"; }
  mysql "${dbc[@]}" -e "DROP DATABASE IF EXISTS \`$side\`; DROP DATABASE IF EXISTS \`$old\`"
  [ "${2:-}" = --held ] || { hold_writes off; trap - EXIT; }
  log_release "$(basename "$(readlink $home/current)")" "database restored from $b (before: $now)"
  say "-- graceful reload and health"
  here_reload_check || say "!! the site is not healthy with this database: flyton restore HOST $now undoes it"
  "$home/current/server/bin/flyton" migrate --status | grep -Eq ' pending( |$)' &&
    say "note: the current release has migrations this backup has not had: sudo server/bin/flyton migrate there"
  say "ok: $db is as in $b; the database before is backup $now"
}

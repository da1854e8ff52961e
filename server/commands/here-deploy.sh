# here-deploy.sh: flyton here-deploy (server/bin/flyton sources it; cmd_here_deploy runs the command).
cmd_here_deploy() {
  local id=${1:?release id} r prev db t rc=0 why
  r=$home/releases/$id
  [ -d "$r" ] || die "no release $id"
  prev=$(basename "$(readlink $home/current)")
  link_shared "$id"
  db=$(PYTHONPATH=$home/shared "$venv/bin/python" -c "import config; print(config.db['name'])")
  db_client
  say "-- backup of database $db (mysqldump --single-transaction${dbc:+, on the database server})"
  mysqldump "${dbc[@]}" --single-transaction --routines --triggers "$db" | gzip > "$home/backups/$id.sql.gz.tmp" ||
    { rm -f "$home/backups/$id.sql.gz.tmp"; fail_release "$id" "failed: backup" "the backup failed: nothing changed, $prev still serves"; }
  mv "$home/backups/$id.sql.gz.tmp" "$home/backups/$id.sql.gz"
  say "ok: $home/backups/$id.sql.gz ($(du -h "$home/backups/$id.sql.gz" | cut -f1))"
  FLYTON_CONFIG_DIR=$home/shared "$r/server/bin/flyton" migrate --status | grep -Eq ' (pending|FAILED|CHANGED)( |$)' && t=1 || t=0
  if [ $t = 1 ]; then
    say "-- the pending migrations, first on a copy of the database"
    check_migrations "$r" "$db" "$id" || fail_release "$id" "failed: migrations" "a migration failed on the copy: nothing changed, $prev still serves"
    say "-- the pending migrations, for real"
    FLYTON_CONFIG_DIR=$home/shared "$r/server/bin/flyton" migrate ||
      fail_release "$id" "failed: migrations" "a migration failed: $prev still serves; the database before it is $home/backups/$id.sql.gz"
  else
    say "-- no pending migrations"
  fi
  say "-- switch: current -> releases/$id (was $prev)"
  switch_to "$id"
  say "-- graceful reload and health: every page built, every API method imported"
  t=$(mktemp)
  if here_reload_check | tee "$t"; [ "${PIPESTATUS[0]}" = 0 ]; then
    rm -f "$t"
    log_release "$id" "promoted"
    prune
    say "ok: release $id serves"
    return 0
  fi
  why=$(grep -m 1 '^FAILED' "$t" || true)
  rm -f "$t"
  say "!! release $id failed its health check: switching back to $prev"
  switch_to "$prev"
  here_reload_check || say "!! $prev is not healthy either: sudo server/bin/flyton logs"
  fail_release "$id" "failed: health, back to $prev" "release $id failed its health check (${why:-see above}); $prev serves again (migrations that ran stay; backup: $home/backups/$id.sql.gz)"
}

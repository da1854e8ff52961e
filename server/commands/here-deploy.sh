# here-deploy.sh: a shipped release goes live on this machine (promote): back up, migrate, switch, reload, check
# (server/bin/flyton sources this file; cmd_here_deploy runs the command)
# On the prod machine, for promote: here-deploy ID does it all on one machine; for a group, promote
# runs --prepare on the first machine (backup, migrations), then --switch on each machine in turn,
# --done on each at the end, and on a failure --undo on the ones switched and --drop on the others.
cmd_here_deploy() {
  [ "${1:-}" != --help ] || { say "usage: server/bin/flyton here-deploy ID [--prepare|--switch|--done|--undo|--drop]   (run by promote, on prod)"; return 0; }
  local id=${1:?release id} how=${2:-all} prev
  [[ "$id" =~ ^[0-9]{8}-[0-9]{6}-[0-9a-f]{4,40}$ ]] || die "no such release name: $id"
  [ -d "$home/releases/$id" ] || die "no release $id"
  prev=$(basename "$(readlink $home/current)")
  case "$how" in
    all) prepare "$id" "$prev"; switch_check "$id" "$prev"; done_release "$id" ;;
    --prepare) prepare "$id" "$prev"; log_release "$id" "prepared (backup, migrations)" ;;
    --switch) link_shared "$id"; switch_check "$id" "$prev" ;;
    --done) done_release "$id" ;;
    --undo) undo_release "$id" ;;
    --drop) log_release "$id" "failed: another machine of the group failed"; rm -rf "${home:?}/releases/$id"
      say "ok: release $id removed, $prev still serves" ;;
    *) die "usage: flyton here-deploy ID [--prepare|--switch|--done|--undo|--drop]" ;;
  esac
}

prepare() {
  # the backup of the database, then its pending migrations (on a copy first)
  local id=$1 prev=$2 db t
  link_shared "$id"
  db=$(PYTHONPATH=$home/shared "$venv/bin/python" -c "import config; print(config.db['name'])")
  db_client
  say "-- backup of database $db (mysqldump --single-transaction${dbc:+, on the database server})"
  mysqldump "${dbc[@]}" --single-transaction --routines --triggers "$db" | gzip > "$home/backups/$id.sql.gz.tmp" ||
    { rm -f "$home/backups/$id.sql.gz.tmp"; fail_release "$id" "failed: backup" "the backup failed: nothing changed, $prev still serves"; }
  mv "$home/backups/$id.sql.gz.tmp" "$home/backups/$id.sql.gz"
  say "ok: $home/backups/$id.sql.gz ($(du -h "$home/backups/$id.sql.gz" | cut -f1))"
  FLYTON_CONFIG_DIR=$home/shared "$home/releases/$id/server/bin/flyton" migrate --status | grep -Eq ' (pending|FAILED|CHANGED)( |$)' && t=1 || t=0
  if [ $t = 0 ]; then
    say "-- no pending migrations"
    return 0
  fi
  say "-- the pending migrations, first on a copy of the database"
  check_migrations "$home/releases/$id" "$db" "$id" || fail_release "$id" "failed: migrations" "a migration failed on the copy: nothing changed, $prev still serves"
  say "-- the pending migrations, for real"
  FLYTON_CONFIG_DIR=$home/shared "$home/releases/$id/server/bin/flyton" migrate ||
    fail_release "$id" "failed: migrations" "a migration failed: $prev still serves; the database before it is $home/backups/$id.sql.gz"
}

switch_check() {
  # current -> the release, reload, every page and method checked; on a failure back to prev.
  # With FLYTON_DRAIN_S (a group behind a balancer) the machine is out of service meanwhile.
  local id=$1 prev=$2 t why
  drain_in
  say "-- switch: current -> releases/$id (was $prev)"
  switch_to "$id"
  log_release "$id" "switched from $prev"
  say "-- graceful reload and health: every page built, every API method imported"
  t=$(mktemp)
  if here_reload_check | tee "$t"; [ "${PIPESTATUS[0]}" = 0 ]; then
    rm -f "$t"
    drain_out
    return 0
  fi
  why=$(grep -m 1 '^FAILED' "$t" || true)
  rm -f "$t"
  say "!! release $id failed its health check: switching back to $prev"
  switch_to "$prev"
  here_reload_check || say "!! $prev is not healthy either: sudo server/bin/flyton logs"
  drain_out
  fail_release "$id" "failed: health, back to $prev" "release $id failed its health check (${why:-see above}); $prev serves again (migrations that ran stay; backup: $home/backups/$id.sql.gz)"
}

done_release() {
  log_release "$1" "promoted"
  prune
  say "ok: release $1 serves"
}

undo_release() {
  # a machine switched to the release goes back to the one before, as another machine failed
  local id=$1 prev
  prev=$(grep -P "^$id\tswitched from " $home/releases.log | tail -n 1 | cut -f2 | sed 's/^switched from //')
  [ -n "$prev" ] && [ -d "$home/releases/$prev" ] || die "release $id was not switched to here: nothing to undo"
  drain_in
  say "-- switch back: current -> releases/$prev (was $id)"
  switch_to "$prev"
  here_reload_check || say "!! $prev is not healthy either: sudo server/bin/flyton logs"
  drain_out
  log_release "$id" "failed: another machine of the group failed, back to $prev"
  rm -rf "${home:?}/releases/$id"
  say "ok: $prev serves again"
}

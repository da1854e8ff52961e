# restore.sh: the database of HOST|GROUP from a backup: writes held meanwhile, a side database first, then a swap
# (server/bin/flyton sources this file; cmd_restore runs the command)
cmd_restore() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton restore HOST|GROUP BACKUP [--yes]"
    say "  HOST's database as it was in BACKUP (a name from flyton releases HOST, e.g. the release id of"
    say "  the promote that made it). First the database as it is now is backed up too (so a restore can"
    say "  be undone the same way), then BACKUP is loaded into a side database, and only when that worked"
    say "  every table is swapped in one RENAME TABLE; then reload and health. Data written since the"
    say "  backup is lost from the live database (it stays in the new backup). Asks first, unless --yes."
    say "  While it runs the site takes no write: every API call but the ping is answered 503 with"
    say "  retry (call_server sends it again), so no write a user was told of misses the new backup."
    say "  GROUP (server/groups): the database the group shares, from the first machine's backups; every"
    say "  machine of the group holds its writes meanwhile."
    say "  The code is not changed: if the backup is older than a migration, flyton migrate says so."
    return 0
  fi
  group "${1:-}"
  local g=$1 h b=${2:-} yes=0 ans n rc=0
  [ "${3:-}" = --yes ] && yes=1
  [ -n "$b" ] && [ $# -le $((2 + yes)) ] || die "usage: flyton restore HOST|GROUP BACKUP [--yes]"
  b=${b%.sql.gz}
  [[ "$b" =~ ^[0-9A-Za-z][0-9A-Za-z_.-]*$ ]] || die "bad backup name: $b (see flyton releases $g)"
  h=${hs[0]}      # a group's backups are made on its first machine (promote)
  for n in "${hs[@]}"; do reach "$n"; done
  on "$h" "test -s $home/backups/$b.sql.gz" < /dev/null || die "$h has no backup $b (flyton releases $h lists them)"
  if [ $yes = 0 ]; then
    printf 'The database of %s goes back to backup %s: what was written since is lost there\n(it is kept in a new backup first). Type yes to go on: ' "$g" "$b"
    read -r ans || ans=""
    [ "$ans" = yes ] || die "nothing was changed"
  fi
  if [ ${#hs[@]} = 1 ]; then
    on "$h" "FLYTON_BY=$(who) $home/current/server/bin/flyton here-restore $b" < /dev/null || die "restore on $h failed (see above)"
    return 0
  fi
  # every machine of the group holds its writes (flyton here-hold), then the first restores the
  # database they share; whatever happens, each takes writes again
  say "==> the machines of $g hold their writes while the database is restored"
  for n in "${hs[@]}"; do on "$n" "$home/current/server/bin/flyton here-hold on" < /dev/null || { rc=1; break; }; done
  if [ $rc = 0 ]; then
    sleep "${FLYTON_HOLD_S:-3}"     # for the calls in flight to finish
    say "==> $h: the restore"
    on "$h" "FLYTON_BY=$(who) $home/current/server/bin/flyton here-restore $b --held" < /dev/null || rc=1
  fi
  for n in "${hs[@]}"; do on "$n" "$home/current/server/bin/flyton here-hold off" < /dev/null || say "!! $n still holds its writes: flyton here-hold off there"; done
  [ $rc = 0 ] || die "restore of $g failed (see above); every machine takes writes again"
  say "ok: every machine of $g serves the restored database"
}

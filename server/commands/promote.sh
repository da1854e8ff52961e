# promote.sh: ship the committed code to HOST|GROUP: the gate, a backup, migrations, switch, reload, every page checked
# (server/bin/flyton sources this file; cmd_promote runs the command)
cmd_promote() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton promote HOST|GROUP [--skip-tests]"
    say "  1 refuses a working tree with changes that are not committed"
    say "  2 runs the project's gate (sudo tests/run: its pages, methods, tables, the tools, both runtimes) unless --skip-tests"
    say "  3 copies the committed code to HOST:$home/releases/<id> (config.py, files/ and logs stay)"
    say "  4 on HOST: backs up the database (backups/, the newest $keep kept), runs the pending"
    say "    migrations on a copy of it first, then for real; switches current to the new release;"
    say "    reloads gracefully; checks health (ping with the database, a page built end to end)"
    say "  5 on a failed check: switches back to the release before, by itself, and says so"
    say "  GROUP (a line of server/groups): the release goes to every machine; the backup and the"
    say "  migrations run once, on the first; then machine by machine: out of the balancer's service"
    say "  (drain), switch, reload, health, back in service. When a machine fails, every machine goes"
    say "  back to the release before and the release's folders are removed everywhere."
    return 0
  fi
  group "${1:-}"
  local g=$1 tests=1 id h
  [ "${2:-}" = --skip-tests ] && tests=0
  [ $# -le 2 ] && { [ $# -lt 2 ] || [ $tests = 0 ]; } || die "usage: flyton promote HOST|GROUP [--skip-tests]"
  say "==> 1/4 the working tree"
  clean_tree
  say "ok: $(git -C "$root" log -1 --format='%h %s')"
  if [ $tests = 1 ]; then
    say "==> 2/4 the project's gate (sudo tests/run)"
    "$root/tests/run" || die "the tests failed: nothing was promoted"
  else
    say "==> 2/4 the tests: skipped (--skip-tests)"
  fi
  id=$(release_id)
  say "==> 3/4 release $id to ${hs[*]}"
  for h in "${hs[@]}"; do
    reach "$h"
    on "$h" "test -L $home/current" || die "$h has no Flyton yet: sudo server/bin/flyton prod-init $h"
  done
  for h in "${hs[@]}"; do
    ( ship "$h" "$id" ) || { drop "$id" "${hs[@]}"; die "nothing was promoted: the release could not reach $h"; }
  done
  if [ ${#hs[@]} = 1 ]; then
    drain_s=0      # one machine: never out of service (a balancer in front would have no other)
    say "==> 4/4 on $g: backup, migrations, switch, reload, health"
    deploy "$g" "$id" || die "promote of $id to $g failed (see above)"
    say "ok: $g runs release $id"
    return 0
  fi
  say "==> 4/4 on ${hs[0]}: backup and migrations, once for the group $g"
  deploy "${hs[0]}" "$id" --prepare || { drop "$id" "${hs[@]:1}"; die "nothing was promoted (see above)"; }
  local ok=()
  for h in "${hs[@]}"; do
    say "==> $h: out of service, switch, reload, health, back in service"
    if ! deploy "$h" "$id" --switch; then
      say "!! $h failed: every machine goes back to the release before"
      for d in "${ok[@]}"; do deploy "$d" "$id" --undo || say "!! $d could not go back: flyton releases $d"; done
      drop "$id" $(for d in "${hs[@]}"; do [[ " ${ok[*]} $h " == *" $d "* ]] || echo "$d"; done)
      die "promote of $id to $g failed on $h (see above); every machine runs the release before (migrations that ran stay; backup on ${hs[0]}: $home/backups/$id.sql.gz)"
    fi
    ok+=("$h")
  done
  for h in "${hs[@]}"; do deploy "$h" "$id" --done; done
  say "ok: ${hs[*]} run release $id"
}

deploy() {
  # here-deploy on HOST, with the group's drain time
  local h=$1
  shift
  on "$h" "FLYTON_BY=$(who) FLYTON_KEEP=$keep FLYTON_DRAIN_S=$drain_s $home/releases/$1/server/bin/flyton here-deploy $*"
}

drop() {
  # the release's folder off the machines named after the id (it never served there)
  local id=$1 h
  shift
  for h in "$@"; do on "$h" "rm -rf $home/releases/$id" || say "!! could not remove $home/releases/$id on $h"; done
}

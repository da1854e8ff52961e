# promote.sh: flyton promote (server/bin/flyton sources it; cmd_promote runs the command).
cmd_promote() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton promote HOST [--skip-tests]"
    say "  1 refuses a working tree with changes that are not committed"
    say "  2 runs the tests (sudo tests/run) unless --skip-tests"
    say "  3 copies the committed code to HOST:$home/releases/<id> (config.py, files/ and logs stay)"
    say "  4 on HOST: backs up the database (backups/, the newest $keep kept), runs the pending"
    say "    migrations on a copy of it first, then for real; switches current to the new release;"
    say "    reloads gracefully; checks health (ping with the database, a page built end to end)"
    say "  5 on a failed check: switches back to the release before, by itself, and says so"
    return 0
  fi
  need_host "${1:-}"
  local h=$1 tests=1 id
  [ "${2:-}" = --skip-tests ] && tests=0
  [ $# -le 2 ] && { [ $# -lt 2 ] || [ $tests = 0 ]; } || die "usage: flyton promote HOST [--skip-tests]"
  say "==> 1/4 the working tree"
  clean_tree
  say "ok: $(git -C "$root" log -1 --format='%h %s')"
  if [ $tests = 1 ]; then
    say "==> 2/4 the tests (sudo tests/run)"
    "$root/tests/run" || die "the tests failed: nothing was promoted"
  else
    say "==> 2/4 the tests: skipped (--skip-tests)"
  fi
  id=$(release_id)
  say "==> 3/4 release $id to $h"
  reach "$h"
  on "$h" "test -L $home/current" || die "$h has no Flyton yet: sudo server/bin/flyton prod-init $h"
  ship "$h" "$id"
  say "==> 4/4 on $h: backup, migrations, switch, reload, health"
  on "$h" "FLYTON_BY=$(who) FLYTON_KEEP=$keep $home/releases/$id/server/bin/flyton here-deploy $id" || die "promote of $id to $h failed (see above)"
  say "ok: $h runs release $id"
}

# here-releases.sh: this machine's releases: which is current, its commit, its last event (releases)
# (server/bin/flyton sources this file; cmd_here_releases runs the command)
cmd_here_releases() {
  [ "${1:-}" != --help ] || { say "usage: server/bin/flyton here-releases   (run by releases, on prod)"; return 0; }
  local cur d mark c info
  cur=$(basename "$(readlink $home/current)")
  printf '%-2s %-34s %-12s %-20s %s\n' "" release commit "last event (UTC)" "by / event"
  for d in $(ls -1 $home/releases | sort -r); do
    mark=""
    is_bad "$d" && mark="x"
    [ "$d" = "$cur" ] && mark="*"
    info=$(grep -P "^$d\t" $home/releases.log 2>/dev/null | tail -n 1 | awk -F'\t' '{print $3 "\t" $4 " / " $2}')
    printf '%-2s %-34s %-12s %-20s %s\n' "$mark" "$d" "${d##*-}" "${info%%$'\t'*}" "${info#*$'\t'}"
  done
  say "(* = current; x = failed or rolled back from: rollback skips it)"
  say "backups (flyton restore HOST BACKUP):"
  ls -1t $home/backups 2>/dev/null | grep '\.sql\.gz$' | sed 's/\.sql\.gz$//; s/^/   /' || true
}

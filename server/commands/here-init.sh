# here-init.sh: the first release on a new prod machine, and install.sh --prod there (prod-init)
# (server/bin/flyton sources this file; cmd_here_init runs the command)
cmd_here_init() {
  [ "${1:-}" != --help ] || { say "usage: server/bin/flyton here-init ID [install.sh's options]   (run by prod-init, on prod)"; return 0; }
  local id=${1:?release id}
  shift      # the rest: install.sh's options (--url, --db-...)
  mkdir -p $home/releases $home/shared/files $home/backups
  chmod 755 $home $home/releases
  chmod 700 $home/backups
  [ -e $home/current ] && die "$home/current exists: this machine has a Flyton"
  link_shared "$id"
  switch_to "$id"
  chown root:www-data $home/shared/files
  chmod 775 $home/shared/files
  (cd $home/current && ./install.sh --prod "$@") || die "install.sh --prod failed"
  log_release "$id" "installed"
  "$home/current/server/bin/flyton" health --all || die "the new site is not healthy"
}

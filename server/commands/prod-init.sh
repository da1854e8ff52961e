# prod-init.sh: flyton prod-init (server/bin/flyton sources it; cmd_prod_init runs the command).
cmd_prod_init() {
  if [ "${1:-}" = --help ]; then
    say "usage: sudo server/bin/flyton prod-init HOST [--url https://www.example.com]"
    say "  installs Flyton on a new prod machine over ssh: the committed code as its first release in"
    say "  $home, then install.sh --prod there (mod_wsgi, sys_mode prod, its own database and"
    say "  passwords, only the admin user: its password is printed once)"
    say "  --url: the address people open the site at (site_url): the site answers to its host name"
    return 0
  fi
  need_host "${1:-}"
  local h=$1 id url=""
  if [ $# = 3 ] && [ "$2" = --url ]; then url=$3
  elif [ $# != 1 ]; then die "usage: flyton prod-init HOST [--url URL]"; fi
  [ -z "$url" ] || [[ "$url" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$ ]] || die "--url takes http(s)://NAME[:PORT], not $url"
  clean_tree
  id=$(release_id)
  say "==> 1/3 is $h new?"
  reach "$h"
  on "$h" "test ! -e $home/current" || die "$h has a Flyton already ($home/current): use flyton promote $h"
  say "==> 2/3 release $id to $h:$home/releases/$id"
  ship "$h" "$id"
  say "==> 3/3 install it on $h (install.sh --prod)"
  on "$h" "FLYTON_BY=$(who) $home/releases/$id/server/bin/flyton here-init $id $url" || die "install on $h failed (see above)"
  say "ok: $h runs release $id; from now on: sudo server/bin/flyton promote $h"
}

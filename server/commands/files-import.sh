# files-import.sh: flyton files-import (server/bin/flyton sources it; cmd_files_import runs the command).
cmd_files_import() {
  if [ "${1:-}" = --help ] || [ $# -gt 1 ]; then
    say "usage: sudo server/bin/flyton files-import [DIR]"
    say "  the files of client/pages/files/ (or DIR; on prod /srv/flyton/shared/files) into the database, under"
    say "  the names their URLs have, so every web node serves them; names there already are skipped"
    [ "${1:-}" = --help ] && return 0
    die "files-import takes one folder at most"
  fi
  [ "$(id -u)" = 0 ] || die "run me as root: sudo server/bin/flyton files-import"
  py_last "$root/server/commands/filesimport.py" "$@"
}

# pypath.sh: print the import path (server/pypath, after the folder of config.py), for PYTHONPATH
# (server/bin/flyton sources this file; cmd_pypath runs the command)
cmd_pypath() {
  if [ "${1:-}" = --help ]; then
    say "usage: server/bin/flyton pypath"
    say "  the import path (server/pypath after the folder of config.py), for PYTHONPATH"
    return 0
  fi
  say "$pypath"
}

# new.sh: flyton new (server/bin/flyton sources it; cmd_new runs the command).
cmd_new() {
  # writes files only: no root needed where you may write, and nothing runs
  py_last "$root/server/commands/new.py" "$@"
}

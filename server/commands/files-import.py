# files-import.py: the files of client/pages/files/ into the database (uploads live there: every node serves them)
# The files of client/pages/files/ (on prod the machine's /srv/flyton/shared/files/) into the database (table files, tools/kicfile.py) under the names their URLs have, so every web
# node serves them and a backup holds them:
#   sudo server/bin/flyton files-import [DIR]
# A name the database has already is skipped, so it can run again (on each node); the files stay
# on disk, and the site serves the database's copy first.
import os
import sys
import argparse

import config
from tools.sql import *
from tools.kicfile import file_put, name_re

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def files_import(argv):
    a = argparse.ArgumentParser(prog="sudo server/bin/flyton files-import",
                                epilog="names there already are skipped, so it can run again (on each node)")
    a.add_argument("dir", nargs="?", default=os.path.join(root, "client", "pages", "files"),
                   help="the folder (default client/pages/files; on prod /srv/flyton/shared/files)")
    d = a.parse_args(argv).dir
    if not os.path.isdir(d):
        print(f"flyton files-import: no folder {d}", file=sys.stderr)
        return 1
    limit = int(getattr(config, "max_file", 5 * 1024 * 1024))
    moved = kept = 0
    for n in sorted(os.listdir(d)):
        p = os.path.join(d, n)
        if n.startswith(".") or not os.path.isfile(p):
            continue
        if not name_re.match(n) or os.path.getsize(p) > limit:
            print(f"skipped {n!r}: not a name a URL of /pages/files/ has, or larger than max_file ({limit} bytes)")
            continue
        if sql("SELECT id FROM files WHERE name = %s", (n,))[0]:
            kept += 1
            continue
        with open(p, "rb") as f:
            file_put(n, f.read(), 0)
        moved += 1
    print(f"ok: {moved} file(s) moved into the database, {kept} there already (from {d})")
    return 0


if __name__ == "__main__":
    sys.exit(files_import(sys.argv[1:]))

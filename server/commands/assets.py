# assets.py: versioned copies of client/lib in this machine's asset store, and the static pages naming them
# Each file of client/lib is copied to <store>/<hash>/<name> (hash: the first 16 hex digits of its
# sha256), which Apache serves as /v/<hash>/<name> for a year (immutable). client/assets.json says
# which URL is each file's (tools/kicasset.py reads it) and client/built/pages holds the static
# pages with those URLs (prod serves them). The store keeps the files of the last 10 runs (sets):
# during a rolling promote or a rollback, a page from any node names files every node still has.
# install.sh, tests/run, promote (on every machine, before any switches) and rollback run it.
import os
import re
import sys
import json
import fcntl
import hashlib
import argparse

import config

keep = 10
name_re = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
set_re = re.compile(r"^[0-9a-f]{16}/[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
lib_re = re.compile(r"""(?<=["'(=])/lib/([A-Za-z0-9][A-Za-z0-9._-]{0,127})(?=["') >])""")
root = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
client = os.path.join(root, "client")


def assets(argv):
    p = argparse.ArgumentParser(prog="sudo server/bin/flyton assets", description="Copies each file of client/lib into the "
                                "machine's asset store under a versioned name (/v/<hash>/<name>, served for a year), writes "
                                "client/assets.json and the static pages naming them (client/built/pages); keeps the files "
                                f"of the last {keep} runs.")
    p.add_argument("--store", help="the store (default /var/lib/flyton/assets/<database name>)")
    o = p.parse_args(argv)
    db = str(config.db.get("name", ""))
    if not re.match(r"^[A-Za-z0-9_]{1,64}\Z", db):
        print(f"flyton assets: config.py: a database name of letters, digits and _ please, not {db!r}", file=sys.stderr)
        return 1
    store = os.path.abspath(o.store or f"/var/lib/flyton/assets/{db}")
    os.makedirs(os.path.join(store, ".sets"), mode=0o755, exist_ok=True)
    with open(os.path.join(store, ".lock"), "a") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)      # two runs at once (two releases shipped side by side) take turns
        files, names = copy_all(store)
        key = hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
        write(os.path.join(store, ".sets", key), "\n".join(names) + "\n")
        os.utime(os.path.join(store, ".sets", key))     # the newest set, also when the same as an older one
        gone = prune(store)
    served = served_here(store)
    if not served:
        files = {}
    owner = os.stat(client)
    write(os.path.join(client, "assets.json"), json.dumps({"files": files}, indent=1, sort_keys=True) + "\n", owner)
    n = build_pages(files, owner)
    print(f"ok: {len(names)} files of client/lib in {store} (set {key}; {gone} old files removed), {n} static pages in client/built/pages")
    if not served:
        print(f"note: no enabled Apache site serves {store} as /v/ yet (sudo ./install.sh writes it): pages name /lib/ files for now")
    return 0


def copy_all(store):
    # each regular file of client/lib into the store; {name: {url, size, mtime}} and the set's lines
    lib = os.path.join(client, "lib")
    files, names = {}, []
    for n in sorted(os.listdir(lib)):
        path = os.path.join(lib, n)
        if not name_re.match(n) or os.path.islink(path) or not os.path.isfile(path):
            continue
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            data = fh.read()
        h = hashlib.sha256(data).hexdigest()[:16]
        dst = os.path.join(store, h, n)
        if not os.path.isfile(dst):
            os.makedirs(os.path.join(store, h), mode=0o755, exist_ok=True)
            write(dst, data)
        files[n] = {"url": f"/v/{h}/{n}", "size": st.st_size, "mtime": st.st_mtime_ns}
        names.append(f"{h}/{n}")
    return files, names


def prune(store):
    # the files that none of the newest sets names are removed; so are the sets past those
    sets = []
    for s in os.listdir(os.path.join(store, ".sets")):
        p = os.path.join(store, ".sets", s)
        if re.match(r"^[0-9a-f]{16}\Z", s):
            sets.append((os.stat(p).st_mtime_ns, p))
    sets.sort(reverse=True)
    kept = set()
    for t, p in sets[:keep]:
        with open(p, encoding="utf-8") as fh:
            kept.update(x for x in fh.read().split("\n") if set_re.match(x))
    for t, p in sets[keep:]:
        os.remove(p)
    gone = 0
    for h in os.listdir(store):
        if not re.match(r"^[0-9a-f]{16}\Z", h):
            continue
        for n in os.listdir(os.path.join(store, h)):
            if f"{h}/{n}" not in kept:
                os.remove(os.path.join(store, h, n))
                gone += 1
        if not os.listdir(os.path.join(store, h)):
            os.rmdir(os.path.join(store, h))
    return gone


def served_here(store):
    # an enabled Apache site maps /v/ to this store (apache2-flyton.conf of this version, or later)
    d = "/etc/apache2/sites-enabled"
    for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        try:
            with open(os.path.join(d, f), encoding="utf-8", errors="replace") as fh:
                if f" {store}/$1" in fh.read():
                    return 1
        except OSError:
            continue
    return 0


def build_pages(files, owner):
    # client/pages as client/built/pages, each .html naming the versioned files; file by file, each in
    # one rename (a page being served is the old one or the new one); what left client/pages goes
    src = os.path.join(client, "pages")
    dst = os.path.join(client, "built", "pages")
    for x in (os.path.join(client, "built"), dst):
        if os.path.islink(x):
            raise SystemExit(f"flyton assets: {x} is a link: not written")
    made = set()
    n = 0
    for d, dirs, fs in os.walk(src):
        rel = os.path.relpath(d, src)
        dirs[:] = [x for x in dirs if not (rel == "." and x == "files") and not os.path.islink(os.path.join(d, x))]
        for f in fs:
            path = os.path.join(d, f)
            if os.path.islink(path):
                continue
            with open(path, "rb") as fh:
                data = fh.read()
            if f.endswith(".html"):
                data = lib_re.sub(lambda m: files[m.group(1)]["url"] if m.group(1) in files else m.group(0),
                                  data.decode("utf-8")).encode("utf-8")
                n += 1
            out = os.path.normpath(os.path.join(dst, rel, f))
            made.add(out)
            os.makedirs(os.path.dirname(out), mode=0o755, exist_ok=True)
            write(out, data, owner)
    for d, dirs, fs in os.walk(dst):
        os.chown(d, owner.st_uid, owner.st_gid)
        for f in fs:
            if os.path.join(d, f) not in made:
                os.remove(os.path.join(d, f))
    os.chown(os.path.join(client, "built"), owner.st_uid, owner.st_gid)
    return n


def write(path, data, owner=None):
    # the whole file or none: written beside, then renamed over; readable by the web server; in the
    # clone, its owner's (a developer's git clean can remove it), not root's. Root writes here: never
    # through a link someone planted (a new file, no link followed, in a folder that is no link)
    d = os.path.dirname(path)
    base = client if owner else os.path.dirname(d)
    if os.path.realpath(d) != os.path.normpath(os.path.join(os.path.realpath(base), os.path.relpath(d, base))):
        raise SystemExit(f"flyton assets: {d} is (or lies under) a link: not written")
    t = f"{path}.{os.getpid()}.new"
    if os.path.lexists(t):
        os.remove(t)
    fd = os.open(t, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    os.chmod(t, 0o644)
    if owner:
        os.chown(t, owner.st_uid, owner.st_gid)
    os.replace(t, path)


if __name__ == "__main__":
    sys.exit(assets(sys.argv[1:]))

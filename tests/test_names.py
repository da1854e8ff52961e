# test_names.py: one name per job. Each tool exports its own names only (its __all__), so the
# seeds' star-imports give the same names in any order; every name a file of the site uses is
# defined there; the seed's other names are the same job; status flags are 0/1; every flyton
# command is one file, with one help; the request context's keys are the ones docs/tools.md lists.
import os
import re
import ast
import random
import symtable
import builtins
import importlib
import subprocess
import importlib.util
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import top, cfg_file

pytestmark = pytest.mark.once      # nothing here depends on the runtime: the first pass only

# Flyton's own tools (a project's own, db_shop.py, are its own business); a project that dropped
# the demo app has no db_todo.py
framework = ["db_calls", "db_log", "db_pwreset", "db_ses", "db_tab", "db_todo", "db_users", "kic_refine", "kicapi",
             "kicasset", "kicconfirm", "kicedit", "kicfile", "kicjob", "kiclang", "kicmail", "kicmetrics", "kicrate", "kicreq", "kicsched", "kicstat", "kictotp", "kicutil",
             "kicweb", "pagedirs", "reauth", "sql", "statread", "throttle"]
tools = [t for t in framework if os.path.exists(f"{top}/server/apis/tools/{t}.py")]
doc = open(f"{top}/docs/tools.md", encoding="utf-8").read()


def star(t):
    # what `from tools.<t> import *` puts in a module
    ns = {}
    exec(f"from tools.{t} import *", ns)
    ns.pop("__builtins__", None)
    return ns


def test_every_tool_exports_only_its_own_names():
    assert len(tools) >= 20, tools
    for t in tools:
        m = importlib.import_module(f"tools.{t}")
        assert isinstance(getattr(m, "__all__", None), list), f"tools/{t}.py has no __all__"
        ns = star(t)
        assert sorted(ns) == sorted(m.__all__), t
        for n, v in ns.items():
            assert getattr(v, "__module__", None) == m.__name__, f"tools/{t}.py exports {n}, which is {getattr(v, '__module__', type(v))}'s"
        if t != "kic_refine":      # kic_refine and validate_email come through tools.sql (the contract's door)
            assert t in ns, f"tools/{t}.py: its first function, {t}(), is not exported"


def test_star_imports_give_the_same_names_in_any_order():
    owner = {}
    for t in tools:
        for n in star(t):
            assert n not in owner, f"{n} is exported by tools/{owner.get(n)}.py and tools/{t}.py"
            owner[n] = t
    # no two tools share a name, so no order can change what a name means; and a few orders, for real
    orders = [tools, tools[::-1]] + [random.Random(i).sample(tools, len(tools)) for i in range(8)]
    seen = []
    for o in orders:
        ns = {}
        exec("".join(f"from tools.{t} import *\n" for t in o), ns)
        ns.pop("__builtins__", None)
        seen.append(ns)
    assert all(s == seen[0] for s in seen)
    assert set(seen[0]) == set(owner)
    assert callable(seen[0]["sql"]) and "__file__" not in seen[0]


def test_sql_is_the_function_after_every_star_import():
    # the case of the issue: sql and then kicweb left sql naming the module
    ns = {}
    exec("from tools.sql import *\nfrom tools.kicweb import *\nfrom tools.db_ses import *\nw = sql('SELECT 1 + 1')", ns)
    assert ns["w"][0][0][0] == 2


def free_names(path):
    # the global names a file reads: at its top level, and inside its functions and classes
    top_t = symtable.symtable(open(path, encoding="utf-8").read(), path, "exec")
    out = set()

    def walk(t, at_top):
        for s in t.get_symbols():
            if not s.is_referenced():
                continue
            if at_top and not (s.is_assigned() or s.is_imported()):
                out.add(s.get_name())
            if not at_top and (s.is_global() or (t.get_type() == "class" and not s.is_local())):
                out.add(s.get_name())
        for c in t.get_children():
            walk(c, False)
    walk(top_t, True)
    return out


def site_files():
    # (path, module) of every Python file the site runs: apps and pages, methods, tools, front controllers
    for base in ("client/app", "server/apis", "server/cgi-bin"):
        for d, ds, fs in os.walk(f"{top}/{base}"):
            ds[:] = sorted(x for x in ds if x != "__pycache__")
            for f in sorted(fs):
                if not f.endswith(".py") or (base == "server/cgi-bin" and f == "p4api.py"):   # p4api runs on import
                    continue
                rel = os.path.relpath(f"{d}/{f}", f"{top}/{base}")[:-3].replace("/", ".")
                yield f"{d}/{f}", rel.removesuffix(".__init__")


def test_every_name_a_file_of_the_site_uses_is_defined():
    # a tool that exports less must not leave a page or method with a name it no longer gets:
    # that would be a NameError on the page, found only when someone opens it
    bad = []
    n = 0
    for path, name in site_files():
        if os.path.dirname(path) == f"{top}/client/app":
            spec = importlib.util.spec_from_file_location(f"app_{name}", path)    # as p4web loads an app
            m = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(m)
        else:
            m = importlib.import_module(name)
        n += 1
        for x in sorted(free_names(path)):
            if x not in vars(m) and not hasattr(builtins, x):
                bad.append(f"{os.path.relpath(path, top)}: {x}")
    assert n > 40, n
    assert bad == [], bad


def test_the_check_finds_a_name_a_file_does_not_define(tmp_path):
    p = tmp_path / "page_x.py"
    p.write_text("from tools.sql import *\n\ndef page_x(data):\n    return esc(find_in_sql({}))\n")
    assert free_names(str(p)) == {"esc", "find_in_sql"}


def test_the_seeds_other_names_are_the_same_job():
    from tools.sql import sql, kic_sql
    from tools.db_ses import check_ses, is_ses
    assert is_ses is check_ses
    q = "SELECT id, key1 FROM gen WHERE key1 IN (%s, %s) ORDER BY id"
    rows, n, last = sql(q, ("roles", "ses_idle_min"))
    assert rows and kic_sql(q, 0, ("roles", "ses_idle_min")) == rows
    assert kic_sql(q, 1, ("roles", "ses_idle_min")) == {"status": 1, "row_count": n, "results": rows}
    # the docs teach one name and say which seed name is the same
    for seed, taught in (("is_ses", "check_ses"), ("kic_sql", "sql")):
        assert re.search(rf"^\| [^|]+ \| `{taught}\([^|]*\)` \| `{seed}\(", doc, re.M), \
            f"docs/tools.md: the table of names does not show {seed} as the seed's name of {taught}"


def test_every_exported_name_is_in_the_tool_reference():
    missing = [f"{t}.{n}" for t in tools for n in star(t) if not re.search(rf"\b{re.escape(n)}\b", doc)]
    assert missing == [], f"not in docs/tools.md: {missing}"
    # one role check is taught (is_ses_role; need_role guards a page): the request context's has_role is
    # what it reads, not a second name to learn
    assert "has_role(" not in doc and "has_role(" not in open(f"{top}/docs/rules.md", encoding="utf-8").read()


def test_status_flags_are_0_or_1():
    # the rules' flags are 0/1; insert_to_sql and add_to_data answer True/False, as the contract shows
    # them (True == 1: `if w["status"]` reads both)
    contract = {("sql", "insert_to_sql"), ("sql", "add_to_data")}
    bad = []
    for t in tools:
        tree = ast.parse(open(f"{top}/server/apis/tools/{t}.py", encoding="utf-8").read())
        for f in [x for x in tree.body if isinstance(x, ast.FunctionDef)]:
            for d in [x for x in ast.walk(f) if isinstance(x, ast.Dict)]:
                for k, v in zip(d.keys, d.values):
                    if isinstance(k, ast.Constant) and k.value == "status" and isinstance(v, ast.Constant):
                        if type(v.value) is not int and (t, f.name) not in contract:
                            bad.append(f"{t}.{f.name}: status {v.value!r}")
    assert bad == [], bad


def test_the_check_of_flags_sees_a_bool(tmp_path):
    tree = ast.parse('def f():\n    return {"status": False}\n')
    d = [x for x in ast.walk(tree) if isinstance(x, ast.Dict)][0]
    assert type(d.values[0].value) is not int


def test_the_request_contexts_keys_are_the_ones_the_reference_lists():
    from tools.kicreq import kicreq_new, kicreq_end
    keys = set(kicreq_new({}))
    kicreq_end()
    sec = doc[doc.index("## tools/kicreq.py"):]
    sec = sec[:sec.index("\n## ", 1)]
    listed = set(re.findall(r"^\| `([a-z0-9]+)` \|", sec, re.M))
    assert listed == keys, f"docs/tools.md lists {sorted(listed)}, kicreq_new makes {sorted(keys)}"
    assert len(keys) >= 14


def commands():
    # name -> file of every flyton command (server/commands: NAME.py or NAME.sh; remote.sh and
    # release.sh are what the shell commands share)
    d = f"{top}/server/commands"
    out = {}
    for f in sorted(os.listdir(d)):
        n, ext = os.path.splitext(f)
        if ext in (".py", ".sh") and n not in ("remote", "release"):
            assert n not in out, f"flyton {n} is written twice: {out[n]} and {f}"
            out[n] = f
    return out


def flyton(*args):
    r = subprocess.run([f"{top}/server/bin/flyton", *args], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, FLYTON_CONFIG_DIR=os.path.dirname(cfg_file)))
    return r.returncode, r.stdout, r.stderr


def test_every_command_is_one_file_with_one_help():
    cs = commands()
    assert {"new", "migrate", "promote", "health", "mkadmin", "db-init", "files-import"} <= set(cs), cs
    rc, listing, err = flyton("--help")
    assert rc == 0, err
    for n, f in cs.items():
        text = open(f"{top}/server/commands/{f}", encoding="utf-8").read()
        first = text.splitlines()[0]
        m = re.match(rf"# {re.escape(f)}: (\S.*)$", first)
        assert m, f"{f}: the first line says what the command does: {first!r}"
        about = m.group(1)
        # flyton --help lists it once, with that line
        assert len(re.findall(rf"^  {re.escape(n)} +{re.escape(about)}$", listing, re.M)) == 1, f"flyton --help: {n}"
        if f.endswith(".sh"):
            fn = "cmd_" + n.replace("-", "_")
            assert f"\n{fn}() {{" in text, f"{f} has no {fn}()"
            continue
        # a Python command: def <name>(argv) first, its argparse help the only help, nothing runs on import
        tree = ast.parse(text)
        first_f = [x for x in tree.body if isinstance(x, ast.FunctionDef)][0]
        assert first_f.name == n.replace("-", "_"), f"{f} starts with {first_f.name}()"
        assert [a.arg for a in first_f.args.args] == ["argv"], f
        assert "__main__" in text and "usage:" not in text, f"{f}: its help is argparse's, not one written by hand"
    assert len(re.findall(r"^  [a-z]", listing, re.M)) == len(cs), listing
    # each command's --help: its line, then its usage, and nothing done (mkadmin makes no admin)
    with ThreadPoolExecutor(4) as ex:
        got = dict(zip(cs, ex.map(lambda n: flyton(n, "--help"), cs)))
    for n, (rc, out, err) in got.items():
        assert rc == 0, f"flyton {n} --help: {out}{err}"
        lines = out.splitlines()
        assert lines[0].startswith(f"flyton {n}: "), out
        assert lines[1].startswith("usage: "), out
        if cs[n].endswith(".py"):     # argparse's, with the command's own name (flyton slow: stats.py's parser)
            assert re.match(rf"usage: (sudo [^ ]* ?)?server/bin/flyton {re.escape(n)}( |$)", lines[1]), out
        assert "created" not in out and "ok:" not in out, out
    tools_dir = os.listdir(f"{top}/server/apis/tools")
    assert not [f for f in cs.values() if f.endswith(".py") and f in tools_dir], "a command is not a tool"


def test_a_word_that_is_no_command_is_refused():
    for w in ("remote", "release", "nothing-here", "../bin/flyton", "Migrate"):
        rc, out, err = flyton(w)
        assert rc == 1 and f"no such command: {w}" in err, (w, err)

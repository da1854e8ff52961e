# test_project.py: the project as it is, whatever it holds: every page of every app is built
# for a user without roles and for a user of each role the project's code asks for, and every
# API method answers JSON, with or without a session. A broken page or method fails here,
# named by its file. In process (tests/inproc.py), against the test database that the
# project's migrations made.
import os
import re
import glob
import importlib.util

import pytest

from conftest import top, new_user, login, clear_fails, log_mark, sql
from inproc import page, api
from tools.db_ses import create_new_ses

pytestmark = pytest.mark.once

# the list of pages that promote's check walks (server/commands/health.py), loaded from its file
spec = importlib.util.spec_from_file_location("health", f"{top}/server/commands/health.py")
health = importlib.util.module_from_spec(spec)
spec.loader.exec_module(health)

role_re = re.compile(r"""(?:need_role\(\s*\w+\s*,|has_role\(|is_ses_role\(\s*[^,()]+,)\s*["']([A-Za-z0-9_-]+)["']""")


def roles():
    # the project's roles (the gen row "roles"), and the roles its pages and methods ask for
    # (need_role, has_role, is_ses_role): {role: the file that asks for it, or ""}
    known = {r: "" for r in (sql.gen_data().get("roles", {}).get("data") or {})}
    for f in glob.glob(f"{top}/client/**/*.py", recursive=True) + glob.glob(f"{top}/server/apis/**/*.py", recursive=True):
        for r in role_re.findall(open(f, encoding="utf-8", errors="replace").read()):
            known.setdefault(r, os.path.relpath(f, top))
    return known


def test_every_role_the_code_asks_for_is_one_of_the_projects():
    # a role nobody can be given (not in gen "roles": add it there, with a migration) locks its pages away
    rs = roles()
    known = set(sql.gen_data().get("roles", {}).get("data") or {})
    bad = [f"{f}: asks for the role {r!r}, which gen 'roles' does not list ({sorted(known)})" for r, f in rs.items()
           if r not in known]
    assert not bad, "\n".join(bad)


def test_every_page_is_built_for_each_role():
    clear_fails()
    since = log_mark()
    known = set(sql.gen_data().get("roles", {}).get("data") or {})
    who = [[]] + [[r] for r in sorted(roles()) if r in known]
    bad = []
    n = 0
    for rs in who:
        u, p, uid = new_user(rs)
        ses = login(u, p)
        for app, name, f in health.pages():
            st, t = page(name, ses, app=app)
            n += 1
            # a page is built (200), or refused to a user without its role (403); never an error
            # (500), never missing (404: a file the site cannot run as a page)
            if st not in (200, 403):
                ref = re.search(r"reference ([0-9a-f]{8})", t)
                bad.append(f"{f}: the page {name} (app={app}) as a user with roles {rs} answered {st}"
                           + (f", reference {ref.group(1)}" if ref else ""))
    assert n >= len(who), "no page found"
    assert not bad, "\n".join(bad) + "\n" + since()[-3000:]


def test_every_api_method_answers_json_with_and_without_a_session():
    clear_fails()
    u, p, uid = new_user()
    bad = []
    files = sorted(glob.glob(f"{top}/server/apis/api/api_*.py"))
    assert files, "no API method found"
    for f in files:
        meth = os.path.basename(f)[:-3]
        for who in ("", create_new_ses(uid, {})):      # a session of its own: a method may end it (api_logout)
            st, a = api(meth, {}, who)
            rel = os.path.relpath(f, top)
            if st >= 500 or not isinstance(a, dict) or a.get("allow") not in (0, 1):
                bad.append(f"{rel}: {meth} with an empty input{' and a session' if who else ''} answered {st}: {str(a)[:200]}")
            if st == 404:
                bad.append(f"{rel}: the site does not find {meth} ({a.get('err')})")
    assert not bad, "\n".join(bad)

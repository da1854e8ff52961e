# todo.py: the user's todos: add, mark done, rename (in place too), delete; a filter with radios.
from tools.kicutil import *
from tools.kicasset import lib_js
from tools.kiclang import *
from tools.db_todo import *
from tools.kicedit import kicedit

filters = [("all", "All"), ("open", "To do"), ("done", "Done")]


def todo(data):
    ses = data["ses"]
    uid = data["s"]["my_user_id"]
    flt = data.get("flt") if data.get("flt") in ("all", "open", "done") else "all"
    n = db_todo(uid)
    ts = todo_list(uid, flt, 101)
    rows = "".join(todo_row(data, t) for t in ts[:100])
    if not rows:
        rows = f"""<li class="list-group-item text-body-secondary" id=todo_none>{txt("Nothing here yet")}</li>"""
    if len(ts) > 100:
        rows += f"""<li class="list-group-item text-body-secondary" id=todo_more>{txt("The newest 100 are shown")}</li>"""
    h = f"""<div class="col-12 col-lg-8">
      <h1 class=h4>{txt("Todos")} <small class=text-body-secondary id=todo_count>{n["open"]} {txt("to do")}, {n["done"]} {txt("done")}</small></h1>
      <div class="input-group mb-1">
        <input class=form-control id=name placeholder="{esc(txt("What is there to do?"))}" maxlength=200 onkeydown=todo_key(event)>
        <button type=button class="btn btn-primary" id=todo_add onclick=todo_add()>{txt("Add")}</button>
      </div>
      <div class="kicerr text-danger small mb-2" id=name_err></div>
      <div class="mb-2" id=filters>
        {flt_radios(flt)}
        {kicbutton("todo", ses, txt("Show"), "btn btn-outline-secondary btn-sm", {"use": "flt"})}
      </div>
      <ul class=list-group id=todo_list>{rows}</ul>
      {lib_js("todo.js")}
    </div>"""
    return h


def flt_radios(flt):
    h = ""
    for k, name in filters:
        chk = " checked" if k == flt else ""
        h += f"""<input type=radio class=btn-check name=flt id=flt_{k} value={k}{chk}>
        <label class="btn btn-outline-primary btn-sm" for=flt_{k}>{txt(name)}</label>"""
    return h


def todo_row(data, t):
    id = t["id"]
    done = " checked" if t["done"] else ""
    cls = "todo-done" if t["done"] else ""
    name = kicedit(data, "todo", id, "name", t["name"])    # click the title to rename it in place
    return f"""<li class="list-group-item d-flex align-items-center gap-2" id=todo_{id}>
        <input type=checkbox class=form-check-input id=done_{id}{done} onclick="todo_done({id})">
        <span class="flex-grow-1 {cls}" id=name_{id}>{name}</span>
        <input class="form-control form-control-sm d-none" id=ed_{id} value="{esc(t["name"])}" maxlength=200>
        <button type=button class="btn btn-outline-secondary btn-sm" id=edit_{id} onclick="todo_edit({id})">{txt("Edit")}</button>
        <button type=button class="btn btn-outline-danger btn-sm" id=del_{id} onclick="todo_del({id})">{txt("Delete")}</button>
      </li>"""

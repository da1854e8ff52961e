// todo.js: the todo page. Each change goes to the server, then the page is drawn again there.

async function todo_add() {
  var res = await call_server("api_todo_add", {name: go_el("name").value});
  if (todo_err(res)) {
    return;
  }
  location.reload();
}

function todo_key(e) {
  if (e.key == "Enter") {
    todo_add();
  }
}

async function todo_done(id) {
  var res = await call_server("api_todo_done", {id: id, done: go_el("done_" + id).checked ? 1 : 0});
  if (todo_err(res)) {
    return;
  }
  location.reload();
}

// first click: show the field; second click: save it
async function todo_edit(id) {
  var ed = go_el("ed_" + id);
  if (ed.classList.contains("d-none")) {
    ed.classList.remove("d-none");
    go_el("name_" + id).classList.add("d-none");
    go_el("edit_" + id).textContent = "Save";
    ed.focus();
    return;
  }
  var res = await call_server("api_todo_edit", {id: id, name: ed.value});
  if (todo_err(res, "ed_" + id)) {
    return;
  }
  location.reload();
}

async function todo_del(id) {
  var res = await call_server("api_todo_del", {id: id});
  if (todo_err(res)) {
    return;
  }
  location.reload();
}

// shows the server's message next to the field; 1 when there was an error
function todo_err(res, fld) {
  go_clean("name");
  go_el("name_err").textContent = "";
  if (res.server.allow) {
    return 0;
  }
  var el = go_el(fld || res.server.fld || "name");
  if (el) {
    go_red(el);
  }
  go_el("name_err").textContent = res.server.msg || res.server.err;
  return 1;
}

// kicedit.js: inline editing of the values a page drew with kicedit() (tools/kicedit.py).
// A click (or Enter) turns the value into a field; Enter saves it through api_edit, Escape
// or leaving the field puts the old value back. A failed save shows the server's word next
// to the value and puts the old value back.

function kic_edit(id) {
  var el = go_el(id);
  if (el.dataset.on == "1" || el.dataset.on == "2") {
    return;
  }
  el.dataset.on = "1";
  el.dataset.old = el.textContent;
  var inp = document.createElement("input");
  inp.className = "form-control form-control-sm d-inline-block w-auto";
  inp.id = id + "_in";
  inp.value = el.dataset.old;
  // the field is made here, so its events are set here
  inp.onkeydown = function (e) { kic_edit_in(e, id); };
  inp.onblur = function () { kic_edit_end(id, el.dataset.old, 1); };
  el.textContent = "";
  el.appendChild(inp);
  go_el(id + "_err").textContent = "";
  inp.focus();
  inp.select();
}

function kic_edit_key(e, id) {
  if (e.key == "Enter" && e.target.id == id) {
    kic_edit(id);
  }
}

function kic_edit_in(e, id) {
  e.stopPropagation();
  if (e.key == "Enter") {
    kic_edit_save(id);
  }
  if (e.key == "Escape") {
    kic_edit_end(id, go_el(id).dataset.old, 0);
  }
}

async function kic_edit_save(id) {
  var el = go_el(id);
  el.dataset.on = "2";   // saving: leaving the field now does not undo it
  var res = await call_server("api_edit", {t: el.dataset.t, i: el.dataset.i, f: el.dataset.f, k: el.dataset.k,
                                           v: go_el(id + "_in").value});
  if (!res.server.allow) {
    kic_edit_end(id, el.dataset.old, 0);
    go_el(id + "_err").textContent = res.server.msg || res.server.err;
    return;
  }
  kic_edit_end(id, res.server.v, 0);
}

// back to text; blur=1: only when the field was left, not while it saves
function kic_edit_end(id, text, blur) {
  var el = go_el(id);
  if (blur && el.dataset.on != "1") {
    return;
  }
  el.dataset.on = "0";
  el.textContent = text;
  if (!blur) {
    el.focus();
  }
}

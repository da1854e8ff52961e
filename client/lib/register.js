// register.js: the register page; a new user then logs in on the login page.

async function register() {
  var flds = ["u", "p", "first", "last", "email"];
  var inp = {};
  for (var i = 0; i < flds.length; i++) {
    inp[flds[i]] = go_el(flds[i]).value;
    go_clean(flds[i]);
  }
  go_el("msg").textContent = "";
  var res = await call_server("api_register", inp);
  if (res.server.allow) {
    go_el("regform").classList.add("d-none");
    go_el("done").classList.remove("d-none");
    go_el("done_mail").textContent = res.server.msg || "";
    return;
  }
  if (res.server.fld) {
    go_red(res.server.fld);
  }
  go_el("msg").textContent = res.server.msg || res.server.err;
}

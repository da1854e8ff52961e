// mfa.js: the two-step login page.

async function mfa_on() {
  var res = await call_server("api_mfa_on", {code: go_el("code").value, p: go_el("p").value});
  mfa_show(res, "Two-step login is on.");
}

async function mfa_off() {
  var res = await call_server("api_mfa_off", {code: go_el("code").value, p: go_el("p").value});
  mfa_show(res, "Two-step login is off.");
}

function mfa_show(res, ok) {
  if (res.server.allow) {
    go_green("code");
    go_el("mfa_msg").textContent = ok;
    go_el("mfa_go").disabled = true;
    return;
  }
  go_red(res.server.fld == "p" ? "p" : "code");
  go_el("mfa_msg").textContent = res.server.msg || res.server.err;
}

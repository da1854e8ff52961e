// profile.js: password, email and phone number of the logged-in user.

// the proof a change of password or email needs: the current password, and the code when
// two-step login is on (the field is there only then)
function profile_proof() {
  return {p: go_el("old").value, code: go_el("cur_code") ? go_el("cur_code").value : ""};
}

async function profile_pw() {
  var pr = profile_proof();
  var res = await call_server("api_password", {old: pr.p, code: pr.code, new: go_el("new").value});
  profile_show(res, ["old", "new"], "Password changed.");
}

async function profile_phone() {
  var res = await call_server("api_phone", {phone: go_el("phone").value});
  if (res.server.allow) {
    go_el("phone").value = res.server.phone;
  }
  profile_show(res, ["phone"], "Phone saved.");
}

async function profile_email() {
  var pr = profile_proof();
  var res = await call_server("api_email", {email: go_el("email").value, p: pr.p, code: pr.code});
  if (res.server.allow) {
    go_el("email").value = res.server.email;
  }
  profile_show(res, ["email", "old"], res.server.msg || "Email saved.");
}

// the message goes under the field the server names
function profile_show(res, flds, ok) {
  for (var i = 0; i < flds.length; i++) {
    go_clean(flds[i]);
    go_el(flds[i] + "_err").textContent = "";
  }
  go_el("profile_msg").textContent = "";
  if (res.server.allow) {
    go_el("profile_msg").textContent = ok;
    return;
  }
  var f = res.server.fld || flds[0];
  if (f == "p") { f = "old"; }
  go_red(f);
  go_el(f + "_err").textContent = res.server.msg || res.server.err;
}

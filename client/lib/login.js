// login.js: the login page. The session token goes to this tab's sessionStorage only.

function login_start() {
  sessionStorage.removeItem("ses");
  go_el("u").focus();
}

async function login() {
  var inp = {u: go_el("u").value, p: go_el("p").value, code: go_el("code").value};
  go_el("msg").textContent = "";
  go_el("go").disabled = true;
  var res = await call_server("api_login", inp);
  go_el("go").disabled = false;
  if (res.server.allow) {
    sessionStorage.setItem("ses", res.server.ses);
    location.href = "/cgi-bin/p?app=start&r=309012&ses=" + encodeURIComponent(res.server.ses);
    return;
  }
  go_el("msg").textContent = res.server.msg || res.server.err;
}

// forgot.js: "forgot password": forgot.html asks for the link, reset.html (the link) sets the password;
// confirm.html (a link too) makes a new email address the user's.
// The link's token is after the # (it never reaches a server's log); reset_start moves it
// out of the address bar, so it is not left in the history.

async function forgot() {
  go_el("go").disabled = true;
  var res = await call_server("api_pw_forgot", {email: go_el("email").value});
  go_el("go").disabled = false;
  forgot_say(res, res.server.msg);
}

var reset_token = "";

function reset_start() {
  link_token();
  go_el("p").focus();
}

// the token after the # of a mailed link, kept and taken out of the address bar
function link_token() {
  reset_token = new URLSearchParams(location.hash.slice(1)).get("t") || "";
  history.replaceState(null, "", location.pathname);
  if (!reset_token) {
    go_el("msg").textContent = "This page opens from the link in the mail.";
    go_el("go").disabled = true;
  }
}

async function reset_pw() {
  if (go_el("p").value != go_el("p2").value) {
    go_red("p2");
    go_el("msg").className = "mt-3 text-danger";
    go_el("msg").textContent = "The two passwords differ.";
    return;
  }
  go_el("go").disabled = true;
  var res = await call_server("api_pw_reset", {t: reset_token, p: go_el("p").value});
  go_el("go").disabled = false;
  if (forgot_say(res, "Your password is set. Log in with it.")) {
    go_el("resetform").classList.add("d-none");
    go_el("tologin").classList.remove("d-none");
  }
}

// the server's word under the form; 1 when it went well
function forgot_say(res, ok) {
  go_el("msg").className = "mt-3 " + (res.server.allow ? "text-success" : "text-danger");
  go_el("msg").textContent = res.server.allow ? ok : (res.server.msg || res.server.err);
  if (!res.server.allow && res.server.fld) {
    go_red(res.server.fld);
  }
  return res.server.allow ? 1 : 0;
}

// confirm.html (the link that confirms a new email address)
function confirm_start() {
  link_token();
}

async function confirm_email() {
  go_el("go").disabled = true;
  var res = await call_server("api_email_confirm", {t: reset_token});
  if (!forgot_say(res, "Done: " + (res.server.email || "") + " is your email address.")) {
    go_el("go").disabled = false;
  }
}

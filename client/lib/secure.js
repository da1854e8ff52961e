// secure.js: every tab has its own session. A page of the app whose URL ses is
// not this tab's sessionStorage ses leaves for the login page.

function kic_secure() {
  var u = new URLSearchParams(location.search).get("ses") || "";
  var s = sessionStorage.getItem("ses") || "";
  if (u == "" || u != s) {
    document.documentElement.style.display = "none";
    location.replace("/pages/login/");
    return 0;
  }
  return 1;
}

// logout: end the session on the server, forget it here
async function kic_logout() {
  await call_server("api_logout", {});
  sessionStorage.removeItem("ses");
  location.replace("/pages/login/");
}

kic_secure();
// a page shown again from the back/forward cache checks again
window.addEventListener("pageshow", function (e) { if (e.persisted) kic_secure(); });

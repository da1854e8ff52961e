// users.js: the admin's users page.

async function user_off(id) {
  var res = await call_server("api_user_off", {id: id});
  if (!res.server.allow) {
    go_el("users_msg").textContent = res.server.msg || res.server.err;
    return;
  }
  location.reload();
}

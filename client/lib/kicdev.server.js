// kicdev.server.js: call_server(meth, inp) sends inp to server/apis/api/<meth>.py
// and resolves to its answer {"server": {"allow": 1|0, ...}}. It never throws:
// a network or HTTP failure also resolves to {"server": {"allow": 0, "err": ...}}.

async function call_server(meth, inp) {
  var url = "/cgi-bin/api?meth=" + encodeURIComponent(meth);
  // rid: this call's request id. A call whose answer never came (a web node died, the network
  // broke, the database restarted) is sent again with the same rid, twice at most: the server
  // kept the first answer of a call that wrote, so nothing is written twice (dispatch.py)
  var info = {os: "a", ses: sessionStorage.getItem("ses") || "", uses: kic_url_ses(), rid: kic_rid()};
  var body = JSON.stringify({info: info, input: kic_pack(inp || {})});
  var res = null;
  for (var i = 0; i < 3; i++) {
    if (i > 0) {
      await new Promise(function (ok) { setTimeout(ok, 400 * i * i); });
    }
    res = await kic_send(url, body);
    if (!res.again) {
      break;
    }
  }
  delete res.again;
  if (res.server.trace) {
    // sys_mode "dev": the server's traceback, for the developer
    console.error("call_server(" + meth + "): " + res.server.err + "\n" + res.server.trace);
  }
  if (res.server.sact == "out") {
    sessionStorage.removeItem("ses");
    alert(res.server.err || "Your session has ended. Please log in again.");
    location.replace("/pages/login/");
  }
  return res;
}

// one try; again: 1 when no answer of Flyton's came (the network, a balancer's 502-504, a page
// that is no JSON), or Flyton says the call wrote nothing and may be sent again (retry)
async function kic_send(url, body) {
  try {
    var r = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: body});
    var t = await r.text();
    var res = kic_parse(t, r.status);
    res.again = (r.status >= 502 && r.status <= 504) || res.server.retry || (r.status >= 500 && res.bad) ? 1 : 0;
    delete res.bad;
    return res;
  } catch (e) {
    return {server: {allow: 0, err: "network error: " + e.message}, again: 1};
  }
}

function kic_rid() {
  var b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
}

function kic_parse(t, status) {
  var res = null;
  try {
    res = JSON.parse(t);
  } catch (e) {
    return {server: {allow: 0, err: "bad answer from the server (HTTP " + status + ")"}, bad: 1};
  }
  if (!res || typeof res != "object" || !res.server) {
    return {server: {allow: 0, err: "bad answer from the server (HTTP " + status + ")"}, bad: 1};
  }
  return res;
}

function kic_url_ses() {
  return new URLSearchParams(location.search).get("ses") || "";
}

// a file_ key holding an ArrayBuffer goes as base64 under b64_<key>
function kic_pack(inp) {
  var out = {};
  for (var k in inp) {
    if (k.indexOf("file_") == 0 && inp[k] instanceof ArrayBuffer) {
      out["b64_" + k] = kic_b64(inp[k]);
      continue;
    }
    out[k] = inp[k];
  }
  return out;
}

function kic_b64(buf) {
  var b = new Uint8Array(buf);
  var s = "";
  for (var i = 0; i < b.length; i += 32768) {
    s += String.fromCharCode.apply(null, b.subarray(i, i + 32768));
  }
  return btoa(s);
}

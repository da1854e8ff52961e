// kicdev.server.js: call_server(meth, inp) sends inp to server/apis/api/<meth>.py
// and resolves to its answer {"server": {"allow": 1|0, ...}}. It never throws:
// a network or HTTP failure also resolves to {"server": {"allow": 0, "err": ...}}.

async function call_server(meth, inp) {
  var url = "/cgi-bin/api?meth=" + encodeURIComponent(meth);
  var info = {os: "a", ses: sessionStorage.getItem("ses") || "", uses: kic_url_ses()};
  var body = JSON.stringify({info: info, input: kic_pack(inp || {})});
  var res = null;
  try {
    var r = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: body});
    var t = await r.text();
    res = kic_parse(t, r.status);
  } catch (e) {
    res = {server: {allow: 0, err: "network error: " + e.message}};
  }
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

function kic_parse(t, status) {
  var res = null;
  try {
    res = JSON.parse(t);
  } catch (e) {
    return {server: {allow: 0, err: "bad answer from the server (HTTP " + status + ")"}};
  }
  if (!res || typeof res != "object" || !res.server) {
    return {server: {allow: 0, err: "bad answer from the server (HTTP " + status + ")"}};
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

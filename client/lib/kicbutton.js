// kicbutton.js: kic_run_but(url, use) opens url; use = "id1/id2" adds the current
// values of those form elements (a radio group by its name: the checked one).

function kic_run_but(url, use) {
  var u = url;
  if (use) {
    var ids = use.split("/");
    for (var i = 0; i < ids.length; i++) {
      u += "&" + encodeURIComponent(ids[i]) + "=" + encodeURIComponent(kic_value(ids[i]));
    }
  }
  location.href = u;
}

function kic_value(id) {
  var el = document.getElementById(id);
  if (el && el.type == "checkbox") {
    return el.checked ? "1" : "0";
  }
  if (el && el.type != "radio") {
    return el.value;
  }
  var radios = document.getElementsByName(id);
  for (var i = 0; i < radios.length; i++) {
    if (radios[i].checked) {
      return radios[i].value;
    }
  }
  return "";
}

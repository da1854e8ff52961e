// kicdev.bs5.js: small helpers for bootstrap 5 form fields. el is an element or its id.

function go_el(id) {
  return document.getElementById(id);
}

function kic_el(el) {
  if (typeof el == "string") {
    return document.getElementById(el);
  }
  return el;
}

// mark a field as good
function go_green(el) {
  var e = kic_el(el);
  e.classList.remove("is-invalid");
  e.classList.add("is-valid");
}

// mark a field as wrong
function go_red(el) {
  var e = kic_el(el);
  e.classList.remove("is-valid");
  e.classList.add("is-invalid");
}

// neither
function go_clean(el) {
  var e = kic_el(el);
  e.classList.remove("is-valid");
  e.classList.remove("is-invalid");
}

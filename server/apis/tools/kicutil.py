# kicutil.py: HTML helpers for pages: links, buttons, cards, form fields, dates.
# Titles and labels are HTML you write; values and names that come from data
# are escaped by the helper. Use esc() for any data you put in a page yourself.
import json
import html
import datetime
import urllib.parse


def kicutil():
    # the names of the helpers, for a quick look in a shell
    return ["kicnav", "kicmenu", "kicbutton", "kicbutton0", "kiccard", "kic_collapse",
            "kicselect", "kicinput", "kic_date", "esc"]


def esc(s):
    # text -> safe inside HTML and inside a quoted attribute
    return html.escape("" if s is None else str(s), quote=True)


def kicnav(page, ses, more={}, app="start"):
    # the URL of a page: /cgi-bin/p?app=..&r=309012&ses=..&rpage=..&k=v (url-encoded)
    q = {"app": app, "r": "309012", "ses": ses, "rpage": page}
    for k, v in (more or {}).items():
        if k != "use":
            q[k] = v
    return "/cgi-bin/p?" + urllib.parse.urlencode(q)


def js_arg(s):
    # a python string -> a JS string literal that is safe inside an HTML attribute
    return esc(json.dumps(s))


def kicmenu(page, ses, title, cls="kicmenu"):
    url = kicnav(page, ses)
    return f"""<a class="{esc(cls)}" id=menu_{esc(page)} href="{esc(url)}">{title}</a>"""


def kicbutton0():
    # the script that defines kic_run_but(). p4web's page head loads it already;
    # this is for pages built some other way
    return """<script src="/lib/kicbutton.js"></script>"""


def kicbutton(page, ses, title, cls="kicmenu", more={}, app="start"):
    # a button that opens the page; more["use"] = "id1/id2" adds the current
    # values of those form elements (a radio group: the checked one) to the URL
    url = kicnav(page, ses, more, app)
    use = (more or {}).get("use", "")
    return f"""<button type=button class="{esc(cls)}" onclick="kic_run_but({js_arg(url)}, {js_arg(use)})">{title}</button>"""


colors = {"red": "border-danger", "green": "border-success", "grey": "border-secondary"}


def kiccard(title, title1, explain, button_text="", ses="", page="", more={}):
    # a bootstrap card; more: width (px), cls, color red/green/grey, icon (an image url), but_cls
    m = more or {}
    width = f"style=\"width: {int(m['width'])}px\"" if m.get("width") else ""
    cls = f"card m-2 {colors.get(m.get('color', ''), '')} {m.get('cls', '')}".strip()
    icon = f"""<img src="{esc(m['icon'])}" class=kicicon alt="">""" if m.get("icon") else ""
    sub = f"""<h6 class="card-subtitle mb-2 text-body-secondary">{title1}</h6>""" if title1 else ""
    but = ""
    if button_text and page:
        but = kicbutton(page, ses, button_text, m.get("but_cls", "btn btn-primary btn-sm"), m.get("more", {}))
    return f"""<div class="{esc(cls)}" {width}>
      <div class=card-body>
        <h5 class=card-title>{icon}{title}</h5>
        {sub}
        <p class=card-text>{explain}</p>
        {but}
      </div>
    </div>"""


def kic_collapse(title, explain, button_text, ses, page):
    # a title that opens to show the explanation and a button to the page
    cid = f"col_{esc(page)}"
    but = kicbutton(page, ses, button_text, "btn btn-primary btn-sm") if button_text else ""
    return f"""<div class="kiccollapse my-1">
      <button type=button class="btn btn-link" data-bs-toggle=collapse data-bs-target="#{cid}">{title}</button>
      <div class=collapse id={cid}>
        <div class="card card-body">{explain} {but}</div>
      </div>
    </div>"""


def kicselect(id, label, more={}):
    # a select; more: value (chosen id), data [(id, name), ...], empty (first empty
    # option's text), disable (1)
    m = more or {}
    h = ""
    if "empty" in m:
        h += f"""<option value="">{esc(m['empty'])}</option>"""
    val = str(m.get("value", ""))
    for k, name in m.get("data", []):
        sel = " selected" if str(k) == val else ""
        h += f"""<option value="{esc(k)}"{sel}>{esc(name)}</option>"""
    dis = " disabled" if m.get("disable") else ""
    return f"""<div class=mb-2>
      <label for={esc(id)} class=form-label>{label}</label>
      <select class=form-select id={esc(id)} name={esc(id)}{dis}>{h}</select>
    </div>"""


def kicinput(id, label, placeh, more={}):
    # a text field; more: value, onchange (a JS call you wrote), type, err (a message under it)
    m = more or {}
    ch = f""" onchange="{esc(m['onchange'])}\"""" if m.get("onchange") else ""
    typ = esc(m.get("type", "text"))
    err = esc(m.get("err", ""))
    return f"""<div class=mb-2>
      <label for={esc(id)} class=form-label>{label}</label>
      <input type={typ} class=form-control id={esc(id)} name={esc(id)} placeholder="{esc(placeh)}" value="{esc(m.get('value', ''))}"{ch}>
      <div class="kicerr text-danger small" id={esc(id)}_err>{err}</div>
    </div>"""


def kic_date(h="", format="-"):
    # a date (date, datetime, "YYYY-MM-DD..." text, "" = today) in a format:
    # "-" 2026-11-22 | "y0" 2026-11-22 00:00:00 | 8 or "disp" 22/11/2026 | 6 221126 | 3 or "int" 20261122
    d = to_date(h)
    if d is None:
        return ""
    if format == "-":
        return d.strftime("%Y-%m-%d")
    if format == "y0":
        return d.strftime("%Y-%m-%d 00:00:00")
    if format in (8, "8", "disp"):
        return d.strftime("%d/%m/%Y")
    if format in (6, "6"):
        return d.strftime("%d%m%y")
    if format in (3, "3", "int"):
        return int(d.strftime("%Y%m%d"))
    return d.strftime("%Y-%m-%d")


def to_date(h):
    if h in ("", None):
        return datetime.date.today()
    if isinstance(h, datetime.datetime):
        return h.date()
    if isinstance(h, datetime.date):
        return h
    s = str(h).strip()
    for f in ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(s[:10] if f != "%Y%m%d" else s[:8], f).date()
        except ValueError:
            continue
    return None

# kicutil.py: HTML helpers for pages: links, buttons, cards, form fields, dates.
# Titles and labels are HTML you write; values and names that come from data
# are escaped by the helper. Use esc() for any data you put in a page yourself.
import re
import json
import html
import datetime
import urllib.parse

from tools.kicasset import lib_js

# what `from tools.kicutil import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["kicutil", "esc", "kicnav", "kicmenu", "kicbutton0", "kicbutton", "kiccard", "kic_collapse", "kicselect", "kicinput", "kic_date"]


def kicutil():
    # the names of the helpers, for a quick look in a shell
    return ["kicnav", "kicmenu", "kicbutton", "kicbutton0", "kiccard", "kic_collapse",
            "kicselect", "kicinput", "kic_date", "esc"]


def esc(s):
    # text -> safe inside HTML and inside a quoted attribute
    if type(s) is not str:
        s = "" if s is None else str(s)
    if not special_re.search(s):
        return s      # most text has nothing to escape: no five replaces for it
    return html.escape(s, quote=True)


special_re = re.compile(r"[&<>\"']")


def kicnav(page, ses, more={}, app="start"):
    # the URL of a page: /cgi-bin/p?app=..&r=309012&ses=..&rpage=..&k=v (url-encoded)
    # names and tokens need no encoding: joined as they are (a page has a dozen links, and
    # urlencode costs a fifth of building it); anything else is encoded
    if not more and plain_re.match(f"{app}{ses}{page}"):
        return page_url(page, ses, app)
    q = {"app": app, "r": "309012", "ses": ses, "rpage": page}
    for k, v in (more or {}).items():
        if k != "use":
            q[k] = v
    if plain_re.match("".join(f"{k}{v}" for k, v in q.items())):
        return "/cgi-bin/p?" + "&".join(f"{k}={v}" for k, v in q.items())
    return "/cgi-bin/p?" + urllib.parse.urlencode(q)


plain_re = re.compile(r"^[A-Za-z0-9_.~-]*\Z")


def page_url(page, ses, app, amp="&"):
    # the URL of a page whose name, session and app are plain (nothing to encode); amp="&amp;": inside HTML
    return f"/cgi-bin/p?app={app}{amp}r=309012{amp}ses={ses}{amp}rpage={page}"


def js_arg(s):
    # a python string -> a JS string literal that is safe inside an HTML attribute
    if isinstance(s, str) and url_re.match(s):
        return "&quot;" + s.replace("&", "&amp;") + "&quot;"    # what the line below makes of a URL, faster
    return esc(json.dumps(s))


url_re = re.compile(r"^[A-Za-z0-9_.~/?=&%+-]*\Z")


def kicmenu(page, ses, title, cls="kicmenu"):
    if plain_re.match(f"{ses}{page}"):
        # a plain page and token (every menu of a live session): nothing in the URL or the id to escape
        return f"""<a class="{esc(cls)}" id=menu_{page} href="{page_url(page, ses, "start", "&amp;")}">{title}</a>"""
    url = kicnav(page, ses)
    return f"""<a class="{esc(cls)}" id=menu_{esc(page)} href="{esc_url(url)}">{title}</a>"""


def esc_url(s):
    # esc() of a URL: one made of plain characters has only & to escape
    if url_re.match(s):
        return s.replace("&", "&amp;")
    return esc(s)


def kicbutton0():
    # the script that defines kic_run_but(). p4web's page head loads it already;
    # this is for pages built some other way
    return lib_js("kicbutton.js")


def kicbutton(page, ses, title, cls="kicmenu", more={}, app="start"):
    # a button that opens the page; more["use"] = "id1/id2" adds the current
    # values of those form elements (a radio group: the checked one) to the URL
    if not more and plain_re.match(f"{app}{ses}{page}"):
        # a plain URL and no "use": what js_arg makes of them, without the work
        url = page_url(page, ses, app, "&amp;")
        return f"""<button type=button class="{esc(cls)}" onclick="kic_run_but(&quot;{url}&quot;, &quot;&quot;)">{title}</button>"""
    url = kicnav(page, ses, more, app)
    use = (more or {}).get("use", "")
    return f"""<button type=button class="{esc(cls)}" onclick="kic_run_but({js_arg(url)}, {js_arg(use)})">{title}</button>"""


colors = {"red": "border-danger", "green": "border-success", "grey": "border-secondary"}


def kiccard(title, title1, explain, button_text="", ses="", page="", more={}):
    # a bootstrap card; more: width (px), cls, color red/green/grey, icon (an image url), but_cls
    m = more or {}
    width = f"style=\"width: {int(m['width'])}px\"" if m.get("width") else ""
    cls = "card m-2"
    if "color" in m or "cls" in m:
        cls = esc(f"card m-2 {colors.get(m.get('color', ''), '')} {m.get('cls', '')}".strip())
    icon = f"""<img src="{esc(m['icon'])}" class=kicicon alt="">""" if m.get("icon") else ""
    sub = f"""<h6 class="card-subtitle mb-2 text-body-secondary">{title1}</h6>""" if title1 else ""
    but = ""
    if button_text and page:
        but = kicbutton(page, ses, button_text, m.get("but_cls", "btn btn-primary btn-sm"), m.get("more", {}))
    return f"""<div class="{cls}" {width}>
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
    # a date or time (date, datetime, text "2024-03-09 14:05:00" and the like; "" or "now" = now)
    # in a format: "-" 2024-03-09 | "y0" 2024 | 8 or "disp" 09-03-2024 | 6 03/09/2024 |
    # 3 or "int" 20240309 (an int) | any other text is a strftime pattern: "%H:%M" 14:05
    d = to_dt(h)
    if d is None:
        return ""
    f = formats.get(str(format), format if isinstance(format, str) else "%Y-%m-%d")
    if f == "int":
        return int(d.strftime("%Y%m%d"))
    try:
        return d.strftime(f)
    except ValueError:
        return ""


formats = {"-": "%Y-%m-%d", "y0": "%Y", "8": "%d-%m-%Y", "disp": "%d-%m-%Y", "6": "%m/%d/%Y", "3": "int", "int": "int"}
parse = [("%Y-%m-%d %H:%M:%S", 19), ("%Y-%m-%dT%H:%M:%S", 19), ("%Y-%m-%d %H:%M", 16), ("%Y-%m-%d", 10),
         ("%Y%m%d", 8), ("%d/%m/%Y", 10), ("%d-%m-%Y", 10)]


def to_dt(h):
    # a datetime from what kic_date is given; None when it is not a date
    if h in ("", None, "now"):
        return datetime.datetime.now()
    if isinstance(h, datetime.datetime):
        return h
    if isinstance(h, datetime.date):
        return datetime.datetime(h.year, h.month, h.day)
    s = str(h).strip()
    for f, n in parse:
        try:
            return datetime.datetime.strptime(s[:n], f)
        except ValueError:
            continue
    return None

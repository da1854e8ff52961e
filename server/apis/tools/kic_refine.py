# kic_refine.py: kic_refine(name, value, cond) cleans and checks one input.
# Returns the clean value, or {"status": 0, "err": "<name>: why"}.
import re
import datetime

# nothing for a star-import: kic_refine and validate_email are tools.sql's (the contract's door to them)
__all__ = []

email_re = re.compile(r"^[A-Za-z0-9._%+\-']{1,64}@[A-Za-z0-9\-]{1,63}(\.[A-Za-z0-9\-]{1,63})+\Z")
ctrl_re = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def kic_refine(name, value, cond):
    v = "" if value is None else str(value)
    c = cond or {}
    if c.get("cln"):
        v = ctrl_re.sub("", v).replace("<", "").replace(">", "")
    if c.get("strip", 1):
        v = v.strip()
    if c.get("toLower"):
        v = v.lower()
    if c.get("fill_zeros") and v.isdigit():
        v = v.zfill(int(c["fill_zeros"]))
    kind = c.get("is", "")
    if kind:
        v = refine_is(kind, v)
        if isinstance(v, str) and v.startswith("!"):
            return bad(name, v[1:])
    if kind == "sum":
        return check_range(name, v, c)
    n = len(str(v))
    if "exactly" in c and n != int(c["exactly"]):
        return bad(name, f"must be exactly {c['exactly']} characters")
    if "min" in c and n < int(c["min"]):
        return bad(name, f"must be at least {c['min']} characters")
    if "max" in c and n > int(c["max"]):
        return bad(name, f"must be at most {c['max']} characters")
    if "list" in c and v not in [str(x) for x in c["list"]]:
        return bad(name, "is not one of the allowed values")
    if "regex" in c and not re.fullmatch(c["regex"], str(v)):
        return bad(name, "has a wrong format")
    return v


def bad(name, why):
    return {"status": 0, "err": f"{name}: {why}"}


def check_range(name, v, c):
    if "min" in c and v < float(c["min"]):
        return bad(name, f"must be at least {c['min']}")
    if "max" in c and v > float(c["max"]):
        return bad(name, f"must be at most {c['max']}")
    return v


def refine_is(kind, v):
    # a checked value, or "!why"
    if kind == "email":
        if not validate_email(v):
            return "!is not a valid email"
        return v.lower()
    if kind == "sum":
        s = v.replace(",", "")
        if not re.fullmatch(r"-?\d+(\.\d+)?", s):
            return "!is not a number"
        if "." in s:
            return float(s)
        return int(s)
    if kind == "yesno":
        m = {"yes": "yes", "y": "yes", "1": "yes", "no": "no", "n": "no", "0": "no"}
        if v.lower() not in m:
            return "!must be yes or no"
        return m[v.lower()]
    if kind == "bool01":
        m = {"1": 1, "true": 1, "on": 1, "yes": 1, "0": 0, "false": 0, "off": 0, "no": 0, "": 0}
        if v.lower() not in m:
            return "!must be 0 or 1"
        return m[v.lower()]
    if kind in ("date", "mdy"):
        return refine_date(kind, v)
    if kind == "phone":
        d = re.sub(r"[\s\-().]", "", v)
        if not re.fullmatch(r"\+?\d{7,15}", d):
            return "!is not a valid phone number"
        return d
    return f"!unknown check {kind}"


def refine_date(kind, v):
    # date: YYYY-MM-DD; mdy: MM/DD/YYYY. Both come back as YYYY-MM-DD.
    f = "%Y-%m-%d" if kind == "date" else "%m/%d/%Y"
    try:
        return datetime.datetime.strptime(v, f).strftime("%Y-%m-%d")
    except ValueError:
        return "!is not a valid date"


def validate_email(e):
    # 1 when e looks like a deliverable address, else 0
    if not isinstance(e, str) or len(e) > 254 or ".." in e:
        return 0
    return 1 if email_re.match(e) else 0

# kiclang.py: txt() translates page text through the current language's dictionary.
# Dictionaries are JSON files in tools/lang/<lang>.json: {"Hello": "שלום"}.
import os
import json

from tools.kicreq import kicreq

# what `from tools.kiclang import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["kiclang", "txt"]

here = os.path.dirname(os.path.abspath(__file__))
words = {}          # lang -> dictionary, read once per process
rtl = {"he", "ar", "fa", "ur"}


def kiclang(lang=""):
    # set (when given) and return the current language
    r = kicreq()
    if lang and isinstance(lang, str) and lang.isascii() and lang.isalpha() and len(lang) <= 8:
        r["lang"] = lang
    return r["lang"]


def lang_dict(lang):
    if lang not in words:
        words[lang] = {}
        p = os.path.join(here, "lang", f"{lang}.json")
        if os.path.isfile(p):
            with open(p, encoding="utf-8") as f:
                words[lang] = json.load(f)
    return words[lang]


def txt(*parts):
    # each part translated; spaces around it kept; unknown text comes back as is
    lang = kicreq()["lang"]
    d = words[lang] if lang in words else lang_dict(lang)
    if not d:
        if len(parts) == 1 and type(parts[0]) is str:
            return parts[0]      # one text, no dictionary (English): a page has dozens of these
        return "".join(str(p) for p in parts)     # no dictionary (English): the text as it is
    out = ""
    for p in parts:
        s = str(p)
        core = s.strip()
        lead = s[:len(s) - len(s.lstrip())]
        tail = s[len(s.rstrip()):]
        out += lead + d.get(core, core) + tail
    return out


def lang_dir():
    # "rtl" for right-to-left languages, else "ltr"
    return "rtl" if kicreq()["lang"] in rtl else "ltr"

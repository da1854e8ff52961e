# slow.py: the statements slower than slow_ms (config.py, 200 ms), worst first, with their page or method and request id
# From the same records as flyton stats (tools/kicstat.py): each slow statement is kept with its
# request, as its text with %s where the values were (they are bound, never in the text).
import sys

from tools.statread import parsed, statread, when


def slow(argv):
    o, secs = parsed("slow", "the 50 worst: ms, when, the page or method, the request id, the statement", argv)
    s, bad = statread(o.where, o.since, secs)
    if not s["slow"]:
        print(f"no statement slower than slow_ms in the last {o.since}")
    for ms, q, what, rid, t in s["slow"]:
        print(f"{ms:>9} ms  {when(t)}  {str(what)[:32]:32} id {rid}\n             {q}")
    for b in bad:
        print(f"note: {b}: no answer (not counted)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(slow(sys.argv[1:]))

# kicapi.py: how an API method answers. The dispatcher (cgi.py) prints the answer
# once, as valid JSON, after the method returns.
answer = {}


def kicapi():
    # the answer given so far (a dict; empty when the method gave none)
    return answer


def api_ok(more={}):
    # allow: 1, plus the keys of more (they keep their JSON types)
    answer.clear()
    answer["allow"] = 1
    answer.update(more or {})


def api_err(msg, more={}):
    # allow: 0, msg (and err) = msg, plus the keys of more
    answer.clear()
    answer["allow"] = 0
    answer["msg"] = msg
    answer["err"] = msg
    answer.update(more or {})

# api_logout.py: ends the calling tab's session.
from tools.kicapi import *
from tools.db_ses import *
from tools.db_log import *


def api_logout(data):
    end_ses(data["ses"])
    add_log("logout", str(data["s"].get("my_user_id", "")))
    api_ok()

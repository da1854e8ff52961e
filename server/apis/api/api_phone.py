# api_phone.py: {phone} saves the logged-in user's phone number.
from tools.sql import *
from tools.kicapi import *


def api_phone(data):
    phone = kic_refine("Phone", data["post"]["input"].get("phone"), {"is": "phone"})
    if isinstance(phone, dict):
        api_err(phone["err"], {"fld": "phone"})
        return
    add_to_data("users", data["s"]["my_user_id"], "phone", phone)
    api_ok({"phone": phone})

# pagedirs.py: where a page's file is. A page is client/app/<app>/<page>.py, except the
# pages of a group, which a big app keeps in the group's folder, by the start of the name:
#   tab...   -> client/app/<app>/tabs/     tab_users   -> admin/tabs/tab_users.py
#   test...  -> client/app/<app>/test/     test_mail   -> admin/test/test_mail.py
#   card_... -> client/app/<app>/cards/    card_sales  -> admin/cards/card_sales.py
# The folder comes from this list only, never from the request.

# what `from tools.pagedirs import *` gives: this tool's own names, no other's (docs/tools.md)
__all__ = ["pagedirs"]

groups = [("card_", "cards"), ("test", "test"), ("tab", "tabs")]


def pagedirs(page):
    # the group folder of a page name, "" when it has none
    for start, d in groups:
        if page.startswith(start):
            return d
    return ""

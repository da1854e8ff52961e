# start.py: the admin app (app=start): header, the page named by rpage, footer.
from admin.header import header
from admin.body import body
from admin.footer import footer


def start(data):
    print(header(data))
    print(body(data))
    print(footer(data))


def main(data):
    start(data)

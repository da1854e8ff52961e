# weba.py: the second app slot (app=weba): same shape as start.py, pages in weba/.
from weba.header import header
from weba.body import body
from weba.footer import footer


def weba(data):
    print(header(data))
    print(body(data))
    print(footer(data))


def main(data):
    weba(data)

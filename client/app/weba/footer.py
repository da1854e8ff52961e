# footer.py: the bottom of the second app.
def footer(data):
    return """<footer class="container-fluid small py-3" id=kicfooter></footer>"""

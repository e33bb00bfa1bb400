"""A WSGI application with routes: app.application(environ, start_response)"""


def application(environ, start_response):
    # environ["REQUEST_METHOD"], environ["PATH_INFO"], environ["QUERY_STRING"],
    # environ["CONTENT_LENGTH"] and environ["wsgi.input"] describe the request.
    start_response("501 Not Implemented", [("Content-Type", "text/plain")])
    return [b"write me\n"]

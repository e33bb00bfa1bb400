"""A CGI script: the server runs it once per request, with the request in its environment."""
import os
import sys

# os.environ["REQUEST_METHOD"], ["QUERY_STRING"], ["CONTENT_LENGTH"], ["CONTENT_TYPE"] describe
# the request; a POST's body is on stdin. Print the headers, an empty line, then the body.
print("Content-Type: text/plain")
print()
print("write me")

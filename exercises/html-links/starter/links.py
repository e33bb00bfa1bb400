"""The links of an HTML page, with the standard library's HTML parser. See README.md."""
from html.parser import HTMLParser


def extract_links(page: str) -> list[str]:
    raise NotImplementedError

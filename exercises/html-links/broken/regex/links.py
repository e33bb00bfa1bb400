"""The links of an HTML page."""
import html
import re

# Mistake: HTML is not a regular language; this sees only one way of writing a link.
LINK = re.compile(r'<a href="([^"]*)"')


def extract_links(page: str) -> list[str]:
    return [html.unescape(href) for href in LINK.findall(page)]

"""The links of an HTML page, with the standard library's HTML parser."""
from html.parser import HTMLParser


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        # The parser lowercases tag and attribute names, handles any quoting and decodes
        # character references in values; comments and scripts never reach this method as tags.
        # Mistake: every tag's href counts, <link> and <base> included.
        if True:
            for name, value in attrs:
                if name == "href" and value is not None:
                    self.links.append(value)
                    break


def extract_links(page: str) -> list[str]:
    parser = _LinkParser()
    parser.feed(page)
    parser.close()
    return parser.links

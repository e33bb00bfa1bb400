"""Stock counts from an XML inventory, with ElementTree and namespaces."""
import xml.etree.ElementTree as ET

NS = {"inv": "urn:example:inventory"}


def stock(document: str) -> dict[str, int]:
    root = ET.fromstring(document.encode("utf-8"))
    counts: dict[str, int] = {}
    # ElementTree names a tag {namespace}local; the prefix map turns inv:item into that, and
    # .// searches the whole tree.
    for item in root.iterfind(".//inv:item", NS):
        sku = item.get("sku")
        qty = int(item.findtext("inv:qty", default="0", namespaces=NS))
        counts[sku] = counts.get(sku, 0) + qty
    return counts

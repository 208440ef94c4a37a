"""Listing page -> the article links on it, in page order, their teasers (and the dates they
show), the next page's URL, and the links left out with the reason why."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from feeds.dates import parse_date
from feeds.pagedate import labelled_date, text_lines
from feeds.urls import host_of, normalise_url

# Words of a next-page link with no rel or class to find it by ("Older posts", "التالي");
# feeds.discover reads listings with the same words, so the walk follows what it found.
NEXT_WORDS = ("next", "next page", "older posts", "older", "more", "التالي", "الصفحة التالية",
              "التالية", "الأقدم", "أقدم", "مقالات أقدم", "أخبار أقدم", "المقالات الأقدم",
              "load more", "show more", "عرض المزيد", "تحميل المزيد", "suivant",
              "page suivante", "siguiente")
ARROWS = "»«›‹→←<>|·•…:"
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
    # The date each teaser shows, where it shows one (only when parse_listing is given `now`).
    dates: dict[str, datetime] = field(default_factory=dict)
    ignored: tuple[Ignored, ...] = ()  # in page order


@dataclass(frozen=True)
class Ignored:
    """A link of the page that is not an article link, and why: "pattern" (its path does not
    match link_pattern), "other host", "duplicate", or "navigation" (menus, footers, paging,
    in-page and mailto links)."""

    href: str  # absolute where it parses, else as written
    reason: str
    text: str  # the anchor's text, to recognise it by


def parse_listing(
    html: str,
    page_url: str,
    *,
    link_selector: str,
    link_pattern: str,
    allowed_hosts: frozenset[str],
    now: datetime | None = None,
) -> ListingPage:
    """Article links on a listing page: anchors matching the selector whose path matches the
    pattern, on the source's own hosts (a listing never makes us fetch another host).
    With `now`, the date each teaser shows is read too."""
    tree = LexborHTMLParser(html)
    pattern = re.compile(link_pattern)
    links: dict[str, None] = {}
    anchors: list[tuple[LexborNode, str]] = []
    ignored: list[Ignored] = []
    for anchor in tree.css(link_selector):
        href = (anchor.attributes.get("href") or "").strip()
        text = " ".join(anchor.text(separator=" ").split())
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            ignored.append(Ignored(href, "navigation", text))
            continue
        try:
            url = normalise_url(href, page_url)
        except ValueError:  # an unclosed IPv6 bracket, a port out of range: not a link
            ignored.append(Ignored(href, "navigation", text))
            continue
        if host_of(url) not in allowed_hosts and f"www.{host_of(url)}" not in allowed_hosts:
            ignored.append(Ignored(url, "other host", text))
            continue
        if link_matches(pattern, url):
            if url in links:
                ignored.append(Ignored(url, "duplicate", text))
            links.setdefault(url, None)
            anchors.append((anchor, url))
        else:
            ignored.append(Ignored(url, "navigation" if _is_navigation(anchor) else "pattern",
                                   text))
    cards = _cards(anchors)
    return ListingPage(
        links=tuple(links), next_url=_next_url(tree, page_url),
        teasers={url: " ".join(card.text(separator=" ").split()) for url, card in cards.items()},
        dates=_teaser_dates(cards, now) if now is not None else {}, ignored=tuple(ignored))


def link_matches(pattern: re.Pattern[str] | str, url: str) -> bool:
    """Whether `url` is an article link by `link_pattern`: the pattern is applied to the
    path, and to the path and query when it names a query (`\\?`), as on sites whose every
    page is `/index.php?option=...&id=123` (Joomla without SEF URLs). A path pattern never
    sees the query, so `[^/]+` cannot take a listing's `?page=2` for a slug."""
    compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
    parts = urlsplit(url)
    path = parts.path or "/"
    if compiled.search(path):
        return True
    # Tried second, so a path pattern that escapes "?" inside a class (`[^/\\?]+`) keeps
    # matching what it matched.
    return bool(parts.query) and "\\?" in compiled.pattern and compiled.search(
        f"{path}?{parts.query}") is not None


def _is_navigation(anchor: LexborNode) -> bool:
    """A menu, site header or footer, breadcrumb or paging link: site furniture, not an
    article the pattern missed. An article card's own <header> ("entry-header") is not."""
    if (anchor.attributes.get("rel") or "") in ("next", "prev", "previous"):
        return True
    in_header = False
    node: LexborNode | None = anchor.parent
    while node is not None and node.tag not in ("body", "html"):
        marks = f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}"
        if node.tag == "nav" or any(_NAV_MARK.match(t) for t in marks.lower().split()):
            return True
        if node.tag in ("header", "footer"):
            in_header = True
        elif node.tag == "article":
            in_header = False
        node = node.parent
    return in_header


_NAV_MARK = re.compile(r"(?:nav|navbar|navigation|menu|pager|pagination|breadcrumbs?|masthead"
                       r"|site-header|site-footer|header|footer|topbar)$"
                       r"|(?:nav|menu|pager|paginat|breadcrumb)[-_]")


def _teaser_dates(cards: dict[str, LexborNode], now: datetime) -> dict[str, datetime]:
    """The date a card shows: its `<time datetime>`, a labelled date, or a short line that
    is only a date ("12 December 2024" under the title)."""
    dates: dict[str, datetime] = {}
    for url, card in cards.items():
        time = card.css_first("time[datetime]")
        found = parse_date(time.attributes.get("datetime") or "", now=now) if time else None
        lines = text_lines(card)
        found = found or labelled_date(lines, now) or next(
            (d for line in lines if len(line) <= 40 and (d := parse_date(line, now=now))), None)
        if found is not None:
            dates[url] = found
    return dates


def _cards(anchors: list[tuple[LexborNode, str]]) -> dict[str, LexborNode]:
    """Each link's card: the highest ancestor of its anchors that holds no other article
    link (the anchor itself in a bare list of links)."""
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
    return cards


def _next_url(tree: LexborHTMLParser, page_url: str) -> str | None:
    nodes = [tree.css_first(selector) for selector in _NEXT_SELECTORS]
    nodes += [a for a in tree.css("a[href]")
              if a.text().strip(ARROWS + " \n\t").casefold() in NEXT_WORDS]
    for node in nodes:
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


def page_number(template: str, url: str) -> int | None:
    """The page number of `url` under a `{page}` template (None if it does not fit)."""
    head, _, tail = template.partition("{page}")
    match = re.fullmatch(re.escape(head) + r"(\d+)" + re.escape(tail), url)
    return int(match.group(1)) if match else None

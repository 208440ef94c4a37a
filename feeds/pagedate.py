"""An article page's publication date when no date selector is set or the set one finds none.

In order: a labelled date in the page's short lines ("تاريخ النشر: 12/12/2024", "Posted on …",
"Submitted by … on …"), `<time datetime>`, meta tags, JSON-LD, then an unlabelled date standing
alone beside the title ("12 Dec 2024 · 5 min read", see `title_line_date`), and last htmldate,
whose answer counts only when evidence from outside the markup agrees (see `htmldate_date`).
Prose is never a date's source: a label counts only where it opens a short line (a meta line),
so a dateline ("London, 9 December 2017") or a sentence about a report's publication is not read.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from selectolax.lexbor import LexborHTMLParser, LexborNode

from feeds.dates import PUBLICATION_LABEL, bare_date, find_labelled_date, normalise_text, parse_date

__all__ = ["labelled_date", "meta_date", "page_date", "text_lines", "title_line_date"]

PUBLISHED_META = ("article:published_time", "og:published_time", "datePublished", "date",
                  "DC.date.issued", "DC.date", "dcterms.issued", "dcterms.created",
                  "dcterms.date", "publication_date", "pubdate")

# A meta line is short; a longer line is prose, where "published on 3 May" is about
# something else (a report, a law), not this page.
_LINE_MAX = 120
_REST_MAX = 60  # the date follows its label closely
_LINES_MAX = 5000  # a hostile page of a million tiny elements is not read to its end

# Matched on `normalise_text` output: case folded, alef/yaa/taa marbuta unified, no harakat.
# feeds.dates' labels (English, Arabic, French), and the longer forms only a meta line has.
_STRONG = (r"first\s+published|released\s+on|تم\s+النشر|نشر\s+يوم|صدر\s+في|صدر\s+بتاريخ|"
           + PUBLICATION_LABEL)
# Bare "Date" / "التاريخ" name a date only with a colon after them.
_WEAK = r"date|التاريخ|تاريخ"
# Drupal's "Submitted by admin on Thu, 12/12/2024 - 10:00", and its Arabic translation.
_SUBMITTED = (r"submitted\s+(?:by\s+.{1,60}?\s+)?on"
              r"|(?:ارسل|ارسلت|ارسله|كتب|كتبه)\s+(?:بواسطه|من\s+قبل)\s+.{1,60}?\s+(?:في|بتاريخ|يوم)")
# An author's byline may open the meta line before the label ("Written by Admin Published:").
_BYLINE = r"(?:written\s+by|posted\s+by|by|بقلم|كتبه|كتب\s+بواسطه)\s+\S.{0,59}?\s+"
_LABEL = re.compile(
    rf"(?:^|[|·•/]\s*|^{_BYLINE})(?:(?:{_SUBMITTED})\s*[:：\-]?|(?:{_STRONG})\s*[:：\-]?|(?:{_WEAK})\s*[:：])"
    r"\s*")

_BLOCKS = frozenset({
    "address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre", "section",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
})
# Never the page's own date: other articles' teasers, the site's furniture, code.
_SKIPPED = frozenset({
    "script", "style", "noscript", "template", "nav", "footer", "aside", "form", "select",
    "button", "svg", "iframe", "head", "-comment",
})
_SKIPPED_CLASS = re.compile(r"related|sidebar|widget|comment|recent|share|popular|most-",
                            re.IGNORECASE)
_URL_DATE = re.compile(r"/(?P<y>(?:19|20)\d{2})[/-](?P<m>\d{1,2})(?:[/-](?P<d>\d{1,2}))?(?=[/-]|$)")


def page_date(tree: LexborHTMLParser, html: str, urls: tuple[str, ...], selectors: list[str],
              now: datetime, listed: datetime | None = None) -> datetime | None:
    """The date the configured selectors find; else the chain in the module docstring.

    `urls`: the page's own addresses (fetched first, then canonical); `listed`: the date its
    listing teaser shows, if known. Both are evidence for htmldate's answer.
    """
    for selector in selectors:
        for node in tree.css(selector):
            for text in (node.attributes.get("datetime"), node.text(separator=" ")):
                if text:
                    found = find_labelled_date(text, now=now) or parse_date(text, now=now)
                    if found:
                        return found
    lines = text_lines(tree.body) if tree.body is not None else []
    return (labelled_date(lines, now) or time_date(tree, now)
            or meta_date(tree, PUBLISHED_META, "datePublished", now)
            or title_line_date(tree, urls, now)
            or htmldate_date(html, urls, listed, now))


# ---- labels ------------------------------------------------------------------------------


def labelled_date(lines: list[str], now: datetime) -> datetime | None:
    """The first date that follows a publication label at the start of a short line (or of a
    line's "|"-separated part). A label alone on its line takes the next line's date:
    `<span>تاريخ النشر:</span>` and its date in another block."""
    folded = [normalise_text(line) for line in lines]
    for i, text in enumerate(folded):
        if len(text) > _LINE_MAX:
            continue
        for label in _LABEL.finditer(text):
            rest = text[label.end():label.end() + _REST_MAX]
            found = parse_date(rest, now=now) if rest else None
            if found is None and not rest and i + 1 < len(folded) \
                    and len(folded[i + 1]) <= _REST_MAX:
                found = parse_date(folded[i + 1], now=now)
            if found is not None:
                return found
    return None


def text_lines(root: LexborNode) -> list[str]:
    """The text under `root` in lines: blocks break lines, inline elements (spans, links)
    and the newlines between them do not. Navigation, sidebars, footers and scripts are left
    out."""
    lines: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        text = " ".join(" ".join(parts).split())
        if text:
            lines.append(text)
        parts.clear()

    # A walk with its own stack (hostile pages nest thousands of elements): None marks the
    # end of a block, whose line is then closed.
    stack: list[LexborNode | None] = list(reversed(list(root.iter(include_text=True))))
    while stack and len(lines) < _LINES_MAX:
        node = stack.pop()
        if node is None:
            flush()
            continue
        tag = node.tag
        if tag == "-text":
            parts.append(node.text_content or "")
            continue
        if _is_furniture(node):
            continue
        if tag in _BLOCKS:
            flush()
            stack.append(None)
        stack.extend(reversed(list(node.iter(include_text=True))))
    flush()
    return lines


# ---- markup --------------------------------------------------------------------------------


def time_date(tree: LexborHTMLParser, now: datetime) -> datetime | None:
    """A `<time datetime>` outside sidebars and footers; one marked as the publication time
    (itemprop, WordPress's "published"/"entry-date" classes) before the others."""
    usable = [node for node in tree.css("time[datetime]") if not _in_furniture(node)]
    marked = [node for node in usable if "datepublished" in (
        node.attributes.get("itemprop") or "").lower() or re.search(
        r"published|entry-date|post-date", node.attributes.get("class") or "")]
    for node in marked + usable:
        found = parse_date(node.attributes.get("datetime") or "", now=now)
        if found is not None:
            return found
    return None


def _in_furniture(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None and parent.tag not in ("body", "html"):
        if _is_furniture(parent):
            return True
        parent = parent.parent
    return False


def _marks(node: LexborNode, *names: str) -> str:
    """The values of the named attributes, space-separated: what a site calls an element."""
    return " ".join(node.attributes.get(name) or "" for name in names)


def _is_furniture(node: LexborNode) -> bool:
    # Site builders name their widgets in a data attribute (Wix's data-hook="recent-posts").
    if _SKIPPED_CLASS.search(
            _marks(node, "class", "id", "data-hook", "data-testid")):
        return True
    # An <article>'s own <footer> is its meta line (Drupal's "Submitted by … on …"), not the
    # site's footer.
    return node.tag in _SKIPPED and not (node.tag == "footer" and _inside_article(node))


def _inside_article(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == "article":
            return True
        parent = parent.parent
    return False


def meta_date(tree: LexborHTMLParser, names: tuple[str, ...], json_key: str,
              now: datetime) -> datetime | None:
    """The first date in the named meta tags, else in JSON-LD's `json_key`."""
    for name in names:
        value = meta_content(tree, name)
        if value:
            found = parse_date(value, now=now)
            if found:
                return found
    for script in tree.css('script[type="application/ld+json"]'):
        for value in _json_ld_values(script.text(), json_key):
            found = parse_date(value, now=now)
            if found:
                return found
    return None


def meta_content(tree: LexborHTMLParser, name: str) -> str | None:
    """The content of `<meta property|name|itemprop="name">`, stripped; None if absent or empty."""
    for attr in ("property", "name", "itemprop"):
        node = tree.css_first(f'meta[{attr}="{name}"]')
        if node is not None and node.attributes.get("content"):
            return (node.attributes.get("content") or "").strip()
    return None


def _json_ld_values(text: str, key: str) -> list[str]:
    try:
        data = json.loads(text)
    except ValueError:
        return []
    found: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get(key), str):
                found.append(item[key])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


# ---- unlabelled, beside the title -----------------------------------------------------------

# An element that names itself a date or a meta line (WordPress "entry-date", Ghost "meta",
# Joomla "article-info", Squarespace "blog-meta-item").
_DATE_CLASS = re.compile(r"date|time|meta|posted|published|byline|article-info", re.IGNORECASE)
# ...but not one that names another date: updated is not published, an event is not the post.
_OTHER_DATE = re.compile(r"updat|modif|event|deadline|expir|تحديث|تعديل", re.IGNORECASE)
_OTHER_WORDS = re.compile(r"updated|modified|edited|event|deadline|expires|starts|ends|تحديث"
                          r"|تعديل|الفعاليه|موعد|mis a jour|mis à jour|modifie|evenement|événement")
# The article's text: a date inside it is a dateline or a quote, never the page's.
_BODY_CLASS = re.compile(r"entry-content|post-content|post-body|article-body|article-content"
                         r"|article__body|field--body|field-name-body|story-body|gh-content",
                         re.IGNORECASE)
# A header block the title is not in is the site's: its date is today's clock.
_SITE_HEADER = re.compile(r"header|masthead|topbar|top-bar", re.IGNORECASE)
# The site's own top bar, whose h1 is a logo and whose date is today's.
_SITE_TOP = re.compile(r"site-header|masthead|top-?bar|top-header|header-top|navbar|logo|brand",
                       re.IGNORECASE)
_PARTS = re.compile(r"\s*(?:[|·•—–]|\s-\s|\n)\s*")
_ELEMENT_MAX = 100  # a meta line, not a paragraph
_PART_MAX = 40  # "Written by Jane Doe", "Category: News", "5 min read"
_CANDIDATES_MAX = 200  # a hostile page of a million "date" elements is not read to its end


def title_line_date(tree: LexborHTMLParser, urls: tuple[str, ...],
                    now: datetime) -> datetime | None:
    """A date standing alone in a short element beside the title: the title's neighbours, or
    an element whose class says date/time/meta. Its whole text is the date, or the date among
    short parts ("12 Dec 2024 · 5 min read", "Written by admin | 12 December 2024").

    Never from the body, the site's header, sidebars, footers or related cards; and only
    when every such element shows the same day, which also must not contradict a date in the
    page's URL: an unlabelled date is weaker evidence than a label or the markup's own.
    """
    title = next((node for node in tree.css("h1, [itemprop=headline], .entry-title")
                  if not _in_furniture(node) and not _in_site_top(node)), None)
    title = title or _headline_node(tree)
    if title is None:
        return None
    above = _ancestors(title)
    candidates = _neighbours(title) + [
        node for node in tree.css("[class], [itemprop], time")
        if node.tag == "time" or _DATE_CLASS.search(
            _marks(node, "class", "itemprop"))
    ][:_CANDIDATES_MAX]
    days = set()
    for node in candidates:
        if _is_furniture(node) or _in_furniture(node) or not _near(node, above):
            continue
        found = _alone_date(node, now)
        if found is not None:
            days.add(found)
    if len(days) != 1:
        return None
    [day] = days
    return None if _url_disagrees(day, urls) else day


def _headline_node(tree: LexborHTMLParser) -> LexborNode | None:
    """The element showing the page's og:title, on a page without an h1 (a site builder's
    div soup, where the headline is a styled span)."""
    meta = tree.css_first('meta[property="og:title"]')
    headline = " ".join((meta.attributes.get("content") or "").split()) if meta else ""
    if len(headline) < 8 or tree.body is None:
        return None
    for node in tree.body.traverse(include_text=True):
        if node.tag == "-text" and " ".join((node.text_content or "").split()) == headline:
            parent = node.parent
            if parent is not None and not _in_furniture(parent) and not _in_site_top(parent):
                return parent
    return None


def _in_site_top(node: LexborNode) -> bool:
    """In the site's header rather than the article's (an `<article>`'s or `<main>`'s own
    `<header>` holds its title and date)."""
    above = _ancestors(node)
    if any(parent.tag in ("article", "main") for parent in above):
        return False
    return any(parent.tag == "header" or _SITE_TOP.search(_marks(parent, "class", "id"))
               for parent in [node, *above])


def _neighbours(title: LexborNode) -> list[LexborNode]:
    """The element before the title and the two after it; for a title closing its block
    (a `<header>` holding only the h1), the block after that."""
    found = []
    if (before := _sibling(title, "prev")) is not None:
        found.append(before)
    after = _sibling(title, "next")
    if after is None and title.parent is not None:
        after = _sibling(title.parent, "next")
    if after is not None:
        found.append(after)
        if (second := _sibling(after, "next")) is not None:
            found.append(second)
    return found


def _sibling(node: LexborNode, way: str) -> LexborNode | None:
    sibling = node.prev if way == "prev" else node.next
    while sibling is not None and sibling.tag in ("-text", "-comment"):
        sibling = sibling.prev if way == "prev" else sibling.next
    return sibling


def _ancestors(node: LexborNode) -> list[LexborNode]:
    found = []
    parent = node.parent
    while parent is not None and parent.tag not in ("body", "html"):
        found.append(parent)
        parent = parent.parent
    return found


def _near(node: LexborNode, title_above: list[LexborNode]) -> bool:
    """In the title's part of the page: sharing a block with it below `<body>`, and not inside
    the body text or a header block the title is not in (a site header's clock)."""
    parent: LexborNode | None = node
    shared = False
    while parent is not None and parent.tag not in ("body", "html"):
        if parent in title_above:
            shared = True
            break
        attrs = _marks(parent, "class", "id")
        if _BODY_CLASS.search(attrs) or (parent.attributes.get("itemprop") or "") == "articleBody":
            return False
        if parent.tag == "header" or _SITE_HEADER.search(attrs):
            return False
        parent = parent.parent
    return shared


def _alone_date(node: LexborNode, now: datetime) -> datetime | None:
    text = node.text(separator="\n")
    if len(" ".join(text.split())) > _ELEMENT_MAX or _OTHER_DATE.search(
            _marks(node, "class", "id", "itemprop")):
        return None
    days = set()
    other = False  # the part before named another date ("Last updated:"), this is its date
    for part in filter(None, _PARTS.split(text.strip())):
        if _OTHER_WORDS.search(normalise_text(part)):
            # "Updated 14 Dec 2024" beside "12 Dec 2024" is left out, not the whole line;
            # a label alone ("آخر تحديث:") takes the next part with it.
            other = parse_date(part, now=now) is None
            continue
        if other:
            other = False
            continue
        found = bare_date(part, now=now)
        if found is not None:
            days.add(found)
        elif len(part) > _PART_MAX or parse_date(part, now=now) is not None:
            return None  # prose, or a labelled date of another kind ("Conference: 5 March")
    return days.pop() if len(days) == 1 else None


def _url_disagrees(day: datetime, urls: tuple[str, ...]) -> bool:
    for url in urls:
        for match in _URL_DATE.finditer(url.split("?", 1)[0]):
            if (int(match["y"]), int(match["m"])) != (day.year, day.month) or (
                    match["d"] is not None and int(match["d"]) != day.day):
                return True
    return False


# ---- htmldate, restrained ---------------------------------------------------------------------


def htmldate_date(html: str, urls: tuple[str, ...], listed: datetime | None,
                  now: datetime) -> datetime | None:
    """htmldate's original date, accepted only when evidence from outside the page's markup
    agrees: a date in the page's URL (the same day, or the same month when the URL names no
    day), or the date its listing teaser shows (the same day).

    htmldate alone is not trusted: it reads year-only or header dates on Arabic pages
    (FACTS §2), and an operator cannot see why it chose what it chose. A date standing in
    the page's own furniture is no second opinion: htmldate may have read that very element.
    """
    from htmldate import find_date  # imported late: most pages are dated before this

    if not urls:
        return None
    try:
        found = find_date(html, url=urls[0], original_date=True, extensive_search=False,
                          outputformat="%Y-%m-%d", max_date=now.strftime("%Y-%m-%d"))
    except Exception:  # a library's failure on a hostile page means "no date"
        return None
    day = parse_date(found, now=now) if found else None
    if day is None:
        return None
    return day if _agrees(day, urls, listed) else None


def _agrees(day: datetime, urls: tuple[str, ...], listed: datetime | None) -> bool:
    if listed is not None and listed.date() == day.date():
        return True
    for url in urls:
        for match in _URL_DATE.finditer(url.split("?", 1)[0]):
            if (int(match["y"]), int(match["m"])) == (day.year, day.month) and (
                    match["d"] is None or int(match["d"]) == day.day):
                return True
    return False

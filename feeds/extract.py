"""Article page -> Article(s): title, dates, clean body, summary, image, language, kind.

Configured selectors first; trafilatura when they find nothing. A page that holds two
languages becomes one Article per language, linked as translations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from feeds.campaigns import classify_article
from feeds.dates import parse_date
from feeds.language import split_languages
from feeds.models import ActionLink, Article
from feeds.pagedate import meta_content, meta_date, page_date
from feeds.sources import DEFAULT_SELECTORS, SourceSettings
from feeds.urls import host_of, normalise_url

SUMMARY_CHARS = 320
_BLOCK_TAGS = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "pre", "table",
    "figure", "dl", "hr",
})
_CONTAINER_TAGS = frozenset({"div", "section", "article", "main", "span", "font", "center"})
_BLOCK_SELECTOR = ",".join(sorted(_BLOCK_TAGS))
_SENTENCE_END = re.compile(r"(?<=[.!?…؟۔])\s+|(?<=[؛])\s*")
_SPACES = re.compile(r"\s+")
_PARAGRAPH_END = re.compile(r"[.!?…؟۔:;؛،,\"'”’»)\]]$")
_BUTTON_CHARS = 60  # a button label is a few words; a sentence that links is prose
_LINK_ONLY = re.compile(r"\s*<p\b[^>]*>\s*(?:<(?:strong|b|span)\b[^>]*>\s*)*<a\b[^>]*>[^<]*</a>"
                        r"\s*(?:</(?:strong|b|span)>\s*)*</p>\s*", re.I)
_YEAR = re.compile(r"(?<![0-9٠-٩])[12][0-9]{3}(?![0-9٠-٩])|[١٢][٠-٩]{3}")


class ExtractError(Exception):
    """The page is not an article we can read; the message is the one-line reason."""


@dataclass(frozen=True)
class Block:
    tag: str
    text: str
    html: str


def extract_articles(html: str, page_url: str, source: SourceSettings, *,
                     now: datetime, listed: datetime | None = None) -> list[Article]:
    """Every article the page holds (one per language), keyed by its canonical URL.

    `listed`: the date the listing's teaser showed for this page, if any (feeds.pagedate).
    """
    tree = LexborHTMLParser(html)
    canonical = canonical_url(tree, page_url, source)
    title = (_first_text(tree, source.selectors.get("title", "h1"))
             or meta_content(tree, "og:title") or _text(tree.css_first("title")))
    if not title:
        raise ExtractError("no title found (check the title selector)")
    published = page_date(tree, html, (page_url, canonical),
                          _split_selectors(source.selectors.get("date", "")), now, listed)
    updated = meta_date(tree, ("article:modified_time", "og:updated_time"), "dateModified", now)
    image = _image(tree, source, page_url)
    category = meta_content(tree, "article:section")

    body = _select_first(tree, source.selectors.get("body", "article"))
    blocks = _blocks_of(body, source, page_url, title) if body is not None else []
    # The default `article` may be a teaser card, so a short match there means "look again";
    # an operator's own body selector is trusted for a short note (a two-line statement),
    # where trafilatura would pull in the related-post teasers around it.
    default_body = DEFAULT_SELECTORS["body"]
    trusted = (source.selectors.get("body", default_body) != default_body
               and any(b.text for b in blocks))
    if not trusted and sum(len(b.text) for b in blocks) < 80:
        blocks = _trafilatura_blocks(html, page_url, title)
    if not blocks:
        raise ExtractError("no article body found (check the body selector)")

    segments = split_languages([(b.tag, b.text) for b in blocks])
    page_lang = _page_lang(tree)
    if len(segments) <= 1:
        lang = segments[0].lang if segments and segments[0].lang != "und" else page_lang
        parts = [(lang, canonical, title, published, blocks)]
    else:
        parts = []
        for seg in segments:
            seg_blocks = blocks[seg.start:seg.end]
            seg_title, seg_date, seg_blocks = _segment_head(seg_blocks, title, now)
            parts.append((seg.lang, f"{canonical}#{seg.lang}", seg_title,
                          seg_date or published, seg_blocks))

    alternates = _alternates(tree, page_url, source)
    result = []
    for lang, key, art_title, art_date, art_blocks in parts:
        body_html = "\n".join(b.html for b in art_blocks)
        text_blocks = [b.text for b in art_blocks if b.text]
        classification = classify_article(
            title=art_title, body_html=body_html, lang=lang, site_category=category,
            rules=source.classifier, base_url=page_url)
        url = reader_url(lang, canonical, page_url, alternates)
        if key == canonical and url != canonical and _url_lang(canonical) is not None:
            # The site names another language's page as canonical: keyed on it, this article
            # and that page's own would overwrite each other in the store.
            key = url
        translations = {other_lang: other_key for other_lang, other_key, *_ in parts
                        if other_lang != lang}
        for alt_lang, alt_url in alternates.items():
            if alt_lang != lang and alt_url not in (key, url):
                translations.setdefault(alt_lang, alt_url)
        result.append(Article(
            key=key, url=url,
            source=source.name, lang=lang, title=art_title,
            body_html=body_html, body_text="\n\n".join(text_blocks),
            # Headings, lists (a "Take action" block) and buttons are not a summary.
            summary=summarise(_prose(art_blocks, classification.actions) or text_blocks, now),
            published=art_date,
            date_is_guess=art_date is None, updated=updated, image=image,
            kind=classification.kind, actions=classification.actions,
            categories=tuple(c for c in (category,) if c) + source.categories,
            translations=translations,
        ))
    return result


# ---- identity --------------------------------------------------------------------


def canonical_url(tree: LexborHTMLParser, page_url: str, source: SourceSettings) -> str:
    """rel=canonical or og:url when it stays on the source's hosts, else the normalised URL."""
    node = tree.css_first("link[rel=canonical]")
    candidates = [node.attributes.get("href") if node is not None else None,
                  meta_content(tree, "og:url")]
    for href in candidates:
        url = _normalised(href, page_url) if href else None
        if url and host_of(url) in source.hosts and url.startswith(("http://", "https://")):
            return url
    return normalise_url(page_url)


_PATH_LANG = re.compile(r"/([a-z]{2})(?:[-_][a-z]{2})?(?:/|$)")


def _url_lang(url: str) -> str | None:
    """The language a URL names: its first path segment ("/en/post/x") or a ?lang= value."""
    parts = urlsplit(url.lower())
    if m := _PATH_LANG.match(parts.path):
        return m.group(1)
    m = re.search(r"(?:^|&)(?:lang|hl|locale)=([a-z]{2})\b", parts.query)
    return m.group(1) if m else None


def reader_url(lang: str, canonical: str, page_url: str, alternates: dict[str, str]) -> str:
    """The page a reader of `lang` should open: the canonical unless it is not this language's.

    Some sites give every translation the Arabic page as canonical, or a numeric one under
    the Arabic interface (/posts/930); an English follower must then get the English page,
    the one the English listing linked (or the page's own hreflang for English).
    """
    canonical_lang = _url_lang(canonical)
    if canonical_lang == lang:
        return canonical
    page = normalise_url(page_url)
    if _url_lang(page) == lang:
        return page
    if canonical_lang is None:
        return canonical
    # Only where this language has a page of its own: a Persian post at /ar/post/x is that
    # page's own body under the Arabic interface, and its canonical is right.
    return alternates.get(lang) or canonical


def _alternates(tree: LexborHTMLParser, page_url: str, source: SourceSettings) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.css("link[rel=alternate][hreflang]"):
        lang = (node.attributes.get("hreflang") or "").split("-")[0].lower()
        href = node.attributes.get("href")
        valid = re.fullmatch(r"[a-z]{2,3}", lang) is not None  # not "x-default", not a path
        url = _normalised(href, page_url) if valid and href else None
        if url and host_of(url) in source.hosts:
            found[lang] = url
    return found


# ---- body ------------------------------------------------------------------------


def _blocks_of(body: LexborNode, source: SourceSettings, page_url: str, title: str) -> list[Block]:
    for selector in source.remove:
        for node in body.css(selector):
            node.decompose()
    for selector in _split_selectors(source.selectors.get("date", "")):
        for node in body.css(selector):
            node.decompose()
    return _content_blocks(body, page_url, title)


def _content_blocks(root: LexborNode, page_url: str, title: str) -> list[Block]:
    """The blocks under `root`, links made absolute, without a first heading that only
    repeats the page title (chrome, not content)."""
    _resolve_links(root, page_url)
    blocks: list[Block] = []
    _collect_blocks(root, blocks)
    while blocks and blocks[0].tag.startswith("h") and _same_text(blocks[0].text, title):
        blocks.pop(0)
    return blocks


def _resolve_links(root: LexborNode, page_url: str) -> None:
    """Links and images made absolute; a URL that does not parse is dropped, so nothing
    downstream (campaign links, feeds) meets a value that makes URL parsing raise."""
    for node in root.css("a[href], img[src], source[src]"):
        attr = "href" if node.tag == "a" else "src"
        value = (node.attributes.get(attr) or "").strip()
        if value and not value.startswith(("mailto:", "#")):
            url = _absolute(value, page_url)
            if url is None:
                del node.attrs[attr]
            else:
                node.attrs[attr] = url


def _absolute(value: str, page_url: str) -> str | None:
    """`value` resolved against the page; None when it is no URL at all (an unclosed IPv6
    bracket, a port out of range), as hostile or broken pages write."""
    try:
        url = urljoin(page_url, value)
        urlsplit(url).port  # noqa: B018 - parsing the port is the check
    except ValueError:
        return None
    return url


def _normalised(value: str, page_url: str) -> str | None:
    try:
        return normalise_url(value, page_url)
    except ValueError:
        return None


def _collect_blocks(node: LexborNode, out: list[Block]) -> None:
    """Block-level pieces of `node` in reading order; loose inline content becomes <p>.

    A walk with its own stack, not recursion: a hostile page nests thousands of <div>s.
    """
    inline_html: list[str] = []
    inline_text: list[str] = []

    def flush() -> None:
        text = _clean("".join(inline_text))
        if text:
            out.append(Block("p", text, f"<p>{''.join(inline_html).strip()}</p>"))
        inline_html.clear()
        inline_text.clear()

    # The next child to look at on each open level; None ends a level.
    pending: list[LexborNode | None] = [node.child]
    while pending:
        child = pending.pop()
        if child is None:
            flush()
            continue
        pending.append(child.next)
        tag = child.tag
        if tag in _BLOCK_TAGS:
            flush()
            text = _block_text(child)
            if text or tag in ("figure", "hr"):
                out.append(Block(tag, text, child.html or ""))
        elif tag in _CONTAINER_TAGS and child.css_first(_BLOCK_SELECTOR):
            flush()
            pending.append(child.child)  # its children first, then its next sibling
        elif tag == "br":
            flush()
        elif tag == "-text":
            inline_text.append(child.text_content or "")
            inline_html.append(child.html or "")
        elif tag not in ("-comment",):
            inline_text.append(child.text(separator=""))
            inline_html.append(child.html or "")


def _block_text(node: LexborNode) -> str:
    """Inline markup keeps its own spacing; list items and table cells are separate lines."""
    if node.tag in ("ul", "ol", "dl", "table"):
        items = node.css("li, dt, dd, td, th") or [node]
        return "\n".join(t for t in (_clean(i.text(separator=" ")) for i in items) if t)
    return _clean(node.text(separator=""))


def _trafilatura_blocks(html: str, page_url: str, title: str) -> list[Block]:
    """The fallback when selectors find no body: trafilatura's main-content extraction."""
    import trafilatura

    extracted = trafilatura.extract(html, url=page_url, output_format="html",
                                    include_links=True, include_images=True,
                                    include_comments=False, favor_precision=True)
    if not extracted:
        return []
    tree = LexborHTMLParser(extracted)
    root = tree.body
    if root is None:
        return []
    return _content_blocks(root, page_url, title)


def _segment_head(blocks: list[Block], page_title: str,
                  now: datetime) -> tuple[str, datetime | None, list[Block]]:
    """A language half of a bilingual page: its own heading and date line, if it has them."""
    title: str | None = None
    date: datetime | None = None
    rest = list(blocks)
    while rest and (title is None or date is None):
        head = rest[0]
        if date is None and len(head.text) < 60 and (found := parse_date(head.text, now=now)):
            date = found
        elif title is None and (head.tag in ("h1", "h2", "h3", "h4") or (
                head.tag == "p" and len(head.text) < 150 and not head.text.endswith("."))):
            title = head.text
        else:
            break
        rest.pop(0)
    return title or page_title, date, rest


def summarise(paragraphs: list[str], now: datetime, limit: int = SUMMARY_CHARS) -> str:
    """The opening of the text, cut at a sentence end (Arabic punctuation included).

    A short dateline paragraph ("London, 9 December 2017") is skipped: it is not a summary.
    """
    useful: list[str] = []
    length = -1
    for paragraph in paragraphs:
        if length > limit:
            break  # the cut below never reaches further: the rest need no date parsing
        if not _is_dateline(paragraph, now):
            useful.append(paragraph.strip())
            length += len(paragraph) + 2
    # Paragraphs run together read as one sentence ("…الأمم المتحدة نحن، المنظمات"): one
    # without its own end gets a full stop, so the join reads and a cut can fall there.
    text = " ".join(p if i == len(useful) - 1 or _PARAGRAPH_END.search(p) else p + "."
                    for i, p in enumerate(useful))
    if len(text) <= limit:
        return text
    cut = text[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(cut)]
    if ends and ends[-1] > limit // 3:
        return cut[:ends[-1]].strip()
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,،؛") + "…"


def _prose(blocks: list[Block], actions: Sequence[ActionLink]) -> list[str]:
    """The paragraphs a summary may use: not a button ("وقّعوا العريضة" alone in a paragraph,
    a link that is the whole paragraph, or the label of one of the page's action links)."""
    labels = {_SPACES.sub(" ", a.label).strip().casefold() for a in actions}
    return [b.text for b in blocks if b.tag == "p" and not (
        len(b.text) <= _BUTTON_CHARS
        and (_SPACES.sub(" ", b.text).strip().casefold() in labels or _LINK_ONLY.fullmatch(b.html))
    )]


def _is_dateline(text: str, now: datetime) -> bool:
    """"London, 9 December 2017" (or a typo year the date parser refuses) opens many posts."""
    return len(text) < 60 and (parse_date(text, now=now) is not None
                               or _YEAR.search(text) is not None)


# ---- small readers ---------------------------------------------------------------


def _image(tree: LexborHTMLParser, source: SourceSettings, page_url: str) -> str | None:
    for selector in _split_selectors(source.selectors.get("image", "")):
        for node in tree.css(selector):
            src = node.attributes.get("src") or node.attributes.get("data-src")
            if src and not src.startswith("data:") and node.attributes.get("width") not in (
                    "0", "1") and (url := _absolute(src.strip(), page_url)) is not None:
                return url
    og = meta_content(tree, "og:image")
    return _absolute(og, page_url) if og else None


def _page_lang(tree: LexborHTMLParser) -> str:
    html = tree.css_first("html")
    lang = (html.attributes.get("lang") or "") if html is not None else ""
    primary = lang.strip().split("-")[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else "und"


def _split_selectors(group: str) -> list[str]:
    return [s.strip() for s in group.split(",") if s.strip()]


def _select_first(tree: LexborHTMLParser, group: str) -> LexborNode | None:
    """The first selector of a comma list that matches: the list is an order of preference."""
    for selector in _split_selectors(group):
        node = tree.css_first(selector)
        if node is not None:
            return node
    return None


def _first_text(tree: LexborHTMLParser, group: str) -> str:
    node = _select_first(tree, group)
    return _text(node)


def _text(node: LexborNode | None) -> str:
    return _clean(node.text(separator=" ")) if node is not None else ""


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def _same_text(a: str, b: str) -> bool:
    return _clean(a).casefold() == _clean(b).casefold()

"""Articles -> feed bytes: RSS 2.0, Atom 1.0 and JSON Feed 1.1. The only feedgen user.

Output is byte-stable: no clock is read, the generator string is pinned, and the feed's own
date is its newest entry's, so an unchanged feed keeps its bytes (and its ETag).
"""

from __future__ import annotations

import html
import json
import mimetypes
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feeds.models import ActionLink, Article, Kind
from feeds.sanitize import canonical_uri, plain_text, safe_url, sanitize_html

GENERATOR = "feedbot"
# The date of a feed with no entries: fixed, so an empty feed is byte-stable too, and not
# before 1990, which feed validators call implausible.
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)
SUMMARY_CHARS = 300

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"
DC_NS = "http://purl.org/dc/elements/1.1/"

KIND_LABELS: dict[str, dict[Kind, str]] = {
    "ar": {Kind.NEWS: "أخبار", Kind.CAMPAIGN: "نداء تحرك", Kind.STATEMENT: "بيان",
           Kind.REPORT: "تقرير"},
    "en": {Kind.NEWS: "News", Kind.CAMPAIGN: "Campaign", Kind.STATEMENT: "Statement",
           Kind.REPORT: "Report"},
}
TAKE_ACTION: dict[str, str] = {"ar": "تحرّك الآن", "en": "Take action"}


@dataclass(frozen=True)
class SourceMeta:
    """What a feed says about an article's source: its name as author, its categories."""

    name: str
    title: str
    url: str = ""
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedSpec:
    """One feed, independent of format: its texts, language and public URLs."""

    title: str
    description: str
    lang: str
    home_url: str  # the HTML page this feed stands for (the organisation's site)
    rss_url: str
    atom_url: str
    json_url: str
    author: str  # the organisation, for entries of unknown sources and the feed itself
    sources: tuple[SourceMeta, ...] = ()
    ttl_minutes: int | None = None
    empty_updated: datetime = EMPTY_FEED_UPDATED
    hub_url: str = ""  # a WebSub hub readers may subscribe at; "" declares none

    def source(self, name: str) -> SourceMeta | None:
        return next((s for s in self.sources if s.name == name), None)


@dataclass(frozen=True)
class Entry:
    """One article as every feed format shows it: cleaned, sanitised, absolute, UTC."""

    id: str
    url: str
    is_permalink: bool
    title: str
    summary: str
    content_html: str
    published: datetime
    updated: datetime
    lang: str
    author: str
    kind: Kind
    categories: tuple[tuple[str, str], ...]  # (term, label)
    image: str | None
    image_type: str | None
    translations: tuple[tuple[str, str], ...]  # (lang, url), sorted by lang
    actions: tuple[ActionLink, ...]


@dataclass(frozen=True)
class RenderedFeed:
    rss: bytes
    atom: bytes
    json: bytes
    entries: tuple[Entry, ...] = ()  # as the feeds show them, for the HTML pages


# ---- public API -----------------------------------------------------------------------


def render_rss(
    feed: FeedSpec, articles: Iterable[Article], translation_urls: Mapping[str, str] | None = None
) -> bytes:
    return _rss(feed, prepare_entries(feed, articles, translation_urls))


def render_atom(
    feed: FeedSpec, articles: Iterable[Article], translation_urls: Mapping[str, str] | None = None
) -> bytes:
    return _atom(feed, prepare_entries(feed, articles, translation_urls))


def render_json(
    feed: FeedSpec, articles: Iterable[Article], translation_urls: Mapping[str, str] | None = None
) -> bytes:
    return _json(feed, prepare_entries(feed, articles, translation_urls))


def render_all(
    feed: FeedSpec, articles: Iterable[Article], translation_urls: Mapping[str, str] | None = None
) -> RenderedFeed:
    """All three formats from one preparation of the entries."""
    entries = prepare_entries(feed, articles, translation_urls)
    return RenderedFeed(rss=_rss(feed, entries), atom=_atom(feed, entries),
                        json=_json(feed, entries), entries=tuple(entries))


def prepare_entries(
    feed: FeedSpec, articles: Iterable[Article], translation_urls: Mapping[str, str] | None = None
) -> list[Entry]:
    """Entries newest first (ties by key, like the store), whatever order they came in.

    `translation_urls` maps the key of a translated article to its URL; a translation whose
    key is missing is left out rather than guessed.
    """
    # An article's own URL is the entry's link (and often its id): one that is not http(s),
    # as a hostile feed can give ("javascript:..."), has no place in a feed at all.
    ordered = sorted((a for a in articles if _is_web_url(a.url)), key=lambda a: a.key,
                     reverse=True)
    ordered.sort(key=lambda a: _utc(a.published) or feed.empty_updated, reverse=True)
    return _distinct_updates([_entry(feed, a, translation_urls or {}) for a in ordered])


def _distinct_updates(entries: list[Entry]) -> list[Entry]:
    """No two entries with the same update time: sites give a date without a time, so two
    articles of one day would share midnight, which the W3C validator flags in Atom ("Two
    entries with the same value for atom:updated"). A later one in the feed's order moves
    on by whole seconds: stable for the same data, never before its publication date."""
    used: set[datetime] = set()
    distinct = []
    for entry in entries:
        updated = entry.updated
        while updated in used:
            updated += timedelta(seconds=1)
        used.add(updated)
        distinct.append(entry if updated == entry.updated else replace(entry, updated=updated))
    return distinct


def _is_web_url(url: str) -> bool:
    safe = safe_url(url, url)
    return safe is not None and safe.startswith(("http://", "https://"))


def feed_updated(feed: FeedSpec, entries: Sequence[Entry]) -> datetime:
    """The newest entry's update date: never "now", so an unchanged feed keeps its bytes."""
    return max((e.updated for e in entries), default=feed.empty_updated)


# ---- one entry ------------------------------------------------------------------------


def _entry(feed: FeedSpec, article: Article, translation_urls: Mapping[str, str]) -> Entry:
    source = feed.source(article.source)
    lang = article.lang or feed.lang
    url = safe_url(article.url, article.url) or canonical_uri(article.url)
    # From the key only: a new title is not a new entry. (A key with nothing usable in it
    # cannot come from extraction; the URL then stands in, as an id is required.)
    entry_id = canonical_uri(article.key) or url
    published = _utc(article.published) or _utc(article.updated) or feed.empty_updated
    updated = max(_utc(article.updated) or published, published)
    summary = plain_text(article.summary) or _truncate(plain_text(article.body_text))
    body = article.body_html
    actions = tuple(
        ActionLink(url=u, label=plain_text(a.label) or u)
        for a in article.actions
        if (u := safe_url(a.url, article.url)) is not None
    )
    # The body usually holds its own "Take action" list; append only links it lacks.
    missing = [a for a in actions if not _links_to(body, a.url, article.url)]
    if missing:
        body += _actions_html(missing, lang)
    content = sanitize_html(body, article.url, lang)
    if not content:
        content = f"<p>{html.escape(summary or plain_text(article.title), quote=False)}</p>"
    image = safe_url(article.image, article.url, image=True) if article.image else None
    translations = tuple(sorted(
        (other_lang, other_url)
        for other_lang, key in article.translations.items()
        if other_lang != lang and key in translation_urls
        and (other_url := safe_url(translation_urls[key], translation_urls[key])) is not None
        and other_url != url  # a page holding both languages links to itself: say nothing
    ))
    return Entry(
        id=entry_id,
        url=url,
        is_permalink=(entry_id == url),
        title=plain_text(article.title) or url,
        summary=summary,
        content_html=content,
        published=published,
        updated=updated,
        lang=lang,
        author=plain_text(source.title if source else feed.author) or feed.author,
        kind=article.kind,
        categories=_categories(article, source, lang),
        image=image,
        image_type=_image_type(image) if image else None,
        translations=translations,
        actions=actions,
    )


def _utc(value: datetime | None) -> datetime | None:
    # Naive datetimes never reach feedgen (it rejects them): the store writes UTC, so a
    # naive value is read as UTC. Sub-seconds add nothing a reader can use.
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.replace(microsecond=0)


def _truncate(text: str, limit: int = SUMMARY_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ،,.;؛:") + "…"


def _links_to(body_html: str, url: str, base_url: str) -> bool:
    """Whether the body already has an anchor to `url` (hrefs compared once resolved)."""
    return any(safe_url(html.unescape(href), base_url) == url
               for href in _HREF.findall(body_html))


_HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def _actions_html(actions: Sequence[ActionLink], lang: str) -> str:
    heading = TAKE_ACTION.get(lang, TAKE_ACTION["en"])
    items = "".join(
        f'<li><a href="{html.escape(a.url)}">{html.escape(a.label, quote=False)}</a></li>'
        for a in actions)
    return f"<h3>{html.escape(heading, quote=False)}</h3><ul>{items}</ul>"


def _categories(
    article: Article, source: SourceMeta | None, lang: str
) -> tuple[tuple[str, str], ...]:
    labels = KIND_LABELS.get(lang, KIND_LABELS["en"])
    result = [(article.kind.value, labels[article.kind])]
    seen = {article.kind.value}
    for name in (*article.categories, *(source.categories if source else ())):
        text = plain_text(name)
        if text and text not in seen:
            seen.add(text)
            result.append((text, text))
    return tuple(result)


def _image_type(url: str) -> str:
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    # Most news photos are JPEG; a wrong guess costs less than no type (which validators
    # reject for an enclosure).
    return guessed if guessed and guessed.startswith("image/") else "image/jpeg"


# ---- feedgen plumbing -----------------------------------------------------------------


class _FeedExtension(BaseExtension):
    """Declares the namespaces the entry extension writes into."""

    def __init__(self) -> None:
        self.rss = False
        self.hub_url = ""

    def extend_ns(self) -> dict[str, str]:
        ns = {"media": MEDIA_NS}
        if self.rss:
            ns["dc"] = DC_NS
        return ns

    def extend_rss(self, feed: Any) -> Any:
        # feedgen writes only the self link of an RSS channel; the WebSub hub goes right
        # after it, as an atom:link (the form WebSub names for RSS).
        if self.hub_url:
            channel = feed.find("channel")
            self_link = channel.find(f"{{{ATOM_NS}}}link")
            link = etree.Element(f"{{{ATOM_NS}}}link", href=self.hub_url, rel="hub")
            if self_link is not None:
                self_link.addnext(link)
            else:  # pragma: no cover - _generator always adds a self link
                channel.append(link)
        return feed


class _EntryExtension(BaseEntryExtension):
    """Writes what feedgen drops or lacks: entry links with their attributes (feedgen bug
    #135 keeps only href on Atom entry links), translation links, media and dc:creator."""

    def __init__(self) -> None:
        self.entry: Entry | None = None

    def extend_atom(self, element: Any) -> Any:
        e = self.entry
        assert e is not None
        _sub(element, "link", rel="alternate", type="text/html",
             hreflang=feed_language_tag(e.lang), href=e.url)
        for lang, url in e.translations:
            _sub(element, "link", rel="alternate", type="text/html",
                 hreflang=feed_language_tag(lang), href=url)
        if e.translations:
            # Readers disagree on which alternate link is "the" link: Miniflux and most
            # others take the first, feedparser (NewsBlur, many bots) the last. Repeating
            # the article's own link last, without type or hreflang (so it is not a
            # duplicate to validators), makes both pick the article, not its translation.
            _sub(element, "link", rel="alternate", href=e.url)
        if e.image:
            _sub(element, "link", rel="enclosure", type=e.image_type or "", href=e.image)
            _sub(element, f"{{{MEDIA_NS}}}content", url=e.image, medium="image",
                 type=e.image_type or "")
        return element

    def extend_rss(self, element: Any) -> Any:
        e = self.entry
        assert e is not None
        # RSS has no translation links; atom:link is allowed in items. They go before
        # <link> because feedparser lets the last alternate link win.
        position = next((i for i, child in enumerate(element) if child.tag == "link"), 0)
        for offset, (lang, url) in enumerate(e.translations):
            link = etree.Element(f"{{{ATOM_NS}}}link", rel="alternate", type="text/html",
                                 hreflang=feed_language_tag(lang), href=url)
            element.insert(position + offset, link)
        _sub(element, f"{{{DC_NS}}}creator").text = e.author
        if e.image:
            _sub(element, f"{{{MEDIA_NS}}}content", url=e.image, medium="image",
                 type=e.image_type or "")
        return element


# RSS <language>, xml:lang and hreflang are checked against ISO 639-1 by the W3C validator;
# Sorani Kurdish has no code there, so feeds name it by macrolanguage and script (BCP 47
# "ku-Arab"). Pages and JSON Feed keep "ckb", which BCP 47 prefers.
_FEED_LANGUAGE_TAGS = {"ckb": "ku-Arab"}
# The same for Kurmanji (Kurdish in Latin script) and Tamazight in Tifinagh, whose ISO 639-3
# codes the validator does not know: "ber" is ISO 639's code for the Berber languages.
_FEED_LANGUAGE_TAGS |= {"kmr": "ku-Latn", "zgh": "ber-Tfng"}


def feed_language_tag(lang: str) -> str:
    return _FEED_LANGUAGE_TAGS.get(lang, lang)


def _sub(parent: Any, tag: str, **attrs: str) -> Any:
    return etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v})


def _generator(feed: FeedSpec, entries: Sequence[Entry], *, rss: bool) -> FeedGenerator:
    fg = FeedGenerator()
    fg.register_extension("feedbot", _FeedExtension, _EntryExtension, atom=True, rss=True)
    fg.feedbot.rss = rss
    hub = canonical_uri(feed.hub_url) if feed.hub_url else ""
    fg.feedbot.hub_url = hub
    fg.title(plain_text(feed.title))
    fg.description(plain_text(feed.description))
    fg.language(feed_language_tag(feed.lang))
    fg.generator(GENERATOR)
    fg.author(name=plain_text(feed.author))
    fg.updated(feed_updated(feed, entries))
    self_url = canonical_uri(feed.rss_url if rss else feed.atom_url)
    fg.id(canonical_uri(feed.atom_url))
    # feedgen takes the last link as RSS <link>: self first, then the HTML page.
    fg.link(href=self_url, rel="self",
            type="application/rss+xml" if rss else "application/atom+xml")
    if hub and not rss:
        fg.link(href=hub, rel="hub")
    fg.link(href=canonical_uri(feed.home_url), rel="alternate", type="text/html")
    if rss and feed.ttl_minutes:
        fg.ttl(feed.ttl_minutes)
    return fg


def _rss(feed: FeedSpec, entries: Sequence[Entry]) -> bytes:
    fg = _generator(feed, entries, rss=True)
    for e in entries:
        fe = fg.add_entry(order="append")
        fe.feedbot.entry = e
        fe.title(e.title)
        fe.link(href=e.url)
        fe.guid(e.id, permalink=e.is_permalink)
        # description is HTML in RSS: the plain summary, escaped once for HTML.
        fe.description(html.escape(e.summary, quote=False) or html.escape(e.title, quote=False))
        fe.content(e.content_html)
        fe.pubDate(e.published)
        for term, label in e.categories:
            fe.category(term=term, label=label)
        if e.image:
            fe.enclosure(e.image, "0", e.image_type)  # length unknown: 0, as RSS advises
    return bytes(fg.rss_str(pretty=True))


def _atom(feed: FeedSpec, entries: Sequence[Entry]) -> bytes:
    fg = _generator(feed, entries, rss=False)
    for e in entries:
        fe = fg.add_entry(order="append")
        fe.feedbot.entry = e
        fe.id(e.id)
        fe.title(e.title)
        fe.updated(e.updated)
        fe.published(e.published)
        fe.author(name=e.author)
        fe.content(e.content_html, type="html")
        fe.summary(e.summary or e.title)
        for term, label in e.categories:
            fe.category(term=term, label=label)
    return bytes(fg.atom_str(pretty=True))


def _json(feed: FeedSpec, entries: Sequence[Entry]) -> bytes:
    items: list[dict[str, Any]] = []
    for e in entries:
        item: dict[str, Any] = {
            "id": e.id,
            "url": e.url,
            "title": e.title,
            "content_html": e.content_html,
            "summary": e.summary,
            "date_published": e.published.isoformat(),
            "date_modified": e.updated.isoformat(),
            "authors": [{"name": e.author}],
            "tags": [label for _, label in e.categories],
            "language": e.lang,
        }
        if e.image:
            item["image"] = e.image
        extension: dict[str, Any] = {"kind": e.kind.value}
        if e.actions:
            extension["actions"] = [{"url": a.url, "label": a.label} for a in e.actions]
        if e.translations:
            extension["translations"] = dict(e.translations)
        item["_feedbot"] = extension
        items.append(item)
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": plain_text(feed.title),
        "home_page_url": canonical_uri(feed.home_url),
        "feed_url": canonical_uri(feed.json_url),
        "description": plain_text(feed.description),
        "language": feed.lang,
        "authors": [{"name": plain_text(feed.author)}],
        "items": items,
    }
    if feed.hub_url:  # JSON Feed 1.1 names WebSub hubs in "hubs"
        document["hubs"] = [{"type": "WebSub", "url": canonical_uri(feed.hub_url)}]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


__all__ = [
    "EMPTY_FEED_UPDATED", "GENERATOR", "Entry", "FeedSpec", "RenderedFeed", "SourceMeta",
    "feed_updated", "prepare_entries", "render_all", "render_atom",
    "render_json", "render_rss",
]

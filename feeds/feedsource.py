"""A source that already publishes RSS or Atom: its entries become Articles without scraping."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime

import feedparser
from selectolax.lexbor import LexborHTMLParser

from feeds.campaigns import classify_article
from feeds.dates import plausible
from feeds.extract import summarise
from feeds.language import detect_language
from feeds.models import Article
from feeds.sources import SourceSettings
from feeds.urls import normalise_url

# "&#xD800;" names a lone surrogate: feedparser's loose parser dies on it, losing the feed.
_CHAR_REF = re.compile(r"&#([xX][0-9a-fA-F]{1,8}|[0-9]{1,10});")


def _no_surrogate(match: re.Match[str]) -> str:
    ref = match.group(1)
    number = int(ref[1:], 16) if ref[0] in "xX" else int(ref)
    return "\ufffd" if 0xD800 <= number <= 0xDFFF or number > 0x10FFFF else match.group(0)


class FeedError(Exception):
    """The feed could not be read at all; the message is the one-line reason."""


def articles_from_feed(text: str, feed_url: str, source: SourceSettings, lang: str, *,
                       now: datetime) -> list[Article]:
    """Entries in feed order (usually newest first); entries without a link are skipped."""
    try:
        parsed = feedparser.parse(_CHAR_REF.sub(_no_surrogate, text))
    except UnicodeError as exc:  # feedparser's loose parser on "&#xD800;" and the like
        raise FeedError(f"feed cannot be parsed: {exc}") from None
    articles = []
    for entry in parsed.entries:
        link = entry.get("link")
        title = (entry.get("title") or "").strip()
        if not link or not title:
            continue
        try:
            url = normalise_url(link, feed_url)
        except ValueError:
            continue
        if not url.startswith(("http://", "https://")):
            continue
        contents = entry.get("content") or []
        body_html = contents[0].get("value", "") if contents else entry.get("summary", "")
        body_text = _text(body_html)
        paragraphs = [p for p in body_text.split("\n") if p.strip()]
        # dict.get: FeedParserDict.get("updated_parsed") warns when it falls back to published.
        updated = _when(dict.get(entry, "updated_parsed"), now)
        published = _when(dict.get(entry, "published_parsed"), now) or updated
        body_lang = detect_language(f"{title} {body_text[:2000]}")
        article_lang = body_lang if body_lang != "und" else lang
        classification = classify_article(title=title, body_html=body_html, lang=article_lang,
                                          rules=source.classifier, base_url=url)
        articles.append(Article(
            key=url, url=url, source=source.name, lang=article_lang, title=title,
            body_html=body_html, body_text=body_text,
            summary=summarise(paragraphs, now) or _text(entry.get("summary", ""))[:320],
            published=published, date_is_guess=published is None,
            updated=updated,
            kind=classification.kind, actions=classification.actions,
            categories=tuple(t.get("term", "") for t in entry.get("tags", []) if t.get("term"))
            + source.categories,
        ))
    return articles


def _when(parsed: object, now: datetime) -> datetime | None:
    """feedparser's UTC struct_time -> aware datetime; a date in the future or an unset
    default (1970-01-01) is refused."""
    if not parsed:
        return None
    moment = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)  # type: ignore[arg-type]
    return moment if plausible(moment, now=now) else None


def _text(html: str) -> str:
    if not html:
        return ""
    tree = LexborHTMLParser(html)
    return "\n".join(t for t in (tree.text(separator="\n") or "").split("\n") if t.strip())

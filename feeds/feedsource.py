"""A source that already publishes RSS or Atom: its entries become Articles without scraping."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

import feedparser
from selectolax.lexbor import LexborHTMLParser

from feeds.campaigns import classify_article
from feeds.extract import summarise
from feeds.language import detect_language
from feeds.models import Article
from feeds.sources import SourceSettings
from feeds.urls import normalise_url


def articles_from_feed(text: str, feed_url: str, source: SourceSettings, lang: str, *,
                       now: datetime) -> list[Article]:
    """Entries in feed order (usually newest first); entries without a link are skipped."""
    parsed = feedparser.parse(text)
    articles = []
    for entry in parsed.entries:
        link = entry.get("link")
        title = (entry.get("title") or "").strip()
        if not link or not title:
            continue
        url = normalise_url(link, feed_url)
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
                                          rules=source.classifier)
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
    """feedparser's UTC struct_time -> aware datetime; a date in the future is refused."""
    if not parsed:
        return None
    moment = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)  # type: ignore[arg-type]
    return None if (moment - now).days >= 1 else moment


def _text(html: str) -> str:
    if not html:
        return ""
    tree = LexborHTMLParser(html)
    return "\n".join(t for t in (tree.text(separator="\n") or "").split("\n") if t.strip())

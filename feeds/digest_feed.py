"""The `/{lang}/digest/` feeds: one entry per digest period, written beside the other feeds.

Each stored digest (feeds.digests) becomes an entry whose id names its language and period
(stable across rewrites), whose date is the digest moment, and whose content lists the
period's articles grouped by kind, campaign calls first with their action links. The
entries go through feeds.render like articles do, so they are sanitised and valid alike.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

from feeds.digests import Digest, DigestStore, group_by_kind, period_label, words
from feeds.models import Article, Kind
from feeds.pages import FeedPage
from feeds.publish import PublishResult, SiteInfo, add_feed, feed_urls
from feeds.render import FeedSpec, render_all
from feeds.sanitize import safe_url

MAX_ENTRIES = 52  # a year of weekly digests


def digest_directory(lang: str) -> str:
    return f"{lang}/digest/"


def publish_digest_feeds(store: DigestStore, site: SiteInfo, languages: Iterable[str],
                         output_dir: Path, result: PublishResult, timezone: str = "UTC") -> None:
    """Write rss.xml, atom.xml and feed.json under `{lang}/digest/` for each language;
    an unchanged file is left alone (its ETag holds). The feeds and their page join
    `result`, so feeds.publish.write_pages lists them on the index page and in the OPML."""
    tz = ZoneInfo(timezone)
    for lang in languages:
        w = words(lang)
        name = site.name_in(lang)
        directory = digest_directory(lang)
        urls = feed_urls(site, directory)
        spec = FeedSpec(
            title=w["title"].format(name=name),
            description=w["feed_description"].format(name=name), lang=lang,
            home_url=site.home(), rss_url=urls["rss"], atom_url=urls["atom"],
            json_url=urls["json"], author=name,
            ttl_minutes=max(1, site.cache_seconds // 60), hub_url=site.websub_hub)
        entries = [digest_article(d, store, site.base(), site.home(), name, tz)
                   for d in store.recent(lang, MAX_ENTRIES)]
        # Written and listed as any other feed: the hub is told of it when it changes.
        add_feed(output_dir, result, render_all(spec, entries), urls, FeedPage(
            directory=directory, lang=lang, title=spec.title, description=spec.description,
            campaigns=False, source=None, digest=True, timezone=timezone, links=(),
            entries=(), telegram=site.telegram_in(lang)), home_url=spec.home_url)


def digest_article(digest: Digest, store: DigestStore, base_url: str, home_url: str,
                   name: str, tz: ZoneInfo) -> Article:
    """A digest as the one type feeds.render knows. Its key (the entry id) is built from
    the language and the period start only, so a rewrite never makes it a new entry."""
    lang = digest.lang
    w = words(lang)
    found = store.articles(list(digest.article_keys))
    shown = [found[k] for k in digest.article_keys if k in found]
    label = period_label(digest.period_start, digest.period_end, lang, tz)
    count = w["one"] if len(shown) == 1 else w["count"].format(n=len(shown))
    start = digest.period_start.astimezone(UTC)
    return Article(
        key=f"{base_url}{digest_directory(lang)}#{start:%Y-%m-%dT%H:%MZ}",
        url=home_url, source="", lang=lang,
        title=f"{w['title'].format(name=name)}: {label}",
        body_html=_body(shown, lang), body_text="", summary=f"{label} · {count}",
        published=digest.period_end, updated=digest.period_end, kind=Kind.NEWS)


def _body(items: list[Article], lang: str) -> str:
    w = words(lang)
    esc = html.escape
    parts = []
    for kind, group in group_by_kind(items):
        parts.append(f"<h3>{esc(w[kind], quote=False)}</h3><ul>")
        for article in group:
            url = safe_url(article.url, article.url)
            title = esc(article.title, quote=False)
            line = f'<a href="{esc(url)}">{title}</a>' if url else title
            actions = [(u, a.label) for a in article.actions
                       if (u := safe_url(a.url, article.url)) is not None]
            if kind is Kind.CAMPAIGN and actions:
                line += "<ul>" + "".join(
                    f'<li><a href="{esc(u)}">{esc(label or w["action"], quote=False)}</a></li>'
                    for u, label in actions) + "</ul>"
            parts.append(f"<li>{line}</li>")
        parts.append("</ul>")
    return "".join(parts)

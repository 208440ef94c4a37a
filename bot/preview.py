"""`feedbot preview URL`: fetch one page and print the article(s) as the bot understood them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.app import utc_now
from bot.config import Config, ConfigError
from feeds.extract import ExtractError, extract_articles
from feeds.fetcher import Fetcher, FetchError
from feeds.models import Article
from feeds.sources import FetchSettings, SourceSettings
from feeds.urls import host_of


def pick_source(url: str, config: Config | None, name: str | None) -> SourceSettings:
    """The named source, else the configured source serving this host, else the defaults."""
    sources = config.sources if config else ()
    if name:
        for source in sources:
            if source.name == name:
                return source
        raise ConfigError(f"--source: no source named {name!r}")
    for source in sources:
        if host_of(url) in source.hosts:
            return source
    return SourceSettings(name="preview", title=host_of(url), url=url)


def run_preview(url: str, config: Config | None, name: str | None,
                out: Callable[[str], None] = print) -> int:
    source = pick_source(url, config, name)
    settings = config.fetch if config else FetchSettings()
    try:
        articles = asyncio.run(_fetch_and_extract(url, source, settings))
    except (FetchError, ExtractError) as exc:
        out(f"error: {exc}")
        return 1
    for article in articles:
        out(describe(article))
    return 0


async def _fetch_and_extract(url: str, source: SourceSettings,
                             settings: FetchSettings) -> list[Article]:
    async with Fetcher(settings) as fetcher:
        page = await fetcher.fetch(url, allowed_hosts=source.hosts)
    return extract_articles(page.text, page.url, source, now=utc_now())


def describe(article: Article) -> str:
    date = article.published.date().isoformat() if article.published else "none"
    if article.date_is_guess:
        date += " (no date on the page: first-seen time will be used)"
    lines = [
        f"key:        {article.key}",
        f"title:      {article.title}",
        f"language:   {article.lang}",
        f"published:  {date}",
        f"updated:    {article.updated.isoformat() if article.updated else '-'}",
        f"kind:       {article.kind.value}",
        f"image:      {article.image or '-'}",
        f"categories: {', '.join(article.categories) or '-'}",
        f"translations: {', '.join(f'{k}={v}' for k, v in article.translations.items()) or '-'}",
        "actions:" + ("" if article.actions else " -"),
        *[f"  - {a.label} <{a.url}>" for a in article.actions],
        f"summary:    {article.summary}",
        "body:",
        *[f"  {line}" for line in article.body_text.split("\n\n")],
        "",
    ]
    return "\n".join(lines)

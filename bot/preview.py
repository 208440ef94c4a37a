"""`feedbot preview URL`: fetch one page and print the article(s) as the bot understood them;
`--listing`: the article links a listing page yields, those left out and why, and the next page."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

from bot.app import utc_now
from bot.config import Config, ConfigError
from feeds.extract import ExtractError, extract_articles
from feeds.fetcher import Fetcher, FetchError, Page
from feeds.listing import ListingPage, link_matches, page_number, page_url, parse_listing
from feeds.models import Article
from feeds.sources import FetchSettings, SourceSettings
from feeds.urls import host_of

IGNORED_SHOWN = 15  # links listed per reason; the rest are counted
# A page that is not itself an article link and yields this many, or links to this many
# pages of one URL shape not its own, is a listing: preview points to --listing.
LISTING_LINKS = 3
LISTING_SHAPES = 5


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
                out: Callable[[str], None] = print, *, listing: bool = False) -> int:
    source = pick_source(url, config, name)
    settings = config.fetch if config else FetchSettings()
    try:
        page = asyncio.run(_fetch(url, source, settings))
    except FetchError as exc:
        out(f"error: {exc}")
        return 1
    if listing:
        return _preview_listing(page, source, out)
    example, count, sure = _listing_evidence(page, source)
    listing_hint = (f"it links to {count} article-like pages (like {example}). Try "
                    f"`feedbot preview --listing {url}`")
    if sure:
        # Extraction would make an "article" of the teasers, or fail on the body selector.
        out(f"error: this is a listing page, not an article: {listing_hint}.")
        return 1
    try:
        articles = extract_articles(page.text, page.url, source, now=utc_now())
    except ExtractError as exc:
        out(f"error: this looks like a listing page, not an article: {listing_hint}." if count
            else f"error: {exc}")
        return 1
    if count:  # links of one shape may be a sidebar's: the article is shown all the same
        out(f"note: this may be a listing page: {listing_hint}.\n")
    for article in articles:
        out(describe(article))
    return 0


async def _fetch(url: str, source: SourceSettings, settings: FetchSettings) -> Page:
    async with Fetcher(settings) as fetcher:
        return await fetcher.fetch(url, allowed_hosts=source.hosts)


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


# ---- listings ----------------------------------------------------------------------------


def _parse(page: Page, source: SourceSettings) -> ListingPage:
    return parse_listing(page.text, page.url, link_selector=source.link_selector,
                         link_pattern=source.link_pattern, allowed_hosts=source.hosts,
                         now=utc_now())


def _preview_listing(page: Page, source: SourceSettings, out: Callable[[str], None]) -> int:
    parsed = _parse(page, source)
    out(f"listing:  {page.url}")
    out(f"source:   {source.name} (links: selector {source.link_selector!r}, pattern "
        f"{source.link_pattern!r})")
    out(f"article links: {len(parsed.links)}" + ("" if parsed.links else
        " (none: check link_pattern and link_selector)"))
    for number, link in enumerate(parsed.links, 1):
        shown = parsed.dates.get(link)
        date = shown.date().isoformat() if shown else "no date on the teaser"
        out(f"  {number:3}. {link}  [{date}]")
    reasons = Counter(i.reason for i in parsed.ignored)
    out(f"ignored links: {len(parsed.ignored)}" + "".join(
        f", {n} {reason}" for reason, n in reasons.items()))
    for reason in reasons:
        of_reason = [i for i in parsed.ignored if i.reason == reason]
        out(f"  {reason}{_REASONS.get(reason, '')}:")
        for item in of_reason[:IGNORED_SHOWN]:
            out(f"    {item.href or '(no href)'}" + (f"  {item.text[:50]!r}" if item.text else ""))
        if len(of_reason) > IGNORED_SHOWN:
            out(f"    ... and {len(of_reason) - IGNORED_SHOWN} more")
    out(f"next page: {_next_page(page.url, parsed, source)}")
    return 0 if parsed.links else 1


_REASONS = {
    "pattern": " (the path does not match link_pattern)",
    "other host": " (a listing never makes the bot fetch another site)",
    "duplicate": " (already listed above)",
    "navigation": " (menus, headers, footers, paging, in-page and mailto links)",
}


def _next_page(url: str, parsed: ListingPage, source: SourceSettings) -> str:
    """Where the walk (feeds.check) goes after this page, and by which rule."""
    for listing in source.listings:
        number = page_number(listing.url, url) if "{page}" in listing.url else None
        if number is not None:
            return (f"{page_url(listing.url, number + 1)} (the configured listing URL's "
                    f"{{page}}, up to max_pages = {listing.max_pages})")
    if parsed.next_url:
        return f"{parsed.next_url} (the page's own next link)"
    return "none: no {page} in a configured listing URL fits this URL, and no next link"


def _listing_evidence(page: Page, source: SourceSettings) -> tuple[str, int, bool]:
    """(an example, how many, sure) of the article-like links that make this page look like
    a listing; ("", 0, False) when it does not.

    Sure: the source's own link pattern finds several links here while the page's URL does
    not match it. Not sure (a pattern made for another site): many links share one URL
    shape ("/2024/12/…", "/node/…") that the page's own URL does not have; an article's
    related posts share its own shape, but a sidebar's may not.
    """
    parsed = _parse(page, source)
    own = [u for u in parsed.links if u != page.url]
    if len(own) >= LISTING_LINKS and not _is_article_url(page.url, source):
        return urlsplit(own[0]).path, len(own), True
    shapes: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for href in dict.fromkeys(i.href for i in parsed.ignored if i.reason == "pattern"):
        shape = _shape(href)
        if shape is not None:
            shapes[shape] += 1
            examples.setdefault(shape, urlsplit(href).path)
    if shapes:
        shape, count = shapes.most_common(1)[0]
        if count >= LISTING_SHAPES and shape != _shape(page.url):
            return examples[shape], count, False
    return "", 0, False


def _shape(url: str) -> str | None:
    """A URL's directories, numbers blurred (/2024/12/, /node/123 vary between articles);
    None for a top-level page ("/about"), which is no article."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if len(segments) < 2:
        return None
    return "/".join("N" if s.isdigit() else s for s in segments[:-1])


def _is_article_url(url: str, source: SourceSettings) -> bool:
    return link_matches(source.link_pattern, url)

"""Settings of one article source and of fetching, as plain typed values.

`bot.config` builds these from `config.toml`; `feeds/` only reads them, so the article
half of the pipeline never depends on the bot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from feeds.campaigns import ClassifierRules

# Defaults that fit alqst.org and the bundled replica of it.
DEFAULT_LINK_PATTERN = r"/(?:(?:en|ar)/)?posts?/[^/?#]+/?$"
DEFAULT_SELECTORS: dict[str, str] = {
    "title": "h1",
    "date": ".publication-date, time[datetime]",
    "body": "article .post-body, .article-body, article",
    "image": "article img",
}
# Blocks that are never content on NGO sites: share widgets, related posts, donate buttons.
DEFAULT_REMOVE = (
    "nav",
    "header",
    "footer",
    "script",
    "style",
    "form",
    "iframe",
    ".share",
    ".share-article",
    ".related",
    ".related-posts",
    ".donate",
    ".most-viewed",
    "[class*=share]",
    "[class*=related]",
    "[class*=donate]",
)


@dataclass(frozen=True)
class FetchSettings:
    """How politely and defensively pages are fetched."""

    timeout_seconds: float = 20.0
    max_bytes: int = 5_000_000
    per_host_concurrency: int = 2
    per_host_delay_seconds: float = 0.5
    retries: int = 3
    backoff_seconds: float = 1.0
    max_retry_after_seconds: float = 120.0
    max_redirects: int = 5
    contact_url: str = "https://github.com/feedbot-ngo/feedbot"


@dataclass(frozen=True)
class Listing:
    """Listing pages of one language. `url` may hold `{page}` for pagination."""

    lang: str
    url: str
    first_page: int = 1
    max_pages: int = 5


@dataclass(frozen=True)
class SourceSettings:
    """One site (or feed) to watch."""

    name: str
    title: str
    listings: tuple[Listing, ...] = ()
    feed_urls: dict[str, str] = field(default_factory=dict)  # lang -> RSS/Atom URL
    link_selector: str = "a[href]"
    link_pattern: str = DEFAULT_LINK_PATTERN
    selectors: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SELECTORS))
    remove: tuple[str, ...] = DEFAULT_REMOVE
    extra_hosts: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    schedule: str = "*/30 * * * *"
    max_new_per_pass: int = 30  # articles fetched per language per pass; the rest wait
    url: str = ""  # the organisation's home page
    classifier: ClassifierRules | None = None  # None: the built-in rules

    @property
    def languages(self) -> tuple[str, ...]:
        langs = [listing.lang for listing in self.listings] + list(self.feed_urls)
        return tuple(dict.fromkeys(langs))

    @property
    def hosts(self) -> frozenset[str]:
        """Hosts this source may fetch from and redirect within (www. and bare alike)."""
        urls = [listing.url for listing in self.listings] + list(self.feed_urls.values())
        if self.url:
            urls.append(self.url)
        hosts = {(urlsplit(u).hostname or "").lower() for u in urls} | set(self.extra_hosts)
        hosts.discard("")
        paired = {h[4:] if h.startswith("www.") else "www." + h for h in hosts}
        return frozenset(hosts | paired)

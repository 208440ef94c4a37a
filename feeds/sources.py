"""Settings of one article source and of fetching, as plain typed values.

`bot.config` builds these from `config.toml`; `feeds/` only reads them, so the article
half of the pipeline never depends on the bot.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import timedelta
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
    # Source passes at once (check, and the service's jobs). Each pass is paced by its host's
    # delay (about one request a second), so this sets the throughput: 50 passes cover a cold
    # round of 200 sources (50 requests each) in about 4 minutes, with bounded connections.
    max_concurrent_sources: int = 50


@dataclass(frozen=True)
class Listing:
    """Listing pages of one language. `url` may hold `{page}` for pagination; without it,
    pages after the first are reached by the page's own next link, and `paging = "next-link"`
    says that is meant (discover writes it), so `config check` does not warn about it."""

    lang: str
    url: str
    first_page: int = 1
    max_pages: int = 5
    paging: str = ""


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
    retire_dead_links_after: int = 3  # passes in a row a link answers 404/410 before it retires
    # Each known article on a listing's page 1 is fetched again at most this often (spread
    # across passes) to notice corrections its teaser does not show.
    recheck_every: timedelta = timedelta(hours=1)
    url: str = ""  # the organisation's home page
    classifier: ClassifierRules | None = None  # None: the built-in rules

    @property
    def languages(self) -> tuple[str, ...]:
        langs = [listing.lang for listing in self.listings] + list(self.feed_urls)
        return tuple(dict.fromkeys(langs))

    @property
    def hosts(self) -> frozenset[str]:
        """Hosts this source may fetch from and redirect within (www. and bare alike).

        Each name is listed bare (to compare names: canonical links, listing links) and as
        `name:port` for each port the source is served on: the port a configured URL names,
        else 80 and 443. The fetcher fetches such a name on those ports only, so a listing
        cannot point it at another service on the same host (the feed server, a local Bot
        API server, a database).
        """
        urls = [listing.url for listing in self.listings] + list(self.feed_urls.values())
        if self.url:
            urls.append(self.url)
        origins = {_origin(u) for u in urls}
        origins |= {split_host_port(h.lower()) for h in self.extra_hosts}
        hosts: set[str] = set()
        for name, port in origins:
            if not name:
                continue
            # An address has no "www." twin; a name has, whichever way it was written.
            twins = (name,) if _is_address(name) else (
                name, name[4:] if name.startswith("www.") else "www." + name)
            for paired in twins:
                hosts.add(paired)
                hosts.update(join_host_port(paired, p) for p in ((port,) if port else _WEB_PORTS))
        return frozenset(hosts)


_WEB_PORTS = (80, 443)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _origin(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # refused by config validation; here it means the web ports only
        port = None
    return (parts.hostname or "").lower(), port


def join_host_port(name: str, port: int) -> str:
    """"alqst.org:443", "[::1]:8080": an allowed host with the one port it is allowed on."""
    return f"[{name}]:{port}" if ":" in name else f"{name}:{port}"


def split_host_port(entry: str) -> tuple[str, int | None]:
    """The inverse of `join_host_port`; a bare name (or IPv6 address) has no port."""
    if entry.startswith("["):
        name, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:
        name, _, port = entry.partition(":")
    else:
        return entry, None
    return name, int(port) if port.isascii() and port.isdigit() else None

"""How much `feedbot discover` gets right: per site, the article fields (title, date,
language, kind, body without chrome) right out of the total, read with no selectors at all
(the defaults, as `feedbot preview URL` without a config) and with discover's config.

Both columns read the same article pages (every article the site has, each language) with
`feeds.extract`; the last columns run a real check pass with discover's config, written to
a config file with no hand edits, and count what it stored and got right.

Run:  .venv/bin/python bench/discover.py [--sites press,drupal,langquery,replica]
      .venv/bin/python bench/discover.py --sites ghost,subdomain,portal   (held out)
      .venv/bin/python bench/discover.py --sites wix,joomla,arabicfirst   (third round)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from _common import ROOT  # noqa: F401 - puts the project on the import path

from bot.app import build_parts, check_sources
from bot.config import ConfigError, load_config
from bot.discover import discover
from feeds.discover.block import source_block, write_block
from feeds.extract import ExtractError, extract_articles
from feeds.fetcher import Fetcher, FetchError
from feeds.listing import link_matches
from feeds.models import Article
from feeds.sources import FetchSettings, SourceSettings
from tests.discover_sites import (
    FIELDS,
    HELD_OUT_SITES,
    ROUND3_SITES,
    SITE_NAMES,
    find_article,
    score,
    started,
)

FAST = FetchSettings(per_host_delay_seconds=0)


async def _extract_all(urls: list[str], source: SourceSettings,
                       hosts: frozenset[str] | None = None) -> list[Article]:
    """`hosts`: where the pages may be fetched from (default: the source's own hosts)."""
    now = datetime.now(UTC)
    found: list[Article] = []
    async with Fetcher(FAST) as fetcher:
        for url in dict.fromkeys(urls):
            # A page discover's config may not fetch (another host) or read is counted as all
            # fields wrong.
            with contextlib.suppress(ExtractError, FetchError):
                page = await fetcher.fetch(url, allowed_hosts=hosts or source.hosts)
                found += extract_articles(page.text, page.url, source, now=now)
    return found


def _follows(source: SourceSettings, url: str) -> bool:
    """Whether `url` is one of this source's articles (by its link pattern)."""
    return link_matches(source.link_pattern, url)


def _tally(articles: list[Article], site) -> tuple[int, int, dict[str, int]]:  # type: ignore[no-untyped-def]
    right = total = 0
    per_field = dict.fromkeys(FIELDS, 0)
    for expected in site.expected:
        marks = score(find_article(articles, expected), expected)
        right += sum(marks.values())
        total += len(marks)
        for key, ok in marks.items():
            per_field[key] += ok
    return right, total, per_field


def bench_site(name: str) -> dict[str, object]:
    with started(name) as site, tempfile.TemporaryDirectory() as tmp:
        urls = [e.url for e in site.expected]
        plain = SourceSettings(name="preview", title="preview", url=site.start_url)
        # The pages themselves, wherever they are: this column measures reading, not reach
        # (a site with its languages on two hosts).
        every_host = frozenset(h for u in urls for h in (urlsplit(u).netloc,
                                                        urlsplit(u).hostname or ""))
        bare = asyncio.run(_extract_all(urls, plain, plain.hosts | every_host))

        started_at = time.perf_counter()
        found = asyncio.run(discover(site.start_url, FAST, name=name))
        seconds = time.perf_counter() - started_at
        config_path = Path(tmp) / "config.toml"
        config_path.write_text('database = "db.sqlite"\n[fetch]\nper_host_delay_seconds = 0\n')
        write_block(config_path, source_block(found), name)
        for section in found.sections:  # a portal's other sections: sources of their own
            write_block(config_path, source_block(section), section.name)
        refused = ""
        guided: list[Article] = []
        stored: list[Article] = []
        try:
            config = load_config(config_path)
        except ConfigError as exc:  # a config `config check` refuses: every field wrong
            refused = str(exc)
        else:
            guided = [a for source in config.sources for a in asyncio.run(_extract_all(
                [u for u in urls if _follows(source, u)], source))]
            parts = build_parts(config)
            asyncio.run(check_sources(config, parts.store))
            stored = parts.store.latest(limit=1000)
            parts.engine.dispose()
        return {
            "site": name, "articles": len(site.expected),
            "bare": _tally(bare, site), "discover": _tally(guided, site),
            "pass": _tally(stored, site), "stored": len(stored),
            "pages": found.pages_fetched, "seconds": seconds, "refused": refused,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", default=",".join(SITE_NAMES),
                        help="comma-separated; the held-out ones: "
                        + ",".join(HELD_OUT_SITES + ROUND3_SITES))
    args = parser.parse_args()
    rows = [bench_site(name) for name in args.sites.split(",")]
    print(f"{'site':10} {'articles':>8} {'no selectors':>14} {'discover':>10} "
          f"{'check pass':>12} {'stored':>7} {'pages':>6} {'discover s':>10}")
    for row in rows:
        bare, guided, passed = row["bare"], row["discover"], row["pass"]
        print(f"{row['site']:10} {row['articles']:>8} {bare[0]:>8}/{bare[1]:<5} "  # type: ignore[index]
              f"{guided[0]:>4}/{guided[1]:<5} {passed[0]:>6}/{passed[1]:<5} "  # type: ignore[index]
              f"{row['stored']:>7} {row['pages']:>6} {row['seconds']:>10.1f}")
    print("\nper field, no selectors -> discover (" + ", ".join(FIELDS) + "):")
    for row in rows:
        bare, guided = row["bare"][2], row["discover"][2]  # type: ignore[index]
        print(f"{row['site']:10} " + "  ".join(
            f"{key} {bare[key]}->{guided[key]}" for key in FIELDS) + f"  (of {row['articles']})")
        if row["refused"]:
            print(f"{'':10} discover's config refused: {row['refused']}")


if __name__ == "__main__":
    main()

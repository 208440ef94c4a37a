"""`feedbot discover URL`: what the site looks like to the bot, with the evidence, three
previews per language, and a `[[sources]]` block to paste or `--write` to a config file."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from bot.app import utc_now
from feeds.discover import Discovery, Guess, discover_site
from feeds.discover.block import WriteRefused, source_block, write_block
from feeds.discover.crawl import DEFAULT_PAGE_BUDGET, DiscoverError
from feeds.fetcher import Fetcher
from feeds.models import Article
from feeds.sources import FetchSettings


async def discover(url: str, settings: FetchSettings, *, name: str | None = None,
                   page_budget: int = DEFAULT_PAGE_BUDGET) -> Discovery:
    async with Fetcher(settings) as fetcher:
        return await discover_site(url, fetcher, now=utc_now(), name=name,
                                   page_budget=page_budget)


def run_discover(url: str, settings: FetchSettings, *, name: str | None = None,
                 write: Path | None = None, page_budget: int = DEFAULT_PAGE_BUDGET,
                 out: Callable[[str], None] = print) -> int:
    """Exit 0: a block was found (and written); 1: discovery failed or the write was refused;
    2: the arguments are unusable."""
    if page_budget < 2:
        out("error: --max-fetches must be at least 2 (the start page and one more)")
        return 2
    try:
        found = asyncio.run(discover(url, settings, name=name, page_budget=page_budget))
    except DiscoverError as exc:
        out(f"error: {exc}")
        return 1
    for line in report_lines(found):
        out(line)
    block = source_block(found)
    if not any(f.listing for f in found.languages):
        out("error: no listing page found; nothing to configure (see the notes above)")
        return 1
    # A portal's other sections come as sources of their own, after the main one.
    blocks = [(found.name, block)] + [(s.name, source_block(s)) for s in found.sections
                                      if any(f.listing for f in s.languages)]
    out("---- configuration " + "-" * 50)
    out("\n".join(b for _, b in blocks))
    if write is not None:
        for name, text in blocks:
            try:
                out(write_block(write, text, name))
            except WriteRefused as exc:
                out(f"error: {exc}")
                return 1
    return 0


def _guess(label: str, guess: Guess | None) -> list[str]:
    if guess is None:
        return [f"{label}: -"]
    lines = [f"{label}: {guess.value or '(none)'}   [{guess.sure}]", f"    why: {guess.evidence}"]
    if guess.check:
        lines.append(f"    check: {guess.check}")
    return lines


def report_lines(found: Discovery) -> list[str]:
    lines = [f"site: {found.title} <{found.home_url}> ({found.pages_fetched} pages fetched)"]
    if found.language_form:
        lines.append(f"languages: {', '.join(f.lang for f in found.languages)} "
                     f"(told apart by {found.language_form})")
    for finding in found.languages:
        lines.append(f"[{finding.lang}] found by {finding.found_by}: {finding.entry_url}")
        lines += ["  " + s for s in _guess("listing", finding.listing)]
        lines += ["  " + s for s in _guess("pagination", finding.pagination)]
        if finding.listing is not None:
            lines.append(f"  first_page = {finding.first_page}, max_pages = {finding.max_pages}")
        if finding.feed_url:
            lines.append(f"  feed: {finding.feed_url} (advertised; used to find articles)")
            if finding.use_feed is not None:
                verdict = "yes" if finding.use_feed.sure == "sure" else "no"
                lines.append(f"  read the feed instead of the listing: {verdict} "
                             f"({finding.use_feed.evidence})")
    lines += _guess("link selector", found.link_selector)
    lines += _guess("link pattern", found.link_pattern)
    for key in ("title", "date", "body"):
        lines += _guess(f"selectors.{key}", found.selectors.get(key))
    if found.remove_extra:
        lines.append(f"remove (besides the defaults): {', '.join(found.remove_extra)}")
    for note in found.notes:
        lines.append(f"note: {note}")
    for finding in found.languages:
        lines.append(f"---- previews [{finding.lang}] " + "-" * 40)
        for article in finding.previews:
            lines += preview_lines(article)
        for error in finding.preview_errors:
            lines.append(f"  could not read {error}")
    return lines


def preview_lines(article: Article) -> list[str]:
    date = article.published.date().isoformat() if article.published else "none (first-seen)"
    body = article.body_text.replace("\n\n", " / ")
    return [f"  {article.url}",
            f"    title: {article.title}",
            f"    date: {date}   language: {article.lang}   kind: {article.kind.value}",
            f"    body: {body[:240]}{'…' if len(body) > 240 else ''}"]

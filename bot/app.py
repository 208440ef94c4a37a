"""The one place that builds concrete things (database, fetcher, checker) and wires them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from bot.config import Config
from feeds.check import LanguageReport, PassObserver, SourceChecker
from feeds.fetcher import Fetcher
from feeds.store import ArticleStore, open_engine


def utc_now() -> datetime:
    return datetime.now(UTC)


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr; the HTTP libraries stay at WARNING because their request lines carry
    URLs, and the Bot API URL carries the token."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler", "hpack", "trafilatura",
                  "htmldate", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def open_store(config: Config) -> ArticleStore:
    return ArticleStore(open_engine(config.database))


async def check_sources(
    config: Config,
    store: ArticleStore,
    *,
    names: list[str] | None = None,
    observer: PassObserver | None = None,
    now: Callable[[], datetime] = utc_now,
) -> list[LanguageReport]:
    """One pass over the configured sources (or the named ones)."""
    reports: list[LanguageReport] = []
    async with Fetcher(config.fetch) as fetcher:
        checker = SourceChecker(store, fetcher, now=now, observer=observer)
        for source in config.sources:
            if names and source.name not in names:
                continue
            reports.extend(await checker.check(source))
    return reports


def print_reports(reports: list[LanguageReport], out: Callable[[str], None] = print) -> None:
    for report in reports:
        out(report.summary_line())
        for line in report.detail_lines():
            out(line)

"""The one place that builds concrete things (database, fetcher, outbox, sender) and wires them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bot.alerts import Alerts
from bot.config import Config
from bot.delivery import Delivery
from bot.digest import digest_languages
from bot.followers import FollowerStore
from bot.intake import Intake
from bot.outbox import Outbox
from bot.runs import RunLog
from bot.schedule import interval_seconds, parse_schedule
from bot.sender import DryRunSender, TelegramSender
from feeds.check import LanguageReport, PassObserver, SourceChecker
from feeds.digest_feed import publish_digest_feeds
from feeds.digests import DigestStore
from feeds.fetcher import Fetcher
from feeds.publish import (
    PublishResult,
    SiteInfo,
    SourceInfo,
    publish_feeds,
    telegram_url,
    write_pages,
)
from feeds.sources import SourceSettings
from feeds.store import ArticleStore, open_engine


def utc_now() -> datetime:
    return datetime.now(UTC)


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr; the HTTP libraries stay at WARNING because their request lines carry
    URLs, and the Bot API URL carries the token."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        force=True)
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler", "hpack", "trafilatura",
                  "htmldate", "charset_normalizer", "alembic"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


@dataclass
class Parts:
    """Everything that lives in the database, built once per process."""

    config: Config
    engine: Engine
    store: ArticleStore
    outbox: Outbox
    alerts: Alerts
    intake: Intake
    runs: RunLog
    followers: FollowerStore


def build_parts(config: Config, now: Callable[[], datetime] = utc_now) -> Parts:
    engine = open_engine(config.database)
    outbox = Outbox(engine)
    alerts = Alerts(engine, operator_chat=config.telegram.operator_chat, now=now)
    private = config.telegram.private
    followers = FollowerStore(engine, max_phrases=private.max_followed)
    # Followers are alerted only while private chats are enabled; their rows stay meanwhile.
    lookup = FollowerStore.chats_mentioned_in if private.enabled else None
    return Parts(config=config, engine=engine, store=ArticleStore(engine), outbox=outbox,
                 alerts=alerts, intake=Intake(outbox, config.telegram, alerts=alerts, now=now,
                                              followers=lookup),
                 runs=RunLog(engine), followers=followers)


def make_sender(config: Config, environ: Mapping[str, str],
                stream: TextIO | None = None) -> TelegramSender | DryRunSender:
    """The real sender when the token variable is set, else a dry run printing the posts."""
    token = config.token(environ)
    if token:
        return TelegramSender(token, config.telegram.api_base_url)
    return DryRunSender(stream)


def make_delivery(parts: Parts, sender: TelegramSender | DryRunSender,
                  now: Callable[[], datetime] = utc_now,
                  sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> Delivery:
    return Delivery(parts.outbox, sender, parts.config.telegram, parts.alerts,
                    tz=ZoneInfo(parts.config.timezone), now=now, sleep=sleep,
                    source_titles={s.name: s.title for s in parts.config.sources},
                    on_blocked=lambda chat: parts.followers.forget(int(chat)),
                    alert_names=lambda chat, article: parts.followers.names_in(int(chat),
                                                                                article),
                    source_names=source_names(parts.config))


def source_names(config: Config) -> dict[tuple[str, str], str]:
    """(source, lang) -> the organisation's name in that language, for the organisation's own
    source: the only one, or one titled with the organisation's name (a partner's source
    keeps its own title)."""
    own = {config.organisation, *config.organisation_names.values()}
    return {(s.name, lang): name for s in config.sources
            if len(config.sources) == 1 or s.title in own or s.title == s.name
            for lang, name in config.organisation_names.items()}


def site_info(config: Config) -> SiteInfo:
    """What the feeds and the index page need to know, from the configuration."""
    telegram = {lang: url for lang, chat in config.telegram.channels.items()
                if (url := telegram_url(chat))}
    periods = [interval_seconds(parse_schedule(s.schedule, config.timezone))
               for s in config.sources]
    known = [p for p in periods if p]
    return SiteInfo(
        base_url=config.feeds.base_url,
        organisation=config.organisation or config.sources[0].title,
        names=config.organisation_names,
        sources=tuple(SourceInfo(name=s.name, title=s.title, url=s.url,
                                 languages=s.languages, categories=s.categories)
                      for s in config.sources),
        max_items=config.feeds.max_items,
        telegram=telegram,
        cache_seconds=int(min(known)) // 2 if known else 300,
        websub_hub=config.feeds.websub_hub,
        timezone=config.timezone,
    )


def publish(config: Config, store: ArticleStore) -> PublishResult:
    site = site_info(config)
    result = publish_feeds(store, site, config.feeds.output_dir, pages=False)
    # The /{lang}/digest/ feeds of the languages that have a digest schedule.
    languages = digest_languages(config)
    if languages:
        publish_digest_feeds(DigestStore(store.engine), site, languages,
                             config.feeds.output_dir, result, config.timezone)
    # The pages last: the index page and feeds.opml list the digest feeds too.
    write_pages(site, config.feeds.output_dir, result)
    return result


async def check_sources(
    config: Config,
    store: ArticleStore,
    *,
    names: list[str] | None = None,
    observer: PassObserver | None = None,
    now: Callable[[], datetime] = utc_now,
) -> list[LanguageReport]:
    """One pass over the configured sources (or the named ones), up to
    `fetch.max_concurrent_sources` at once; reports in the configured order.

    One Fetcher for all of them: its host gates keep the per-host politeness across sources
    that share a host, and one connection pool serves them all."""
    chosen = [s for s in config.sources if not names or s.name in names]
    slots = asyncio.Semaphore(config.fetch.max_concurrent_sources)
    async with Fetcher(config.fetch) as fetcher:

        async def check(source: SourceSettings) -> list[LanguageReport]:
            async with slots:  # a checker per source, as the service's jobs have
                checker = SourceChecker(store, fetcher, now=now, observer=observer)
                return await checker.check(source)

        tasks = [asyncio.ensure_future(check(source)) for source in chosen]
        try:
            per_source = await asyncio.gather(*tasks)
        except BaseException:  # as the sequential walk did: the first crash ends the check
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
    return [report for reports in per_source for report in reports]


def print_reports(reports: list[LanguageReport], out: Callable[[str], None] = print) -> None:
    for report in reports:
        out(report.summary_line())
        for line in report.detail_lines():
            out(line)

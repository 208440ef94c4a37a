"""Make the digests that are due: one per language per period, exactly once.

`DigestMaker.make_due()` runs every minute and at start. For each language with a
schedule it finds the last digest moment; if that period has no digest yet (and the
moment is within its grace, and the bot was watching the language then) it composes the
messages, and writes the digest row and its outbox messages in one transaction. The row's
unique (lang, period_start) makes a second writer (a restart, another instance) fail
that transaction instead of queueing the digest twice; from the outbox on, the messages go
out like posts do (claimed, marked sent on Telegram's answer, see bot/delivery.py).
An empty period gets a row too (the decision is kept) and no message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from bot.compose import HTML, Post, telegram_text
from bot.config import Config
from bot.digest_compose import compose_digest
from bot.outbox import Outbox, OutboxItem
from feeds.digests import Digest, DigestMessage, DigestStore, group_by_kind

log = logging.getLogger(__name__)

_KEY = re.compile(r"^digest:(?P<lang>[a-z]{2,3}):(?P<start>\d{4}-\d\d-\d\dT\d\d:\d\dZ):"
                  r"(?P<part>\d+)/(?P<total>\d+)$")


def message_key(lang: str, start: datetime, part: int, total: int) -> str:
    """The outbox key of one message: 'digest:ar:2026-11-27T17:00Z:1/3'."""
    return f"digest:{lang}:{start.astimezone(UTC):%Y-%m-%dT%H:%MZ}:{part}/{total}"


def digest_languages(config: Config) -> list[str]:
    """The sources' languages that have a digest schedule, in declaration order."""
    declared = [lang for s in config.sources for lang in s.languages]
    return [lang for lang in dict.fromkeys(declared)
            if config.digest.schedule_for(lang) is not None]


def previous_part(key: str) -> str | None:
    """The outbox key of the message before `key` in its digest (None for the first)."""
    match = _KEY.match(key)
    if match is None or int(match["part"]) <= 1:
        return None
    return (f"digest:{match['lang']}:{match['start']}:{int(match['part']) - 1}/"
            f"{match['total']}")


def digest_post(store: DigestStore, item: OutboxItem) -> Post | None:
    """The post an outbox digest row sends; None when its digest is not stored."""
    match = _KEY.match(item.article_key)
    if match is None:
        return None
    start = datetime.strptime(match["start"], "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
    digest = store.get(match["lang"], start)
    part = int(match["part"])
    if digest is None or not 1 <= part <= len(digest.messages):
        return None
    message = digest.messages[part - 1]
    if item.plain:  # Telegram refused the HTML: the same words, without markup
        return Post(key=item.article_key, lang=item.lang, text=telegram_text(message.text),
                    buttons=message.buttons, photo=None, parse_mode=None,
                    link_preview_url=None)
    return Post(key=item.article_key, lang=item.lang, text=message.text,
                buttons=message.buttons, photo=None, parse_mode=HTML, link_preview_url=None)


@dataclass(frozen=True)
class Made:
    lang: str
    period_start: datetime
    period_end: datetime
    articles: int
    messages: int


class DigestMaker:
    """Decides and queues the due digests of the configured languages."""

    def __init__(self, engine: Engine, outbox: Outbox, config: Config, *,
                 now: Callable[[], datetime]) -> None:
        self.store = DigestStore(engine)
        self.engine = engine
        self.outbox = outbox
        self.config = config
        self.tz = ZoneInfo(config.timezone)
        self.now = now
        self.name = config.organisation or config.sources[0].title

    def languages(self) -> list[str]:
        return digest_languages(self.config)

    def make_due(self) -> list[Made]:
        made = []
        for lang in self.languages():
            one = self._make(lang, self.now())
            if one is not None:
                made.append(one)
        return made

    def _make(self, lang: str, now: datetime) -> Made | None:
        schedule = self.config.digest.schedule_for(lang)
        assert schedule is not None
        start, end = schedule.period(now, self.tz)
        if self.store.get(lang, start) is not None:
            return None
        if now - end > schedule.grace(now, self.tz):
            return None  # too late: the next moment makes the next one
        watching = self.store.first_seen(lang)
        if watching is None or watching > end:
            return None  # the bot did not watch this language during the period
        items = self.store.articles_between(lang, start, end)
        shown = [a for _, group in group_by_kind(items) for a in group]
        name = self.config.organisation_names.get(lang) or self.name  # in the digest's language
        messages = compose_digest(shown, lang=lang, name=name, start=start, end=end,
                                  tz=self.tz)
        digest = Digest(lang=lang, period_start=start, period_end=end,
                        article_keys=tuple(a.key for a in shown),
                        messages=tuple(messages), created_at=now)
        chat = self.config.telegram.channel_for(lang)
        try:
            with self.engine.begin() as conn:
                self.store.insert(conn, digest)
                if chat and messages:
                    self.outbox.queue_digest(conn, _keys(lang, start, messages), chat=chat,
                                             lang=lang, published=end, now=now)
        except IntegrityError:
            log.info("digest lang=%s period=%s: made by another process", lang,
                     start.isoformat())
            return None
        log.info("digest lang=%s period=%s..%s articles=%d messages=%d chat=%s", lang,
                 start.isoformat(), end.isoformat(), len(shown), len(messages),
                 chat or "-")
        return Made(lang, start, end, len(shown), len(messages))


def _keys(lang: str, start: datetime, messages: Sequence[DigestMessage]) -> list[str]:
    return [message_key(lang, start, i, len(messages)) for i in range(1, len(messages) + 1)]

"""The record of digests: one row per (language, period start), made once, never changed.

A row keeps what the digest is (the period, the keys of its articles in the order shown)
and the Telegram messages composed for it, so that a restart sends exactly what was decided,
and the `/{lang}/digest/` feed shows one stable entry per period. The unique constraint on
(lang, period_start) is what makes a digest once-only across restarts and instances.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    select,
)

from feeds.models import Article, Kind
from feeds.month_names import MONTHS
from feeds.store import UTCDateTime, _article_from_row, articles

# The tables as the queries see them; feeds/migrations/versions/*_digests.py creates them.
metadata = MetaData()

digests = Table(
    "digests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lang", String(10), nullable=False),
    Column("period_start", UTCDateTime, nullable=False),
    Column("period_end", UTCDateTime, nullable=False),
    Column("article_keys", Text, nullable=False),  # JSON list, in the order shown
    Column("messages", Text, nullable=False),  # JSON list of {"text", "buttons"}
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("lang", "period_start", name="uq_digests_lang_period"),
)

# Campaign calls first (what a reader can do now), then the rest by weight.
KIND_ORDER: tuple[Kind, ...] = (Kind.CAMPAIGN, Kind.STATEMENT, Kind.REPORT, Kind.NEWS)


WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "{name} — digest",
        "feed_description": "A summary of each period's articles from {name}, campaign calls "
                            "first",
        "count": "{n} articles",
        "one": "1 article",
        "continued": "continued",
        Kind.CAMPAIGN: "📣 Campaign calls",
        Kind.STATEMENT: "Statements",
        Kind.REPORT: "Reports",
        Kind.NEWS: "News",
        "action": "Take action",
    },
    "ar": {
        "title": "{name} — الموجز",
        "feed_description": "موجز دوري لمقالات {name}، نداءات التحرك أولاً",
        "count": "عدد المقالات: {n}",
        "one": "مقال واحد",
        "continued": "تتمة",
        Kind.CAMPAIGN: "📣 نداءات التحرك",
        Kind.STATEMENT: "بيانات",
        Kind.REPORT: "تقارير",
        Kind.NEWS: "أخبار",
        "action": "تحرّك",
    },
}


def words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["en"])


def period_label(start: datetime, end: datetime, lang: str, tz: tzinfo) -> str:
    """"27 November – 4 December 2026": the first and the last day of the period."""
    months = MONTHS.get(lang, MONTHS["en"])
    first = start.astimezone(tz)
    last = (end - timedelta(seconds=1)).astimezone(tz)
    left = f"{first.day} {months[first.month - 1]}"
    if first.year != last.year:
        left += f" {first.year}"
    if (first.year, first.month, first.day) == (last.year, last.month, last.day):
        return f"{left} {first.year}"
    return f"{left} – {last.day} {months[last.month - 1]} {last.year}"


@dataclass(frozen=True)
class DigestMessage:
    """One Telegram message of a digest: HTML text and its (label, url) buttons."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Digest:
    lang: str
    period_start: datetime
    period_end: datetime
    article_keys: tuple[str, ...]
    messages: tuple[DigestMessage, ...]
    created_at: datetime

    @property
    def empty(self) -> bool:
        return not self.article_keys


def group_by_kind(items: Sequence[Article]) -> list[tuple[Kind, list[Article]]]:
    """Articles grouped in KIND_ORDER, oldest first within a group; empty groups left out."""
    ordered = sorted(items, key=lambda a: (a.published or a.updated or datetime.min, a.key))
    return [(kind, group) for kind in KIND_ORDER
            if (group := [a for a in ordered if a.kind is kind])]


def _digest(row: Any) -> Digest:
    return Digest(
        lang=row.lang, period_start=row.period_start, period_end=row.period_end,
        article_keys=tuple(json.loads(row.article_keys)),
        messages=tuple(DigestMessage(m["text"], tuple((b[0], b[1]) for b in m["buttons"]))
                       for m in json.loads(row.messages)),
        created_at=row.created_at)


class DigestStore:
    """Digests in the articles' database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def articles_between(self, lang: str, start: datetime, end: datetime) -> list[Article]:
        """The articles in `lang` published in [start, end), every source."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(articles).where(
                articles.c.lang == lang, articles.c.published >= start,
                articles.c.published < end).order_by(articles.c.published, articles.c.key))
            return [_article_from_row(r) for r in rows]

    def first_seen(self, lang: str) -> datetime | None:
        """When the bot first stored an article in `lang` (it was watching from then)."""
        with self.engine.connect() as conn:
            value: datetime | None = conn.execute(select(func.min(articles.c.first_seen)).where(
                articles.c.lang == lang)).scalar()
        return value

    def insert(self, conn: Connection, digest: Digest) -> None:
        """Write `digest` in the caller's transaction; raises IntegrityError when the
        (lang, period_start) digest exists already (another process or an earlier run)."""
        conn.execute(digests.insert().values(
            lang=digest.lang, period_start=digest.period_start, period_end=digest.period_end,
            article_keys=json.dumps(list(digest.article_keys)),
            messages=json.dumps([{"text": m.text, "buttons": [list(b) for b in m.buttons]}
                                 for m in digest.messages], ensure_ascii=False),
            created_at=digest.created_at))

    def get(self, lang: str, period_start: datetime) -> Digest | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(digests).where(
                digests.c.lang == lang, digests.c.period_start == period_start)).first()
        return _digest(row) if row else None

    def recent(self, lang: str, limit: int = 50) -> list[Digest]:
        """The latest digests that listed something, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(digests).where(
                digests.c.lang == lang, digests.c.article_keys != "[]").order_by(
                digests.c.period_start.desc()).limit(limit))
            return [_digest(r) for r in rows]

    def articles(self, keys: Sequence[str]) -> dict[str, Article]:
        """The stored articles among `keys` (a deleted one is simply absent)."""
        found: dict[str, Article] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(keys), 500):
                for row in conn.execute(select(articles).where(
                        articles.c.key.in_(list(keys[start:start + 500])))):
                    found[row.key] = _article_from_row(row)
        return found

"""Operator alerts: one message when a problem starts, one when it is over.

Open problems are rows keyed by a stable name ("chat:@alqst_ar:not-member",
"flood:alqst:en", "source:alqst:failing"), so a problem seen on every run alerts once
and restarts do not repeat it. Messages wait in a small queue that the delivery loop
sends to the operator chat; without an operator chat they are only logged (WARNING).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, Connection, Engine, Integer, MetaData, String, Table, Text, select

from bot.claims import CLAIM_TTL
from feeds.store import UTCDateTime

log = logging.getLogger(__name__)

KEY_LIMIT = 300  # characters of a problem key

# The tables as the queries see them; the migrations in feeds/migrations create them, and
# tests/test_migrations.py fails when the two disagree (a change here needs a migration).
metadata = MetaData()

problems = Table(
    "alert_problems",
    metadata,
    Column("key", String(KEY_LIMIT), primary_key=True),
    Column("text", Text, nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),  # None while the problem is open
    Column("occurrences", Integer, nullable=False, default=1),
)

notices = Table(
    "alert_notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(KEY_LIMIT), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("sent_at", UTCDateTime),
)


@dataclass(frozen=True)
class Problem:
    key: str
    text: str
    opened_at: datetime
    last_seen: datetime
    occurrences: int


@dataclass(frozen=True)
class Notice:
    id: int
    key: str
    text: str
    attempts: int


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _marked(mark: str, text: str) -> str:
    # Callers may already start their text with the mark; never show it twice.
    return text if text.startswith(mark) else f"{mark} {text}"


def problem_key(key: str) -> str:
    """`key` within the column's length: a long one (it may hold an article URL) keeps its
    start and gains a hash of the whole, so two long keys never collide."""
    if len(key) <= KEY_LIMIT:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return f"{key[:KEY_LIMIT - 17]}#{digest}"


class Alerts:
    """Open problems and the operator messages about them."""

    def __init__(self, engine: Engine, *, operator_chat: str | int = "",
                 now: Callable[[], datetime] = _utc_now) -> None:
        self.engine = engine
        self.operator_chat = str(operator_chat or "")
        self._now = now

    def raise_(self, key: str, text: str) -> bool:
        """Open problem `key`; True (and an operator message) only if it was not open."""
        key = problem_key(key)
        now = self._now()
        with self.engine.begin() as conn:
            row = conn.execute(select(problems).where(problems.c.key == key)).first()
            if row is not None and row.resolved_at is None:
                conn.execute(problems.update().where(problems.c.key == key).values(
                    last_seen=now, occurrences=row.occurrences + 1))
                return False
            if row is None:
                conn.execute(problems.insert().values(key=key, text=text, opened_at=now,
                                                      last_seen=now, occurrences=1))
            else:
                conn.execute(problems.update().where(problems.c.key == key).values(
                    text=text, opened_at=now, last_seen=now, resolved_at=None, occurrences=1))
            self._queue(conn, key, _marked("⚠️", text), now)
        log.warning("alert %s: %s", key, text)
        return True

    def resolve(self, key: str, text: str | None = None) -> bool:
        """Close problem `key`; True if it was open. `text` (if any) tells the operator."""
        key = problem_key(key)
        now = self._now()
        with self.engine.begin() as conn:
            row = conn.execute(select(problems).where(problems.c.key == key)).first()
            if row is None or row.resolved_at is not None:
                return False
            conn.execute(problems.update().where(problems.c.key == key).values(resolved_at=now))
            if text:
                self._queue(conn, key, _marked("✅", text), now)
        log.info("resolved %s%s", key, f": {text}" if text else "")
        return True

    def _queue(self, conn: Connection, key: str, text: str, now: datetime) -> None:
        if not self.operator_chat:
            return  # logged by the caller; there is nowhere else to say it
        conn.execute(notices.insert().values(
            key=key, text=text, created_at=now, next_attempt_at=now, attempts=0))

    def is_open(self, key: str) -> bool:
        key = problem_key(key)
        with self.engine.connect() as conn:
            row = conn.execute(select(problems.c.resolved_at).where(problems.c.key == key)).first()
        return row is not None and row.resolved_at is None

    def open_problems(self, prefix: str = "") -> list[Problem]:
        query = select(problems).where(problems.c.resolved_at.is_(None))
        if prefix:
            query = query.where(problems.c.key.startswith(prefix, autoescape=True))
        with self.engine.connect() as conn:
            return [Problem(r.key, r.text, r.opened_at, r.last_seen, r.occurrences)
                    for r in conn.execute(query.order_by(problems.c.opened_at))]

    # ---- the operator message queue (sent by bot.delivery) ------------------------------

    def pending_notices(self, now: datetime, limit: int = 20) -> list[Notice]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(notices).where(
                notices.c.sent_at.is_(None), notices.c.next_attempt_at <= now).order_by(
                notices.c.id).limit(limit))
            return [Notice(r.id, r.key, r.text, r.attempts) for r in rows]

    def claim_notice(self, notice: Notice, now: datetime) -> bool:
        """Take `notice` for one send: its next attempt moves past the call's duration,
        conditionally on nobody having sent or taken it since it was read. Of two
        processes on one database, only the one that gets True sends it."""
        with self.engine.begin() as conn:
            return conn.execute(notices.update().where(
                notices.c.id == notice.id, notices.c.sent_at.is_(None),
                notices.c.attempts == notice.attempts, notices.c.next_attempt_at <= now,
            ).values(next_attempt_at=now + CLAIM_TTL)).rowcount == 1

    def mark_notice_sent(self, notice: Notice, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(notices.update().where(notices.c.id == notice.id).values(
                sent_at=now, attempts=notice.attempts + 1, last_error=None))

    def mark_notice_failed(self, notice: Notice, error: str, retry_at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(notices.update().where(notices.c.id == notice.id).values(
                attempts=notice.attempts + 1, last_error=error[:500], next_attempt_at=retry_at))

    def retry_notices_now(self, now: datetime) -> int:
        """Make every unsent notice due at `now`: Telegram answers again, so an alert need
        not sit out the backoff it gathered during the outage (and arrive after its own
        all-clear)."""
        with self.engine.begin() as conn:
            return int(conn.execute(notices.update().where(
                notices.c.sent_at.is_(None), notices.c.next_attempt_at > now).values(
                next_attempt_at=now)).rowcount)

    def unsent_count(self) -> int:
        with self.engine.connect() as conn:
            return len(conn.execute(select(notices.c.id).where(
                notices.c.sent_at.is_(None))).all())

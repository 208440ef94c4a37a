"""The persistent queue of Telegram posts, in the articles' database (SQLAlchemy Core).

One row per (article, chat, action). A "send" row goes `incoming` (written inside the
article's own upsert transaction) -> `pending` (promoted at the end of the pass) or
`held` (baseline or flood, releasable) -> `sent` with Telegram's message id. An "edit"
row exists once a sent article is corrected; it is re-armed by each later correction.
The post is composed at send time from the article as stored *then*, so a correction
that lands before the send simply sends the corrected text.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    case,
    exists,
    func,
    or_,
    select,
)

from bot.claims import CLAIM_TTL, claim_is_dead, local_prefix
from feeds.models import Article
from feeds.store import ArticleStore, Change, UTCDateTime, site_string

log = logging.getLogger(__name__)

# The tables as the queries see them; the migrations in feeds/migrations create them, and
# tests/test_migrations.py fails when the two disagree (a change here needs a migration).
metadata = MetaData()

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_key", site_string(1000), nullable=False),
    Column("chat", String(200), nullable=False),
    Column("action", String(10), nullable=False),  # send | edit | digest
    Column("status", String(10), nullable=False),  # incoming | pending | held | sent
    Column("hold_reason", String(50)),  # baseline | flood
    Column("batch", String(200)),  # "source:lang" of the pass that found the article
    Column("first_run", Boolean, nullable=False, default=False),
    Column("source", String(100), nullable=False),
    Column("lang", String(10), nullable=False),
    Column("published", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    # Set (committed) just before a call to Telegram, cleared by its outcome: a row still
    # carrying it after a crash may or may not have been posted.
    Column("in_flight_since", UTCDateTime),
    Column("last_error", Text),
    Column("plain", Boolean, nullable=False, default=False),  # use the plain fallback
    Column("no_photo", Boolean, nullable=False, default=False),  # photo refused: send text
    Column("message_id", Integer),
    Column("sent_at", UTCDateTime),
    Column("sent_as", String(10)),  # text | photo | dry-run
    Column("sent_hash", String(64)),  # fingerprint of what the post showed
    # The process that may send this row now (bot.claims), and until when.
    Column("claimed_by", String(200)),
    Column("claim_expires", UTCDateTime),
    UniqueConstraint("article_key", "chat", "action", name="uq_outbox_article_chat_action"),
)
Index("ix_outbox_due", outbox.c.status, outbox.c.next_attempt_at)
Index("ix_outbox_batch", outbox.c.status, outbox.c.batch)

# Telegram's "retry after N seconds" for a chat, kept until it ends: no post to that chat
# goes out before then, whichever process (or restart) sends it.
chat_waits = Table(
    "chat_waits",
    metadata,
    Column("chat", String(200), primary_key=True),
    Column("until", UTCDateTime, nullable=False),
    Column("reason", Text),
)


class Status(StrEnum):
    INCOMING = "incoming"
    PENDING = "pending"
    HELD = "held"
    SENT = "sent"


class Action(StrEnum):
    SEND = "send"
    EDIT = "edit"
    DIGEST = "digest"  # one message of a digest (bot/digest.py); its text is stored there


def post_fingerprint(article: Article) -> str:
    """A hash of what a post shows (title, summary, kind, action links): a correction
    elsewhere in the body does not warrant editing the post."""
    parts = [article.title, article.summary, article.kind.value]
    parts += [f"{a.url} {a.label}" for a in article.actions]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class OutboxItem:
    id: int
    article_key: str
    chat: str
    action: Action
    status: Status
    hold_reason: str | None
    batch: str | None
    first_run: bool
    source: str
    lang: str
    published: datetime
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    in_flight_since: datetime | None
    last_error: str | None
    plain: bool
    no_photo: bool
    message_id: int | None
    sent_at: datetime | None
    sent_as: str | None
    sent_hash: str | None
    claimed_by: str | None = None
    claim_expires: datetime | None = None


@dataclass(frozen=True)
class SentMessage:
    message_id: int | None  # None when it was only printed (dry run)
    sent_as: str
    plain: bool
    sent_hash: str | None


@dataclass(frozen=True)
class OutboxStatus:
    """Counts for `feedbot status` and health checks."""

    incoming: int
    pending: int
    held: dict[str, int]  # reason -> count
    sent: int
    failing: int  # pending rows that have failed at least once
    in_doubt: int  # pending rows interrupted mid-call


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        id=row.id, article_key=row.article_key, chat=row.chat, action=Action(row.action),
        status=Status(row.status), hold_reason=row.hold_reason, batch=row.batch,
        first_run=bool(row.first_run), source=row.source, lang=row.lang,
        published=row.published, created_at=row.created_at, attempts=row.attempts,
        next_attempt_at=row.next_attempt_at, in_flight_since=row.in_flight_since,
        last_error=row.last_error, plain=bool(row.plain), no_photo=bool(row.no_photo),
        message_id=row.message_id, sent_at=row.sent_at, sent_as=row.sent_as,
        sent_hash=row.sent_hash, claimed_by=row.claimed_by, claim_expires=row.claim_expires)


def _no_chat_wait(now: datetime) -> Any:
    """SQL: the row's chat is not waiting out a 429."""
    return ~exists().where(chat_waits.c.chat == outbox.c.chat, chat_waits.c.until > now)


def _claimable(now: datetime) -> Any:
    """SQL: nobody holds a live claim on the row, as far as SQL can tell (a claim of a
    dead process on this host is found by `claim_is_dead`)."""
    return or_(outbox.c.claimed_by.is_(None), outbox.c.claim_expires < now,
               outbox.c.claimed_by.startswith(local_prefix()))


class Outbox:
    """The queue. Every method commits on its own except `record`, which writes on the
    connection it is given (the article upsert's transaction)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._articles = ArticleStore(engine)

    # ---- writing from the article pipeline ---------------------------------------------

    def record(self, conn: Connection, article: Article, change: Change, *,
               chats: Sequence[str], batch: str, now: datetime,
               first_run: bool = False) -> tuple[int, int]:
        """Queue what `change` to `article` calls for, inside the caller's transaction.

        NEW: an `incoming` send row per chat (promoted or held at the end of the pass).
        UPDATED: an edit row per chat whose post was sent and now shows something else;
        nothing when the send is still queued (it will compose the corrected text).
        Returns (send rows written, edit rows armed).
        """
        sends = edits = 0
        published = article.published or now
        for chat in chats:
            if change is Change.NEW:
                exists = conn.execute(select(outbox.c.id).where(
                    outbox.c.article_key == article.key, outbox.c.chat == chat,
                    outbox.c.action == Action.SEND.value)).first()
                if exists is None:
                    conn.execute(outbox.insert().values(
                        article_key=article.key, chat=chat, action=Action.SEND.value,
                        status=Status.INCOMING.value, batch=batch, first_run=first_run,
                        source=article.source, lang=article.lang, published=published,
                        created_at=now, attempts=0, next_attempt_at=now))
                    sends += 1
            elif change is Change.UPDATED and self._arm_edit(conn, article, chat, now):
                edits += 1
        return sends, edits

    def _arm_edit(self, conn: Connection, article: Article, chat: str, now: datetime) -> bool:
        rows = {row.action: row for row in conn.execute(select(outbox).where(
            outbox.c.article_key == article.key, outbox.c.chat == chat))}
        send = rows.get(Action.SEND.value)
        if send is None or send.status != Status.SENT.value:
            return False
        edit = rows.get(Action.EDIT.value)
        shown = edit.sent_hash if edit is not None and edit.status == Status.SENT.value \
            else send.sent_hash
        if shown == post_fingerprint(article):
            return False
        values = dict(status=Status.PENDING.value, attempts=0, next_attempt_at=now,
                      last_error=None, in_flight_since=None, plain=bool(send.plain),
                      published=send.published)
        if edit is None:
            conn.execute(outbox.insert().values(
                article_key=article.key, chat=chat, action=Action.EDIT.value,
                source=article.source, lang=article.lang, created_at=now, first_run=False,
                no_photo=False, **values))
        elif edit.status == Status.SENT.value:
            conn.execute(outbox.update().where(outbox.c.id == edit.id).values(**values))
        # A pending edit needs nothing: it composes from the article when it goes out.
        return True

    def queue_digest(self, conn: Connection, keys: Sequence[str], *, chat: str, lang: str,
                     published: datetime, now: datetime) -> None:
        """Queue the messages of a digest (already decided, so straight to pending), in the
        caller's transaction: the digest row and its messages commit together."""
        for key in keys:
            conn.execute(outbox.insert().values(
                article_key=key, chat=chat, action=Action.DIGEST.value,
                status=Status.PENDING.value, batch=None, first_run=False, source="digest",
                lang=lang, published=published, created_at=now, attempts=0,
                next_attempt_at=now))

    def unsent(self, key: str, chat: str, action: Action) -> OutboxItem | None:
        """The row of (key, chat, action) if it exists and is not sent yet."""
        with self.engine.connect() as conn:
            row = conn.execute(select(outbox).where(
                outbox.c.article_key == key, outbox.c.chat == chat,
                outbox.c.action == action.value,
                outbox.c.status != Status.SENT.value)).first()
        return _item(row) if row else None

    # ---- promotion (see bot.intake) ----------------------------------------------------

    def incoming(self, batch: str | None = None) -> list[OutboxItem]:
        """Rows written by a pass that has not ended (or crashed before it ended)."""
        query = select(outbox).where(outbox.c.status == Status.INCOMING.value)
        if batch is not None:
            query = query.where(outbox.c.batch == batch)
        with self.engine.connect() as conn:
            return [_item(r) for r in conn.execute(query.order_by(outbox.c.id))]

    def promote(self, pending: Iterable[int], held: Iterable[int] = (),
                hold_reason: str = "") -> None:
        """Move incoming rows to pending, or to held with `hold_reason`, in one commit."""
        pending, held = list(pending), list(held)
        with self.engine.begin() as conn:
            for ids, values in ((pending, {"status": Status.PENDING.value}),
                                (held, {"status": Status.HELD.value,
                                        "hold_reason": hold_reason})):
                for start in range(0, len(ids), 500):
                    conn.execute(outbox.update().where(
                        outbox.c.id.in_(ids[start:start + 500]),
                        outbox.c.status == Status.INCOMING.value).values(**values))

    def hold(self, ids: Iterable[int], reason: str) -> int:
        ids = list(ids)
        with self.engine.begin() as conn:
            return int(conn.execute(outbox.update().where(
                outbox.c.id.in_(ids), outbox.c.status == Status.PENDING.value).values(
                status=Status.HELD.value, hold_reason=reason)).rowcount)

    def release(self, *, reason: str | None = None, ids: Iterable[int] | None = None,
                source: str | None = None, lang: str | None = None,
                now: datetime | None = None) -> int:
        """Make held rows pending again (all, or those matching); returns how many."""
        where = [outbox.c.status == Status.HELD.value]
        if reason is not None:
            where.append(outbox.c.hold_reason == reason)
        if ids is not None:
            where.append(outbox.c.id.in_(list(ids)))
        if source is not None:
            where.append(outbox.c.source == source)
        if lang is not None:
            where.append(outbox.c.lang == lang)
        values: dict[str, Any] = dict(status=Status.PENDING.value, hold_reason=None)
        if now is not None:
            values["next_attempt_at"] = now
        with self.engine.begin() as conn:
            return int(conn.execute(outbox.update().where(and_(*where)).values(
                **values)).rowcount)

    # ---- delivery ----------------------------------------------------------------------

    def due(self, now: datetime, limit: int = 100, *,
            exclude_chats: Iterable[str] = ()) -> list[OutboxItem]:
        """Pending rows whose time has come, oldest article first (then queue order):
        not claimed by a live process, not in a chat waiting out a 429."""
        query = select(outbox).where(outbox.c.status == Status.PENDING.value,
                                     outbox.c.next_attempt_at <= now, _no_chat_wait(now),
                                     _claimable(now))
        excluded = list(exclude_chats)
        if excluded:
            query = query.where(outbox.c.chat.not_in(excluded))
        query = query.order_by(outbox.c.published, outbox.c.id).limit(limit)
        with self.engine.connect() as conn:
            rows = [_item(r) for r in conn.execute(query)]
        return [r for r in rows if claim_is_dead(r.claimed_by, r.claim_expires, now)]

    def next_due_at(self) -> datetime | None:
        """When the next pending row may go out (a chat's 429 wait included)."""
        wait = select(chat_waits.c.until).where(
            chat_waits.c.chat == outbox.c.chat).scalar_subquery()
        when = case((wait > outbox.c.next_attempt_at, wait), else_=outbox.c.next_attempt_at)
        with self.engine.connect() as conn:
            return conn.execute(select(func.min(when)).where(
                outbox.c.status == Status.PENDING.value)).scalar()

    def get(self, item_id: int) -> OutboxItem | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(outbox).where(outbox.c.id == item_id)).first()
        return _item(row) if row else None

    def article_for(self, item: OutboxItem) -> Article | None:
        return self._articles.get(item.article_key)

    def translations_for(self, article: Article) -> dict[str, Article]:
        found: dict[str, Article] = {}
        for lang, key in sorted(article.translations.items()):
            other = self._articles.get(key)
            if other is not None:
                found[lang] = other
        return found

    def claim(self, item: OutboxItem, owner: str, now: datetime) -> bool:
        """Take `item` for one call to Telegram, committed before the call: True when this
        process now holds it. The UPDATE is conditional on what made the row look free
        (pending, due, its claim as read, its chat not waiting), so of two processes
        that both read it free exactly one wins; the other must not send it."""
        with self.engine.begin() as conn:
            claimed = conn.execute(outbox.update().where(
                outbox.c.id == item.id, outbox.c.status == Status.PENDING.value,
                outbox.c.next_attempt_at <= now, _no_chat_wait(now),
                outbox.c.claimed_by.is_(None) if item.claimed_by is None
                else outbox.c.claimed_by == item.claimed_by,
            ).values(claimed_by=owner, claim_expires=now + CLAIM_TTL,
                     in_flight_since=now)).rowcount
        return claimed == 1

    def mark_sent(self, item: OutboxItem, message_id: int | None, now: datetime, *,
                  sent_as: str, sent_hash: str | None, plain: bool = False) -> None:
        """Telegram answered: record it at once (this commit closes the duplicate window)."""
        with self.engine.begin() as conn:
            conn.execute(outbox.update().where(outbox.c.id == item.id).values(
                status=Status.SENT.value, message_id=message_id, sent_at=now,
                sent_as=sent_as, sent_hash=sent_hash, in_flight_since=None, plain=plain,
                attempts=item.attempts + 1, last_error=None, claimed_by=None,
                claim_expires=None))

    def mark_failed(self, item: OutboxItem, error: str, retry_at: datetime, *,
                    plain: bool | None = None, no_photo: bool | None = None,
                    count_attempt: bool = True) -> OutboxItem:
        """The call failed (or was not made): keep the row pending until `retry_at`."""
        values: dict[str, Any] = dict(last_error=error[:500], next_attempt_at=retry_at,
                                      in_flight_since=None, claimed_by=None,
                                      claim_expires=None)
        if count_attempt:
            values["attempts"] = item.attempts + 1
        if plain is not None:
            values["plain"] = plain
        if no_photo is not None:
            values["no_photo"] = no_photo
        with self.engine.begin() as conn:
            conn.execute(outbox.update().where(outbox.c.id == item.id).values(**values))
        updated = self.get(item.id)
        assert updated is not None
        return updated

    def defer_chat(self, chat: str, until: datetime, error: str) -> int:
        """Push every pending row of `chat` to `until` at the earliest, keeping its order
        (a later post must not overtake one that is waiting for a retry)."""
        with self.engine.begin() as conn:
            return int(conn.execute(outbox.update().where(
                outbox.c.chat == chat, outbox.c.status == Status.PENDING.value,
                outbox.c.next_attempt_at < until).values(
                next_attempt_at=until, last_error=error[:500])).rowcount)

    def wait_chat(self, chat: str, until: datetime, reason: str) -> None:
        """Remember that `chat` may not be sent to before `until` (a 429's retry_after)."""
        with self.engine.begin() as conn:
            row = conn.execute(select(chat_waits).where(chat_waits.c.chat == chat)).first()
            if row is None:
                conn.execute(chat_waits.insert().values(chat=chat, until=until,
                                                        reason=reason[:500]))
            elif row.until < until:
                conn.execute(chat_waits.update().where(chat_waits.c.chat == chat).values(
                    until=until, reason=reason[:500]))

    def chat_wait(self, chat: str, now: datetime) -> datetime | None:
        """The end of `chat`'s 429 wait, if it has not ended by `now`."""
        with self.engine.connect() as conn:
            until: datetime | None = conn.execute(select(chat_waits.c.until).where(
                chat_waits.c.chat == chat, chat_waits.c.until > now)).scalar()
        return until

    def in_doubt(self, now: datetime | None = None) -> list[OutboxItem]:
        """Pending rows whose last call was interrupted (a crash between the request and
        the record of its answer): they may already be in the channel. A row whose
        claim is still live is being sent right now, not in doubt."""
        now = now or datetime.now(UTC)
        with self.engine.connect() as conn:
            rows = [_item(r) for r in conn.execute(select(outbox).where(
                outbox.c.status == Status.PENDING.value,
                outbox.c.in_flight_since.is_not(None)).order_by(outbox.c.id))]
        return [r for r in rows if claim_is_dead(r.claimed_by, r.claim_expires, now)]

    # ---- reading -----------------------------------------------------------------------

    def sent_message(self, key: str, chat: str) -> SentMessage | None:
        """The message that carries `key` in `chat`, once it was sent."""
        with self.engine.connect() as conn:
            row = conn.execute(select(outbox).where(
                outbox.c.article_key == key, outbox.c.chat == chat,
                outbox.c.action == Action.SEND.value,
                outbox.c.status == Status.SENT.value)).first()
        if row is None:
            return None
        return SentMessage(message_id=row.message_id, sent_as=row.sent_as or "text",
                           plain=bool(row.plain), sent_hash=row.sent_hash)

    def pending_count(self, chat: str | None = None) -> int:
        query = select(func.count()).select_from(outbox).where(
            outbox.c.status == Status.PENDING.value)
        if chat is not None:
            query = query.where(outbox.c.chat == chat)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def oldest_pending_age(self, now: datetime) -> timedelta | None:
        """How long the oldest pending row has waited (a health figure)."""
        with self.engine.connect() as conn:
            oldest: datetime | None = conn.execute(select(func.min(outbox.c.created_at)).where(
                outbox.c.status == Status.PENDING.value)).scalar()
        if oldest is None:
            return None
        return now - oldest

    def items(self, *, status: Status | None = None, chat: str | None = None) -> list[OutboxItem]:
        query = select(outbox)
        if status is not None:
            query = query.where(outbox.c.status == status.value)
        if chat is not None:
            query = query.where(outbox.c.chat == chat)
        with self.engine.connect() as conn:
            return [_item(r) for r in conn.execute(query.order_by(outbox.c.id))]

    def status(self) -> OutboxStatus:
        with self.engine.connect() as conn:
            rows = conn.execute(select(outbox.c.status, outbox.c.hold_reason,
                                       func.count()).group_by(outbox.c.status,
                                                              outbox.c.hold_reason)).all()
            failing = int(conn.execute(select(func.count()).select_from(outbox).where(
                outbox.c.status == Status.PENDING.value, outbox.c.attempts > 0)).scalar_one())
            in_doubt = int(conn.execute(select(func.count()).select_from(outbox).where(
                outbox.c.status == Status.PENDING.value,
                outbox.c.in_flight_since.is_not(None))).scalar_one())
        counts: dict[str, int] = {}
        held: dict[str, int] = {}
        for status, reason, count in rows:
            counts[status] = counts.get(status, 0) + count
            if status == Status.HELD.value:
                held[reason or ""] = held.get(reason or "", 0) + count
        return OutboxStatus(incoming=counts.get("incoming", 0),
                            pending=counts.get("pending", 0), held=held,
                            sent=counts.get("sent", 0), failing=failing, in_doubt=in_doubt)

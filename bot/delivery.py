"""Drain the outbox into Telegram: paced, oldest first, retried across restarts, never dropped.

Each chat is served by its own worker (so one broken channel does not hold up another),
posts spaced evenly at `per_chat_per_minute`, all workers sharing a token bucket of
`overall_per_second`. Outcomes are written to the outbox row at once:

    sent                 -> `sent` with the message id (then pinned if a campaign)
    429                  -> wait `retry_after` (long waits are stored in the row), go on
    5xx / timeout        -> exponential backoff stored in the row, the chat waits; from
                            the `transient_alert_after`-th failure in a row the operator
                            is told once (and again when Telegram answers)
    too long / entities  -> the same post again in plain text
    photo refused        -> the same post again as a text message
    chat problem         -> the chat waits `chat_retry` and the operator is told once
    other 400            -> the row waits `permanent_retry` (growing), operator told once

Duplicate window. A post is marked sent by one small UPDATE committed immediately after
Telegram's answer arrives; the row was flagged `in_flight_since` (committed) just before
the request. A post can therefore be duplicated only if the process dies, or the answer
is lost, after Telegram accepted the message and before that commit lands:
  1. a crash between Telegram's acceptance and the commit of `mark_sent` (the answer's
     trip back, python-telegram-bot parsing it, one SQLite commit: a few ms on a local
     server, one network round trip to api.telegram.org);
  2. a timeout on a request Telegram did carry out (the answer, not the request, was
     lost): indistinguishable from a lost request, so it is retried;
  3. power loss after the commit: SQLite in WAL mode with synchronous=NORMAL may roll
     back the last commits.
The Bot API has no idempotency key and a bot cannot read a channel's history, so these
windows can be narrowed but not closed; the design prefers a rare duplicate to a loss.
A row still flagged in flight whose claim is dead (its process is gone, or the claim
expired) is logged as "in doubt" when it is claimed again, and sent again.

Claims. Each call is preceded by `Outbox.claim`, a conditional UPDATE whose row count is
checked: two processes on one database (the single-writer lock bypassed, or the shared
PostgreSQL of a later issue) can both read a row as due, but only one sends it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from bot.alerts import Alerts
from bot.claims import new_owner
from bot.compose import Post, compose_notice, compose_post
from bot.config import QuietHours, TelegramSettings
from bot.digest import digest_post, previous_part
from bot.follow_alert import with_alert_line
from bot.outbox import Action, Outbox, OutboxItem, post_fingerprint
from bot.rate_window import AnsweredWindow
from bot.sender import (
    BadEntities,
    ChatProblem,
    DryRunSender,
    NotModified,
    PhotoRejected,
    RateLimited,
    SendError,
    TelegramSender,
    TooLong,
    Transient,
    Unauthorized,
)
from feeds.digests import DigestStore
from feeds.models import Article

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]

UNREACHABLE = "telegram:unreachable"  # the alert key of a Telegram outage


@dataclass(frozen=True)
class RetryPolicy:
    """How long things wait. Seconds."""

    transient_base: float = 30.0  # first retry after a 5xx/timeout; doubles each time
    transient_max: float = 3600.0
    chat_retry: float = 600.0  # a chat the operator must fix is tried again this often
    permanent_base: float = 3600.0  # a refused post is tried again; doubles each time
    permanent_max: float = 86400.0
    max_inline_wait: float = 300.0  # longer 429 waits end this drain and are stored
    max_rate_waits: int = 5  # 429s in a row on one post before leaving it for later
    transient_alert_after: int = 4  # 5xx/timeouts in a row on one post before an alert


@dataclass
class DrainSummary:
    sent: int = 0
    edited: int = 0
    failed: int = 0
    rate_limited: int = 0  # 429 answers received
    notices: int = 0  # operator messages sent
    in_doubt: int = 0  # posts interrupted mid-call by an earlier crash (resent)
    blocked: int = 0  # followers who blocked the bot (forgotten, alerts dropped)
    quiet_until: datetime | None = None  # quiet hours in "hold" mode: nothing sent
    stopped_chats: list[str] = field(default_factory=list)
    fatal: str | None = None  # the token was refused: nothing can be sent


def _utc_now() -> datetime:
    return datetime.now(UTC)


def quiet_window(now: datetime, quiet: QuietHours | None, tz: tzinfo) -> datetime | None:
    """When quiet hours end, if `now` falls inside them (read in zone `tz`), else None."""
    if quiet is None or quiet.start == quiet.end:
        return None
    local = now.astimezone(tz)
    t = local.time().replace(tzinfo=None)
    today = local.date()
    if quiet.start < quiet.end:
        inside = quiet.start <= t < quiet.end
        end_day = today
    else:  # over midnight, e.g. 22:00-07:00
        inside = t >= quiet.start or t < quiet.end
        end_day = today + timedelta(days=1) if t >= quiet.start else today
    if not inside:
        return None
    return datetime.combine(end_day, quiet.end, tzinfo=tz).astimezone(UTC)


class Pacer:
    """Even spacing per chat plus the overall rate (bot.rate_window).

    The spacing runs from the *answer* to the previous call, so two calls can never reach
    Telegram closer together than the interval, whatever the network did in between.
    Private chats (a user's positive numeric id) have an interval of their own: Telegram
    allows about one message a second there, against 20 a minute in a channel.
    """

    def __init__(self, per_chat_per_minute: float, overall_per_second: float,
                 clock: Callable[[], float], sleep: Sleep, *,
                 private_per_minute: float | None = None) -> None:
        self.interval = 60.0 / per_chat_per_minute
        self.private_interval = 60.0 / private_per_minute if private_per_minute \
            else self.interval
        self.rate = float(overall_per_second)
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._overall = AnsweredWindow(overall_per_second, 1.0, clock, sleep)

    async def wait(self, chat: str) -> None:
        delay = self._next.get(chat, 0.0) - self._clock()
        while delay > 0:
            await self._sleep(delay)
            # Event loops may wake a timer a tick early: sleep what the clock says is
            # left, but only while the clock moves on. A clock that does not move with
            # the sleep (an injected one) or is set back must not stall the chat.
            left = self._next.get(chat, 0.0) - self._clock()
            if left >= delay:
                break
            delay = left
        await self._overall.acquire(chat)

    def done(self, chat: str) -> None:
        """The call let through by `wait(chat)` has its answer (or failed)."""
        self._overall.release(chat)
        interval = self.private_interval if chat.isdigit() else self.interval
        self._next[chat] = max(self._next.get(chat, 0.0), self._clock() + interval)

    def pause(self, chat: str, seconds: float) -> None:
        self._next[chat] = max(self._next.get(chat, 0.0), self._clock() + seconds)


class _Stop(Exception):
    """Internal: this chat's worker ends for this drain."""


class Delivery:
    """Sends what the outbox holds. One `drain()` at a time per database."""

    def __init__(
        self,
        outbox: Outbox,
        sender: TelegramSender | DryRunSender,
        settings: TelegramSettings,
        alerts: Alerts,
        *,
        tz: tzinfo = UTC,
        now: Clock = _utc_now,
        sleep: Sleep = asyncio.sleep,
        source_titles: Mapping[str, str] | None = None,
        source_names: Mapping[tuple[str, str], str] | None = None,
        policy: RetryPolicy | None = None,
        batch_size: int = 100,
        on_blocked: Callable[[str], object] | None = None,
        alert_names: Callable[[str, Article], Sequence[str]] | None = None,
    ) -> None:
        self.outbox = outbox
        self.sender = sender
        self.settings = settings
        self.alerts = alerts
        self.tz = tz
        self.policy = policy or RetryPolicy()
        self.source_titles = dict(source_titles or {})
        # (source, lang) -> the name a post in that language is signed with, where it differs
        self.source_names = dict(source_names or {})
        self.batch_size = batch_size
        self._now = now
        self._sleep = sleep
        self._stop: asyncio.Event | None = None
        self.pacer = Pacer(settings.per_chat_per_minute, settings.overall_per_second,
                           lambda: self._now().timestamp(), self._nap,
                           private_per_minute=settings.private.per_chat_per_minute)
        # Called with a private chat whose user blocked the bot (bot.followers forgets it).
        self.on_blocked = on_blocked
        # The names a private chat follows that an article mentions (its alert's top line).
        self.alert_names = alert_names
        self.owner = new_owner()  # names this process's claims on outbox rows
        self._troubled_chats: set[str] = set()
        self._unreachable = False
        self._summary = DrainSummary()
        # Two drains at once would race on the in-flight flags and the pacing.
        self._running = asyncio.Lock()

    # ---- the loop ----------------------------------------------------------------------

    async def drain(self, stop_event: asyncio.Event | None = None,
                    max_items: int | None = None) -> DrainSummary:
        """Send everything due now; returns when nothing is due (or on stop/max_items).

        Calls on one Delivery run one after the other; keep one Delivery for the life of
        the process so its pacing carries over from one drain to the next.
        """
        async with self._running:
            return await self._drain(stop_event, max_items)

    async def _drain(self, stop_event: asyncio.Event | None,
                     max_items: int | None) -> DrainSummary:
        started = time.monotonic()
        self._stop = stop_event
        self._summary = summary = DrainSummary()
        self._troubled_chats = {p.key.split(":")[1] for p in self.alerts.open_problems("chat:")
                                if p.key.count(":") >= 2}
        self._unreachable = self.alerts.is_open(UNREACHABLE)
        await self._send_notices()
        stopped: set[str] = set()
        remaining = max_items
        while not self._stopping() and summary.fatal is None:
            now = self._now()
            quiet_end = quiet_window(now, self.settings.quiet_hours, self.tz)
            if quiet_end is not None and self.settings.quiet_hours is not None \
                    and self.settings.quiet_hours.mode == "hold":
                summary.quiet_until = quiet_end
                break
            items = self.outbox.due(now, self.batch_size, exclude_chats=stopped)
            if remaining is not None:
                items = items[:remaining]
            if not items:
                break
            by_chat: dict[str, list[OutboxItem]] = {}
            for item in items:
                by_chat.setdefault(item.chat, []).append(item)
            silent = quiet_end is not None
            outcomes = await asyncio.gather(*(self._serve_chat(chat, queue, silent)
                                              for chat, queue in by_chat.items()),
                                            return_exceptions=True)
            # Let every chat's worker finish its call before an unexpected error (a
            # database failure) ends the drain: no request is left half-recorded.
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise outcome
            results = [o for o in outcomes if not isinstance(o, BaseException)]
            done = sum(count for count, _ in results)
            for chat, (_, stop) in zip(by_chat, results, strict=True):
                if stop:
                    stopped.add(chat)
            if remaining is not None:
                remaining -= done
                if remaining <= 0:
                    break
            if done == 0 and not any(stop for _, stop in results):
                break
        summary.stopped_chats = sorted(stopped)
        await self._send_notices()
        log.info("drain sent=%d edited=%d failed=%d rate_limited=%d pending=%d notices=%d "
                 "ms=%d%s", summary.sent, summary.edited, summary.failed, summary.rate_limited,
                 self.outbox.pending_count(), summary.notices,
                 (time.monotonic() - started) * 1000,
                 f" quiet_until={summary.quiet_until.isoformat()}" if summary.quiet_until else "")
        return summary

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    async def _nap(self, seconds: float) -> None:
        """Sleep in short steps so a stop request is honoured within a second."""
        while seconds > 0 and not self._stopping():
            step = min(seconds, 1.0)
            await self._sleep(step)
            seconds -= step

    async def _serve_chat(self, chat: str, queue: list[OutboxItem],
                          silent: bool) -> tuple[int, bool]:
        """Send `queue` (one chat, oldest first); returns (items handled, chat stopped)."""
        handled = 0
        for item in queue:
            if self._stopping() or self._summary.fatal is not None:
                return handled, False
            try:
                await self._deliver(item, silent)
            except _Stop:
                return handled + 1, True
            handled += 1
        return handled, False

    # ---- one item ----------------------------------------------------------------------

    async def _deliver(self, item: OutboxItem, silent: bool) -> None:
        if item.action is Action.DIGEST:
            await self._send_digest(item, silent)
            return
        article = self.outbox.article_for(item)
        if article is None:
            self.outbox.hold([item.id], "missing-article")
            self.alerts.raise_(f"post:{item.chat}:{item.article_key}:missing",
                               f"The article {item.article_key} queued for {item.chat} is no "
                               "longer in the database; its post is held.")
            return
        if item.action is Action.EDIT:
            await self._edit(item, article)
            return
        translations = self.outbox.translations_for(article)
        rate_waits = 0
        while True:
            use_photo = self.settings.send_photos and not item.no_photo and bool(article.image)
            post = compose_post(article, translations=translations, as_caption=use_photo,
                                plain=item.plain, source_title=self._signature(article), tz=self.tz)
            if use_photo and post.photo is None:  # not an http(s) image: a text post
                item = self.outbox.mark_failed(item, "image is not an http(s) URL",
                                               self._now(), no_photo=True, count_attempt=False)
                continue
            if self.alert_names is not None and item.chat.isdigit():
                post = with_alert_line(post, self.alert_names(item.chat, article))
            await self.pacer.wait(item.chat)
            if not self._claim(item):
                self.pacer.done(item.chat)  # nothing went out: give the place back
                return
            try:
                if post.photo is not None:
                    message_id = await self.sender.send_photo(post, item.chat, silent=silent)
                else:
                    message_id = await self.sender.send(post, item.chat, silent=silent)
            except SendError as exc:
                self.pacer.done(item.chat)
                if isinstance(exc, PhotoRejected):
                    log.info("photo refused for %s, sending text: %s", item.article_key,
                             exc.reason)
                    item = self.outbox.mark_failed(item, exc.reason, self._now(),
                                                   no_photo=True)
                    continue
                retry = self._on_error(item, exc, rate_waits)
                if retry is None:
                    return
                item, rate_waits = retry
                continue
            # Record the answer before anything else: this closes the duplicate window.
            self.outbox.mark_sent(item, message_id, self._now(), sent_as=self._sent_as(post),
                                  sent_hash=post_fingerprint(article), plain=item.plain)
            self.pacer.done(item.chat)
            self._summary.sent += 1
            self._chat_works(item.chat)
            if post.campaign and self.settings.pin_campaigns:
                await self._pin(item.chat, message_id)
            return

    async def _send_digest(self, item: OutboxItem, silent: bool) -> None:
        """One message of a digest: its text was stored when the digest was made. Sent
        only after the message before it, so a digest reads in order even when one of
        its messages had to wait (a refused one is retried later, see `_on_error`)."""
        before = previous_part(item.article_key)
        waiting = before and self.outbox.unsent(before, item.chat, Action.DIGEST)
        if waiting:
            self.outbox.mark_failed(item, f"waits for {before}",
                                    max(waiting.next_attempt_at,
                                        self._now() + timedelta(seconds=1)),
                                    count_attempt=False)
            return
        rate_waits = 0
        while True:
            post = digest_post(DigestStore(self.outbox.engine), item)
            if post is None:
                self.outbox.hold([item.id], "missing-digest")
                self.alerts.raise_(f"post:{item.chat}:{item.article_key}:missing",
                                   f"The digest message {item.article_key} queued for "
                                   f"{item.chat} is no longer in the database; it is held.")
                return
            await self.pacer.wait(item.chat)
            if not self._claim(item):
                self.pacer.done(item.chat)  # nothing went out: give the place back
                return
            try:
                message_id = await self.sender.send(post, item.chat, silent=silent)
            except SendError as exc:
                self.pacer.done(item.chat)
                retry = self._on_error(item, exc, rate_waits)
                if retry is None:
                    return
                item, rate_waits = retry
                continue
            self.outbox.mark_sent(item, message_id, self._now(), sent_as=self._sent_as(post),
                                  sent_hash=None, plain=item.plain)
            self.pacer.done(item.chat)
            self._summary.sent += 1
            self._chat_works(item.chat)
            return

    def _claim(self, item: OutboxItem) -> bool:
        """Claim `item` for the call about to go out (committed first: nothing unclaimed
        is ever sent). False when another process took it, or its chat must wait."""
        if not self.outbox.claim(item, self.owner, self._now()):
            log.info("%s %s to %s: taken by another process or its chat waits; skipped",
                     item.action.value, item.article_key, item.chat)
            return False
        if item.in_flight_since is not None:
            self._summary.in_doubt += 1
            log.warning("%s of %s to %s was interrupted mid-call (a crash at %s); sending "
                        "again, it may appear twice", item.action.value, item.article_key,
                        item.chat, item.in_flight_since.isoformat(timespec="seconds"))
        return True

    def _sent_as(self, post: Post) -> str:
        if self.sender.dry_run:
            return "dry-run"
        return "photo" if post.photo is not None else "text"

    def _signature(self, article: Article) -> str | None:
        """The source's name in the post's language ("القسط لحقوق الإنسان" on Arabic posts)."""
        return (self.source_names.get((article.source, article.lang))
                or self.source_titles.get(article.source))

    async def _edit(self, item: OutboxItem, article: Article) -> None:
        sent = self.outbox.sent_message(item.article_key, item.chat)
        fingerprint = post_fingerprint(article)
        if sent is None or sent.message_id is None or (
                sent.sent_as == "dry-run" and not self.sender.dry_run):
            # Nothing real to edit (the post was only printed in a dry run).
            self.outbox.mark_sent(item, None, self._now(), sent_as="skipped",
                                  sent_hash=fingerprint)
            return
        translations = self.outbox.translations_for(article)
        rate_waits = 0
        while True:
            post = compose_post(article, translations=translations,
                                as_caption=sent.sent_as == "photo",
                                plain=item.plain or sent.plain,
                                source_title=self._signature(article), tz=self.tz)
            await self.pacer.wait(item.chat)
            if not self._claim(item):
                self.pacer.done(item.chat)  # nothing went out: give the place back
                return
            try:
                await self.sender.edit(item.chat, sent.message_id, post)
            except NotModified:
                pass  # the message already says this: the edit is done
            except SendError as exc:
                self.pacer.done(item.chat)
                retry = self._on_error(item, exc, rate_waits)
                if retry is None:
                    return
                item, rate_waits = retry
                continue
            self.outbox.mark_sent(item, sent.message_id, self._now(),
                                  sent_as=sent.sent_as, sent_hash=fingerprint,
                                  plain=item.plain or sent.plain)
            self.pacer.done(item.chat)
            self._summary.edited += 1
            self._chat_works(item.chat)
            return

    def _on_error(self, item: OutboxItem, exc: SendError,
                  rate_waits: int) -> tuple[OutboxItem, int] | None:
        """Record a failed call. Returns the item to try again now, or None to move on
        to the chat's next item; raises _Stop when the whole chat must wait."""
        now = self._now()
        policy = self.policy
        chat = item.chat
        if isinstance(exc, RateLimited):
            self._summary.rate_limited += 1
            wait = max(exc.retry_after, 0.0)
            retry_at = now + timedelta(seconds=wait)
            log.info("429 from %s: waiting %.1f s", chat, wait)
            # Kept per chat in the database: no post to this chat goes out before then,
            # from this process, another one, or after a restart.
            self.outbox.wait_chat(chat, retry_at, exc.reason)
            if wait <= policy.max_inline_wait and rate_waits < policy.max_rate_waits:
                self.pacer.pause(chat, wait)
                # Stored too, so a restart during the wait still honours it.
                item = self.outbox.mark_failed(item, exc.reason, retry_at, count_attempt=False)
                return item, rate_waits + 1
            self.outbox.mark_failed(item, exc.reason, retry_at, count_attempt=False)
            self.outbox.defer_chat(chat, retry_at, exc.reason)
            raise _Stop
        if isinstance(exc, TooLong | BadEntities) and not item.plain:
            log.warning("%s refused %s (%s): sending the plain form", chat, item.article_key,
                        exc.reason)
            return self.outbox.mark_failed(item, exc.reason, now, plain=True), rate_waits
        if isinstance(exc, ChatProblem) and exc.kind in ("blocked", "not-found") \
                and self.on_blocked is not None and chat.isdigit():
            # A follower who blocked the bot (or deleted their account): forgotten with
            # their alerts, never retried, no operator alert (it is not a fault).
            log.info("chat %s blocked the bot: follower and alerts removed", chat)
            self._summary.blocked += 1
            self.on_blocked(chat)
            raise _Stop
        self._summary.failed += 1
        if isinstance(exc, Transient):
            delay = min(policy.transient_base * 2 ** item.attempts, policy.transient_max)
            retry_at = now + timedelta(seconds=delay)
            log.warning("%s: %s; retrying in %.0f s", chat, exc.reason, delay)
            self.outbox.mark_failed(item, exc.reason, retry_at)
            self.outbox.defer_chat(chat, retry_at, exc.reason)
            failures = item.attempts + 1
            if failures >= policy.transient_alert_after:
                # Said while Telegram is down, so the operator reads it once it is back
                # (with the all-clear): what happened, and that nothing was dropped.
                self._unreachable = True
                self.alerts.raise_(
                    UNREACHABLE,
                    f"Telegram is not answering ({exc.reason}): {failures} tries in a row "
                    f"failed, the last at {now.astimezone(self.tz):%Y-%m-%d %H:%M %Z}. "
                    f"{self.outbox.pending_count()} post(s) wait in the queue and go out "
                    "once it answers; nothing is dropped.")
            raise _Stop
        if isinstance(exc, Unauthorized):
            self.outbox.mark_failed(item, exc.reason, now + timedelta(seconds=policy.chat_retry),
                                    count_attempt=False)
            self.alerts.raise_("telegram:unauthorized",
                               f"Telegram refused the bot token ({exc.reason}); nothing is "
                               "posted until it is fixed. Posts stay queued.")
            self._summary.fatal = exc.reason
            raise _Stop
        if isinstance(exc, ChatProblem):
            retry_at = now + timedelta(seconds=policy.chat_retry)
            self.outbox.mark_failed(item, exc.reason, retry_at)
            self.outbox.defer_chat(chat, retry_at, exc.reason)
            waiting = self.outbox.pending_count(chat)
            self._troubled_chats.add(chat)
            self.alerts.raise_(
                f"chat:{chat}:{exc.kind}",
                f"Cannot post to {chat}: {exc.reason}. {waiting} post(s) are waiting and will "
                f"go out once the bot can post there (is it an administrator of the channel?); "
                f"retrying every {policy.chat_retry / 60:.0f} min.")
            raise _Stop
        # Any other refusal: keep it, say so once, try again slowly.
        delay = min(policy.permanent_base * 2 ** min(item.attempts, 10), policy.permanent_max)
        self.outbox.mark_failed(item, exc.reason, now + timedelta(seconds=delay))
        self.alerts.raise_(f"post:{chat}:{item.article_key}",
                           f"Telegram refused the {item.action.value} of {item.article_key} "
                           f"in {chat}: {exc.reason}. It stays queued; next try in "
                           f"{delay / 3600:.0f} h.")
        return None

    def _chat_works(self, chat: str) -> None:
        resolved = False
        if self._unreachable:
            self._unreachable = False
            resolved = self.alerts.resolve(
                UNREACHABLE, "Telegram answers again; the queued posts are going out.")
        if chat in self._troubled_chats:
            self._troubled_chats.discard(chat)
            for problem in self.alerts.open_problems(f"chat:{chat}:"):
                resolved |= self.alerts.resolve(
                    problem.key, f"{chat} works again; queued posts are going out.")
        if resolved:
            # The alert itself may be waiting out a long backoff: send it now, before
            # (or with) its all-clear, not hours later.
            self.alerts.retry_notices_now(self._now())

    async def _pin(self, chat: str, message_id: int) -> None:
        # Best effort and not retried: the post itself is what must not be lost.
        await self.pacer.wait(chat)
        try:
            await self.sender.pin(chat, message_id)
        except SendError as exc:
            if isinstance(exc, RateLimited):
                self._summary.rate_limited += 1
                self.pacer.pause(chat, exc.retry_after)
            self.alerts.raise_(f"pin:{chat}", f"Cannot pin campaign posts in {chat}: "
                                              f"{exc.reason}")
        else:
            self.alerts.resolve(f"pin:{chat}", f"Campaign posts are pinned in {chat} again.")
        finally:
            self.pacer.done(chat)

    # ---- operator messages -------------------------------------------------------------

    async def _send_notices(self) -> None:
        chat = self.alerts.operator_chat
        if not chat:
            return
        for notice in self.alerts.pending_notices(self._now()):
            if self._stopping():
                return
            await self.pacer.wait(chat)
            if not self.alerts.claim_notice(notice, self._now()):
                self.pacer.done(chat)
                continue  # another process on this database took it
            try:
                await self.sender.send(compose_notice(notice.text), chat)
            except SendError as exc:
                self.pacer.done(chat)
                if isinstance(exc, RateLimited):
                    self._summary.rate_limited += 1
                    self.pacer.pause(chat, exc.retry_after)
                    delay = exc.retry_after
                else:
                    delay = min(self.policy.transient_base * 2 ** notice.attempts,
                                self.policy.permanent_max)
                    log.error("operator alert not delivered to %s (%s): %s", chat, exc.reason,
                              notice.text)
                self.alerts.mark_notice_failed(notice, exc.reason,
                                               self._now() + timedelta(seconds=delay))
                return
            self.alerts.mark_notice_sent(notice, self._now())
            self.pacer.done(chat)
            self._summary.notices += 1

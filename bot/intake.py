"""The bridge from a pass over a source to the outbox: what gets posted, what waits.

`begin` hands the article pipeline a hook for `ArticleStore.upsert`; it writes
`incoming` rows inside each article's own transaction, so an article is never stored
without its post being queued. `end` decides what those rows become: on a first run
everything is recorded as seen ("baseline", held) except the N most recent; a pass that
found more new articles than `flood_limit` (a redesign, a URL migration) posts the most
recent `flood_limit` and holds the rest ("flood") with an operator alert. A crash between
the two leaves `incoming` rows, which the next `begin` or `recover()` promotes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection

from bot.alerts import Alerts
from bot.config import TelegramSettings
from bot.outbox import Outbox, OutboxItem
from feeds.models import Article
from feeds.store import Change, OnStored

log = logging.getLogger(__name__)

BASELINE = "baseline"
FLOOD = "flood"


@dataclass(frozen=True)
class IntakeSummary:
    source: str
    lang: str
    new: int  # new articles queued by the pass
    queued: int  # send rows made pending
    baseline: int  # send rows held as already seen (first run)
    flood: int  # send rows held by the flood guard
    edits: int  # edit rows armed for corrected posts


@dataclass
class _Pass:
    first_run: bool
    edits: int = 0
    sends: int = 0
    keys: set[str] = field(default_factory=set)
    # Languages of new articles that no channel takes: title of the first one, for the alert.
    unposted: dict[str, str] = field(default_factory=dict)


# (the article's transaction, the article) -> private chats that follow a name it mentions
FollowerLookup = Callable[[Connection, Article], list[str]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def batch_name(source: str, lang: str) -> str:
    return f"{source}:{lang}"


class Intake:
    """Turns stored articles into queued posts for the chats `settings` names."""

    def __init__(self, outbox: Outbox, settings: TelegramSettings, *,
                 alerts: Alerts | None = None, now: Callable[[], datetime] = _utc_now,
                 followers: FollowerLookup | None = None) -> None:
        self.outbox = outbox
        # The private chats to alert about a new article (bot.followers), if enabled.
        self.followers = followers
        self.settings = settings
        self.alerts = alerts
        self._now = now
        self._passes: dict[str, _Pass] = {}

    def chats_for(self, lang: str) -> list[str]:
        chat = self.settings.channel_for(lang)
        return [chat] if chat else []

    def begin(self, source: str, lang: str, *, first_run: bool) -> OnStored:
        """Start a pass; returns the `on_stored` hook for `ArticleStore.upsert`.

        Rows a crashed earlier pass left `incoming` are promoted first, under the rules
        of that pass, so they are neither lost nor counted in this pass's flood check.
        """
        batch = batch_name(source, lang)
        self._promote(batch)
        state = _Pass(first_run=first_run)
        self._passes[batch] = state
        chats = self.chats_for(lang)

        def on_stored(conn: Connection, article: Article, change: Change) -> None:
            if change is Change.UNCHANGED:
                return
            # The chats follow the article's own language: a source page can hold a post
            # written in the other language.
            targets = self.chats_for(article.lang) if article.lang != lang else chats
            if (not targets and article.lang != lang and change is Change.NEW
                    and self.settings.channels):
                # Never the pass language's channel instead: a Persian page found on the
                # Arabic listing is stored (and in a feed if configured), not posted.
                state.unposted.setdefault(article.lang, article.url)
            if change is Change.NEW and not first_run and self.followers is not None:
                # Alerts ride in the same rows as channel posts (one per chat, sent once);
                # a first run's articles are old news, not alerts.
                targets = [*targets, *self.followers(conn, article)]
            sends, edits = self.outbox.record(conn, article, change, chats=targets,
                                              batch=batch, now=self._now(),
                                              first_run=first_run)
            state.edits += edits
            if sends:
                state.sends += sends
                state.keys.add(article.key)

        return on_stored

    def end(self, source: str, lang: str) -> IntakeSummary:
        """Finish a pass: make its incoming rows pending, or held as baseline or flood."""
        batch = batch_name(source, lang)
        state = self._passes.pop(batch, None)
        summary = self._promote(batch, first_run=state.first_run if state else None)
        edits = state.edits if state else 0
        summary = IntakeSummary(source, lang, summary.new, summary.queued, summary.baseline,
                                summary.flood, edits)
        for other, url in (state.unposted.items() if state else ()):
            self._report_unposted(source, other, url)
        log.info("intake source=%s lang=%s new=%d queued=%d baseline=%d flood=%d edits=%d",
                 source, lang, summary.new, summary.queued, summary.baseline, summary.flood,
                 summary.edits)
        return summary

    def _report_unposted(self, source: str, lang: str, url: str) -> None:
        log.info("intake source=%s lang=%s: no channel, stored but not posted: %s",
                 source, lang, url)
        if self.alerts:
            # Raised once per source and language; stays open until the operator resolves it
            # (adds a channel, or decides these are not to be posted).
            self.alerts.raise_(
                f"lang:{source}:{lang}",
                f"{source}: articles in {lang!r} are stored but not posted: no channel for "
                f"{lang!r} in telegram.channels (first: {url})")

    def recover(self, source: str | None = None) -> list[IntakeSummary]:
        """Promote the incoming rows of every pass (of `source`) that crashed before `end`:
        at start-up, or when this instance takes over a source from one that died."""
        batches = sorted({item.batch or "" for item in self.outbox.incoming()
                          if source is None or item.source == source})
        summaries = []
        for batch in batches:
            summary = self._promote(batch)
            if summary.new:
                log.warning("intake recovered %d post(s) of an interrupted pass %s",
                            summary.new, batch)
            summaries.append(summary)
        return summaries

    def _promote(self, batch: str, first_run: bool | None = None) -> IntakeSummary:
        source, _, lang = batch.partition(":")
        items = self.outbox.incoming(batch)
        if not items:
            return IntakeSummary(source, lang, 0, 0, 0, 0, 0)
        if first_run is None:  # a crashed pass: its rows remember whether it was the first
            first_run = any(item.first_run for item in items)
        # Most recent article first; key breaks ties so the choice is stable.
        by_article: dict[str, list[OutboxItem]] = {}
        for item in sorted(items, key=lambda i: (i.published, i.article_key), reverse=True):
            by_article.setdefault(item.article_key, []).append(item)
        keys = list(by_article)
        if first_run:
            keep, reason = max(self.settings.first_run_post_latest, 0), BASELINE
        else:
            keep, reason = self.settings.flood_limit, FLOOD
        posted, held = keys[:keep], keys[keep:]
        pending_ids = [i.id for k in posted for i in by_article[k]]
        held_ids = [i.id for k in held for i in by_article[k]]
        self.outbox.promote(pending_ids, held_ids, reason)
        baseline = len(held_ids) if held and reason == BASELINE else 0
        flood = len(held_ids) if held and reason == FLOOD else 0
        if flood and self.alerts is not None:
            self.alerts.raise_(
                f"flood:{source}:{lang}",
                f"{source}/{lang}: {len(keys)} new articles in one pass (more than "
                f"flood_limit={self.settings.flood_limit}); posting the {len(posted)} most "
                f"recent, holding {len(held)}. A site redesign or URL change? Release them "
                f"with the outbox release command if they are really new.")
        elif flood:
            log.warning("flood guard: %s/%s had %d new articles; held %d", source, lang,
                        len(keys), len(held))
        elif not first_run and self.alerts is not None:
            # A normal pass closes the flood episode silently, so the next one alerts again.
            self.alerts.resolve(f"flood:{source}:{lang}")
        return IntakeSummary(source, lang, len(keys), len(pending_ids), baseline, flood, 0)

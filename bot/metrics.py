"""Prometheus metrics for `/metrics`: runs, failures, articles, posts sent and queued."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge
from prometheus_client.exposition import generate_latest

from bot.runs import RunRecord
from feeds.check import LanguageReport

if TYPE_CHECKING:
    from bot.app import Parts
    from bot.delivery import DrainSummary
    from bot.leases import Leases
    from feeds.websub import HubCounts


class Metrics:
    """A registry of its own (not the global one), so tests and several services never clash."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, parts: Parts, *, instance: str = "", leases: Leases | None = None) -> None:
        self.parts = parts
        self.instance = instance  # every series carries it: instances share one database
        self.registry = CollectorRegistry()
        r = self.registry
        i = ["instance"]
        self.runs = Counter("feedbot_runs", "Source runs by outcome",
                            [*i, "source", "outcome"], registry=r)
        self.failures = Counter("feedbot_fetch_failures", "Pages that failed in a run",
                                [*i, "source", "lang"], registry=r)
        self.articles = Counter("feedbot_articles_found", "New articles found",
                                [*i, "source", "lang"], registry=r)
        self.sent = Counter("feedbot_posts_sent", "Posts sent to Telegram", i, registry=r)
        self.edited = Counter("feedbot_posts_edited", "Posts edited in place", i, registry=r)
        self.rate_limited = Counter("feedbot_telegram_rate_limited",
                                    "429 answers from Telegram", i, registry=r)
        queued = Gauge("feedbot_posts_queued", "Posts waiting in the outbox", i, registry=r)
        queued.labels(instance).set_function(lambda: float(self.parts.outbox.pending_count()))
        self.last_success = Gauge("feedbot_last_success_timestamp_seconds",
                                  "When each source last ran without failing",
                                  [*i, "source"], registry=r)
        stored = Gauge("feedbot_articles_stored", "Articles in the database", i, registry=r)
        stored.labels(instance).set_function(lambda: float(self.parts.store.count()))
        if leases is not None:
            held = Gauge("feedbot_sources_leased", "Sources this instance checks (its leases)",
                         i, registry=r)
            held.labels(instance).set_function(lambda: float(len(leases.held)))

    def record_run(self, source: str, reports: list[LanguageReport],
                   last: RunRecord | None) -> None:
        me = self.instance
        self.runs.labels(me, source, last.outcome if last else "failed").inc()
        for report in reports:
            self.articles.labels(me, source, report.lang).inc(report.new)
            self.failures.labels(me, source, report.lang).inc(len(report.failures))
        success = self.parts.runs.last_success(source)
        if success is not None:
            self.last_success.labels(me, source).set(success.timestamp())

    def record_drain(self, summary: DrainSummary) -> None:
        self.sent.labels(self.instance).inc(summary.sent)
        self.edited.labels(self.instance).inc(summary.edited)
        self.rate_limited.labels(self.instance).inc(summary.rate_limited)

    def watch_hub(self, counts: HubCounts) -> None:
        """WebSub notices by outcome (feeds/websub.py keeps the counts)."""
        notices = Gauge("feedbot_websub_notices", "WebSub publish notices since start, by "
                        "outcome (sent, retried, failed, dropped)", ["instance", "outcome"],
                        registry=self.registry)
        for outcome in ("sent", "retried", "failed", "dropped"):
            notices.labels(self.instance, outcome).set_function(
                functools.partial(_count, counts, outcome))

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _count(counts: HubCounts, outcome: str) -> float:
    return float(getattr(counts, outcome))

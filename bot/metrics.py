"""Prometheus metrics for `/metrics`: runs, failures, articles, posts sent and queued."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge
from prometheus_client.exposition import generate_latest

from bot.runs import RunRecord
from feeds.check import LanguageReport

if TYPE_CHECKING:
    from bot.app import Parts
    from bot.delivery import DrainSummary


class Metrics:
    """A registry of its own (not the global one), so tests and several services never clash."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, parts: Parts) -> None:
        self.parts = parts
        self.registry = CollectorRegistry()
        r = self.registry
        self.runs = Counter("feedbot_runs", "Source runs by outcome", ["source", "outcome"],
                            registry=r)
        self.failures = Counter("feedbot_fetch_failures", "Pages that failed in a run",
                                ["source", "lang"], registry=r)
        self.articles = Counter("feedbot_articles_found", "New articles found",
                                ["source", "lang"], registry=r)
        self.sent = Counter("feedbot_posts_sent", "Posts sent to Telegram", registry=r)
        self.edited = Counter("feedbot_posts_edited", "Posts edited in place", registry=r)
        self.rate_limited = Counter("feedbot_telegram_rate_limited",
                                    "429 answers from Telegram", registry=r)
        self.queued = Gauge("feedbot_posts_queued", "Posts waiting in the outbox", registry=r)
        self.queued.set_function(lambda: float(self.parts.outbox.pending_count()))
        self.last_success = Gauge("feedbot_last_success_timestamp_seconds",
                                  "When each source last ran without failing", ["source"],
                                  registry=r)
        self.stored = Gauge("feedbot_articles_stored", "Articles in the database", registry=r)
        self.stored.set_function(lambda: float(self.parts.store.count()))

    def record_run(self, source: str, reports: list[LanguageReport],
                   last: RunRecord | None) -> None:
        self.runs.labels(source, last.outcome if last else "failed").inc()
        for report in reports:
            self.articles.labels(source, report.lang).inc(report.new)
            self.failures.labels(source, report.lang).inc(len(report.failures))
        success = self.parts.runs.last_success(source)
        if success is not None:
            self.last_success.labels(source).set(success.timestamp())

    def record_drain(self, summary: DrainSummary) -> None:
        self.sent.inc(summary.sent)
        self.edited.inc(summary.edited)
        self.rate_limited.inc(summary.rate_limited)

    def render(self) -> bytes:
        return generate_latest(self.registry)

"""`feedbot run`: one process with the scheduler, the outbox drain and the feed server.

One APScheduler 3.11 AsyncIOScheduler in the configured zone runs one job per source on
its own schedule (max one instance, missed runs coalesced). Last runs live in the
database, so a source whose run is overdue at start runs at once. A second task drains
the Telegram outbox whenever a pass queued something or a retry falls due. SIGTERM or
Ctrl-C: no new runs start, a running pass gets a few seconds to finish (its articles
are committed one by one, so stopping it loses nothing), the in-flight send finishes or
stays queued, and the process exits 0.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import Parts, build_parts, make_delivery, make_sender, publish, utc_now
from bot.config import Config
from bot.delivery import Delivery
from bot.metrics import Metrics
from bot.schedule import parse_schedule
from feeds.check import LanguageReport, SourceChecker
from feeds.fetcher import Fetcher
from feeds.publish import PublishError
from feeds.serve import FeedServer
from feeds.sources import SourceSettings

log = logging.getLogger(__name__)

FAILURES_BEFORE_ALERT = 3  # consecutive failed runs of a source before the operator is told
OUTBOX_AGE_ALERT = timedelta(hours=2)
STOP_GRACE_SECONDS = 5.0
IDLE_DRAIN_SECONDS = 30.0


class Service:
    """Wires the parts for a long run; `run(stop)` returns the exit code."""

    def __init__(self, config: Config, environ: Mapping[str, str], *,
                 now: Callable[[], datetime] = utc_now) -> None:
        self.config = config
        self.now = now
        self.parts: Parts = build_parts(config, now)
        self.sender = make_sender(config, environ)
        self.metrics = Metrics(self.parts)
        self.scheduler = AsyncIOScheduler(timezone=config.timezone, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
        self._wake = asyncio.Event()
        self._running_passes: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._publish_due = False

    # ---- health ----------------------------------------------------------------------

    def health(self) -> tuple[bool, dict[str, object]]:
        problems = []
        if not self.scheduler.running:
            problems.append("scheduler is not running")
        for source in self.config.sources:
            failures = self.parts.runs.consecutive_failures(source.name)
            if failures >= FAILURES_BEFORE_ALERT:
                problems.append(f"source {source.name} failed {failures} runs in a row")
        return not problems, {"status": "ok" if not problems else "unhealthy",
                              "problems": problems}

    def _healthz(self) -> tuple[int, str, bytes]:
        ok, body = self.health()
        return (200 if ok else 503, "application/json; charset=utf-8",
                json.dumps(body).encode())

    def _metrics(self) -> tuple[int, str, bytes]:
        return 200, self.metrics.content_type, self.metrics.render()

    # ---- the jobs --------------------------------------------------------------------

    async def run_source(self, source: SourceSettings) -> None:
        """One scheduled pass: check, publish feeds, raise or clear alerts, wake delivery."""
        if self._stopping:
            return
        task = asyncio.current_task()
        if task is not None:
            self._running_passes.add(task)
        started = time.monotonic()
        run_id = self.parts.runs.start(source.name, self.now())
        reports: list[LanguageReport] = []
        try:
            async with Fetcher(self.config.fetch) as fetcher:
                checker = SourceChecker(self.parts.store, fetcher, now=self.now,
                                        observer=self.parts.intake)
                reports = await checker.check(source)
            # Rendering every feed costs CPU on the event loop: only when something changed,
            # or when an earlier publish failed (a full disk) and is still owed.
            self._publish_due |= any(r.new or r.updated for r in reports)
            written: list[Path] = []
            if self._publish_due:
                written = publish(self.config, self.parts.store).written
                self._publish_due = False
            outcome = _outcome(reports)
            message = "; ".join(_problems(reports))[:1000] or None
            self.parts.runs.finish(
                run_id, self.now(), outcome=outcome, new=sum(r.new for r in reports),
                updated=sum(r.updated for r in reports),
                failed=sum(len(r.failures) for r in reports), message=message)
            log.info("run source=%s outcome=%s new=%d updated=%d failed=%d feeds_written=%d "
                     "ms=%d", source.name, outcome, sum(r.new for r in reports),
                     sum(r.updated for r in reports), sum(len(r.failures) for r in reports),
                     len(written), (time.monotonic() - started) * 1000)
        except asyncio.CancelledError:
            self.parts.runs.finish(run_id, self.now(), outcome="failed",
                                   message="stopped by shutdown")
            raise
        except PublishError as exc:  # a full disk: the previous feeds stay in place
            log.error("run source=%s: %s", source.name, exc)
            self.parts.runs.finish(run_id, self.now(), outcome="failed", message=str(exc)[:1000])
        except Exception as exc:  # a job never takes the scheduler down
            log.exception("run source=%s crashed", source.name)
            self.parts.runs.finish(run_id, self.now(), outcome="failed",
                                   message=f"{type(exc).__name__}: {exc}"[:1000])
        finally:
            if task is not None:
                self._running_passes.discard(task)
        self.metrics.record_run(source.name, reports, self.parts.runs.last(source.name))
        self._alert_on(source, reports)
        self._wake.set()

    def _alert_on(self, source: SourceSettings, reports: list[LanguageReport]) -> None:
        alerts = self.parts.alerts
        failing = self.parts.runs.consecutive_failures(source.name)
        key = f"source:{source.name}:failing"
        if failing >= FAILURES_BEFORE_ALERT:
            last = self.parts.runs.last(source.name)
            alerts.raise_(key, f"⚠️ {source.title}: {failing} runs in a row failed. "
                          f"Last: {last.message if last else 'unknown'}")
        elif failing == 0:
            alerts.resolve(key, f"✅ {source.title}: runs succeed again.")
        for report in reports:
            empty_key = f"source:{source.name}:{report.lang}:empty"
            redesign = [w for w in report.warnings if "redesign" in w or "breakage" in w]
            if redesign:
                alerts.raise_(empty_key, f"⚠️ {source.title} ({report.lang}): {redesign[0]}")
            elif report.links_found and not report.failures:
                alerts.resolve(empty_key, f"✅ {source.title} ({report.lang}): the listing "
                               "yields articles again.")
            burst_key = f"source:{source.name}:{report.lang}:burst"
            if report.burst_pages:
                burst = next(w for w in report.warnings if w.startswith("burst:"))
                alerts.raise_(burst_key, f"⚠️ {source.title} ({report.lang}): {burst}. Every "
                              "new article is fetched; if the site often publishes this "
                              "much at once, raise max_pages.")
            elif report.links_found:
                # Closed silently, as the flood guard does: the next burst is told again.
                alerts.resolve(burst_key)
            for retired in report.retired:
                # A one-off notice, not an open problem: `feedbot status` lists gone links
                # from the store for as long as they stay gone.
                gone_key = f"source:{source.name}:{report.lang}:gone:{retired.url}"
                alerts.raise_(gone_key, f"⚠️ {source.title} ({report.lang}): {retired.url} "
                              f"is gone: {retired.reason}.")
                alerts.resolve(gone_key)
        age = self.parts.outbox.oldest_pending_age(self.now())
        if age is not None and age > OUTBOX_AGE_ALERT:
            alerts.raise_("outbox:old", f"⚠️ The oldest queued post has waited "
                          f"{int(age.total_seconds() // 60)} minutes.")
        elif age is None or age < OUTBOX_AGE_ALERT / 2:
            alerts.resolve("outbox:old", "✅ The Telegram queue is moving again.")

    async def _deliver_forever(self, delivery: Delivery, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                summary = await delivery.drain(stop_event=stop)
                self.metrics.record_drain(summary)
            except Exception:  # the queue is in the database; try again shortly
                log.exception("delivery crashed; retrying")
            self._wake.clear()
            wait = IDLE_DRAIN_SECONDS
            due = self.parts.outbox.next_due_at()
            if due is not None:
                wait = max(0.5, min(wait, (due - self.now()).total_seconds()))
            stopper = asyncio.ensure_future(stop.wait())
            waker = asyncio.ensure_future(self._wake.wait())
            await asyncio.wait({stopper, waker}, timeout=wait,
                               return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            waker.cancel()

    # ---- the process -----------------------------------------------------------------

    def _schedule(self) -> None:
        now = self.now()
        for source in self.config.sources:
            trigger = parse_schedule(source.schedule, self.config.timezone)
            last = self.parts.runs.last(source.name)
            due = trigger.get_next_fire_time(None, last.started) if last else None
            overdue = last is None or due is None or due <= now
            # Passing next_run_time=None would pause the job: leave it out to let the
            # trigger decide, or set it to now for an overdue source.
            start_now: dict[str, datetime] = {"next_run_time": now} if overdue else {}
            self.scheduler.add_job(self.run_source, trigger, args=[source], id=source.name,
                                   name=f"check {source.name}", **start_now)
            log.info("scheduled source=%s schedule=%r overdue=%s", source.name,
                     source.schedule, overdue)

    def next_runs(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self.scheduler.get_jobs()}

    async def run(self, stop: asyncio.Event, ready: Callable[[str], None] | None = None) -> int:
        self.parts.intake.recover()
        self.config.feeds.output_dir.mkdir(parents=True, exist_ok=True)
        publish(self.config, self.parts.store)
        server = FeedServer(self.config.feeds.output_dir, host=self.config.feeds.listen_host,
                            port=self.config.feeds.listen_port,
                            cache_seconds=_cache_seconds(self.config),
                            extra_routes={"/healthz": self._healthz, "/metrics": self._metrics})
        server.start()
        try:
            async with self.sender:
                delivery = make_delivery(self.parts, self.sender, self.now)
                self._schedule()
                self.scheduler.start()
                if ready is not None:
                    ready(server.url)
                log.info("feedbot running: feeds at %s, %d source(s), %s", server.url,
                         len(self.config.sources),
                         "dry run (no token)" if getattr(self.sender, "dry_run", False)
                         else "posting to Telegram")
                deliverer = asyncio.create_task(self._deliver_forever(delivery, stop))
                await stop.wait()
                log.info("stopping: no new runs; waiting for running passes and sends")
                self._stopping = True
                self.scheduler.shutdown(wait=False)
                await self._finish_passes()
                try:
                    await asyncio.wait_for(deliverer, STOP_GRACE_SECONDS)
                except TimeoutError:
                    log.warning("delivery did not stop in %.0f s; unsent posts stay queued",
                                STOP_GRACE_SECONDS)
        finally:
            server.stop()
            self.parts.engine.dispose()
        log.info("stopped cleanly")
        return 0

    async def _finish_passes(self) -> None:
        passes = set(self._running_passes)
        if not passes:
            return
        _, pending = await asyncio.wait(passes, timeout=STOP_GRACE_SECONDS)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=1.0)


def _outcome(reports: list[LanguageReport]) -> str:
    if any(r.failures and not (r.new or r.updated or r.unchanged) for r in reports):
        return "failed"
    return "warning" if any(r.failures or r.warnings for r in reports) else "ok"


def _problems(reports: list[LanguageReport]) -> list[str]:
    found = []
    for report in reports:
        found += [f"{report.lang}: {w}" for w in report.warnings]
        found += [f"{report.lang}: {f.url}: {f.reason}" for f in report.failures[:3]]
    return found


def _cache_seconds(config: Config) -> int:
    from bot.app import site_info

    return site_info(config).cache_seconds

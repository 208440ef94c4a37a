"""`feedbot run`: one process with the scheduler, the outbox drain and the feed server.

One APScheduler 3.11 AsyncIOScheduler in the configured zone runs one job per source on
its own schedule (max one instance, missed runs coalesced). Last runs live in the
database, so a source whose run is overdue at start runs at once. A job runs only while
this instance holds the source's lease (bot/leases.py: one instance alone takes them all;
several on one PostgreSQL share them), renewed by a heartbeat task. A second task drains
the Telegram outbox whenever a pass queued something or a retry falls due; a third
rewrites the feeds that were put off or that other instances' passes made stale. Storage
faults back off through bot/storage_guard.py; Telegram may be unreachable at start.
SIGTERM or Ctrl-C: no new runs start, a running pass gets a few seconds to finish (its
articles are committed one by one, so stopping it loses nothing), the in-flight send
finishes or stays queued, the leases are given back, and the process exits 0 (1 when it
had to stop because its database file was deleted or replaced).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import Parts, build_parts, make_delivery, make_sender, publish, utc_now
from bot.claims import new_owner
from bot.compose import compose_notice
from bot.config import Config, ConfigError
from bot.delivery import UNREACHABLE, Delivery
from bot.digest import DigestMaker
from bot.leases import Leases
from bot.metrics import Metrics
from bot.poll_lease import PollLease
from bot.schedule import parse_schedule
from bot.sender import SendError, Unauthorized
from bot.storage_guard import StorageGuard, storage_reason
from bot.webhook import WebhookReceiver
from feeds.check import LanguageReport, SourceChecker
from feeds.fetcher import Fetcher, HostLimits
from feeds.publish import PublishError
from feeds.serve import FeedServer, PostRoute
from feeds.sources import SourceSettings
from feeds.websub import HubNotifier

if TYPE_CHECKING:
    from bot.private_chat import PrivateChat

log = logging.getLogger(__name__)

FAILURES_BEFORE_ALERT = 3  # consecutive failed runs of a source before the operator is told
OUTBOX_AGE_ALERT = timedelta(hours=2)
STOP_GRACE_SECONDS = 5.0
IDLE_DRAIN_SECONDS = 30.0
TELEGRAM_RETRY_FIRST = 5.0  # seconds between getMe attempts while Telegram is unreachable,
TELEGRAM_RETRY_MAX = 300.0  # doubling up to this
START_SETTLE_SECONDS = 2.0  # on a shared database, wait this long for peers starting too
PUBLISH_EVERY = timedelta(seconds=10)  # while passes run side by side, feeds are rewritten
#                                        at most this often
FEEDS_CHECK_SECONDS = 2.0  # how soon a put-off publish is written
OTHER_INSTANCES_CHECK_SECONDS = 5.0  # how soon other instances' passes reach these feeds
DIGEST_CHECK_SECONDS = 60.0  # how often due digests are looked for


class Service:
    """Wires the parts for a long run; `run(stop)` returns the exit code."""

    def __init__(self, config: Config, environ: Mapping[str, str], *,
                 now: Callable[[], datetime] = utc_now) -> None:
        self.config = config
        self.now = now
        fresh_database = config.database_file is not None and not config.database_file.exists()
        self.parts: Parts = build_parts(config, now)
        self.sender = make_sender(config, environ)
        # Private chats answer only with a real token (a dry run has no bot to poll with).
        self._private_token = config.token(environ) if config.telegram.private.enabled \
            else None
        self._chats: PrivateChat | None = None
        self.webhook: WebhookReceiver | None = None  # mode = "webhook", once serving
        self.storage = StorageGuard(config.database_file, config.database_display)
        self._stopped_because: str | None = None
        if fresh_database:
            self._announce_new_database()
        self.instance = new_owner()
        self.leases = Leases(self.parts.engine, self.instance,
                             ttl=timedelta(seconds=config.lease_seconds), now=now)
        self.metrics = Metrics(self.parts, instance=self.instance, leases=self.leases)
        self._published_change = -1  # runs.last_change() when this instance last published
        self._last_publish: datetime | None = None
        self._last_beat: datetime | None = None
        self.scheduler = AsyncIOScheduler(timezone=config.timezone, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
        self._wake = asyncio.Event()
        self._running_passes: dict[asyncio.Task[None], str] = {}
        # Shared by every job: per-host politeness holds across sources on one host, and
        # sources falling due together are checked at most max_concurrent_sources at a time.
        self._host_limits = HostLimits(config.fetch)
        self._source_slots = asyncio.Semaphore(config.fetch.max_concurrent_sources)
        self._stopping = False
        self._publish_due = False
        self._stop_event: asyncio.Event | None = None
        self._telegram_failed_at_start = False
        # WebSub: the hub is told of changed feeds from a thread of its own (feeds/websub.py).
        self.hub = HubNotifier(config.feeds.websub_hub) if config.feeds.websub_hub else None
        if self.hub is not None:
            self.metrics.watch_hub(self.hub.counts)
        # A pass that outlives its interval: said once per pass here, instead of APScheduler's
        # warning on every tick it skips.
        self._submitted: dict[str, datetime] = {}
        self._overrunning: set[str] = set()
        self.digests = DigestMaker(self.parts.engine, self.parts.outbox, config, now=now)
        self.scheduler.add_listener(self._on_submission,
                                    EVENT_JOB_SUBMITTED | EVENT_JOB_MAX_INSTANCES)
        _silence_skipped_run_warnings()

    def _on_submission(self, event: JobSubmissionEvent) -> None:
        """Called by the scheduler (on the event loop) when a pass starts or a tick finds the
        previous pass still running; a new pass ends the overrun episode."""
        if event.code == EVENT_JOB_SUBMITTED:
            self._submitted[event.job_id] = self.now()
            self._overrunning.discard(event.job_id)
            return
        if event.job_id in self._overrunning:
            return
        self._overrunning.add(event.job_id)
        started = self._submitted.get(event.job_id)
        since = "" if started is None else (
            f"started at {started.astimezone(ZoneInfo(self.config.timezone)):%H:%M:%S} "
            f"({(self.now() - started).total_seconds():.0f} s ago) ")
        log.warning("source %s: the pass %sis still running; scheduled runs are skipped, "
                    "not stacked, until it ends", event.job_id, since)

    # ---- health ----------------------------------------------------------------------

    def health(self) -> tuple[bool, dict[str, object]]:
        problems = []
        if not self.scheduler.running:
            problems.append("scheduler is not running")
        if self.storage.failing:
            problems.append(f"storage: {self.storage.failing}")
        else:
            for source in self.config.sources:
                failures = self.parts.runs.consecutive_failures(source.name)
                if failures >= FAILURES_BEFORE_ALERT:
                    problems.append(f"source {source.name} failed {failures} runs in a row")
        # Feeds still work without Telegram: degraded, not down.
        degraded = []
        if (self._telegram_failed_at_start and not self.sender.ready) or (
                not self.storage.failing and self.parts.alerts.is_open(UNREACHABLE)):
            degraded.append("telegram: not reachable; posts are queued")
        status = "unhealthy" if problems else "degraded" if degraded else "ok"
        return not problems, {"status": status, "problems": problems + degraded}

    def _healthz(self) -> tuple[int, str, bytes]:
        ok, body = self.health()
        return (200 if ok else 503, "application/json; charset=utf-8",
                json.dumps(body).encode())

    def _metrics(self) -> tuple[int, str, bytes]:
        return 200, self.metrics.content_type, self.metrics.render()

    # ---- the jobs --------------------------------------------------------------------

    async def run_source(self, source: SourceSettings) -> None:
        """One scheduled pass: check, publish feeds, raise or clear alerts, wake delivery."""
        if self._stopping or not self._storage_usable(f"run source={source.name}"):
            return
        if not self.leases.holds(source.name):
            if self._beat_is_stale():  # before the first heartbeat, or one missed
                self._beat()
            if not self.leases.holds(source.name):
                log.debug("run source=%s: checked by another instance", source.name)
                return
        task = asyncio.current_task()
        if task is not None:
            self._running_passes[task] = source.name
        try:
            await self._run_source(source)
        except Exception as exc:
            reason = storage_reason(exc)
            if reason is None:
                raise
            if self.storage.failed(f"run source={source.name}", reason, self.now()):
                await self._tell_operator(
                    f"⚠️ feedbot cannot write its database: {reason} "
                    f"({self.config.database_display}). Checks and posts are paused and "
                    "retried with backoff; nothing already stored is lost.")
            return
        finally:
            if task is not None:
                self._running_passes.pop(task, None)
        await self._storage_works()
        self._wake.set()

    async def _run_source(self, source: SourceSettings) -> None:
        started = time.monotonic()
        run_id = self.parts.runs.start(source.name, self.now())
        reports: list[LanguageReport] = []
        try:
            async with (self._source_slots,
                        Fetcher(self.config.fetch, host_limits=self._host_limits) as fetcher):
                checker = SourceChecker(self.parts.store, fetcher, now=self.now,
                                        observer=self.parts.intake)
                reports = await checker.check(source)
            # Rendering every feed costs CPU on the event loop: only when something changed,
            # or when an earlier publish failed (a full disk) and is still owed.
            changed = any(r.new or r.updated for r in reports)
            self._publish_due |= changed
            written = self._publish_if_due()
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
            if storage_reason(exc) is not None:
                raise  # the guard reports it, in one line
            log.exception("run source=%s crashed", source.name)
            self.parts.runs.finish(run_id, self.now(), outcome="failed",
                                   message=f"{type(exc).__name__}: {exc}"[:1000])
        self.metrics.record_run(source.name, reports, self.parts.runs.last(source.name))
        self._alert_on(source, reports)

    def _publish_if_due(self) -> list[Path]:
        """Write the feeds when a pass (here or on another instance) changed the database.
        While other passes are still running, at most once per PUBLISH_EVERY: at 200
        sources one publish costs seconds of CPU and a first round changes every source;
        the last pass to end (or `_keep_feeds`) writes what was put off."""
        if not self._publish_due:
            return []
        now = self.now()
        others = [t for t in self._running_passes if t is not asyncio.current_task()]
        if others and self._last_publish is not None \
                and now - self._last_publish < PUBLISH_EVERY:
            return []
        self._last_publish = now
        return self._publish()

    def _publish(self) -> list[Path]:
        # Everything finished up to now is in what is written: noted so that passes of
        # other instances (`runs.last_change`) can be told apart from what is done here.
        change = self.parts.runs.last_change()
        result = publish(self.config, self.parts.store)
        self._publish_due = False
        self._published_change = max(self._published_change, change)
        if self.hub is not None:
            self.hub.notify(f.url for f in result.changed_feeds)
        return result.written

    async def _keep_feeds(self, stop: asyncio.Event) -> None:
        """Write put-off feeds, and those other instances' passes made stale."""
        checked = time.monotonic()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), FEEDS_CHECK_SECONDS)
            if stop.is_set() or not self._storage_usable("feeds"):
                continue
            try:
                if time.monotonic() - checked >= OTHER_INSTANCES_CHECK_SECONDS:
                    checked = time.monotonic()
                    self._publish_due |= self.parts.runs.last_change() > self._published_change
                self._publish_if_due()
            except PublishError as exc:  # a full disk: the previous feeds stay in place
                log.error("feeds: %s", exc)
            except Exception as exc:
                reason = storage_reason(exc)
                if reason is None:
                    raise
                self.storage.failed("feeds", reason, self.now())

    async def _keep_leases(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.leases.ttl.total_seconds() / 4)
            if stop.is_set() or self._stopping:
                return
            if self._storage_usable("lease renewal"):
                try:
                    self._beat()
                except Exception as exc:
                    reason = storage_reason(exc)
                    if reason is None:
                        log.exception("lease renewal failed")
                    else:
                        self.storage.failed("lease renewal", reason, self.now())

    def _beat_is_stale(self) -> bool:
        """No heartbeat within a quarter of the lease time: a job of a source another
        instance holds would otherwise beat (database writes) on every tick."""
        return self._last_beat is None or self.now() - self._last_beat >= self.leases.ttl / 4

    def _beat(self) -> None:
        """Renew and balance the source leases; run what was taken over if it is overdue;
        rewrite the feeds when another instance's pass changed the database."""
        self._last_beat = self.now()
        beat = self.leases.beat([s.name for s in self.config.sources],
                                busy=self._running_passes.values())
        for source in beat.taken:
            self.parts.intake.recover(source)  # rows a dead holder's pass left incoming
            if self.scheduler.running and self._overdue(source):
                self.scheduler.modify_job(source, next_run_time=self.now())
        for source, holder in beat.taken_over.items():
            self.parts.alerts.raise_(
                f"instance:{holder}:stale",
                f"⚠️ The feedbot instance {holder} stopped renewing its leases; "
                f"{self.instance} took over its sources ({source} first). Nothing is lost: "
                "its unsent posts go out from here.")
        self._publish_due |= self.parts.runs.last_change() > self._published_change
        try:
            self._publish_if_due()
        except PublishError as exc:  # a full disk: kept due, tried again later
            log.error("feeds: %s", exc)

    def _overdue(self, name: str) -> bool:
        source = next(s for s in self.config.sources if s.name == name)
        trigger = parse_schedule(source.schedule, self.config.timezone)
        last = self.parts.runs.last(name)
        due = trigger.get_next_fire_time(None, last.started) if last else None
        return last is None or due is None or due <= self.now()

    def _storage_usable(self, what: str) -> bool:
        """False while storage backs off, or when the database file is gone (the process
        is then stopped: writing on would go into a deleted file)."""
        lost = self.storage.file_lost()
        if lost is not None:
            if self._stopped_because is None:
                self._stopped_because = lost
                log.critical("%s; stopping. Restore it from a backup (or move it back) and "
                             "start feedbot again.", lost)
                self._stop_now()
            return False
        if not self.storage.may_try(self.now()):
            log.info("storage: %s skipped while the database fails (%s)", what,
                     self.storage.failing)
            return False
        return True

    async def _storage_works(self) -> None:
        episode = self.storage.worked(self.now())
        if episode is not None:
            await self._tell_operator(
                f"✅ feedbot can write its database again ({self.config.database_display}) after "
                f"{episode.attempts} failed attempt(s) since "
                f"{episode.since.astimezone(ZoneInfo(self.config.timezone)):%Y-%m-%d %H:%M %Z}.")

    async def _tell_operator(self, text: str) -> None:
        """Straight to the operator chat, not through the database (it is what fails)."""
        chat = self.config.telegram.operator_chat
        log.warning("operator alert: %s", text)
        if not chat:
            return
        try:
            await self.sender.send(compose_notice(text), str(chat))
        except SendError as exc:
            log.error("operator alert not delivered to %s: %s", chat, exc.reason)

    def _announce_new_database(self) -> None:
        """A new database where feeds were already published: the old one was deleted or
        moved. Everything now on the site becomes the baseline (nothing is posted twice),
        but the record of sent messages (needed to edit them) is gone: say so."""
        output = self.config.feeds.output_dir
        if not any(output.glob("*/rss.xml")) and not any(output.glob("*/*/rss.xml")):
            return
        text = (f"⚠️ feedbot started with a new, empty database ({self.config.database_display}) "
                f"although {output} holds feeds from an earlier one. Was the database "
                "deleted or moved? This run records the site as already seen (nothing is "
                "posted twice), but corrections can no longer edit earlier posts.")
        log.warning("%s", text)
        self.parts.alerts.raise_("database:new", text)

    def _stop_now(self) -> None:
        if self._stop_event is not None:
            self._stop_event.set()

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
            fields_key = f"source:{source.name}:{report.lang}:fields"
            if report.gaps:
                # One alert while the fields stay missing; its text is the first pass's.
                alerts.raise_(fields_key, f"⚠️ {source.title}: " + "; ".join(report.gaps))
            elif report.gaps is not None:
                alerts.resolve(fields_key, f"✅ {source.title} ({report.lang}): articles have "
                               "their dates, titles, bodies and images again.")
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
        telegram_wait = TELEGRAM_RETRY_FIRST
        while not stop.is_set():
            wait = IDLE_DRAIN_SECONDS
            if not await self._telegram_answers():
                # Posts stay queued untouched (no attempt is spent on them) until getMe
                # works; each try is one log line.
                wait, telegram_wait = telegram_wait, min(telegram_wait * 2, TELEGRAM_RETRY_MAX)
                log.info("telegram: next connection attempt in %.0f s", wait)
            elif self._storage_usable("delivery"):
                telegram_wait = TELEGRAM_RETRY_FIRST
                try:
                    summary = await delivery.drain(stop_event=stop)
                    self.metrics.record_drain(summary)
                    due = self.parts.outbox.next_due_at()
                    if due is not None:
                        wait = max(0.5, min(wait, (due - self.now()).total_seconds()))
                except Exception as exc:  # the queue is in the database; try again shortly
                    reason = storage_reason(exc)
                    if reason is None:
                        log.exception("delivery crashed; retrying")
                    elif self.storage.failed("delivery", reason, self.now()):
                        await self._tell_operator(
                            f"⚠️ feedbot cannot use its database: {reason} "
                            f"({self.config.database_display}). Posts wait; retried with backoff.")
            self._wake.clear()
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
            overdue = self._overdue(source.name)
            # Passing next_run_time=None would pause the job: leave it out to let the
            # trigger decide, or set it to now for an overdue source.
            start_now: dict[str, datetime] = {"next_run_time": now} if overdue else {}
            self.scheduler.add_job(self.run_source, trigger, args=[source], id=source.name,
                                   name=f"check {source.name}", **start_now)
            log.info("scheduled source=%s schedule=%r overdue=%s", source.name,
                     source.schedule, overdue)
        if self.digests.languages():
            # Every minute, and at once: a digest whose moment passed while the service was
            # down goes out now (within its grace, bot/digest_schedule.py).
            self.scheduler.add_job(self.make_digests, "interval", seconds=DIGEST_CHECK_SECONDS,
                                   id="digests", name="digests", next_run_time=now)

    async def make_digests(self) -> None:
        """Queue the digests that are due (once each, whichever instance gets there
        first), then wake delivery and rewrite the digest feeds."""
        if self._stopping or not self._storage_usable("digests"):
            return
        try:
            made = self.digests.make_due()
        except Exception as exc:
            reason = storage_reason(exc)
            if reason is None:
                log.exception("digests crashed")
            else:
                self.storage.failed("digests", reason, self.now())
            return
        if made:
            self._publish_due = True
            self._wake.set()

    def next_runs(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self.scheduler.get_jobs()}

    async def run(self, stop: asyncio.Event, ready: Callable[[str], None] | None = None) -> int:
        """Returns 0 after a requested stop, 1 when it had to stop (database file lost);
        raises ConfigError when Telegram refuses the token."""
        self._stop_event = stop
        await self._connect_telegram()
        self.config.feeds.output_dir.mkdir(parents=True, exist_ok=True)
        if self.config.database_file is None:  # a shared server database: others may start now
            self.leases.announce()
            await asyncio.sleep(START_SETTLE_SECONDS)
        self._beat()  # takes this instance's sources (all of them, alone) and publishes
        server = FeedServer(self.config.feeds.output_dir, host=self.config.feeds.listen_host,
                            port=self.config.feeds.listen_port,
                            cache_seconds=_cache_seconds(self.config),
                            extra_routes={"/healthz": self._healthz, "/metrics": self._metrics},
                            post_routes=self._webhook_routes())
        server.start()
        if self.hub is not None:  # after the server: the hub fetches what it is told of
            self.hub.start()
        chats: asyncio.Task[None] | None = None
        try:
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
            keeper = asyncio.create_task(self._keep_leases(stop))
            feeds_keeper = asyncio.create_task(self._keep_feeds(stop))
            chats = self._answer_private_chats(delivery, stop)
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
            await keeper
            await feeds_keeper
            if chats is not None:
                try:
                    await asyncio.wait_for(chats, STOP_GRACE_SECONDS)
                except TimeoutError:
                    log.warning("private chats did not stop in %.0f s", STOP_GRACE_SECONDS)
            if self._stopped_because is None:
                if self._publish_due:  # what the last passes changed and was put off
                    with contextlib.suppress(PublishError):
                        self._publish()
                self.leases.release_all()  # the others need not wait for the expiry
        finally:
            if chats is not None and not chats.done():  # stopped by an error, not `stop`
                chats.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await chats
            server.stop()
            if self.hub is not None:
                self.hub.close()
            await self.sender.close()
            self.parts.engine.dispose()
        if self._stopped_because is not None:
            log.error("stopped: %s", self._stopped_because)
            return 1
        log.info("stopped cleanly")
        return 0

    def _webhook_routes(self) -> dict[str, PostRoute]:
        """[telegram.private] mode = "webhook": the secret path Telegram POSTs updates to."""
        if not self._private_token or self.config.telegram.private.mode != "webhook":
            return {}
        from bot.webhook import webhook_secrets

        secrets = webhook_secrets(self._private_token)
        self.webhook = WebhookReceiver(
            secrets, lambda update: self._chats is not None and self._chats.accept(update))
        return {secrets.path: self.webhook}

    def _answer_private_chats(self, delivery: Delivery,
                              stop: asyncio.Event) -> asyncio.Task[None] | None:
        """Start answering /start, /follow ... (telegram.private): polling runs beside the
        scheduler and connects on its own once Telegram answers."""
        if not self._private_token:
            return None
        from bot.private_chat import PrivateChat

        chats = PrivateChat(self.parts.followers, self.parts.store,
                            self.config.telegram.private, delivery.pacer,
                            organisation=self.config.organisation,
                            tz=ZoneInfo(self.config.timezone),
                            source_titles={s.name: s.title for s in self.config.sources})
        chats.build(self._private_token, self.config.telegram.api_base_url)
        self._chats = chats
        if self.webhook is not None:  # Telegram POSTs to the feed server, at its public URL
            url = self.webhook.secrets.url(self.config.feeds.base_url)
            return asyncio.create_task(chats.run(stop, webhook=(url,
                                                                self.webhook.secrets.token)))
        # Telegram lets one process poll a token: of the instances sharing the database,
        # the holder of this lease (renewed on the lease heartbeat) is the one.
        lease = PollLease(self.parts.engine, self.instance, ttl=self.leases.ttl, now=self.now)
        return asyncio.create_task(chats.run(stop, lease,
                                             tick=self.leases.ttl.total_seconds() / 4))

    async def _telegram_answers(self) -> bool:
        if self.sender.ready:
            return True
        try:
            await self.sender.ensure_ready()
        except Unauthorized as exc:
            self.parts.alerts.raise_("telegram:unauthorized",
                                     f"Telegram refused the bot token ({exc.reason}); nothing "
                                     "is posted until it is fixed. Posts stay queued.")
            return False
        except SendError as exc:
            log.warning("telegram: still not reachable (%s); posts stay queued", exc.reason)
            return False
        log.info("telegram: connected; sending the queued posts")
        return True

    async def _connect_telegram(self) -> None:
        """Ask Telegram who the bot is. A refused token is a configuration error; an
        unreachable Bot API is not: scraping and feeds start anyway, posts queue, and
        delivery connects once Telegram answers."""
        await self.sender.open()
        try:
            await self.sender.ensure_ready()
        except Unauthorized:
            await self.sender.close()
            raise ConfigError(
                f"telegram.token_env: Telegram refused the token in "
                f"{self.config.telegram.token_env} (401 Unauthorized): check the variable") \
                from None
        except SendError as exc:
            self._telegram_failed_at_start = True
            log.warning("telegram: not reachable at start (%s); running without it: posts "
                        "are queued and go out once it answers", exc.reason)

    async def _finish_passes(self) -> None:
        passes = set(self._running_passes)
        if not passes:
            return
        _, pending = await asyncio.wait(passes, timeout=STOP_GRACE_SECONDS)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=1.0)


class _SkippedRunFilter(logging.Filter):
    """Drops APScheduler's "skipped: maximum number of running instances reached", logged
    on every tick a long pass spans; Service._on_submission says it once per pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in str(record.msg)


_SKIPPED_RUN_FILTER = _SkippedRunFilter()


def _silence_skipped_run_warnings() -> None:
    scheduler_log = logging.getLogger("apscheduler.scheduler")
    if _SKIPPED_RUN_FILTER not in scheduler_log.filters:
        scheduler_log.addFilter(_SKIPPED_RUN_FILTER)


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

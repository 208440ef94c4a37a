"""`feedbot status`: per source the last run, its outcome, what its articles lack and the next
run; the queue; problems."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.app import build_parts, utc_now
from bot.config import Config
from bot.leases import Leases
from bot.schedule import parse_schedule
from bot.writer_lock import current_holder
from feeds.quality import source_gaps

GONE_SHOWN = 5  # retired links listed by URL per source; the rest are counted


def status_lines(config: Config, now: datetime | None = None) -> list[str]:
    parts = build_parts(config)
    moment = now or utc_now()
    zone = ZoneInfo(config.timezone)

    def when(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if value else "never"

    if config.database_file is None:
        # A server database has no single-writer lock to ask; name it (never its password).
        lines = [f"database: {config.database_display}"]
    else:
        holder = current_holder(config.database_file)
        lines = [f"service: running, {holder}" if holder else
                 "service: not running (no process holds the database)"]
    reader = Leases(parts.engine, "feedbot-status", now=lambda: moment)
    live = {i.id for i in reader.live_instances(moment)}
    for instance in reader.instances():
        seen = int((moment - instance.last_seen).total_seconds())
        state = "alive" if instance.id in live else "STOPPED RENEWING"
        lines.append(f"instance {instance.id}: {state}, last seen {seen} s ago, up since "
                     f"{when(instance.started)}")
    leases = {lease.source: lease for lease in reader.leases()}
    for source in config.sources:
        last = parts.runs.last(source.name)
        trigger = parse_schedule(source.schedule, config.timezone)
        next_run = trigger.get_next_fire_time(None, moment)
        if last is None or (next_due := trigger.get_next_fire_time(None, last.started)) is None \
                or next_due <= moment:
            next_text = "at once when `feedbot run` starts (overdue)"
        else:
            next_text = when(next_run)
        lines.append(f"source {source.name} ({source.schedule}): "
                     f"{parts.store.count(source.name)} articles")
        if last is None:
            lines.append("  last run: never")
        else:
            lines.append(f"  last run: {when(last.started)}: {last.outcome}, {last.new} new, "
                         f"{last.updated} updated, {last.failed} failed")
            if last.message:
                lines.append(f"    {last.message}")
        failures = parts.runs.consecutive_failures(source.name)
        if failures:
            lines.append(f"  failed runs in a row: {failures}")
        failing = parts.store.failing_urls(source.name)
        if failing:
            lines.append(f"  pages failing (retried each run): {len(failing)}")
        gone = parts.store.gone_links(source.name)
        if gone:
            lines.append(f"  links gone ({source.retire_dead_links_after} passes in a row "
                         f"404/410, no longer fetched): {len(gone)}")
            lines += [f"    {g.lang or '?'}: {g.url} (since {when(g.gone_since)}: "
                      f"{g.last_error})" for g in gone[:GONE_SHOWN]]
            if len(gone) > GONE_SHOWN:
                lines.append(f"    ... and {len(gone) - GONE_SHOWN} more")
        for lang in parts.store.languages(source.name):
            lines += [f"  warning: {gap}" for gap in source_gaps(
                parts.store, source.name, lang, feed=lang in source.feed_urls)]
        lines.append(f"  next run: {next_text}")
        lease = leases.get(source.name)
        if lease is not None:
            expired = "" if lease.expires > moment else ", EXPIRED: taken over on the next beat"
            lines.append(f"  checked by: {lease.holder} (lease until "
                         f"{lease.expires.astimezone(zone):%H:%M:%S}{expired})")
    queue = parts.outbox.status()
    held = ", ".join(f"{n} {reason}" for reason, n in queue.held.items()) or "none"
    age = parts.outbox.oldest_pending_age(moment)
    oldest = f", oldest waiting {int(age.total_seconds() // 60)} min" if age else ""
    lines.append(f"telegram queue: {queue.pending} queued{oldest}, {queue.sent} sent, "
                 f"held: {held}, failing: {queue.failing}")
    if config.telegram.private.enabled or parts.followers.count():
        lines.append(f"private chats: {'enabled' if config.telegram.private.enabled else 'off'}"
                     f", {parts.followers.count()} follower(s)")
    problems = parts.alerts.open_problems()
    lines.append(f"open problems: {len(problems)}")
    lines += [f"  since {when(p.opened_at)}: {p.text}" for p in problems]
    parts.engine.dispose()
    return lines


def print_status(config: Config, out: Callable[[str], None] = print) -> int:
    for line in status_lines(config):
        out(line)
    return 0

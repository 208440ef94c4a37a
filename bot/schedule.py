"""Turn a schedule string from config into an APScheduler 3.11 trigger.

Two forms: a five-field crontab ("*/30 7-22 * * mon-fri") or an interval
("every 15m", "every 2h jitter 60s"). Numeric weekdays are refused: APScheduler's
`from_crontab` counts 0 as Monday while cron counts it as Sunday, a silent one-day shift.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_INTERVAL = re.compile(
    r"^every\s+(?P<n>\d+)\s*(?P<unit>[smhd])(?:\s+jitter\s+(?P<j>\d+)\s*(?P<junit>[smhd]))?$"
)


def parse_schedule(text: str, timezone: str) -> BaseTrigger:
    """A trigger for `text`; raises ValueError with a human reason when it is not valid."""
    spec = text.strip().lower()
    match = _INTERVAL.match(spec)
    if match:
        seconds = int(match["n"]) * _UNITS[match["unit"]]
        if seconds < 1:
            raise ValueError(f"interval must be at least 1 second, got {text!r}")
        jitter = int(match["j"]) * _UNITS[match["junit"]] if match["j"] else None
        return IntervalTrigger(seconds=seconds, jitter=jitter, timezone=timezone)
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(
            f"expected a crontab like '*/30 * * * *' or an interval like 'every 15m', got {text!r}"
        )
    if re.search(r"\d", fields[4]):
        raise ValueError(
            f"use weekday names (mon-fri, sun) rather than numbers in {text!r}: "
            "APScheduler counts 0 as Monday, cron as Sunday"
        )
    try:
        return CronTrigger.from_crontab(spec, timezone=timezone)
    except ValueError as exc:
        raise ValueError(f"not a valid crontab {text!r} ({exc})") from None


def interval_seconds(trigger: BaseTrigger, now: datetime | None = None) -> float | None:
    """The polling period in seconds (for Cache-Control): an interval's own, or the gap
    between a crontab's next two runs."""
    if isinstance(trigger, IntervalTrigger):
        return trigger.interval.total_seconds()
    start = now or datetime.now(UTC)
    first = trigger.get_next_fire_time(None, start)
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1)) if first else None
    return (second - first).total_seconds() if first and second else None

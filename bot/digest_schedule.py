"""When digests fall due: "fri 17:00", "mon,thu 09:30" or "daily 08:00", read in a time zone.

A digest moment ends one period and starts the next; the period of the moment at or before
`now` runs from the moment before it. Worked out here with zoneinfo rather than a trigger,
because a restart needs the *last* moment (to catch up), which APScheduler cannot give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC = re.compile(r"^(?P<days>[a-z,\s-]+?)\s+(?P<h>\d{1,2}):(?P<m>\d{2})$")
# A service that was down at the digest moment still sends the digest when it comes back
# within this long (or half a period, for short periods): a day-late weekly summary is
# still wanted, a week-old one is noise next to the new one.
MAX_GRACE = timedelta(hours=24)


@dataclass(frozen=True)
class DigestSchedule:
    """Weekdays (0 = Monday) and a local time of day."""

    text: str
    weekdays: frozenset[int]
    at: time

    def moments_before(self, now: datetime, tz: ZoneInfo, count: int = 2) -> list[datetime]:
        """The last `count` digest moments at or before `now`, newest first, in UTC."""
        found: list[datetime] = []
        day = now.astimezone(tz).date()
        for _ in range(8 * count + 1):  # every weekday comes round within 8 days
            if day.weekday() in self.weekdays:
                moment = datetime.combine(day, self.at, tzinfo=tz).astimezone(UTC)
                if moment <= now:
                    found.append(moment)
                    if len(found) == count:
                        break
            day -= timedelta(days=1)
        return found

    def period(self, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """(start, end) of the period whose digest moment (its end) is the last at or
        before `now`."""
        end, start = self.moments_before(now, tz, 2)
        return start, end

    def grace(self, now: datetime, tz: ZoneInfo) -> timedelta:
        start, end = self.period(now, tz)
        return min(MAX_GRACE, (end - start) / 2)


def parse_digest_schedule(text: str) -> DigestSchedule:
    """A schedule like "fri 17:00"; raises ValueError with a one-line reason."""
    spec = " ".join(text.strip().lower().split())
    match = _SPEC.match(spec)
    if match is None:
        raise ValueError(f"expected a weekday and a time like 'fri 17:00' (or 'daily 08:00', "
                         f"'mon,thu 09:30'), got {text!r}")
    hour, minute = int(match["h"]), int(match["m"])
    if hour > 23 or minute > 59:
        raise ValueError(f"not a time of day in {text!r} (use 00:00 to 23:59)")
    days: set[int] = set()
    for part in match["days"].replace(" ", "").split(","):
        if part == "daily":
            days.update(range(7))
        elif "-" in part:
            first, _, last = part.partition("-")
            if first not in WEEKDAYS or last not in WEEKDAYS:
                raise ValueError(_bad_day(part, text))
            a, b = WEEKDAYS.index(first), WEEKDAYS.index(last)
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        elif part in WEEKDAYS:
            days.add(WEEKDAYS.index(part))
        else:
            raise ValueError(_bad_day(part, text))
    return DigestSchedule(text=text, weekdays=frozenset(days), at=time(hour, minute))


def _bad_day(part: str, text: str) -> str:
    return (f"unknown weekday {part!r} in {text!r} (use mon, tue, wed, thu, fri, sat, sun, "
            "a range like mon-fri, or daily)")

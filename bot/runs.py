"""A record of every job run per source, kept in the database (not in a scheduler job store).

`feedbot status` reads it, and `feedbot run` uses the last run to start overdue sources at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Text, func, select

from feeds.store import UTCDateTime

# The tables as the queries see them; the migrations in feeds/migrations create them, and
# tests/test_migrations.py fails when the two disagree (a change here needs a migration).
metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False, index=True),
    Column("started", UTCDateTime, nullable=False),
    Column("finished", UTCDateTime),
    Column("outcome", String(20), nullable=False, default="running"),  # ok|warning|failed|running
    Column("new", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("message", Text),
)


@dataclass(frozen=True)
class RunRecord:
    source: str
    started: datetime
    finished: datetime | None
    outcome: str
    new: int
    updated: int
    failed: int
    message: str | None


class RunLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def start(self, source: str, now: datetime) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(runs.insert().values(source=source, started=now,
                                                       outcome="running"))
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def finish(self, run_id: int, now: datetime, *, outcome: str, new: int = 0,
               updated: int = 0, failed: int = 0, message: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(runs.update().where(runs.c.id == run_id).values(
                finished=now, outcome=outcome, new=new, updated=updated, failed=failed,
                message=message))

    def last(self, source: str) -> RunRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(runs).where(runs.c.source == source)
                               .order_by(runs.c.id.desc()).limit(1)).first()
        if row is None:
            return None
        return RunRecord(row.source, row.started, row.finished, row.outcome, row.new,
                         row.updated, row.failed, row.message)

    def last_success(self, source: str) -> datetime | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(func.max(runs.c.finished)).where(
                runs.c.source == source, runs.c.outcome.in_(("ok", "warning")))).scalar()
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    def last_change(self) -> int:
        """The id of the newest finished run that stored something new or updated (any
        source, any instance): the feeds are stale for whoever published before it."""
        with self.engine.connect() as conn:
            value = conn.execute(select(func.max(runs.c.id)).where(
                runs.c.finished.is_not(None), (runs.c.new > 0) | (runs.c.updated > 0))).scalar()
        return int(value or 0)

    def consecutive_failures(self, source: str, limit: int = 100) -> int:
        """Failed runs since the last good one (a running run does not count)."""
        with self.engine.connect() as conn:
            outcomes = conn.execute(select(runs.c.outcome).where(
                runs.c.source == source, runs.c.outcome != "running")
                .order_by(runs.c.id.desc()).limit(limit)).scalars().all()
        count = 0
        for outcome in outcomes:
            if outcome != "failed":
                break
            count += 1
        return count

"""The run log `feedbot status` and the overdue check read: on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.runs import RunLog
from feeds.store import open_engine

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def runs(backend: str) -> Iterator[RunLog]:
    engine = open_engine(backend)
    yield RunLog(engine)
    engine.dispose()


def test_runs_are_recorded_with_their_outcome_and_failures_counted_since_the_last_good_one(
        runs: RunLog) -> None:
    for n, outcome in enumerate(["ok", "failed", "warning", "failed", "failed"]):
        run_id = runs.start("alqst", T0 + timedelta(minutes=n))
        runs.finish(run_id, T0 + timedelta(minutes=n, seconds=30), outcome=outcome, new=n,
                    message="HTTP 503" if outcome == "failed" else None)
    runs.start("alqst", T0 + timedelta(minutes=9))  # still running: not counted
    last = runs.last("alqst")
    assert last is not None and (last.outcome, last.finished) == ("running", None)
    assert last.started == T0 + timedelta(minutes=9)
    assert runs.consecutive_failures("alqst") == 2
    assert runs.last_success("alqst") == T0 + timedelta(minutes=2, seconds=30)
    assert runs.last("elsewhere") is None and runs.last_success("elsewhere") is None

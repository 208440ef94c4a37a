"""Operator alerts: once per problem, once on recovery, across restarts; on SQLite and on
PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.alerts import KEY_LIMIT, Alerts, problem_key
from bot.claims import CLAIM_TTL
from feeds.store import open_engine

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def connect(backend: str) -> Iterator[Callable[[], Engine]]:
    """A new engine on the test's database per call (a process of its own), disposed after."""
    engines: list[Engine] = []

    def make() -> Engine:
        engines.append(open_engine(backend))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def alerts(connect: Callable[[], Engine]) -> Alerts:
    return Alerts(connect(), operator_chat="42", now=lambda: NOW)


def test_a_problem_alerts_once_and_its_recovery_once(alerts: Alerts) -> None:
    assert alerts.raise_("source:alqst:failing", "alqst fails") is True
    assert alerts.raise_("source:alqst:failing", "alqst fails") is False
    assert [n.text for n in alerts.pending_notices(NOW)] == ["⚠️ alqst fails"]
    assert alerts.resolve("source:alqst:failing", "alqst works again") is True
    assert alerts.resolve("source:alqst:failing", "alqst works again") is False
    assert [n.text for n in alerts.pending_notices(NOW)] == ["⚠️ alqst fails",
                                                             "✅ alqst works again"]


def test_open_problems_survive_a_restart(connect: Callable[[], Engine]) -> None:
    engine = connect()
    Alerts(engine, now=lambda: NOW).raise_("chat:@a:not-member", "gone")
    restarted = Alerts(engine, now=lambda: NOW)
    assert restarted.raise_("chat:@a:not-member", "gone") is False
    [problem] = restarted.open_problems("chat:@a:")
    assert problem.occurrences == 2


def test_an_alert_is_claimed_by_one_of_two_processes_and_retried_if_never_sent(
        connect: Callable[[], Engine]) -> None:
    first = Alerts(connect(), operator_chat="42", now=lambda: NOW)
    second = Alerts(connect(), operator_chat="42", now=lambda: NOW)
    first.raise_("source:alqst:failing", "alqst fails")
    [mine], [theirs] = first.pending_notices(NOW), second.pending_notices(NOW)
    assert first.claim_notice(mine, NOW) and not second.claim_notice(theirs, NOW)
    assert second.pending_notices(NOW) == []  # taken: not sent twice
    # The claimer died before sending: the alert comes due again, not lost.
    later = NOW + CLAIM_TTL
    [again] = second.pending_notices(later)
    assert second.claim_notice(again, later)


def test_a_problem_can_come_back_after_recovery(alerts: Alerts) -> None:
    alerts.raise_("k", "down")
    alerts.resolve("k")  # closed without telling anyone
    assert alerts.raise_("k", "down again") is True
    assert [n.text for n in alerts.pending_notices(NOW)] == ["⚠️ down", "⚠️ down again"]


def test_without_an_operator_chat_alerts_are_logged_only(
        connect: Callable[[], Engine], caplog: pytest.LogCaptureFixture) -> None:
    alerts = Alerts(connect(), now=lambda: NOW)
    alerts.raise_("k", "something broke")
    assert alerts.unsent_count() == 0
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "alert k: something broke"]


def test_long_keys_are_shortened_without_colliding() -> None:
    a, b = "post:@c:" + "x" * 400 + "a", "post:@c:" + "x" * 400 + "b"
    assert len(problem_key(a)) == KEY_LIMIT and problem_key(a) != problem_key(b)
    assert problem_key("short") == "short"


def test_open_problems_are_found_by_prefix_and_a_long_key_fits(alerts: Alerts) -> None:
    long_key = "post:@c:https://alqst.org/ar/post/" + "%D8%A7" * 200
    alerts.raise_(long_key, "a post failed")
    alerts.raise_("source:alqst:failing", "alqst fails")
    alerts.raise_("source:alqst_2:failing", "alqst_2 fails")
    assert [p.key for p in alerts.open_problems("post:@c:")] == [problem_key(long_key)]
    # "_" is a character, not a wildcard: alqst_ matches one source only.
    assert [p.text for p in alerts.open_problems("source:alqst_")] == ["alqst_2 fails"]
    assert alerts.is_open(long_key) and alerts.resolve(long_key)

"""Operator alerts: once per problem, once on recovery, across restarts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.alerts import KEY_LIMIT, Alerts, problem_key
from bot.claims import CLAIM_TTL
from feeds.store import open_engine

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def alerts(tmp_path: Path) -> Alerts:
    return Alerts(open_engine(tmp_path / "db.sqlite"), operator_chat="42", now=lambda: NOW)


def test_a_problem_alerts_once_and_its_recovery_once(alerts: Alerts) -> None:
    assert alerts.raise_("source:alqst:failing", "alqst fails") is True
    assert alerts.raise_("source:alqst:failing", "alqst fails") is False
    assert [n.text for n in alerts.pending_notices(NOW)] == ["⚠️ alqst fails"]
    assert alerts.resolve("source:alqst:failing", "alqst works again") is True
    assert alerts.resolve("source:alqst:failing", "alqst works again") is False
    assert [n.text for n in alerts.pending_notices(NOW)] == ["⚠️ alqst fails",
                                                             "✅ alqst works again"]


def test_open_problems_survive_a_restart(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "db.sqlite")
    Alerts(engine, now=lambda: NOW).raise_("chat:@a:not-member", "gone")
    restarted = Alerts(engine, now=lambda: NOW)
    assert restarted.raise_("chat:@a:not-member", "gone") is False
    [problem] = restarted.open_problems("chat:@a:")
    assert problem.occurrences == 2


def test_an_alert_is_claimed_by_one_of_two_processes_and_retried_if_never_sent(
        tmp_path: Path) -> None:
    first = Alerts(open_engine(tmp_path / "db.sqlite"), operator_chat="42", now=lambda: NOW)
    second = Alerts(open_engine(tmp_path / "db.sqlite"), operator_chat="42", now=lambda: NOW)
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
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    alerts = Alerts(open_engine(tmp_path / "db.sqlite"), now=lambda: NOW)
    alerts.raise_("k", "something broke")
    assert alerts.unsent_count() == 0
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "alert k: something broke"]


def test_long_keys_are_shortened_without_colliding() -> None:
    a, b = "post:@c:" + "x" * 400 + "a", "post:@c:" + "x" * 400 + "b"
    assert len(problem_key(a)) == KEY_LIMIT and problem_key(a) != problem_key(b)
    assert problem_key("short") == "short"

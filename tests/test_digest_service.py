"""The digest in `feedbot run` as an operator runs it: real processes, the replica site, the
fake Telegram. The first process makes the digest at start (its moment passed a minute ago)
and is SIGKILLed while its first message is claimed and the request has not been carried
out; the second process sends every message of the digest exactly once."""

from __future__ import annotations

import signal
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.digest_schedule import WEEKDAYS
from feeds.models import ActionLink, Article, Kind
from feeds.replica import ReplicaSite
from feeds.store import ArticleStore, open_engine
from tests.fakes.telegram import FakeTelegram
from tests.test_service import free_port, start_service, telegram, wait_for, write_config

__all__ = ["telegram"]  # the fixture, shared with tests/test_service.py


def digest_rows(db: Path, where: str = "1 = 1") -> int:
    try:
        with sqlite3.connect(db) as conn:
            return int(conn.execute(
                f"select count(*) from outbox where action = 'digest' and {where}"
            ).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_a_restart_during_a_digest_sends_it_once(tmp_path: Path, site: ReplicaSite,
                                                 telegram: FakeTelegram) -> None:
    london = ZoneInfo("Europe/London")
    moment = (datetime.now(london) - timedelta(minutes=2)).replace(second=0, microsecond=0)
    schedule = f"{WEEKDAYS[moment.weekday()]} {moment:%H:%M}"
    config = write_config(tmp_path, site, telegram.url, free_port(),
                          extra=f'[digest]\nschedule = "{schedule}"\n')
    db = tmp_path / "data" / "feedbot.sqlite"
    db.parent.mkdir()
    engine = open_engine(db)
    store = ArticleStore(engine)
    watching_since = moment.astimezone(UTC) - timedelta(days=6)
    titles = [f"Digest seed {n}: " + "the trial of a human rights defender " * 3
              for n in range(1, 41)]
    for n, title in enumerate(titles, 1):
        url = f"https://alqst.org/en/post/seed-{n}"
        store.upsert(Article(
            key=url, url=url, source="alqst", lang="en", title=title, body_html="<p>b</p>",
            body_text="b", summary="s", kind=Kind.CAMPAIGN if n <= 3 else Kind.NEWS,
            actions=(ActionLink(f"https://act.example/{n}", "Sign"),) if n <= 3 else (),
            published=watching_since + timedelta(hours=n)), watching_since)
    engine.dispose()

    # The first digest message hangs at Telegram, never carried out; the process is
    # killed while its claim on that message is committed.
    telegram.fail_next("sendMessage", hang=20)
    first = start_service(config)
    try:
        wait_for(lambda: digest_rows(db, "in_flight_since is not null") == 1,
                 what="the first digest message in flight")
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=15)
    parts = digest_rows(db)
    assert parts >= 2 and telegram.sent("@alqst_en") == []

    second = start_service(config)
    try:
        wait_for(lambda: digest_rows(db, "status = 'sent'") == parts, timeout=60,
                 what="every digest message sent")
    finally:
        second.send_signal(signal.SIGTERM)
        output, _ = second.communicate(timeout=15)
    assert second.returncode == 0, output
    sent = [m.text for m in telegram.sent("@alqst_en")]
    assert [text.split("\n")[0] for text in sent] == [
        f"ALQST (test) — digest ({i}/{parts})" for i in range(1, parts + 1)]
    everything = "\n".join(sent)
    for title in titles:
        assert everything.count(title.strip()) == 1, title
    assert "was interrupted mid-call" in output  # the in-doubt message, resent once

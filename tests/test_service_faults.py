"""The service on a bad day: Telegram down or refusing the token at start, the database on a
full disk, the database file deleted under the running process."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from bot.app import make_delivery
from bot.config import Config
from bot.demo import demo_config
from bot.sender import TelegramSender
from bot.service import Service
from feeds.replica import ReplicaSite
from tests.conftest import TEST_TOKEN as TOKEN
from tests.fakes.telegram import FakeTelegram
from tests.pg_cluster import PostgresCluster
from tests.test_service import free_port, runs_finished, start_service, wait_for, write_config

CHATS = ["@alqst_en", "@alqst_ar", "@operator"]


def test_run_starts_without_telegram_and_posts_everything_once_it_answers(
        tmp_path: Path, site: ReplicaSite) -> None:
    telegram_port, port = free_port(), free_port()
    config = write_config(tmp_path, site, f"http://127.0.0.1:{telegram_port}", port)
    db = tmp_path / "data" / "feedbot.sqlite"
    process = start_service(config)
    fake = FakeTelegram(TOKEN, chats=CHATS)
    try:
        wait_for(lambda: runs_finished(db) >= 1, what="a run without Telegram")
        health = httpx.get(f"http://127.0.0.1:{port}/healthz")
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        assert "telegram" in str(health.json()["problems"])
        site.publish(lang="en", title="Activist freed", paragraphs=["An activist was freed."])
        site.publish(lang="ar", title="الإفراج عن ناشط",
                     paragraphs=["أفرجت السلطات عن ناشط حقوقي بعد سنوات من الاعتقال."])
        done = runs_finished(db)
        wait_for(lambda: runs_finished(db) >= done + 2, what="passes storing both")
        wait_for(lambda: "Activist freed" in httpx.get(f"http://127.0.0.1:{port}/en/rss.xml").text,
                 what="the article in the feed")
        fake.start(telegram_port)  # Telegram comes up
        wait_for(lambda: fake.sent("@alqst_en") and fake.sent("@alqst_ar"), timeout=40,
                 what="both posts once Telegram answers")
        wait_for(lambda: httpx.get(f"http://127.0.0.1:{port}/healthz").json()["status"]
                 == "ok", what="healthy again")
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
        fake.stop()
    assert process.returncode == 0, output
    assert [len(fake.sent(c)) for c in ("@alqst_en", "@alqst_ar")] == [1, 1]
    assert "not reachable at start" in output and "Traceback" not in output


def test_run_exits_2_naming_the_variable_when_telegram_refuses_the_token(
        tmp_path: Path, site: ReplicaSite) -> None:
    with FakeTelegram("999:another-bots-token", chats=CHATS) as fake:
        config = write_config(tmp_path, site, fake.url, free_port())
        process = start_service(config)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    [line] = output.strip().splitlines()
    assert "telegram.token_env" in line and "TEST_FEEDBOT_TOKEN" in line and "401" in line
    assert TOKEN not in output
    assert runs_finished(tmp_path / "data" / "feedbot.sqlite") == 0


def test_a_deleted_database_stops_the_service_with_one_clear_line(
        tmp_path: Path, site: ReplicaSite) -> None:
    with FakeTelegram(TOKEN, chats=CHATS) as fake:
        config = write_config(tmp_path, site, fake.url, free_port(), schedule="every 1s")
        db = tmp_path / "data" / "feedbot.sqlite"
        process = start_service(config)
        try:
            wait_for(lambda: runs_finished(db) >= 1, what="a run")
            for leftover in db.parent.glob("feedbot.sqlite*"):
                if not leftover.name.endswith(".lock"):
                    leftover.unlink()
            output, _ = process.communicate(timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 1
    assert f"the database file {db} was deleted while feedbot was running" in output
    assert "Traceback" not in output
    assert not db.exists()  # it did not quietly start a new, empty database


def test_a_new_database_beside_published_feeds_warns_the_operator(
        config: Config, telegram: FakeTelegram) -> None:
    Service(config, {config.telegram.token_env: TOKEN})  # publishes nothing yet
    (config.feeds.output_dir / "en").mkdir(parents=True)
    (config.feeds.output_dir / "en" / "rss.xml").write_text("<rss/>")
    config.database_file.unlink()
    service = Service(config, {config.telegram.token_env: TOKEN})
    [problem] = service.parts.alerts.open_problems("database:")
    assert "new, empty database" in problem.text and "deleted or moved" in problem.text


# ---- a full disk, in process (SQLite's own "database or disk is full") ------------------


class Clock:
    def __init__(self) -> None:
        self.t = datetime.now(UTC)

    def now(self) -> datetime:
        return self.t


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN, chats=["@alqst", "@operator"]) as fake:
        yield fake


@pytest.fixture
def config(site: ReplicaSite, telegram: FakeTelegram, tmp_path: Path) -> Config:
    config = demo_config(site.base_url, tmp_path, channel="@alqst", api_base_url=telegram.url)
    return dataclasses.replace(
        config, fetch=dataclasses.replace(config.fetch, retries=0, timeout_seconds=3),
        telegram=dataclasses.replace(config.telegram, operator_chat="@operator",
                                     per_chat_per_minute=6000, overall_per_second=1000))


def fill_the_disk(service: Service) -> Any:
    """Cap the database at its current size: every write that needs a page fails with
    SQLITE_FULL, exactly as on a full disk."""
    def cap(dbapi_conn: Any, _record: Any) -> None:
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    service.parts.engine.dispose()
    event.listen(service.parts.engine, "connect", cap)
    return cap


def test_a_full_disk_is_one_line_per_attempt_one_alert_and_a_recovery_notice(
        config: Config, site: ReplicaSite, telegram: FakeTelegram,
        caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    service = Service(config, {config.telegram.token_env: TOKEN}, now=clock.now)

    async def scenario() -> None:
        await service.run_source(config.sources[0])  # baseline
        cap = fill_the_disk(service)
        for n in range(40):  # a burst that needs new pages
            site.publish(lang="en", title=f"Detainee {n} sentenced",
                         paragraphs=[f"A court sentenced detainee {n}. " * 40])
        caplog.clear()
        attempts = 0
        for _ in range(12):  # a run every 10 s for two minutes
            await service.run_source(config.sources[0])
            clock.t += timedelta(seconds=10)
        attempts = len([r for r in caplog.records if r.name == "bot.storage_guard"
                        and r.levelno == logging.ERROR])
        assert 2 <= attempts <= 4  # backoff: 30 s, 60 s, ... not one per tick
        assert not any(r.exc_info for r in caplog.records)  # no traceback
        assert all("disk is full" in r.getMessage() for r in caplog.records
                   if r.name == "bot.storage_guard" and r.levelno == logging.ERROR)
        assert "storage: the disk is full (database or disk is full)" in \
            service.health()[1]["problems"]
        event.remove(service.parts.engine, "connect", cap)
        service.parts.engine.dispose()
        clock.t += timedelta(minutes=30)
        await service.run_source(config.sources[0])
        await service.run_source(config.sources[0])  # the rest of the burst (max_new_per_pass)
        async with TelegramSender(TOKEN, config.telegram.api_base_url) as sender:
            await make_delivery(service.parts, sender, clock.now).drain()

    asyncio.run(scenario())
    operator = [m.text for m in telegram.sent("@operator")]
    assert len([t for t in operator if "cannot write its database" in t]) == 1
    assert len([t for t in operator if "can write its database again" in t]) == 1
    posted = [m.text for m in telegram.sent("@alqst")]
    # The flood guard posts the 10 newest of each pass (two passes) and holds the rest.
    assert len(posted) == 20 and len(set(posted)) == 20
    with sqlite3.connect(config.database_file) as conn:
        queued = conn.execute("select count(*) from outbox where action = 'send' and "
                              "article_key like '%detainee-%' and (status in ('pending', "
                              "'sent') or hold_reason = 'flood')").fetchone()[0]
    assert queued == 40  # nothing lost: posted or held by the flood guard


def test_sigkill_during_a_429_wait_then_restart_sends_nothing_before_it_ends(
        tmp_path: Path, site: ReplicaSite) -> None:
    retry_after = 4
    with FakeTelegram(TOKEN, chats=CHATS) as fake:
        config = write_config(tmp_path, site, fake.url, free_port(), schedule="every 1s")
        db = tmp_path / "data" / "feedbot.sqlite"
        process = start_service(config)
        try:
            wait_for(lambda: runs_finished(db) >= 1, what="the baseline run")
            fake.fail_next("sendMessage", status=429, retry_after=retry_after)
            site.publish(lang="en", title="Refused once", paragraphs=["A detainee was freed."])
            wait_for(lambda: [c for c in fake.calls_to("sendMessage") if c.status == 429],
                     what="the 429")
            [refused] = [c for c in fake.calls_to("sendMessage") if c.status == 429]
            process.kill()  # SIGKILL while it waits out retry_after
            process.communicate()
            site.publish(lang="en", title="Queued meanwhile", paragraphs=["A trial began."])
            process = start_service(config)
            wait_for(lambda: len(fake.sent("@alqst_en")) == 2, what="both posts")
        finally:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=15)
    sends = [c for c in fake.calls_to("sendMessage", ok=True) if c.chat == "@alqst_en"]
    assert all(c.at >= refused.at + retry_after for c in sends), \
        [round(c.at - refused.at, 2) for c in sends]
    assert sorted(m.text.split("\n")[0] for m in fake.sent("@alqst_en")) == [
        "Queued meanwhile", "Refused once"]


def test_an_unreachable_postgresql_is_a_storage_fault_named_without_its_password(
        pg_cluster: PostgresCluster) -> None:
    from sqlalchemy.exc import OperationalError

    from bot.storage_guard import StorageGuard, storage_reason
    from feeds.database import create_database_engine

    url = f"postgresql+psycopg://feedbot:s3cret-pw@127.0.0.1:{free_port()}/feedbot"
    engine = create_database_engine(url)
    try:
        with pytest.raises(OperationalError) as info:
            engine.connect()
    finally:
        engine.dispose()
    reason = storage_reason(info.value)
    assert reason is not None and reason.startswith("the database server cannot be reached")
    assert StorageGuard(None, "postgresql+psycopg://feedbot:***@db/feedbot").file_lost() is None

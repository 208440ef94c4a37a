"""One getUpdates consumer per bot token: of several `feedbot run` processes on one
PostgreSQL database only the holder of the polling lease polls (the fake Bot API answers
409 Conflict when two poll at once, as Telegram does), a SIGKILLed holder's polling is
taken over, and a poller outside our database (409) is one log line and a pause."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from bot.config import PrivateChats
from bot.demo import demo_config
from bot.leases import Leases
from bot.poll_lease import POLL_LEASE, PollLease
from bot.service import Service
from feeds.replica import ReplicaSite
from feeds.store import open_engine
from tests.conftest import TEST_TOKEN as TOKEN
from tests.fakes.telegram import FakeTelegram
from tests.test_instances import start
from tests.test_service import free_port, wait_for

EN, AR = "@alqst_en", "@alqst_ar"
USER = 2001


@pytest.fixture
def site() -> Iterator[ReplicaSite]:
    with ReplicaSite() as replica:
        yield replica


def write_config(workdir: Path, site: ReplicaSite, telegram_url: str) -> Path:
    workdir.mkdir()
    path = workdir / "config.toml"
    path.write_text(f"""
timezone = "UTC"
lease_seconds = 4
[fetch]
per_host_delay_seconds = 0
retries = 1
[[sources]]
name = "site"
url = "{site.base_url}/"
schedule = "every 30s"
[sources.listings]
en = "{site.listing_url("en")}"
ar = "{site.listing_url("ar")}"
[feeds]
output_dir = "public"
base_url = "https://feeds.example/"
listen = "127.0.0.1:{free_port()}"
[telegram]
token_env = "TEST_FEEDBOT_TOKEN"
api_base_url = "{telegram_url}"
[telegram.channels]
en = "{EN}"
ar = "{AR}"
[telegram.private]
enabled = true
poll_timeout = 2
""")
    return path


def test_two_instances_poll_through_one_and_the_survivor_takes_over_after_a_kill(
        tmp_path: Path, site: ReplicaSite, postgres_url: str) -> None:
    engine = create_engine(postgres_url)

    def poller() -> str | None:
        try:
            with engine.connect() as conn:
                return conn.execute(text("select holder from source_leases where source = "
                                         ":name"), {"name": POLL_LEASE}).scalar_one_or_none()
        except Exception:  # the tables are not made yet
            return None

    def answers() -> int:
        return len(fake.sent(str(USER)))

    with FakeTelegram(TOKEN, chats=[EN, AR]) as fake:
        fake.add_user(USER)
        first = start(write_config(tmp_path / "a", site, fake.url), postgres_url)
        second = start(write_config(tmp_path / "b", site, fake.url), postgres_url)
        processes = [first, second]
        try:
            wait_for(lambda: len(fake.calls_to("getMe")) >= 4 and fake.calls_to("getUpdates"),
                     timeout=40, what="both instances up, one polling")
            # Both running for a few long polls: a second consumer would have met 409s.
            time.sleep(6)
            fake.user_says(USER, "/start en")
            wait_for(lambda: answers() >= 1, what="the answer to /start")
            time.sleep(2)
            assert answers() == 1
            assert fake.conflicts == 0
            holder = poller()
            assert holder is not None
            victim = first if f":{first.pid}:" in str(holder) else second
            survivor = second if victim is first else first
            victim.kill()  # SIGKILL: no clean release; same host, so its lease is dead at once
            victim.communicate()
            wait_for(lambda: f":{survivor.pid}:" in str(poller()), timeout=20,
                     what="the survivor polling")
            fake.user_says(USER, "/start ar")
            wait_for(lambda: answers() >= 2, timeout=20, what="the survivor's answer")
            time.sleep(2)
            assert answers() == 2
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    process.communicate(timeout=30)
            engine.dispose()
    # A clean stop gives the polling lease back at once.
    check = create_engine(postgres_url)
    try:
        with check.connect() as conn:
            assert conn.execute(text("select count(*) from source_leases where source = :n"),
                                {"n": POLL_LEASE}).scalar_one() == 0
    finally:
        check.dispose()


class RoguePoller:
    """Another bot process with the same token, outside our database: it long-polls."""

    def __init__(self, url: str) -> None:
        self.url = f"{url}/bot{TOKEN}/getUpdates"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self.stop.is_set():
                client.post(self.url, json={"timeout": 1})

    def __enter__(self) -> RoguePoller:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)


def test_a_conflict_with_a_poller_outside_the_database_is_one_log_line_and_a_pause(
        site: ReplicaSite, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with FakeTelegram(TOKEN, chats=[EN, AR]) as fake:
        fake.add_user(USER)
        config = demo_config(site.base_url, tmp_path, api_base_url=fake.url)
        config = dataclasses.replace(config, telegram=dataclasses.replace(
            config.telegram, private=PrivateChats(enabled=True, poll_timeout=1)))
        service = Service(config, {config.telegram.token_env: TOKEN})

        async def scenario() -> int:
            stop = asyncio.Event()
            running = asyncio.create_task(service.run(stop))
            with RoguePoller(fake.url):
                deadline = time.monotonic() + 30
                while "409 Conflict" not in caplog.text:
                    assert time.monotonic() < deadline, "no conflict seen"
                    await asyncio.sleep(0.1)
                await asyncio.sleep(8)  # several of the rogue's polls and our retries
                assert not running.done()  # no crash
            # The other process gone, the bot answers again after its pause.
            fake.user_says(USER, "/start en")
            deadline = time.monotonic() + 40
            while not fake.sent(str(USER)):
                assert time.monotonic() < deadline, "no answer after the conflict"
                await asyncio.sleep(0.1)
            stop.set()
            return await asyncio.wait_for(running, 30)

        with caplog.at_level(logging.DEBUG):
            assert asyncio.run(scenario()) == 0
    warnings = [r for r in caplog.records if "409 Conflict" in r.getMessage()
                and r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert not [r for r in caplog.records if r.exc_info and "polling" in r.getMessage()]
    assert TOKEN not in caplog.text


def test_the_polling_lease_is_held_by_one_renewed_and_taken_over_once_expired(
        backend: str) -> None:
    """Instances of other hosts (only the expiry tells they are gone), on SQLite and
    PostgreSQL; the source leases of the same table are left alone."""
    engine = open_engine(backend)
    now = [datetime(2026, 12, 5, 1, 0, tzinfo=UTC)]
    ttl = timedelta(seconds=60)
    a, b = (PollLease(engine, f"{n}.example:100:{n}", ttl=ttl, now=lambda: now[0])
            for n in "ab")
    sources = Leases(engine, "a.example:100:a", ttl=ttl, now=lambda: now[0])
    try:
        assert sources.beat(["alqst"]).taken == ["alqst"]
        assert (a.keep(), b.keep()) == (True, False)
        for _ in range(8):  # renewed on every tick: never free for b
            now[0] += ttl / 4
            assert (a.keep(), b.keep()) == (True, False)
        assert sources.beat(["alqst"]).taken == []  # not counted as a source
        now[0] += ttl + timedelta(seconds=1)  # a stopped renewing (killed on another host)
        assert b.keep() is True
        assert a.keep() is False and not a.holds()  # a's comeback finds it taken
        assert b.holder() == b.me
        b.release()
        assert a.keep() is True
    finally:
        engine.dispose()

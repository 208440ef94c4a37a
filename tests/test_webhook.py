"""The webhook (`[telegram.private] mode = "webhook"`), as Telegram and a stranger meet it:
the service sets the webhook at start, the fake Bot API POSTs a user's update to the feed
server's secret path with the secret_token header, and the bot answers; a POST without
the right secret is refused and changes nothing; the secrets never reach the log; and a
service back in polling mode deletes the webhook and polls again."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from bot.config import Config, ConfigError, PrivateChats, parse_config
from bot.demo import demo_config
from bot.service import Service
from bot.webhook import webhook_secrets
from feeds.replica import ReplicaSite
from feeds.serve import MAX_POST_BYTES
from tests.conftest import TEST_TOKEN as TOKEN
from tests.fakes.telegram import FakeTelegram
from tests.test_service import free_port

USER, STRANGER = 3001, 3002


@pytest.fixture
def site() -> Iterator[ReplicaSite]:
    with ReplicaSite() as replica:
        yield replica


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN, chats=["@alqst_ar", "@alqst_en"]) as fake:
        fake.add_user(USER)
        fake.add_user(STRANGER)
        yield fake


def make_config(site: ReplicaSite, telegram: FakeTelegram, tmp_path: Path, mode: str) -> Config:
    config = demo_config(site.base_url, tmp_path, api_base_url=telegram.url)
    port = free_port()
    return dataclasses.replace(
        config,
        feeds=dataclasses.replace(config.feeds, listen_port=port,
                                  base_url=f"http://127.0.0.1:{port}/"),
        telegram=dataclasses.replace(config.telegram, private=PrivateChats(
            enabled=True, poll_timeout=1, mode=mode)))


async def oversized_post_status(url: str, token: str) -> int:
    """The status a POST declaring a body over the cap gets, asked over a raw connection
    that sends the headers only: the server must refuse on the declared length, unread (a
    client still writing the body could see the connection reset instead of the answer)."""
    parts = httpx.URL(url)
    reader, writer = await asyncio.open_connection(parts.host, parts.port)
    try:
        writer.write((f"POST {parts.raw_path.decode()} HTTP/1.1\r\nHost: {parts.host}\r\n"
                      f"X-Telegram-Bot-Api-Secret-Token: {token}\r\n"
                      "Content-Type: application/json\r\n"
                      f"Content-Length: {MAX_POST_BYTES + 1}\r\n\r\n").encode())
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=10)
        return int(status_line.split()[1])
    finally:
        writer.close()


def run_service(config: Config, scenario: Callable[[Service], Awaitable[None]]) -> int:
    async def main() -> int:
        service = Service(config, {config.telegram.token_env: TOKEN})
        stop = asyncio.Event()
        running = asyncio.create_task(service.run(stop))
        try:
            await scenario(service)
        finally:
            stop.set()
        return await asyncio.wait_for(running, 30)

    return asyncio.run(main())


async def until(condition: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def followers_rows(config: Config) -> list[tuple[object, ...]]:
    assert config.database_file is not None
    with sqlite3.connect(config.database_file) as conn:
        return conn.execute("select * from followers").fetchall()


def test_an_update_delivered_by_webhook_is_answered_and_a_forged_one_is_refused(
        site: ReplicaSite, telegram: FakeTelegram, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    config = make_config(site, telegram, tmp_path, "webhook")
    secrets = webhook_secrets(TOKEN)
    url = secrets.url(config.feeds.base_url)
    forged = {"update_id": 999, "message": {
        "message_id": 1, "date": 0, "text": "/start ar",
        "chat": {"id": STRANGER, "type": "private"},
        "from": {"id": STRANGER, "is_bot": False, "first_name": "x"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}

    async def scenario(service: Service) -> None:
        await until(lambda: telegram.webhook is not None)
        assert telegram.webhook == {"url": url, "secret_token": secrets.token}
        assert url.startswith(config.feeds.base_url + "telegram/")
        telegram.user_says(USER, "/start en")
        await until(lambda: telegram.sent(str(USER)))
        async with httpx.AsyncClient() as client:
            refused = [
                (await client.post(url, json=forged)).status_code,
                (await client.post(url, json=forged, headers={
                    "X-Telegram-Bot-Api-Secret-Token": "guess"})).status_code,
                (await client.post(config.feeds.base_url + "telegram/guess", json=forged,
                                   headers={"X-Telegram-Bot-Api-Secret-Token":
                                            secrets.token})).status_code,
                await oversized_post_status(url, secrets.token),
            ]
        assert refused == [403, 403, 405, 413]
        await asyncio.sleep(1)  # an answer, had one been made, would be out by now

    with caplog.at_level(logging.DEBUG):
        assert run_service(config, scenario) == 0
    assert telegram.webhook_answers == [200]
    assert telegram.sent(str(USER))[0].text.startswith("Welcome")
    assert telegram.sent(str(STRANGER)) == []
    # The forged /start stored nothing: only the real user chose a language.
    assert [row[0] for row in followers_rows(config)] == [USER]
    assert not telegram.calls_to("getUpdates")
    for secret in (secrets.path, secrets.token, TOKEN):
        assert secret not in caplog.text


def test_back_in_polling_mode_the_webhook_is_deleted_and_updates_are_polled(
        site: ReplicaSite, telegram: FakeTelegram, tmp_path: Path) -> None:
    async def set_up(service: Service) -> None:
        await until(lambda: telegram.webhook is not None)

    assert run_service(make_config(site, telegram, tmp_path / "a", "webhook"), set_up) == 0
    assert telegram.webhook is not None  # kept while stopped: Telegram holds the updates

    async def polled(service: Service) -> None:
        await until(lambda: telegram.webhook is None)
        telegram.user_says(USER, "/start en")
        await until(lambda: telegram.sent(str(USER)))

    assert run_service(make_config(site, telegram, tmp_path / "b", "polling"), polled) == 0
    assert telegram.sent(str(USER))[0].text.startswith("Welcome")
    assert telegram.calls_to("deleteWebhook", ok=True)


def test_a_webhook_update_is_taken_as_json_only(site: ReplicaSite, telegram: FakeTelegram,
                                                tmp_path: Path) -> None:
    config = make_config(site, telegram, tmp_path, "webhook")
    secrets = webhook_secrets(TOKEN)
    header = {"X-Telegram-Bot-Api-Secret-Token": secrets.token}

    async def scenario(service: Service) -> None:
        await until(lambda: telegram.webhook is not None)
        async with httpx.AsyncClient() as client:
            url = secrets.url(config.feeds.base_url)
            assert (await client.post(url, content=b"{not json", headers=header)
                    ).status_code == 400
            assert (await client.post(url, content=json.dumps([1]), headers=header)
                    ).status_code == 400
            # An update the library cannot read is dropped (400), not retried forever.
            assert (await client.post(url, json={"update_id": 7, "message": "x"},
                                      headers=header)).status_code == 400

    assert run_service(config, scenario) == 0
    assert followers_rows(config) == []


def test_an_unknown_mode_is_a_one_line_config_error(tmp_path: Path) -> None:
    data = {"sources": [{"name": "alqst", "url": "https://alqst.org/",
                         "listings": {"en": "https://alqst.org/en/posts"}}],
            "feeds": {"base_url": "https://feeds.example/"},
            "telegram": {"channels": {"en": "@alqst_en"},
                         "private": {"enabled": True, "mode": "hook"}}}
    with pytest.raises(ConfigError) as caught:
        parse_config(data, tmp_path)
    assert str(caught.value) == \
        'telegram.private.mode: expected "polling" or "webhook", got \'hook\''

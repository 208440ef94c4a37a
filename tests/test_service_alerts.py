"""Operator alerts from the service: once per problem, once on recovery, never once per run."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import make_delivery
from bot.config import Config
from bot.demo import demo_config
from bot.sender import TelegramSender
from bot.service import FAILURES_BEFORE_ALERT, Service
from feeds.replica import ReplicaSite
from tests.conftest import TEST_TOKEN as TOKEN
from tests.fakes.telegram import FakeTelegram


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN, chats=["@alqst", "@operator"]) as fake:
        yield fake


@pytest.fixture
def config(site: ReplicaSite, telegram: FakeTelegram, tmp_path: Path) -> Config:
    config = demo_config(site.base_url, tmp_path, channel="@alqst", api_base_url=telegram.url)
    return dataclasses.replace(
        config,
        fetch=dataclasses.replace(config.fetch, retries=0, timeout_seconds=3),
        telegram=dataclasses.replace(config.telegram, operator_chat="@operator",
                                     per_chat_per_minute=6000, overall_per_second=1000),
    )


async def run_and_deliver(service: Service, config: Config) -> None:
    await service.run_source(config.sources[0])
    async with TelegramSender(TOKEN, config.telegram.api_base_url) as sender:
        await make_delivery(service.parts, sender).drain()


def operator_messages(telegram: FakeTelegram) -> list[str]:
    return [m.text for m in telegram.sent("@operator")]


def test_a_failing_source_alerts_once_and_once_more_on_recovery(
        config: Config, site: ReplicaSite, telegram: FakeTelegram) -> None:
    service = Service(config, {config.telegram.token_env: TOKEN})

    async def scenario() -> None:
        await run_and_deliver(service, config)  # baseline
        site.set_fault("/en/posts", "500")
        site.set_fault("/ar/posts", "500")
        for _ in range(FAILURES_BEFORE_ALERT + 3):
            await run_and_deliver(service, config)
        assert len(operator_messages(telegram)) == 1
        assert "runs in a row failed" in operator_messages(telegram)[0]
        healthy, body = service.health()
        assert not healthy and "alqst" in str(body["problems"])
        site.set_fault("/en/posts", None)
        site.set_fault("/ar/posts", None)
        await run_and_deliver(service, config)
        await run_and_deliver(service, config)

    asyncio.run(scenario())
    messages = operator_messages(telegram)
    assert len(messages) == 2, messages
    assert "succeed again" in messages[1]
    assert service.health()[0] is False  # the scheduler is not running in this test
    assert service.health()[1]["problems"] == ["scheduler is not running"]


def test_a_listing_that_empties_alerts_the_operator_as_a_probable_redesign(
        config: Config, site: ReplicaSite, telegram: FakeTelegram) -> None:
    service = Service(config, {config.telegram.token_env: TOKEN})

    async def scenario() -> None:
        await run_and_deliver(service, config)
        site.set_fault("/en/posts", "empty-listing")
        await run_and_deliver(service, config)
        await run_and_deliver(service, config)

    asyncio.run(scenario())
    messages = operator_messages(telegram)
    assert len(messages) == 1
    assert "redesign" in messages[0]
    assert service.parts.store.count() > 0

"""The bot in private chats, as its users see it: the real python-telegram-bot polling the
fake Bot API over HTTP, the replica site publishing, a real SQLite file.

Followers choose a language, follow names, and get one alert for a new article that
mentions a name they follow (diacritics or not), none for others; /stop leaves nothing
in the database; a user who blocked the bot is forgotten, not retried; commands in groups
and channels are ignored; the limits answer politely."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import make_delivery
from bot.compose import compose_post
from bot.config import Config, PrivateChats
from bot.delivery import Delivery
from bot.demo import demo_config
from bot.private_chat import PrivateChat
from bot.private_texts import CHOOSE, TEXTS
from bot.sender import TelegramSender
from bot.service import Service
from feeds.replica import ReplicaSite
from tests.conftest import TEST_TOKEN as TOKEN
from tests.fakes.telegram import FakeTelegram, Message

LOUJAIN_AR = 1001  # follows لجين الهذلول, in Arabic
SALMA_EN = 1002  # follows Salma al-Shehab, in English
JEAN_AR = 1003  # follows جين: a name inside لجين, which must not match
# Articles the length of real ones: the extractor reads pages with bodies under 80
# characters with trafilatura, which takes in the "related posts" teasers too.
AR_FILLER = ("تواصل القسط رصد أوضاع حقوق الإنسان في المملكة العربية السعودية وتوثيق "
             "الانتهاكات التي يتعرض لها المدافعون عن حقوق الإنسان وذووهم.")
EN_FILLER = ("ALQST continues to monitor the human rights situation in Saudi Arabia and to "
             "document the violations suffered by human rights defenders and their families.")


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN, chats=["@alqst_ar", "@alqst_en"]) as fake:
        fake.add_chat("-1001234", kind="group")
        fake.add_chat("@other_channel")
        for user in (LOUJAIN_AR, SALMA_EN, JEAN_AR):
            fake.add_user(user)
        yield fake


def private_config(site: ReplicaSite, telegram: FakeTelegram, tmp_path: Path,
                   **private: int) -> Config:
    config = demo_config(site.base_url, tmp_path, api_base_url=telegram.url)
    settings = PrivateChats(enabled=True, poll_timeout=1, **private)  # type: ignore[arg-type]
    return dataclasses.replace(
        config, fetch=dataclasses.replace(config.fetch, retries=0, timeout_seconds=3),
        telegram=dataclasses.replace(config.telegram, private=settings))


@pytest.fixture
def config(site: ReplicaSite, telegram: FakeTelegram, tmp_path: Path) -> Config:
    return private_config(site, telegram, tmp_path)


class Harness:
    """The service's parts, its delivery, and the private chats polling the fake."""

    def __init__(self, config: Config, telegram: FakeTelegram) -> None:
        self.config = config
        self.telegram = telegram
        self.service = Service(config, {config.telegram.token_env: TOKEN})
        self.parts = self.service.parts

    async def pass_and_deliver(self) -> None:
        await self.service.run_source(self.config.sources[0])
        await self.delivery.drain()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Harness]:
        async with TelegramSender(TOKEN, self.config.telegram.api_base_url) as sender:
            self.delivery: Delivery = make_delivery(self.parts, sender)
            chats = PrivateChat(self.parts.followers, self.parts.store,
                                self.config.telegram.private, self.delivery.pacer,
                                organisation="ALQST", tz=ZoneInfo(self.config.timezone),
                                source_titles={s.name: s.title for s in self.config.sources})
            chats.build(TOKEN, self.telegram.url)
            stop = asyncio.Event()
            task = asyncio.create_task(chats.run(stop))
            try:
                yield self
            finally:
                stop.set()
                await asyncio.wait_for(task, 10)

    async def say(self, user: int, text: str, answers: int = 1) -> list[Message]:
        """`user` sends `text`; returns the bot's answers once `answers` have come."""
        before = len(self.telegram.sent(str(user)))
        self.telegram.user_says(user, text)
        await until(lambda: len(self.telegram.sent(str(user))) >= before + answers)
        return self.telegram.sent(str(user))[before:]

    async def press(self, user: int, data: str) -> list[Message]:
        before = len(self.telegram.sent(str(user)))
        self.telegram.user_presses(user, data)
        await until(lambda: len(self.telegram.sent(str(user))) > before)
        return self.telegram.sent(str(user))[before:]

    def rows(self) -> dict[str, list[tuple[object, ...]]]:
        """Every row of every table in the database file."""
        assert self.config.database_file is not None
        with sqlite3.connect(self.config.database_file) as conn:
            tables = [r[0] for r in conn.execute(
                "select name from sqlite_master where type = 'table'")]
            return {t: conn.execute(f'select * from "{t}"').fetchall() for t in tables}


async def until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting for the bot")
        await asyncio.sleep(0.05)


def test_followers_get_one_alert_for_the_name_they_follow_and_none_for_others(
        config: Config, site: ReplicaSite, telegram: FakeTelegram) -> None:
    bot = Harness(config, telegram)

    async def scenario() -> None:
        async with bot.running():
            await bot.pass_and_deliver()  # the first pass: the site as it is, no alerts
            choice = await bot.say(LOUJAIN_AR, "/start")
            assert choice[0].text == CHOOSE
            assert [b["callback_data"] for b in choice[0].reply_markup["inline_keyboard"][0]
                    ] == ["lang:ar", "lang:en"]  # type: ignore[index]
            welcome = await bot.press(LOUJAIN_AR, "lang:ar")
            assert welcome[0].text.startswith("أهلاً بك")
            answer = await bot.say(LOUJAIN_AR, "/follow لجين الهذلول")
            assert answer[0].text == TEXTS["ar"]["followed"].format(names="لجين الهذلول")
            await bot.say(SALMA_EN, "/start en")
            answer = await bot.say(SALMA_EN, "/follow Salma al-Shehab")
            assert "Salma al-Shehab" in answer[0].text
            await bot.say(JEAN_AR, "/start ar")
            await bot.say(JEAN_AR, "/follow جين")
            sent_before = {u: len(telegram.sent(str(u))) for u in (LOUJAIN_AR, SALMA_EN,
                                                                   JEAN_AR)}

            loujain = site.publish(lang="ar", title="تجديد المطالبة بالعدالة",
                                   paragraphs=[AR_FILLER, "قالت القسط إن لُجين الهذلول ما "
                                               "زالت ممنوعة من السفر منذ الإفراج عنها."])
            site.publish(lang="ar", title="حملة من أجل محمد الغامدي",
                         paragraphs=[AR_FILLER, "يقضي محمد الغامدي حكماً بالسجن بسبب "
                                     "تغريدات، وتطالب القسط بالإفراج عنه."])
            salma = site.publish(lang="en", title="Travel ban must end",
                                 paragraphs=[EN_FILLER, "ALQST calls for Salma al-Shehab's "
                                             "travel ban to be lifted."])
            site.publish(lang="en", title="Another case",
                         paragraphs=[EN_FILLER, "Mohammed al-Ghamdi remains in prison "
                                     "for his tweets."])
            await bot.pass_and_deliver()
            await bot.pass_and_deliver()  # nothing new: nothing is sent twice

        alerts = {u: telegram.sent(str(u))[sent_before[u]:] for u in sent_before}
        # The channel's post, under a line naming what the follower follows.
        assert [m.text.splitlines()[:3] for m in alerts[LOUJAIN_AR]] == [
            ["🔔 لجين الهذلول", "", loujain.title]]
        assert loujain.url in alerts[LOUJAIN_AR][0].html
        assert [m.text.splitlines()[:3] for m in alerts[SALMA_EN]] == [
            ["🔔 Salma al-Shehab", "", salma.title]]
        assert alerts[JEAN_AR] == []  # "جين" is inside "لجين", not a name of its own
        # The channels got all four, as before.
        assert len(telegram.sent("@alqst_ar")) == 2 and len(telegram.sent("@alqst_en")) == 2

    asyncio.run(scenario())


def test_stop_leaves_nothing_about_the_chat_in_the_database(
        config: Config, site: ReplicaSite, telegram: FakeTelegram) -> None:
    bot = Harness(config, telegram)

    async def scenario() -> None:
        async with bot.running():
            await bot.pass_and_deliver()
            await bot.say(LOUJAIN_AR, "/start ar")
            await bot.say(LOUJAIN_AR, "/follow لجين الهذلول، سلمى الشهاب")
            site.publish(lang="ar", title="لجين الهذلول", paragraphs=[AR_FILLER])
            await bot.pass_and_deliver()  # one alert sent (a row in the outbox)
            site.publish(lang="ar", title="سلمى الشهاب", paragraphs=[AR_FILLER])
            await bot.service.run_source(config.sources[0])  # one alert queued, not sent
            assert any(str(LOUJAIN_AR) in map(str, row) for row in bot.rows()["outbox"])
            # What a 429 in that chat leaves behind, kept for restarts.
            bot.parts.outbox.wait_chat(str(LOUJAIN_AR), datetime.now(UTC), "retry after 1")
            answer = await bot.say(LOUJAIN_AR, "/stop")
            assert answer[0].text == TEXTS["ar"]["stopped"]
            await bot.delivery.drain()

        for table, rows in bot.rows().items():
            for row in rows:
                assert str(LOUJAIN_AR) not in map(str, row), (table, row)
        assert bot.rows()["followers"] == [] and bot.rows()["followed"] == []
        assert len(telegram.sent(str(LOUJAIN_AR))) == 4  # start, follow, alert, stop

    asyncio.run(scenario())


def test_a_user_who_blocked_the_bot_is_removed_and_not_retried(
        config: Config, site: ReplicaSite, telegram: FakeTelegram) -> None:
    bot = Harness(config, telegram)

    async def scenario() -> list[Message]:
        async with bot.running():
            await bot.pass_and_deliver()
            await bot.say(SALMA_EN, "/start en")
            await bot.say(SALMA_EN, "/follow Salma al-Shehab")
            await bot.say(LOUJAIN_AR, "/start en")
            await bot.say(LOUJAIN_AR, "/follow Salma al-Shehab")
            telegram.block(SALMA_EN)
            site.publish(lang="en", title="Salma al-Shehab", paragraphs=[EN_FILLER])
            await bot.pass_and_deliver()
            site.publish(lang="en", title="Salma al-Shehab again", paragraphs=[EN_FILLER])
            await bot.pass_and_deliver()

        refused = [c for c in telegram.calls_to("sendMessage") if c.chat == str(SALMA_EN)
                   and c.status == 403]
        assert len(refused) == 1  # the first alert; the second was never queued for her
        assert bot.parts.followers.language(SALMA_EN) is None
        assert bot.parts.outbox.items(chat=str(SALMA_EN)) == []
        assert len(telegram.sent(str(LOUJAIN_AR))) == 2 + 2  # the other follower: both
        assert telegram.sent("@operator") == [] and not bot.parts.alerts.open_problems("chat:")

    asyncio.run(scenario())


def test_commands_in_groups_and_channels_are_ignored(
        config: Config, site: ReplicaSite, telegram: FakeTelegram) -> None:
    bot = Harness(config, telegram)

    async def scenario() -> None:
        async with bot.running():
            telegram.user_says(SALMA_EN, "/start en", chat="-1001234")
            telegram.user_says(SALMA_EN, "/follow Salma al-Shehab", chat="-1001234")
            telegram.user_says(SALMA_EN, "/follow Salma al-Shehab", chat="@other_channel")
            await bot.say(LOUJAIN_AR, "/start en")  # answered: the others were read first
            await until(lambda: telegram.pending_updates() == 0)

        assert telegram.sent("-1001234") == [] and telegram.sent("@other_channel") == []
        assert bot.parts.followers.export()[0].chat_id == LOUJAIN_AR
        assert bot.parts.followers.count() == 1

    asyncio.run(scenario())


def test_the_limits_answer_politely_in_the_chats_language(
        site: ReplicaSite, telegram: FakeTelegram, tmp_path: Path) -> None:
    config = private_config(site, telegram, tmp_path, max_followed=2, commands_per_minute=5)
    bot = Harness(config, telegram)

    async def scenario() -> None:
        async with bot.running():
            await bot.say(LOUJAIN_AR, "/start ar")
            await bot.say(LOUJAIN_AR, "/follow لجين الهذلول، سلمى الشهاب")
            answer = await bot.say(LOUJAIN_AR, "/follow محمد الغامدي")
            assert answer[0].text == TEXTS["ar"]["too_many"].format(max=2)
            await bot.say(LOUJAIN_AR, "/following")
            await bot.say(LOUJAIN_AR, "/unfollow سلمى الشهاب")  # the fifth in a minute
            answer = await bot.say(LOUJAIN_AR, "/following")
            assert answer[0].text == TEXTS["ar"]["slow_down"]
            telegram.user_says(LOUJAIN_AR, "/following")  # over again: no answer at all
            await bot.say(SALMA_EN, "/start en")  # another chat is answered meanwhile
            await until(lambda: telegram.pending_updates() == 0)
            await asyncio.sleep(0.5)

        assert [m.text for m in telegram.sent(str(LOUJAIN_AR))][-1] == \
            TEXTS["ar"]["slow_down"]
        assert bot.parts.followers.following(LOUJAIN_AR) == ["لجين الهذلول"]

    asyncio.run(scenario())


def test_latest_shows_the_five_newest_articles_of_the_chosen_language(
        config: Config, site: ReplicaSite, telegram: FakeTelegram) -> None:
    bot = Harness(config, telegram)

    async def scenario() -> list[Message]:
        async with bot.running():
            await bot.pass_and_deliver()
            await bot.say(SALMA_EN, "/start en")
            return await bot.say(SALMA_EN, "/latest", answers=5)

    latest = asyncio.run(scenario())
    newest = bot.parts.store.latest(lang="en", limit=5)
    assert len(latest) == 5
    for message, article in zip(latest, reversed(newest), strict=True):
        assert article.title in message.text
    as_in_the_channel = compose_post(
        newest[0], translations=bot.parts.outbox.translations_for(newest[0]),
        source_title=config.sources[0].title, tz=ZoneInfo(config.timezone))
    assert latest[-1].html == as_in_the_channel.text
    shown = [(b["text"], b["url"]) for row in (latest[-1].reply_markup or {}).get(
        "inline_keyboard", []) for b in row]
    assert shown == list(as_in_the_channel.buttons)


def test_the_service_answers_once_telegram_comes_up_after_it_and_stops_cleanly(
        site: ReplicaSite, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:  # a port where no Bot API listens yet
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    late = FakeTelegram(TOKEN)
    config = demo_config(site.base_url, tmp_path, api_base_url=f"http://127.0.0.1:{port}")
    config = dataclasses.replace(config, telegram=dataclasses.replace(
        config.telegram, private=PrivateChats(enabled=True, poll_timeout=1)))
    service = Service(config, {config.telegram.token_env: TOKEN})

    async def scenario() -> int:
        stop = asyncio.Event()
        running = asyncio.create_task(service.run(stop))
        # Up without Telegram, the polling waiting to try again.
        await until(lambda: "private chats: cannot reach Telegram" in caplog.text)
        assert service.scheduler.running
        late.start(port)
        late.add_user(SALMA_EN)
        late.user_says(SALMA_EN, "/start en")
        await until(lambda: bool(late.sent(str(SALMA_EN))), timeout=30)
        stop.set()
        return await asyncio.wait_for(running, 30)

    try:
        with caplog.at_level(logging.DEBUG):
            assert asyncio.run(scenario()) == 0
    finally:
        late.stop()
    assert late.sent(str(SALMA_EN))[0].text.startswith("Welcome")
    assert TOKEN not in caplog.text

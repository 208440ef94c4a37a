"""Many followers of one name: every one gets the alert once, and the fake Bot API, which
enforces an overall rate across chats and one message a second per chat, never answers
429. (bench/followers.py times 1,000 at Telegram's 30 a second; this is 40 at 10.)"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.alerts import Alerts
from bot.config import PrivateChats, TelegramSettings
from bot.delivery import Delivery
from bot.followers import FollowerStore
from bot.intake import Intake
from bot.outbox import Outbox
from bot.sender import TelegramSender
from feeds.models import Article
from feeds.store import ArticleStore, open_engine
from tests.conftest import TEST_TOKEN as TOKEN
from tests.fakes.telegram import FakeTelegram

FOLLOWERS = 40
OVERALL = 10  # a second, across chats: Telegram's 30 scaled down


def test_forty_followers_get_one_alert_each_without_a_single_429(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "feedbot.sqlite")
    people = FollowerStore(engine)
    with FakeTelegram(TOKEN, rate=(1, 1.0), overall=(OVERALL, 1.0)) as fake:
        for user in range(7001, 7001 + FOLLOWERS):
            people.set_language(user, "en")
            people.follow(user, ["Salma al-Shehab"])
            fake.add_user(user)
        fake.add_user(9999)
        people.set_language(9999, "en")
        people.follow(9999, ["Loujain al-Hathloul"])
        settings = TelegramSettings(api_base_url=fake.url, overall_per_second=OVERALL,
                                    private=PrivateChats(enabled=True))
        outbox, alerts = Outbox(engine), Alerts(engine)
        intake = Intake(outbox, settings, alerts=alerts,
                        followers=FollowerStore.chats_mentioned_in)
        url = "https://alqst.org/en/post/salma"
        hook = intake.begin("alqst", "en", first_run=False)
        ArticleStore(engine).upsert(Article(
            key=url, url=url, source="alqst", lang="en", title="Travel ban must end",
            body_html="<p>…</p>", body_text="ALQST calls for SALMA AL-SHEHAB's ban to end.",
            summary="ALQST calls for Salma al-Shehab's travel ban to end.",
            published=datetime.now(UTC)), datetime.now(UTC), on_stored=hook)
        intake.end("alqst", "en")

        async def deliver() -> None:
            async with TelegramSender(TOKEN, fake.url) as sender:
                await Delivery(outbox, sender, settings, alerts).drain()

        asyncio.run(deliver())
        assert fake.rate_limited == 0
        for user in range(7001, 7001 + FOLLOWERS):
            assert [m.text.splitlines()[0] for m in fake.sent(str(user))] == [
                "Travel ban must end"]
        assert fake.sent("9999") == []
    engine.dispose()

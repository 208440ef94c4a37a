"""Benchmark: alerts to many followers of one name, within Telegram's overall rate.

N followers (1,000 by default) follow "لجين الهذلول" in Arabic; one new article mentions
"لُجين الهذلول" (with a diacritic). The article goes through the real intake (matching,
one outbox row per follower) and the real delivery, python-telegram-bot posting over HTTP
to the fake Bot API, which enforces 30 messages per second across chats and 1 per second
per chat with real 429 answers. Prints the alerts sent, the 429s received (must be 0),
the wall time of the drain, and the theoretical minimum N / 30 s.

The followers are written to the database directly: registering them through /start and
/follow would time the answers to 2N commands, not the alerts.

Run: .venv/bin/python bench/followers.py [--followers 1000] [--rate 30]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/telegram.py is named like the library: drop this directory from the path, or
# `import telegram` inside python-telegram-bot's users would import that script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from bot.alerts import Alerts  # noqa: E402
from bot.config import PrivateChats, TelegramSettings  # noqa: E402
from bot.delivery import Delivery  # noqa: E402
from bot.followers import FollowerStore  # noqa: E402
from bot.intake import Intake  # noqa: E402
from bot.outbox import Outbox, Status  # noqa: E402
from bot.sender import TelegramSender  # noqa: E402
from feeds.models import Article  # noqa: E402
from feeds.store import ArticleStore, open_engine  # noqa: E402
from tests.fakes.telegram import FakeTelegram  # noqa: E402

TOKEN = "24680:bench-token"
FIRST_USER = 5_000_000


def article() -> Article:
    url = "https://alqst.org/ar/post/loujain-travel-ban"
    return Article(
        key=url, url=url, source="alqst", lang="ar", title="تجديد المطالبة برفع حظر السفر",
        body_html="<p>…</p>", summary="قالت القسط إن لُجين الهذلول ما زالت ممنوعة من السفر.",
        body_text="قالت القسط إن لُجين الهذلول ما زالت ممنوعة من السفر منذ الإفراج عنها.",
        published=datetime.now(UTC))


async def bench(followers: int, rate: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, \
            FakeTelegram(TOKEN, rate=(1, 1.0), overall=(rate, 1.0)) as fake:
        engine = open_engine(Path(tmp) / "bench.sqlite")
        settings = TelegramSettings(api_base_url=fake.url, overall_per_second=rate,
                                    private=PrivateChats(enabled=True, max_followed=20))
        people = FollowerStore(engine)
        for n in range(followers):
            people.set_language(FIRST_USER + n, "ar")
            people.follow(FIRST_USER + n, ["لجين الهذلول"])
            fake.add_user(FIRST_USER + n)
        outbox = Outbox(engine)
        alerts = Alerts(engine)
        intake = Intake(outbox, settings, alerts=alerts,
                        followers=FollowerStore.chats_mentioned_in)
        started = time.perf_counter()
        hook = intake.begin("alqst", "ar", first_run=False)
        ArticleStore(engine).upsert(article(), datetime.now(UTC), on_stored=hook)
        summary = intake.end("alqst", "ar")
        queued_in = time.perf_counter() - started
        async with TelegramSender(TOKEN, fake.url) as sender:
            delivery = Delivery(  # wired as bot.app.make_delivery wires it
                outbox, sender, settings, alerts,
                on_blocked=lambda chat: people.forget(int(chat)),
                alert_names=lambda chat, found: people.names_in(int(chat), found))
            started = time.perf_counter()
            drained = await delivery.drain()
            seconds = time.perf_counter() - started
        sent = len(outbox.items(status=Status.SENT))
        minimum = followers / rate
        print(f"followers={followers} matched and queued={summary.queued} in "
              f"{queued_in * 1000:.0f} ms")
        print(f"alerts sent={sent} (fake recorded {len(fake.sent())}) 429s={fake.rate_limited} "
              f"(overall {fake.overall_limited}) failed={drained.failed}")
        print(f"drain {seconds:.1f} s; theoretical minimum {minimum:.1f} s ({followers}/{rate}); "
              f"ratio {seconds / minimum:.3f}; {sent / seconds:.1f} alerts/s")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=30, help="overall messages per second")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(bench(args.followers, args.rate))


if __name__ == "__main__":
    main()

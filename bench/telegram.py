"""Benchmark: Telegram delivery against the fake Bot API (real HTTP, real SQLite).

1. Burst: 60 queued posts to one channel, the fake enforcing 20 per window (a minute,
   scaled down to 6 s by default) and the delivery configured for the same rate. Prints
   the wall time against the theoretical minimum, as a ratio, and the 429s received;
   then the same burst with pacing switched off (a bot that relies on 429s alone).
2. Crashes: delivery in a child process, killed with SIGKILL at random moments, 20
   times, then run to completion. Prints posts lost (must be 0) and duplicated.

Run: .venv/bin/python bench/telegram.py [--scale 0.1] [--posts 200] [--restarts 20]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file is named like the library: drop its own directory from the path, or
# `import telegram` inside python-telegram-bot's users would import this script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from bot.alerts import Alerts  # noqa: E402
from bot.config import TelegramSettings  # noqa: E402
from bot.delivery import Delivery  # noqa: E402
from bot.intake import Intake  # noqa: E402
from bot.outbox import Outbox, Status  # noqa: E402
from bot.sender import TelegramSender  # noqa: E402
from feeds.models import Article  # noqa: E402
from feeds.store import ArticleStore, open_engine  # noqa: E402
from tests.fakes.telegram import FakeTelegram  # noqa: E402

TOKEN = "13579:bench-token"
EN, AR = "@bench_en", "@bench_ar"
CRASH_RATE_PER_MINUTE = 1200  # per chat in the crash test: 20 a second


def article(n: int, lang: str) -> Article:
    return Article(
        key=f"https://alqst.org/{lang}/post/{n}", url=f"https://alqst.org/{lang}/post/{n}",
        source="alqst", lang=lang, title=f"Post {n}", body_html="<p>b</p>", body_text="b",
        summary=f"Summary of post {n}. It has two sentences.",
        published=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=n),
    )


def queue_posts(db: Path, settings: TelegramSettings, count: int, langs: list[str]) -> None:
    engine = open_engine(db)
    store, outbox = ArticleStore(engine), Outbox(engine)
    intake = Intake(outbox, settings)
    for lang in langs:
        hook = intake.begin("alqst", lang, first_run=False)
        for n in range(1, count + 1):
            store.upsert(article(n, lang), datetime.now(UTC), on_stored=hook)
        intake.end("alqst", lang)
    engine.dispose()


async def drain(db: Path, url: str, settings: TelegramSettings) -> float:
    engine = open_engine(db)
    outbox = Outbox(engine)
    alerts = Alerts(engine)
    async with TelegramSender(TOKEN, url) as sender:
        started = time.monotonic()
        await Delivery(outbox, sender, settings, alerts).drain()
        elapsed = time.monotonic() - started
    engine.dispose()
    return elapsed


# ---- 1. burst ---------------------------------------------------------------------------


def burst(scale: float, posts: int = 60, per_minute: int = 20, paced: bool = True) -> None:
    window = 60.0 * scale
    rate = per_minute / scale  # per (real) minute, for the delivery's settings
    with tempfile.TemporaryDirectory() as tmp, \
            FakeTelegram(TOKEN, chats=[EN], rate=(per_minute, window)) as fake:
        db = Path(tmp) / "bench.sqlite"
        settings = TelegramSettings(
            channels={"en": EN}, flood_limit=10_000,
            per_chat_per_minute=int(rate) if paced else 1_000_000, overall_per_second=30)
        queue_posts(db, settings, posts, ["en"])
        elapsed = asyncio.run(drain(db, fake.url, settings))
        sent = fake.sent(EN)
        assert len(sent) == posts, f"{len(sent)} of {posts} sent"
        # The duplicate window as measured: from the server handling the request to the
        # bot recording its answer (mark_sent), for every post.
        engine = open_engine(db)
        recorded = {i.message_id: i.sent_at.timestamp()
                    for i in Outbox(engine).items(status=Status.SENT) if i.sent_at}
        engine.dispose()
        windows = sorted((recorded[c.message_id] - c.wall) * 1000
                         for c in fake.calls_to("sendMessage", ok=True)
                         if c.message_id in recorded)
    interval = window / per_minute
    even = (posts - 1) * interval  # evenly spaced, as the delivery does
    windowed = ((posts - 1) // per_minute) * window  # bursts of a full window at once
    label = "paced" if paced else "unpaced (429-driven)"
    print(f"  {label:<22} {posts} posts in {elapsed:6.2f} s | minimum {even:5.2f} s evenly "
          f"spaced: ratio {elapsed / even:4.2f} | minimum {windowed:5.2f} s in bursts: "
          f"ratio {elapsed / windowed:4.2f} | 429s: {fake.rate_limited}")
    if paced:
        print(f"  {'':<22} server accepted -> answer recorded: median "
              f"{windows[len(windows) // 2]:.1f} ms, max {windows[-1]:.1f} ms")


# ---- 2. crashes ---------------------------------------------------------------------------


def child(db: str, url: str) -> None:
    """Run in a child process: drain until killed (or done)."""
    logging.basicConfig(level=logging.WARNING)
    settings = TelegramSettings(channels={"en": EN, "ar": AR},
                                per_chat_per_minute=CRASH_RATE_PER_MINUTE, overall_per_second=30)
    engine = open_engine(db)
    outbox = Outbox(engine)
    print(f"in_doubt {len(outbox.in_doubt())}", flush=True)

    async def run() -> None:
        async with TelegramSender(TOKEN, url) as sender:
            print("draining", flush=True)
            await Delivery(outbox, sender, settings, Alerts(engine)).drain()

    asyncio.run(run())
    print("done", flush=True)


def crashes(posts: int, restarts: int, seed: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp, \
            FakeTelegram(TOKEN, chats=[EN, AR], rate=(20, 1.0)) as fake:
        db = Path(tmp) / "crash.sqlite"
        settings = TelegramSettings(channels={"en": EN, "ar": AR}, flood_limit=10_000)
        queue_posts(db, settings, posts // 2, ["en", "ar"])
        total = posts // 2 * 2
        in_doubt = 0
        kills = 0
        delivered_at_kill: list[int] = []
        for _ in range(restarts + 1):
            proc = subprocess.Popen([sys.executable, __file__, "--child", str(db), fake.url],
                                    stdout=subprocess.PIPE, text=True, cwd=ROOT)
            assert proc.stdout is not None
            doubt_line = proc.stdout.readline().split()
            in_doubt += int(doubt_line[1]) if len(doubt_line) == 2 else 0
            if proc.stdout.readline().strip() != "draining":
                raise SystemExit("the child did not start")
            if kills < restarts:
                time.sleep(rng.uniform(0.0, 0.4))
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                if proc.returncode == -signal.SIGKILL:
                    kills += 1
                    delivered_at_kill.append(len(fake.sent()))
                    continue
            proc.wait(timeout=300)
            if kills >= restarts:
                break
        time.sleep(0.2)  # let a request the last victim left in flight land on the server
        # Whatever a killed child left in flight is finished by one last clean run.
        final = subprocess.run([sys.executable, __file__, "--child", str(db), fake.url],
                               capture_output=True, text=True, cwd=ROOT, timeout=300)
        in_doubt += int(final.stdout.split()[1]) if final.stdout.startswith("in_doubt") else 0
        per_post = Counter((m.chat, m.text.split("\n")[0]) for m in fake.sent())
        engine = open_engine(db)
        outbox = Outbox(engine)
        unsent = [i for i in outbox.items() if i.status is not Status.SENT]
        engine.dispose()
    expected = {(chat, f"Post {n}") for chat in (EN, AR) for n in range(1, posts // 2 + 1)}
    lost = len(expected - set(per_post))
    duplicated = sum(count - 1 for count in per_post.values() if count > 1)
    print(f"  {kills} SIGKILLs during delivery of {total} posts (seed {seed}); posts "
          f"delivered when killed: {delivered_at_kill}")
    print(f"  lost: {lost}   duplicated: {duplicated}   rows left unsent: {len(unsent)}   "
          f"posts found in doubt at restart: {in_doubt}   429s: {fake.rate_limited}")
    if lost or unsent:
        raise SystemExit("posts were lost")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1,
                        help="time scale of the burst: 1.0 is Telegram's real 20/minute")
    parser.add_argument("--posts", type=int, default=200, help="posts in the crash test")
    parser.add_argument("--restarts", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20240215)
    parser.add_argument("--child", nargs=2, metavar=("DB", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    os.environ["PTB_TIMEDELTA"] = "true"
    window = 60 * args.scale
    print(f"1. burst: 60 posts to one channel, fake enforcing 20 per {window:g} s "
          f"(20/minute scaled by {args.scale:g})")
    burst(args.scale)
    burst(args.scale, paced=False)
    print(f"2. crash: {args.restarts} SIGKILLs at random moments during delivery")
    crashes(args.posts, args.restarts, args.seed)


if __name__ == "__main__":
    main()

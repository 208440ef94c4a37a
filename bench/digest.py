"""Digest benchmark: composing a big week, making a digest on a real SQLite file, and
writing a year of digest feeds.

Run from the repository root:  .venv/bin/python bench/digest.py [--articles 1000]
Prints one line per figure; best of three runs each.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import site_info
from bot.config import parse_config
from bot.digest import DigestMaker
from bot.digest_compose import compose_digest
from bot.outbox import Outbox, outbox
from feeds.digest_feed import publish_digest_feeds
from feeds.digests import DigestStore, digests
from feeds.models import ActionLink, Article, Kind
from feeds.publish import PublishResult
from feeds.store import ArticleStore, open_engine

MOMENT = datetime(2025, 12, 5, 17, 0, tzinfo=UTC)


def best_of(runs: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def week(count: int, start: datetime) -> list[Article]:
    step = timedelta(days=7) / (count + 1)
    items = []
    for n in range(count):
        url = f"https://alqst.org/en/post/{start:%Y%m%d}-{n}"
        campaign = n % 10 == 0
        items.append(Article(
            key=url, url=url, source="alqst", lang="en",
            title=f"Saudi Arabia: human rights defender {n} sentenced after an unfair trial",
            body_html="<p>b</p>", body_text="b", summary="s",
            kind=Kind.CAMPAIGN if campaign else Kind.NEWS,
            actions=(ActionLink(f"https://act.example/{n}", "Sign the petition"),)
            if campaign else (), published=start + step * (n + 1)))
    return items


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    london = ZoneInfo("Europe/London")
    items = week(args.articles, MOMENT - timedelta(days=7))

    messages = compose_digest(items, lang="en", name="ALQST", start=MOMENT - timedelta(days=7),
                              end=MOMENT, tz=london)
    seconds = best_of(3, lambda: compose_digest(items, lang="en", name="ALQST",
                                                start=MOMENT - timedelta(days=7), end=MOMENT,
                                                tz=london))
    print(f"compose: {args.articles} articles -> {len(messages)} messages in "
          f"{seconds * 1000:.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        config = parse_config({
            "organisation": "ALQST", "timezone": "Europe/London", "database": "db.sqlite",
            "sources": [{"name": "alqst", "title": "ALQST", "url": "https://alqst.org/",
                         "schedule": "every 30m",
                         "listings": {"en": "https://alqst.org/en/posts?page={page}"}}],
            "feeds": {"output_dir": "public", "base_url": "https://feeds.example/"},
            "telegram": {"channels": {"en": "@alqst_en"}},
            "digest": {"schedule": "fri 17:00"}}, Path(tmp))
        engine = open_engine(config.database)
        store = ArticleStore(engine)
        year = [a for w in range(52)
                for a in week(args.articles // 10 if w else args.articles,
                              MOMENT - timedelta(days=7 * (w + 1)))]
        for item in year:
            store.upsert(item, MOMENT - timedelta(days=400))
        print(f"store: {len(year)} articles over 52 weeks")

        def make() -> None:
            with engine.begin() as conn:
                conn.execute(digests.delete())
                conn.execute(outbox.delete())
            maker = DigestMaker(engine, Outbox(engine), config,
                                now=lambda: MOMENT + timedelta(minutes=1))
            [made] = maker.make_due()
            assert made.articles == args.articles

        seconds = best_of(3, make)
        print(f"make_due: one digest of {args.articles} articles (query, compose, "
              f"one transaction) in {seconds * 1000:.1f} ms")
        seconds = best_of(3, lambda: DigestMaker(
            engine, Outbox(engine), config,
            now=lambda: MOMENT + timedelta(minutes=2)).make_due())
        print(f"make_due: the every-minute check once the digest exists in "
              f"{seconds * 1000:.2f} ms")

        for w in range(1, 52):  # a year of digests for the feed
            now = MOMENT - timedelta(days=7 * w) + timedelta(minutes=1)
            DigestMaker(engine, Outbox(engine), config, now=lambda now=now: now).make_due()
        site = site_info(config)
        output = Path(tmp) / "public"
        seconds = best_of(3, lambda: publish_digest_feeds(
            DigestStore(engine), site, ["en"], output, PublishResult(), config.timezone))
        size = (output / "en/digest/atom.xml").stat().st_size
        print(f"digest feeds: 52 entries, rss+atom+json in {seconds * 1000:.0f} ms "
              f"(atom.xml {size // 1024} KB)")
        engine.dispose()


if __name__ == "__main__":
    main()

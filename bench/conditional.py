"""Cold vs steady pass, side by side in one run, on a site with listing ETags and no article
validators (tests/fakes/blog_site.py, WordPress-shaped, in its own process).

In each round, one process: a warm-up cold pass into a throw-away database (SQLAlchemy
compiles its statements once per process, as in the service), then the measured cold pass
(a first run into a fresh database: listing pages walked, every article fetched, extracted,
stored), then `passes` steady passes over the unchanged site (listing page 1 answers 304;
within half a `recheck_every` of the cold pass no article is due for a recheck), then one
pass an hour later (simulated clock) to show the correction cadence's cost. Requests are
counted at the site (statuses it answered); CPU is the bot process's.

Run: .venv/bin/python bench/conditional.py [--posts 30] [--rounds 5] [--passes 5]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import resource
import statistics
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _common  # noqa: F401  (puts the repository on sys.path)

PAGE_SIZE = 10


def _serve_blog(posts: int, conn) -> None:  # type: ignore[no-untyped-def]
    from tests.fakes.blog_site import BlogSite

    with BlogSite(page_size=PAGE_SIZE, listing_etags=True) as blog:
        for n in range(posts):
            blog.publish(f"Statement {n} on the detainees",
                         f"Rights Watch today issued statement number {n}. " * 30)
        conn.send(blog.base_url)
        seen = 0
        while conn.recv() == "answers":
            answers = blog.answers[seen:]
            seen += len(answers)
            conn.send(Counter(status for _, status in answers))


class BlogProcess:
    def __init__(self, posts: int) -> None:
        self.posts = posts

    def __enter__(self) -> BlogProcess:
        self._conn, child = mp.Pipe()
        self._proc = mp.get_context("spawn").Process(target=_serve_blog,
                                                     args=(self.posts, child), daemon=True)
        self._proc.start()
        self.base_url = str(self._conn.recv())
        return self

    def answers(self) -> Counter[int]:
        """The statuses answered since the last call."""
        self._conn.send("answers")
        return self._conn.recv()  # type: ignore[no-any-return]

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        self._proc.join(5)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one_round(blog: BlogProcess, posts: int, passes: int) -> dict[str, list[float]]:
    from bot.config import parse_config
    from feeds.check import SourceChecker
    from feeds.fetcher import Fetcher
    from feeds.sources import FetchSettings
    from feeds.store import ArticleStore, open_engine
    from tests.fakes.blog_site import LINK_PATTERN

    fetch = FetchSettings(per_host_delay_seconds=0.0, per_host_concurrency=4)
    moment = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]

    def run(store: ArticleStore, source) -> tuple[float, Counter[int], int]:  # type: ignore[no-untyped-def]
        async def go() -> int:
            async with Fetcher(fetch) as fetcher:
                checker = SourceChecker(store, fetcher, now=lambda: moment[0])
                reports = await checker.check(source)
                return sum(r.new for r in reports)
        blog.answers()
        started = cpu_seconds()
        new = asyncio.run(go())
        return cpu_seconds() - started, blog.answers(), new

    with tempfile.TemporaryDirectory() as tmp:
        config = parse_config({
            "timezone": "UTC",
            "sources": [{
                "name": "blog", "title": "Rights Watch Blog", "url": blog.base_url + "/",
                "listings": {"en": {"url": blog.base_url + "/news/",
                                    "max_pages": posts // PAGE_SIZE + 1}},
                "max_new_per_pass": posts + 10,
                "link_pattern": LINK_PATTERN,
                "selectors": {"title": "h1.entry-title", "date": "time.entry-date",
                              "body": ".entry-content"},
            }],
            "feeds": {"output_dir": "public", "base_url": "http://127.0.0.1:8080/"},
            "telegram": {"channels": {"en": "@blog_en"}},
        }, Path(tmp))
        source = config.sources[0]
        warm = ArticleStore(open_engine(Path(tmp) / "warm.sqlite"))
        run(warm, source)
        store = ArticleStore(open_engine(Path(tmp) / "measured.sqlite"))
        cold_cpu, cold_answers, stored = run(store, source)
        steady = []
        for _ in range(passes):
            moment[0] += timedelta(minutes=1)
            steady.append(run(store, source))
        moment[0] += timedelta(hours=1)
        cadence_cpu, cadence_answers, _ = run(store, source)
        for engine in (warm.engine, store.engine):
            engine.dispose()
    if stored != posts or any(new for _, _, new in steady):
        raise SystemExit(f"unexpected: stored {stored} of {posts}, steady new "
                         f"{[new for _, _, new in steady]}")
    return {
        "cold_cpu": [cold_cpu], "cold_requests": [sum(cold_answers.values())],
        "steady_cpu": [cpu for cpu, _, _ in steady],
        "steady_requests": [sum(a.values()) for _, a, _ in steady],
        "steady_304": [a[304] for _, a, _ in steady],
        "cadence_cpu": [cadence_cpu], "cadence_requests": [sum(cadence_answers.values())],
    }


def spread(values: list[float], fmt: str) -> str:
    if min(values) == max(values):
        return format(values[0], fmt)
    return (f"{format(statistics.median(values), fmt)} "
            f"({format(min(values), fmt)}-{format(max(values), fmt)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--passes", type=int, default=5, help="steady passes per round")
    args = parser.parse_args()
    results: dict[str, list[float]] = {}
    with BlogProcess(args.posts) as blog:
        for _ in range(args.rounds):
            for key, values in one_round(blog, args.posts, args.passes).items():
                results.setdefault(key, []).extend(values)
    print(f"blog site, {args.posts} posts, listing ETags, no article validators; "
          f"{args.rounds} rounds; median (min-max)")
    print(f"{'pass':>28} {'requests':>10} {'CPU s':>24}")
    print(f"{'cold (first run)':>28} {spread(results['cold_requests'], '.0f'):>10} "
          f"{spread(results['cold_cpu'], '.4f'):>24}")
    print(f"{'steady (listing 304)':>28} {spread(results['steady_requests'], '.0f'):>10} "
          f"{spread(results['steady_cpu'], '.4f'):>24}   "
          f"304s: {spread(results['steady_304'], '.0f')}")
    print(f"{'an hour later (cadence)':>28} {spread(results['cadence_requests'], '.0f'):>10} "
          f"{spread(results['cadence_cpu'], '.4f'):>24}")
    for name, pick in (("medians", statistics.median), ("minimums", min)):
        print(f"steady vs cold CPU ({name}): "
              f"{pick(results['steady_cpu']) / pick(results['cold_cpu']):.3f}x")


if __name__ == "__main__":
    main()

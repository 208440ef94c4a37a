"""Steady-state cost of a pass: an unchanged replica with 10 vs 1,000 archived articles.

Runs a first pass that stores the whole archive, then times a second pass (nothing changed)
and counts its HTTP requests. The cost must not grow with the archive: ratio ~ 1.
Run: .venv/bin/python bench/pass_cost.py [--sizes 10 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import resource
import tempfile
import time
from pathlib import Path

from _common import ReplicaProcess

from bot.demo import demo_config
from feeds.check import SourceChecker
from feeds.fetcher import Fetcher
from feeds.sources import Listing
from feeds.store import ArticleStore, open_engine


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def one_pass(config, store) -> tuple[int, float, float]:  # type: ignore[no-untyped-def]
    from bot.app import utc_now

    async with Fetcher(config.fetch) as fetcher:
        checker = SourceChecker(store, fetcher, now=utc_now)
        cpu, wall = cpu_seconds(), time.perf_counter()
        for source in config.sources:
            await checker.check(source)
        return fetcher.requests_made, cpu_seconds() - cpu, time.perf_counter() - wall


def measure(size: int) -> dict[str, float]:
    with ReplicaProcess(size) as base_url, tempfile.TemporaryDirectory() as tmp:
        config = demo_config(base_url, Path(tmp))
        source = config.sources[0]
        # Let the first pass walk the whole archive so the store really holds it.
        listings = tuple(Listing(lang=lst.lang, url=lst.url, max_pages=1000)
                         for lst in source.listings)
        source = dataclasses.replace(source, listings=listings, max_new_per_pass=100_000)
        config = dataclasses.replace(config, sources=(source,))
        store = ArticleStore(open_engine(config.database))
        first = asyncio.run(one_pass(config, store))
        stored = store.count()
        second = asyncio.run(one_pass(config, store))
    return {"archived": stored, "first_requests": first[0], "requests": second[0],
            "cpu": second[1], "wall": second[2]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs=2, default=[10, 1000])
    args = parser.parse_args()
    small, large = (measure(n) for n in args.sizes)
    print(f"{'archive':>10} {'stored':>7} {'pass-1 req':>10} {'pass-2 req':>10} "
          f"{'pass-2 CPU s':>12} {'pass-2 wall s':>13}")
    for size, row in zip(args.sizes, (small, large), strict=True):
        print(f"{size:>10} {row['archived']:>7} {row['first_requests']:>10} "
              f"{row['requests']:>10} {row['cpu']:>12.3f} {row['wall']:>13.3f}")
    print(f"ratio {args.sizes[1]} vs {args.sizes[0]}: requests "
          f"{large['requests'] / small['requests']:.2f}x, CPU {large['cpu'] / small['cpu']:.2f}x")


if __name__ == "__main__":
    main()

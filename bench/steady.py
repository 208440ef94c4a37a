"""Steady-state cost of one pass over an unchanged source: 10 vs 10,000 archived articles.

For each archive size a replica of the site runs in its own process (its CPU is not the
bot's). A first pass stores the whole archive by scraping it for real: every listing page
walked, every article fetched, extracted and stored (no seeding). Then passes over the
unchanged site run in fresh processes, alternating between the sizes: in each, a warm-up
pass (SQLAlchemy compiles its statements once per process, as in the long-running
service), the measured passes (HTTP requests, CPU seconds, wall seconds, then peak RSS)
and a traced pass (tracemalloc peak: the Python memory of the pass alone). The pass must
cost the same whatever the archive.

Fetching uses the demo settings (no delay between requests, 4 per host) so wall time is
work, not politeness. Peak RSS is ru_maxrss of the measuring process (interpreter and
libraries included; "RSS before" is its VmRSS just before the measured pass).

Run: .venv/bin/python bench/steady.py [--sizes 10 10000] [--rounds 5] [--passes 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import multiprocessing as mp
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

from _common import ReplicaProcess

from bot.app import utc_now
from bot.config import Config
from bot.demo import demo_config
from feeds.check import SourceChecker
from feeds.fetcher import Fetcher
from feeds.sources import Listing
from feeds.store import ArticleStore, open_engine

PAGE_SIZE = 10  # the replica's listing page size


T = TypeVar("T")

def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def whole_archive_config(base_url: str, workdir: Path, archive: int) -> Config:
    """The demo configuration, widened so one pass may walk and store the whole archive."""
    config = demo_config(base_url, workdir)
    source = config.sources[0]
    pages = archive // PAGE_SIZE + 10
    listings = tuple(Listing(lang=lst.lang, url=lst.url, max_pages=pages)
                     for lst in source.listings)
    source = dataclasses.replace(source, listings=listings, max_new_per_pass=archive + 1000)
    return dataclasses.replace(config, sources=(source,))


@dataclasses.dataclass
class PassResult:
    requests: int
    cpu: float
    wall: float
    new: int
    updated: int
    unchanged: int
    failed: int


async def one_pass(config: Config, store: ArticleStore) -> PassResult:
    """One scheduled job's check of the source, as the service runs it (a Fetcher per run)."""
    cpu, wall = cpu_seconds(), time.perf_counter()
    async with Fetcher(config.fetch) as fetcher:
        checker = SourceChecker(store, fetcher, now=utc_now)
        reports = []
        for source in config.sources:
            reports += await checker.check(source)
        requests = fetcher.requests_made
    return PassResult(requests, cpu_seconds() - cpu, time.perf_counter() - wall,
                      new=sum(r.new for r in reports), updated=sum(r.updated for r in reports),
                      unchanged=sum(r.unchanged for r in reports),
                      failed=sum(len(r.failures) for r in reports))


def first_pass(base_url: str, workdir: str, archive: int) -> dict[str, float]:
    """In a child process: store the whole archive (plain values cross the process line)."""
    config = whole_archive_config(base_url, Path(workdir), archive)
    engine = open_engine(config.database)
    store = ArticleStore(engine)
    result = asyncio.run(one_pass(config, store))
    stored = store.count()
    engine.dispose()
    return {**dataclasses.asdict(result), "stored": stored}


def steady_round(base_url: str, workdir: str, archive: int, passes: int) -> dict[str, list[float]]:
    """In a fresh child process: a warm-up pass, `passes` measured passes, one traced pass."""
    config = whole_archive_config(base_url, Path(workdir), archive)
    engine = open_engine(config.database)
    store = ArticleStore(engine)
    asyncio.run(one_pass(config, store))  # warm-up
    rss_before = current_rss_mb()
    measured = [asyncio.run(one_pass(config, store)) for _ in range(passes)]
    peak = peak_rss_mb()
    tracemalloc.start()
    asyncio.run(one_pass(config, store))
    traced = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    engine.dispose()
    for result in measured:
        if result.new or result.updated or result.failed:
            raise SystemExit(f"the site changed under the steady pass: {result}")
    return {"requests": [r.requests for r in measured], "cpu": [r.cpu for r in measured],
            "wall": [r.wall for r in measured], "unchanged": [r.unchanged for r in measured],
            "rss_before": [rss_before], "peak_rss": [peak], "traced": [traced]}


def in_fresh_process(fn: Callable[..., T], *args: object) -> T:
    """`fn(*args)` in a new process, so its memory peak and imports are its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def spread(values: list[float], fmt: str) -> str:
    """Median and range of the rounds."""
    if min(values) == max(values):
        return format(values[0], fmt)
    return (f"{format(statistics.median(values), fmt)} "
            f"({format(min(values), fmt)}-{format(max(values), fmt)})")


def measure(sizes: list[int], rounds: int, passes: int) -> list[dict[str, list[float]]]:
    """Both replicas run at once and the rounds alternate between sizes, so a busy moment
    on the machine does not land on one size only."""
    with contextlib.ExitStack() as stack:
        sites = [stack.enter_context(ReplicaProcess(size)) for size in sizes]
        dirs = [stack.enter_context(tempfile.TemporaryDirectory()) for _ in sizes]
        for size, base_url, tmp in zip(sizes, sites, dirs, strict=True):
            started = time.perf_counter()
            first = in_fresh_process(first_pass, base_url, tmp, size)
            print(f"  archive {size}: first pass stored {first['stored']:.0f} articles with "
                  f"{first['requests']:.0f} requests in {first['wall']:.1f} s "
                  f"({first['cpu']:.1f} s CPU, {first['failed']:.0f} failed; "
                  f"{time.perf_counter() - started:.1f} s with process start)", flush=True)
        results: list[dict[str, list[float]]] = [{} for _ in sizes]
        for _ in range(rounds):
            for i, (size, base_url, tmp) in enumerate(zip(sizes, sites, dirs, strict=True)):
                row = in_fresh_process(steady_round, base_url, tmp, size, passes)
                for key, values in row.items():
                    results[i].setdefault(key, []).extend(values)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[10, 10_000],
                        metavar=("SMALL", "LARGE"))
    parser.add_argument("--rounds", type=int, default=5, help="fresh processes per size")
    parser.add_argument("--passes", type=int, default=5, help="measured passes per process")
    args = parser.parse_args()
    print(f"steady pass: {args.rounds} processes x {args.passes} passes per size; "
          "median (min-max) over all passes (memory: over processes)", flush=True)
    results = measure(args.sizes, args.rounds, args.passes)
    print(f"{'archive':>8} {'requests':>8} {'CPU s':>22} {'wall s':>22} "
          f"{'RSS before MB':>18} {'peak RSS MB':>18} {'traced peak MB':>18}")
    for size, col in zip(args.sizes, results, strict=True):
        print(f"{size:>8} {spread(col['requests'], '.0f'):>8} {spread(col['cpu'], '.3f'):>22} "
              f"{spread(col['wall'], '.3f'):>22} {spread(col['rss_before'], '.1f'):>18} "
              f"{spread(col['peak_rss'], '.1f'):>18} {spread(col['traced'], '.2f'):>18}")
    for name, pick in (("medians", statistics.median), ("minimums", min)):
        small, large = ({k: pick(v) for k, v in col.items()} for col in results)
        print(f"ratio {args.sizes[1]} vs {args.sizes[0]} ({name}): "
              f"requests {large['requests'] / small['requests']:.2f}x, "
              f"CPU {large['cpu'] / small['cpu']:.2f}x, wall {large['wall'] / small['wall']:.2f}x, "
              f"peak RSS {large['peak_rss'] / small['peak_rss']:.2f}x, "
              f"traced peak {large['traced'] / small['traced']:.2f}x")


if __name__ == "__main__":
    main()

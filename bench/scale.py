"""Scale: one interval's check of N sources (20, 50, 100, 200), each a site of its own.

Every source is a replica of the ALQST site with its two language listings (about 20
articles each), bound to its own loopback address (127.0.0.2, 127.0.0.3, ...: Linux routes
all of 127/8 to loopback), so the fetcher's per-host politeness applies per source as it
would on the internet. The replicas run in separate server processes, out of the measured
one. The measured process does what `feedbot run` does when every source falls due in the
same interval: one job per source on one event loop, each job with its own Fetcher, all
sharing the database (bot.app.build_parts) and the intake, with config.toml's politeness
(per_host_delay_seconds=1.0, per_host_concurrency=2).

Two passes per size, each in a fresh process: the first pass (everything new, stored as
the baseline) and a steady pass (nothing new). Printed per pass: wall time, CPU seconds
of the bot process, its peak RSS (ru_maxrss, interpreter included), HTTP requests, the
replicas' CPU seconds, and the politeness floor (the busiest host's requests spaced one
delay apart): wall / floor near 1 means politeness, not the bot, sets the pace. Growth
factors are relative to the smallest size, measured in the same run. After the steady
pass, a `publish_feeds` call with nothing changed (what the service runs after each
source's job) is timed.

Run: .venv/bin/python bench/scale.py [--sizes 20 50 100 200] [--rounds 1] [--servers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

import _common  # noqa: F401  (puts the repository on sys.path)

ARCHIVE_PER_SITE = 18  # with the replica's own posts: 20 English and 23 Arabic articles
FETCH = {"per_host_delay_seconds": 1.0, "per_host_concurrency": 2, "retries": 3,
         "timeout_seconds": 20}  # as in config.toml


T = TypeVar("T")

def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def address(index: int) -> str:
    """The loopback address of source `index`: 127.0.0.2 upwards, 250 per /24."""
    return f"127.0.{index // 250}.{2 + index % 250}"


# ---- the replica servers (child processes) ------------------------------------------------


def serve_replicas(hosts: list[str], conn: Connection) -> None:
    from feeds.replica import ReplicaSite

    sites = [ReplicaSite(archive_size=ARCHIVE_PER_SITE, host=host).start() for host in hosts]
    conn.send([site.base_url for site in sites])
    while (command := conn.recv()) != "stop":
        if command == "cpu":
            conn.send(cpu_seconds())
        elif command == "requests":  # (all, listing pages) since the last ask
            listed = [path for site in sites for _, path, _ in site.requests]
            conn.send((len(listed), sum(1 for p in listed if "/posts?page=" in p)))
            for site in sites:
                site.reset_requests()
        elif command == "in_flight":  # host -> the most requests it answered at one time
            conn.send({site.base_url: site.max_in_flight for site in sites})
    for site in sites:
        site.stop()


class ReplicaServers:
    """`count` replica sites spread over `processes` server processes."""

    def __init__(self, count: int, processes: int, first: int = 0) -> None:
        hosts = [address(i) for i in range(first, first + count)]
        self.groups = [hosts[i::processes] for i in range(min(processes, count))]
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        self.urls: list[str] = []

    def __enter__(self) -> ReplicaServers:
        ctx = mp.get_context("spawn")
        for hosts in self.groups:
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=serve_replicas, args=(hosts, child), daemon=True)
            proc.start()
            self.conns.append(parent)
            self.procs.append(proc)
        for conn in self.conns:
            self.urls += conn.recv()
        return self

    def cpu(self) -> float:
        for conn in self.conns:
            conn.send("cpu")
        return sum(conn.recv() for conn in self.conns)

    def requests(self) -> tuple[int, int]:
        """Requests (all, listing pages) the sites answered since the last call."""
        for conn in self.conns:
            conn.send("requests")
        counts = [conn.recv() for conn in self.conns]
        return sum(c[0] for c in counts), sum(c[1] for c in counts)

    def max_in_flight(self) -> dict[str, int]:
        """Per site (base URL): the most requests it was answering at one time, counted by
        the server since the last `requests()`."""
        for conn in self.conns:
            conn.send("in_flight")
        return {url: n for conn in self.conns for url, n in conn.recv().items()}

    def __exit__(self, *exc: object) -> None:
        for conn in self.conns:
            conn.send("stop")
        for proc in self.procs:
            proc.join(10)


# ---- the measured process -------------------------------------------------------------------


def config_for(base_urls: list[str], workdir: Path) -> Any:
    from bot.config import parse_config

    sources = [{
        "name": f"site{i:03d}", "title": f"Site {i}", "url": url + "/",
        "listings": {"en": url + "/en/posts?page={page}", "ar": url + "/ar/posts?page={page}"},
        "schedule": "*/30 * * * *", "max_pages": 5,
    } for i, url in enumerate(base_urls)]
    return parse_config({
        "organisation": "Scale bench", "timezone": "Europe/London",
        "database": "scale.sqlite", "fetch": FETCH, "sources": sources,
        "feeds": {"output_dir": "public", "base_url": "http://127.0.0.1:8080/",
                  "listen": "127.0.0.1:0"},
        "telegram": {"channels": {"ar": "@alqst_ar", "en": "@alqst_en"}},
    }, workdir)


def one_interval(base_urls: list[str], workdir: str, publish_after: bool) -> dict[str, float]:
    """Every source's job at once, as the scheduler runs them when they fall due together."""
    from bot.app import build_parts, publish, utc_now
    from feeds.check import SourceChecker
    from feeds.fetcher import Fetcher

    config = config_for(base_urls, Path(workdir))
    parts = build_parts(config)
    per_source: list[int] = []
    counts = {"new": 0, "unchanged": 0, "failed": 0}

    async def job(source: Any) -> None:  # bot.service.Service.run_source, check part
        async with Fetcher(config.fetch) as fetcher:
            checker = SourceChecker(parts.store, fetcher, now=utc_now, observer=parts.intake)
            reports = await checker.check(source)
        per_source.append(fetcher.requests_made)
        counts["new"] += sum(r.new for r in reports)
        counts["unchanged"] += sum(r.unchanged for r in reports)
        counts["failed"] += sum(len(r.failures) for r in reports)

    async def interval() -> None:
        await asyncio.gather(*(job(source) for source in config.sources))

    cpu, wall = cpu_seconds(), time.perf_counter()
    asyncio.run(interval())
    result = {"wall": time.perf_counter() - wall, "cpu": cpu_seconds() - cpu,
              "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "requests": float(sum(per_source)), "busiest": float(max(per_source)),
              **{k: float(v) for k, v in counts.items()},
              "stored": float(parts.store.count())}
    if publish_after:
        publish(config, parts.store)  # writes every file once; the timed call changes none
        cpu = cpu_seconds()
        published = publish(config, parts.store)
        result["publish_cpu"] = cpu_seconds() - cpu
        result["feed_files"] = float(len(published.written) + len(published.unchanged))
    parts.engine.dispose()
    return result


def in_fresh_process(fn: Callable[..., T], *args: object) -> T:
    """`fn(*args)` in a new process, so its memory peak and imports are its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def measure(count: int, processes: int) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    with ReplicaServers(count, processes) as servers, tempfile.TemporaryDirectory() as tmp:
        for name in ("first", "steady"):
            replica_cpu = servers.cpu()
            row = in_fresh_process(one_interval, servers.urls, tmp, name == "steady")
            row["replica_cpu"] = servers.cpu() - replica_cpu
            rows[name] = row
            if name == "first" and (row["failed"] or row["stored"] < count * 40):
                raise SystemExit(f"first pass incomplete at {count} sources: {row}")
            if name == "steady" and (row["new"] or row["failed"]):
                raise SystemExit(f"the steady pass found changes at {count} sources: {row}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 50, 100, 200])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--servers", type=int, default=2, help="replica server processes")
    args = parser.parse_args()
    delay = FETCH["per_host_delay_seconds"]
    results: dict[int, list[dict[str, dict[str, float]]]] = {n: [] for n in args.sizes}
    for round_ in range(args.rounds):
        for count in args.sizes:
            rows = measure(count, args.servers)
            results[count].append(rows)
            for name, row in rows.items():
                print(f"  round {round_ + 1}, {count} sources, {name}: wall {row['wall']:.1f} s, "
                      f"CPU {row['cpu']:.1f} s, peak RSS {row['peak_rss']:.0f} MB, "
                      f"{row['requests']:.0f} requests, new {row['new']:.0f}, "
                      f"failed {row['failed']:.0f}", flush=True)
    print_table(args.sizes, results, delay)


def print_table(sizes: list[int], results: dict[int, list[dict[str, dict[str, float]]]],
                delay: float) -> None:
    def med(count: int, name: str, key: str) -> float:
        return statistics.median(r[name][key] for r in results[count])

    def rng(count: int, name: str, key: str, fmt: str) -> str:
        values = [r[name][key] for r in results[count]]
        text = format(statistics.median(values), fmt)
        if len(values) > 1:
            text += f" ({format(min(values), fmt)}-{format(max(values), fmt)})"
        return text

    base = sizes[0]
    for name in ("first", "steady"):
        print(f"\n{name} pass (median, range over rounds); growth x relative to {base} sources")
        print(f"{'sources':>7} {'requests':>9} {'wall s':>18} {'floor s':>7} {'wall/floor':>10} "
              f"{'CPU s':>18} {'peak RSS MB':>18} {'replica CPU s':>13} "
              f"{'growth wall/CPU/RSS':>20}")
        for count in sizes:
            floor = (med(count, name, "busiest") - 1) * delay
            wall, cpu, rss = (med(count, name, k) for k in ("wall", "cpu", "peak_rss"))
            growth = (f"{wall / med(base, name, 'wall'):.2f}/{cpu / med(base, name, 'cpu'):.2f}/"
                      f"{rss / med(base, name, 'peak_rss'):.2f}")
            print(f"{count:>7} {med(count, name, 'requests'):>9.0f} "
                  f"{rng(count, name, 'wall', '.1f'):>18} {floor:>7.0f} {wall / floor:>10.2f} "
                  f"{rng(count, name, 'cpu', '.1f'):>18} {rng(count, name, 'peak_rss', '.0f'):>18} "
                  f"{med(count, name, 'replica_cpu'):>13.1f} {growth:>20}")
    print("\npublish_feeds, once (the service runs it only after a pass that changed "
          "something, or to retry a failed publish):")
    for count in sizes:
        one = med(count, "steady", "publish_cpu")
        files = med(count, "steady", "feed_files")
        print(f"{count:>7} sources: {files:.0f} files, {one:.2f} s CPU; at worst x{count} "
              f"(every source changed) = {one * count:.0f} s CPU per interval")


if __name__ == "__main__":
    main()

"""One round of `feedbot check` over N sources on N hosts, run as the real command.

Every source is a replica of the ALQST site (two listings, about 43 articles) on its own
loopback address (bench/scale.py's ReplicaServers, in separate server processes that count,
per host, the most requests they were answering at one time). The bot is `python -m bot
check --config ...` in a child process; its wall time, CPU seconds and peak RSS come from
os.wait4. Politeness is config.toml's: 1 s between requests to a host, 2 at a time.

Rounds: a cold round (everything new, stored as the baseline), then a steady round (nothing
new), with the default fetch.max_concurrent_sources; and the old one-source-after-another
behaviour (max_concurrent_sources = 1, which is exactly the former sequential walk through
one Fetcher) cold on a few sources on other hosts, at the same time as the cold round:
it is too slow to run at 200 (about 50 s a source), so it is extrapolated linearly.

Run: .venv/bin/python bench/check_round.py [--sources 200] [--sequential 4] [--servers 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import _common
from scale import FETCH, ReplicaServers


def write_config(base_urls: list[str], workdir: Path, max_concurrent: int | None) -> Path:
    fetch = dict(FETCH)
    if max_concurrent is not None:
        fetch["max_concurrent_sources"] = max_concurrent
    lines = ['organisation = "Check round bench"', 'timezone = "Europe/London"',
             'database = "bench.sqlite"', "", "[fetch]"]
    lines += [f"{key} = {value}" for key, value in fetch.items()]
    lines += ["", "[feeds]", 'output_dir = "public"', 'base_url = "http://127.0.0.1:8080/"',
              'listen = "127.0.0.1:0"', "", "[telegram]",
              'channels = { ar = "@bench_ar", en = "@bench_en" }']
    for i, url in enumerate(base_urls):
        lines += ["", "[[sources]]", f'name = "site{i:03d}"', f'title = "Site {i}"',
                  f'url = "{url}/"', 'schedule = "*/30 * * * *"', "max_pages = 5",
                  "[sources.listings]", f'en = "{url}/en/posts?page={{page}}"',
                  f'ar = "{url}/ar/posts?page={{page}}"']
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_check(config: Path) -> dict[str, float]:
    """`feedbot check` as a child process: wall, CPU and peak RSS of the child."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "bot", "check", "--config", str(config)],
                             cwd=_common.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output: list[bytes] = []
    reader = threading.Thread(target=lambda: output.append(child.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    reader.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    text = b"".join(output).decode(errors="replace")
    failed = sum(1 for line in text.splitlines() if ", 0 failed" not in line
                 and line.startswith("site") and " failed" in line)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_rss": usage.ru_maxrss / 1024, "exit": float(child.returncode),
            "failed_lines": float(failed), "last_line": text.strip().splitlines()[-1:] or ""}  # type: ignore[dict-item]


def measured(servers: ReplicaServers, config: Path) -> dict[str, float]:
    servers.requests()  # resets the counts and the in-flight maxima
    row = run_check(config)
    in_flight = servers.max_in_flight()  # before requests(), which resets it
    row["max_in_flight"] = float(max(in_flight.values()))
    row["requests"] = float(servers.requests()[0])
    return row


def show(label: str, row: dict[str, float]) -> None:
    print(f"{label}: wall {row['wall']:.1f} s, CPU {row['cpu']:.1f} s, peak RSS "
          f"{row['peak_rss']:.0f} MB, {row['requests']:.0f} requests, max in flight per "
          f"host {row['max_in_flight']:.0f}, exit {row['exit']:.0f}, "
          f"{row['failed_lines']:.0f} language(s) with failures; {row['last_line']}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--sequential", type=int, default=4,
                        help="sources for the old sequential baseline (0: skip it)")
    parser.add_argument("--servers", type=int, default=2, help="replica server processes")
    args = parser.parse_args()
    print(f"politeness: {FETCH}", flush=True)
    with (ReplicaServers(args.sources, args.servers) as servers,
          ReplicaServers(args.sequential, 1, first=args.sources) as old_servers,
          tempfile.TemporaryDirectory() as tmp):
        config = write_config(servers.urls, Path(tmp, "concurrent"), None)
        baseline: dict[str, dict[str, float]] = {}
        if args.sequential:
            old_config = write_config(old_servers.urls, Path(tmp, "sequential"), 1)
            thread = threading.Thread(
                target=lambda: baseline.update(cold=measured(old_servers, old_config)))
            thread.start()
        cold = measured(servers, config)
        show(f"{args.sources} sources, cold round, concurrent (default cap)", cold)
        if args.sequential:
            thread.join()
            old = baseline["cold"]
            show(f"{args.sequential} sources, cold round, sequential (max_concurrent_sources"
                 " = 1, the old behaviour)", old)
            per_source = old["wall"] / args.sequential
            print(f"  sequential, extrapolated to {args.sources} sources: "
                  f"{per_source * args.sources:.0f} s ({per_source:.1f} s a source); "
                  f"concurrent is {per_source * args.sources / cold['wall']:.1f}x faster",
                  flush=True)
        steady = measured(servers, config)
        show(f"{args.sources} sources, steady round, concurrent (default cap)", steady)


if __name__ == "__main__":
    main()

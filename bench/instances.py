"""Benchmark: several `feedbot run` instances on one PostgreSQL (a throw-away cluster).

1. share: 1, 2 and 3 instances on one database watching 6 sites of their own (each a
   replica on its own loopback address, in this process), every source checked every
   2 s; while they run the sites publish 200 articles in bursts of 20. Counted: posts sent
   (each exactly once), listing walks per source per interval at the sites (must not grow
   with the instances), and, with --kill, the instance holding the most leases is
   SIGKILLed halfway: seconds until its sources are held by the others, posts lost.
   With --hosts (root, util-linux unshare) every instance runs under a host name of its
   own, as on separate machines: a dead holder is then found by its lease expiring
   (lease_seconds), not by its pid.
2. scale: 200 sources (replicas in 2 server processes, bench/scale.py), config.toml's
   politeness, every source due at start: one vs two instances, a first round (all new)
   and a steady round (nothing new). Wall time of the round, CPU seconds per instance,
   requests at the sites.

Run: .venv/bin/python bench/instances.py [--part share|scale] [--kill] [--hosts]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import _common  # noqa: F401  (puts the repository on sys.path)
from scale import ReplicaServers, address
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from feeds.replica import ReplicaSite
from tests.conftest import TEST_TOKEN as TOKEN
from tests.fakes.telegram import FakeTelegram
from tests.pg_cluster import PostgresCluster
from tests.test_service import free_port

ROOT = Path(__file__).resolve().parent.parent
EN, AR = "@alqst_en", "@alqst_ar"
LEASE_SECONDS = 6


def wait(condition: Callable[[], object], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def write_config(workdir: Path, sources: list[dict[str, str]], telegram_url: str, *,
                 schedule: str, fetch: str) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    lines = [
        'organisation = "Instances bench"', 'timezone = "UTC"',
        f"lease_seconds = {LEASE_SECONDS}", "[fetch]", fetch,
    ]
    for source in sources:
        lines += ["[[sources]]", f'name = "{source["name"]}"', f'url = "{source["url"]}/"',
                  f'schedule = "{schedule}"', "[sources.listings]",
                  f'en = "{source["url"]}/en/posts?page={{page}}"',
                  f'ar = "{source["url"]}/ar/posts?page={{page}}"']
    lines += ["[feeds]", 'output_dir = "public"', 'base_url = "https://feeds.example/"',
              f'listen = "127.0.0.1:{free_port()}"',
              "[telegram]", 'token_env = "BENCH_TOKEN"', f'api_base_url = "{telegram_url}"',
              "flood_limit = 1000", "per_chat_per_minute = 60000", "overall_per_second = 1000",
              "[telegram.channels]", f'en = "{EN}"', f'ar = "{AR}"']
    path = workdir / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def start_instance(config: Path, database: str, host: str | None) -> subprocess.Popen[str]:
    env = dict(os.environ, BENCH_TOKEN=TOKEN, FEEDBOT_DATABASE_URL=database,
               PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "bot", "run", "--config", str(config)]
    if host is not None:  # a UTS namespace of its own: another host name, same network
        command = ["unshare", "--uts", "sh", "-c", f'hostname {host} && exec "$@"', "sh",
                   *command]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT, text=True)


def stop(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (and of its waited-for children: unshare's sh execs)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def finished_runs(engine: object) -> dict[str, int]:
    try:
        with engine.connect() as conn:  # type: ignore[attr-defined]
            return dict(conn.execute(text(
                "select source, count(*) from runs where finished is not null group by source")
            ).all())
    except ProgrammingError:  # no instance has created the tables yet
        return {}


def lease_holders(engine: object) -> dict[str, str]:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return dict(conn.execute(text("select source, holder from source_leases")).all())


# ---- 1. share ---------------------------------------------------------------------------


def share(cluster: PostgresCluster, count: int, *, kill: bool, hosts: bool) -> dict[str, object]:
    database = cluster.create_database()
    engine = create_engine(database)
    sites = [ReplicaSite(host=address(i)).start() for i in range(6)]
    tmp = Path(tempfile.mkdtemp(prefix="instances-share-"))
    result: dict[str, object] = {"instances": count}
    try:
        with FakeTelegram(TOKEN, chats=[EN, AR]) as fake:
            sources = [{"name": f"site{i}", "url": s.base_url} for i, s in enumerate(sites)]
            configs = [write_config(tmp / f"i{n}", sources, fake.url, schedule="every 2s",
                                    fetch="per_host_delay_seconds = 0\nretries = 1")
                       for n in range(count)]
            processes = [start_instance(c, database, f"bench-host-{n}" if hosts else None)
                         for n, c in enumerate(configs)]
            if not wait(lambda: len(finished_runs(engine)) == len(sites), 120):
                raise SystemExit("the baseline round did not finish")
            time.sleep(3)  # the instances see each other and balance the leases
            for site in sites:
                site.reset_requests()
            started = time.monotonic()
            titles: list[str] = []
            killed_at = takeover = None
            for burst in range(10):
                for n in range(20):
                    site = sites[(burst * 20 + n) % len(sites)]
                    lang = "en" if n % 2 == 0 else "ar"
                    title = f"Burst {burst} article {n}"
                    site.publish(lang=lang, title=title, paragraphs=[
                        f"{title}: a detainee was released after years in prison."
                        if lang == "en" else
                        "أفرجت السلطات عن معتقل بعد سنوات من السجن التعسفي ورحبت القسط بذلك."])
                    titles.append(title)
                if kill and burst == 4 and count > 1:
                    holders = Counter(lease_holders(engine).values())
                    victim_id, held = holders.most_common(1)[0]
                    victim = next(p for p in processes if f":{p.pid}:" in victim_id)
                    victim.kill()
                    victim.wait()  # reaped, as its supervisor would
                    killed_at = time.monotonic()
                    result["killed holder of"] = held
                    wait(lambda v=victim_id: v not in lease_holders(engine).values(), 60)
                    takeover = time.monotonic() - killed_at
                time.sleep(2)
            done = wait(lambda: sum(len(fake.sent(c)) for c in (EN, AR)) >= 200, 120)
            time.sleep(3)
            window = time.monotonic() - started
            stop(processes)
            sent = Counter(m.text.split("\n")[0] for c in (EN, AR) for m in fake.sent(c))
            walks = sum(1 for s in sites for _, path, _ in s.requests if "page=1" in path)
            intervals = window / 2.0
            result.update({
                "posted": sum(1 for t in titles if sent[t]),
                "lost": sum(1 for t in titles if not sent[t]) if done else
                f"{sum(1 for t in titles if not sent[t])} (timed out)",
                "sent twice": sum(1 for t in titles if sent[t] > 1),
                "listing walks per source per interval":
                    round(walks / (len(sites) * 2) / intervals, 2),
            })
            if takeover is not None:
                result["takeover s"] = round(takeover, 1)
    finally:
        for site in sites:
            site.stop()
        engine.dispose()  # type: ignore[attr-defined]
        shutil.rmtree(tmp, ignore_errors=True)
    return result


# ---- 2. scale ---------------------------------------------------------------------------


def scale(cluster: PostgresCluster, servers: ReplicaServers, count: int) -> dict[str, object]:
    database = cluster.create_database()
    engine = create_engine(database)
    tmp = Path(tempfile.mkdtemp(prefix="instances-scale-"))
    result: dict[str, object] = {"instances": count}
    fetch = ("per_host_delay_seconds = 1.0\nper_host_concurrency = 2\nretries = 3\n"
             "timeout_seconds = 20")
    try:
        with FakeTelegram(TOKEN, chats=[EN, AR]) as fake:
            sources = [{"name": f"site{i:03d}", "url": url} for i, url in enumerate(servers.urls)]
            configs = [write_config(tmp / f"i{n}", sources, fake.url, schedule="*/30 * * * *",
                                    fetch=fetch) for n in range(count)]
            for round_name in ("first", "steady"):
                servers.requests()  # reset
                before = finished_runs(engine)
                started = time.monotonic()
                processes = [start_instance(c, database, None) for c in configs]
                ok = wait(lambda b=before: sum(1 for s, n in finished_runs(engine).items()
                                               if n > b.get(s, 0)) == len(sources), 1800)
                wall = time.monotonic() - started
                cpu = [cpu_seconds(p.pid) for p in processes]
                stop(processes)
                requests, listing = servers.requests()
                result[round_name] = (f"wall {wall:.1f} s{'' if ok else ' (timed out)'}, "
                                      f"CPU per instance {', '.join(f'{c:.1f}' for c in cpu)} s, "
                                      f"requests {requests} (listing pages {listing})")
                with engine.begin() as conn:  # every source overdue for the next round
                    conn.execute(text("update runs set started = started - interval '2 hours'"
                                      ", finished = finished - interval '2 hours'"))
    finally:
        engine.dispose()  # type: ignore[attr-defined]
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["share", "scale", "all"], default="all")
    parser.add_argument("--kill", action="store_true")
    parser.add_argument("--hosts", action="store_true",
                        help="each instance under a host name of its own (needs root)")
    parser.add_argument("--sources", type=int, default=200)
    args = parser.parse_args()
    cluster = PostgresCluster()
    cluster.start()
    try:
        if args.part in ("share", "all"):
            for count in (1, 2, 3):
                print("share", share(cluster, count, kill=args.kill, hosts=args.hosts),
                      flush=True)
        if args.part in ("scale", "all"):
            with ReplicaServers(args.sources, 2) as servers:
                for count in (1, 2):
                    print("scale", scale(cluster, servers, count), flush=True)
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the private-chat polling handed over when its instance dies.

Two `feedbot run` processes share a throw-away PostgreSQL cluster with private chats on
(bot/poll_lease.py: one of them polls). Each round SIGKILLs the instance holding the
polling lease, has a user send /start at once, and measures the seconds until the lease
names the survivor and until the user has the answer; a fresh instance then takes the
dead one's place. Counted too: 409 Conflicts the fake Bot API answered (two consumers at
once), and answers sent more than once.

Run: .venv/bin/python bench/poll_handover.py [--rounds 5] [--lease-seconds 8]
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401  (puts the repository on sys.path)
from sqlalchemy import create_engine, text

from bot.poll_lease import POLL_LEASE
from feeds.replica import ReplicaSite
from tests.conftest import TEST_TOKEN as TOKEN
from tests.fakes.telegram import FakeTelegram
from tests.pg_cluster import PostgresCluster
from tests.test_instances import start
from tests.test_service import free_port

USER = 4242


def write_config(workdir: Path, site: ReplicaSite, telegram_url: str, lease: float) -> Path:
    workdir.mkdir(parents=True)
    path = workdir / "config.toml"
    path.write_text(f"""
timezone = "UTC"
lease_seconds = {lease}
[[sources]]
name = "site"
url = "{site.base_url}/"
schedule = "every 10m"
[sources.listings]
en = "{site.listing_url("en")}"
[feeds]
output_dir = "public"
base_url = "https://feeds.example/"
listen = "127.0.0.1:{free_port()}"
[telegram]
token_env = "TEST_FEEDBOT_TOKEN"
api_base_url = "{telegram_url}"
[telegram.channels]
en = "@alqst_en"
[telegram.private]
enabled = true
poll_timeout = 10
""")
    return path


def wait(condition, timeout: float) -> float | None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.02)
    return None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lease-seconds", type=float, default=8.0)
    args = parser.parse_args()
    cluster = PostgresCluster()
    cluster.start()
    url = cluster.create_database()
    engine = create_engine(url)

    def holder() -> str | None:
        try:
            with engine.connect() as conn:
                return conn.execute(text("select holder from source_leases where source = :n"),
                                    {"n": POLL_LEASE}).scalar_one_or_none()
        except Exception:
            return None

    moved: list[float] = []
    answered: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, ReplicaSite() as site, \
            FakeTelegram(TOKEN, chats=["@alqst_en"]) as fake:
        fake.add_user(USER)
        n = 0

        def launch() -> subprocess.Popen[str]:
            nonlocal n
            n += 1
            return start(write_config(Path(tmp) / f"i{n}", site, fake.url,
                                      args.lease_seconds), url)

        running = [launch(), launch()]
        try:
            assert wait(lambda: holder() is not None, 60) is not None, "nobody polls"
            time.sleep(args.lease_seconds)  # both up and settled
            for _ in range(args.rounds):
                held = str(holder())
                victim = next(p for p in running if f":{p.pid}:" in held)
                survivor = next(p for p in running if p is not victim)
                before = len(fake.sent(str(USER)))
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                t_kill = time.monotonic()
                fake.user_says(USER, "/start en")
                mark = f":{survivor.pid}:"
                wait(lambda mark=mark: mark in str(holder()), 120)
                t_moved = time.monotonic() - t_kill
                wait(lambda before=before: len(fake.sent(str(USER))) > before, 120)
                t_answer = time.monotonic() - t_kill
                moved.append(t_moved)
                answered.append(t_answer)
                print(f"round: lease moved after {t_moved:.2f} s, answer after "
                      f"{t_answer:.2f} s", flush=True)
                running = [survivor, launch()]
                time.sleep(args.lease_seconds)
            time.sleep(2)
        finally:
            for process in running:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    process.communicate(timeout=30)
            engine.dispose()
            cluster.stop()
        sent = len(fake.sent(str(USER)))
    print(f"lease_seconds={args.lease_seconds:g} rounds={args.rounds}")
    print(f"lease moved: median {statistics.median(moved):.2f} s, max {max(moved):.2f} s")
    print(f"/start answered: median {statistics.median(answered):.2f} s, "
          f"max {max(answered):.2f} s")
    # A killed poller's long poll still waits inside the fake; the survivor's first poll
    # ends it with a 409 that nobody reads: at most one per round.
    print(f"409 conflicts: {fake.conflicts} (at most {args.rounds} are dead polls ended); "
          f"answers: {sent} for {args.rounds} commands")
    return 0


if __name__ == "__main__":
    sys.exit(main())

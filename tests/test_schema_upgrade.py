"""A database written by release 6557361 (the last before migrations, kept as a fixture file
with its configuration) through the real command line: `run` and `check` refuse it with one
line, `feedbot db upgrade` upgrades it in place with every row kept, the post it had queued
is sent once, and the feeds published from it are byte for byte those release 6557361
published (tests/data/databases/feeds-6557361, made with that release's code)."""

from __future__ import annotations

import asyncio
import io
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.app import build_parts, make_delivery, publish
from bot.config import load_config
from bot.outbox import Status
from bot.sender import DryRunSender
from feeds.replica import ReplicaSite
from feeds.schema import current_revision, head_revision
from feeds.store import make_engine
from tests.fakes.telegram import FakeTelegram
from tests.test_migrations import row_counts
from tests.test_service import (
    free_port,
    runs_finished,
    start_service,
    telegram,  # noqa: F401 - a fixture
    wait_for,
    write_config,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "databases"
FEEDS = DATA / "feeds-6557361"


def feedbot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def previous_release(tmp_path: Path) -> tuple[Path, Path]:
    """The fixture database and its config.toml in `tmp_path`: (config, database)."""
    shutil.copy(DATA / "feedbot-6557361.toml", tmp_path / "config.toml")
    shutil.copy(DATA / "feedbot-6557361.sqlite", tmp_path / "feedbot.sqlite")
    return tmp_path / "config.toml", tmp_path / "feedbot.sqlite"


def feed_files(root: Path) -> dict[str, bytes]:
    """The feed files (RSS, Atom, JSON, OPML) under `root`, by relative path."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.suffix != ".html"}


def to_the_minute(feeds: dict[str, bytes]) -> dict[str, bytes]:
    """Times cut to the minute: since 6557361, entries of one day that shared an update
    time (a W3C warning) are moved apart by whole seconds; nothing else may differ."""
    return {name: re.sub(rb"(\d\d:\d\d):\d\d", rb"\1", data) for name, data in feeds.items()}


def test_the_previous_release_is_refused_then_upgraded_with_nothing_lost(
        tmp_path: Path) -> None:
    config_path, db = previous_release(tmp_path)
    before = row_counts(db)
    assert before["articles"] == 28 and before["outbox"] == 28

    current = feedbot("db", "current", "--config", str(config_path))
    assert current.returncode == 1, current.stderr
    assert "current: 0001 (made by release 6557361" in current.stdout
    assert f"head: {head_revision()}" in current.stdout
    for command in (("run", "--dry-run"), ("check",)):
        refused = feedbot(*command, "--config", str(config_path))
        assert refused.returncode == 2, refused.stderr
        [line] = refused.stderr.strip().splitlines()
        assert line == (f"refused: database {db} is at schema revision 0001, this feedbot "
                        f"needs {head_revision()}: run `feedbot db upgrade` or start "
                        "`feedbot run --upgrade`")
        assert refused.stdout == ""
    assert row_counts(db) == before and current_revision(make_engine(db)) == "0001"

    upgraded = feedbot("db", "upgrade", "--config", str(config_path))
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout == f"database {db}: upgraded from 0001 to {head_revision()}\n"
    after = row_counts(db)
    # Every row kept; the tables later releases added start empty.
    assert {table: after[table] for table in before} == before
    assert {table: after[table] for table in after.keys() - before.keys()} == dict.fromkeys(
        after.keys() - before.keys(), 0)
    assert {"chat_waits", "instances", "source_leases"} <= after.keys()
    again = feedbot("db", "upgrade", "--config", str(config_path))
    assert again.returncode == 0 and "nothing to do" in again.stdout
    current = feedbot("db", "current", "--config", str(config_path))
    assert current.returncode == 0
    assert current.stdout.endswith(f"current: {head_revision()}\nhead: {head_revision()}\n")

    config = load_config(config_path)
    parts = build_parts(config)
    publish(config, parts.store)
    # The feeds 6557361 published, byte for byte but for the seconds of shared update
    # times (its HTML pages are not compared: later releases redesigned them).
    published = feed_files(config.feeds.output_dir)
    assert to_the_minute(published) == to_the_minute(feed_files(FEEDS))
    assert published["ar/rss.xml"] == feed_files(FEEDS)["ar/rss.xml"]

    [queued] = parts.outbox.items(status=Status.PENDING)
    printed = io.StringIO()

    async def drain() -> int:
        async with DryRunSender(printed) as sender:
            return (await make_delivery(parts, sender).drain()).sent

    assert asyncio.run(drain()) == 1
    assert "Queued before the upgrade" in printed.getvalue()
    assert parts.outbox.get(queued.id).status is Status.SENT  # type: ignore[union-attr]
    assert parts.outbox.status().held == {"baseline": 25}


def test_db_current_on_a_database_not_made_yet_creates_nothing(tmp_path: Path) -> None:
    config_path, db = previous_release(tmp_path)
    db.unlink()
    current = feedbot("db", "current", "--config", str(config_path))
    assert current.returncode == 0, current.stderr
    assert "does not exist yet" in current.stdout and not db.exists()


def test_run_with_upgrade_upgrades_the_previous_release_and_starts(
        tmp_path: Path, site: ReplicaSite, telegram: FakeTelegram) -> None:  # noqa: F811
    config = write_config(tmp_path, site, telegram.url, free_port())
    db = tmp_path / "data" / "feedbot.sqlite"
    db.parent.mkdir()
    shutil.copy(DATA / "feedbot-6557361.sqlite", db)
    service = start_service(config, args=("--upgrade",))
    try:
        wait_for(lambda: runs_finished(db) >= 1, what="a run after the upgrade")
    finally:
        service.send_signal(signal.SIGTERM)
        output, _ = service.communicate(timeout=15)
    assert service.returncode == 0, output
    assert f"upgraded database {db} from revision 0001 to {head_revision()}" in output
    assert current_revision(make_engine(db)) == head_revision()
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] >= 28

"""A database written by the release before this work (commit 6557361, kept as a fixture
file) opens with this code: missing columns and tables are added, nothing is lost, and
the post it had queued is sent once."""

from __future__ import annotations

import asyncio
import io
import shutil
import sqlite3
from pathlib import Path

from bot.app import build_parts, make_delivery
from bot.config import parse_config
from bot.outbox import Status
from bot.sender import DryRunSender

FIXTURE = Path(__file__).parent / "data" / "databases" / "feedbot-6557361.sqlite"


def columns(db: Path, table: str) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[1] for row in conn.execute(f"pragma table_info({table})")}


def test_a_database_of_the_previous_release_upgrades_in_place(tmp_path: Path) -> None:
    db = tmp_path / "feedbot.sqlite"
    shutil.copy(FIXTURE, db)
    assert "claimed_by" not in columns(db, "outbox")
    with sqlite3.connect(db) as conn:
        before = {t: conn.execute(f"select count(*) from {t}").fetchone()[0]
                  for t in ("articles", "outbox", "fetch_state", "runs")}
    config = parse_config({"database": str(db), "sources": [
        {"name": "alqst", "listings": {"en": "https://alqst.org/en/posts?page={page}"}}],
        "telegram": {"channel": "@alqst"}}, tmp_path)

    parts = build_parts(config)
    assert {"claimed_by", "claim_expires"} <= columns(db, "outbox")
    assert {"lang", "dead_passes", "gone_since"} <= columns(db, "fetch_state")
    with sqlite3.connect(db) as conn:
        after = {t: conn.execute(f"select count(*) from {t}").fetchone()[0]
                 for t in ("articles", "outbox", "fetch_state", "runs")}
        assert conn.execute("select count(*) from chat_waits").fetchone()[0] == 0
    assert after == before
    [queued] = parts.outbox.items(status=Status.PENDING)
    printed = io.StringIO()

    async def drain() -> int:
        async with DryRunSender(printed) as sender:
            return (await make_delivery(parts, sender).drain()).sent

    assert asyncio.run(drain()) == 1
    assert "Queued before the upgrade" in printed.getvalue()
    assert parts.outbox.get(queued.id).status is Status.SENT  # type: ignore[union-attr]
    assert parts.outbox.status().held == {"baseline": 25}
    build_parts(config)  # opening an upgraded database again changes nothing

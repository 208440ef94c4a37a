"""The migration history: revision 0001 is release 6557361's schema, fresh and upgraded
databases end up alike, the code's tables agree with the migrations, a database below head
is refused unless upgrading is allowed, and processes starting together migrate once.

The tests take the database from the `database_url` fixture (SQLite files here), so they can
be run against PostgreSQL as well; the schema comparisons that read `sqlite_master` are
SQLite's, the rest is portable."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, inspect, text

from bot import alerts, followers, leases, outbox, runs
from feeds import digests, store
from feeds.schema import (
    BASELINE,
    SchemaOutdated,
    SchemaUnknown,
    alembic_config,
    current_revision,
    head_revision,
    needs_upgrade,
    prepare,
    recorded_revision,
    upgrade,
)
from feeds.store import make_engine, open_engine

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "databases" / "feedbot-6557361.sqlite"
# Tables the revisions after 0001 add, empty after an upgrade.
EMPTY_NEW_TABLES = {"chat_waits": 0, "instances": 0, "source_leases": 0, "digests": 0,
                    "followers": 0, "followed": 0}


def sqlite_schema(db: Path) -> dict[str, Any]:
    """Everything SQLite knows of the schema: each object's CREATE statement, each table's
    columns (type, NOT NULL, default, primary key) and indexes (unique, origin, partial),
    each index's columns. The order indexes were made in is left out: create_all made them
    in set order, which differs from run to run."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        schema: dict[str, Any] = {}
        for kind, name, table, sql in conn.execute(
                "select type, name, tbl_name, sql from sqlite_master "
                "where tbl_name != 'alembic_version'"):
            entry: dict[str, Any] = {"type": kind, "table": table, "sql": sql}
            if kind == "table":
                entry["columns"] = conn.execute(f"pragma table_info('{name}')").fetchall()
                entry["indexes"] = sorted(r[1:] for r in conn.execute(
                    f"pragma index_list('{name}')"))
            else:
                entry["columns"] = conn.execute(f"pragma index_xinfo('{name}')").fetchall()
            schema[name] = entry
    return schema


def row_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute(
            "select name from sqlite_master where type = 'table' and name != 'alembic_version'")]
        return {t: conn.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}


def contents(db: Path) -> list[str]:
    """The database as SQL (schema and rows); the file's bytes change with WAL mode alone."""
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


@pytest.fixture
def database_url(backend: str) -> str:
    """An empty database of the backend under test (SQLite, then PostgreSQL)."""
    return backend


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    """A copy of the database release 6557361 made."""
    db = tmp_path / "old.sqlite"
    shutil.copy(FIXTURE, db)
    return db


def test_revision_0001_is_the_schema_release_6557361_made(tmp_path: Path) -> None:
    db = tmp_path / "0001.sqlite"
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), BASELINE)
    assert sqlite_schema(db) == sqlite_schema(FIXTURE)
    assert "WHERE last_error IS NOT NULL" in sqlite_schema(db)["ix_fetch_state_failing"]["sql"]


def test_a_fresh_database_and_an_upgraded_one_have_the_same_schema(
        tmp_path: Path, old_db: Path) -> None:
    fresh = tmp_path / "fresh.sqlite"
    open_engine(fresh).dispose()
    open_engine(old_db, allow_upgrade=True).dispose()
    assert sqlite_schema(old_db) == sqlite_schema(fresh)
    assert {"claimed_by", "claim_expires"} <= {c[1] for c in sqlite_schema(fresh)["outbox"]
                                               ["columns"]}


def test_the_migrations_make_the_tables_the_code_declares(database_url: str) -> None:
    """A column added to a Table without a migration (or the reverse) fails here."""
    engine = open_engine(database_url)
    declared = MetaData()
    for module in (store, outbox, runs, alerts, leases, digests, followers):
        for table in module.metadata.tables.values():
            table.to_metadata(declared)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={
            "compare_type": True}), declared)
    assert differences == []
    assert set(inspect(engine).get_table_names()) == set(declared.tables) | {"alembic_version"}


def test_the_history_is_one_line_from_0001_to_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [head_revision()]
    assert [s.revision for s in script.walk_revisions()][-1] == BASELINE


def test_a_new_database_is_created_at_head_without_asking(database_url: str) -> None:
    engine = make_engine(database_url)
    assert current_revision(engine) is None and not needs_upgrade(engine)
    done = prepare(engine)
    assert (done.before, done.after) == (None, head_revision())
    assert current_revision(engine) == head_revision()
    assert not prepare(engine).changed  # again: nothing to do


def test_a_database_of_release_6557361_is_refused_until_upgrading_is_allowed(
        old_db: Path) -> None:
    before = contents(old_db)
    engine = make_engine(old_db)
    assert current_revision(engine) == BASELINE and recorded_revision(engine) is None
    assert needs_upgrade(engine)
    with pytest.raises(SchemaOutdated) as refused:
        open_engine(old_db)
    message = str(refused.value)
    assert "\n" not in message and str(old_db) in message
    assert f"revision {BASELINE}" in message and head_revision() in message
    assert "feedbot db upgrade" in message and "--upgrade" in message
    assert contents(old_db) == before  # refused before changing anything

    counts = row_counts(old_db)
    done = upgrade(engine)
    assert (done.before, done.after) == (BASELINE, head_revision())
    assert recorded_revision(engine) == head_revision() and not needs_upgrade(engine)
    assert row_counts(old_db) == counts | EMPTY_NEW_TABLES


def test_a_database_of_a_main_build_before_migrations_keeps_what_it_had(
        tmp_path: Path, old_db: Path) -> None:
    """Builds between 6557361 and migrations added columns one by one on opening: such a
    database has part of revision 0002 already, and no alembic_version table."""
    with sqlite3.connect(old_db) as conn:
        conn.execute("ALTER TABLE outbox ADD COLUMN claimed_by VARCHAR(200)")
        conn.execute("ALTER TABLE outbox ADD COLUMN claim_expires DATETIME")
        conn.execute("ALTER TABLE fetch_state ADD COLUMN lang VARCHAR(10)")
        conn.execute("CREATE TABLE chat_waits (chat VARCHAR(200) NOT NULL, until DATETIME "
                     "NOT NULL, reason TEXT, PRIMARY KEY (chat))")
        conn.execute("UPDATE outbox SET claimed_by = 'host:1'")
    counts = row_counts(old_db)
    upgrade(make_engine(old_db))
    fresh = tmp_path / "fresh.sqlite"
    open_engine(fresh).dispose()
    columns = {name: {c[1:] for c in entry["columns"]}
               for name, entry in sqlite_schema(old_db).items() if entry["type"] == "table"}
    assert columns == {name: {c[1:] for c in entry["columns"]}
                       for name, entry in sqlite_schema(fresh).items()
                       if entry["type"] == "table"}
    assert row_counts(old_db) == counts | {"instances": 0, "source_leases": 0, "digests": 0,
                                          "followers": 0, "followed": 0}
    with sqlite3.connect(old_db) as conn:
        assert {r[0] for r in conn.execute("select claimed_by from outbox")} == {"host:1"}


def test_a_revision_this_code_does_not_know_is_refused(database_url: str) -> None:
    engine = open_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaUnknown, match="revision 9999, which this feedbot does not know"):
        prepare(engine, allow_upgrade=True)


def test_tables_that_are_not_feedbots_are_not_touched(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE articles (id INTEGER)")
    with pytest.raises(SchemaUnknown, match="not touching it"):
        open_engine(db, allow_upgrade=True)


@pytest.mark.slow
def test_processes_upgrading_the_previous_release_together_do_it_once(
        tmp_path: Path, old_db: Path) -> None:
    counts = row_counts(old_db)
    start_at = time.time() + 1.5  # all import first, then open the database together
    code = ("import sys, time; from feeds.store import open_engine\n"
            "time.sleep(max(0, float(sys.argv[2]) - time.time()))\n"
            "open_engine(sys.argv[1], allow_upgrade=True); print('ok')")
    processes = [subprocess.Popen([sys.executable, "-c", code, str(old_db), str(start_at)],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True) for _ in range(6)]
    outputs = [p.communicate(timeout=60)[0] for p in processes]
    assert [p.returncode for p in processes] == [0] * 6, outputs
    fresh = tmp_path / "fresh.sqlite"
    open_engine(fresh).dispose()
    assert sqlite_schema(old_db) == sqlite_schema(fresh)
    assert row_counts(old_db) == counts | EMPTY_NEW_TABLES
    with sqlite3.connect(old_db) as conn:
        assert conn.execute("select version_num from alembic_version").fetchall() == [
            (head_revision(),)]

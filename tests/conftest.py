"""Shared fixtures: a fresh replica site per test (tests publish on it and inject faults), and
the databases: a SQLite file or a PostgreSQL database of its own per test (`backend`)."""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from feeds.database import sqlite_url
from feeds.replica import ReplicaSite
from tests.pg_cluster import ClusterUnavailable, PostgresCluster

# A token in Telegram's shape, for the fake Bot API; tests assert it never leaks.
TEST_TOKEN = "123456789:TEST-fake-token-not-real"


@pytest.fixture
def site() -> Iterator[ReplicaSite]:
    with ReplicaSite() as replica:
        yield replica


# ---- databases: SQLite files and a throw-away PostgreSQL cluster -------------------------------

REQUIRE_POSTGRES = "FEEDBOT_REQUIRE_POSTGRES"  # "1" (CI): no PostgreSQL is an error, not a skip


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    """One cluster for the whole session (tests/pg_cluster.py), stopped and removed at the
    end. Without PostgreSQL its tests are skipped, naming why, unless CI requires it."""
    try:
        import psycopg  # noqa: F401 - the driver the URLs name
    except ImportError:
        _no_postgres("psycopg is not installed (pip install -e '.[test]')")
    try:
        cluster = PostgresCluster()
        cluster.start()
    except ClusterUnavailable as exc:
        _no_postgres(str(exc))
    try:
        yield cluster
    finally:
        cluster.stop()


def _no_postgres(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_POSTGRES) == "1":
        pytest.fail(f"PostgreSQL required ({REQUIRE_POSTGRES}=1) but unavailable: {reason}",
                    pytrace=False)
    pytest.skip(f"PostgreSQL unavailable: {reason}")


@pytest.fixture
def postgres_url(pg_cluster: PostgresCluster) -> Iterator[str]:
    """The URL of a new, empty database of its own (password included), dropped after."""
    url = pg_cluster.create_database()
    yield url
    # An engine a test did not dispose still holds connections: collect it quietly (psycopg
    # warns about a connection deleted while open) before the database goes.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    pg_cluster.drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL, once for a SQLite file and once for a PostgreSQL database."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "db.sqlite")
    return str(request.getfixturevalue("postgres_url"))

"""The database schema's version: where a database stands, and bringing it to head.

The tables are made by the Alembic migrations in `feeds/migrations/versions` (one history for
SQLite and PostgreSQL), never by `create_all`. A new, empty database is created at head
without asking; an existing one below head is upgraded only when the operator says so
(`feedbot db upgrade`, `feedbot run --upgrade`), because an upgrade can be slow and an older
release cannot read the result.

A database made before migrations existed (release 6557361 and the builds after it, which
created tables with `create_all`) has no `alembic_version` table: it is recognised as
revision 0001 (the schema of that release) and stamped so before upgrading.

Migrations run under an exclusive lock, so processes starting together do them once: on
SQLite a `flock` on `<database>.migrate.lock` beside the file (not the writer lock:
`status` and `preview` open the database without it), on PostgreSQL a transaction-level
advisory lock taken first thing in the migration transaction. On SQLite the whole
migration is one `BEGIN IMMEDIATE` transaction, so a crash leaves the old schema.

Errors::

    SchemaError                 the database cannot be used by this code
    +-- SchemaOutdated          below head; an upgrade is needed (and allowed to be asked)
    +-- SchemaUnknown           a revision this code does not know, or foreign tables
"""

from __future__ import annotations

import fcntl
import logging
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

SCRIPT_LOCATION = str(Path(__file__).with_name("migrations"))

# The revision whose schema is that of release 6557361, the last one without migrations.
BASELINE = "0001"
# The tables of that release: an unversioned database holding them is at BASELINE.
BASELINE_TABLES = frozenset({"articles", "fetch_state", "listing_state", "outbox",
                             "alert_problems", "alert_notices", "runs"})

# PostgreSQL advisory lock key for migrations (a bigint; other feedbot locks use other keys).
ADVISORY_KEY = zlib.crc32(b"feedbot:migrations")


class SchemaError(Exception):
    """The database's schema cannot be used by this code; the message says why, in one line."""


class SchemaOutdated(SchemaError):
    """The database is below head and this process was not told to upgrade it."""


class SchemaUnknown(SchemaError):
    """A revision this code does not know (a newer release?), or tables that are not ours."""


@dataclass(frozen=True)
class Upgrade:
    """What `upgrade` did: from which revision (None: an empty database) to which."""

    database: str
    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, made in code: no alembic.ini is needed or read."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package ships its versions
        raise SchemaError("schema: no migrations found in " + SCRIPT_LOCATION)
    return head


@cache
def _known_revisions() -> frozenset[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(s.revision for s in script.walk_revisions())


def describe(engine: Engine) -> str:
    """The database for messages: a path for SQLite, the URL without password otherwise."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def current_revision(engine: Engine) -> str | None:
    """The database's revision: None when it is empty, BASELINE for a database made before
    migrations existed."""
    with engine.connect() as conn:
        return _revision(conn)


def recorded_revision(engine: Engine) -> str | None:
    """The revision in the alembic_version table (None for a database made before
    migrations, which `current_revision` calls BASELINE)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def needs_upgrade(engine: Engine) -> bool:
    """True when the database exists (has tables) and is below head."""
    current = current_revision(engine)
    return current is not None and current != head_revision()


def prepare(engine: Engine, *, allow_upgrade: bool = False) -> Upgrade:
    """Make `engine`'s database usable by this code: an empty one is created at head; one
    below head is upgraded when `allow_upgrade`, else SchemaOutdated is raised."""
    head = head_revision()
    current = current_revision(engine)
    if current == head:
        return Upgrade(describe(engine), current, head)
    _check_known(engine, current)
    # Judged again under the migration lock, even to refuse: a revision below head seen
    # here may be another process half-way through creating a new database.
    return _migrate(engine, allow_upgrade=allow_upgrade)


def upgrade(engine: Engine) -> Upgrade:
    """Bring the database to head (creating it when empty); a no-op at head."""
    return prepare(engine, allow_upgrade=True)


def outdated_message(engine: Engine, current: str) -> str:
    return (f"database {describe(engine)} is at schema revision {current}, this feedbot "
            f"needs {head_revision()}: run `feedbot db upgrade` or start `feedbot run --upgrade`")


def _check_known(engine: Engine, current: str | None) -> None:
    if current is not None and current not in _known_revisions():
        raise SchemaUnknown(f"database {describe(engine)} is at schema revision {current}, "
                            f"which this feedbot does not know (head {head_revision()}); "
                            "was it upgraded by a newer release?")


def _revision(conn: Connection) -> str | None:
    current = MigrationContext.configure(conn).get_current_revision()
    if current is not None:
        return current
    tables = set(inspect(conn).get_table_names())
    if not tables:
        return None
    if tables == {"alembic_version"}:
        return None  # stamped nothing, made nothing: still empty
    if tables >= BASELINE_TABLES:
        return BASELINE
    raise SchemaUnknown(
        f"database {describe(conn.engine)} has tables but neither a schema revision nor all the "
        f"tables of release 6557361 (missing: {', '.join(sorted(BASELINE_TABLES - tables))});"
        " not touching it")


def _migrate(engine: Engine, *, allow_upgrade: bool) -> Upgrade:
    with _migration_connection(engine) as conn:
        # Looked at again under the lock: another process may have done the work meanwhile.
        before = _revision(conn)
        _check_known(engine, before)
        head = head_revision()
        if before == head:
            return Upgrade(describe(engine), before, head)
        if before is not None and not allow_upgrade:
            raise SchemaOutdated(outdated_message(engine, before))
        config = alembic_config(conn)
        if before is not None and MigrationContext.configure(conn).get_current_revision() \
                is None:
            command.stamp(config, BASELINE)  # made before migrations: it is at BASELINE
        command.upgrade(config, "head")
    if before is None:
        log.debug("schema: created database %s at revision %s", describe(engine), head)
    else:
        log.info("schema: upgraded database %s from revision %s to %s",
                    describe(engine), before, head)
    return Upgrade(describe(engine), before, head)


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    """One transaction holding the migration lock, committed when the block ends."""
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        path = engine.url.database
        if not path or path == ":memory:":
            # A private in-memory database: nobody to race with, and another engine
            # would see another database.
            with engine.begin() as conn:
                yield conn
            return
        with _file_lock(Path(path).with_name(Path(path).name + ".migrate.lock")):
            migrator = _sqlite_migration_engine(engine)
            try:
                with migrator.begin() as conn:
                    yield conn
            finally:
                migrator.dispose()
        return
    with engine.begin() as conn:
        if backend == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})
        yield conn


def _sqlite_migration_engine(engine: Engine) -> Engine:
    """An engine whose transactions are real SQLite transactions (BEGIN IMMEDIATE), DDL
    included: pysqlite on its own commits before DDL, so a batch table copy could be cut
    in half by a crash."""
    migrator = create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": 30})

    @event.listens_for(migrator, "connect")
    def _autocommit_driver(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" below starts transactions

    @event.listens_for(migrator, "begin")
    def _begin_immediate(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return migrator


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits: the holder is migrating and will be done
        yield
    finally:
        os.close(fd)  # closing releases the lock

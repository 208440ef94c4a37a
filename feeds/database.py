"""Which database a setting names, and an engine for it: a SQLite file or a PostgreSQL server.

A plain path is a SQLite file; anything with "://" is a SQLAlchemy URL used as given
(`postgresql+psycopg://feedbot@db/feedbot`). The password of a URL is never shown: every
message and log line uses `display_url`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

SUPPORTED_BACKENDS = ("sqlite", "postgresql")
POSTGRES_EXTRA = "pip install 'feedbot[postgres]'"


class DatabaseURLError(ValueError):
    """The URL cannot be used here; the message is one line and carries no password."""


def is_url(value: str) -> bool:
    return "://" in value


def sqlite_url(path: Path | str) -> str:
    """The SQLAlchemy URL of a SQLite file, absolute; characters a URL would misread
    (`?`, `#`, `%`) are quoted so the URL names exactly this file."""
    absolute = os.path.abspath(path)
    return URL.create("sqlite", database=absolute).render_as_string(hide_password=False)


def database_url(path_or_url: Path | str) -> str:
    """A URL as it is; a path as the URL of that SQLite file."""
    text = str(path_or_url)
    return text if is_url(text) else sqlite_url(text)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for a server database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    name = parsed.database or ""
    if name in ("", ":memory:") or name.startswith("file:"):
        return None
    return Path(name)


def display_url(url: str) -> str:
    """What messages show: the file of a SQLite database, else the URL with its password
    hidden (`postgresql+psycopg://feedbot:***@db/feedbot`)."""
    path = sqlite_file(url)
    if path is not None:
        return str(path)
    return make_url(url).render_as_string(hide_password=True)


def check_url(url: str) -> None:
    """Raise DatabaseURLError when `url` is not one feedbot can open here: not a URL, a
    database other than SQLite or PostgreSQL, or a driver that is not installed."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        # The text may hold a password: say what is wrong, not what it was.
        raise DatabaseURLError("not a valid database URL (expected a form like "
                               "postgresql+psycopg://user@host/dbname)") from None
    backend = parsed.get_backend_name()
    shown = parsed.render_as_string(hide_password=True)
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseURLError(f"{shown}: {backend} is not supported; use a SQLite file "
                               "path or a PostgreSQL URL like postgresql+psycopg://user@host/db "
                               f"({POSTGRES_EXTRA})")
    try:
        parsed.get_dialect().import_dbapi()
    except (ImportError, NoSuchModuleError):
        driver = parsed.get_driver_name()
        hint = (f"install psycopg with {POSTGRES_EXTRA} and use postgresql+psycopg://"
                if backend == "postgresql" else "install it")
        raise DatabaseURLError(f"{shown}: the {backend} driver {driver!r} is not installed; "
                               f"{hint}") from None


def create_database_engine(url: str) -> Engine:
    """An engine for `url`: SQLite gets WAL, NORMAL sync, foreign keys and a busy timeout
    (its file's directory is created); PostgreSQL gets pre-ping, so a connection the
    server dropped (a restart, a failover) is replaced instead of failing a job."""
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine

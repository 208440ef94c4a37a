"""Storage faults as problems, not tracebacks: a full disk, a read-only or locked database,
or the database file deleted or replaced under the running process.

A failing database makes every job fail the same way, so the service asks this guard
before each job: while storage fails, jobs back off (30 s doubling to 30 min), each
attempt is one log line, and the operator hears once when it starts and once when it
ends. The alert cannot go through the database (it is what fails), so the service sends
it straight to the operator chat.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=30)

# What SQLite and PostgreSQL say, and what the operator should read.
_REASONS = (
    ("disk is full", "the disk is full (database or disk is full)"),
    ("no space left", "the disk is full (no space left on device)"),
    ("readonly database", "the database is read-only (attempt to write a readonly database)"),
    ("read-only", "the database is read-only"),
    ("database is locked", "the database is locked by another program"),
    ("disk i/o error", "disk I/O error"),
    ("unable to open database", "the database file cannot be opened"),
    ("no such table", "the database has lost its tables (was the file replaced?)"),
    # PostgreSQL down, restarting or unreachable (psycopg's words; they carry no password).
    ("connection refused", "the database server cannot be reached (connection refused)"),
    ("could not connect", "the database server cannot be reached"),
    ("connection failed", "the database server cannot be reached"),
    ("server closed the connection", "the database server closed the connection"),
    ("terminating connection", "the database server closed the connection"),
    ("the database system is", "the database server is starting up or shutting down"),
)


def storage_reason(exc: BaseException) -> str | None:
    """A one-line reason when `exc` is a storage fault, else None (a bug, not the disk)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"{exc.strerror} ({exc.filename or 'file'})"
    if not isinstance(exc, DBAPIError):
        return None
    text = str(exc.orig).lower()
    for needle, reason in _REASONS:
        if needle in text:
            return reason
    return None


@dataclass
class _Episode:
    since: datetime
    reason: str
    attempts: int
    next_try: datetime


class StorageGuard:
    """Backoff and one-line reporting for storage faults; see the module docstring."""

    def __init__(self, database: Path | None, display: str = "") -> None:
        """`database`: the SQLite file (None for a server database, which has no file to
        lose); `display`: how log lines name the database (default: the file)."""
        self.database = database
        self.display = display or str(database)
        self._episode: _Episode | None = None
        self._identity = _file_identity(database) if database is not None else None

    @property
    def failing(self) -> str | None:
        return self._episode.reason if self._episode else None

    def may_try(self, now: datetime) -> bool:
        return self._episode is None or now >= self._episode.next_try

    def failed(self, what: str, reason: str, now: datetime) -> bool:
        """Record a failed attempt (one log line); True when this starts an episode."""
        episode = self._episode
        if episode is None:
            episode = self._episode = _Episode(since=now, reason=reason, attempts=0,
                                               next_try=now)
        episode.attempts += 1
        episode.reason = reason
        wait = min(FIRST_BACKOFF * 2 ** (episode.attempts - 1), MAX_BACKOFF)
        episode.next_try = now + wait
        log.error("storage: %s failed: %s (%s); attempt %d, next in %d s", what, reason,
                  self.display, episode.attempts, wait.total_seconds())
        return episode.attempts == 1

    def worked(self, now: datetime) -> _Episode | None:
        """Storage works (again); returns the episode that just ended, if any."""
        episode, self._episode = self._episode, None
        if episode is not None:
            log.warning("storage: works again after %d failed attempt(s) since %s (%s)",
                        episode.attempts, episode.since.isoformat(timespec="seconds"),
                        self.display)
        return episode

    def file_lost(self) -> str | None:
        """Why the database file is no longer the one this process opened, or None.
        Writing on would go into a deleted file (lost at exit) or a stranger's database."""
        if self.database is None:  # a server database: nothing on this disk to lose
            return None
        if self._identity is None:  # not created yet at start
            self._identity = _file_identity(self.database)
            return None
        current = _file_identity(self.database)
        if current is None:
            return f"the database file {self.database} was deleted while feedbot was running"
        if current != self._identity:
            return f"the database file {self.database} was replaced while feedbot was running"
        return None


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino

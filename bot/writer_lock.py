"""One writer per database: an exclusive lock that `run`, `check` and `demo` hold for life.

For a SQLite file the lock is `<database>.lock` beside it, held with `fcntl.flock`: the
kernel releases it when the process ends, SIGKILL included, so a crash never leaves a
stale lock behind. The holder writes who it is (pid, host, command, since) into the file
so that a refused second process can say exactly who holds the database. PostgreSQL
(a later issue) keeps the same idea with a session advisory lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType


class DatabaseBusy(Exception):
    """Another process holds the database; the message says which, in one line."""


class WriterLock:
    """`with WriterLock(path, "feedbot run"):` — raises DatabaseBusy when held elsewhere."""

    def __init__(self, database: Path, command: str) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".lock")
        self.command = command
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise DatabaseBusy(f"database {self.database} is in use by {holder}; stop that "
                               "process first (one writer per database)") from None
        except BaseException:
            os.close(fd)
            raise
        me = {"pid": os.getpid(), "host": socket.gethostname(), "command": self.command,
              "since": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        # The holder record stays (truncating would race with the next holder's write);
        # an unlocked file with a record in it is simply free.
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def hold_database(database_file: Path | None, command: str) -> AbstractContextManager[object]:
    """The writer lock for a SQLite file. A server database (PostgreSQL) takes no lock:
    there several instances share the work through leases (bot/leases.py)."""
    if database_file is None:
        return nullcontext()
    return WriterLock(database_file, command)


def current_holder(database: Path) -> str | None:
    """Who holds `database` right now ("pid 4242 on host web1 (feedbot run) since ..."),
    or None when no process does. For `feedbot status`; takes nothing."""
    path = database.with_name(database.name + ".lock")
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read_holder(fd)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_holder(fd: int) -> str:
    try:
        record = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return (f"pid {int(record['pid'])} on host {record['host']} "
                f"({record['command']}) since {record['since']}")
    except (OSError, ValueError, KeyError, TypeError):
        # The holder has the lock but has not written its record yet (or wrote garbage).
        return "another process"

"""`feedbot db current` and `feedbot db upgrade`: the database's schema revision, for operators."""

from __future__ import annotations

from bot.config import Config
from bot.writer_lock import hold_database
from feeds.schema import (
    BASELINE,
    current_revision,
    describe,
    head_revision,
    recorded_revision,
    upgrade,
)
from feeds.store import make_engine


def db_current(config: Config) -> int:
    """Print the current and head revisions; 0 when current, 1 when an upgrade is needed.
    Reads only: a database that does not exist yet is not created."""
    head = head_revision()
    if config.database_file is not None and not config.database_file.exists():
        print(f"database {config.database_display}: does not exist yet (created at {head} "
              "on first start)")
        print(f"current: none\nhead: {head}")
        return 0
    engine = make_engine(config.database)
    try:
        current = current_revision(engine)
        stamped = recorded_revision(engine) is not None
    finally:
        engine.dispose()
    print(f"database {describe(engine)}")
    note = ""
    if current is None:
        note = " (empty: created at head on first start)"
    elif current == BASELINE and not stamped:
        note = " (made by release 6557361, before migrations)"
    print(f"current: {current or 'none'}{note}\nhead: {head}")
    if current is not None and current != head:
        print("upgrade needed: run `feedbot db upgrade` (or start `feedbot run --upgrade`)")
        return 1
    return 0


def db_upgrade(config: Config) -> int:
    """Bring the database to head, holding the writer lock as `run` and `check` do."""
    with hold_database(config.database_file, "feedbot db upgrade"):
        engine = make_engine(config.database)
        try:
            done = upgrade(engine)
        finally:
            engine.dispose()
    if not done.changed:
        print(f"database {done.database}: at {done.after} (head), nothing to do")
    else:
        print(f"database {done.database}: upgraded from {done.before or 'empty'} to "
              f"{done.after}")
    return 0


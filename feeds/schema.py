"""Create the tables a module declares, safely when several processes start at once.

Until real migrations exist, an upgrade only ever *adds*: new tables are created and new
nullable columns are added to tables an older release made (`ALTER TABLE ... ADD COLUMN`
works the same on SQLite and PostgreSQL). Nothing is dropped or changed.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Engine, MetaData, inspect
from sqlalchemy.exc import OperationalError, ProgrammingError

log = logging.getLogger(__name__)

ATTEMPTS = 5


def create_tables(engine: Engine, metadata: MetaData) -> None:
    """Create what is missing of `metadata`. Two processes doing this at the same moment
    both check "does the table exist?", both see no, and the slower one's CREATE fails
    with "already exists": that failure means the work is done, so look again."""
    for attempt in range(ATTEMPTS):
        try:
            metadata.create_all(engine)
            _add_missing_columns(engine, metadata)
            return
        except (OperationalError, ProgrammingError) as exc:
            text = str(exc.orig).lower()
            if ("already exists" not in text and "duplicate column" not in text) \
                    or attempt == ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _add_missing_columns(engine: Engine, metadata: MetaData) -> None:
    inspector = inspect(engine)
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        missing = [c for c in table.columns if c.name not in present]
        for column in missing:
            if not column.nullable:
                raise RuntimeError(f"schema: {table.name}.{column.name} is missing and not "
                                   "nullable; it needs a migration")
            kind = column.type.compile(dialect=engine.dialect)
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}')
            log.info("schema: added column %s.%s", table.name, column.name)

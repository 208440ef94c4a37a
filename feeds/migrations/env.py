"""Alembic's entry point: runs the migrations on the connection `feeds.schema` passes in.

SQLite gets batch mode (`render_as_batch`): its ALTER TABLE cannot drop or change a column,
so Alembic copies the table instead. With `alembic --sql` (offline) the SQL is printed for
the URL in the `sqlalchemy.url` option, for reading, never for running on a live database.
"""

from __future__ import annotations

from alembic import context

config = context.config
connection = config.attributes.get("connection")

if context.is_offline_mode():
    url = config.get_main_option("sqlalchemy.url") or "sqlite://"
    context.configure(url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()
elif connection is None:
    raise RuntimeError("feeds.migrations: run through feeds.schema (feedbot db upgrade), "
                       "which passes the connection")
else:
    # The caller holds the migration lock inside its own transaction: Alembic joins it
    # and commits nothing itself.
    context.configure(connection=connection,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()

"""What main added after release 6557361: outbox claims (claimed_by, claim_expires), the
chat_waits table (a chat's 429 wait), dead-link state of fetch_state (lang, dead_passes,
gone_since) and listing_state.resume_url. All nullable or new, so nothing is rewritten.

Builds of main between 6557361 and this revision added these one by one, without a
revision (feeds/schema.py's create_tables of the time): what such a database has already
is left as it is.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS: dict[str, list[sa.Column[Any]]] = {
    "outbox": [sa.Column("claimed_by", sa.String(200)),
               sa.Column("claim_expires", sa.DateTime())],
    "fetch_state": [sa.Column("lang", sa.String(10)),
                    sa.Column("dead_passes", sa.Integer()),
                    sa.Column("gone_since", sa.DateTime())],
    "listing_state": [sa.Column("resume_url", sa.String(1000))],
}


def _present() -> tuple[set[str], dict[str, set[str]]]:
    """Tables and their columns as they are (nothing, when only printing SQL)."""
    if context.is_offline_mode():
        return set(), {}
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    return tables, {t: {c["name"] for c in inspector.get_columns(t)} for t in COLUMNS}


def upgrade() -> None:
    tables, columns = _present()
    for table, wanted in COLUMNS.items():
        missing = [c for c in wanted if c.name not in columns.get(table, set())]
        if missing:
            with op.batch_alter_table(table) as batch:
                for column in missing:
                    batch.add_column(column)
    if "chat_waits" not in tables:
        op.create_table(
            "chat_waits",
            sa.Column("chat", sa.String(200), primary_key=True),
            sa.Column("until", sa.DateTime(), nullable=False),
            sa.Column("reason", sa.Text()),
        )


def downgrade() -> None:
    op.drop_table("chat_waits")
    for table, wanted in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in reversed(wanted):
                batch.drop_column(column.name)

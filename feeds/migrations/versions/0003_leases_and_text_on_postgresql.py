"""Several instances on one database: the `instances` table (who is alive) and
`source_leases` (which instance checks which source; bot/leases.py). On PostgreSQL the
strings a site decides (URLs, keys, ETags) become TEXT, as `feeds.store.site_string`
declares them: PostgreSQL enforces VARCHAR lengths that SQLite never did, and a site's
URL can be longer than 1000 characters.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SITE_STRINGS = {
    "articles": ["key", "url", "image"],
    "fetch_state": ["url", "etag", "last_modified", "article_key"],
    "listing_state": ["resume_url"],
    "outbox": ["article_key"],
}


def upgrade() -> None:
    op.create_table(
        "instances",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "source_leases",
        sa.Column("source", sa.String(100), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("expires", sa.DateTime(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
    )
    if op.get_context().dialect.name == "postgresql":
        for table, columns in SITE_STRINGS.items():
            for column in columns:
                op.alter_column(table, column, type_=sa.Text())


def downgrade() -> None:
    op.drop_table("source_leases")
    op.drop_table("instances")

"""Conditional listings: listing_state keeps listing page 1's validators (etag,
last_modified, sent with the next request) and its links with their teaser hashes
(first_page, JSON), which stand in for the page when it answers 304. All nullable: an
existing row simply has no stored page 1 yet, and its next pass fetches it as before.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A site's strings are TEXT on PostgreSQL (revision 0003), VARCHAR on SQLite.
    text = op.get_context().dialect.name == "postgresql"
    with op.batch_alter_table("listing_state") as batch:
        batch.add_column(sa.Column("etag", sa.Text() if text else sa.String(500)))
        batch.add_column(sa.Column("last_modified", sa.Text() if text else sa.String(100)))
        batch.add_column(sa.Column("first_page", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("listing_state") as batch:
        for column in ("first_page", "last_modified", "etag"):
            batch.drop_column(column)

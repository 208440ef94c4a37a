"""The schema of release 6557361, the last made without migrations: its seven tables as
its `create_all` made them (feeds/store.py, bot/outbox.py, bot/runs.py, bot/alerts.py).

A database of that release has no alembic_version table; `feeds.schema` recognises it by
its tables and stamps it with this revision instead of running it.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("key", sa.String(1000), primary_key=True),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("lang", sa.String(10), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("published", sa.DateTime(), nullable=False),
        sa.Column("date_is_guess", sa.Boolean(), nullable=False),
        sa.Column("updated", sa.DateTime(), nullable=False),
        sa.Column("image", sa.String(1000)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("translations", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_checked", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_articles_published", "articles", ["published"])
    op.create_index("ix_articles_url", "articles", ["url"])
    op.create_index("ix_articles_source", "articles", ["source"])

    op.create_table(
        "fetch_state",
        sa.Column("url", sa.String(1000), primary_key=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("etag", sa.String(500)),
        sa.Column("last_modified", sa.String(100)),
        sa.Column("article_key", sa.String(1000)),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("last_attempt", sa.DateTime()),
        sa.Column("last_success", sa.DateTime()),
    )
    failing = sa.text("last_error IS NOT NULL")
    op.create_index("ix_fetch_state_failing", "fetch_state", ["source", "last_attempt"],
                    sqlite_where=failing, postgresql_where=failing)
    op.create_index("ix_fetch_state_source", "fetch_state", ["source"])

    op.create_table(
        "listing_state",
        sa.Column("source", sa.String(100), primary_key=True),
        sa.Column("lang", sa.String(10), primary_key=True),
        sa.Column("links_last", sa.Integer(), nullable=False),
        sa.Column("links_max", sa.Integer(), nullable=False),
        sa.Column("last_run", sa.DateTime()),
        sa.Column("last_error", sa.Text()),
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("article_key", sa.String(1000), nullable=False),
        sa.Column("chat", sa.String(200), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("hold_reason", sa.String(50)),
        sa.Column("batch", sa.String(200)),
        sa.Column("first_run", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("lang", sa.String(10), nullable=False),
        sa.Column("published", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("in_flight_since", sa.DateTime()),
        sa.Column("last_error", sa.Text()),
        sa.Column("plain", sa.Boolean(), nullable=False),
        sa.Column("no_photo", sa.Boolean(), nullable=False),
        sa.Column("message_id", sa.Integer()),
        sa.Column("sent_at", sa.DateTime()),
        sa.Column("sent_as", sa.String(10)),
        sa.Column("sent_hash", sa.String(64)),
        sa.UniqueConstraint("article_key", "chat", "action",
                            name="uq_outbox_article_chat_action"),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_batch", "outbox", ["status", "batch"])

    op.create_table(
        "alert_problems",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime()),
        sa.Column("occurrences", sa.Integer(), nullable=False),
    )

    op.create_table(
        "alert_notices",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("sent_at", sa.DateTime()),
    )

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("started", sa.DateTime(), nullable=False),
        sa.Column("finished", sa.DateTime()),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text()),
    )
    op.create_index("ix_runs_source", "runs", ["source"])


def downgrade() -> None:
    for table in ("runs", "alert_notices", "alert_problems", "outbox", "listing_state",
                  "fetch_state", "articles"):
        op.drop_table(table)

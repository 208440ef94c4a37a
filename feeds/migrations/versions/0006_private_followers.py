"""Private-chat followers: `followers` (chat id, chosen language) and `followed` (the
phrases a chat follows, with their normalised form). Nothing else about a user is stored.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followers",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("lang", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )
    op.create_table(
        "followed",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("phrase_key", sa.String(300), nullable=False),
        sa.Column("phrase", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["followers.chat_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "phrase_key"),
    )


def downgrade() -> None:
    op.drop_table("followed")
    op.drop_table("followers")

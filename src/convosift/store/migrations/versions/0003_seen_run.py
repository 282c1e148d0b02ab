"""Conversations: the last run that found the row unchanged.

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


def upgrade() -> None:
    op.add_column("conversations", sa.Column("seen_run_id", sa.String(32)))


def downgrade() -> None:
    # In place (SQLite 3.35 and later, PostgreSQL): rebuilding the table would cascade into the
    # classifications and theme matches that reference it.
    op.drop_column("conversations", "seen_run_id")

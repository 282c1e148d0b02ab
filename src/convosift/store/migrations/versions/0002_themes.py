"""Themes: proposed themes from discovery and the history of curation decisions.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "theme_proposals",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("key_phrases", sa.JSON, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("members", sa.JSON, nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("centroid", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_signature", sa.String(128)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_theme_proposals_status", "theme_proposals", ["status"])
    op.create_table(
        "theme_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("target", sa.String(128)),
        sa.Column("matches_changed", sa.Integer, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("theme_decisions")
    op.drop_index("ix_theme_proposals_status", table_name="theme_proposals")
    op.drop_table("theme_proposals")

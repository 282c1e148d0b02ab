"""Initial schema: conversations, classifications, theme matches, skipped, runs, bookmarks, cache.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ACTIVE = sa.text("status IN ('running', 'stopping')")


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.Column("state", sa.String(32)),
        sa.Column("author_type", sa.String(32)),
        sa.Column("subject", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("contact_id", sa.String(128)),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("customer_text", sa.Text, nullable=False),
        sa.Column("kept", sa.Boolean, nullable=False),
        sa.Column("quality_reason", sa.String(64)),
        sa.Column("raw", sa.JSON, nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("ingested_at", sa.Float, nullable=False),
    )
    op.create_table(
        "classifications",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("conversation_id", sa.String(128), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("category", sa.String(64)),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("classifier", sa.String(128), nullable=False),
        sa.Column("model", sa.String(128), nullable=False),
        sa.Column("needs_review", sa.Boolean, nullable=False),
        sa.Column("error", sa.Text),
        sa.ForeignKeyConstraint(
            ["source", "conversation_id"], ["conversations.source", "conversations.id"], ondelete="CASCADE"
        ),
        sa.CheckConstraint("category IS NULL OR status = 'classified'", name="ck_classifications_category"),
    )
    op.create_table(
        "theme_matches",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("conversation_id", sa.String(128), primary_key=True),
        sa.Column("signature", sa.String(128)),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("evidence", sa.Text),
        sa.Column("matcher", sa.String(128), nullable=False),
        sa.Column("proposed_signature", sa.String(128)),
        sa.ForeignKeyConstraint(
            ["source", "conversation_id"], ["conversations.source", "conversations.id"], ondelete="CASCADE"
        ),
    )
    op.create_index("ix_theme_matches_signature", "theme_matches", ["signature"])
    op.create_table(
        "skipped",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("updated_at", sa.BigInteger),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("recorded_at", sa.Float, nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("since", sa.BigInteger, nullable=False),
        sa.Column("until", sa.BigInteger, nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("checkpoint", sa.JSON, nullable=False),
        sa.Column("preview", sa.JSON, nullable=False),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("owner_host", sa.String(255)),
        sa.Column("owner_pid", sa.Integer),
        sa.Column("lease", sa.String(32)),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("heartbeat_at", sa.Float, nullable=False),
        sa.Column("finished_at", sa.Float),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_runs_started_at", "runs", ["started_at"])
    op.create_index(
        "ux_runs_one_active_per_source",
        "runs",
        ["source"],
        unique=True,
        sqlite_where=_ACTIVE,
        postgresql_where=_ACTIVE,
    )
    op.create_table(
        "sync_bookmarks",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("bookmark", sa.BigInteger, nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "classification_cache",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "classification_cache",
        "sync_bookmarks",
        "runs",
        "skipped",
        "theme_matches",
        "classifications",
        "conversations",
    ):
        op.drop_table(table)

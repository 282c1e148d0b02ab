"""Tables of the themes area: proposed themes found by discovery, and the history of curation.

They live on the shared :data:`convosift.store.schema.metadata`; migration ``0002_themes`` creates them.
"""

from __future__ import annotations

import sqlalchemy as sa

from convosift.store.schema import metadata

theme_proposals = sa.Table(
    "theme_proposals",
    metadata,
    # Stable across discovery runs: a cluster that still exists keeps the id it had.
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("signature", sa.String(128), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("key_phrases", sa.JSON, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    # [[source, conversation_id], ...] of the cluster's conversations.
    sa.Column("members", sa.JSON, nullable=False),
    # [{"source", "conversation_id", "quote"}, ...], the most central first.
    sa.Column("evidence", sa.JSON, nullable=False),
    sa.Column("centroid", sa.JSON, nullable=False),
    # proposed | accepted | merged | gone (no longer found by discovery).
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("decided_signature", sa.String(128)),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)
sa.Index("ix_theme_proposals_status", theme_proposals.c.status)

theme_decisions = sa.Table(
    "theme_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("signature", sa.String(128), nullable=False),
    sa.Column("target", sa.String(128)),
    sa.Column("matches_changed", sa.Integer, nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
)

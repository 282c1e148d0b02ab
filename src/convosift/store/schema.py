"""The database schema, one SQLAlchemy Core ``MetaData`` for SQLite and PostgreSQL.

Migrations under ``store/migrations`` create exactly these tables; a test compares the two.
Timestamps of conversations are the source's UNIX seconds; bookkeeping times (run start,
heartbeat, ingestion) are UNIX seconds as floats so SQLite and PostgreSQL behave the same.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

ACTIVE_RUN_STATUSES = ("running", "stopping")
NAME_LENGTH = 128
"""Characters of a classifier's, model's or matcher's name the store keeps (longer names are cut
and end in a digest of the whole: :func:`convosift.store.conversations.fit_name`)."""

conversations = sa.Table(
    "conversations",
    metadata,
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
    # Which run wrote the row last: lets a run recognise conversations it already committed when
    # an invalid cursor forces it to list its window again.
    sa.Column("run_id", sa.String(32), nullable=False),
    sa.Column("ingested_at", sa.Float, nullable=False),
    # The last run that found the row unchanged: that run does not count it again when it lists
    # its window again.
    sa.Column("seen_run_id", sa.String(32)),
)

classifications = sa.Table(
    "classifications",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("conversation_id", sa.String(128), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("category", sa.String(64)),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("classifier", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("model", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("needs_review", sa.Boolean, nullable=False),
    sa.Column("error", sa.Text),
    sa.ForeignKeyConstraint(
        ["source", "conversation_id"], ["conversations.source", "conversations.id"], ondelete="CASCADE"
    ),
    sa.CheckConstraint("category IS NULL OR status = 'classified'", name="ck_classifications_category"),
)

theme_matches = sa.Table(
    "theme_matches",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("conversation_id", sa.String(128), primary_key=True),
    sa.Column("signature", sa.String(128)),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("evidence", sa.Text),
    sa.Column("matcher", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("proposed_signature", sa.String(128)),
    sa.ForeignKeyConstraint(
        ["source", "conversation_id"], ["conversations.source", "conversations.id"], ondelete="CASCADE"
    ),
)
sa.Index("ix_theme_matches_signature", theme_matches.c.signature)

skipped = sa.Table(
    "skipped",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("updated_at", sa.BigInteger),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("run_id", sa.String(32), nullable=False),
    sa.Column("recorded_at", sa.Float, nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
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
    # A fresh token per execution: a process that lost its run to a takeover can no longer commit.
    sa.Column("lease", sa.String(32)),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("heartbeat_at", sa.Float, nullable=False),
    sa.Column("finished_at", sa.Float),
    sa.Column("error", sa.Text),
)
sa.Index("ix_runs_started_at", runs.c.started_at)
# One active run per source, enforced by the database rather than by process memory.
sa.Index(
    "ux_runs_one_active_per_source",
    runs.c.source,
    unique=True,
    sqlite_where=runs.c.status.in_(ACTIVE_RUN_STATUSES),
    postgresql_where=runs.c.status.in_(ACTIVE_RUN_STATUSES),
)

sync_bookmarks = sa.Table(
    "sync_bookmarks",
    metadata,
    sa.Column("source", sa.String(64), primary_key=True),
    sa.Column("bookmark", sa.BigInteger, nullable=False),
    sa.Column("run_id", sa.String(32), nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

classification_cache = sa.Table(
    "classification_cache",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)


def conversations_with_results(*, themed_only: bool = False) -> sa.FromClause:
    """Conversations joined with their classification and theme match (both optional).

    ``themed_only`` keeps only conversations that have a theme-match row (matched or unmatched).
    """
    c, k, t = conversations.c, classifications.c, theme_matches.c
    on_theme = sa.and_(t.source == c.source, t.conversation_id == c.id)
    with_theme = (
        conversations.join(theme_matches, on_theme)
        if themed_only
        else conversations.outerjoin(theme_matches, on_theme)
    )
    return with_theme.outerjoin(classifications, sa.and_(k.source == c.source, k.conversation_id == c.id))

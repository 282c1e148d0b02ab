"""Migration 0002 creates exactly the tables that ``store/themes_schema.py`` describes."""

from __future__ import annotations

import sqlalchemy as sa

from convosift.store import Store
from convosift.store.themes_schema import theme_decisions, theme_proposals

THEME_TABLES = {theme_proposals.name, theme_decisions.name}


def test_the_themes_migration_matches_the_schema_module(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def ours(name: str | None, kind: str, _parents: object) -> bool:
        return kind != "table" or name in THEME_TABLES

    inspector = sa.inspect(store.engine)
    assert THEME_TABLES <= set(inspector.get_table_names())
    with store.read() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": ours})
        differences = [d for d in compare_metadata(context, theme_proposals.metadata) if _about_ours(d)]
    assert differences == []


def _about_ours(difference: object) -> bool:
    text = repr(difference)
    return any(name in text for name in THEME_TABLES)

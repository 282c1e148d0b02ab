"""The store on SQLite and PostgreSQL: migrations, upserts, the one-active-run index, the cache."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from convosift.domain import (
    Analysis,
    Classification,
    ClassificationStatus,
    QualityOutcome,
    Skipped,
    ThemeMatch,
)
from convosift.errors import RunConflictError
from convosift.store import Store
from convosift.store import runs as run_rows
from convosift.store.bookmarks import advance_bookmark, get_bookmark
from convosift.store.cache import DatabaseCache
from convosift.store.conversations import (
    ConversationResult,
    count_rows,
    export_rows,
    fit_name,
    save_results,
    save_skipped,
    stored_versions,
)
from convosift.store.schema import NAME_LENGTH, classifications, metadata, theme_matches
from pipeline.memory import make_conversation as conversation

OWN_TABLES = {
    "conversations",
    "classifications",
    "theme_matches",
    "skipped",
    "runs",
    "sync_bookmarks",
    "classification_cache",
}


def test_migrations_create_the_schema_on_a_fresh_database(fresh_store: Store) -> None:
    inspector = sa.inspect(fresh_store.engine)
    assert OWN_TABLES <= set(inspector.get_table_names())
    for name in OWN_TABLES:
        columns = {c["name"] for c in inspector.get_columns(name)}
        assert columns == set(metadata.tables[name].columns.keys()), name
    indexes = {i["name"]: i for i in inspector.get_indexes("runs")}
    assert indexes["ux_runs_one_active_per_source"]["unique"]
    with fresh_store.read() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() is not None


def test_the_migrations_match_the_schema_module(fresh_store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import convosift.store.themes_schema  # noqa: F401 - its tables belong to the same metadata

    with fresh_store.read() as conn:
        context = MigrationContext.configure(conn)
        assert compare_metadata(context, metadata) == []


def test_processes_opening_an_empty_database_together_migrate_it_once(database_url: str) -> None:
    barrier, errors, stores = threading.Barrier(3), [], []

    def open_store() -> None:
        barrier.wait()
        try:
            stores.append(Store(database_url))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=open_store) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == [] and len(stores) == 3
        with stores[0].read() as conn:
            assert len(conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()) == 1
    finally:
        for store in stores:
            store.dispose()


def test_opening_again_keeps_the_data(fresh_store: Store) -> None:
    with fresh_store.write() as conn:
        advance_bookmark(conn, "intercom", 100, "r1", 1.0)
    again = Store(fresh_store.url)
    try:
        with again.read() as conn:
            assert get_bookmark(conn, "intercom") == 100
    finally:
        again.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    try:
        with store.read() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    finally:
        store.dispose()


def _analysis(category: str | None, theme: str | None) -> Analysis:
    status = ClassificationStatus.CLASSIFIED if category else ClassificationStatus.FAILED
    return Analysis(
        classification=Classification(
            status=status, category=category, confidence=0.8, error=None if category else "x"
        ),
        theme=ThemeMatch(signature=theme, score=0.5),
    )


def test_upserts_are_idempotent_and_replace_the_stored_version(fresh_store: Store) -> None:
    first = ConversationResult(
        conversation(1), QualityOutcome(kept=True, reason="kept"), _analysis("spam", "t1")
    )
    with fresh_store.write() as conn:
        save_results(conn, "intercom", "r1", 1.0, [first])
        save_results(conn, "intercom", "r1", 1.0, [first])
    changed = ConversationResult(
        conversation(1, updated_at=999), QualityOutcome(kept=False, reason="too_short"), None
    )
    with fresh_store.write() as conn:
        save_results(conn, "intercom", "r2", 2.0, [changed])
        save_results(conn, "other", "r2", 2.0, [first])
    with fresh_store.read() as conn:
        assert count_rows(conn, "intercom") == {
            "conversations": 1,
            "classifications": 0,
            "theme_matches": 0,
            "skipped": 0,
        }
        rows = list(export_rows(conn))
        versions = stored_versions(conn, "intercom", ["c00001", "c00002"])
    assert [(r["source"], r["id"], r["updated_at"], r["kept"]) for r in rows] == [
        ("intercom", "c00001", 999, False),
        ("other", "c00001", first.conversation.updated_at, True),
    ]
    assert rows[0]["category"] is None and rows[1]["category"] == "spam" and rows[1]["theme"] == "t1"
    assert versions["c00001"].updated_at == 999 and versions["c00001"].run_id == "r2"
    assert "c00002" not in versions


def test_names_longer_than_a_column_are_stored_cut_and_told_apart(fresh_store: Store) -> None:
    """A composed model name of 130 characters failed every batch on PostgreSQL (SQLite keeps any
    length); a user's LLM deployment name can be as long."""
    long_names = ["m" * 200 + "-a", "m" * 200 + "-b"]
    results = [
        ConversationResult(
            conversation(i + 1),
            QualityOutcome(kept=True, reason="kept"),
            Analysis(
                classification=Classification(
                    status=ClassificationStatus.CLASSIFIED, category="x", confidence=0.9, model=name
                ),
                theme=ThemeMatch(signature=None, score=0.1, matcher=name),
            ),
        )
        for i, name in enumerate(long_names)
    ]
    with fresh_store.write() as conn:
        save_results(conn, "intercom", "r1", 1.0, results)
    with fresh_store.read() as conn:
        models = conn.execute(sa.select(classifications.c.model).order_by(classifications.c.conversation_id))
        stored = [row.model for row in models]
        matchers = {row.matcher for row in conn.execute(sa.select(theme_matches.c.matcher))}
    assert all(len(name) == NAME_LENGTH and name.startswith("m" * 100) for name in stored)
    assert len(set(stored)) == 2 and matchers == set(stored)
    assert fit_name("local-v5") == "local-v5"


def test_failed_classification_never_stores_a_category(fresh_store: Store) -> None:
    result = ConversationResult(conversation(3), QualityOutcome(kept=True), _analysis(None, None))
    with fresh_store.write() as conn:
        save_results(conn, "intercom", "r1", 1.0, [result])
    with fresh_store.read() as conn:
        (row,) = export_rows(conn)
    assert row["classification_status"] == "failed" and row["category"] is None


def test_skipped_records_are_kept_until_the_conversation_is_stored(fresh_store: Store) -> None:
    with fresh_store.write() as conn:
        save_skipped(conn, "intercom", "r1", 1.0, [Skipped(id="c00004", reason="malformed", updated_at=5)])
        save_skipped(conn, "intercom", "r1", 1.0, [Skipped(id="c00004", reason="malformed", updated_at=5)])
    with fresh_store.read() as conn:
        assert stored_versions(conn, "intercom", ["c00004"])["c00004"].skipped
    with fresh_store.write() as conn:
        save_results(
            conn,
            "intercom",
            "r2",
            2.0,
            [ConversationResult(conversation(4), QualityOutcome(kept=True), None)],
        )
    with fresh_store.read() as conn:
        assert count_rows(conn)["skipped"] == 0
        assert not stored_versions(conn, "intercom", ["c00004"])["c00004"].skipped


def _run_values(run_id: str, status: str = "running") -> dict[str, object]:
    return {
        "id": run_id,
        "kind": "backfill",
        "source": "intercom",
        "status": status,
        "since": 0,
        "until": 10,
        "options": {"batch_size": 10},
        "counts": {},
        "checkpoint": {},
        "preview": [],
        "phase": "starting",
        "owner_host": "h",
        "owner_pid": 1,
        "lease": run_id,
        "started_at": 1.0,
        "heartbeat_at": 1.0,
    }


def test_two_concurrent_creates_yield_exactly_one_active_run(fresh_store: Store) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def create(run_id: str) -> None:
        barrier.wait()
        try:
            with fresh_store.write() as conn:
                run_rows.insert_run(conn, _run_values(run_id))
            outcomes.append("created")
        except RunConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=create, args=(f"r{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "created"]
    with fresh_store.read() as conn:
        assert len(run_rows.active_runs(conn)) == 1


def test_finished_runs_do_not_block_a_new_one(fresh_store: Store) -> None:
    with fresh_store.write() as conn:
        run_rows.insert_run(conn, _run_values("r1"))
        assert run_rows.update_run(conn, "r1", {"status": "completed"}, lease="r1")
        run_rows.insert_run(conn, _run_values("r2"))
        with pytest.raises(RunConflictError, match="r2"):
            run_rows.insert_run(conn, _run_values("r3"))
        assert not run_rows.update_run(conn, "r2", {"status": "stopped"}, lease="someone-else")
    with fresh_store.read() as conn:
        assert {r["id"] for r in run_rows.active_runs(conn)} == {"r2"}


def test_bookmarks_only_move_forward(fresh_store: Store) -> None:
    with fresh_store.write() as conn:
        assert advance_bookmark(conn, "intercom", 100, "r1", 1.0) == 100
        assert advance_bookmark(conn, "intercom", 50, "r2", 2.0) == 100
        assert advance_bookmark(conn, "intercom", 150, "r3", 3.0) == 150
    with fresh_store.read() as conn:
        assert get_bookmark(conn, "intercom") == 150
        assert get_bookmark(conn, "files") is None


def test_database_cache_round_trips_and_overwrites(fresh_store: Store) -> None:
    cache = DatabaseCache(fresh_store, clock=lambda: 5.0)
    assert cache.get_many(["a"]) == {}
    cache.put_many({"a": {"category": "spam", "confidence": 0.5}, "b": {"x": [1, 2]}})
    cache.put_many({"a": {"category": "billing_question"}})
    assert cache.get_many(["a", "b", "c", "a"]) == {"a": {"category": "billing_question"}, "b": {"x": [1, 2]}}
    keys = [f"k{i}" for i in range(1200)]
    cache.put_many({key: {"v": 1} for key in keys})
    assert len(cache.get_many(keys)) == 1200


def test_the_seen_run_column_downgrades_in_place_and_keeps_every_row(fresh_store: Store) -> None:
    """Rebuilding the conversations table on SQLite would cascade into the rows that reference it."""
    from alembic import command
    from alembic.config import Config

    from convosift.store.database import _MIGRATIONS

    with fresh_store.write() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO conversations (source, id, created_at, updated_at, tags, customer_text, kept,"
                " raw, run_id, ingested_at) VALUES ('s', 'c1', 1, 1, '[]', 'hello', true, '{}', 'r', 0)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO classifications (source, conversation_id, status, category, confidence,"
                " classifier, model, needs_review) VALUES ('s', 'c1', 'classified', 'x', 0.9, 'l', 'm', false)"
            )
        )
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with fresh_store.engine.connect() as conn, conn.begin():
        config.attributes["connection"] = conn
        command.downgrade(config, "0002")
    with fresh_store.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM classifications")).scalar_one() == 1
        columns = {c["name"] for c in sa.inspect(conn).get_columns("conversations")}
    assert "seen_run_id" not in columns
    fresh_store.migrate()
    with fresh_store.read() as conn:
        assert "seen_run_id" in {c["name"] for c in sa.inspect(conn).get_columns("conversations")}

"""``convosift themes …`` and ``convosift report`` as a user runs them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml
from themes_seeding import DAY, START, Seed, seed
from typer.testing import CliRunner

from convosift.cli import app
from convosift.cli.app import console
from convosift.store import Store
from convosift.store.proposals import ClusterContent, insert_proposal

runner = CliRunner()


@pytest.fixture
def database(store: Store, monkeypatch: pytest.MonkeyPatch, vocabulary_file: Path) -> Store:
    monkeypatch.setenv("CONVOSIFT_DATABASE_URL", store.url)
    monkeypatch.setenv("CONVOSIFT_VOCABULARY", str(vocabulary_file))
    rows = [
        Seed(f"c{i}", START + i * DAY, "Coupon accepted, total unchanged.", "discount_code_not_applied")
        for i in range(30)
    ]
    rows += [
        Seed(f"g{i}", START + i * DAY, "Gift cards, please!", "gift_card_support_request") for i in range(3)
    ]
    seed(store, rows)
    return store


def _json(args: list[str]) -> object:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_themes_table_and_json(database: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    summaries = _json(["themes", "--json"])
    assert isinstance(summaries, list)
    assert [(s["signature"], s["count"]) for s in summaries] == [
        ("discount_code_not_applied", 30),
        ("gift_card_support_request", 3),
    ]
    assert _json(["themes", "--since", "2026-01-20", "--json"])[0]["count"] == 15  # type: ignore[index]
    # Wide enough for the titles whole, whatever COLUMNS was when the console was created.
    monkeypatch.setattr(console, "_width", 160)
    table = runner.invoke(app, ["themes"])
    assert table.exit_code == 0 and "Discount codes have no effect at checkout" in table.stdout
    assert "recent: the period's last 14 days (all of it if shorter); change: against as many" in table.stdout
    later = runner.invoke(app, ["themes", "--since", "2030-01-01"])
    assert "No themed conversations between 2030-01-01 and now." in later.stdout
    detail = _json(["themes", "show", "gift_card_support_request", "--json"])
    assert detail["count"] == 3 and len(detail["conversations"]) == 3  # type: ignore[index]
    # The table lists the latest conversations too, as many as --limit asks for.
    shown = runner.invoke(app, ["themes", "show", "gift_card_support_request", "--limit", "2"])
    assert shown.exit_code == 0 and "Latest conversations" in shown.stdout
    assert sorted(w for w in shown.stdout.split() if w in {"g0", "g1", "g2"}) == ["g1", "g2"]


def test_curation_commands_change_stored_results(database: Store, vocabulary_file: Path) -> None:
    outcome = _json(["themes", "merge", "gift_card_support_request", "discount_code_not_applied", "--json"])
    assert outcome == {
        "action": "merge",
        "signature": "gift_card_support_request",
        "target": "discount_code_not_applied",
        "matches_changed": 3,
        "note": None,
    }
    assert _json(["themes", "--json"])[0]["count"] == 33  # type: ignore[index]
    assert (
        _json(["themes", "rename", "discount_code_not_applied", "coupon_ignored", "--json"])[
            "matches_changed"
        ]
        == 33
    )  # type: ignore[index]
    assert _json(["themes", "retire", "coupon_ignored", "--json"])["matches_changed"] == 33  # type: ignore[index]
    assert _json(["themes", "--json"]) == []
    written = yaml.safe_load(vocabulary_file.read_text())
    assert [d["action"] for d in written["decisions"]] == ["merge", "rename", "retire"]
    history = _json(["themes", "history", "--json"])
    assert [h["action"] for h in history] == ["retire", "rename", "merge"]  # type: ignore[union-attr]


def test_curation_needs_a_writable_vocabulary(database: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONVOSIFT_VOCABULARY")
    result = runner.invoke(app, ["themes", "retire", "gift_card_support_request"])
    assert result.exit_code == 2 and "CONVOSIFT_VOCABULARY" in result.stderr
    # A vocabulary file that does not exist yet is an empty vocabulary: nothing to rename in it.
    unknown = runner.invoke(
        app, ["themes", "rename", "nope", "still_nope"], env={"CONVOSIFT_VOCABULARY": "x.yaml"}
    )
    assert unknown.exit_code == 6 and "nope" in unknown.stderr
    assert not Path("x.yaml").exists()


def test_a_new_vocabulary_file_beside_stored_themes_is_warned_about(
    database: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vocabulary_file: Path
) -> None:
    """A new shell in another folder: the relative vocabulary path names a new file, and the first
    accept started a vocabulary without the themes the database holds."""
    with database.write() as conn:
        content = ClusterContent(["dark mode"], [["intercom", "c0"]], [], [0.0])
        insert_proposal(conn, "p0000dark", content, signature="dark_mode", title="Dark mode", now=0.0)
    monkeypatch.setenv("CONVOSIFT_VOCABULARY", str(tmp_path / "elsewhere" / "vocabulary.yaml"))
    accepted = runner.invoke(app, ["themes", "accept", "p0000dark"])
    assert accepted.exit_code == 0, accepted.output
    said = " ".join(accepted.stderr.split())
    assert "33 stored conversations carry themes that" in said
    assert "(discount_code_not_applied, gift_card_support_request)" in said
    report = runner.invoke(app, ["report", "--format", "md", "--out", str(tmp_path / "r.md")])
    assert report.exit_code == 0 and "does not hold" in report.stderr
    # With the file the themes are in, nothing is said.
    monkeypatch.setenv("CONVOSIFT_VOCABULARY", str(vocabulary_file))
    quiet = runner.invoke(app, ["report", "--format", "md", "--out", str(tmp_path / "r2.md")])
    assert quiet.exit_code == 0 and "does not hold" not in quiet.stderr


def test_dismiss_closes_a_proposal_and_refuses_an_unknown_one(database: Store) -> None:
    with database.write() as conn:
        content = ClusterContent(["dark mode"], [["intercom", "c0"]], [], [0.0])
        insert_proposal(conn, "p0000dark", content, signature="dark_mode", title="Dark mode", now=0.0)
    assert _json(["themes", "dismiss", "p0000dark", "--json"]) == {
        "action": "dismiss",
        "signature": "p0000dark",
        "target": None,
        "matches_changed": 0,
        "note": None,
    }
    again = runner.invoke(app, ["themes", "dismiss", "p0000dark"])
    assert again.exit_code == 5 and "already dismissed" in again.stderr
    assert "convosift themes reopen p0000dark" in " ".join(again.stderr.split())
    unknown = runner.invoke(app, ["themes", "dismiss", "p-unknown"])
    assert unknown.exit_code == 6 and "no proposal with id p-unknown" in unknown.stderr
    # A dismissal made by mistake is undone: the proposal is open again, and can be accepted.
    assert _json(["themes", "reopen", "p0000dark", "--json"])["action"] == "reopen"  # type: ignore[index]
    assert [p["id"] for p in _json(["themes", "proposals", "--json"])] == ["p0000dark"]  # type: ignore[index,union-attr]
    twice = runner.invoke(app, ["themes", "reopen", "p0000dark"])
    assert twice.exit_code == 5 and "open already" in twice.stderr
    assert runner.invoke(app, ["themes", "reopen", "p-unknown"]).exit_code == 6
    assert _json(["themes", "accept", "p0000dark", "--json"])["action"] == "accept"  # type: ignore[index]
    accepted = runner.invoke(app, ["themes", "reopen", "p0000dark"])
    assert accepted.exit_code == 5 and "is accepted" in accepted.stderr


def test_proposals_lists_the_stored_proposals_without_clustering_again(
    database: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = runner.invoke(app, ["themes", "proposals"])
    assert empty.exit_code == 0 and "convosift themes discover" in empty.stdout
    evidence = [
        {"source": "intercom", "conversation_id": "c0", "quote": "The [/] key does [bold]nothing[/bold]"}
    ]
    with database.write() as conn:
        content = ClusterContent(["dark mode"], [["intercom", "c0"]], evidence, [0.0])
        insert_proposal(conn, "p0000dark", content, signature="dark_mode", title="Dark [mode]", now=0.0)
    listed = _json(["themes", "proposals", "--json"])
    assert [(p["id"], p["size"], p["title"]) for p in listed] == [("p0000dark", 1, "Dark [mode]")]  # type: ignore[index,union-attr]
    # A customer's words are printed as written, never read as markup.
    monkeypatch.setattr(console, "_width", 200)
    table = runner.invoke(app, ["themes", "proposals"])
    assert table.exit_code == 0, table.output
    assert "Dark [mode]" in table.stdout and "The [/] key does [bold]nothing[/bold]" in table.stdout


def test_an_empty_themes_table_names_the_next_step(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVOSIFT_DATABASE_URL", store.url)
    empty = runner.invoke(app, ["themes"])
    assert empty.exit_code == 0, empty.output
    said = " ".join(empty.stdout.split())  # the console wraps the line where it is narrow
    assert "No themed conversations stored yet" in said and "convosift themes discover" in said


def test_discover_with_nothing_unmatched(database: Store) -> None:
    assert _json(["themes", "discover", "--json"]) == []
    result = runner.invoke(app, ["themes", "discover"])
    assert result.exit_code == 0 and "big enough to propose" in result.output


def test_discover_refuses_both_title_flags(database: Store) -> None:
    result = runner.invoke(app, ["themes", "discover", "--llm-titles", "--no-llm-titles"])
    assert result.exit_code == 2
    assert "--llm-titles or --no-llm-titles, not both" in result.output
    # One of them alone is taken: without an LLM configured, --no-llm-titles is the default anyway.
    assert _json(["themes", "discover", "--no-llm-titles", "--json"]) == []


def test_discover_before_any_backfill_says_to_backfill_first(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVOSIFT_DATABASE_URL", store.url)
    result = runner.invoke(app, ["themes", "discover"])
    assert result.exit_code == 0, result.output
    assert "No conversation is stored yet: run `convosift backfill` first" in result.output


@pytest.mark.parametrize("fmt", ["html", "md", "csv"])
def test_report_command_writes_each_format(database: Store, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    result = runner.invoke(app, ["report", "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "discount_code_not_applied" in out.read_text()


def test_report_to_standard_output(database: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["report", "--format", "md", "--out", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Themes report") and "discount_code_not_applied" in result.stdout
    assert not (tmp_path / "-").exists()


def test_report_rejects_an_unknown_format(database: Store, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--format", "pdf", "--out", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2 and "unknown report format" in result.stderr
    assert not (tmp_path / "r.pdf").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["themes", "--since", "0001-01-01"], "since '0001-01-01' is out of range"),
        (["themes", "--until", "9999-12-31T23:00:00-05:00"], "is out of range"),
        (["report", "--out", "r.md", "--since", "9999-12-31"], "since '9999-12-31' is out of range"),
        (
            ["themes", "show", "discount_code_not_applied", "--limit", "501"],
            "--limit must be between 1 and 500",
        ),
        (["themes", "history", "--limit", "99999999999999999999"], "--limit must be between 1 and 1000"),
    ],
)
def test_values_out_of_range_exit_2_with_one_line(database: Store, args: list[str], expected: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: ") and expected in result.stderr


def test_a_run_warns_when_themed_conversations_are_stored_and_the_vocabulary_is_not_set(
    database: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A new shell or a cron job without CONVOSIFT_VOCABULARY matches nothing: the run says so."""
    inbox = tmp_path / "inbox.jsonl"
    inbox.write_text(
        json.dumps(
            {"id": "n1", "created_at": START, "updated_at": START + 5, "opener": "Gift cards, please!"}
        )
        + "\n"
    )
    monkeypatch.setenv("CONVOSIFT_SOURCE", "files")
    monkeypatch.setenv("CONVOSIFT_SOURCE_PATH", str(inbox))
    args = ["backfill", "--since", "2000-01-01", "--dry-run", "--json"]
    with_vocabulary = runner.invoke(app, args)
    assert with_vocabulary.exit_code == 0 and "warning" not in with_vocabulary.stderr
    monkeypatch.delenv("CONVOSIFT_VOCABULARY")
    forgotten = runner.invoke(app, args)
    assert forgotten.exit_code == 0, forgotten.output
    assert "warning:" in forgotten.stderr and "33 stored conversations carry a theme" in forgotten.stderr
    assert "CONVOSIFT_VOCABULARY is not set" in forgotten.stderr and "themes rematch" in forgotten.stderr
    # Without --json the warning comes after the run's table, where it is read.
    table = runner.invoke(app, args[:-1])
    assert table.exit_code == 0 and table.output.rindex("warning:") > table.output.rindex("duration")
    # Set, but to another file than the one holding the stored themes.
    other = tmp_path / "new-vocabulary.yaml"
    other.write_text("version: 1\nthemes: []\n", encoding="utf-8")
    monkeypatch.setenv("CONVOSIFT_VOCABULARY", str(other))
    elsewhere = runner.invoke(app, args)
    assert elsewhere.exit_code == 0, elsewhere.output
    assert "33 stored conversations carry themes that" in " ".join(elsewhere.stderr.split())


def test_discover_shows_its_steps_on_a_terminal_and_keeps_json_clean(
    database: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    from convosift.cli import theme_cmds

    seed(
        database,
        [Seed(f"u{i}", START + i * DAY, f"Dark mode for the dashboard please {i}", None) for i in range(8)],
    )
    terminal = io.StringIO()
    monkeypatch.setattr(theme_cmds, "err_console", Console(file=terminal, force_terminal=True, width=200))
    proposals = _json(["themes", "discover", "--json", "--min-cluster-size", "4"])
    assert isinstance(proposals, list)
    # The line is drawn a few times a second, and once more, with the last step, when it ends.
    assert "storing the proposals" in terminal.getvalue()


def test_titles_and_quotes_are_printed_as_written(
    database: Store, vocabulary_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A title or a customer's quote is text: "[/]" is no markup and ":thumbs_up:" no emoji."""
    title = "Discount [codes] :thumbs_up: [/] fail"
    text = vocabulary_file.read_text(encoding="utf-8")
    vocabulary_file.write_text(
        text.replace("Discount codes have no effect at checkout", f'"{title}"'), encoding="utf-8"
    )
    monkeypatch.setattr(console, "_width", 200)
    table = runner.invoke(app, ["themes"])
    assert table.exit_code == 0, table.output
    assert title in table.stdout
    shown = runner.invoke(app, ["themes", "show", "discount_code_not_applied"])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith(f"{title} (discount_code_not_applied)")


def test_rename_with_a_title_alone_keeps_the_signature(database: Store) -> None:
    renamed = _json(
        ["themes", "rename", "gift_card_support_request", "--title", "Gift cards wanted", "--json"]
    )
    assert renamed == {
        "action": "rename",
        "signature": "gift_card_support_request",
        "target": "gift_card_support_request",
        "matches_changed": 0,
        "note": "title 'Gift cards wanted'",
    }
    # The table says what changed: the title, not the signature.
    said = runner.invoke(app, ["themes", "rename", "gift_card_support_request", "--title", "Gift cards"])
    assert said.exit_code == 0 and "title 'Gift cards'" in said.output
    detail = _json(["themes", "show", "gift_card_support_request", "--json"])
    assert detail["title"] == "Gift cards" and detail["count"] == 3  # type: ignore[index]
    nothing = runner.invoke(app, ["themes", "rename", "gift_card_support_request"])
    assert nothing.exit_code == 2 and "nothing to rename" in nothing.stderr


def test_rename_to_what_reads_as_a_title_points_to_the_title_option(database: Store) -> None:
    result = runner.invoke(app, ["themes", "rename", "gift_card_support_request", "Gift Cards"])
    assert result.exit_code == 2
    said = " ".join(result.stderr.split())
    assert "'Gift Cards' reads as a title, not a snake_case signature" in said
    assert 'convosift themes rename gift_card_support_request --title "Gift Cards"' in said
    # The command suggested is one a shell takes as it is.
    quoted = runner.invoke(app, ["themes", "rename", "gift_card_support_request", 'Gift "cards"'])
    assert """--title 'Gift "cards"'""" in " ".join(quoted.stderr.split())
    # A mistyped signature is not a title: the signature's rule alone.
    typo = runner.invoke(app, ["themes", "rename", "gift_card_support_request", "gift__cards"])
    assert typo.exit_code == 2 and "must be snake_case" in typo.stderr and "--title" not in typo.stderr
    assert _json(["themes", "show", "gift_card_support_request", "--json"])["title"] != "Gift Cards"  # type: ignore[index]


SIGNATURES = ("exchange_rate_markup_on_cards", "refund_not_received")


@pytest.mark.parametrize("command", ["discover", "proposals"])
def test_proposal_ids_and_signatures_read_whole_at_80_columns(
    database: Store, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """What `themes accept` takes is never cut, however narrow the terminal; other columns wrap."""
    if command == "discover":
        texts = ("Exchange rate markup on card payments abroad", "Refund not received after return")
        seed(
            database,
            [Seed(f"u{i}", START + i * DAY, f"{texts[i % 2]} {i}", None) for i in range(16)],
        )
        args = ["themes", "discover", "--min-cluster-size", "4"]
    else:
        with database.write() as conn:
            for number, signature in enumerate(SIGNATURES):
                content = ClusterContent(["exchange rate"], [["intercom", f"c{number}"]], [], [0.0])
                title = signature.replace("_", " ").capitalize()
                insert_proposal(conn, f"p000000{number}", content, signature=signature, title=title, now=0.0)
        args = ["themes", "proposals"]
    monkeypatch.setattr(console, "_width", 80)
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    proposals = _json(["themes", "proposals", "--json"])
    assert isinstance(proposals, list) and proposals
    lines = table.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    for proposal in proposals:
        assert any(proposal["id"] in line and proposal["signature"] in line for line in lines), table.stdout
    assert "…" not in table.stdout, table.stdout


def test_a_signature_too_long_for_one_line_is_folded_never_cut(
    database: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    signature = "_".join(["exchange_rate_markup"] * 3)  # 62 characters: not on one line at 80
    with database.write() as conn:
        content = ClusterContent(["exchange rate"], [["intercom", "c0"]], [], [0.0])
        insert_proposal(conn, "p00000000", content, signature=signature, title="Markup", now=0.0)
    monkeypatch.setattr(console, "_width", 80)
    table = runner.invoke(app, ["themes", "proposals"])
    assert table.exit_code == 0, table.output
    rows = [line.split("│") for line in table.stdout.splitlines() if line.count("│") == 7]
    assert "".join(row[4].strip() for row in rows) == signature, table.stdout
    assert "".join(row[1].strip() for row in rows) == "p00000000" and "…" not in table.stdout

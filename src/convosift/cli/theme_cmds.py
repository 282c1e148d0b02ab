"""``convosift themes …`` (trends, discovery, curation) and ``convosift report``."""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from convosift import limits
from convosift.cli.app import app, console, emit_json, err_console, handle_errors, settings, source_filter
from convosift.config import Settings
from convosift.errors import ConfigurationError
from convosift.themes.discovery import DEFAULT_DISTANCE_THRESHOLD

__all__ = ["app", "themes_app"]

themes_app = typer.Typer(
    help="Theme trends (default), discovery of new themes and curation of the vocabulary.",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(themes_app, name="themes", rich_help_panel="Results")

_SINCE = typer.Option(None, "--since", help="Only conversations created on or after this date (YYYY-MM-DD).")
_UNTIL = typer.Option(None, "--until", help="Only conversations created before this date (YYYY-MM-DD).")
_JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
_SOURCE = typer.Option(None, "--source", help="Only conversations of this source (default: every source).")


@contextlib.contextmanager
def _store(config: Settings) -> Iterator[Any]:
    """The database of ``config`` for this command, closed when the command ends."""
    from convosift.store import Store

    store = Store(config.database_url)
    try:
        yield store
    finally:
        store.dispose()


def _curator(config: Settings, store: Any) -> Any:
    from convosift.themes.curation import curator_for

    return curator_for(config, store)


@themes_app.callback()
@handle_errors
def themes(
    ctx: typer.Context,
    since: str | None = _SINCE,
    until: str | None = _UNTIL,
    source: str | None = _SOURCE,
    as_json: bool = _JSON,
) -> None:
    """Per theme: count, share, weekly trend, change against the previous window, rising flag."""
    if ctx.invoked_subcommand is not None:
        return
    from convosift.themes.aggregates import BASELINE_DAYS, RECENT_DAYS, theme_summary
    from convosift.themes.vocabulary import load_vocabulary_for

    config = settings()
    name = source_filter(config, source)
    with _store(config) as store:
        summaries = theme_summary(store, since, until, vocabulary=load_vocabulary_for(config), source=name)
    if as_json:
        emit_json(summaries)
        return
    table = Table(
        title="Themes",
        caption=f"recent: the period's last {RECENT_DAYS} days (all of it if shorter); change: against as many "
        f"days before them, also before --since; rising: recent share significantly above the "
        f"{BASELINE_DAYS} days before",
    )
    for column, justify in (
        ("theme", "left"),
        ("count", "right"),
        ("share", "right"),
        ("recent", "right"),
        ("change", "right"),
        ("first seen", "left"),
        ("last seen", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for entry in summaries:
        change = f"{entry['change']:+d}" + (" [bold red]rising[/]" if entry["rising"] else "")
        table.add_row(
            f"{escape(entry['title'])}\n[dim]{escape(entry['signature'])}[/]",
            str(entry["count"]),
            f"{100 * entry['share']:.1f}%",
            str(entry["recent_count"]),
            change,
            entry["first_seen"] or "",
            entry["last_seen"] or "",
        )
    if summaries:
        console.print(table)
    elif since or until:
        console.print(f"No themed conversations between {since or 'the first'} and {until or 'now'}.")
    else:
        console.print(
            "No themed conversations stored yet: group the unthemed ones with [bold]convosift themes "
            "discover[/], then accept the proposals that are themes."
        )


@themes_app.command("show")
@handle_errors
def show(
    signature: str = typer.Argument(..., help="Theme signature."),
    since: str | None = _SINCE,
    until: str | None = _UNTIL,
    limit: int = typer.Option(
        20, "--limit", help=f"Conversations to list ({limits.PAGE_SIZE.low}-{limits.PAGE_SIZE.high})."
    ),
    as_json: bool = _JSON,
) -> None:
    """One theme: its figures, quotes and latest conversations."""
    from convosift.themes.aggregates import theme_detail
    from convosift.themes.vocabulary import load_vocabulary_for

    limits.PAGE_SIZE.check(limit, "--limit")
    config = settings()
    with _store(config) as store:
        detail = theme_detail(
            store, signature, since, until, vocabulary=load_vocabulary_for(config), limit=limit
        )
    if as_json:
        emit_json(detail)
        return
    console.print(
        f"[bold]{escape(detail['title'])}[/] ({escape(detail['signature'])}): {detail['count']} conversations, "
        f"{detail['recent_count']} recent, change {detail['change']:+d}"
        + (" [bold red]rising[/]" if detail["rising"] else ""),
        highlight=False,
    )
    for quote in detail["quotes"]:
        console.print(f"  “{quote['quote']}”", markup=False, highlight=False)
    if detail["conversations"]:
        console.print(_latest_table(detail["conversations"]))


def _latest_table(conversations: list[dict[str, Any]]) -> Table:
    """The theme's latest conversations: when, which, its category and what matched it."""
    table = Table(title="Latest conversations", title_justify="left")
    for column in ("created", "conversation", "category", "evidence"):
        table.add_column(column, overflow="fold")
    for row in conversations:
        created = datetime.fromtimestamp(row["created_at"], UTC).strftime("%Y-%m-%d")
        table.add_row(created, escape(row["id"]), row["category"] or "", escape(row["evidence"] or ""))
    return table


@contextlib.contextmanager
def _steps() -> Iterator[Callable[[str], None]]:
    """A line on stderr, when it is a terminal, that shows the step a long command is at and the
    time it has taken."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    if not err_console.is_terminal:
        yield lambda _step: None
        return

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=None)
        yield lambda step: bar.update(task, description=step)


@contextlib.contextmanager
def _bar(what: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr, when it is a terminal, advanced with (done, total)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if not err_console.is_terminal:
        yield lambda _done, _total: None
        return

    columns = (TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(what, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@themes_app.command("discover")
@handle_errors
def discover_cmd(
    min_cluster_size: int = typer.Option(
        5, "--min-cluster-size", min=2, help="Smallest cluster worth proposing."
    ),
    distance_threshold: float = typer.Option(
        DEFAULT_DISTANCE_THRESHOLD,
        "--distance-threshold",
        min=0.05,
        max=1.5,
        help="Cosine distance at which clusters stop merging, for inboxes of fewer than 2,000 unthemed "
        "conversations (lower: purer, more proposals; larger inboxes are clustered in a reduced space "
        "with its own setting).",
    ),
    llm_titles: bool = typer.Option(
        False,
        "--llm-titles",
        help="Ask the configured LLM to title new clusters (the default when an LLM base URL or "
        "API key is set in the settings).",
    ),
    no_llm_titles: bool = typer.Option(
        False,
        "--no-llm-titles",
        help="Title new clusters from their own words, even when an LLM is configured.",
    ),
    as_json: bool = _JSON,
) -> None:
    """Cluster unmatched conversations into proposed themes (ids stay stable across runs)."""
    from convosift.themes.discovery import discover
    from convosift.themes.titles import namer_for
    from convosift.themes.vocabulary import load_vocabulary_for

    if llm_titles and no_llm_titles:
        raise typer.BadParameter("give --llm-titles or --no-llm-titles, not both")
    config = settings()
    vocabulary = load_vocabulary_for(config)
    with _store(config) as store, _steps() as step:
        proposals = discover(
            store,
            min_cluster_size=min_cluster_size,
            distance_threshold=distance_threshold,
            taken_signatures=set(vocabulary.signatures),
            namer=namer_for(config, True if llm_titles else False if no_llm_titles else None),
            progress=step,
        )
        empty = "No cluster of unmatched conversations is big enough to propose."
        if not proposals:
            from convosift.store.conversations import any_stored

            with store.read() as conn:
                if not any_stored(conn):
                    empty = "No conversation is stored yet: run `convosift backfill` first, then discover."
    _print_proposals(proposals, as_json, empty)


@themes_app.command("proposals")
@handle_errors
def proposals_cmd(as_json: bool = _JSON) -> None:
    """The open proposals as the last discovery left them, the biggest first.

    Nothing is clustered again: ids, sizes and titles stay as shown before."""
    from convosift.themes.proposals import list_proposals

    with _store(settings()) as store:
        proposals = list_proposals(store)
    _print_proposals(proposals, as_json, "No open proposal: run convosift themes discover.")


def _print_proposals(proposals: list[dict[str, Any]], as_json: bool, empty: str) -> None:
    if as_json:
        emit_json(proposals)
        return
    if not proposals:
        console.print(empty)
        return
    table = Table(title="Proposed themes")
    # The id and the signature are what `accept` and `merge` take: each on one line, whole, at 80
    # columns (a signature too long for that is folded, never cut); the other columns wrap.
    one_line = max(len(proposal["signature"]) for proposal in proposals) <= console.width - 50
    for column in ("id", "size", "title", "suggested signature", "key phrases", "example"):
        whole = column == "id" or (column == "suggested signature" and one_line)
        table.add_column(column, no_wrap=whole, overflow="ellipsis" if whole else "fold")
    for proposal in proposals:
        cells = (proposal["title"], proposal["signature"], ", ".join(proposal["key_phrases"]))
        example = (proposal["quotes"] or [""])[0]
        table.add_row(proposal["id"], str(proposal["size"]), *(escape(cell) for cell in (*cells, example)))
    console.print(table)
    console.print(
        "Accept with [bold]convosift themes accept ID[/], merge with "
        "[bold]convosift themes merge ID THEME[/] or dismiss with [bold]convosift themes dismiss ID[/]."
    )


def _print_outcome(outcome: Any, as_json: bool) -> None:
    if as_json:
        emit_json(outcome.to_dict())
        return
    target = f" → {outcome.target}" if outcome.target else ""
    note = f"; {outcome.note}" if outcome.note else ""
    console.print(
        f"{outcome.action}: {outcome.signature}{target} ({outcome.matches_changed} stored matches updated{note})",
        highlight=False,
    )


@themes_app.command("accept")
@handle_errors
def accept(
    name: str = typer.Argument(
        ..., help="Proposal id (from discover) or a proposed theme of the vocabulary."
    ),
    signature: str | None = typer.Option(None, "--signature", help="Signature to give the new theme."),
    title: str | None = typer.Option(None, "--title", help="Title to give the new theme."),
    as_json: bool = _JSON,
) -> None:
    """Make a proposal an active theme; its conversations are matched to it without re-classifying."""
    from convosift.cli.run_output import warn
    from convosift.themes.curation import themes_outside
    from convosift.themes.vocabulary import load_vocabulary_to_curate

    config = settings()
    with _store(config) as store:
        outcome = _curator(config, store).accept(name, signature=signature, title=title)
        path = config.vocabulary_path
        warning = themes_outside(store, load_vocabulary_to_curate(path), path) if path is not None else None
    _print_outcome(outcome, as_json)
    warn(warning)
    if not as_json:
        console.print("Earlier conversations outside the proposal: [bold]convosift themes rematch[/].")


@themes_app.command("rename")
@handle_errors
def rename(
    old: str = typer.Argument(..., help="Current signature."),
    new: str | None = typer.Argument(None, help="New snake_case signature (leave out to keep it)."),
    title: str | None = typer.Option(
        None, "--title", help="New title, as reports and the dashboard show it."
    ),
    as_json: bool = _JSON,
) -> None:
    """Rename a theme: its signature (in the vocabulary and every stored match), its title, or both."""
    if new is not None and title is None and (" " in new or new != new.lower()):
        quoted = shlex.quote(new) if set(new) & set('"$`\\!') else f'"{new}"'
        raise ConfigurationError(
            f"{new!r} reads as a title, not a snake_case signature",
            hint=f"to rename the title: convosift themes rename {old} --title {quoted}",
        )
    config = settings()
    with _store(config) as store:
        outcome = _curator(config, store).rename(old, new, title=title)
    _print_outcome(outcome, as_json)


@themes_app.command("merge")
@handle_errors
def merge(
    name: str = typer.Argument(..., help="Theme signature or proposal id to merge away."),
    into: str = typer.Argument(..., help="Active theme that absorbs it."),
    as_json: bool = _JSON,
) -> None:
    """Merge a theme (or a proposal) into another; stored matches move to the target."""
    config = settings()
    with _store(config) as store:
        outcome = _curator(config, store).merge(name, into)
    _print_outcome(outcome, as_json)


@themes_app.command("retire")
@handle_errors
def retire(signature: str = typer.Argument(..., help="Theme to retire."), as_json: bool = _JSON) -> None:
    """Stop matching a theme; its stored conversations become unmatched."""
    config = settings()
    with _store(config) as store:
        outcome = _curator(config, store).retire(signature)
    _print_outcome(outcome, as_json)


@themes_app.command("dismiss")
@handle_errors
def dismiss(
    proposal_id: str = typer.Argument(..., help="Proposal id (from discover)."), as_json: bool = _JSON
) -> None:
    """Close a proposal without making it a theme.

    Discovery does not propose that cluster again, and its quotes keep teaching the theme matcher
    what your themes are not."""
    config = settings()
    with _store(config) as store:
        outcome = _curator(config, store).dismiss(proposal_id)
    _print_outcome(outcome, as_json)


@themes_app.command("reopen")
@handle_errors
def reopen(
    proposal_id: str = typer.Argument(..., help="Dismissed proposal id."), as_json: bool = _JSON
) -> None:
    """Open a dismissed proposal again, as it was proposed (a dismissal made by mistake)."""
    config = settings()
    with _store(config) as store:
        outcome = _curator(config, store).reopen(proposal_id)
    _print_outcome(outcome, as_json)


@themes_app.command("rematch")
@handle_errors
def rematch(as_json: bool = _JSON) -> None:
    """Match stored unmatched conversations to the vocabulary's themes (after accepting or merging).

    Accepting a proposal themes its members only; earlier conversations of the same kind outside
    it stay unmatched, and the theme would look as if it grew. This runs the local theme matcher
    over them; conversations already matched, and spam not flagged for review, are left as they are.
    """
    from convosift.errors import ConfigurationError
    from convosift.themes.rematch import rematch as rematch_stored
    from convosift.themes.vocabulary import load_vocabulary_for

    config = settings()
    vocabulary = load_vocabulary_for(config)
    if not vocabulary.themes:
        raise ConfigurationError(
            "there is no theme to match against", hint="set CONVOSIFT_VOCABULARY, or accept a proposal first"
        )
    with _store(config) as store, _bar("matching") as advance:
        result = rematch_stored(store, config, vocabulary, progress=advance)
    if as_json:
        emit_json(result.to_dict())
        return
    themes = ", ".join(f"{signature} {count}" for signature, count in sorted(result.by_theme.items()))
    console.print(
        f"matched {result.matched} of {result.examined} unmatched conversations"
        + (f": {themes}" if themes else ""),
        highlight=False,
    )


@themes_app.command("history")
@handle_errors
def history(
    limit: int = typer.Option(
        50,
        "--limit",
        help=f"How many decisions to list ({limits.HISTORY_SIZE.low}-{limits.HISTORY_SIZE.high}).",
    ),
    as_json: bool = _JSON,
) -> None:
    """Curation decisions, newest first."""
    from convosift.themes.curation import decision_history

    limits.HISTORY_SIZE.check(limit, "--limit")
    with _store(settings()) as store:
        decisions = decision_history(store, limit)
    if as_json:
        emit_json(decisions)
        return
    for d in decisions:
        target = f" → {d['target']}" if d["target"] else ""
        console.print(
            f"{d['at']}  {d['action']:<7} {d['signature']}{target} ({d['matches_changed']} matches)",
            highlight=False,
        )


@app.command("report", rich_help_panel="Results")
@handle_errors
def report(
    fmt: str = typer.Option("html", "--format", help="md, html or csv."),
    out: Path = typer.Option(..., "--out", help="File to write (-: stdout)."),
    since: str | None = _SINCE,
    until: str | None = _UNTIL,
    source: str | None = _SOURCE,
) -> None:
    """Write the themes report: theme table with trends, rising themes, category mix, evidence quotes."""
    from convosift.outputs import is_stdout
    from convosift.themes.proposals import list_proposals
    from convosift.themes.report import FORMATS, render, report_data, write_report
    from convosift.themes.vocabulary import load_vocabulary_for

    if fmt not in FORMATS:
        raise ConfigurationError(f"unknown report format {fmt!r}", hint="use --format md, html or csv")
    from convosift.cli.run_output import warn
    from convosift.themes.curation import themes_outside

    config = settings()
    name = source_filter(config, source)
    with _store(config) as store:
        vocabulary = load_vocabulary_for(config)
        data = report_data(store, vocabulary, since, until, proposals=list_proposals(store), source=name)
        path = config.vocabulary_path
        warn(themes_outside(store, vocabulary, path) if path is not None else None)
    if is_stdout(out):
        typer.echo(render(data, fmt), nl=False)
        return
    path = write_report(data, fmt, out)
    console.print(f"wrote {path}", highlight=False)

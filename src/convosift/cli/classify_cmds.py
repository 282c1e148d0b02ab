"""Classification commands: ``eval`` (measure the embedded classifier) and ``eval-split``."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import typer
from rich.table import Table

from convosift.cli.app import app, console, emit_json, handle_errors, settings

__all__ = ["app"]


@app.command("eval", rich_help_panel="Accuracy")
@handle_errors
def eval_command(  # noqa: PLR0917 - Typer maps each parameter to an option
    train: Path = typer.Option(..., "--train", help="Labelled CSV to train on."),
    test: Path = typer.Option(..., "--test", help="Labelled CSV to score."),
    text_column: str = typer.Option("text", "--text-column", help="Column holding the text."),
    label_column: str = typer.Option("category", "--label-column", help="Column holding the label."),
    unmatched_label: str | None = typer.Option(
        None,
        "--unmatched-label",
        help="Label of test rows that should come out unmatched (its training rows are ignored).",
    ),
    examples_per_label: int | None = typer.Option(
        None, "--examples-per-label", min=1, help="Train on K examples per label (few-shot)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the few-shot sample and of the model."),
    threshold: float | None = typer.Option(
        None,
        "--threshold",
        min=0.0,
        max=1.0,
        help="Unmatched threshold on the match score (default: the engine's, only with --unmatched-label).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Train the embedded local classifier on TRAIN and report its accuracy on TEST."""
    from convosift.classify.evaluate import evaluate, read_labelled_csv

    settings()
    train_data = read_labelled_csv(train, text_column, label_column)
    test_data = read_labelled_csv(test, text_column, label_column)
    progress = nullcontext() if as_json else console.status("training and scoring...", spinner="dots")
    with progress:
        report = evaluate(
            train_data,
            test_data,
            unmatched_label=unmatched_label,
            examples_per_label=examples_per_label,
            seed=seed,
            threshold=threshold,
        )
    if as_json:
        emit_json(report.to_dict())
        return
    table = Table(title="Embedded classifier accuracy", show_header=True)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in report.to_dict().items():
        table.add_row(key, _format(key, value))
    console.print(table)


@app.command("eval-split", rich_help_panel="Accuracy")
@handle_errors
def eval_split_command(  # noqa: PLR0917 - Typer maps each parameter to an option
    input_csv: Path = typer.Option(..., "--input", help="Labelled CSV to split."),
    out: Path = typer.Option(..., "--out", help="Folder that receives train.csv and test.csv."),
    test_fraction: float = typer.Option(
        0.2, "--test-fraction", min=0.01, max=0.99, help="Share of each label in TEST."
    ),
    holdout_labels: int = typer.Option(
        0, "--holdout-labels", min=0, help="Labels held out entirely as unseen (relabelled in TEST)."
    ),
    unmatched_label: str = typer.Option("unseen", "--unmatched-label", help="Label given to held-out rows."),
    text_column: str = typer.Option("text", "--text-column", help="Column holding the text."),
    label_column: str = typer.Option("category", "--label-column", help="Column holding the label."),
    seed: int = typer.Option(0, "--seed", help="Seed of the split."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Write a stratified TRAIN/TEST split of a labelled CSV, the input of convosift eval."""
    from convosift.classify.evaluate import read_labelled_csv, split_for_eval, write_labelled_csv

    settings()
    data = read_labelled_csv(input_csv, text_column, label_column)
    split = split_for_eval(
        data,
        test_fraction=test_fraction,
        holdout_labels=holdout_labels,
        seed=seed,
        unmatched_label=unmatched_label,
    )
    train_path, test_path = out / "train.csv", out / "test.csv"
    write_labelled_csv(train_path, split.train, text_column, label_column)
    write_labelled_csv(test_path, split.test, text_column, label_column)
    result = {
        "train": str(train_path),
        "test": str(test_path),
        "n_train": len(split.train),
        "n_test": len(split.test),
        "unseen_labels": list(split.unseen_labels),
        "unmatched_label": unmatched_label if holdout_labels else None,
    }
    if as_json:
        emit_json(result)
        return
    console.print(f"wrote {train_path} ({len(split.train)} rows) and {test_path} ({len(split.test)} rows)")
    if split.unseen_labels:
        console.print(f"held out as {unmatched_label!r}: {', '.join(split.unseen_labels)}")


def _format(key: str, value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    # Ratios read best with four decimals; durations and rates with fewer.
    return f"{value:.2f}" if key in {"train_seconds", "predict_per_second"} else f"{value:.4f}"

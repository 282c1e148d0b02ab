"""``convosift eval`` and ``eval-split`` on a 20-intent stratified subset of BANKING77."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from convosift.classify.evaluate import (
    BASE_KEYS,
    UNMATCHED_KEYS,
    LabelledTexts,
    choose_unmatched_threshold,
    read_labelled_csv,
    split_for_eval,
    take_per_label,
    threshold_sweep,
)
from convosift.cli import app
from convosift.errors import ConfigurationError
from shared_data import BANKING77

runner = CliRunner()


@pytest.fixture(scope="module")
def subset_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """BANKING77 restricted to 20 intents, 50 texts each (written outside the repository)."""
    if not BANKING77.exists():
        pytest.skip(f"{BANKING77} is not available")
    data = read_labelled_csv(BANKING77)
    keep = sorted(set(data.labels))[:20]
    rows = [(t, g) for t, g in zip(data.texts, data.labels, strict=True) if g in keep]
    chosen = [row for label in keep for row in [r for r in rows if r[1] == label][:50]]
    path = tmp_path_factory.mktemp("banking") / "subset.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        writer.writerows(chosen)
    return path


@pytest.fixture(scope="module")
def split_dir(subset_csv: Path) -> Path:
    out = subset_csv.parent / "split"
    result = runner.invoke(
        app,
        [
            "eval-split",
            "--input",
            str(subset_csv),
            "--out",
            str(out),
            "--test-fraction",
            "0.3",
            "--holdout-labels",
            "3",
            "--seed",
            "1",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def test_eval_split_writes_stratified_files_with_unseen_labels(split_dir: Path) -> None:
    train = read_labelled_csv(split_dir / "train.csv")
    test = read_labelled_csv(split_dir / "test.csv")
    assert len(set(train.labels)) == 17
    assert "unseen" not in train.labels
    assert test.labels.count("unseen") == 3 * 15
    assert {g for g in test.labels if g != "unseen"} == set(train.labels)
    assert not set(train.texts) & set(test.texts)


def test_eval_json_reports_exactly_the_keys_and_beats_chance(split_dir: Path) -> None:
    result = runner.invoke(
        app,
        ["eval", "--train", str(split_dir / "train.csv"), "--test", str(split_dir / "test.csv"), "--json"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == set(BASE_KEYS)
    assert report["n_train"] == 17 * 35
    assert report["n_test"] == 20 * 15
    # 'unseen' rows can never be right without --unmatched-label: at most 255/300 are reachable.
    assert report["accuracy"] > 0.7
    assert report["train_seconds"] > 0 and report["predict_per_second"] > 0


def test_eval_with_unmatched_label_adds_unmatched_figures(split_dir: Path) -> None:
    args = [
        "eval",
        "--train",
        str(split_dir / "train.csv"),
        "--test",
        str(split_dir / "test.csv"),
        "--unmatched-label",
        "unseen",
        "--examples-per-label",
        "10",
        "--seed",
        "3",
        "--json",
    ]
    report = json.loads(runner.invoke(app, args).stdout)
    assert set(report) == set(BASE_KEYS) | set(UNMATCHED_KEYS)
    assert report["n_train"] == 17 * 10
    assert report["in_scope_accuracy"] > 0.5
    assert 0 <= report["unmatched_recall"] <= 1 and 0 <= report["unmatched_precision"] <= 1
    everything_unmatched = json.loads(runner.invoke(app, [*args, "--threshold", "1.0"]).stdout)
    assert everything_unmatched["unmatched_recall"] == 1.0
    assert everything_unmatched["in_scope_accuracy"] == 0.0


def test_eval_prints_a_table(split_dir: Path) -> None:
    result = runner.invoke(
        app,
        [
            "eval",
            "--train",
            str(split_dir / "train.csv"),
            "--test",
            str(split_dir / "test.csv"),
            "--examples-per-label",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "macro_f1" in result.stdout and "predict_per_second" in result.stdout


def test_missing_file_and_column_are_clear_errors(split_dir: Path, tmp_path: Path) -> None:
    missing = runner.invoke(
        app, ["eval", "--train", str(tmp_path / "nope.csv"), "--test", str(tmp_path / "x.csv")]
    )
    assert missing.exit_code == 2
    assert "nope.csv: file does not exist" in _flat(missing.output)
    bad_column = runner.invoke(
        app,
        [
            "eval",
            "--train",
            str(split_dir / "train.csv"),
            "--test",
            str(split_dir / "test.csv"),
            "--label-column",
            "intent",
        ],
    )
    assert bad_column.exit_code == 2
    assert "no column 'intent'" in _flat(bad_column.output)
    assert "(columns: text, category)" in _flat(bad_column.output)


def test_examples_per_label_is_deterministic_for_the_seed() -> None:
    data = LabelledTexts(tuple(f"text {i}" for i in range(60)), tuple("abc"[i % 3] for i in range(60)))
    first = take_per_label(data, 4, seed=7)
    assert first == take_per_label(data, 4, seed=7)
    assert first != take_per_label(data, 4, seed=8)
    assert sorted(first.labels) == ["a"] * 4 + ["b"] * 4 + ["c"] * 4


def test_split_rejects_bad_fractions_and_too_many_holdouts() -> None:
    data = LabelledTexts(("a", "b", "c", "d"), ("x", "x", "y", "y"))
    with pytest.raises(ConfigurationError, match="test fraction"):
        split_for_eval(data, test_fraction=1.5)
    with pytest.raises(ConfigurationError, match="hold out"):
        split_for_eval(data, holdout_labels=1)


def _flat(output: str) -> str:
    """Rich wraps long lines; compare with single spaces."""
    return " ".join(output.split()).replace(": ", ":").replace(":", ": ")


def test_chosen_threshold_keeps_in_scope_accuracy_within_the_allowed_drop(split_dir: Path) -> None:
    train = read_labelled_csv(split_dir / "train.csv")
    test = read_labelled_csv(split_dir / "test.csv")
    sweep = threshold_sweep(train, test, "unseen", [0.0, 0.5, 1.0])
    assert [t for t, _ in sweep] == [0.0, 0.5, 1.0]
    assert sweep[0][1].unmatched_recall == 0.0 and sweep[2][1].unmatched_recall == 1.0
    assert sweep[0][1].in_scope_accuracy >= sweep[1][1].in_scope_accuracy >= sweep[2][1].in_scope_accuracy
    threshold, report = choose_unmatched_threshold(train, test, "unseen", max_in_scope_drop=0.05)
    assert 0.0 <= threshold <= 1.0
    assert report.in_scope_accuracy >= sweep[0][1].in_scope_accuracy - 0.05
    assert report.unmatched_recall >= sweep[0][1].unmatched_recall


def test_an_absolute_in_scope_floor_is_kept_and_capped_by_the_unthresholded_accuracy(split_dir: Path) -> None:
    train = read_labelled_csv(split_dir / "train.csv")
    test = read_labelled_csv(split_dir / "test.csv")
    unthresholded = threshold_sweep(train, test, "unseen", [0.0])[0][1].in_scope_accuracy
    floor = unthresholded - 0.1
    threshold, report = choose_unmatched_threshold(train, test, "unseen", min_in_scope=floor)
    assert report.in_scope_accuracy >= floor
    # Every stricter threshold in reach would break the floor or catch no more unseen texts.
    stricter = threshold_sweep(train, test, "unseen", [round(threshold + 0.01, 2)])[0][1]
    assert stricter.in_scope_accuracy < floor or stricter.unmatched_recall <= report.unmatched_recall
    # A floor above what the classifier reaches at all falls back to the unthresholded accuracy.
    _, capped = choose_unmatched_threshold(train, test, "unseen", min_in_scope=1.01)
    assert capped.in_scope_accuracy >= unthresholded

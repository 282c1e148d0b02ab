"""Measure the embedded classifier on labelled CSV files (``convosift eval``, ``eval-split``).

Train on one file, score another. With an *unmatched label*, test rows carrying it stand for
texts of kinds the classifier never saw: they count as correct only when the prediction is
unmatched, and rows of that label in the training file are left out of training.
"""

from __future__ import annotations

import csv
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convosift.errors import ConfigurationError
from convosift.outputs import open_output

BASE_KEYS = ("accuracy", "macro_f1", "n_train", "n_test", "train_seconds", "predict_per_second")
UNMATCHED_KEYS = ("in_scope_accuracy", "unmatched_recall", "unmatched_precision")


@dataclass(frozen=True)
class LabelledTexts:
    texts: tuple[str, ...]
    labels: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.texts)

    def select(self, indices: Sequence[int]) -> LabelledTexts:
        return LabelledTexts(tuple(self.texts[i] for i in indices), tuple(self.labels[i] for i in indices))

    def without(self, label: str) -> LabelledTexts:
        return self.select([i for i, value in enumerate(self.labels) if value != label])


@dataclass(frozen=True)
class EvalReport:
    accuracy: float
    macro_f1: float
    n_train: int
    n_test: int
    train_seconds: float
    predict_per_second: float
    in_scope_accuracy: float | None = None
    unmatched_recall: float | None = None
    unmatched_precision: float | None = None

    def to_dict(self) -> dict[str, float | int]:
        """Exactly the keys ``convosift eval --json`` prints."""
        keys = BASE_KEYS + (UNMATCHED_KEYS if self.in_scope_accuracy is not None else ())
        return {key: getattr(self, key) for key in keys}


def read_labelled_csv(path: Path, text_column: str = "text", label_column: str = "category") -> LabelledTexts:
    """Texts and labels from a CSV file with a header row."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            for column in (text_column, label_column):
                if column not in columns:
                    raise ConfigurationError(
                        f"{path}: no column {column!r} (columns: {', '.join(columns) or 'none'})",
                        hint="choose the columns with --text-column and --label-column",
                    )
            rows = [(row[text_column] or "", (row[label_column] or "").strip()) for row in reader]
    except FileNotFoundError:
        raise ConfigurationError(f"{path}: file does not exist") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigurationError(f"{path}: cannot be read as CSV: {exc}") from None
    rows = [(text, label) for text, label in rows if label]
    if not rows:
        raise ConfigurationError(f"{path}: no labelled rows")
    return LabelledTexts(tuple(t for t, _ in rows), tuple(label for _, label in rows))


def take_per_label(data: LabelledTexts, k: int, seed: int) -> LabelledTexts:
    """At most ``k`` examples of each label, drawn deterministically for ``seed``."""
    if k < 1:
        raise ConfigurationError(f"examples per label must be at least 1, got {k}")
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(data.labels):
        by_label[label].append(i)
    rng = random.Random(seed)
    chosen: list[int] = []
    for label in sorted(by_label):
        indices = by_label[label]
        chosen.extend(sorted(rng.sample(indices, min(k, len(indices)))))
    return data.select(sorted(chosen))


def evaluate(
    train: LabelledTexts,
    test: LabelledTexts,
    *,
    unmatched_label: str | None = None,
    examples_per_label: int | None = None,
    seed: int = 0,
    threshold: float | None = None,
    params: Any = None,
) -> EvalReport:
    """Train the embedded classifier on ``train`` and score it on ``test``.

    ``threshold`` is the unmatched threshold; by default the engine's own with an unmatched
    label, and none (every text gets its best label) without one.
    """
    from convosift.ml.engine import EngineParams, TextClassifier

    if unmatched_label is not None:
        train = train.without(unmatched_label)
    if examples_per_label is not None:
        train = take_per_label(train, examples_per_label, seed)
    if len(set(train.labels)) < 2:
        raise ConfigurationError("the training file needs examples of at least two labels")
    engine = TextClassifier(params or EngineParams(seed=seed))
    engine.fit(train.texts, train.labels)
    if threshold is None:
        threshold = engine.unmatched_threshold if unmatched_label is not None else 0.0
    started = time.perf_counter()
    predictions = engine.predict(test.texts, threshold=threshold)
    predict_seconds = max(time.perf_counter() - started, 1e-9)
    predicted = [p.label for p in predictions]
    return _score(
        test.labels,
        predicted,
        unmatched_label,
        n_train=len(train),
        train_seconds=engine.train_seconds,
        predict_per_second=len(test) / predict_seconds,
    )


def threshold_sweep(
    train: LabelledTexts,
    test: LabelledTexts,
    unmatched_label: str,
    thresholds: Sequence[float],
    *,
    seed: int = 0,
) -> list[tuple[float, EvalReport]]:
    """Train once, then score ``test`` at each unmatched threshold (``predict_per_second`` is 0)."""
    from convosift.ml.engine import EngineParams, TextClassifier

    train = train.without(unmatched_label)
    engine = TextClassifier(EngineParams(seed=seed)).fit(train.texts, train.labels)
    predictions = engine.predict(test.texts, threshold=0.0)
    sizes = {"n_train": len(train), "train_seconds": engine.train_seconds, "predict_per_second": 0.0}
    reports = []
    for threshold in thresholds:
        predicted = [p.best_label if p.match_score >= threshold else None for p in predictions]
        reports.append((threshold, _score(test.labels, predicted, unmatched_label, **sizes)))
    return reports


def choose_unmatched_threshold(
    train: LabelledTexts,
    validation: LabelledTexts,
    unmatched_label: str,
    *,
    max_in_scope_drop: float = 0.02,
    min_in_scope: float | None = None,
    seed: int = 0,
) -> tuple[float, EvalReport]:
    """The unmatched threshold that catches the most unseen texts of ``validation``.

    Among thresholds 0.00-1.00 (steps of 0.01), the highest unmatched recall whose in-scope
    accuracy stays at or above a floor: ``min_in_scope`` when given, otherwise
    ``max_in_scope_drop`` below the accuracy with no threshold. Tune on a validation split, never
    on the split you report.
    """
    reports = threshold_sweep(
        train, validation, unmatched_label, [step / 100 for step in range(101)], seed=seed
    )
    unthresholded = reports[0][1].in_scope_accuracy or 0.0
    floor = unthresholded - max_in_scope_drop if min_in_scope is None else min(min_in_scope, unthresholded)
    allowed = [pair for pair in reports if (pair[1].in_scope_accuracy or 0.0) >= floor]
    return max(allowed, key=lambda pair: (pair[1].unmatched_recall or 0.0, -pair[0]))


def _score(
    gold: Sequence[str], predicted: Sequence[str | None], unmatched_label: str | None, **sizes: Any
) -> EvalReport:
    from sklearn.metrics import f1_score

    unmatched = unmatched_label if unmatched_label is not None else "<unmatched>"
    predicted_labels = [label if label is not None else unmatched for label in predicted]
    correct = [g == p for g, p in zip(gold, predicted_labels, strict=True)]
    extra: dict[str, float] = {}
    if unmatched_label is not None:
        in_scope = [i for i, g in enumerate(gold) if g != unmatched_label]
        unseen = [i for i, g in enumerate(gold) if g == unmatched_label]
        said_unmatched = [i for i, p in enumerate(predicted) if p is None]
        extra = {
            "in_scope_accuracy": _ratio(sum(correct[i] for i in in_scope), len(in_scope)),
            "unmatched_recall": _ratio(sum(predicted[i] is None for i in unseen), len(unseen)),
            "unmatched_precision": _ratio(
                sum(gold[i] == unmatched_label for i in said_unmatched), len(said_unmatched)
            ),
        }
    return EvalReport(
        accuracy=_ratio(sum(correct), len(gold)),
        macro_f1=round(float(f1_score(list(gold), predicted_labels, average="macro", zero_division=0)), 4),
        n_test=len(gold),
        n_train=int(sizes["n_train"]),
        train_seconds=round(float(sizes["train_seconds"]), 2),
        predict_per_second=round(float(sizes["predict_per_second"]), 1),
        **extra,
    )


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


@dataclass(frozen=True)
class EvalSplit:
    train: LabelledTexts
    test: LabelledTexts
    unseen_labels: tuple[str, ...]
    """Labels held out entirely: absent from ``train``, relabelled as the unmatched label in ``test``."""


def split_for_eval(
    data: LabelledTexts,
    *,
    test_fraction: float = 0.2,
    holdout_labels: int = 0,
    seed: int = 0,
    unmatched_label: str = "unseen",
) -> EvalSplit:
    """A stratified train/test split; optionally ``holdout_labels`` labels become "unseen".

    Each label contributes ``test_fraction`` of its rows to the test part (at least one when it
    has two or more). Rows of held-out labels that fall in the training part are dropped, so the
    test keeps its natural proportion of unseen texts.
    """
    if not 0 < test_fraction < 1:
        raise ConfigurationError(f"the test fraction must be between 0 and 1, got {test_fraction}")
    labels = sorted(set(data.labels))
    if unmatched_label in labels:
        raise ConfigurationError(f"the unmatched label {unmatched_label!r} is already a label of the data")
    if not 0 <= holdout_labels <= len(labels) - 2:
        raise ConfigurationError(f"can hold out between 0 and {len(labels) - 2} labels, got {holdout_labels}")
    rng = random.Random(seed)
    unseen = set(rng.sample(labels, holdout_labels))
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(data.labels):
        by_label[label].append(i)
    train_rows: list[int] = []
    test_rows: list[int] = []
    for label in labels:
        indices = list(by_label[label])
        rng.shuffle(indices)
        n_test = max(1, round(len(indices) * test_fraction)) if len(indices) > 1 else 0
        test_rows.extend(indices[:n_test])
        if label not in unseen:
            train_rows.extend(indices[n_test:])
    test = data.select(sorted(test_rows))
    test = LabelledTexts(test.texts, tuple(unmatched_label if g in unseen else g for g in test.labels))
    return EvalSplit(train=data.select(sorted(train_rows)), test=test, unseen_labels=tuple(sorted(unseen)))


def write_labelled_csv(
    path: Path, data: LabelledTexts, text_column: str = "text", label_column: str = "category"
) -> None:
    with open_output(path) as handle:
        writer = csv.writer(handle)
        writer.writerow([text_column, label_column])
        writer.writerows(zip(data.texts, data.labels, strict=True))

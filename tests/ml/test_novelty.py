"""The novelty detector on BANKING77 intents: when it is trained, what it scores, how it persists."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from convosift.ml import EngineParams, TextClassifier, load_or_train
from convosift.ml.model_cache import forget_loaded
from shared_data import BANKING77

Texts = tuple[list[str], list[str]]


@pytest.fixture(scope="module")
def intents() -> dict[str, list[str]]:
    """The first 20 intents of BANKING77 (alphabetically), 55 texts each."""
    if not BANKING77.exists():
        pytest.skip(f"{BANKING77} is not available")
    with Path(BANKING77).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    names = sorted({row["category"] for row in rows})[:20]
    return {name: [row["text"] for row in rows if row["category"] == name][:55] for name in names}


def _train(intents: dict[str, list[str]], labels: int, per_label: int) -> Texts:
    chosen = list(intents)[:labels]
    return (
        [text for name in chosen for text in intents[name][:per_label]],
        [name for name in chosen for _ in range(per_label)],
    )


@pytest.fixture(scope="module")
def split(intents: dict[str, list[str]]) -> tuple[Texts, list[str], list[str]]:
    """Training texts of 15 intents (40 each), their 15 later texts each, and the 5 other intents."""
    train = _train(intents, 15, 40)
    in_scope = [text for name in list(intents)[:15] for text in intents[name][40:]]
    unseen = [text for name in list(intents)[15:] for text in intents[name][:15]]
    return train, in_scope, unseen


@pytest.fixture(scope="module")
def engine(split: tuple[Texts, list[str], list[str]]) -> TextClassifier:
    return TextClassifier().fit(*split[0])


def test_unseen_intents_get_higher_unseen_scores_than_known_ones(
    engine: TextClassifier, split: tuple[Texts, list[str], list[str]]
) -> None:
    _, in_scope, unseen = split
    assert engine.has_detector
    known, novel = engine.rank(in_scope).unseen, engine.rank(unseen).unseen
    assert known is not None and novel is not None
    assert ((known >= 0) & (known <= 1)).all() and ((novel >= 0) & (novel <= 1)).all()
    assert novel.mean() > known.mean() + 0.2
    # The default threshold leaves most known texts matched and turns away more of the unseen.
    matched_known = sum(p.label is not None for p in engine.predict(in_scope)) / len(in_scope)
    matched_novel = sum(p.label is not None for p in engine.predict(unseen)) / len(unseen)
    assert matched_known > 0.8 and matched_novel < matched_known - 0.2


@pytest.mark.parametrize(
    ("labels", "per_label", "params"),
    [
        (8, 40, EngineParams()),  # fewer than ten labels
        (15, 10, EngineParams()),  # a handful of examples per label
        (15, 40, EngineParams(novelty=False)),
    ],
    ids=["few-labels", "few-examples", "turned-off"],
)
def test_no_detector_without_enough_data_or_when_turned_off(
    intents: dict[str, list[str]], labels: int, per_label: int, params: EngineParams
) -> None:
    engine = TextClassifier(params).fit(*_train(intents, labels, per_label))
    assert not engine.has_detector
    assert engine.unmatched_threshold == params.blend_unmatched_threshold
    texts = next(iter(intents.values()))[50:]
    assert engine.rank(texts).unseen is None
    # The blended score, as before the detector existed.
    weight = params.confidence_weight
    for p in engine.predict(texts, threshold=0.0):
        blend = weight * p.confidence + (1 - weight) * p.similarity
        expected = max(0.0, blend - engine.agreement_weight * (1 - p.agreement))
        assert p.match_score == pytest.approx(expected, abs=1e-5)


def test_training_is_deterministic(engine: TextClassifier, split: tuple[Texts, list[str], list[str]]) -> None:
    train, in_scope, unseen = split
    again = TextClassifier().fit(*train)
    texts = in_scope[::5] + unseen[::5]
    first, second = engine.predict(texts), again.predict(texts)
    # Labels exactly; scores within a tolerance, since the fixture may have trained under another
    # BLAS thread count, and a different kernel may sum in another order.
    assert [p.label for p in second] == [p.label for p in first]
    assert [p.match_score for p in second] == pytest.approx([p.match_score for p in first], abs=1e-5)


def test_the_detector_survives_the_model_cache(
    tmp_path: Path, split: tuple[Texts, list[str], list[str]]
) -> None:
    train, in_scope, unseen = split
    trained = load_or_train(tmp_path, *train)
    files = list((tmp_path / "models").iterdir())
    forget_loaded()  # as a new process would: read the file back
    loaded = load_or_train(tmp_path, *train)
    assert loaded is not trained and loaded.has_detector
    assert list((tmp_path / "models").iterdir()) == files  # read back, not trained again
    texts = in_scope[::7] + unseen[::7]
    assert loaded.predict(texts) == trained.predict(texts)

"""The embedded engine on real wordllama vectors: fit, predict, thresholds, calibration."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from convosift.errors import ClassifierError
from convosift.ml import EngineParams, TextClassifier, embed
from convosift.ml.engine import SUPPORT_NEIGHBOURS
from convosift.ml.pairwise import PairwiseParams
from shared_data import BANKING77

TINY = {
    "billing": [
        "I was charged twice on my card",
        "please refund my last payment",
        "where is my invoice for march",
        "why did the price of my plan go up",
        "cancel my subscription and stop billing me",
        "can I pay by bank transfer",
    ],
    "login": [
        "I forgot my password",
        "cannot sign in to my account",
        "the two factor code never arrives",
        "my account is locked after failed logins",
        "reset password link has expired",
        "login page keeps reloading",
    ],
    "crash": [
        "the app crashes when I open settings",
        "blank screen after the update",
        "error 500 on the dashboard",
        "the page freezes and never loads",
        "upload fails with an unexpected error",
        "export button does nothing",
    ],
}


def _tiny() -> tuple[list[str], list[str]]:
    texts = [text for examples in TINY.values() for text in examples]
    labels = [label for label, examples in TINY.items() for _ in examples]
    return texts, labels


@pytest.fixture(scope="module")
def tiny_engine() -> TextClassifier:
    return TextClassifier().fit(*_tiny())


@pytest.fixture(scope="module")
def banking_subset() -> tuple[list[str], list[str], list[str], list[str]]:
    """20 intents of BANKING77: 40 training and 15 test texts each."""
    if not BANKING77.exists():
        pytest.skip(f"{BANKING77} is not available")
    with Path(BANKING77).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    labels = sorted({row["category"] for row in rows})[:20]
    train: tuple[list[str], list[str]] = ([], [])
    test: tuple[list[str], list[str]] = ([], [])
    for label in labels:
        texts = [row["text"] for row in rows if row["category"] == label]
        train[0].extend(texts[:40])
        train[1].extend([label] * 40)
        test[0].extend(texts[40:55])
        test[1].extend([label] * 15)
    return train[0], train[1], test[0], test[1]


def test_predicts_the_right_label_for_new_phrasings(tiny_engine: TextClassifier) -> None:
    predictions = tiny_engine.predict(
        ["refund the double charge please", "I can't log in, forgot my password", "the app crashed again"],
        threshold=0.0,
    )
    assert [p.label for p in predictions] == ["billing", "login", "crash"]
    assert all(0.0 <= p.confidence <= 1.0 and 0.0 <= p.similarity <= 1.0 for p in predictions)
    assert set(tiny_engine.classes) == {"billing", "login", "crash"}


def test_threshold_turns_low_scores_into_unmatched(tiny_engine: TextClassifier) -> None:
    texts = ["refund the double charge please", "what is the weather like on mars"]
    assert all(p.label is not None for p in tiny_engine.predict(texts, threshold=0.0))
    strict = tiny_engine.predict(texts, threshold=1.0)
    assert [p.label for p in strict] == [None, None]
    assert all(p.best_label in tiny_engine.classes for p in strict)
    middle = sorted(p.match_score for p in tiny_engine.predict(texts, threshold=0.0))
    cut = (middle[0] + middle[1]) / 2
    mixed = tiny_engine.predict(texts, threshold=cut)
    assert sum(p.label is None for p in mixed) == 1


def test_off_topic_text_scores_lower_than_on_topic(tiny_engine: TextClassifier) -> None:
    on_topic, off_topic = tiny_engine.predict(
        ["my password reset link expired", "recipe for banana bread with walnuts"], threshold=0.0
    )
    assert on_topic.match_score > off_topic.match_score


def test_probabilities_are_distributions(tiny_engine: TextClassifier) -> None:
    probabilities = tiny_engine.predict_proba(["refund", "", "login broken"])
    assert probabilities.shape == (3, 3)
    assert probabilities.sum(axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-6)


def test_confident_predictions_are_more_often_right(
    banking_subset: tuple[list[str], list[str], list[str], list[str]],
) -> None:
    train_texts, train_labels, test_texts, test_labels = banking_subset
    engine = TextClassifier().fit(train_texts, train_labels)
    predictions = engine.predict(test_texts, threshold=0.0)
    right = [p.best_label == gold for p, gold in zip(predictions, test_labels, strict=True)]
    assert sum(right) / len(right) > 0.8  # chance is 0.05
    ranked = sorted(zip((p.confidence for p in predictions), right, strict=True))
    third = len(ranked) // 3
    low = [ok for _, ok in ranked[:third]]
    high = [ok for _, ok in ranked[-third:]]
    assert sum(high) / len(high) > sum(low) / len(low)
    assert sum(high) / len(high) > 0.9


def test_embed_is_normalised_and_safe_on_empty_text() -> None:
    vectors = embed(["hello there", "", "   "])
    assert vectors.shape == (3, 256)
    assert float((vectors[0] ** 2).sum()) == pytest.approx(1.0, abs=1e-5)
    assert not vectors[1:].any()


def test_a_single_label_cannot_be_trained() -> None:
    with pytest.raises(ClassifierError, match="at least two labels"):
        TextClassifier().fit(["refund please", "charged twice"], ["billing", "billing"])


def test_texts_without_words_are_a_classifier_error() -> None:
    with pytest.raises(ClassifierError, match="cannot build features"):
        TextClassifier().fit(["!", "?"], ["x", "y"])


def test_one_example_per_label_still_trains_without_calibration_folds() -> None:
    texts, labels = ["refund my payment", "reset my password"], ["billing", "login"]
    engine = TextClassifier(EngineParams()).fit(texts, labels)
    (prediction,) = engine.predict(["please refund the payment"], threshold=0.0)
    assert prediction.label == "billing"


def test_predict_before_fit_is_a_classifier_error() -> None:
    with pytest.raises(ClassifierError, match="before it was trained"):
        TextClassifier().predict(["anything"])


def test_label_texts_teach_a_label_its_own_words() -> None:
    """A label known from two examples plus its description wins texts only the description covers."""
    texts = [*TINY["billing"][:2], *TINY["login"][:2], *TINY["crash"][:2]]
    labels = ["billing"] * 2 + ["login"] * 2 + ["crash"] * 2
    query = ["accounting documents for my records"]
    plain = TextClassifier().fit(texts, labels)
    described = TextClassifier().fit(
        texts, labels, label_texts={"billing": ["receipts, VAT, sales tax and accounting documents"]}
    )
    assert plain.predict(query, threshold=0.0)[0].best_label != "billing"
    assert described.predict(query, threshold=0.0)[0].best_label == "billing"


def test_label_texts_are_part_of_the_model_cache_key() -> None:
    from convosift.ml.model_cache import model_key

    texts, labels = ["a b c", "d e f"], ["x", "y"]
    plain = model_key(texts, labels, EngineParams())
    described = model_key(texts, labels, EngineParams(), label_texts={"x": ["letters at the start"]})
    assert plain != described
    assert described == model_key(texts, labels, EngineParams(), label_texts={"x": ["letters at the start"]})


def test_pair_votes_lower_the_match_score_of_contested_texts(
    banking_subset: tuple[list[str], list[str], list[str], list[str]],
    tiny_engine: TextClassifier,
) -> None:
    train_texts, train_labels, test_texts, test_labels = banking_subset
    # Without the novelty detector the match score is the blend (see the next test for the detector).
    engine = TextClassifier(EngineParams(novelty=False)).fit(train_texts, train_labels)
    # 40 examples per label: enough for the penalty; six per label (tiny) is not.
    assert engine.agreement_weight == EngineParams().agreement_weight > 0
    assert tiny_engine.agreement_weight == 0.0
    predictions = engine.predict(test_texts, threshold=0.0)
    weight = engine.params.confidence_weight
    for p in predictions:
        assert -1.0 <= p.agreement <= 1.0
        blend = weight * p.confidence + (1 - weight) * p.similarity
        assert p.match_score == pytest.approx(
            max(0.0, blend - engine.agreement_weight * (1 - p.agreement)), abs=1e-5
        )
    right = [p.agreement for p, gold in zip(predictions, test_labels, strict=True) if p.best_label == gold]
    wrong = [p.agreement for p, gold in zip(predictions, test_labels, strict=True) if p.best_label != gold]
    assert wrong and sum(wrong) / len(wrong) < sum(right) / len(right)
    # Without pair models nothing is contested and the score is the plain blend.
    plain = TextClassifier(EngineParams(pairwise=PairwiseParams(candidates=1))).fit(train_texts, train_labels)
    assert {p.agreement for p in plain.predict(test_texts[:20], threshold=0.0)} == {1.0}


def test_with_a_detector_the_match_score_is_its_score_lowered_by_disagreement(
    banking_subset: tuple[list[str], list[str], list[str], list[str]],
    tiny_engine: TextClassifier,
) -> None:
    train_texts, train_labels, test_texts, _ = banking_subset
    engine = TextClassifier().fit(train_texts, train_labels)
    assert engine.has_detector and not tiny_engine.has_detector
    assert engine.unmatched_threshold == EngineParams().unmatched_threshold
    assert tiny_engine.unmatched_threshold == EngineParams().blend_unmatched_threshold
    ranking = engine.rank(test_texts)
    assert ranking.unseen is not None
    pull = engine.params.novelty_agreement_weight
    expected = (1 - ranking.unseen + pull * (1 + ranking.agreement)) / (1 + 2 * pull)
    predictions = engine.predict(test_texts)
    assert [p.match_score for p in predictions] == pytest.approx(list(expected), abs=1e-5)
    assert [p.best_label for p in predictions] == [engine.classes[b] for b in ranking.best]
    # The default threshold is the detector's.
    for p in predictions:
        assert (p.label is None) == (p.match_score < engine.params.unmatched_threshold)
    assert any(p.label is None for p in predictions) and any(p.label for p in predictions)


def test_best_gives_predicts_label_and_confidence_without_the_match_score(
    banking_subset: tuple[list[str], list[str], list[str], list[str]],
) -> None:
    train_texts, train_labels, test_texts, _ = banking_subset
    engine = TextClassifier().fit(train_texts, train_labels)
    texts = [*test_texts[:40], "", "zzzz qqqq"]
    full = engine.predict(texts, threshold=0.0)
    best = engine.best(texts)
    assert [(b.best_label, b.confidence) for b in best] == [(p.best_label, p.confidence) for p in full]
    assert engine.best([]) == []


def test_best_counts_how_many_of_the_nearest_examples_share_the_label(
    banking_subset: tuple[list[str], list[str], list[str], list[str]],
) -> None:
    """``support`` is the share of the five training examples nearest by sentence vector that are
    of the best label, and ``margin`` the nearest own example's similarity minus the nearest other's."""
    import numpy as np

    train_texts, train_labels, test_texts, _ = banking_subset
    engine = TextClassifier().fit(train_texts, train_labels)
    texts = test_texts[:60]
    best = engine.best(texts, support_from=0.0)
    # The examples it learnt from: the training texts and each label's own name.
    similarities = engine.rank(texts).vectors @ engine._train_vectors.T
    labels = np.array(engine.classes)[engine._train_label_ids]
    for row, b in zip(similarities, best, strict=True):
        nearest = np.argsort(-np.round(row, 6), kind="stable")[:SUPPORT_NEIGHBOURS]
        assert b.support == pytest.approx(float(np.mean(labels[nearest] == b.best_label)))
        own = row[labels == b.best_label].max()
        assert b.margin == pytest.approx(own - row[labels != b.best_label].max(), abs=1e-5)
    assert {b.support for b in best} > {1.0}, "the subset has texts whose neighbours disagree"
    # Counted only from the confidence asked for.
    some = engine.best(texts, support_from=0.5)
    assert [b.support for b in some] == [b.support if b.confidence >= 0.5 else None for b in best]
    assert [(b.best_label, b.confidence, b.margin) for b in some] == [
        (b.best_label, b.confidence, b.margin) for b in best
    ]
    assert all(b.support is None for b in engine.best(texts))


def test_a_label_with_fewer_examples_than_the_neighbours_counted_can_still_be_fully_supported() -> None:
    """Support counts as many nearest examples as the best label has, when that is fewer than five."""
    texts = [
        "my card payment was declined at the shop",
        "the card got refused at the till",
        "payment with my card did not go through",
        "card declined when paying online",
        "my debit card keeps getting rejected",
        "the terminal refused my card twice",
        "why was my card payment declined",
        "card refused at the petrol station",
        "I want to change my home address",
        "please update my postal address",
    ]
    labels = ["declined"] * 8 + ["address"] * 2
    engine = TextClassifier(EngineParams(calibration_folds=2)).fit(texts, labels)
    best = engine.best(["how do I update my address", "my card was refused"], support_from=0.0)
    assert [b.best_label for b in best] == ["address", "declined"]
    # "address" has three training texts (two examples and its own name): all three are nearest.
    assert best[0].support == 1.0
    assert best[1].support is not None and best[1].support >= 0.6

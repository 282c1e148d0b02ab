"""What a user would run instead of convosift's categories, spam detector and domain gate.

Not a benchmark itself (``run_all.py`` skips modules whose name starts with ``_``);
``category_accuracy.py`` scores these peers beside convosift on the same texts, in the same run.
Each peer is the plain version of a step a team builds in-house when it has no LLM, fed the same
training data convosift ships, so a difference between the two is the design, not the data:

- ``zero_shot``: each category's name and description as a sentence vector, the nearest one wins
  (the usual "embed the labels" classifier);
- ``tfidf_logreg``: scikit-learn's TF-IDF and logistic regression trained on the taxonomy's seed
  texts (what a data scientist fits first);
- ``vectors_logreg``: logistic regression on the seed texts' sentence vectors;
- ``junk_tfidf_logreg``: TF-IDF and logistic regression trained on convosift's own junk and
  genuine sets, spam above a probability of 0.5;
- ``nearest_example``: a theme matches when a text's sentence vector is close enough to one of the
  theme's examples (or its title), read at the threshold where it lets through as much of another
  business's text as convosift does.

The sentence vectors are convosift's own (the wordllama model shipped in its wheel), so no peer
downloads anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from convosift.classify import junk
from convosift.classify.taxonomy import Taxonomy
from convosift.ml.embeddings import embed
from convosift.themes.vocabulary import Vocabulary


class Peer:
    """A peer classifier: a label and a confidence per text."""

    name = "peer"
    probabilities = True
    """Whether the confidence is a probability (else only a ranking: no "confidence >= 0.8")."""

    def predict(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        raise NotImplementedError


class ZeroShot(Peer):
    name = "zero_shot"
    probabilities = False

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.labels = list(taxonomy.names)
        prompts = [f"{c.name.replace('_', ' ')}: {c.description}" for c in taxonomy.categories]
        self.vectors = embed(prompts)

    def predict(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        scores = embed(list(texts)) @ self.vectors.T
        ordered = np.sort(scores, axis=1)
        # No probability: the margin over the runner-up ranks how sure it is.
        return [self.labels[i] for i in scores.argmax(axis=1)], ordered[:, -1] - ordered[:, -2]


class TfidfLogreg(Peer):
    name = "tfidf_logreg"

    def __init__(self, texts: Sequence[str], labels: Sequence[str]) -> None:
        self.model = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True),
            LogisticRegression(max_iter=2000),
        )
        self.model.fit(list(texts), list(labels))

    def predict(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        probabilities = self.model.predict_proba(list(texts))
        classes = self.model.classes_
        return [str(classes[i]) for i in probabilities.argmax(axis=1)], probabilities.max(axis=1)


class VectorsLogreg(Peer):
    name = "vectors_logreg"

    def __init__(self, texts: Sequence[str], labels: Sequence[str]) -> None:
        # Unit-length vectors of 256 dimensions: the default C=1 regularises them to near-uniform
        # probabilities; 10 is the usual first step up.
        self.model = LogisticRegression(max_iter=2000, C=10.0)
        self.model.fit(embed(list(texts)), list(labels))

    def predict(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        probabilities = self.model.predict_proba(embed(list(texts)))
        classes = self.model.classes_
        return [str(classes[i]) for i in probabilities.argmax(axis=1)], probabilities.max(axis=1)


def type_peers(taxonomy: Taxonomy) -> list[Peer]:
    texts, labels = taxonomy.training_examples()
    return [ZeroShot(taxonomy), TfidfLogreg(texts, labels), VectorsLogreg(texts, labels)]


def peer_type_accuracy(peer: Peer, rows: Sequence[tuple[str, str]], review_share: float) -> dict[str, Any]:
    """Accuracy overall, on the rows left when the peer's least sure ``review_share`` is set aside
    (convosift's own review share, so both are read at the same cost), and at confidence >= 0.8."""
    predicted, confidence = peer.predict([text for text, _ in rows])
    right = np.array([p == gold for p, (_, gold) in zip(predicted, rows, strict=True)])
    kept = np.argsort(-confidence, kind="stable")[: round(len(rows) * (1 - review_share))]
    figures: dict[str, Any] = {
        "accuracy": round(float(right.mean()), 4),
        "accuracy_not_flagged_same_share": round(float(right[kept].mean()), 4),
    }
    if peer.probabilities:
        sure = confidence >= 0.8
        figures["accuracy_confidence_0.8"] = round(float(right[sure].mean()), 4) if sure.any() else None
        figures["confident_rows"] = int(sure.sum())
    return figures


def bar(scores: np.ndarray, share: float) -> float:
    """The score that ``share`` of ``scores`` lie above (texts above it are matched or flagged):
    the peer then lets through no more than ``share``, ties aside."""
    if not len(scores):
        return 0.0
    ordered = np.sort(scores)[::-1]
    return float(ordered[min(int(share * len(scores)), len(scores) - 1)])


def peer_spam_share(peer: Peer, texts: Sequence[str], spam: str | None) -> float:
    predicted, _ = peer.predict(texts)
    return round(sum(label == spam for label in predicted) / max(1, len(texts)), 4)


class JunkTfidfLogreg:
    """Spam when the probability of junk is above 0.5, trained on convosift's junk sets."""

    name = "junk_tfidf_logreg"

    def __init__(self) -> None:
        texts, labels = junk.training_data()
        self.model = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            LogisticRegression(max_iter=2000, class_weight="balanced"),
        )
        self.model.fit(list(texts), [label == junk.JUNK for label in labels])

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.predict_proba(list(texts))[:, 1] if texts else np.zeros(0)


def junk_peer(
    genuine: Sequence[str], junk_held_out: Sequence[str], hard_genuine: Sequence[str], convosift_fp: float
) -> dict[str, Any]:
    """The junk peer at its own threshold (0.5), then at the threshold where it labels as much of
    the genuine texts spam as convosift does (chosen on those texts, which favours the peer)."""
    peer = JunkTfidfLogreg()
    real, held, hard = (peer.probabilities(texts) for texts in (genuine, junk_held_out, hard_genuine))
    figures: dict[str, Any] = {}
    for name, threshold in (("threshold_0.5", 0.5), ("same_false_positives", bar(real, convosift_fp))):
        figures[name] = {
            "threshold": round(threshold, 3),
            "genuine_labelled_spam": round(float((real > threshold).mean()), 4),
            "held_out_recall": round(float((held > threshold).mean()), 4),
            "hard_genuine_labelled_spam": round(float((hard > threshold).mean()), 4),
        }
    return figures


class NearestExample:
    """The best theme by cosine to its closest example; matched above a threshold."""

    name = "nearest_example"

    def __init__(self, vocabulary: Vocabulary) -> None:
        texts: list[str] = []
        self.owners: list[str] = []
        for theme in vocabulary.active:
            for text in (theme.title, *theme.examples):
                texts.append(text)
                self.owners.append(theme.signature)
        self.vectors = embed(texts)

    def scores(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        similarity = embed(list(texts)) @ self.vectors.T
        best = similarity.argmax(axis=1)
        return [self.owners[i] for i in best], similarity.max(axis=1)


def nearest_example_peer(
    vocabulary: Vocabulary,
    demo_texts: Sequence[str],
    demo_gold: Sequence[str | None],
    other_business: Sequence[str],
    convosift_leak: float,
) -> dict[str, Any]:
    """The peer on the demo inbox with no threshold (its best recall), then at the threshold where
    it matches no more of another business's texts than convosift does (``convosift_leak``):
    the recall and precision it keeps there."""
    peer = NearestExample(vocabulary)
    best, score = peer.scores(demo_texts)
    _, other = peer.scores(other_business)
    themed = max(1, sum(g is not None for g in demo_gold))

    def at(threshold: float) -> tuple[float, float, float]:
        matched = score > threshold
        right = sum(m and b == g for m, b, g in zip(matched, best, demo_gold, strict=True))
        return (
            float(right / max(1, int(matched.sum()))),
            float(right / themed),
            float((other > threshold).mean()),
        )

    threshold = bar(other, convosift_leak)
    open_precision, open_recall, open_leak = at(-2.0)
    precision, recall, leak = at(threshold)
    return {
        "no_threshold": {
            "demo_precision": round(open_precision, 4),
            "demo_recall": round(open_recall, 4),
            "other_business_matched": round(open_leak, 4),
        },
        "same_leak": {
            "threshold": round(threshold, 3),
            "demo_precision": round(precision, 4),
            "demo_recall": round(recall, 4),
            "other_business_matched": round(leak, 4),
        },
    }

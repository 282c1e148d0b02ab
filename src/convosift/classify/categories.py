"""Categories from the embedded classifier trained on the taxonomy's examples.

A category is always the best one among the taxonomy's (a category is a routing decision, not
an open set); a low calibrated confidence sets ``needs_review`` instead. The taxonomy's spam
category is the exception: it is given when, and only when, the text carries positive evidence
of spam: a hand-written cue (:mod:`convosift.classify.evidence`) or the verdict of the learned
junk detector (:mod:`convosift.classify.junk`), unless the customer is quoting junk they received
to ask about it. A spam guess of the model without evidence gives the best other category
instead, flagged for review; spam on the detector's verdict alone, when it is not sure and the
model sees another category, is flagged for review too. The wish category (``feature_request``)
likewise needs the text to say it wishes for something (:mod:`convosift.classify.wishes`). A text
written in another language than English (:mod:`convosift.ml.language`) keeps its best category
as a guess: flagged for review, its confidence held below a sure one.

Conversations mix the issue with greetings, thanks and "any update?" follow-ups, which on their
own look like the taxonomy's catch-all category. So the text is judged as a whole and line by
line: the most confident judgement naming a specific category wins, and the catch-all is chosen
only when no part says anything more specific. A text with no words cannot be judged at all: it
comes back ``unclassified`` (no category, confidence 0, flagged for review) rather than as a
guessed category.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from convosift.classify.evidence import EVIDENCE_RULE, quotes_junk, spam_evidence
from convosift.classify.junk import JUNK_PROBABILITY, JunkDetector
from convosift.classify.taxonomy import Taxonomy, load_taxonomy
from convosift.classify.wishes import WISH_RULE, wish_evidence
from convosift.config import Settings
from convosift.domain import Classification, ClassificationStatus
from convosift.ml.engine import Best, TextClassifier
from convosift.ml.framing import FRAMING_VERSION, issue_text, words
from convosift.ml.language import LANGUAGE_RULE, other_language
from convosift.ml.model_cache import load_or_train
from convosift.replies import asks

CLASSIFIER_NAME = "local"
MAX_LINES = 20
"""Lines judged on their own per text (the opening lines carry the issue)."""
LINE_CONFIDENCE = 0.5
"""Confidence a single line needs to compete with the whole text's judgement (the most confident
judgement naming a specific category wins, :meth:`LocalCategoryClassifier._choose`)."""
LINE_MIN_WORDS = 3
"""Words a line needs to be judged on its own, unless it has a word of a request ("Card declined",
:func:`convosift.replies.asks`): a word or two ("Other", "Billing", a button the customer pressed
before typing) is too little evidence to override the whole text."""
CUE = "cue"
LEARNED = "learned"
NEIGHBOUR_MARGIN_WEIGHT = 3.0
"""How steeply confidence falls as the nearest seed text of another category gets closer than the
nearest one of the chosen category (see :func:`_discounted`)."""
SURE_CONFIDENCE = 0.8
"""From this confidence a category reads as sure: the model must have similar examples behind it."""
SURE_SUPPORT = 1.0
"""Share of the nearest seed texts (all 5) that must be of the chosen category for a confidence
of :data:`SURE_CONFIDENCE` or more; below it the confidence is held at :data:`UNSURE_CEILING`."""
UNSURE_CEILING = 0.75


class LocalCategoryClassifier:
    """Classifies texts into the taxonomy's categories, offline."""

    def __init__(self, settings: Settings, taxonomy: Taxonomy | None = None) -> None:
        self.settings = settings
        self.taxonomy = taxonomy or load_taxonomy(settings.taxonomy_path)
        self._engine: TextClassifier | None = None
        self._model_name: str | None = None
        self.junk = JunkDetector(settings.cache_dir)

    @property
    def engine(self) -> TextClassifier:
        """The trained engine (loaded from the model cache, or trained once on first use)."""
        if self._engine is None:
            texts, labels = self.taxonomy.training_examples()
            descriptions = {c.name: [c.description] for c in self.taxonomy.categories if c.description}
            self._engine = load_or_train(self.settings.cache_dir, texts, labels, label_texts=descriptions)
        return self._engine

    @property
    def model(self) -> str:
        """Engine identity, confidence rule and taxonomy version, stored with every result."""
        if self._model_name is None:
            # Hashing the taxonomy costs a JSON dump: once per classifier, not once per result. The
            # name must fit the store's 128 characters (NAME_LENGTH): each rule has a short tag.
            self._model_name = (
                f"{self.engine.engine_id}/junk-{self.junk.version}-{junk_rule()}"
                f"/nb-{NEIGHBOUR_MARGIN_WEIGHT:g}-sure-{SURE_SUPPORT:g}-lw{LINE_MIN_WORDS}a-{WISH_RULE}-{LANGUAGE_RULE}"
                f"/framing-{FRAMING_VERSION}"
                f"/taxonomy-{self.taxonomy.version}"
            )
        return self._model_name

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        results: list[Classification | None] = [None] * len(texts)
        present = [i for i, text in enumerate(texts) if text and text.strip()]
        if present:
            # The type is read from the request, not from the greetings and thanks around it.
            segments = [_segments(issue_text(texts[i])) for i in present]
            flat = [segment for group in segments for segment in group]
            # Categories are a closed set: the best label and its confidence are all they need.
            predictions = iter(self.engine.best(flat, support_from=SURE_CONFIDENCE))
            spam = self.taxonomy.spam
            junk = self._junk([texts[i] for i in present]) if spam is not None else [None] * len(present)
            unproven: list[int] = []
            for i, group, evidence in zip(present, segments, junk, strict=True):
                best = self._choose([_discounted(next(predictions)) for _ in group])
                if spam is not None and evidence is not None:
                    # Junk by its own signs, whatever the model makes of its unfamiliar words. The
                    # learned detector alone against the model is worth a look: sure or not, a third
                    # of such texts were genuine requests on development data (docs/accuracy.md).
                    agreed = best.best_label == spam
                    confidence = best.confidence if agreed else 0.5
                    results[i] = self._classified(spam, confidence, review=evidence == LEARNED and not agreed)
                elif best.best_label == spam or (
                    best.best_label == self.taxonomy.wish and wish_evidence(texts[i]) is None
                ):
                    unproven.append(i)
                else:
                    # Spam rests on its evidence instead (a few seed texts cannot back it).
                    held = _held(best)
                    results[i] = self._classified(held.best_label, held.confidence)
            for i, (label, confidence) in zip(unproven, self._best_other(texts, unproven), strict=True):
                # The model's spam or wish guess has nothing to back it: the best other category,
                # for review.
                results[i] = self._classified(label, confidence, review=True)
            for i in present:
                result = results[i]
                # The whole text: its greetings and thanks are words of its language too.
                if result is not None and other_language(texts[i]) is not None:
                    # Written in a language the models did not learn: a guess, never a sure one.
                    held_at = min(result.confidence, UNSURE_CEILING)
                    results[i] = result.model_copy(update={"confidence": held_at, "needs_review": True})
        return [result or self._unclassified() for result in results]

    def _junk(self, texts: list[str]) -> list[str | None]:
        """The positive evidence of junk each text carries: :data:`CUE` (a hand-written cue),
        :data:`LEARNED` (the junk detector's verdict alone) or None. The detector reads the text without its greetings
        and sign-offs, as the category model does: it learned from bare requests, and "Dear
        Support," alone put 35 of 1,000 real requests over its threshold (docs/accuracy.md)."""
        verdicts = self.junk.judge([issue_text(text) for text in texts])
        evidence: list[str | None] = []
        for text, verdict in zip(texts, verdicts, strict=True):
            if spam_evidence(text) is not None:
                evidence.append(CUE)
            elif verdict.is_junk and not quotes_junk(text):
                evidence.append(LEARNED)
            else:
                evidence.append(None)
        return evidence

    def _classified(self, category: str, confidence: float, *, review: bool = False) -> Classification:
        return Classification(
            status=ClassificationStatus.CLASSIFIED,
            category=category,
            confidence=confidence,
            classifier=CLASSIFIER_NAME,
            model=self.model,
            needs_review=review or confidence < self.settings.review_confidence,
        )

    def _best_other(self, texts: Sequence[str], indices: list[int]) -> list[tuple[str, float]]:
        """The most probable category other than spam and wishes for each of ``texts[indices]``."""
        if not indices:
            return []
        probabilities = self.engine.predict_proba([texts[i] for i in indices])
        classes = list(self.engine.classes)
        taken_back = {self.taxonomy.spam, self.taxonomy.wish}
        allowed = [j for j, name in enumerate(classes) if name not in taken_back]
        chosen = []
        for row in probabilities:
            j = max(allowed, key=lambda k: row[k])
            chosen.append((classes[j], round(float(row[j]), 6)))
        return chosen

    def _choose(self, predictions: list[Best]) -> Best:
        """The whole-text judgement, unless it is the catch-all and some line is more specific."""
        whole = predictions[0]
        fallback = self.taxonomy.fallback
        if fallback is None:
            return whole
        # A line says something specific only when the model is fairly sure of it: a bare "Hi
        # there," leans to whatever type most seed texts open with, at a low confidence.
        specific = [
            p
            for i, p in enumerate(predictions)
            if p.best_label != fallback and (i == 0 or p.confidence >= LINE_CONFIDENCE)
        ]
        return max(specific, key=lambda p: p.confidence) if specific else whole

    def _unclassified(self) -> Classification:
        return Classification(
            status=ClassificationStatus.UNCLASSIFIED,
            confidence=0.0,
            classifier=CLASSIFIER_NAME,
            model=self.model if self._engine is not None else "",
            needs_review=True,
            error="no text to classify",
        )


def _segments(text: str) -> list[str]:
    """The whole text first, then, when there is more than one line, each line of
    :data:`LINE_MIN_WORDS` words or more or with a word of a request."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return [text]
    judged = [
        line
        for line in lines[:MAX_LINES]
        if sum(w != "#" for w in words(line)) >= LINE_MIN_WORDS or asks(line)
    ]
    return [text, *judged]


def _discounted(best: Best) -> Best:
    """``best`` with its confidence lowered when its nearest seed texts are of another category.

    The calibrated probability is learnt on seed texts; on a real inbox it is too sure of itself
    (see docs/accuracy.md). Where the text's closest seed text is of another category than the
    one chosen, the choice rests on words rather than on a similar example: the confidence is
    multiplied by ``1 + NEIGHBOUR_MARGIN_WEIGHT * margin`` (at most 1), so such a text is more
    often flagged for review.
    """
    if best.margin >= 0:
        return best
    factor = max(0.0, 1.0 + NEIGHBOUR_MARGIN_WEIGHT * best.margin)
    return Best(best.best_label, round(best.confidence * factor, 6), best.margin, best.support)


def _held(best: Best) -> Best:
    """``best`` with a sure confidence (:data:`SURE_CONFIDENCE` or more) held at
    :data:`UNSURE_CEILING` when fewer than :data:`SURE_SUPPORT` of its nearest seed texts are of
    its category: still the category, no longer reading as a sure one. Applied to the judgement
    chosen for the whole text, so it never changes which category that is."""
    if best.confidence < SURE_CONFIDENCE or best.support is None or best.support >= SURE_SUPPORT:
        return best
    return Best(best.best_label, UNSURE_CEILING, best.margin, best.support)


def junk_rule() -> str:
    """The rules spam rests on beside the detector's training data (4 hex digits): the cues, the
    quoting rules, the detector's bar and the review of a verdict the model does not share."""
    content = f"{EVIDENCE_RULE}/{JUNK_PROBABILITY}/review-learned"
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:4]

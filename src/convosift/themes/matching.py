"""Local theme matching: one vocabulary theme or *unmatched* per conversation, with evidence.

The embedded classifier (:mod:`convosift.ml`) is trained on the active themes'
examples, titles and descriptions. What the classifier cannot see is added as boosts: the
theme's keywords in the customer's text and its URL patterns on the page the customer wrote from
(``source.url``). The boosts are added to the classifier's scores before the best theme is chosen
(with the engine's pair votes). The best theme is kept when its match score reaches the threshold;
otherwise the conversation is unmatched and discovery may group it with similar ones later. The
match score is the engine's measure of "is this any known theme at all" plus the boosts: its
novelty detector's score when the vocabulary is large enough for one, else the mean of the
probability and the similarity to that theme's nearest examples minus the engine's penalty when
the pair models disagree.

The evidence quote is the customer sentence closest to the matched theme's examples."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from convosift.config import Settings
from convosift.domain import Conversation, ThemeMatch
from convosift.ml.embeddings import EMBEDDING_MODEL
from convosift.ml.engine import ENGINE_VERSION
from convosift.ml.framing import FRAMING_VERSION, issue_text
from convosift.themes.domain import (
    DOMAIN_PROBABILITY,
    ELSEWHERE,
    DomainGate,
    at_reference_share,
    background_texts,
    gate_version,
    vocabulary_share,
)
from convosift.themes.opposites import OPPOSITES_VERSION, leaning, opposed, sides
from convosift.themes.text import MAX_TEXT_CHARS, best_sentences
from convosift.themes.vocabulary import Theme, Vocabulary

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from convosift.ml.engine import TextClassifier

DEFAULT_THRESHOLD = 0.5
"""Match-score threshold of a vocabulary large enough for the engine's novelty detector (about
30 examples per theme or more): on BANKING77 with 10 intents held out it keeps in-scope accuracy
above 0.90 (benchmarks/theme_accuracy.py)."""
DEFAULT_FEW_SHOT_THRESHOLD = 0.3
"""Threshold of a smaller vocabulary, whose match score is the blend of probability and
similarity (a vocabulary right after accepting proposals: 5 to 10 examples per theme). The two
scores have different scales, so one number cannot serve both."""
KEYWORD_BOOST = 0.06
"""Added per distinct keyword found (at most :data:`MAX_KEYWORD_HITS` count)."""
MAX_KEYWORD_HITS = 2
URL_BOOST = 0.05
NEIGHBOURS = 5
UNMATCHED_CATEGORIES = frozenset({"spam"})
"""Conversations of these categories are never given a theme."""


@dataclass(frozen=True)
class _Trained:
    classifier: TextClassifier
    example_vectors: NDArray[np.float32]
    """Sentence vectors of the training texts."""
    owners: NDArray[np.int32]
    """Classifier column (theme) of each training text."""
    centroids: NDArray[np.float32]
    """Unit mean vector of each theme's training texts, by classifier column."""
    columns: list[int]
    """Classifier column of each active theme, in vocabulary order."""
    gate: DomainGate
    """Whether a text is of this vocabulary's business at all."""
    share: float
    """Share of the classifier's training texts that are the vocabulary's (below 1 only for a
    vocabulary of one theme, learnt against other businesses' messages)."""


@dataclass(frozen=True)
class _Keyword:
    first_word: str
    """A match needs this literal text; checking for it first skips most regex searches (about a
    quarter of a batch's matching time went into them)."""
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, keyword: str) -> _Keyword:
        words = keyword.lower().split()
        escaped = r"\s+".join(re.escape(word) for word in words)
        return cls(words[0] if words else "", re.compile(rf"(?<![\w]){escaped}(?![\w])"))

    def found_in(self, lowered: str) -> bool:
        return self.first_word in lowered and self.pattern.search(lowered) is not None


class LocalThemeMatcher:
    """Matches conversations to the active themes of a vocabulary, on the CPU, offline."""

    def __init__(
        self,
        vocabulary: Vocabulary,
        settings: Settings,
        *,
        threshold: float | None = None,
        background: Sequence[str] | None = None,
    ) -> None:
        self.vocabulary = vocabulary
        self.themes: list[Theme] = vocabulary.active
        self.settings = settings
        self._threshold = threshold if threshold is not None else vocabulary.match_threshold
        # The name records what the matches were judged by: the vocabulary, the engine and sentence
        # vectors, how a text is read and the domain gate.
        self.name = (
            f"local-themes:{vocabulary.content_hash}/local-v{ENGINE_VERSION}+{EMBEDDING_MODEL}"
            f"/framing-{FRAMING_VERSION}/gate-{gate_version()}/opposites-{OPPOSITES_VERSION}"
        )
        if background is not None:
            # Matches depend on what the gate contrasts the themes with: the name says which.
            digest = hashlib.sha256("\n".join(background).encode("utf-8")).hexdigest()[:12]
            self.name += f"/background-{digest}"
        self._keywords = [[_Keyword.of(k) for k in theme.keywords] for theme in self.themes]
        self._leaning = [leaning(theme.training_texts()) for theme in self.themes]
        self._lock = threading.Lock()
        self._trained: _Trained | None = None
        self._background = background

    @property
    def threshold(self) -> float:
        """The given threshold, else the vocabulary's, else the default for its size."""
        if self._threshold is None:
            if not self.themes:
                return DEFAULT_THRESHOLD
            detector = self._model().classifier.has_detector
            self._threshold = DEFAULT_THRESHOLD if detector else DEFAULT_FEW_SHOT_THRESHOLD
        return self._threshold

    def _model(self) -> _Trained:
        """Train (or load from the disk cache) once."""
        with self._lock:
            if self._trained is None:
                self._trained = self._train()
            return self._trained

    def _train(self) -> _Trained:
        import numpy as np

        from convosift.ml import EngineParams, embed, load_or_train

        texts: list[str] = []
        labels: list[str] = []
        for theme in self.themes:
            for text in theme.training_texts():
                texts.append(issue_text(text))
                labels.append(theme.signature)
        # No pull towards each theme's mean vector: on a vocabulary of a few examples per theme it
        # raises the probabilities of vague texts, and match thresholds were chosen without it.
        params = EngineParams(centroid_weight=0.0)
        others: list[str] = []
        if len(self.themes) == 1:
            # One theme (the first proposal accepted): a classifier needs a second label, so the
            # theme is learnt against other businesses' messages, which never make a match.
            others = list(self._background if self._background is not None else background_texts())
        classifier = load_or_train(
            self.settings.cache_dir, texts + others, labels + [ELSEWHERE] * len(others), params
        )
        position = {signature: i for i, signature in enumerate(classifier.classes)}
        # Column of each vocabulary theme in the classifier's probability matrix.
        columns = [position[theme.signature] for theme in self.themes]
        vectors = embed(texts)
        owners = np.array([position[label] for label in labels], dtype=np.int32)
        centroids = np.zeros((len(classifier.classes), vectors.shape[1]), dtype=np.float32)
        for column in columns:
            centre = vectors[owners == column].mean(axis=0)
            centroids[column] = centre / max(float(np.linalg.norm(centre)), 1e-9)
        gate = DomainGate(texts, labels, self.settings.cache_dir, self._background)
        share = vocabulary_share(len(texts), others)  # counted as the gate counts it
        return _Trained(classifier, vectors, owners, centroids, columns, gate, share)

    def _boosts(
        self, conversations: Sequence[Conversation], texts: Sequence[str], columns: list[int], width: int
    ) -> NDArray[np.float64]:
        import numpy as np

        boosts = np.zeros((len(texts), width), dtype=np.float64)
        for row, (conversation, text) in enumerate(zip(conversations, texts, strict=True)):
            lowered = text.lower()
            for index, theme in enumerate(self.themes):
                hits = sum(1 for keyword in self._keywords[index] if keyword.found_in(lowered))
                boost = KEYWORD_BOOST * min(hits, MAX_KEYWORD_HITS)
                if theme.matches_url(conversation.url):
                    boost += URL_BOOST
                boosts[row, columns[index]] = boost
        return boosts

    def match(
        self, conversations: Sequence[Conversation], categories: Sequence[str | None] | None = None
    ) -> list[ThemeMatch]:
        """One :class:`ThemeMatch` per conversation, in order (signature None = unmatched)."""
        if not conversations:
            return []
        texts = [(c.customer_text.strip() or (c.subject or ""))[:MAX_TEXT_CHARS] for c in conversations]
        return self.match_texts(texts, conversations, categories)

    def match_texts(
        self,
        texts: Sequence[str],
        conversations: Sequence[Conversation] | None = None,
        categories: Sequence[str | None] | None = None,
    ) -> list[ThemeMatch]:
        """Match raw texts (``conversations`` adds their URLs; ``categories`` may veto a theme)."""
        import numpy as np

        from convosift.ml import embed
        from convosift.ml.blas import use_one_blas_thread

        if not texts:
            return []
        if not self.themes:
            # No vocabulary yet (a fresh install): everything is unmatched, for discovery to group.
            return [ThemeMatch(signature=None, score=0.0, matcher=self.name) for _ in texts]
        model = self._model()
        use_one_blas_thread()
        # A theme is matched on the request, not on the greetings, references and thanks around it.
        texts = [issue_text(text) for text in texts]
        classifier = model.classifier
        width = len(classifier.classes)
        boosts = np.zeros((len(texts), width), dtype=np.float64)
        if conversations is not None:
            boosts = self._boosts(conversations, texts, model.columns, width)
        # The boosts take part in choosing the best theme (and its pair votes).
        ranking = classifier.rank(list(texts), boosts)
        best = ranking.best
        if len(model.columns) == 1:
            # One theme learnt against other businesses' messages: the theme is every text's
            # candidate, its probability and similarity make the score, and the gate decides.
            best = np.full_like(best, model.columns[0])
        rows = np.arange(len(texts))
        base = classifier.detector_score(ranking)
        if base is None:
            similarity = _neighbour_similarity(ranking.vectors, model.example_vectors, model.owners, best)
            disagreement = classifier.agreement_weight * (1.0 - ranking.agreement)
            # One theme against other businesses' messages: its probability carries its small
            # share of the training texts as a prior, as the domain gate's does.
            probability = at_reference_share(ranking.probabilities[rows, best], model.share)
            base = (probability + similarity) / 2.0 - disagreement
        scores = np.clip(base + boosts[rows, best], 0.0, 1.0)
        matched = [
            float(score) >= self.threshold
            and bool(text.strip())
            and not (categories is not None and categories[i] in UNMATCHED_CATEGORIES)
            for i, (score, text) in enumerate(zip(scores, texts, strict=True))
        ]
        # A theme that asks for one action never takes a request for its opposite ("enrol me"
        # against "cancel my plan"): sentence vectors barely tell the two apart.
        leaning_at = dict(zip(model.columns, self._leaning, strict=True))
        for i, text in enumerate(texts):
            if matched[i] and opposed(sides(text), leaning_at[int(best[i])]):
                matched[i] = False
        quotes = best_sentences(texts, model.centroids[best], embed)
        # Out of domain: a theme stands only when the sentence that carries it is of this
        # vocabulary's business (greetings and thanks around it say nothing either way), or when
        # the conversation was started on the theme's own page of the product.
        candidates = [i for i, is_match in enumerate(matched) if is_match]
        if candidates:
            theme_at = dict(zip(model.columns, self.themes, strict=True))
            in_domain = model.gate.probabilities([quotes[i][0] or texts[i] for i in candidates])
            for i, probability in zip(candidates, in_domain, strict=True):
                on_its_page = conversations is not None and theme_at[int(best[i])].matches_url(
                    conversations[i].url
                )
                matched[i] = on_its_page or float(probability) >= DOMAIN_PROBABILITY
        results = []
        for i, is_match in enumerate(matched):
            signature = classifier.classes[int(best[i])] if is_match else None
            results.append(
                ThemeMatch(
                    signature=signature,
                    score=round(float(scores[i]), 4),
                    evidence=quotes[i][0] if is_match else None,
                    matcher=self.name,
                )
            )
        return results


def _neighbour_similarity(
    vectors: NDArray[np.float32], examples: NDArray[np.float32], owners: NDArray[np.int32], best: Any
) -> NDArray[np.float64]:
    """Mean cosine similarity of each text to its nearest examples of its best theme."""
    import numpy as np

    result = np.zeros(len(vectors), dtype=np.float64)
    for start in range(0, len(vectors), 512):
        chunk = vectors[start : start + 512] @ examples.T
        same = owners[None, :] == best[start : start + 512, None]
        chunk = np.where(same, chunk, -np.inf)
        k = min(NEIGHBOURS, chunk.shape[1])
        top = -np.partition(-chunk, k - 1, axis=1)[:, :k]
        finite = np.isfinite(top)
        result[start : start + 512] = np.clip(
            np.where(finite, top, 0.0).sum(axis=1) / np.maximum(finite.sum(axis=1), 1), 0.0, 1.0
        )
    return result

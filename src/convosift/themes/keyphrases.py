"""Key phrases of discovered clusters: the words and bigrams that set each cluster apart.

Each cluster is one document of a class-based TF-IDF. A word written capitalised inside sentences
(:func:`convosift.themes.naming.proper_words`) is a person's name, most often, and is left out,
unless it is a cluster's own word (:func:`own_words`): used by a good share of the cluster's
requests and far more often there than anywhere else, as the names of products, brands and places
are ("Apple Pay", "Visa", "QuickBooks", "China"). A common given name
(:func:`convosift.names.given_names`) is never a cluster's own word and never a key
phrase, however it is written, and the requests of one customer count once: a customer who writes
several times about one thing, a payee or an agent who handles one kind of request would otherwise
concentrate a name in one cluster.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence

from convosift.names import given_names, is_given_name
from convosift.themes.naming import phrase_stop_words, proper_words

KEY_PHRASES = 5
OWN_WORD_SHARE = 0.2
"""Share of a cluster's requests that must use a capitalised word for it to be the cluster's own."""
OWN_WORD_MIN = 5
"""Requests of the cluster, of as many authors, that must use it at the least."""
OWN_WORD_LIFT = 3.0
"""How many times more often than the other requests a cluster's requests must use a capitalised
word for it to be the cluster's own: a customer's or an agent's name turns up in any request."""
_WORD = re.compile(r"\b[a-zA-Z][a-zA-Z]+\b")
"""A word of a key phrase, and of a name: two letters or more between word boundaries ("o'brien"
is "brien", "mary-jane" is "mary" and "jane", "4g" and "atm2" are none)."""
_SEGMENT = re.compile(r"[\n.!?;:,()]+")
"""Where a sentence, a line or a clause ends ("Browser: Safari", "card, pin"): no bigram spans it."""


def key_phrases(
    cluster_texts: Sequence[Sequence[str]],
    background: Sequence[str] = (),
    top: int = KEY_PHRASES,
    authors: Sequence[Sequence[str | None]] | None = None,
) -> list[list[str]]:
    """Distinctive words and bigrams of each cluster (class-based TF-IDF).

    Each cluster is one document; a term weighs its frequency in the cluster times
    ``log(1 + average cluster size / its frequency over all clusters)``, so words every cluster
    uses ("account", "help") sink. Unclustered texts join the background so they count against
    generic words too. A word written capitalised inside sentences is left out as a name, except
    from the clusters it belongs to (:func:`own_words`; ``authors``, parallel to ``cluster_texts``,
    says who wrote each text, None where unknown).
    """
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer

    if not cluster_texts:
        return []
    # One text per line: a bigram never spans two requests.
    documents = ["\n".join(texts) for texts in cluster_texts]
    if background:
        documents.append("\n".join(background))
    names = _tokens(proper_words([text for texts in cluster_texts for text in texts]))
    own = own_words(cluster_texts, background, names, authors)
    try:
        counter = CountVectorizer(analyzer=_Terms(frozenset(phrase_stop_words()) | given_names()))
        counts = counter.fit_transform(documents).astype(np.float64).tocsr()
    except ValueError:
        return [[] for _ in cluster_texts]
    counts.sort_indices()
    terms = counter.get_feature_names_out()
    # Sparse all along: clusters x terms (bigrams included) would not fit densely at 100k texts.
    row_totals = np.maximum(np.asarray(counts.sum(axis=1)).ravel(), 1.0)
    rarity = np.log1p(
        (counts.sum() / len(documents)) / np.maximum(np.asarray(counts.sum(axis=0)).ravel(), 1.0)
    )
    results = []
    for row in range(len(cluster_texts)):
        start, end = counts.indptr[row], counts.indptr[row + 1]
        columns = counts.indices[start:end]
        weights = counts.data[start:end] / row_totals[row] * rarity[columns]
        chosen: list[str] = []
        for position in np.argsort(-weights, kind="stable"):
            term = str(terms[columns[position]])
            if weights[position] <= 0 or len(chosen) >= top:
                break
            if any(term in kept or kept in term for kept in chosen) or _repeats(term):
                continue
            if any(word in names and word not in own[row] for word in term.split()):
                continue
            chosen.append(term)
        results.append(chosen)
    return results


def own_words(
    cluster_texts: Sequence[Sequence[str]],
    background: Sequence[str],
    names: set[str],
    authors: Sequence[Sequence[str | None]] | None = None,
) -> list[set[str]]:
    """For each cluster, the words of ``names`` that are its own rather than names: used by at least
    :data:`OWN_WORD_SHARE` of its requests (and :data:`OWN_WORD_MIN`), :data:`OWN_WORD_LIFT` times
    their share among all other requests, clustered or not ("Visa" in a cluster about card brands),
    and not a common given name. With no other request to compare with, no word is a cluster's own.

    Requests of one author (``authors``, parallel to ``cluster_texts``; None is an author of its
    own) count once: a customer who writes five times about a payment to the same person does not
    make that person's name the cluster's word."""
    candidates = {name for name in names if not is_given_name(name)}
    total = sum(len(texts) for texts in cluster_texts) + len(background)
    if not candidates:
        return [set() for _ in cluster_texts]
    used = [
        [candidates.intersection(_WORD.findall(text.lower())) for text in texts] for texts in cluster_texts
    ]
    overall: Counter[str] = Counter(word for texts in used for words in texts for word in words)
    overall.update(
        word for text in background for word in candidates.intersection(_WORD.findall(text.lower()))
    )
    own = []
    for row, texts in enumerate(used):
        others = total - len(texts)
        writers = authors[row] if authors is not None else [None] * len(texts)
        uses: Counter[str] = Counter()
        people: dict[str, set[object]] = {}
        for index, (words, author) in enumerate(zip(texts, writers, strict=True)):
            uses.update(words)
            for word in words:
                people.setdefault(word, set()).add(author if author is not None else index)
        own.append(
            {
                word
                for word, count in uses.items()
                if others > 0
                and len(people[word]) >= max(OWN_WORD_MIN, OWN_WORD_SHARE * len(texts))
                and count / len(texts) >= OWN_WORD_LIFT * (overall[word] - count) / others
            }
        )
    return own


class _Terms:
    """The words of a document that are no stop word, and the bigrams of those next to each other
    once stop words are dropped, as scikit-learn's own analyser makes them ("card was declined"
    gives "card declined"), but never across the end of a sentence, a line or a clause: a
    request's last word and the next one's first, or a signature's name and the line under it,
    are no phrase."""

    def __init__(self, stop: frozenset[str]) -> None:
        self.stop = stop

    def __call__(self, document: str) -> list[str]:
        terms: list[str] = []
        for segment in _SEGMENT.split(document.lower()):
            words = [
                word
                for word in _WORD.findall(segment)
                if word not in self.stop and (word.isascii() or not is_given_name(word))
            ]
            terms += words
            terms += [f"{one} {two}" for one, two in itertools.pairwise(words)]
        return terms


def _repeats(term: str) -> bool:
    """Whether a bigram is one word twice ("long long", "auto auto"): the word says it alone."""
    words = term.split()
    return len(words) == 2 and words[0] == words[1]


def _tokens(words: set[str]) -> set[str]:
    """``words`` as the vectoriser's tokens: a name written with an apostrophe or a hyphen
    ("O'Brien", "Mary-Jane") is the tokens it splits into."""
    return {token for word in words for token in _WORD.findall(word.replace("’", "'"))}

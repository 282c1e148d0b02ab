"""Requests in other languages than English, for ``category_accuracy.py``.

``benchmarks/data/other_languages.tsv`` holds 96 support requests written for this benchmark in
eight languages (Spanish, German, French, Portuguese, Italian, Dutch, Polish, Swedish), 14 of them
of five words or fewer, and ``benchmarks/data/english_with_foreign_words.txt`` 30 English
requests with names, places, addresses, paths, code, quoted messages, loanwords and courtesy words
of other languages in them, and short ones with no small word at all. The models learnt English only: a
request in another language should come back flagged for review, never as a sure category, and
an English one should never be taken for another language.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any
from unittest import mock

from convosift.classify import categories
from convosift.classify.categories import LocalCategoryClassifier
from convosift.ml.language import other_language

DATA = Path(__file__).resolve().parent / "data"
SHORT_WORDS = 5
"""Requests of at most this many words are counted apart: they hold few small words to go by."""


def other_language_rows() -> list[tuple[str, str]]:
    """(language code, text) of the requests written in other languages."""
    with (DATA / "other_languages.tsv").open(encoding="utf-8") as handle:
        return [(row["language"], row["text"]) for row in csv.DictReader(handle, delimiter="\t")]


def _flags(classifier: LocalCategoryClassifier, texts: list[str]) -> dict[str, Any]:
    results = classifier.classify(texts)
    return {
        "needs_review": round(sum(r.needs_review for r in results) / len(texts), 4),
        "sure": sum(r.confidence >= categories.SURE_CONFIDENCE for r in results),
    }


def other_languages(classifier: LocalCategoryClassifier, english: dict[str, list[str]]) -> dict[str, Any]:
    """How requests in other languages come back, with the language rule and without it (the same
    model in the same run), and how many English texts of each set are taken for another language."""
    texts = [text for _, text in other_language_rows()]
    english = {**english, "english_with_foreign_words": _lines(DATA / "english_with_foreign_words.txt")}
    with mock.patch.object(categories, "other_language", lambda _text: None):
        without = _flags(classifier, texts)
    short = [text for text in texts if len(text.split()) <= SHORT_WORDS]
    return {
        "texts": len(texts),
        "read_as_other_language": round(sum(other_language(t) is not None for t in texts) / len(texts), 4),
        "short_texts": len(short),
        "short_read_as_other_language": sum(other_language(t) is not None for t in short),
        **_flags(classifier, texts),
        "without_the_rule": without,
        "english_read_as_other_language": {
            name: sum(other_language(t) is not None for t in group) for name, group in english.items()
        },
    }


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

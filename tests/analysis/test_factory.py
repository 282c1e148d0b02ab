"""The default classify-and-match stage on the synthetic inbox, scored against its ground truth."""

from __future__ import annotations

import asyncio

import pytest

from convosift.analysis.factory import build_analyzer
from convosift.analysis.local import LocalAnalyzer
from convosift.config import load_settings
from convosift.domain import ClassificationStatus, Conversation
from convosift.errors import ConfigurationError
from convosift.filtering import FilterRules, assess
from convosift.mock.inbox import GroundTruth, generate_inbox
from convosift.sources.intercom.normalize import normalize_conversation
from convosift.themes.vocabulary import demo_vocabulary_path


def _kept_sample(n: int, seed: int) -> list[tuple[Conversation, GroundTruth]]:
    rules = FilterRules.from_settings(load_settings())
    sample = []
    for item in generate_inbox(n, seed=seed):
        conversation = normalize_conversation(item.conversation)
        if assess(conversation, rules).kept:
            sample.append((conversation, item.truth))
    return sample


def test_local_analyzer_recovers_the_generated_themes() -> None:
    analyzer = build_analyzer(load_settings(vocabulary_path=demo_vocabulary_path()))
    assert isinstance(analyzer, LocalAnalyzer)
    sample = _kept_sample(500, seed=11)
    results = asyncio.run(analyzer.analyze([conversation for conversation, _ in sample]))
    assert len(results) == len(sample)
    predicted = [(r.theme.signature, truth.theme) for r, (_, truth) in zip(results, sample, strict=True)]
    true_positive = sum(1 for got, want in predicted if got is not None and got == want)
    precision = true_positive / max(1, sum(1 for got, _ in predicted if got is not None))
    recall = true_positive / max(1, sum(1 for _, want in predicted if want is not None))
    assert precision >= 0.9, precision
    assert recall >= 0.75, recall
    assert all(r.classification.status is ClassificationStatus.CLASSIFIED for r in results)
    assert all(r.theme.evidence for r in results if r.theme.signature is not None)


def test_llm_backend_without_endpoint_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="LLM"):
        build_analyzer(load_settings(classifier="llm"))

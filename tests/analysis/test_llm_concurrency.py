"""The LLM analyzer's adaptive concurrency against a real OpenAI-compatible server on loopback.

Several batches are analysed at once by one analyzer, as a staged pipeline does, so they share
one limit. Real sleeps and a real clock: the assertions are on outcomes (everything classified,
how many refusals, where the limit ended) with margins a busy machine cannot break, never on
wall time.
"""

from __future__ import annotations

import asyncio
from typing import Any

from convosift.analysis.cache import MemoryCache
from convosift.analysis.llm import LLMAnalyzer, build_llm_analyzer
from convosift.config import load_settings
from convosift.domain import Analysis, ClassificationStatus, Conversation
from openai_server import OpenAIServer, openai_server

TOPICS = ("my invoice was charged twice", "how do I configure the webhook", "the export is broken")


def batches(count: int, size: int) -> list[list[Conversation]]:
    """Distinct conversations (no two share a cache key), ``count`` batches of ``size``."""
    return [
        [
            Conversation(
                id=f"{batch}-{number}",
                created_at=1_700_000_000,
                updated_at=1_700_000_000,
                opener=f"Ticket {batch}-{number}: {TOPICS[number % len(TOPICS)]}.",
            )
            for number in range(size)
        ]
        for batch in range(count)
    ]


def analyzer_for(server: OpenAIServer, **overrides: Any) -> LLMAnalyzer:
    settings = load_settings(
        llm_base_url=server.base_url,
        llm_api_key="sk-test-concurrency",
        llm_timeout_seconds=30.0,
        **overrides,
    )
    return build_llm_analyzer(settings, MemoryCache())


async def analyze_at_once(analyzer: LLMAnalyzer, work: list[list[Conversation]]) -> list[Analysis]:
    try:
        results = await asyncio.gather(*(analyzer.analyze(batch) for batch in work))
    finally:
        await analyzer.aclose()
    return [analysis for batch in results for analysis in batch]


def all_classified(results: list[Analysis]) -> bool:
    return all(r.classification.status is ClassificationStatus.CLASSIFIED for r in results)


async def test_against_a_server_allowing_few_requests_it_settles_near_that_many() -> None:
    allowed = 6
    work = batches(3, 50)
    with openai_server(latency=0.1, max_concurrent=allowed) as server:
        # Starts at the default of 16, well above what the server takes.
        analyzer = analyzer_for(server, llm_max_retries=10)
        results = await analyze_at_once(analyzer, work)

        assert len(results) == 150 and all_classified(results)
        # Every conversation was answered once; every other call was a refusal.
        assert server.calls - server.rate_limited == 150
        # One halving per burst: the first burst of 10, then a refusal or two each time the
        # limit climbs back past six: about 17 in all on a quiet machine.
        assert server.rate_limited <= 60, server.rate_limited
        assert analyzer.concurrency.limit <= 2 * allowed, analyzer.concurrency.limit
        assert server.max_in_flight <= allowed


async def test_against_a_server_without_limits_it_grows_beyond_its_start() -> None:
    work = batches(2, 60)
    with openai_server(latency=0.2) as server:
        analyzer = analyzer_for(server, llm_concurrency=4, llm_max_concurrency=32)
        results = await analyze_at_once(analyzer, work)

        assert len(results) == 120 and all_classified(results)
        assert server.calls == 120 and server.rate_limited == 0
        assert 4 < server.max_in_flight <= 32, server.max_in_flight
        assert 4 < analyzer.concurrency.limit <= 32

"""The LLM analyzer against a real OpenAI-compatible HTTP server on loopback.

Every outcome ends in a stored classification or a recorded failure, never a guessed category.
Retries use an injected sleep that records the delays, so these tests do not wait.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from convosift.analysis.base import Analyzer
from convosift.analysis.cache import MemoryCache, ResultCache
from convosift.analysis.llm import LLMAnalyzer, build_llm_analyzer, estimate_cost
from convosift.config import Settings
from convosift.domain import Analysis, ClassificationStatus, Conversation
from convosift.errors import ClassifierError, ConfigurationError
from convosift.themes.vocabulary import Theme, Vocabulary, demo_vocabulary_path
from openai_server import OpenAIServer, Step, openai_server

API_KEY = "sk-test-7d1c0ffee5ecret"
CATEGORIES = (
    "product_issue",
    "how_to_question",
    "feature_request",
    "account_issue",
    "billing_question",
    "configuration_help",
    "general_inquiry",
    "spam",
)


@dataclass(frozen=True)
class Category:
    name: str
    description: str
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Category, ...]
    version: str = "t1"


TAXONOMY = Taxonomy(
    tuple(Category(name, f"Conversations about {name.replace('_', ' ')}.") for name in CATEGORIES)
)
VOCABULARY = Vocabulary(
    themes=(
        Theme(
            signature="csv_export_times_out", title="CSV export times out", description="Large exports fail."
        ),
        Theme(signature="shopify_store_connection_fails", title="Shopify store cannot connect"),
        Theme(
            signature="export_hangs",
            title="Export hangs",
            status="merged",
            merged_into="csv_export_times_out",
        ),
    )
)


def conversation(number: int, text: str, subject: str | None = None) -> Conversation:
    return Conversation(
        id=str(number),
        created_at=1_700_000_000,
        updated_at=1_700_000_000 + number,
        opener=text,
        subject=subject,
    )


class DictCache:
    """The smallest ResultCache: a dict."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {key: self.entries[key] for key in keys if key in self.entries}

    def put_many(self, items: Mapping[str, dict[str, Any]]) -> None:
        self.entries.update(items)


class Sleeps:
    """An injected sleep: records each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture(scope="module")
def module_server() -> Iterator[OpenAIServer]:
    with openai_server() as server:
        yield server


@pytest.fixture
def server(module_server: OpenAIServer) -> OpenAIServer:
    module_server.reset()
    return module_server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_settings(base_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "llm_base_url": base_url,
        "llm_api_key": API_KEY,
        "llm_model": "test-model",
        "llm_timeout_seconds": 2.0,
        "llm_max_retries": 2,
        "llm_concurrency": 4,
    }
    return Settings(**{**values, **overrides})


def make_analyzer(
    server: OpenAIServer, sleeps: Sleeps, cache: ResultCache | None = None, **overrides: Any
) -> LLMAnalyzer:
    return LLMAnalyzer(
        make_settings(server.base_url, **overrides),
        TAXONOMY,
        VOCABULARY,
        cache if cache is not None else MemoryCache(),
        sleep=sleeps,
        rng=random.Random(7),
    )


async def analyze(analyzer: LLMAnalyzer, conversations: list[Conversation]) -> list[Analysis]:
    try:
        return await analyzer.analyze(conversations)
    finally:
        await analyzer.aclose()


def assert_failed(result: Analysis, reason: str) -> None:
    assert result.classification.status is ClassificationStatus.FAILED
    assert result.classification.category is None
    assert result.theme.signature is None
    assert result.classification.error is not None and reason in result.classification.error


# --- valid answers ---------------------------------------------------------------------------


async def test_one_call_per_conversation_returns_category_theme_and_evidence(
    server: OpenAIServer, sleeps: Sleeps
) -> None:
    batch = [
        conversation(1, "I was charged twice on my last invoice. Please refund one of them."),
        conversation(2, "The CSV export times out every time I run it. It used to work."),
        conversation(3, "Hello there, just saying hi to the team."),
    ]
    results = await analyze(make_analyzer(server, sleeps), batch)

    assert server.calls == 3
    assert [r.classification.category for r in results] == [
        "billing_question",
        "product_issue",
        "general_inquiry",
    ]
    assert all(r.classification.status is ClassificationStatus.CLASSIFIED for r in results)
    assert results[1].theme.signature == "csv_export_times_out"
    assert results[1].theme.evidence == "The CSV export times out every time I run it."
    assert results[0].theme.signature is None
    assert results[0].classification.prompt_tokens > 0 and results[0].classification.completion_tokens > 0
    assert results[0].classification.model == "test-model" and not results[0].classification.cached
    body = server.requests[0]
    assert body["response_format"] == {"type": "json_object"} and body["model"] == "test-model"
    assert "csv_export_times_out" in body["messages"][0]["content"]


async def test_low_confidence_answers_are_flagged_for_review(server: OpenAIServer, sleeps: Sleeps) -> None:
    server.set_script(
        [
            Step.raw(
                json.dumps(
                    {"category": "general_inquiry", "confidence": 0.3, "theme": None, "evidence": "hello"}
                )
            )
        ]
    )
    [result] = await analyze(make_analyzer(server, sleeps, review_confidence=0.5), [conversation(1, "hello")])

    assert result.classification.category == "general_inquiry"
    assert result.classification.needs_review


async def test_analyzer_satisfies_the_stage_protocol(server: OpenAIServer, sleeps: Sleeps) -> None:
    analyzer = make_analyzer(server, sleeps)
    assert isinstance(analyzer, Analyzer)
    assert analyzer.name.startswith("llm:test-model:")
    await analyzer.aclose()


async def test_an_injected_httpx_client_carries_the_requests(server: OpenAIServer, sleeps: Sleeps) -> None:
    async with httpx.AsyncClient() as http_client:
        analyzer = LLMAnalyzer(
            make_settings(server.base_url),
            TAXONOMY,
            VOCABULARY,
            MemoryCache(),
            http_client=http_client,
            sleep=sleeps,
        )
        [result] = await analyzer.analyze([conversation(1, "How do I add a teammate?")])

    assert result.classification.category == "how_to_question"
    assert server.calls == 1


# --- themes ----------------------------------------------------------------------------------


async def test_unknown_theme_becomes_a_proposal_and_stays_unmatched(
    server: OpenAIServer, sleeps: Sleeps
) -> None:
    answer = {
        "category": "product_issue",
        "confidence": 0.8,
        "theme": "Invoice-PDF missing logo",
        "theme_confidence": 0.7,
        "evidence": "The logo is missing on invoice PDFs.",
    }
    server.set_script([Step.raw(json.dumps(answer))])
    [result] = await analyze(
        make_analyzer(server, sleeps), [conversation(1, "The logo is missing on invoice PDFs.")]
    )

    assert result.classification.category == "product_issue"
    assert result.theme.signature is None
    assert result.theme.proposed_signature == "invoice_pdf_missing_logo"
    assert result.theme.score == 0.0
    assert server.calls == 1


async def test_a_merged_theme_resolves_to_its_target(server: OpenAIServer, sleeps: Sleeps) -> None:
    answer = {
        "category": "product_issue",
        "confidence": 0.8,
        "theme": "export_hangs",
        "theme_confidence": 0.6,
        "evidence": "My export hangs.",
    }
    server.set_script([Step.raw(json.dumps(answer))])
    [result] = await analyze(make_analyzer(server, sleeps), [conversation(1, "My export hangs. Help!")])

    assert result.theme.signature == "csv_export_times_out"
    assert result.theme.score == 0.6


async def test_a_paraphrased_quote_is_replaced_by_the_closest_customer_sentence(
    server: OpenAIServer, sleeps: Sleeps
) -> None:
    answer = {
        "category": "product_issue",
        "confidence": 0.8,
        "theme": None,
        "evidence": "customer says the shopify store will not connect",
    }
    server.set_script([Step.raw(json.dumps(answer))])
    text = "Hi team. My Shopify store will not connect since Monday! Thanks."
    [result] = await analyze(make_analyzer(server, sleeps), [conversation(1, text)])

    assert result.theme.evidence == "My Shopify store will not connect since Monday!"


# --- retries and failures --------------------------------------------------------------------


async def test_invalid_json_is_retried_and_the_valid_answer_stored(
    server: OpenAIServer, sleeps: Sleeps
) -> None:
    cache = MemoryCache()
    server.set_script([Step.invalid_json()])
    [result] = await analyze(
        make_analyzer(server, sleeps, cache), [conversation(1, "The app shows an error.")]
    )

    assert result.classification.category == "product_issue"
    assert server.calls == 2 and len(sleeps.delays) == 1
    assert len(cache) == 1
    # The tokens of the wasted attempt are paid too.
    single = server.requests[0]
    assert result.classification.prompt_tokens == 2 * _prompt_tokens(single)


def _prompt_tokens(body: dict[str, Any]) -> int:
    return sum(len(m["content"]) for m in body["messages"]) // 4


async def test_unknown_category_is_retried_never_stored(server: OpenAIServer, sleeps: Sleeps) -> None:
    server.set_script([Step.unknown_category()])
    [result] = await analyze(make_analyzer(server, sleeps), [conversation(1, "How do I export my data?")])

    assert result.classification.category == "how_to_question"
    assert server.calls == 2


async def test_persistent_unknown_category_fails(server: OpenAIServer, sleeps: Sleeps) -> None:
    server.set_script([Step.unknown_category()] * 3)
    [result] = await analyze(make_analyzer(server, sleeps), [conversation(1, "How do I export my data?")])

    assert_failed(result, "unknown category")
    assert server.calls == 3


async def test_rate_limit_honours_retry_after(server: OpenAIServer, sleeps: Sleeps) -> None:
    server.set_script([Step.rate_limit(retry_after=3)])
    [result] = await analyze(make_analyzer(server, sleeps), [conversation(1, "I need a refund please.")])

    assert result.classification.category == "billing_question"
    assert server.calls == 2
    assert sleeps.delays and sleeps.delays[0] >= 3


async def test_server_error_is_retried(server: OpenAIServer, sleeps: Sleeps) -> None:
    server.set_script([Step.error(500), Step.error(503)])
    [result] = await analyze(make_analyzer(server, sleeps), [conversation(1, "I need a refund please.")])

    assert result.classification.status is ClassificationStatus.CLASSIFIED
    assert server.calls == 3
    assert len(sleeps.delays) == 2 and sleeps.delays[1] > sleeps.delays[0] * 0.5


async def test_timeout_is_retried(server: OpenAIServer, sleeps: Sleeps) -> None:
    server.set_script([Step.slow(1.5)])
    analyzer = make_analyzer(server, sleeps, llm_timeout_seconds=0.3)
    [result] = await analyze(analyzer, [conversation(1, "Password reset link never arrives.")])

    assert result.classification.category == "account_issue"
    assert server.calls == 2


async def test_persistent_failure_is_recorded_not_cached_and_retried_next_run(
    server: OpenAIServer, sleeps: Sleeps
) -> None:
    cache = MemoryCache()
    server.set_script([Step.error(502)] * 3)
    [result] = await analyze(
        make_analyzer(server, sleeps, cache), [conversation(1, "I need a refund please.")]
    )

    assert_failed(result, "502")
    assert "3 attempts" in (result.classification.error or "")
    assert result.classification.classifier == "llm"
    assert len(cache) == 0

    [again] = await analyze(
        make_analyzer(server, sleeps, cache), [conversation(1, "I need a refund please.")]
    )
    assert again.classification.category == "billing_question"
    assert server.calls == 4


async def test_a_rejected_request_fails_without_retrying(server: OpenAIServer, sleeps: Sleeps) -> None:
    server.set_script([Step.error(400)])
    [result] = await analyze(make_analyzer(server, sleeps), [conversation(1, "Some very long text.")])

    assert_failed(result, "400")
    assert server.calls == 1 and sleeps.delays == []


async def test_a_refused_key_stops_the_batch_without_leaking_it(
    server: OpenAIServer, sleeps: Sleeps, capsys: pytest.CaptureFixture[str]
) -> None:
    server.set_script([Step.error(401)] * 5)
    analyzer = make_analyzer(server, sleeps)
    with pytest.raises(ClassifierError) as caught:
        await analyze(analyzer, [conversation(1, "one text here"), conversation(2, "another text here")])

    assert "API key" in str(caught.value)
    captured = capsys.readouterr()
    assert API_KEY not in str(caught.value) + captured.out + captured.err


async def test_an_unreachable_endpoint_is_a_recorded_failure(sleeps: Sleeps) -> None:
    with openai_server() as gone:
        base_url = gone.base_url
    settings = make_settings(base_url, llm_max_retries=1)
    analyzer = LLMAnalyzer(settings, TAXONOMY, VOCABULARY, MemoryCache(), sleep=sleeps)
    [result] = await analyze(analyzer, [conversation(1, "Anyone there?")])

    assert_failed(result, "could not connect")
    assert API_KEY not in (result.classification.error or "")


# --- cache -----------------------------------------------------------------------------------


async def test_a_second_run_makes_zero_calls(server: OpenAIServer, sleeps: Sleeps) -> None:
    cache = MemoryCache()
    batch = [conversation(i, f"Ticket {i}: the dashboard crashes when I open report {i}.") for i in range(5)]
    first = await analyze(make_analyzer(server, sleeps, cache), batch)
    assert server.calls == 5

    second = await analyze(make_analyzer(server, sleeps, cache), batch)

    assert server.calls == 5
    assert [r.classification.category for r in second] == [r.classification.category for r in first]
    assert [r.theme for r in second] == [r.theme for r in first]
    assert all(r.classification.cached and r.classification.prompt_tokens == 0 for r in second)


async def test_identical_texts_in_one_batch_share_one_call(server: OpenAIServer, sleeps: Sleeps) -> None:
    batch = [conversation(1, "The export fails."), conversation(2, "The   export fails.")]
    results = await analyze(make_analyzer(server, sleeps), batch)

    assert server.calls == 1
    assert results[0].classification.category == results[1].classification.category == "product_issue"
    # Tokens are counted once per call, so run counters stay exact.
    assert results[0].classification.prompt_tokens > 0 and not results[0].classification.cached
    assert results[1].classification.prompt_tokens == 0 and results[1].classification.cached


async def test_an_unreadable_cache_entry_is_asked_again(server: OpenAIServer, sleeps: Sleeps) -> None:
    cache = DictCache()
    batch = [conversation(1, "The export fails.")]
    await analyze(make_analyzer(server, sleeps, cache), batch)
    [key] = cache.entries
    cache.entries[key] = {"category": None}

    [result] = await analyze(make_analyzer(server, sleeps, cache), batch)

    assert result.classification.category == "product_issue" and not result.classification.cached
    assert server.calls == 2


async def test_another_model_or_taxonomy_does_not_reuse_answers(server: OpenAIServer, sleeps: Sleeps) -> None:
    cache = MemoryCache()
    batch = [conversation(1, "The export fails.")]
    await analyze(make_analyzer(server, sleeps, cache), batch)
    await analyze(make_analyzer(server, sleeps, cache, llm_model="other-model"), batch)
    other_taxonomy = Taxonomy(TAXONOMY.categories, version="t2")
    await analyze(
        LLMAnalyzer(make_settings(server.base_url), other_taxonomy, VOCABULARY, cache, sleep=sleeps), batch
    )

    assert server.calls == 3


# --- redaction -------------------------------------------------------------------------------

PERSONAL = ("jane.doe@example.com", "+44 20 7946 0958", "4111 1111 1111 1111")
PERSONAL_TEXT = (
    "My card 4111 1111 1111 1111 was charged twice. "
    "Email me at jane.doe@example.com or call +44 20 7946 0958 about order #12345."
)


async def test_personal_data_never_reaches_the_server(server: OpenAIServer, sleeps: Sleeps) -> None:
    [result] = await analyze(
        make_analyzer(server, sleeps), [conversation(1, PERSONAL_TEXT, subject="jane.doe@example.com")]
    )

    sent = json.dumps(server.requests)
    for value in (*PERSONAL, "4111111111111111", "7946 0958"):
        assert value not in sent
    assert "[EMAIL]" in sent and "[PHONE]" in sent and "[CARD]" in sent and "#12345" in sent
    assert result.classification.category == "billing_question"


async def test_with_redaction_off_the_text_is_sent_as_written(server: OpenAIServer, sleeps: Sleeps) -> None:
    await analyze(make_analyzer(server, sleeps, llm_redact_pii=False), [conversation(1, PERSONAL_TEXT)])

    sent = json.dumps(server.requests)
    assert all(value in sent for value in PERSONAL)


# --- concurrency and cost --------------------------------------------------------------------


async def test_concurrency_is_bounded_by_the_maximum(sleeps: Sleeps) -> None:
    with openai_server(latency=0.05) as slow_server:
        batch = [conversation(i, f"Question number {i} about settings") for i in range(8)]
        fixed = make_analyzer(slow_server, sleeps, llm_concurrency=2, llm_max_concurrency=2)
        results = await analyze(fixed, batch)

        assert slow_server.calls == 8
        assert slow_server.max_in_flight == 2
    assert len(results) == 8


def test_estimate_cost_uses_the_configured_prices() -> None:
    settings = Settings(llm_input_cost_per_1k=0.5, llm_output_cost_per_1k=2.0)

    assert estimate_cost(2000, 500, settings) == pytest.approx(2.0)
    assert estimate_cost(0, 0, settings) == 0.0


async def test_with_the_shipped_taxonomy_and_the_database_cache_a_rerun_makes_zero_calls(
    server: OpenAIServer, sleeps: Sleeps, sqlite_url: str
) -> None:
    from convosift.classify.taxonomy import load_taxonomy
    from convosift.store import Store
    from convosift.store.cache import DatabaseCache
    from convosift.themes.vocabulary import load_vocabulary

    taxonomy, vocabulary = load_taxonomy(), load_vocabulary(demo_vocabulary_path())
    batch = [
        conversation(1, "I was charged twice this month, please refund me."),
        conversation(2, "How do I invite a teammate to my workspace?"),
    ]
    settings = make_settings(server.base_url)
    store = Store(sqlite_url)
    try:
        first = await analyze(
            LLMAnalyzer(settings, taxonomy, vocabulary, DatabaseCache(store), sleep=sleeps), batch
        )
        reopened = Store(sqlite_url)
        try:
            second = await analyze(
                LLMAnalyzer(settings, taxonomy, vocabulary, DatabaseCache(reopened), sleep=sleeps), batch
            )
        finally:
            reopened.dispose()
    finally:
        store.dispose()

    assert server.calls == 2
    assert [r.classification.category for r in first] == ["billing_question", "how_to_question"]
    assert [r.classification.category for r in second] == ["billing_question", "how_to_question"]
    assert all(r.classification.cached for r in second)
    system = server.requests[0]["messages"][0]["content"]
    assert all(f"- {name}:" in system for name in taxonomy.names)


async def test_persistent_timeouts_fail_with_the_reason(server: OpenAIServer, sleeps: Sleeps) -> None:
    server.set_script([Step.slow(1.0), Step.slow(1.0)])
    analyzer = make_analyzer(server, sleeps, llm_timeout_seconds=0.2, llm_max_retries=1)
    [result] = await analyze(analyzer, [conversation(1, "Password reset link never arrives.")])

    assert_failed(result, "timed out after 0.2s")
    assert server.calls == 2


@pytest.mark.parametrize("step", [Step.html(), Step.no_choices()], ids=["html", "no_choices"])
async def test_a_malformed_response_is_retried(server: OpenAIServer, sleeps: Sleeps, step: Step) -> None:
    server.set_script([step])
    [result] = await analyze(make_analyzer(server, sleeps), [conversation(1, "I need a refund please.")])

    assert result.classification.category == "billing_question"
    assert server.calls == 2


async def test_built_from_settings_it_reads_the_configured_files(server: OpenAIServer) -> None:
    analyzer = build_llm_analyzer(make_settings(server.base_url), MemoryCache())
    [result] = await analyze(analyzer, [conversation(1, "Please refund the duplicate charge.")])

    assert result.classification.category == "billing_question"
    assert "- spam:" in server.requests[0]["messages"][0]["content"]


def test_building_without_endpoint_or_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="endpoint or an API key"):
        build_llm_analyzer(Settings(), MemoryCache())

"""The LLM backend of the classify-and-match stage: one call per conversation, cached, retried.

For a batch: every cache key is looked up at once; hits make no call. Each distinct miss is sent
once (two identical texts in a batch share one call). How many calls are in flight at once adapts
to the endpoint (:class:`~convosift.llm.concurrency.AdaptiveLimiter`): it starts at
``llm_concurrency``, halves on 429s and timeouts, and grows towards ``llm_max_concurrency`` while
latency holds; one limit serves every batch the analyzer handles at the same time.
Transient failures and invalid answers are retried with exponential backoff and jitter (at least
``retry-after`` when the endpoint says so). A conversation that still fails is returned as
``failed`` with the reason, its theme unmatched, and is not cached, so the next run asks again.
Only an error no retry can fix (bad key, unknown model) escapes, as a ``ClassifierError``.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from convosift.analysis.cache import CachedResult, ResultCache, cache_key, content_hash
from convosift.analysis.llm.prompt import (
    Prompt,
    TaxonomyLike,
    VocabularyLike,
    build_prompt,
    chat_messages,
    conversation_text,
    user_message,
)
from convosift.analysis.llm.schema import Verdict, ground_evidence, parse_answer
from convosift.config import Settings
from convosift.domain import Analysis, Classification, ClassificationStatus, Conversation, ThemeMatch
from convosift.errors import ConfigurationError, InvalidAnswerError, RejectedCallError, RetriableCallError
from convosift.llm.client import ChatClient, backoff_delay
from convosift.llm.concurrency import AdaptiveLimiter, Clock
from convosift.logs import get_logger
from convosift.secrets import scrub

if TYPE_CHECKING:
    import httpx

CLASSIFIER = "llm"
"""A longer retry-after is shortened to this: the attempt budget, not the server, bounds a batch."""
MAX_ERROR_CHARS = 200

Sleep = Callable[[float], Awaitable[None]]
log = get_logger(__name__)


def estimate_cost(prompt_tokens: int, completion_tokens: int, settings: Settings) -> float:
    """Estimated USD cost of the tokens at the configured per-1,000-token prices."""
    cost = prompt_tokens / 1000 * settings.llm_input_cost_per_1k
    cost += completion_tokens / 1000 * settings.llm_output_cost_per_1k
    return round(cost, 6)


def build_llm_analyzer(
    settings: Settings, cache: ResultCache, *, http_client: httpx.AsyncClient | None = None
) -> LLMAnalyzer:
    """An :class:`LLMAnalyzer` over the configured taxonomy and vocabulary files."""
    from convosift.classify.taxonomy import load_taxonomy
    from convosift.themes.vocabulary import load_vocabulary_for

    if settings.llm_base_url is None and settings.llm_api_key is None:
        raise ConfigurationError(
            "the LLM classifier needs an endpoint or an API key",
            hint="set CONVOSIFT_LLM_BASE_URL (e.g. http://127.0.0.1:11434/v1) or CONVOSIFT_LLM_API_KEY",
        )
    taxonomy = load_taxonomy(settings.taxonomy_path)
    return LLMAnalyzer(settings, taxonomy, load_vocabulary_for(settings), cache, http_client=http_client)


@dataclass
class _Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


class LLMAnalyzer:
    """:class:`~convosift.analysis.base.Analyzer` backed by any OpenAI-compatible chat endpoint."""

    def __init__(
        self,
        settings: Settings,
        taxonomy: TaxonomyLike,
        vocabulary: VocabularyLike,
        cache: ResultCache,
        *,
        http_client: httpx.AsyncClient | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self._settings = settings
        self._prompt: Prompt = build_prompt(taxonomy, vocabulary, redact_pii=settings.llm_redact_pii)
        self._cache = cache
        self._client = ChatClient(settings, http_client=http_client, clock=clock)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.model = settings.llm_model
        self.version = self._prompt.version
        self.name = f"{CLASSIFIER}:{self.model}:{self.version}"

    async def analyze(self, conversations: Sequence[Conversation]) -> list[Analysis]:
        texts = [conversation_text(conversation) for conversation in conversations]
        keys = [self._key(text) for text in texts]
        cached = {
            key: verdict
            # The cache is a database table: off the event loop, where other batches' calls wait.
            for key, entry in (await asyncio.to_thread(self._cache.get_many, sorted(set(keys)))).items()
            if (verdict := _verdict_from_entry(entry)) is not None
        }
        pending = {key: text for key, text in zip(keys, texts, strict=True) if key not in cached}
        fresh = await self._ask_all(pending)
        results = []
        for key in keys:
            if key in cached:
                results.append(self._success(cached[key], _Usage(), cached=True))
            elif key in fresh:
                results.append(fresh.pop(key)[0])
            else:
                # A repeat of a text asked earlier in this batch: its tokens are already counted.
                results.append(self._repeat(results[keys.index(key)]))
        return results

    @property
    def concurrency(self) -> AdaptiveLimiter:
        """The adaptive limit of calls in flight, shared by every batch analysed at once."""
        return self._client.concurrency

    @property
    def max_in_flight(self) -> int:
        """The most calls ever in flight: the pipeline analyses enough batches at once to fill them."""
        return self.concurrency.maximum

    async def aclose(self) -> None:
        await self._client.aclose()

    def _key(self, text: str) -> str:
        return cache_key(content_hash(text), classifier=CLASSIFIER, model=self.model, version=self.version)

    async def _ask_all(self, pending: dict[str, str]) -> dict[str, tuple[Analysis, CachedResult | None]]:
        if not pending:
            return {}
        try:
            async with asyncio.TaskGroup() as group:
                tasks = {
                    key: group.create_task(self._ask_and_keep(key, text)) for key, text in pending.items()
                }
        except* Exception as errors:
            # Settings no retry can fix (bad key, unknown model): stop the batch with one clear
            # error rather than a group of identical ones.
            raise errors.exceptions[0] from None
        return {key: task.result() for key, task in tasks.items()}

    async def _ask_and_keep(self, key: str, text: str) -> tuple[Analysis, CachedResult | None]:
        """Ask, and cache a success at once: a crash later in the batch must not lose a paid answer."""
        analysis, entry = await self._ask(text)
        if entry is not None:
            await asyncio.to_thread(self._cache.put_many, {key: entry})
        return analysis, entry

    async def _ask(self, text: str) -> tuple[Analysis, CachedResult | None]:
        """One conversation: the analysis, and the cache entry when it succeeded."""
        messages = chat_messages(self._prompt, text)
        sent_text = user_message(text, self._prompt)
        usage = _Usage()
        attempts = self._settings.llm_max_retries + 1
        reason = ""
        for attempt in range(attempts):
            try:
                completion = await self._client.complete(messages)
                usage.prompt_tokens += completion.prompt_tokens
                usage.completion_tokens += completion.completion_tokens
                if completion.finish_reason == "length":
                    raise InvalidAnswerError("the model's answer was cut off by its length limit")
                verdict = parse_answer(completion.content, self._prompt)
            except (RetriableCallError, InvalidAnswerError) as exc:
                reason = exc.message
                if attempt + 1 < attempts:
                    delay = backoff_delay(attempt, getattr(exc, "retry_after", None), self._rng)
                    log.info("llm_retry", reason=reason, attempt=attempt + 1, delay=round(delay, 3))
                    await self._sleep(delay)
            except RejectedCallError as exc:
                return self._failed(exc.message, usage), None
            else:
                verdict = ground_evidence(verdict, sent_text)
                return self._success(verdict, usage), _cache_entry(verdict)
        return self._failed(f"{reason} (gave up after {attempts} attempts)", usage), None

    def _success(self, verdict: Verdict, usage: _Usage, *, cached: bool = False) -> Analysis:
        return Analysis(
            classification=Classification(
                status=ClassificationStatus.CLASSIFIED,
                category=verdict.category,
                confidence=verdict.confidence,
                classifier=CLASSIFIER,
                model=self.model,
                needs_review=verdict.confidence < self._settings.review_confidence,
                cached=cached,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
            ),
            theme=ThemeMatch(
                signature=verdict.signature,
                score=verdict.theme_score,
                evidence=verdict.evidence,
                matcher=CLASSIFIER,
                proposed_signature=verdict.proposed_signature,
            ),
        )

    def _failed(self, reason: str, usage: _Usage) -> Analysis:
        log.warning("llm_failed", reason=reason)
        return Analysis(
            classification=Classification(
                status=ClassificationStatus.FAILED,
                category=None,
                classifier=CLASSIFIER,
                model=self.model,
                error=scrub(reason)[:MAX_ERROR_CHARS],
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
            ),
            theme=ThemeMatch(signature=None, matcher=CLASSIFIER),
        )

    @staticmethod
    def _repeat(first: Analysis) -> Analysis:
        classification = first.classification
        return first.model_copy(
            update={
                "classification": classification.model_copy(
                    update={
                        "cached": classification.status is ClassificationStatus.CLASSIFIED,
                        "prompt_tokens": 0,
                        "completion_tokens": 0,
                    }
                )
            }
        )


def _cache_entry(verdict: Verdict) -> CachedResult:
    return {
        "category": verdict.category,
        "confidence": verdict.confidence,
        "signature": verdict.signature,
        "proposed_signature": verdict.proposed_signature,
        "theme_score": verdict.theme_score,
        "evidence": verdict.evidence,
    }


def _verdict_from_entry(entry: dict[str, Any]) -> Verdict | None:
    """The cached verdict, or None when the entry is unreadable (then the text is asked again)."""
    try:
        return Verdict(
            category=str(entry["category"]),
            confidence=float(entry["confidence"]),
            signature=_optional_str(entry.get("signature")),
            proposed_signature=_optional_str(entry.get("proposed_signature")),
            theme_score=float(entry.get("theme_score") or 0.0),
            evidence=_optional_str(entry.get("evidence")),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None

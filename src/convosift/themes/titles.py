"""Names for discovered clusters from the configured LLM: a short title and a snake_case signature.

Discovery labels clusters with key phrases on its own; when an LLM endpoint is configured, one call
per *new* cluster turns its key phrases and evidence quotes into a title a person would write and a
signature in the vocabulary's form. Any failure leaves the key-phrase label in place.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from convosift.config import Settings
from convosift.errors import ClassifierError, ConfigurationError, RejectedCallError, RetriableCallError
from convosift.llm.client import ChatClient, backoff_delay
from convosift.llm.redact import redact
from convosift.logs import get_logger
from convosift.themes.vocabulary import check_signature

log = get_logger(__name__)
MAX_QUOTES = 5
MAX_ATTEMPTS = 3

SYSTEM_PROMPT = (
    "You name clusters of customer support conversations for a product team. "
    "Reply with a JSON object with two keys: "
    '"title": the shared problem or request in at most eight plain words, '
    '"signature": a snake_case name (lowercase letters, digits, single underscores, at most 60 '
    "characters) so specific that one fix resolves every conversation in the cluster."
)


@dataclass(frozen=True)
class ClusterSample:
    key_phrases: Sequence[str]
    quotes: Sequence[str]


class ClusterName(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str = Field(min_length=1, max_length=120)
    signature: str

    @field_validator("title")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return " ".join(value.split())

    @field_validator("signature")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        return check_signature(value.strip())


def user_message(sample: ClusterSample, *, redact_pii: bool) -> str:
    quotes = [redact(q) if redact_pii else q for q in sample.quotes[:MAX_QUOTES] if q]
    lines = ["Key phrases: " + ", ".join(sample.key_phrases), "Customer quotes:"]
    lines += [f"- {quote}" for quote in quotes]
    return "\n".join(lines)


def name_clusters(
    settings: Settings,
    samples: Sequence[ClusterSample],
    *,
    http_client: httpx.AsyncClient | None = None,
) -> list[ClusterName | None]:
    """One name per sample, or None where the LLM did not give a valid one."""
    if not samples:
        return []
    return asyncio.run(_name_all(settings, samples, http_client))


async def _name_all(
    settings: Settings, samples: Sequence[ClusterSample], http_client: httpx.AsyncClient | None
) -> list[ClusterName | None]:
    # The client's adaptive limit bounds the calls in flight.
    client = ChatClient(settings, http_client=http_client)
    rng = random.Random()
    try:
        return list(await asyncio.gather(*(_name_one(client, settings, sample, rng) for sample in samples)))
    finally:
        await client.aclose()


async def _name_one(
    client: ChatClient,
    settings: Settings,
    sample: ClusterSample,
    rng: random.Random,
) -> ClusterName | None:
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": user_message(sample, redact_pii=settings.llm_redact_pii)},
    ]
    attempts = min(MAX_ATTEMPTS, settings.llm_max_retries + 1)
    for attempt in range(attempts):
        try:
            completion = await client.complete(messages)
            return ClusterName.model_validate(json.loads(completion.content or ""))
        except (json.JSONDecodeError, ValidationError, RetriableCallError) as exc:
            reason = getattr(exc, "message", None) or type(exc).__name__
            if attempt + 1 < attempts:
                await asyncio.sleep(backoff_delay(attempt, getattr(exc, "retry_after", None), rng))
                continue
            log.warning("cluster_title_failed", reason=reason)
        except (RejectedCallError, ClassifierError) as exc:
            log.warning("cluster_title_failed", reason=exc.message)
            return None
    return None


def llm_namer(
    settings: Settings,
) -> Callable[[list[tuple[list[str], list[str]]]], list[tuple[str, str] | None]]:
    """A discovery namer (see :data:`convosift.themes.discovery.Namer`) backed by the configured LLM."""
    if settings.llm_base_url is None and settings.llm_api_key is None:
        raise ConfigurationError(
            "LLM titles need an endpoint or an API key",
            hint="set CONVOSIFT_LLM_BASE_URL or CONVOSIFT_LLM_API_KEY, or use --no-llm-titles",
        )

    def namer(clusters: list[tuple[list[str], list[str]]]) -> list[tuple[str, str] | None]:
        samples = [ClusterSample(key_phrases=phrases, quotes=quotes) for phrases, quotes in clusters]
        return [(n.title, n.signature) if n else None for n in name_clusters(settings, samples)]

    return namer


def namer_for(
    settings: Settings, use_llm: bool | None = None
) -> Callable[[list[tuple[list[str], list[str]]]], list[tuple[str, str] | None]] | None:
    """The namer discovery should use: the LLM when asked, or by default when one is configured;
    otherwise None (titles from the clusters' key phrases)."""
    wanted = use_llm if use_llm is not None else bool(settings.llm_base_url or settings.llm_api_key)
    return llm_namer(settings) if wanted else None

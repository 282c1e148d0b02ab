"""Validation of the model's answer: anything off-schema is an invalid answer, retried like a 5xx.

An unknown category is invalid (the model must pick from the taxonomy; guessing one for it would
store a wrong category). An unknown theme is not: it becomes a *proposed* signature and the
conversation stays unmatched, which is how the vocabulary grows. The evidence must be a sentence
the customer wrote: a paraphrase is replaced by the closest customer sentence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from convosift.analysis.llm.prompt import CUSTOMER_HEADER, Prompt
from convosift.errors import InvalidAnswerError

MAX_EVIDENCE_CHARS = 300
_SIGNATURE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"\w+")
_NO_THEME = frozenset({"", "none", "null", "unmatched", "n/a"})


class LLMAnswer(BaseModel):
    """The JSON object the prompt asks for."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    category: str = Field(min_length=1)
    confidence: float = Field(ge=0, le=1)
    theme: str | None = None
    theme_confidence: float | None = Field(None, ge=0, le=1)
    evidence: str | None = None

    @field_validator("category")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @field_validator("theme")
    @classmethod
    def _no_theme_words(cls, value: str | None) -> str | None:
        return None if value is None or value.lower() in _NO_THEME else value


@dataclass(frozen=True)
class Verdict:
    """A validated answer resolved against the taxonomy and the vocabulary."""

    category: str
    confidence: float
    signature: str | None
    proposed_signature: str | None
    theme_score: float
    evidence: str | None


def parse_answer(content: str | None, prompt: Prompt) -> Verdict:
    """Validate the model's reply; raise :class:`InvalidAnswerError` saying what is wrong."""
    if not content or not content.strip():
        raise InvalidAnswerError("the model returned an empty answer")
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        # Some servers ignore response_format and wrap the object in a Markdown fence.
        text = fenced.group(1)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError:
        raise InvalidAnswerError("the model's answer is not valid JSON") from None
    if not isinstance(payload, dict):
        raise InvalidAnswerError("the model's answer is not a JSON object")
    try:
        answer = LLMAnswer.model_validate(payload)
    except ValidationError as exc:
        fields = sorted({".".join(str(part) for part in error["loc"]) for error in exc.errors()})
        problem = f"the model's answer does not match the schema ({', '.join(fields)})"
        raise InvalidAnswerError(problem) from None
    if answer.category not in prompt.categories:
        raise InvalidAnswerError(f"the model answered an unknown category {answer.category[:40]!r}")
    signature, proposed = _resolve_theme(answer.theme, prompt)
    theme_score = answer.theme_confidence if answer.theme_confidence is not None else answer.confidence
    evidence = answer.evidence[:MAX_EVIDENCE_CHARS] if answer.evidence else None
    return Verdict(
        category=answer.category,
        confidence=answer.confidence,
        signature=signature,
        proposed_signature=proposed,
        theme_score=theme_score if signature else 0.0,
        evidence=evidence,
    )


def _resolve_theme(theme: str | None, prompt: Prompt) -> tuple[str | None, str | None]:
    """``(matched signature, proposed signature)``; at most one of them is set."""
    if theme is None:
        return None, None
    if theme in prompt.theme_redirects:
        target = prompt.theme_redirects[theme]
        # A retired theme, or one still only proposed, is not a match; the model pointing at it
        # again is worth keeping as a proposal.
        return (target, None) if target else (None, theme)
    candidate = theme.strip().lower().replace("-", "_").replace(" ", "_")
    return (None, candidate) if _SIGNATURE.match(candidate) and len(candidate) <= 80 else (None, None)


def ground_evidence(verdict: Verdict, sent_text: str) -> Verdict:
    """Keep the evidence only as a customer sentence: a paraphrase becomes the closest sentence.

    ``sent_text`` is the user message the model saw; only its customer part can be quoted.
    """
    if not verdict.evidence:
        return verdict
    customer = sent_text.split(CUSTOMER_HEADER, 1)[-1]
    if " ".join(verdict.evidence.split()).lower() in " ".join(customer.split()).lower():
        return verdict
    quote_words = set(_WORD.findall(verdict.evidence.lower()))
    best, best_overlap = None, 0
    for sentence in _SENTENCE_END.split(customer):
        overlap = len(quote_words & set(_WORD.findall(sentence.lower())))
        if overlap > best_overlap:
            best, best_overlap = sentence.strip(), overlap
    return replace(verdict, evidence=best[:MAX_EVIDENCE_CHARS] if best else None)

"""The synthetic support inbox: deterministic Intercom conversations with their ground truth.

About half of the conversations fail the quality filter, each for one real reason
(:class:`~convosift.mock.plan.Kind`); the rest are customers writing about one of the catalog's
themes, general questions and spam. The ground truth is never part of the API payload:
:func:`write_inbox` writes it to a separate file beside the conversations.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from convosift.mock.plan import Plan, plan_inbox
from convosift.mock.render import PARTS_CAP, render_conversation


@dataclass(frozen=True, slots=True)
class GroundTruth:
    id: str
    category: str | None
    """Expected category; None when the quality filter is expected to drop the conversation."""
    theme: str | None
    """Signature of the catalog theme, or None (noise, spam, general inquiries)."""
    expected_filter: str
    """``kept`` or the filter's reason code (``admin_initiated``, ``automated``, ``bot_only``...)."""
    language: str
    planted_spike: bool
    parts_total: int

    @classmethod
    def of(cls, plan: Plan) -> GroundTruth:
        return cls(
            id=plan.id,
            category=plan.category,
            theme=plan.theme,
            expected_filter=plan.kind.expected_filter,
            language=plan.language,
            planted_spike=plan.planted_spike,
            parts_total=plan.parts_total,
        )

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _TRUTH_FIELDS}


_TRUTH_FIELDS = tuple(f.name for f in fields(GroundTruth))


@dataclass(frozen=True, slots=True)
class GeneratedConversation:
    conversation: dict[str, Any]
    """Exactly what ``GET /conversations/{id}`` returns (at most 500 parts)."""
    truth: GroundTruth


class Inbox:
    """A planned inbox that renders conversations on demand (the server's data)."""

    def __init__(self, conversations: int, seed: int, days_span: int = 365, now: int | None = None) -> None:
        self.seed = seed
        self.plans = plan_inbox(conversations, seed, days_span, now)
        self.by_id = {plan.id: plan for plan in self.plans}

    def __len__(self) -> int:
        return len(self.plans)

    def render(self, plan: Plan, **options: Any) -> dict[str, Any]:
        return render_conversation(plan, self.seed, **options)

    def __iter__(self) -> Iterator[GeneratedConversation]:
        for plan in self.plans:
            yield GeneratedConversation(self.render(plan), GroundTruth.of(plan))


def generate_inbox(
    conversations: int, seed: int, days_span: int = 365, now: int | None = None
) -> list[GeneratedConversation]:
    """``conversations`` conversations over the last ``days_span`` days, the same for the same arguments."""
    return list(Inbox(conversations, seed, days_span, now))


def truth_path(path: Path) -> Path:
    """Where the ground truth of ``FILE.jsonl`` lives: ``FILE.truth.jsonl``."""
    return path.with_name(path.name.removesuffix(".jsonl") + ".truth.jsonl")


def write_inbox(path: Path, items: Iterable[GeneratedConversation]) -> int:
    """Write the conversations as JSONL and their ground truth beside them; returns the count."""
    count = 0
    with path.open("w", encoding="utf-8") as out, truth_path(path).open("w", encoding="utf-8") as truth:
        for item in items:
            out.write(json.dumps(item.conversation, ensure_ascii=False, separators=(",", ":")) + "\n")
            truth.write(json.dumps(item.truth.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    return count


def read_truth(path: Path) -> list[GroundTruth]:
    """The ground truth written beside ``path`` by :func:`write_inbox`."""
    with truth_path(path).open(encoding="utf-8") as lines:
        return [GroundTruth(**json.loads(line)) for line in lines if line.strip()]


def summarize(inbox: Inbox) -> dict[str, Any]:
    """Counts of an inbox by expected filter outcome, plus its long threads, languages and spike."""
    outcomes: dict[str, int] = {}
    languages: dict[str, int] = {}
    for plan in inbox.plans:
        outcome = plan.kind.expected_filter
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        languages[plan.language] = languages.get(plan.language, 0) + 1
    return {
        "conversations": len(inbox.plans),
        "expected_filter": dict(sorted(outcomes.items())),
        "languages": dict(sorted(languages.items())),
        "long_threads": sum(plan.parts_total > PARTS_CAP for plan in inbox.plans),
        "planted_spike": sum(plan.planted_spike for plan in inbox.plans),
    }

"""The inbox plan: one small record per conversation, drawn in one deterministic pass.

The plan holds what search needs (ids, timestamps, state, who opened it and how) and what the
ground truth says. Bodies and parts are rendered from it on demand (:mod:`convosift.mock.render`),
so a server over 100,000 conversations keeps only these records in memory.

Ids increase with ``created_at``, as Intercom's do. Each conversation is independent: its
details come from a random generator seeded by ``(seed, draw)``.
"""

from __future__ import annotations

import bisect
import itertools
import random
import time
from dataclasses import dataclass
from enum import StrEnum

from convosift.mock.catalog import SPIKE_DAYS, SPIKE_THEME, THEMES, THEMES_BY_SIGNATURE
from convosift.mock.phrasebook import LANGUAGES, TRANSLATIONS

DAY = 86_400
ID_BASE = 215_000_000
LONG_THREAD_MIN_PARTS = 501
LONG_THREAD_MAX_PARTS = 820


class Kind(StrEnum):
    """What a conversation is, which fixes what the quality filter must decide about it."""

    THEMED = "themed"
    RECOVERED = "recovered"
    """A too-short opener followed by a customer comment carrying the real issue."""
    GENERAL = "general"
    SPAM = "spam"
    ADMIN_INITIATED = "admin_initiated"
    AUTOMATED = "automated"
    BOT_ONLY = "bot_only"
    TEMPLATE_CLICK = "template_click"
    TOO_SHORT = "too_short"
    EMPTY = "empty"

    @property
    def kept(self) -> bool:
        return self in _KEPT_KINDS

    @property
    def expected_filter(self) -> str:
        """``kept`` or the quality filter's reason code for the drop."""
        return "kept" if self.kept else self.value


_KEPT_KINDS = frozenset({Kind.THEMED, Kind.RECOVERED, Kind.GENERAL, Kind.SPAM})
_THEMED_KINDS = frozenset({Kind.THEMED, Kind.RECOVERED})

KIND_SHARES: tuple[tuple[Kind, float], ...] = (
    (Kind.THEMED, 0.37),
    (Kind.RECOVERED, 0.05),
    (Kind.GENERAL, 0.04),
    (Kind.SPAM, 0.03),
    (Kind.ADMIN_INITIATED, 0.12),
    (Kind.AUTOMATED, 0.10),
    (Kind.BOT_ONLY, 0.08),
    (Kind.TEMPLATE_CLICK, 0.09),
    (Kind.TOO_SHORT, 0.08),
    (Kind.EMPTY, 0.04),
)
NON_ENGLISH_SHARE = 0.15
"""Share of conversations about a theme with translations that are not in English (about 5% of themed)."""
LONG_THREAD_SHARE = 0.0015
SPIKE_SHARE_RECENT = 0.3
"""Share of themed conversations of the last :data:`SPIKE_DAYS` days that belong to the spike theme."""
SPIKE_BASE_WEIGHT = 1
"""The spike theme's weight before the spike: rare, so the rise stands out."""


@dataclass(frozen=True, slots=True)
class Plan:
    draw: int
    """Position in the drawing pass; seeds this conversation's details."""
    id: str
    created_at: int
    updated_at: int
    kind: Kind
    theme: str | None
    language: str
    parts_total: int
    """Number of conversation parts; above 500 for long threads."""
    state: str
    author_type: str
    delivered_as: str
    planted_spike: bool

    @property
    def category(self) -> str | None:
        """The expected category; None for conversations the quality filter drops."""
        if self.theme is not None:
            return THEMES_BY_SIGNATURE[self.theme].category
        return {Kind.GENERAL: "general_inquiry", Kind.SPAM: "spam"}.get(self.kind)


def _cumulative(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


_KIND_CUMULATIVE = _cumulative([share for _, share in KIND_SHARES])
_THEME_WEIGHTS = [
    float(SPIKE_BASE_WEIGHT if theme.signature == SPIKE_THEME else theme.weight) for theme in THEMES
]
_THEME_CUMULATIVE = _cumulative(_THEME_WEIGHTS)


def _pick(cumulative: list[float], rng: random.Random) -> int:
    return min(bisect.bisect_right(cumulative, rng.random() * cumulative[-1]), len(cumulative) - 1)


def detail_rng(seed: int, draw: int) -> random.Random:
    """The random generator of one conversation's details (independent of every other one)."""
    return random.Random(seed * 1_000_003 + draw)


def plan_inbox(conversations: int, seed: int, days_span: int = 365, now: int | None = None) -> list[Plan]:
    """Draw the plan of an inbox; ordered by ``created_at`` (ids ascending)."""
    if conversations < 0 or days_span < 1:
        raise ValueError("conversations must be >= 0 and days_span >= 1")
    now = int(time.time()) if now is None else now
    rng = random.Random(seed)
    drafts = [_draft(draw, rng, now, days_span) for draw in range(conversations)]
    _guarantee_variety(drafts, rng, now)
    drafts.sort(key=lambda d: (d.created_at, d.draw))
    return [d.finish(ID_BASE + rank, seed=seed, now=now) for rank, d in enumerate(drafts)]


@dataclass(slots=True)
class _Draft:
    draw: int
    created_at: int
    kind: Kind
    theme: str | None
    language: str = "en"
    long_thread: bool = False

    def finish(self, numeric_id: int, *, seed: int, now: int) -> Plan:
        rng = detail_rng(seed, self.draw)
        parts_total = (
            rng.randint(LONG_THREAD_MIN_PARTS, LONG_THREAD_MAX_PARTS)
            if self.long_thread
            else _parts_count(self.kind, rng)
        )
        span = _duration(self.kind, parts_total, rng)
        updated_at = min(now, self.created_at + span)
        recent = now - updated_at < 3 * DAY
        state = rng.choice(("open", "open", "snoozed", "closed")) if recent else "closed"
        author_type, delivered_as = _origin(self.kind, rng)
        planted = self.theme == SPIKE_THEME and self.created_at >= now - SPIKE_DAYS * DAY
        return Plan(
            draw=self.draw,
            id=str(numeric_id),
            created_at=self.created_at,
            updated_at=updated_at,
            kind=self.kind,
            theme=self.theme,
            language=self.language,
            parts_total=parts_total,
            state=state,
            author_type=author_type,
            delivered_as=delivered_as,
            planted_spike=planted,
        )


def _draft(draw: int, rng: random.Random, now: int, days_span: int) -> _Draft:
    kind = KIND_SHARES[_pick(_KIND_CUMULATIVE, rng)][0]
    # At least a minute old, so a window ending "now" always contains it.
    created_at = now - 60 - int(rng.random() * (days_span * DAY - 60))
    draft = _Draft(draw=draw, created_at=created_at, kind=kind, theme=None)
    if kind in _THEMED_KINDS:
        recent = created_at >= now - SPIKE_DAYS * DAY
        if recent and rng.random() < SPIKE_SHARE_RECENT:
            draft.theme = SPIKE_THEME
        else:
            draft.theme = THEMES[_pick(_THEME_CUMULATIVE, rng)].signature
        if kind is Kind.THEMED and draft.theme in TRANSLATIONS and rng.random() < NON_ENGLISH_SHARE:
            draft.language = rng.choice(LANGUAGES)
        draft.long_thread = kind is Kind.THEMED and rng.random() < LONG_THREAD_SHARE
    return draft


def _guarantee_variety(drafts: list[_Draft], rng: random.Random, now: int) -> None:
    """Even a small inbox has every kind, a long thread, a non-English one and the planted spike."""
    if len(drafts) < 40:
        return
    counts = {kind: 0 for kind, _ in KIND_SHARES}
    for d in drafts:
        counts[d.kind] += 1
    themed = [d for d in drafts if d.kind is Kind.THEMED]
    spare = [d for d in themed if d.language == "en" and not d.long_thread and d.theme != SPIKE_THEME]
    rng.shuffle(spare)
    for kind, count in counts.items():
        if count == 0 and spare:
            d = spare.pop()
            d.kind, d.theme = kind, (d.theme if kind in _THEMED_KINDS else None)
    if not any(d.long_thread for d in drafts) and spare:
        spare.pop().long_thread = True
    if not any(d.language != "en" for d in drafts) and spare:
        d = spare.pop()
        d.theme, d.language = next(iter(TRANSLATIONS)), rng.choice(LANGUAGES)
    spike_since = now - SPIKE_DAYS * DAY
    if not any(d.theme == SPIKE_THEME and d.created_at >= spike_since for d in drafts) and spare:
        d = spare.pop()
        d.theme, d.created_at = SPIKE_THEME, now - 60 - rng.randrange(SPIKE_DAYS * DAY - 60)


def _parts_count(kind: Kind, rng: random.Random) -> int:
    match kind:
        case Kind.THEMED:
            return rng.randint(1, 6)
        case Kind.RECOVERED:
            return rng.randint(2, 4)
        case Kind.GENERAL | Kind.SPAM:
            return rng.randint(0, 2)
        case Kind.ADMIN_INITIATED | Kind.AUTOMATED:
            return rng.randint(0, 1)
        case Kind.BOT_ONLY:
            return rng.randint(1, 3)
        case Kind.TEMPLATE_CLICK | Kind.TOO_SHORT:
            return rng.randint(0, 2)
        case Kind.EMPTY:
            return 0


def _duration(kind: Kind, parts_total: int, rng: random.Random) -> int:
    if parts_total == 0:
        return rng.randint(0, 30)
    per_part = rng.randint(300, 3 * 3_600) if parts_total < 20 else rng.randint(60, 900)
    return parts_total * per_part


def _origin(kind: Kind, rng: random.Random) -> tuple[str, str]:
    """``(source.author.type, source.delivered_as)`` of the opening message."""
    if kind is Kind.ADMIN_INITIATED:
        return "admin", "admin_initiated"
    if kind is Kind.AUTOMATED:
        delivered_as = rng.choice(("automated", "campaigns_initiated", "operator_initiated"))
        return ("bot" if delivered_as == "operator_initiated" else "admin"), delivered_as
    author = "lead" if kind is Kind.SPAM or rng.random() < 0.12 else "user"
    return author, "customer_initiated"

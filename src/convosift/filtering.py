"""Quality rules: keep customer-initiated conversations with enough customer-written text.

Pure functions over :class:`~convosift.domain.Conversation`, no I/O. Every drop carries one reason
code of :data:`REASONS`; the rules run in a fixed order so each conversation gets exactly one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from convosift.domain import CUSTOMER_AUTHOR_TYPES, CUSTOMER_PART_TYPES, Conversation, QualityOutcome
from convosift.ml.framing import BASE_FRAMING_WORDS, is_framing
from convosift.replies import customer_part

if TYPE_CHECKING:
    from convosift.config import Settings

KEPT = "kept"
RECOVERED_FOLLOWUP = "recovered_followup"
ADMIN_INITIATED = "admin_initiated"
AUTOMATED = "automated"
BOT_ONLY = "bot_only"
TEMPLATE_CLICK = "template_click"
TOO_SHORT = "too_short"
EMPTY = "empty"

REASONS: dict[str, str] = {
    KEPT: "Kept: a customer wrote an opener with enough text.",
    RECOVERED_FOLLOWUP: "Kept: a short or canned opener, but the customer's follow-ups carry enough text or name a need.",
    ADMIN_INITIATED: "Dropped: a teammate started it (outbound message, admin-created ticket, group e-mail).",
    AUTOMATED: "Dropped: sent by automation (series, campaigns, custom bots), not by a customer.",
    BOT_ONLY: "Dropped: only a bot spoke; the customer never wrote anything.",
    TEMPLATE_CLICK: "Dropped: the customer only clicked a canned quick reply and wrote nothing more.",
    TOO_SHORT: "Dropped: the customer's text is below the length thresholds and names no need.",
    EMPTY: "Dropped: there is no customer-visible text at all.",
}
"""Every outcome code with a one-line description (the documentation is generated from it)."""
DROP_REASONS = frozenset(REASONS) - {KEPT, RECOVERED_FOLLOWUP}

DEFAULT_TEMPLATE_PHRASES: tuple[str, ...] = (
    "I have a question",
    "Talk to a person",
    "Talk to a human",
    "Talk to sales",
    "Talk to support",
    "Chat with the team",
    "Something else",
    "Get help",
    "Get support",
    "Report a bug",
    "Ask a question",
    "Just browsing",
)
"""Canned quick-reply buttons of common messenger set-ups; emoji-only openers count as well."""

AUTOMATED_DELIVERY = frozenset({"automated", "campaigns_initiated", "operator_initiated"})
BOT_AUTHOR_TYPES = frozenset({"bot", "operator"})
ADMIN_AUTHOR_TYPES = frozenset({"admin", "team", "agent"})
_PUNCTUATION_AND_SPACE = re.compile(r"[\W_]+", re.UNICODE)
_ATTENTION_WORDS = (
    # Words that ask for attention without saying for what ("help!", "quick question", "is there
    # a human?") and the small words every sentence has.
    "help helping question questions query problem problems issue issues human agent person "
    "operator representative rep live talk speak chat something anything else hmm hmmm test "
    "testing where what how why who when which is was do does did have has had not no don't "
    "can't i'd i've let know tell get want like there here who's what's"
)
_TOPIC_NOUNS = frozenset(
    ["account", "order", "booking", "reservation", "ticket", "policy", "invoice", "contract", "membership"]
)
"""Framing words when they only introduce a reference ("account ref AC-2049", framing alone), but
the topic of a short request that is more than framing ("problem with my account", "help with my
order")."""
_CONTENT_FREE = (BASE_FRAMING_WORDS - _TOPIC_NOUNS) | frozenset(_ATTENTION_WORDS.split())
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_EMOJI_CATEGORIES = frozenset({"So", "Sk", "Cf", "Mn", "Me"})


@dataclass(frozen=True)
class FilterRules:
    """Thresholds of the quality filter.

    A text is long enough when it meets both. With ``terse_requests`` an opener below them is kept
    too when it names a need: at least two words, one of them neither a greeting, thanks or nudge
    nor a call for attention, and not a greeting with a name alone ("My card was stolen", "Report
    stolen card", "refund please"; not "hello there", "help!!", "quick question", "Hi, this is
    Maria"). Follow-ups must meet the thresholds, or name a need without thanks or news that the
    problem is gone: "password reset services" after "hi" makes a conversation, "Thanks, that
    worked!" does not. The word lists are English: a short greeting in another language is kept, and
    "My Card Was Stolen" reads as a greeting with a name and is not.
    """

    min_chars: int = 20
    min_words: int = 4
    terse_requests: bool = True
    template_phrases: tuple[str, ...] = DEFAULT_TEMPLATE_PHRASES

    @classmethod
    def from_settings(cls, settings: Settings) -> FilterRules:
        phrases = settings.filter_template_phrases
        return cls(
            min_chars=settings.filter_min_chars,
            min_words=settings.filter_min_words,
            terse_requests=settings.filter_terse_requests,
            template_phrases=tuple(phrases) if phrases is not None else DEFAULT_TEMPLATE_PHRASES,
        )

    def long_enough(self, text: str) -> bool:
        stripped = " ".join(text.split())
        return len(stripped) >= self.min_chars and len(stripped.split()) >= self.min_words

    def terse_request(self, text: str) -> bool:
        """A short opener that still says what the customer needs (see the class docstring)."""
        return self.terse_requests and len(text.split()) >= 2 and names_a_need(text)

    def is_template(self, text: str) -> bool:
        """A canned quick-reply text (case and punctuation ignored) or an emoji-only message."""
        return _fold(text) in self._folded_phrases or is_emoji_only(text)

    @cached_property
    def _folded_phrases(self) -> frozenset[str]:
        return frozenset(folded for phrase in self.template_phrases if (folded := _fold(phrase)))


def assess(conversation: Conversation, rules: FilterRules) -> QualityOutcome:
    """Keep or drop one conversation, with the reason."""
    delivered_as = conversation.delivered_as or ""
    author = conversation.author_type
    if delivered_as == ADMIN_INITIATED:
        return _dropped(ADMIN_INITIATED)
    if delivered_as in AUTOMATED_DELIVERY:
        return _dropped(AUTOMATED)
    if author in ADMIN_AUTHOR_TYPES:
        return _dropped(ADMIN_INITIATED)
    if author in BOT_AUTHOR_TYPES:
        return _dropped(BOT_ONLY)
    # What the customer wrote: a mail's quoted history, signature and notices are no part of it.
    opener = customer_part(conversation.opener).strip() if author in CUSTOMER_AUTHOR_TYPES else ""
    follow_ups = "\n".join(_customer_follow_ups(conversation))
    if not opener and not follow_ups:
        bot_spoke = any(m.author_type in BOT_AUTHOR_TYPES for m in conversation.messages)
        return _dropped(BOT_ONLY if bot_spoke else EMPTY)
    template = bool(opener) and rules.is_template(opener)
    if not template and (rules.long_enough(opener) or rules.terse_request(opener)):
        return QualityOutcome(kept=True, reason=KEPT)
    # A canned or short opener: only what the customer wrote afterwards can make it worth keeping,
    # and acknowledgements or further button clicks ("ok", "👍", "Talk to a person") do not.
    lines = [text for text in follow_ups.split("\n") if text.strip() and not rules.is_template(text)]
    written = " ".join(lines).strip()
    # Each follow-up on its own: a thank-you after a terse request does not take the request back.
    if written and (
        rules.long_enough(written)
        or any(rules.terse_request(line) and not _acknowledges(line) for line in lines)
    ):
        return QualityOutcome(kept=True, reason=RECOVERED_FOLLOWUP)
    return _dropped(TEMPLATE_CLICK if template else TOO_SHORT)


def names_a_need(text: str) -> bool:
    """Whether a short text carries a word of substance (three letters or more, not a greeting,
    thanks, nudge or call for attention) and is not framing alone ("Hi, this is Maria"): what a
    terse but genuine request has."""
    # Words about the conversation ("not", "tried") can be a terse request's: "Not my order".
    return not is_framing(text, conversation=False) and any(
        len(word) >= 3 and word not in _CONTENT_FREE
        for word in (match.lower().replace("’", "'") for match in _WORD.findall(text))
    )


_ACKNOWLEDGEMENT = frozenset(
    {
        "thanks",
        "thank",
        "thx",
        "ty",
        "worked",
        "works",
        "fixed",
        "solved",
        "resolved",
        "sorted",
        "perfect",
        "great",
    }
)
"""Words of a follow-up that thanks or says the problem is gone ("Thanks, that worked!"): a terse
follow-up with one of them recovers nothing, where "password reset services" after "hi" does."""


_NOT_GONE = re.compile(
    r"\b(?:not|never|still not|no longer)\s+(?:\w+\s+)?(?:fixed|work\w*|solved|resolved|sorted)\b"
    r"|n['’]t\s+(?:\w+\s+)?(?:fixed|work\w*|solved|resolved|sorted)\b",
    re.IGNORECASE,
)
_CLOSING = re.compile(r"\bnever ?mind\b|\bno longer needed\b|\bdon['’]t worry\b", re.IGNORECASE)


def _acknowledges(text: str) -> bool:
    """Thanks, a problem gone or a request withdrawn; "still not fixed" is no such news."""
    if _CLOSING.search(text):
        return True
    return not _NOT_GONE.search(text) and any(
        word.lower() in _ACKNOWLEDGEMENT for word in _WORD.findall(text)
    )


def is_emoji_only(text: str) -> bool:
    """True for text made only of emoji (and joiners, modifiers, spaces): a reaction, not a question."""
    chars = [c for c in text if not c.isspace()]
    return (
        bool(chars)
        and all(unicodedata.category(c) in _EMOJI_CATEGORIES for c in chars)
        and any(unicodedata.category(c) == "So" for c in chars)
    )


def _customer_follow_ups(conversation: Conversation) -> list[str]:
    own = (
        customer_part(m.body).strip()
        for m in conversation.messages
        if m.author_type in CUSTOMER_AUTHOR_TYPES and m.part_type in CUSTOMER_PART_TYPES
    )
    return [text for text in own if text]


def _fold(text: str) -> str:
    return _PUNCTUATION_AND_SPACE.sub(" ", text.casefold()).strip()


def _dropped(reason: str) -> QualityOutcome:
    return QualityOutcome(kept=False, reason=reason)

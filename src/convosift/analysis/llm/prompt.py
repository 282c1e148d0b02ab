"""The one prompt that asks for category, theme and evidence together.

The system message is built once per analyzer from the taxonomy and the theme vocabulary; its
hash (with the template and the redaction switch) is the analyzer's version, so editing either
file changes every cache key. The user message carries one conversation, redacted when
``llm_redact_pii`` is on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from convosift.domain import Conversation
from convosift.llm.redact import redact

TEMPLATE_VERSION = "1"
MAX_CUSTOMER_CHARS = 6000
"""Customer text beyond this is cut: the opening messages carry the issue, and cost grows with length."""
MAX_EXAMPLES_PER_CATEGORY = 2
CUSTOMER_HEADER = "Customer messages:\n"


class CategoryLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def examples(self) -> Sequence[str]: ...


class TaxonomyLike(Protocol):
    @property
    def categories(self) -> Sequence[CategoryLike]: ...

    @property
    def version(self) -> str:
        """Changes whenever the categories, descriptions or examples change."""
        ...


class ThemeLike(Protocol):
    @property
    def signature(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def status(self) -> str:
        """active, proposed, merged or retired: only active themes are offered to the model."""
        ...

    @property
    def merged_into(self) -> str | None: ...


class VocabularyLike(Protocol):
    @property
    def themes(self) -> Sequence[ThemeLike]: ...

    @property
    def content_hash(self) -> str: ...


_INSTRUCTIONS = """\
You analyse customer support conversations for a product team.
Reply with ONE JSON object and nothing else, with exactly these keys:
{{"category": string, "confidence": number, "theme": string or null, "theme_confidence": number, \
"evidence": string}}

- "category": exactly one of the category names listed below.
- "confidence": how sure you are of the category, from 0 to 1.
- "theme": the signature of the listed theme this conversation is about. Prefer a listed theme \
whenever one fits. Only if none fits and the customer describes a specific product problem that one \
fix would resolve, give a new snake_case signature naming that problem (for example \
"csv_export_times_out"). Otherwise null.
- "theme_confidence": how sure you are of the theme, from 0 to 1 (0 when theme is null).
- "evidence": the one sentence of the customer's text that best shows the issue, copied word for word.

Values in square brackets such as [EMAIL], [PHONE] or [CARD] replace personal data; read them as \
ordinary values.

Categories:
{categories}

Themes:
{themes}
"""


@dataclass(frozen=True)
class Prompt:
    """The system message and the tables used to check an answer against it."""

    system: str
    categories: frozenset[str]
    theme_redirects: dict[str, str | None]
    """Every known signature → the active signature it stands for (None: retired or only proposed)."""
    redact_pii: bool
    version: str


def build_prompt(taxonomy: TaxonomyLike, vocabulary: VocabularyLike, *, redact_pii: bool) -> Prompt:
    categories = [_category_line(category) for category in taxonomy.categories]
    active = [theme for theme in vocabulary.themes if theme.status == "active"]
    themes = [_theme_line(theme) for theme in active] or ["(none yet: use null or propose a new signature)"]
    system = _INSTRUCTIONS.format(categories="\n".join(categories), themes="\n".join(themes))
    redirects: dict[str, str | None] = {}
    for theme in vocabulary.themes:
        if theme.status == "active":
            redirects[theme.signature] = theme.signature
        elif theme.status == "merged":
            redirects[theme.signature] = theme.merged_into
        else:
            redirects[theme.signature] = None
    identity = [
        TEMPLATE_VERSION,
        system,
        redact_pii,
        MAX_CUSTOMER_CHARS,
        taxonomy.version,
        vocabulary.content_hash,
    ]
    version = hashlib.sha256(json.dumps(identity).encode("utf-8")).hexdigest()[:12]
    return Prompt(
        system=system,
        categories=frozenset(category.name for category in taxonomy.categories),
        theme_redirects=redirects,
        redact_pii=redact_pii,
        version=version,
    )


def _category_line(category: CategoryLike) -> str:
    line = f"- {category.name}: {_one_line(category.description)}"
    examples = [f'"{_one_line(text)}"' for text in list(category.examples)[:MAX_EXAMPLES_PER_CATEGORY]]
    return f"{line} Examples: {'; '.join(examples)}" if examples else line


def _theme_line(theme: ThemeLike) -> str:
    description = f" ({_one_line(theme.description)})" if theme.description else ""
    return f"- {theme.signature}: {_one_line(theme.title)}{description}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def conversation_text(conversation: Conversation) -> str:
    """What is asked about one conversation, before redaction: subject, page and customer text."""
    lines = []
    if conversation.subject:
        lines.append(f"Subject: {_one_line(conversation.subject)}")
    if conversation.url:
        lines.append(f"Page: {conversation.url}")
    lines.append(CUSTOMER_HEADER + conversation.customer_text[:MAX_CUSTOMER_CHARS])
    return "\n".join(lines)


def user_message(text: str, prompt: Prompt) -> str:
    """The user message actually sent: ``text`` redacted when the prompt says so."""
    return redact(text) if prompt.redact_pii else text


def chat_messages(prompt: Prompt, text: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": prompt.system},
        {"role": "user", "content": user_message(text, prompt)},
    ]

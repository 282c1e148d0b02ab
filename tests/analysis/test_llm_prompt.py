"""The prompt built from the taxonomy and vocabulary, and validation of the model's answer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from convosift.analysis.llm import build_prompt, parse_answer
from convosift.analysis.llm.prompt import MAX_CUSTOMER_CHARS, chat_messages, conversation_text
from convosift.domain import Conversation, Message
from convosift.errors import InvalidAnswerError
from convosift.themes.vocabulary import Theme, Vocabulary


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
    (
        Category(
            "product_issue", "Something is broken.", ("The export fails", "App crashes", "Third example")
        ),
        Category("billing_question", "Invoices, charges and refunds."),
        Category("general_inquiry", "Anything else."),
    )
)
VOCABULARY = Vocabulary(
    themes=(
        Theme(
            signature="csv_export_times_out", title="CSV export times out", description="Large exports fail."
        ),
        Theme(
            signature="old_export_bug",
            title="Old export bug",
            status="merged",
            merged_into="csv_export_times_out",
        ),
        Theme(signature="dark_mode_request", title="Dark mode", status="proposed"),
        Theme(signature="fax_support", title="Fax support", status="retired"),
    )
)
PROMPT = build_prompt(TAXONOMY, VOCABULARY, redact_pii=True)


def answer(**fields: Any) -> str:
    base = {"category": "product_issue", "confidence": 0.8, "theme": None, "evidence": "It fails."}
    return json.dumps({**base, **fields})


def test_the_prompt_lists_categories_with_examples_and_only_active_themes() -> None:
    system = PROMPT.system

    assert "- product_issue: Something is broken." in system
    assert '"The export fails"; "App crashes"' in system and "Third example" not in system
    assert "- csv_export_times_out: CSV export times out (Large exports fail.)" in system
    for hidden in ("old_export_bug", "dark_mode_request", "fax_support"):
        assert hidden not in system
    assert "Prefer a listed theme" in system


def test_the_version_changes_with_taxonomy_vocabulary_and_redaction() -> None:
    versions = {
        PROMPT.version,
        build_prompt(Taxonomy(TAXONOMY.categories, version="t2"), VOCABULARY, redact_pii=True).version,
        build_prompt(TAXONOMY, Vocabulary(themes=VOCABULARY.themes[:1]), redact_pii=True).version,
        build_prompt(TAXONOMY, VOCABULARY, redact_pii=False).version,
    }
    assert len(versions) == 4
    assert build_prompt(TAXONOMY, VOCABULARY, redact_pii=True).version == PROMPT.version


def test_the_user_message_holds_subject_page_and_customer_text_only() -> None:
    conversation = Conversation(
        id="1",
        created_at=1,
        updated_at=2,
        subject="Export",
        url="https://app.example.com/exports",
        opener="My export fails.",
        messages=(
            Message(id="a", part_type="comment", author_type="admin", body="Internal admin reply"),
            Message(id="b", part_type="comment", author_type="user", body="Still failing, mail me at a@b.co"),
        ),
    )
    user = chat_messages(PROMPT, conversation_text(conversation))[1]["content"]

    assert user.startswith("Subject: Export\nPage: https://app.example.com/exports\nCustomer messages:\n")
    assert "My export fails." in user and "Still failing, mail me at [EMAIL]" in user
    assert "Internal admin reply" not in user


def test_long_customer_text_is_cut() -> None:
    conversation = Conversation(id="1", created_at=1, updated_at=2, opener="x" * (MAX_CUSTOMER_CHARS * 2))

    assert conversation_text(conversation).count("x") == MAX_CUSTOMER_CHARS


def test_a_valid_answer_is_resolved() -> None:
    verdict = parse_answer(
        answer(category="Billing_Question", theme="csv_export_times_out", theme_confidence=0.6), PROMPT
    )

    assert verdict.category == "billing_question"
    assert (verdict.signature, verdict.proposed_signature, verdict.theme_score) == (
        "csv_export_times_out",
        None,
        0.6,
    )


def test_a_fenced_answer_is_accepted() -> None:
    assert parse_answer(f"```json\n{answer()}\n```", PROMPT).category == "product_issue"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "empty"),
        ('{"category": "product_issue", ', "not valid JSON"),
        ('["product_issue"]', "not a JSON object"),
        (answer(category="refund_request"), "unknown category"),
        (answer(confidence=1.7), "confidence"),
        (json.dumps({"confidence": 0.5}), "category"),
    ],
)
def test_invalid_answers_are_rejected_with_a_reason(content: str, reason: str) -> None:
    with pytest.raises(InvalidAnswerError, match=reason):
        parse_answer(content, PROMPT)


@pytest.mark.parametrize(
    ("theme", "signature", "proposed"),
    [
        ("csv_export_times_out", "csv_export_times_out", None),
        ("old_export_bug", "csv_export_times_out", None),
        ("dark_mode_request", None, "dark_mode_request"),
        ("fax_support", None, "fax_support"),
        ("Webhook retries flood", None, "webhook_retries_flood"),
        ("null", None, None),
        ("???", None, None),
        (None, None, None),
    ],
)
def test_theme_resolution(theme: str | None, signature: str | None, proposed: str | None) -> None:
    verdict = parse_answer(answer(theme=theme), PROMPT)

    assert (verdict.signature, verdict.proposed_signature) == (signature, proposed)
    if signature is None:
        assert verdict.theme_score == 0.0


def test_importing_the_backend_does_not_import_the_sdk() -> None:
    import subprocess
    import sys

    code = "import sys, convosift.analysis.llm, convosift.llm; print('openai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"

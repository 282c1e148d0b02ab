from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convosift.errors import SkippableRecordError
from convosift.sources.intercom.normalize import normalize_conversation


def intercom_conversation(**overrides: Any) -> dict[str, Any]:
    conversation: dict[str, Any] = {
        "type": "conversation",
        "id": "123",
        "created_at": 1_700_000_000,
        "updated_at": 1_700_000_500,
        "state": "open",
        "source": {
            "type": "conversation",
            "delivered_as": "customer_initiated",
            "subject": "<b>Export</b> broken",
            "body": "<p>My CSV export&nbsp;fails</p><p>every time</p>",
            "author": {"type": "user", "id": "c1"},
            "url": "https://app.example/orders/export",
        },
        "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": "c1"}, {"id": "c2"}]},
        "tags": {"type": "tag.list", "tags": [{"id": "1", "name": "bug"}, {"id": "2", "name": "vip"}]},
        "statistics": {"count_conversation_parts": 3},
        "conversation_parts": {
            "type": "conversation_part.list",
            "conversation_parts": [
                {
                    "id": "p1",
                    "part_type": "comment",
                    "body": "<p>Which browser?</p>",
                    "author": {"type": "admin"},
                    "created_at": 1_700_000_100,
                },
                {"id": "p2", "part_type": "assignment", "body": None, "author": {"type": "bot"}},
                {
                    "id": "p3",
                    "part_type": "comment",
                    "body": "Firefox <br>on Linux",
                    "author": {"type": "user"},
                    "created_at": 1_700_000_200,
                },
            ],
            "total_count": 3,
        },
    }
    conversation.update(overrides)
    return conversation


def test_normalises_every_field() -> None:
    conversation = normalize_conversation(intercom_conversation())
    assert conversation.id == "123"
    assert (conversation.created_at, conversation.updated_at) == (1_700_000_000, 1_700_000_500)
    assert conversation.state == "open"
    assert conversation.author_type == "user"
    assert conversation.delivered_as == "customer_initiated"
    assert conversation.subject == "Export broken"
    assert conversation.url == "https://app.example/orders/export"
    assert conversation.contact_id == "c1"
    assert conversation.tags == ("bug", "vip")
    assert conversation.opener == "My CSV export fails\nevery time"
    assert [(m.id, m.part_type, m.author_type, m.body) for m in conversation.messages] == [
        ("p1", "comment", "admin", "Which browser?"),
        ("p3", "comment", "user", "Firefox\non Linux"),
    ]
    assert conversation.messages[0].created_at == 1_700_000_100
    assert conversation.parts_count == 3  # the empty assignment still counts
    assert conversation.parts_truncated is False
    assert conversation.raw["source"]["url"] == "https://app.example/orders/export"
    assert conversation.customer_text == "My CSV export fails\nevery time\nFirefox\non Linux"


def test_parts_over_the_cap_are_flagged_as_truncated() -> None:
    parts = [
        {"id": str(i), "part_type": "comment", "body": f"part {i}", "author": {"type": "user"}}
        for i in range(500)
    ]
    payload = intercom_conversation(
        conversation_parts={"type": "conversation_part.list", "conversation_parts": parts, "total_count": 640}
    )
    conversation = normalize_conversation(payload)
    assert conversation.parts_count == 640
    assert conversation.parts_truncated is True
    assert len(conversation.messages) == 500


def test_statistics_count_is_used_without_a_total() -> None:
    payload = intercom_conversation(conversation_parts=None, statistics={"count_conversation_parts": 7})
    conversation = normalize_conversation(payload)
    assert (conversation.parts_count, conversation.messages, conversation.parts_truncated) == (7, (), True)


def test_integer_ids_and_string_timestamps_are_accepted() -> None:
    conversation = normalize_conversation(intercom_conversation(id=42, created_at="1700000000"))
    assert (conversation.id, conversation.created_at) == ("42", 1_700_000_000)


@pytest.mark.parametrize(
    ("change", "mentions"),
    [
        ({"id": None}, "id"),
        ({"id": {"nested": 1}}, "id"),
        ({"id": True}, "id"),
        ({"created_at": None}, "created_at"),
        ({"updated_at": "yesterday"}, "updated_at"),
        ({"updated_at": [1_700_000_000]}, "updated_at"),
    ],
)
def test_missing_required_fields_are_skippable(change: dict[str, Any], mentions: str) -> None:
    with pytest.raises(SkippableRecordError) as caught:
        normalize_conversation(intercom_conversation(**change))
    assert caught.value.reason == "malformed"
    assert mentions in caught.value.message


@pytest.mark.parametrize("payload", [None, [], "text", 3])
def test_non_objects_are_skippable(payload: Any) -> None:
    with pytest.raises(SkippableRecordError, match="JSON object"):
        normalize_conversation(payload)


def test_wrong_typed_optional_fields_fall_back_to_defaults() -> None:
    payload = intercom_conversation(
        source="not an object",
        tags=[1, None, {"name": 3}],
        contacts={"contacts": "x"},
        state=5,
        conversation_parts={"conversation_parts": [None, 3, {"body": "hello", "author": "x"}]},
    )
    conversation = normalize_conversation(payload)
    assert conversation.author_type == "unknown"
    assert (conversation.opener, conversation.tags, conversation.contact_id, conversation.state) == (
        "",
        (),
        None,
        None,
    )
    assert [(m.id, m.author_type, m.body) for m in conversation.messages] == [("123:2", "unknown", "hello")]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
_FIELDS = st.sampled_from(
    [
        "id",
        "created_at",
        "updated_at",
        "state",
        "source",
        "contacts",
        "tags",
        "statistics",
        "conversation_parts",
        "title",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_FIELDS, _JSON, max_size=10), st.booleans())
def test_arbitrary_payloads_normalise_or_raise_skippable(fields: dict[str, Any], with_base: bool) -> None:
    payload = {**(intercom_conversation() if with_base else {}), **fields}
    try:
        conversation = normalize_conversation(payload)
    except SkippableRecordError as exc:
        assert exc.reason in {"malformed", "out_of_range"} and exc.message
    else:
        assert conversation.id and conversation.parts_count >= len(conversation.messages)

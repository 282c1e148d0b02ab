"""Intercom conversation JSON → :class:`convosift.domain.Conversation`.

Payloads come from the API and from exports people edit by hand, so every optional field is read
defensively: a missing or wrong-typed optional field becomes its default. Only the fields the
pipeline cannot work without (``id``, ``created_at``, ``updated_at``) make a record unreadable,
and then :class:`~convosift.errors.SkippableRecordError` says which one and why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from convosift.domain import Conversation, Message, is_sane_timestamp
from convosift.errors import SkippableRecordError
from convosift.sources.intercom.html import html_to_text, strip_invalid

UNKNOWN_AUTHOR = "unknown"
MAX_ID_LENGTH = 128
"""Longer ids are not Intercom's: such a record is unreadable (the store keys rows by id)."""
MAX_KIND_LENGTH = 32
"""Enumerated values (state, author and part types) longer than this are garbage, read as absent."""


def normalize_conversation(payload: Any) -> Conversation:
    """Normalise one conversation as ``GET /conversations/{id}`` (or search, or an export) returns it."""
    if not isinstance(payload, Mapping):
        raise SkippableRecordError(f"a conversation must be a JSON object, got {_kind(payload)}")
    conversation_id = record_id(payload)
    if conversation_id is None:
        raise SkippableRecordError(f"conversation has no usable 'id': {id_problem(payload.get('id'))}")
    created_at = timestamp(payload.get("created_at"))
    updated_at = timestamp(payload.get("updated_at"))
    for field, value in (("created_at", created_at), ("updated_at", updated_at)):
        if value is None:
            seconds = _seconds(payload.get(field))
            if seconds is not None:
                raise SkippableRecordError(
                    f"conversation {conversation_id} has '{field}' {str(seconds)[:30]}, "
                    "outside 1990-2100 (UNIX seconds)",
                    record_id=conversation_id,
                    reason="out_of_range",
                )
            raise SkippableRecordError(
                f"conversation {conversation_id} has no usable '{field}' "
                f"(UNIX seconds required, got {_kind(payload.get(field))})",
                record_id=conversation_id,
            )
    assert created_at is not None and updated_at is not None  # checked in the loop above
    source = _mapping(payload.get("source"))
    author = _mapping(source.get("author"))
    parts_block = _mapping(payload.get("conversation_parts"))
    raw_parts = parts_block.get("conversation_parts")
    parts = raw_parts if isinstance(raw_parts, list) else []
    held = _count(parts_block.get("total_count"))
    if held is None:
        held = _count(_mapping(payload.get("statistics")).get("count_conversation_parts"))
    parts_count = max(held or 0, len(parts))
    return Conversation(
        id=conversation_id,
        created_at=created_at,
        updated_at=updated_at,
        state=_short(_text(payload.get("state"))),
        author_type=_kind_of(author.get("type")) or UNKNOWN_AUTHOR,
        delivered_as=_kind_of(source.get("delivered_as")),
        subject=html_to_text(_text(source.get("subject"))) or _text(payload.get("title")) or None,
        url=_text(source.get("url")) or None,
        contact_id=_first_contact_id(payload.get("contacts")),
        tags=tag_names(payload.get("tags")),
        opener=html_to_text(_text(source.get("body"))),
        messages=_messages(conversation_id, parts),
        parts_count=parts_count,
        parts_truncated=len(parts) < parts_count,
        raw=dict(payload),
    )


def record_id(payload: Mapping[str, Any]) -> str | None:
    """The record's id as a string (Intercom sends strings; exports sometimes integers)."""
    value = payload.get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        digits = str(value)
        return digits if len(digits) <= MAX_ID_LENGTH else None
    if isinstance(value, str) and value.strip():
        cleaned = value.strip()
        # Characters a database would reject, or a length no store column holds: not a usable id.
        if strip_invalid(cleaned) != cleaned or len(cleaned) > MAX_ID_LENGTH:
            return None
        return cleaned
    return None


def id_problem(value: Any) -> str:
    """Why ``value`` is not an id :func:`record_id` reads, in words for the person who wrote it."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | str):
        return f"a string or an integer is required, got {_kind(value)}"
    written = str(value).strip()
    if not written:
        return "it is empty"
    if len(written) > MAX_ID_LENGTH:
        return f"it is {len(written)} characters long, at most {MAX_ID_LENGTH} are allowed"
    return "it holds characters a database cannot store (NUL, a lone surrogate)"


def timestamp(value: Any) -> int | None:
    """UNIX seconds in ``[1990, 2100)`` from an integer, a float (its fraction dropped) or a digit
    string; None otherwise."""
    seconds = _seconds(value)
    return seconds if seconds is not None and is_sane_timestamp(seconds) else None


def _seconds(value: Any) -> int | None:
    """A whole number of seconds, of any size or sign; None for anything else.

    Fractional seconds (``1796608218.5``, as Python's ``time.time()`` gives) are rounded down: a
    conversation's time is kept to the second.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return math.floor(value)
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.removeprefix("-").isdigit() and len(text) <= 30:
        return int(text)
    return None


def _messages(conversation_id: str, parts: list[Any]) -> tuple[Message, ...]:
    messages = []
    for index, part in enumerate(parts):
        if not isinstance(part, Mapping):
            continue
        body = html_to_text(_text(part.get("body")))
        if not body:
            continue  # assignments, state changes...: counted in parts_count, no text to keep
        messages.append(
            Message(
                id=record_id(part) or f"{conversation_id}:{index}",
                part_type=_kind_of(part.get("part_type")) or "comment",
                author_type=_kind_of(_mapping(part.get("author")).get("type")) or UNKNOWN_AUTHOR,
                body=body,
                created_at=timestamp(part.get("created_at")),
            )
        )
    return tuple(messages)


def _first_contact_id(contacts: Any) -> str | None:
    block = _mapping(contacts)
    listed = block.get("contacts")
    for contact in listed if isinstance(listed, list) else []:
        if isinstance(contact, Mapping) and (found := record_id(contact)):
            return found
    return None


def tag_names(tags: Any) -> tuple[str, ...]:
    """Tag names from Intercom's tag list, a list of names or of tag objects, or one name alone.

    Anything else (a number, another object) is no tags: a tag is not worth losing the conversation.
    """
    listed = _mapping(tags).get("tags") if isinstance(tags, Mapping) else tags
    if isinstance(listed, str):
        listed = [listed]
    names = []
    for tag in listed if isinstance(listed, list) else []:
        name = _text(tag.get("name")) if isinstance(tag, Mapping) else _text(tag)
        if name and name not in names:
            names.append(name)
    return tuple(names)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    return strip_invalid(value) if isinstance(value, str) else None


def _short(value: str | None) -> str | None:
    return value if value is not None and len(value) <= MAX_KIND_LENGTH else None


def _kind_of(value: Any) -> str | None:
    """An enumerated value (author type, part type, delivery) compared as Intercom spells it."""
    kind = (_text(value) or "").strip().lower()
    return kind if 0 < len(kind) <= MAX_KIND_LENGTH else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _kind(value: Any) -> str:
    """What a JSON value is, in JSON's words (a missing key and null are both nothing)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"the number {value}"[:40]
    return "text" if isinstance(value, str) else "a list" if isinstance(value, list) else "an object"

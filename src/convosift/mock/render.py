"""Render a planned conversation as Intercom's API returns it (``GET /conversations/{id}``, 2.14).

Rendering is a pure function of the plan and the inbox seed: the same conversation comes out
byte for byte every time, so the server renders on demand instead of holding every body and part.
Draws that shape the conversation itself happen before the parts are drawn from their own
generator, so a search result (no parts) and a retrieve agree on every common field.
"""

from __future__ import annotations

import html
import random
import re
import string
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from convosift.mock import phrasebook as pb
from convosift.mock.catalog import AREAS_BY_KEY, PRODUCT_DOMAIN, SLOTS, THEMES_BY_SIGNATURE
from convosift.mock.plan import Kind, Plan, detail_rng

PARTS_CAP = 500
"""Intercom returns at most the 500 most recent parts of a conversation."""
MARKETING_SITE = "https://harbortide.example"

Json = dict[str, Any]


def render_conversation(
    plan: Plan,
    seed: int,
    *,
    updated_at: int | None = None,
    extra_parts: Sequence[Json] = (),
    with_parts: bool = True,
    plaintext: bool = False,
) -> Json:
    """The conversation as JSON; without ``conversation_parts`` when ``with_parts`` is false (search)."""
    rng = detail_rng(seed, plan.draw)
    people = _People(plan, rng)
    source = _source(plan, rng, people)
    parts_seed = rng.getrandbits(64)
    updated = plan.updated_at if updated_at is None else updated_at
    total = plan.parts_total + len(extra_parts)
    conversation: Json = {
        "type": "conversation",
        "id": plan.id,
        "title": None,
        "created_at": plan.created_at,
        "updated_at": updated,
        "waiting_since": updated if plan.state == "open" and plan.kind.kept else None,
        "snoozed_until": updated + 86_400 if plan.state == "snoozed" else None,
        "open": plan.state != "closed",
        "state": plan.state,
        "read": plan.state == "closed" or rng.random() < 0.5,
        "priority": "priority" if rng.random() < 0.05 else "not_priority",
        "admin_assignee_id": int(people.admin[0]) if plan.parts_total and plan.kind.kept else None,
        "team_assignee_id": rng.choice(pb.TEAMS) if plan.kind.kept else None,
        "tags": {"type": "tag.list", "tags": _tags(plan, rng, people)},
        "conversation_rating": _rating(plan, rng, people),
        "source": source,
        "contacts": {"type": "contact.list", "contacts": [people.contact_reference]},
        "teammates": {
            "type": "admin.list",
            "teammates": [{"type": "admin", "id": people.admin[0]}] if plan.parts_total else [],
        },
        "custom_attributes": {},
        "first_contact_reply": (
            {"created_at": plan.created_at, "type": "conversation", "url": source["url"]}
            if plan.delivered_as == "customer_initiated"
            else None
        ),
        "sla_applied": None,
        "statistics": _statistics(plan, updated, total),
        "linked_objects": {"type": "list", "data": [], "total_count": 0, "has_more": False},
        "ai_agent_participated": plan.kind is Kind.BOT_ONLY,
    }
    if plan.kind is Kind.BOT_ONLY:
        conversation["ai_agent"] = {
            "source_type": "workflow",
            "source_title": "Messenger greeting",
            "last_answer_type": "ai_answer",
            "resolution_state": "abandoned",
        }
    if with_parts:
        parts = _parts(plan, random.Random(parts_seed), people, updated)
        parts.extend(dict(part) for part in extra_parts)
        conversation["conversation_parts"] = {
            "type": "conversation_part.list",
            "conversation_parts": parts[-PARTS_CAP:],
            "total_count": total,
        }
    if plaintext:
        _to_plaintext(conversation)
    return conversation


def customer_comment(plan: Plan, seed: int, number: int, created_at: int) -> Json:
    """A new customer comment, as a background update appends it (``number`` counts the updates)."""
    rng = detail_rng(seed, plan.draw)
    people = _People(plan, rng)
    text = _fill(pb.CUSTOMER_FOLLOW_UPS[number % len(pb.CUSTOMER_FOLLOW_UPS)], rng)
    return _part(plan, 100_000 + number, ("comment", people.customer_author, _p(text)), created_at)


def html_to_text(body: str | None) -> str:
    """Plain text of the simple HTML this inbox writes (what ``display_as=plaintext`` returns)."""
    if not body:
        return ""
    text = re.sub(r"<br\s*/?>|</p>|</li>|</div>", "\n", body)
    text = re.sub(r"<[^>]+>", "", text)
    text = html.unescape(text).replace("\xa0", " ")
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


# --- people ------------------------------------------------------------------------------------


class _People:
    def __init__(self, plan: Plan, rng: random.Random) -> None:
        first, last = rng.choice(pb.FIRST_NAMES), rng.choice(pb.LAST_NAMES)
        self.first = first
        self.contact_id = f"{rng.getrandbits(96):024x}"
        external_id = f"cus_{rng.randrange(10**6):06d}" if plan.author_type != "lead" else None
        self.contact_reference: Json = {"type": "contact", "id": self.contact_id, "external_id": external_id}
        self.customer_author: Json = {
            "type": plan.author_type if plan.author_type in ("user", "lead") else "user",
            "id": self.contact_id,
            "name": f"{first} {last}",
            "email": f"{first.lower()}.{last.lower()}@{rng.choice(_CUSTOMER_DOMAINS)}",
        }
        self.admin = rng.choice(pb.ADMINS)
        self.admin_author: Json = {
            "type": "admin",
            "id": self.admin[0],
            "name": self.admin[1],
            "email": f"{self.admin[1].split()[0].lower()}@harbortide.example",
        }
        self.bot_author: Json = {
            "type": "bot",
            "id": pb.BOT[0],
            "name": pb.BOT[1],
            "email": "operator+harbortide@intercom.io",
            "from_ai_agent": True,
            "is_ai_answer": True,
        }


_CUSTOMER_DOMAINS = ("mapleandmoss.example", "urbankite.example", "bluefin.example", "example.com")


# --- the opening message -------------------------------------------------------------------------


def _source(plan: Plan, rng: random.Random, people: _People) -> Json:
    body, attachments = _opening_body(plan, rng, people)
    url = _source_url(plan, rng)
    by_email = plan.kind in (Kind.THEMED, Kind.GENERAL) and rng.random() < 0.1
    author = {
        "admin": people.admin_author,
        "bot": people.bot_author,
    }.get(plan.author_type, people.customer_author)
    return {
        "type": "email" if by_email else "conversation",
        "id": str(int(plan.id) + 190_000_000),
        "delivered_as": plan.delivered_as,
        "subject": _subject(plan) if by_email else "",
        "body": body,
        "author": author,
        "attachments": attachments,
        "url": None if by_email else url,
        "redacted": False,
    }


def _opening_body(plan: Plan, rng: random.Random, people: _People) -> tuple[str, list[Json]]:
    kind = plan.kind
    if kind is Kind.THEMED:
        return _decorate(_theme_text(plan, rng), plan, rng, people), []
    if kind is Kind.RECOVERED:
        return f"<p>{html.escape(rng.choice(pb.RECOVERY_OPENERS))}</p>", []
    if kind is Kind.GENERAL:
        return _decorate(rng.choice(pb.GENERAL_INQUIRIES), plan, rng, people), []
    if kind is Kind.SPAM:
        return f"<p>{html.escape(rng.choice(pb.SPAM_MESSAGES))}</p>", []
    if kind is Kind.ADMIN_INITIATED:
        text = _fill(rng.choice(pb.ADMIN_OUTBOUND), rng, first=people.first, admin=people.admin[1])
        return f"<p>{html.escape(text)}</p>", []
    if kind is Kind.AUTOMATED:
        pool = pb.OPERATOR_MESSAGES if plan.delivered_as == "operator_initiated" else pb.AUTOMATED_MESSAGES
        return f"<p>{html.escape(rng.choice(pool))}</p>", []
    if kind is Kind.TEMPLATE_CLICK:
        return f"<p>{html.escape(rng.choice(pb.TEMPLATE_CLICKS))}</p>", []
    if kind is Kind.TOO_SHORT:
        return f"<p>{html.escape(rng.choice(pb.SHORT_OPENERS))}</p>", []
    if kind is Kind.BOT_ONLY:
        return "", []
    # EMPTY: a screenshot and no words, as the messenger sends an attachment-only message.
    body = rng.choice(("", "<p></p>", "<p><br></p>"))
    return body, [
        {
            "type": "upload",
            "name": "screenshot.png",
            "url": f"{MARKETING_SITE}/uploads/{plan.id}.png",
            "content_type": "image/png",
            "filesize": rng.randint(20_000, 900_000),
            "width": 1280,
            "height": 800,
        }
    ]


def _theme_text(plan: Plan, rng: random.Random, *, avoid: str | None = None) -> str:
    assert plan.theme is not None
    if plan.language != "en":
        return rng.choice(pb.TRANSLATIONS[plan.theme][plan.language])
    choices = [p for p in THEMES_BY_SIGNATURE[plan.theme].phrasings if p != avoid]
    return _fill(rng.choice(choices), rng)


def _decorate(text: str, plan: Plan, rng: random.Random, people: _People) -> str:
    """Wrap text in the kinds of HTML the Intercom messenger and email produce."""
    escaped = html.escape(text)
    if plan.language != "en":
        return f"<p>{escaped}</p>"
    style = rng.randrange(6)
    if style == 1:
        return f"<p>Hi,</p><p>{escaped}</p><p>Thanks!<br>{html.escape(people.first)}</p>"
    if style == 2:
        link = f"https://{PRODUCT_DOMAIN}{_area_path(plan, rng)}"
        return f'<p>{escaped} See <a href="{link}" target="_blank">{link}</a></p>'
    if style == 3:
        details = rng.sample(pb.CUSTOMER_DETAILS, 2)
        items = "".join(f"<li>{html.escape(_fill(d, rng))}</li>" for d in details)
        return f"<p>{escaped}</p><ul>{items}</ul>"
    if style == 4:
        return f"<p>{escaped}&nbsp;{rng.choice(pb.EMOJI)}</p>"
    return f"<p>{escaped}</p>"


def _subject(plan: Plan) -> str:
    if plan.theme is not None:
        return THEMES_BY_SIGNATURE[plan.theme].title
    return "Question"


def _area_path(plan: Plan, rng: random.Random) -> str:
    area_key = THEMES_BY_SIGNATURE[plan.theme].area if plan.theme else rng.choice(list(AREAS_BY_KEY))
    area = AREAS_BY_KEY[area_key]
    return area.path + rng.choice(area.pages)


def _source_url(plan: Plan, rng: random.Random) -> str | None:
    if plan.delivered_as != "customer_initiated":
        return None
    if plan.theme is not None:
        return f"https://{PRODUCT_DOMAIN}{_area_path(plan, rng)}" if rng.random() < 0.85 else None
    if plan.kind is Kind.GENERAL:
        return rng.choice((f"{MARKETING_SITE}/contact", f"{MARKETING_SITE}/about", None))
    if plan.kind is Kind.SPAM:
        return rng.choice((f"{MARKETING_SITE}/", None))
    return f"https://{PRODUCT_DOMAIN}{_area_path(plan, rng)}" if rng.random() < 0.5 else None


# --- parts --------------------------------------------------------------------------------------


def _parts(plan: Plan, rng: random.Random, people: _People, updated_at: int) -> list[Json]:
    total = plan.parts_total
    if total == 0:
        return []
    first = max(0, total - PARTS_CAP)
    step = max(1, (plan.updated_at - plan.created_at) // total)
    parts = []
    for number in range(first, total):
        created = min(updated_at, plan.created_at + step * (number + 1))
        draft = (
            _long_thread_part(plan, number, rng, people)
            if total > PARTS_CAP
            else _short_thread_part(plan, number, rng, people)
        )
        parts.append(_part(plan, number, draft, created))
    return parts


PartDraft = tuple[str, Json, str | None]
"""``(part_type, author, body)`` of a part about to be rendered."""


def _short_thread_part(plan: Plan, number: int, rng: random.Random, people: _People) -> PartDraft:
    last = number == plan.parts_total - 1
    kind = plan.kind
    if last and plan.state == "closed" and number > 0:
        closer = people.bot_author if kind is Kind.BOT_ONLY else people.admin_author
        return "close", closer, None if kind is Kind.BOT_ONLY else _p(rng.choice(pb.ADMIN_CLOSINGS))
    if kind is Kind.BOT_ONLY:
        pool = pb.BOT_GREETINGS if number == 0 else pb.BOT_FOLLOW_UPS
        return "comment", people.bot_author, _p(rng.choice(pool))
    if kind in (Kind.ADMIN_INITIATED, Kind.AUTOMATED):
        return "comment", people.customer_author, _p(rng.choice(pb.SHORT_CUSTOMER_ACKS))
    if kind is Kind.RECOVERED and number == 0:
        return "comment", people.customer_author, _decorate(_theme_text(plan, rng), plan, rng, people)
    customer_turn = number % 2 == (0 if kind is Kind.RECOVERED else 1)
    if kind in (Kind.THEMED, Kind.RECOVERED) and customer_turn:
        if plan.language != "en" or (number == 1 and rng.random() < 0.5):
            text = _theme_text(plan, rng)
        else:
            text = _fill(rng.choice(pb.CUSTOMER_FOLLOW_UPS), rng)
        return "comment", people.customer_author, _p(text)
    if kind in (Kind.TEMPLATE_CLICK, Kind.TOO_SHORT) and number == 0:
        return "comment", people.admin_author, _p("Hi there! How can we help?")
    if number == 0 and rng.random() < 0.3:
        return "assignment", people.bot_author, None
    return "comment", people.admin_author, _p(rng.choice(pb.ADMIN_REPLIES))


def _long_thread_part(plan: Plan, number: int, rng: random.Random, people: _People) -> PartDraft:
    if number % 25 == 24:
        return "note", people.admin_author, _p(f"Internal: linked to engineering ticket ENG-{4000 + number}.")
    if number % 2 == 0:
        return "comment", people.customer_author, _p(_fill(rng.choice(pb.LONG_THREAD_CUSTOMER), rng))
    return "comment", people.admin_author, _p(rng.choice(pb.LONG_THREAD_ADMIN))


def _part(plan: Plan, number: int, draft: PartDraft, created_at: int) -> Json:
    part_type, author, body = draft
    part: Json = {
        "type": "conversation_part",
        "id": str(int(plan.id) * 1_000_000 + number),
        "part_type": part_type,
        "body": body,
        "created_at": created_at,
        "updated_at": created_at,
        "notified_at": created_at,
        "author": author,
        "attachments": [],
        "external_id": None,
        "redacted": False,
        "app_package_code": None,
    }
    if part_type == "assignment":
        # Intercom sends null when the assignment did not change; the 2.14 description does not
        # allow null here, so the key is left out instead.
        part["assigned_to"] = {"type": "admin", "id": author["id"]}
    return part


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


# --- the rest -------------------------------------------------------------------------------------


def _tags(plan: Plan, rng: random.Random, people: _People) -> list[Json]:
    if not plan.kind.kept or rng.random() > 0.2:
        return []
    tag_id, name = rng.choice(pb.TAG_NAMES)
    return [
        {
            "type": "tag",
            "id": tag_id,
            "name": name,
            "applied_at": plan.created_at + 60,
            "applied_by": {"type": "admin", "id": people.admin[0]},
        }
    ]


def _rating(plan: Plan, rng: random.Random, people: _People) -> Json | None:
    if plan.state != "closed" or not plan.kind.kept or rng.random() > 0.3:
        return None
    return {
        "rating": rng.randint(1, 5),
        "remark": "",
        "created_at": plan.updated_at,
        "updated_at": plan.updated_at,
        "contact": people.contact_reference,
        "teammate": {"type": "admin", "id": people.admin[0]},
    }


def _statistics(plan: Plan, updated_at: int, total: int) -> Json:
    stats: Json = {"type": "conversation_statistics", "count_reopens": 0, "count_conversation_parts": total}
    if plan.delivered_as == "customer_initiated":
        stats["first_contact_reply_at"] = plan.created_at
        stats["last_contact_reply_at"] = updated_at if total else plan.created_at
    if plan.parts_total and plan.kind.kept:
        stats["count_assignments"] = 1
        stats["first_admin_reply_at"] = min(updated_at, plan.created_at + 600)
        stats["time_to_admin_reply"] = stats["first_admin_reply_at"] - plan.created_at
        stats["last_admin_reply_at"] = updated_at
    if plan.state == "closed":
        stats["last_close_at"] = updated_at
        stats["first_close_at"] = updated_at
    return stats


@lru_cache(maxsize=512)
def _slots_of(template: str) -> tuple[str, ...]:
    return tuple(field for _, field, _, _ in string.Formatter().parse(template) if field)


def _fill(template: str, rng: random.Random, **fixed: str) -> str:
    values = {slot: fixed[slot] if slot in fixed else rng.choice(SLOTS[slot]) for slot in _slots_of(template)}
    return template.format(**values) if values else template


def _to_plaintext(conversation: Json) -> None:
    source = conversation["source"]
    source["body"] = html_to_text(source["body"])
    for part in conversation.get("conversation_parts", {}).get("conversation_parts", []):
        if part["body"] is not None:
            part["body"] = html_to_text(part["body"])

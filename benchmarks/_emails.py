"""Requests of real customers as they arrive by e-mail in a help desk, for the benchmarks.

Each request is wrapped, with a fixed seed per row, in what a mail carries around the customer's
words once its HTML is gone: a greeting, a signature, a phone's "Sent from" line, a legal notice or
an external-sender banner, and the earlier answer of an agent that the mail quotes (after a mail
client's header, with ">" before each line in half of them, as plain text shows a quote). The
parts (`benchmarks/data/email_parts.yaml`: agent answers, quote headers of many mail clients and
languages, signatures, phone lines, notices) were written for convosift without looking at how it
reads a mail (`convosift.replies`). Its rules were first mended after reading the entries at even
positions, and the benchmarks drew from the others, blind; after that first run the others were
read too (docs/accuracy.md, "E-mails"), so the figures are no longer blind.
"""

from __future__ import annotations

import functools
import random
from pathlib import Path
from typing import Any

import yaml

from convosift.domain import Conversation

PARTS = Path(__file__).resolve().parent / "data" / "email_parts.yaml"
GREETINGS = ("Hi,", "Hello,", "Dear Support,", "Good morning,", "Hi team,", "Hello there,")
NAMES = ("Maria Lopez", "Tom Becker", "Aisha Khan", "Kenji Sato", "Lena Novak", "Omar Haddad", "Raj Patel")
COMPANIES = ("Northbank", "Harbour Mutual", "Clearwater Insurance", "Fintrust")
T0 = 1_700_000_000


@functools.cache
def _parts(half: int) -> dict[str, list[str]]:
    """The entries of each list of the parts file at even (0) or odd (1) positions."""
    data: dict[str, Any] = yaml.safe_load(PARTS.read_text(encoding="utf-8"))
    return {key: [str(item) for item in value][half::2] for key, value in data.items()}


def as_email(request: str, row: int, *, held_out: bool = True) -> str:
    """``request`` as the body of a customer's e-mail (the same row gives the same mail).

    ``held_out`` draws from the entries of the parts file at odd positions (the second, fourth...),
    which the rules of :mod:`convosift.replies` were first written without; the others are the
    entries they were mended on."""
    parts = _parts(1 if held_out else 0)
    draw = random.Random(f"mail-{row}")
    name = draw.choice(NAMES)
    fill = {
        "name": name,
        "company": draw.choice(COMPANIES),
        "date": f"{draw.choice(('Mon', 'Tue', 'Wed', 'Thu', 'Fri'))}, {draw.randint(1, 28)} Dec 2024",
        "time": f"{draw.randint(8, 18)}:{draw.randint(0, 59):02d}",
        "agent": draw.choice(("Customer Care", "Support Team", "Priya from Support", "Claims Desk")),
        "email": draw.choice(("support@example.com", "care@example.org", "help@example.net")),
    }
    lines: list[str] = []
    if draw.random() < 0.1:
        lines.append(draw.choice(parts["notices"]).format(**fill))
    if draw.random() < 0.6:
        lines.append(draw.choice(GREETINGS))
    lines.append(request)
    if draw.random() < 0.8:
        lines += ["", draw.choice(parts["signatures"]).format(**fill)]
    if draw.random() < 0.25:
        lines.append(draw.choice(parts["device_lines"]).format(**fill))
    if draw.random() < 0.2:
        lines.append(draw.choice(parts["notices"]).format(**fill))
    if draw.random() < 0.5:
        answer = draw.choice(parts["agent_replies"]).format(**fill).splitlines()
        if draw.random() < 0.5:
            answer = [f"> {line}" if line.strip() else ">" for line in answer]
        lines += ["", draw.choice(parts["quote_headers"]).format(**fill), *answer]
    return "\n".join(line.strip() for line in "\n".join(lines).splitlines())


def customer_text(mail: str) -> str:
    """What convosift stores and analyses of a conversation opened by ``mail``."""
    return Conversation(id="mail", created_at=T0, updated_at=T0, opener=mail).customer_text

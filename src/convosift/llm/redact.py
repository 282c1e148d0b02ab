"""Mask personal data before a text leaves the machine.

What is masked, and the placeholder it becomes:

- URLs that carry credentials (``user:pass@`` userinfo, or a query parameter named like a token,
  key, secret, password, signature or session) → ``[URL]``. Plain URLs stay: the page a customer
  wrote from is useful to theme matching.
- e-mail addresses → ``[EMAIL]``
- IBAN-like account numbers (country code, check digits, 11 to 30 more letters or digits) → ``[IBAN]``
- card-like numbers: 13 to 19 digits, optionally grouped by spaces or dashes, that pass the Luhn check
  → ``[CARD]`` (the check keeps order numbers and other long ids intact)
- phone numbers → ``[PHONE]``: international (``+44 20 7946 0958``, ``0044 …``), grouped national
  numbers (``(555) 123-4567``, ``06 12 34 56 78``) and ungrouped numbers with a trunk ``0``.

Order numbers (``#12345``), dates, times, versions and IP addresses are left as they are: the
rules require phone-like grouping and digit counts rather than "any run of digits".
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

EMAIL = "[EMAIL]"
PHONE = "[PHONE]"
CARD = "[CARD]"
IBAN = "[IBAN]"
URL = "[URL]"

_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'\]\[]+", re.IGNORECASE)
_SECRET_PARAM = re.compile(
    r"(?:token|key|secret|passw(?:or)?d|pwd|pass|auth|signature|sig|session|credential|code)", re.IGNORECASE
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
_CARD = re.compile(r"(?<![\w.,/+-])\d(?:[ -]?\d){12,18}(?![\w/-]|[.,]\d)")
# A phone candidate: optional "+", then groups of digits joined by one separator (space, dash,
# dot) or wrapped in parentheses. Every group after the first must start with a separator or a
# parenthesis, so a run of digits splits one way only (no catastrophic backtracking).
# It is then judged by _looks_like_phone.
_PHONE = re.compile(
    r"(?<![\w.,/:#+(-])(?:\+|\(\+?)?\d+\)?"
    r"(?:[ .\-]\(?\d+\)?|\(\d+\)|(?<=\))\d+)*"
    r"(?![\w/:]|[.,]\d)"
)
_SEPARATORS = re.compile(r"[ .\-()]+")
_DATE = re.compile(r"^(?:\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{2,4})$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")

_MIN_PHONE_DIGITS = 7
_MAX_PHONE_DIGITS = 15  # E.164


def redact(text: str) -> str:
    """Return ``text`` with credentials in URLs, e-mails, IBANs, card and phone numbers masked."""
    if not text:
        return text
    text = _URL.sub(_redact_url, text)
    text = _EMAIL.sub(EMAIL, text)
    text = _IBAN.sub(_redact_iban, text)
    text = _CARD.sub(_redact_card, text)
    return _PHONE.sub(_redact_phone, text)


def _redact_url(match: re.Match[str]) -> str:
    url = match.group(0)
    trailing = ""
    while url and url[-1] in ".,;:!?)":
        # Sentence punctuation after a link is not part of it.
        trailing = url[-1] + trailing
        url = url[:-1]
    try:
        parts = urlsplit(url)
    except ValueError:
        return URL + trailing
    if "@" in parts.netloc or _has_secret_param(parts.query) or _has_secret_param(parts.fragment):
        return URL + trailing
    return url + trailing


def _has_secret_param(query: str) -> bool:
    return any(_SECRET_PARAM.search(name) for name, _ in parse_qsl(query, keep_blank_values=True))


def _redact_iban(match: re.Match[str]) -> str:
    compact = match.group(0).replace(" ", "")
    # At least a handful of digits: keeps shouted words and product codes out.
    return IBAN if 15 <= len(compact) <= 34 and sum(c.isdigit() for c in compact) >= 8 else match.group(0)


def _redact_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return CARD if luhn_valid(digits) else match.group(0)


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn checksum (as payment card numbers do)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return bool(digits) and total % 10 == 0


def _redact_phone(match: re.Match[str]) -> str:
    return PHONE if _looks_like_phone(match.group(0)) else match.group(0)


def _looks_like_phone(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if not _MIN_PHONE_DIGITS <= len(digits) <= _MAX_PHONE_DIGITS:
        return False
    international = candidate.startswith(("+", "(+")) or (candidate.startswith("00") and len(digits) >= 10)
    if international:
        return len(digits) >= 8
    groups = [group for group in _SEPARATORS.split(candidate) if group]
    if len(groups) == 1:
        # An ungrouped run is usually an id or an order number; a trunk "0" marks a national number.
        return digits.startswith("0") and len(digits) in (10, 11)
    if _DATE.match(candidate) or all(_YEAR.match(group) for group in groups):
        return False
    if "." in candidate and "(" not in candidate and len(groups) == 4 and all(len(g) <= 3 for g in groups):
        return False  # an IPv4 address
    return len(digits) >= 9 and all(len(group) >= 2 for group in groups) and len(groups) <= 6

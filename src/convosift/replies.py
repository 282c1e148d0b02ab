"""What a customer wrote in one message: an e-mail's own words, without what the mail carries along.

A conversation that arrives by e-mail holds more than the customer's words. A reply quotes the
history it answers ("On Mon, 2 Dec 2024 at 10:12, Support <help@example.com> wrote:" and the lines
after it, Outlook's "From: / Sent:" block, lines that open with ">"). A mail ends with a signature
(after a "--" line, or the lines of name, role, phone and address after "Kind regards,"), "Sent
from my iPhone", a confidentiality notice or a banner that warns of an external sender. Read as
the customer's text, an agent's quoted answer is classified and matched as if the customer had
written it, a signature's phone number and job title read as a request, and a notice that every
mail of one company carries groups that company's conversations by its notice.

:func:`own_words` keeps one message's own words. Each rule needs a shape that a chat message does
not have: a quote header ends with "wrote:" and holds a time or an address; a signature is cut
only when every line after the closing looks like one (a name, a role, a phone number, an
address, a link); a notice is a long line with words of two of its kinds ("this message may
contain", "confidential", "the intended recipient", "registered office"). A forwarded
message is kept: the customer sent it on purpose. English, with the quote headers and phone
lines of the most common mail clients in French, German, Spanish, Italian, Dutch and Portuguese.
"""

from __future__ import annotations

import functools
import re

_QUOTE_HEADER = re.compile(
    r"^-*\s*(?:On|Le|Am|El|Il|Op|Em)\s.{4,300}?\s(?:wrote|a\s+écrit|schrieb|escribió|ha\s+scritto|schreef"
    r"|escreveu)(?:\s.{0,120})?(?::|\s-{2,})$",
    re.IGNORECASE | re.DOTALL,
)
"""The line that opens a quoted reply ("On 2 Dec 2024, at 10:12, Support <x@y.z> wrote:")."""
_STAMP = re.compile(r"\d{1,2}[:.]\d{2}|@")
"""A quote header holds a time or an address: "On 2 March I wrote to you:" is the customer's."""
_ORIGINAL_MESSAGE = re.compile(
    r"^-{2,}\s*(?:original\s+message|ursprüngliche\s+nachricht|message\s+d['’]origine|mensaje\s+original"
    r"|messaggio\s+originale|oorspronkelijk\s+bericht|mensagem\s+original)\s*-{2,}$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\*?(?:from|von|de|van|da)\s?:\*?\s+\S", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\*?(?:sent|date|gesendet|datum|envoyé|enviado|fecha|inviato|verzonden|data)\s?:\*?\s+\S", re.IGNORECASE
)
_RULE = re.compile(r"^[_\-=*~]{10,}$")
"""A line drawn across the mail, before a quoted message in Outlook."""
_SIGNATURE_DELIMITER = frozenset({"--", "—", "–"})
"""A line that holds only this ends the message: a signature follows ("-- " in plain text mail)."""
_DEVICE = re.compile(
    r"(?:sent\s+(?:from|via|with)\s+(?:my\s+)?(?:iphone|ipad|android|samsung|galaxy|blackberry|mobile|phone"
    r"|smartphone|huawei|xiaomi|pixel|outlook|mail|yahoo|aol|proton\s*mail|gmail)"
    r"|get\s+outlook\s+for\s+(?:ios|android)|envoyé\s+(?:de|depuis)\s+mon\s+\S+|von\s+meinem\s+\S+\s+gesendet"
    r"|enviado\s+desde\s+mi\s+\S+|inviato\s+da(?:l\s+mio)?\s+\S+"
    r"|(?:verzonden|verstuurd)\s+(?:vanaf|met)\s+mijn\s+\S+|enviado\s+do\s+meu\s+\S+)"
    # the rest of the line: the device's name, "for iPhone", a link in angle brackets
    r"(?:<[^>]*>)?(?:\s+(?:(?-i:[A-Z0-9<])[^\s]*|for|on|de|da|do"
    r"|iphone|ipad|android|phone|smartphone|tablet|device|mobile))*\W*",
    re.IGNORECASE,
)
"""A mail client's line under the message ("Sent from my iPhone", "Get Outlook for Android"),
alone on its line: "Sent from my phone but the payment failed" is the customer's."""
_EXCUSE = re.compile(
    r"^(?:sent|written|typed)\s+(?:from|on|via|between|while|in)\b.{0,50}\b(?:excuse|forgive|pardon|apologi[sz]e)\b",
    re.IGNORECASE,
)
"""A note on how the mail was written: "Sent between meetings, please excuse typos"."""
_NOTICE_CUES = tuple(
    re.compile(cue, re.IGNORECASE)
    for cue in (
        # what the notice is about: this mail, this mailbox
        r"\b(?:this|the)\s+(?:e-?mail|message|communication|transmission)\s+(?:and\s+any|is\s+intended"
        r"|may\s+contain|contains|is\s+confidential|does\s+not)|\bthe\s+information\s+(?:in|contained)"
        r"|\be-?mails?\s+received\b|\bthis\s+mailbox\b|\bdiese\s+e-?mail\b|\bce\s+(?:courriel|message)\b"
        r"|\beste\s+(?:correo|mensaje)\b|\bdeze\s+e-?mail\b|\b(?:in|of|by)\s+this\s+(?:e-?mail|message)\b"
        r"|^disclaimer\b",
        # confidentiality
        r"\b(?:confidential|privileged|confidentiality|vertraulich\w*|confidentiel\w*|confidencial\w*"
        r"|vertrouwelijk\w*)\b",
        # its recipient
        r"\bintended\s+(?:solely\s+|only\s+|exclusively\s+)?(?:for|recipient)|\baddressee\b"
        r"|\breceived\s+(?:it|this|this\s+\w+)\s+(?:in\s+error|by\s+mistake)|\bnot\s+the\s+intended\b"
        r"|\bempfänger\b|\bdestinataire\b|\bdestinatario\b|\bgeadresseerde\b",
        # the company's legal lines
        r"\bregistered\s+(?:in\s+england|office|number|no\b)|\bcompany\s+(?:registration|number|no\b)"
        r"|\bviews\s+expressed\b|\bform\s+part\s+of\s+any\s+contract\b|\bmonitored\s+for\b"
        r"|\bdata\s+retention\b|\bprivacy\s+notice\b|\bvirus(?:es)?\b|\boffice\s+hours\s+are\b"
        r"|\bnot\s+monitored\b",
    )
)
"""Kinds of words of a legal notice under a mail: a long line with words of two kinds is one."""
_NOTICE_KINDS = 2
_BANNER = re.compile(
    r"^\W*(?:\[?external\]?|caution|warning|attention|notice)\b\W{0,3}external\s+(?:sender|e-?mail|message)\b"
    r"|^\W*(?:\[?external\]?|caution|warning|attention|notice)\b.{0,80}?"
    r"(?:(?:originated|came|comes|has\s+come|was\s+sent)\s+(?:from\s+)?outside|from\s+(?:an?\s+)?external\s+sender"
    r"|outside\s+(?:of\s+)?(?:the|your|our)\s+organi[sz]ation)"
    r"|^please\s+consider\s+the\s+environment\s+before\s+printing|^think\s+before\s+(?:you\s+)?print"
    r"|^\W*\[external\]|^\W*external\s+(?:e-?mail|sender|message)\b"
    r"|\b(?:sent|came|comes)\s+from\s+(?:an?\s+)?external\s+(?:address|sender|source|domain)\b"
    r"|^you\s+don['’]?t\s+often\s+get\s+e-?mail\s+from\b"
    r"|\b(?:planet|environment|trees?|paper|recycle)\b.{0,80}\bprint(?:ing)?\s+this\s+(?:e-?mail|message)\b"
    r"|\bprint(?:ing)?\s+this\s+(?:e-?mail|message)\b.{0,80}\b(?:planet|environment|trees?|paper|recycle)\b",
    re.IGNORECASE,
)
_NOTICE_WORDS = 12
"""A notice is at least this long: a customer's "please keep this confidential" is not one."""
_CLOSING = re.compile(
    r"^(?:(?:kind|best|warm|warmest|many|with|sent\s+with|with\s+(?:kind|best|many))\s+)?(?:regards|wishes|thanks)"
    r"|^(?:best|cheers|thanks|thank\s+you|sincerely|cordially|yours\s+(?:truly|sincerely|faithfully)|regards"
    r"|all\s+the\s+best|talk\s+soon)\b",
    re.IGNORECASE,
)
_CLOSING_LINE = re.compile(r"[\w\s’']{0,40}[,.!]?(?:\s*[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,2})?[,.!]?")
"""A closing is a short line of its own, perhaps with the writer's name ("Thanks, Maria")."""
_NAME_LINE = re.compile(r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}")
"""A line that holds only a name ("Maria Lopez"), where a signature without a closing begins."""
_NOT_NAMES = frozenset(
    {"hi", "hello", "hey", "hiya", "dear", "thanks", "thank", "cheers", "regards", "ok", "okay"}
)
MAX_SIGNATURE_LINES = 8
MAX_SIGNATURE_CHARS = 80
_CONTACT = re.compile(
    r"@|https?://|www\.|\.(?:com|org|net|io|co)\b|(?:\d[\s().+/-]*){5,}|^(?:[\w-]+\.)+[a-z]{2,}(?:/\S*)?$",
    re.IGNORECASE,
)
_CONTACT_TOKEN = re.compile(r"\S*(?:@|https?://|www\.)\S*|\S+\.(?:com|org|net|io|co|example)\S*")
_LABEL = re.compile(r"^[A-Z][\w./-]*(?:\s[\w./-]+){0,2}\s?:\s")
"""A short label before a value: "T: ...", "Mob. ...", "Pronouns: he/him", "Working days: Tue, Thu"."""
_PRONOUNS = re.compile(r"\b(?:she|he|they|ze|xe)\s*/\s*(?:her|him|them|they|hers|his|theirs|zir|xem)\b", re.I)
_AVAILABILITY = re.compile(
    r"\b(?:out\s+of\s+(?:the\s+)?office|working\s+(?:days|hours)|office\s+hours|part[-\s]time"
    r"|(?:check|read|answer)(?:ed|s)?\s+(?:e-?mails?\s+)?(?:on\s+)?(?:mon|tue|wed|thu|fri|week)"
    r"|e-?mails?\s+(?:is|are)\s+(?:checked|read|answered)|^please\s+note\b.{0,60}\be-?mails?\b)",
    re.IGNORECASE,
)
"""When the writer is around: "Out of office Fridays", "Email is checked Mon-Thu only"."""
_CONNECTIVES = frozenset(
    {"of", "and", "for", "the", "at", "&", "de", "du", "la", "le", "und", "van", "von", "y"}
)
_WORD = re.compile(r"[^\W\d_][\w'’.&-]*")


CACHED_CHARS = 4_000
"""Messages up to this long are remembered (:data:`CACHED_MESSAGES` of them): a conversation's
text is read by the filter, the models and the store in turn."""
CACHED_MESSAGES = 2_048


def own_words(text: str) -> str:
    """``text`` without a quoted reply, a signature, phone lines, notices and banners; the text
    itself when none is there. Idempotent."""
    if not text:
        return text
    return _remembered(text) if len(text) <= CACHED_CHARS else _own_words(text)


@functools.lru_cache(maxsize=CACHED_MESSAGES)
def _remembered(text: str) -> str:
    return _own_words(text)


def _own_words(text: str) -> str:
    lines = text.split("\n")
    own = lines[: _history_start(lines)]
    kept: list[str] = []
    quoted_run: list[str] = []
    for index, line in enumerate(own):
        stripped = line.strip()
        if stripped.startswith(">"):
            quoted_run.append(line)
            continue
        if len(quoted_run) == 1:
            kept.extend(quoted_run)  # one line that opens with ">" is the customer's own
        quoted_run = []
        if stripped in _SIGNATURE_DELIMITER and len(own) - index - 1 <= MAX_SIGNATURE_LINES:
            break
        if (
            _RULE.match(stripped)
            or _DEVICE.fullmatch(stripped)
            or _EXCUSE.match(stripped)
            or _is_notice(stripped)
        ):
            continue
        kept.append(line)
    if len(quoted_run) == 1:
        kept.extend(quoted_run)
    kept = _without_signature(kept)
    if len(kept) == len(lines):
        return text
    return "\n".join(kept).strip()


def _history_start(lines: list[str]) -> int:
    """Where the quoted history of an earlier mail starts: its header's first line (a long quote
    header may wrap onto two lines); the end of ``lines`` when nothing is quoted."""
    for index in range(len(lines)):
        if _opens_history(lines, index):
            line = lines[index].strip()
            wrapped = (
                index > 0
                and not _QUOTE_HEADER.match(line)
                and _QUOTE_HEADER.match(f"{lines[index - 1].strip()} {line}")
            )
            return index - 1 if wrapped else index
    return len(lines)


def _opens_history(lines: list[str], index: int) -> bool:
    """Whether the quoted history of an earlier mail starts at ``lines[index]`` (or at the line
    before, where a long quote header wraps)."""
    line = lines[index].strip()
    if _ORIGINAL_MESSAGE.match(line):
        return True
    if line.endswith((":", "-")):
        candidates = (line, f"{lines[index - 1].strip()} {line}") if index else (line,)
        if any(_QUOTE_HEADER.match(c) and _STAMP.search(c) for c in candidates):
            return True
    if _HEADER_FROM.match(line):
        return any(_HEADER_SENT.match(after.strip()) for after in lines[index + 1 : index + 4])
    return False


def _is_notice(line: str) -> bool:
    if _BANNER.search(line) and len(line) < 300:
        return True
    return (
        len(line.split()) >= _NOTICE_WORDS
        and sum(1 for cue in _NOTICE_CUES if cue.search(line)) >= _NOTICE_KINDS
    )


def _without_signature(lines: list[str]) -> list[str]:
    """``lines`` without the signature block at their end: the last closing ("Kind regards,") and
    the lines after it, or the lines from one that holds only a name, when every line after it
    looks like a signature's (and, without a closing, one of them gives a way to reach the
    writer)."""
    end = len(lines)
    for index in range(len(lines) - 2, max(-1, len(lines) - MAX_SIGNATURE_LINES - 2), -1):
        line = lines[index].strip()
        after = [rest.strip() for rest in lines[index + 1 :] if rest.strip()]
        if not after or not all(_signature_line(rest) for rest in after):
            if _CLOSING.match(line) and _CLOSING_LINE.fullmatch(line):
                break
            continue
        if _CLOSING.match(line) and _CLOSING_LINE.fullmatch(line):
            return lines[:index]
        if (
            index > 0
            and _NAME_LINE.fullmatch(line)
            and not _NOT_NAMES.intersection(line.lower().split())
            and any(_CONTACT.search(rest) or _LABEL.match(rest) for rest in after)
        ):
            end = index
    return lines[:end]


def _signature_line(line: str) -> bool:
    """A name, a role, a company, an address, a phone number, a link, pronouns or office days: no
    sentence of a request."""
    if len(line) > MAX_SIGNATURE_CHARS or line.endswith("?"):
        return False
    if _CONTACT.search(line) or _LABEL.match(line) or "|" in line or "•" in line:
        # A way to reach the writer, not a sentence that gives one ("My account number is 7615...").
        rest = _CONTACT_TOKEN.sub(" ", line)
        return sum(1 for word in _WORD.findall(rest) if word.islower() and word not in _CONNECTIVES) <= 2
    if _PRONOUNS.search(line) or _AVAILABILITY.search(line) or _EXCUSE.match(line):
        return True
    words = _WORD.findall(line)
    return bool(words) and all(word[0].isupper() or word.lower() in _CONNECTIVES for word in words)

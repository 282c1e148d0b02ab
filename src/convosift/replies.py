"""What a customer wrote in one message: an e-mail's own words, without what the mail carries along.

An e-mail holds more than the customer's words: the history it answers ("On Mon, 2 Dec 2024 at
10:12, Support <help@example.com> wrote:", Outlook's "From: / Sent:" block, ">" lines), a signature,
"Sent from my iPhone", legal notices, external-sender banners. Read as the customer's, an agent's
quoted answer is classified and matched as if the customer had written it, and a notice that every
mail of one company carries groups that company's conversations by its notice.

:func:`customer_part` keeps the customer's part of one message. A missed signature costs little
(the models read past names and numbers); a customer's sentence taken away costs the request. So
every rule needs a shape that a customer's sentence does not have:

- a quote header holds a year and a time or an address, ends with "wrote:" (in seven languages)
  after a name, and is not written in the first person or, without an address, by "your agent";
  the customer's lines under a ">" quote stay;
- an Outlook block gives an address and has a "Sent:" or "Subject:" line; a forwarded one stays;
- a signature is the last lines of a message after a closing with the writer's name on or right
  under it, or a common given name and a way to reach the writer; no line of it asks anything;
- a notice is a long line at an end, never in the first person; a banner is tagged and says "this
  e-mail came from" outside; a phone line is a mail app's words alone on their line.

The tests hold customer messages that must keep every word (tests/test_replies.py).
"""

from __future__ import annotations

import functools
import re

from convosift.names import is_given_name

# --- quoted history ------------------------------------------------------------------------------

_QUOTE_HEADER = re.compile(
    r"^-*\s*(?:On|Le|Am|El|Il|Op|Em)\s(?P<when>.{4,300}?)\s"
    r"(?:wrote|a\s+écrit|schrieb|escribió|ha\s+scritto|schreef|escreveu)"
    r"(?P<who>(?:\s+[^\s:<>()]+){0,5}(?:\s*[<(\[][^>)\]]{3,80}[>)\]])?)\s*(?::|-{2,})$",
    re.IGNORECASE | re.DOTALL,
)
"""The line that opens a quoted reply ("On 2 Dec 2024, at 10:12, Support <x@y.z> wrote:")."""
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_STAMP = re.compile(r"\b\d{1,2}[:.h]\d{2}\b|@")
_FIRST_PERSON = re.compile(r"\b(?:i|ich|ik|je|j['’]ai|yo|eu|io|we|wir|nous)\b", re.IGNORECASE)
_DETERMINER = re.compile(
    r"\b(?:my|me|our|us|you|your|the|his|her|their|mir|mich|uns|mein\w*|unser\w*|Ihr\w*|Ihnen|der|die|das"
    r"|moi|mon|ma|mes|notre|nos|votre|vos|le|la|les|mi|mis|su|sus|nuestr\w+|usted|el|los|mijn|mij|ons|onze"
    r"|uw|jullie|het|meu|minha|nosso|nossa|seu|sua|o|mio|mia|nostro|vostro|il|lo)\b"
)
_ORIGINAL_MESSAGE = re.compile(
    r"^-{2,}\s*(?:original\s+message|ursprüngliche\s+nachricht|message\s+d['’]origine|mensaje\s+original"
    r"|messaggio\s+originale|oorspronkelijk\s+bericht|mensagem\s+original)\s*-{2,}$",
    re.IGNORECASE,
)
_FORWARDED = re.compile(
    r"forwarded\s+message|begin\s+forwarded|weitergeleitete\s+nachricht|message\s+transféré"
    r"|mensaje\s+reenviado|doorgestuurd\s+bericht|^\*?(?:subject|betreff|objet|asunto|onderwerp|oggetto)\s?:\*?\s*"
    r"(?:fw|fwd|wg|tr|rv|doorst)\s*:",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\*?(?:from|von|de|van|da)\s?:\*?\s+\S", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\*?(?:sent|date|gesendet|datum|envoyé|enviado(?:\s+el)?|fecha|inviato|verzonden|data)\s?:\*?\s+\S",
    re.IGNORECASE,
)
_HEADER_TO = re.compile(
    r"^\*?(?:to|an|à|a|para|aan|subject|betreff|objet|asunto|onderwerp|oggetto)\s?:", re.I
)
_OUTLOOK_ONLY = re.compile(
    r"^\*?(?:sent|gesendet|envoyé|enviado|inviato|verzonden|subject|betreff|objet|asunto|onderwerp|oggetto)\s?:",
    re.I,
)
_ADDRESS = re.compile(r"@|<[^>]+>|\[mailto:", re.IGNORECASE)
_RULE = re.compile(r"^[_\-=*~]{10,}$")
"""A line drawn across the mail, before a quoted message in Outlook."""

# --- signatures ----------------------------------------------------------------------------------

_SIGNATURE_DELIMITER = frozenset({"--", "—", "–"})
"""A line that holds only this comes before a signature ("-- " in plain text mail)."""
_CLOSING = re.compile(
    r"(?:(?:kind|best|warm|warmest|many|with|sent\s+with|with\s+(?:kind|best|many))\s+)?(?:regards|wishes|thanks)"
    r"|best|cheers|thanks|thank\s+you|sincerely|cordially|yours\s+(?:truly|sincerely|faithfully)"
    r"|all\s+the\s+best|talk\s+soon|take\s+care|mit\s+freundlichen\s+grüßen|viele\s+grüße|cordialement"
    r"|bien\s+à\s+vous|saludos(?:\s+cordiales)?|un\s+saludo|atentamente|met\s+vriendelijke\s+groet(?:en)?"
    r"|cordiali\s+saluti|atenciosamente",
    re.IGNORECASE,
)
_CLOSING_TAIL = re.compile(
    r"(?:\s+(?:again|so\s+much|very\s+much|a\s+lot|in\s+advance|for\s+(?:your|the|all\s+your)\s+"
    r"(?:help|time|patience|support|assistance|quick\s+(?:reply|response|help))"
    r"|and\s+have\s+a\s+(?:good|nice|great|lovely)\s+(?:day|weekend|evening|week)))*",
    re.IGNORECASE,
)
_CLOSING_NAME = re.compile(r"(?:\s*,?\s*[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,2})?\s*[,.!]*")
MAX_SIGNATURE_LINES = 8
MAX_SIGNATURE_CHARS = 80
_CONTACT = re.compile(
    r"@|https?://|www\.|\.(?:com|org|net|io|co)\b|\+?\(?\d[\d ().-]{6,}\d|^(?:[\w-]+\.)+[a-z]{2,}(?:/\S*)?$",
    re.IGNORECASE,
)
"""A way to reach the writer: an address, a link, a phone number."""
_CONTACT_TOKEN = re.compile(r"\S*(?:@|https?://|www\.)\S*|\S+\.(?:com|org|net|io|co|example)\S*")
_LABEL = re.compile(r"^[A-Z][\w./-]*(?:\s[\w./-]+){0,2}\s?:\s")
"""A short label before a value: "T: ...", "Pronouns: he/him", "Working days: Tue, Thu"."""
_PS = re.compile(
    r"(?:p\.?\s?){1,3}s\b|n\.?\s?b\b|(?:new|updated|correct|nouvel(?:le)?|neue?|nuev[oa]|nieuwe?|nuov[oa]|nov[oa])\s+\w+\s?:",
    re.I,
)
_IDENTIFIER = re.compile(
    r"(?:order|orders|ref|reference|invoice|account|acct|booking|ticket|case|tracking|customer|member|policy|claim"
    r"|device|app|browser|os|version|pedido|commande|bestel\w*|kundennummer|ordine|dni|iban|sort\s+code)\b",
    re.I,
)
_PRONOUNS = re.compile(r"\b(?:she|he|they|ze|xe)\s*/\s*(?:her|him|them|they|hers|his|theirs|zir|xem)\b", re.I)
_AVAILABILITY = re.compile(
    r"\b(?:out\s+of\s+(?:the\s+)?office|working\s+(?:days|hours)|office\s+hours|part[-\s]time"
    r"|e-?mails?\s+(?:is|are)\s+(?:checked|read|answered)|(?:do\s+not|don['’]t|only)\s+(?:check|read|answer)"
    r"\s+(?:my\s+)?e-?mails?)\b",
    re.IGNORECASE,
)
"""When the writer is around: "Out of office Fridays", "I do not check emails after 5pm"."""
_CONNECTIVES = frozenset(
    {"of", "and", "for", "the", "at", "&", "de", "du", "la", "le", "und", "van", "von", "y", "ext", "reg"}
)
_REQUEST_TEXT = (
    "not never still again yet but why how what when where can can't cannot could would please help is "
    "isn't are aren't was wasn't were did didn't does doesn't do don't have has haven't hasn't it my me "
    "i i'm we our you your error errors failed failing fails missing broken blocked declined wrong "
    "received refund charged problem issue crash crashes crashed want need"
)
_REQUEST_WORDS = frozenset(_REQUEST_TEXT.split())
_ASKS_FOR_CONTACT = re.compile(
    r"\b(?:call|ring|text|reach|contact|update|change|use|correct|new|send|deliver)\b.{0,60}?"
    r"\b(?:number|phone|mobile|address|e-?mail|details|contact)\b",
    re.IGNORECASE,
)
"""A request about the way to reach the customer: the signature's phone or address is part of it."""
"""Words of a request, not of a signature: a line with one of them is the customer's."""
_WORD = re.compile(r"[^\W\d_][\w'’.&-]*")

# --- phone lines, notices, banners ---------------------------------------------------------------

_DEVICES = r"(?:iphone|ipad|android|samsung|galaxy|smartphone|handy|mobiltelefon|mobile|móvil|movil|celular|mobiel|téléphone|huawei|xiaomi|pixel)"
_DEVICE = re.compile(
    r"(?:sent\s+(?:from|via|with)\s+(?:my\s+)?(?:iphone|ipad|android|samsung|galaxy|blackberry|mobile|phone"
    r"|smartphone|huawei|xiaomi|pixel|outlook|mail\s+for\s+windows|yahoo|aol|proton\s*mail|gmail)"
    r"|get\s+outlook\s+for\s+(?:ios|android)|envoyé\s+(?:de|depuis)\s+mon\s+"
    + _DEVICES
    + r"|von\s+meinem\s+"
    + _DEVICES
    + r"\s+gesendet|enviado\s+desde\s+mi\s+"
    + _DEVICES
    + r"|inviato\s+da(?:l\s+mio)?\s+"
    + _DEVICES
    + r"|(?:verzonden|verstuurd)\s+(?:vanaf|met)\s+mijn\s+"
    + _DEVICES
    + r"|enviado\s+do\s+meu\s+"
    + _DEVICES
    + r")"
    # the rest of the line: the device's name, "for iPhone", a link in angle brackets
    r"(?:<[^>]*+>)?(?:\s++(?!\d{5})(?:(?-i:[A-Z0-9])\S*+|for|on|de|da|do|iphone|ipad|android|phone|smartphone|tablet"
    r"|device|mobile)){0,3}+\W*+",
    re.IGNORECASE,
)
"""A mail app's line, alone on its line: "Sent from my phone but it failed" is the customer's."""
MAX_DEVICE_CHARS = 100
_EXCUSE = re.compile(
    r"(?:sent|written|typed)\s+(?:from|on|via|between|while|in)\b[^.!?]{0,40}?,?\s*(?:so\s+)?(?:please\s+)?"
    r"(?:excuse|forgive|pardon)\s+(?:the\s+|any\s+|my\s+)?(?:typos|brevity|errors|mistakes)[.!]?",
    re.IGNORECASE,
)
"""A note on how the mail was written, alone on its line: "Sent between meetings, please excuse typos"."""
_NOTICE_PHRASE = re.compile(
    r"\bif\s+you\s+(?:have\s+)?received\s+(?:this|it)\b.{0,40}\b(?:in\s+error|by\s+mistake)"
    r"|\b(?:intended|meant)\s+(?:solely|only|exclusively)\s+for\s+the\b|\bnot\s+the\s+intended\s+recipient\b"
    r"|\bnicht\s+der\s+(?:richtige|beabsichtigte)\s+empfänger\b|\bsi\s+vous\s+avez\s+reçu\s+ce\s+(?:message|courriel)"
    r"\s+par\s+erreur|\bsi\s+(?:usted\s+)?ha\s+recibido\s+este\s+(?:mensaje|correo)\s+por\s+error"
    r"|\bniet\s+de\s+(?:beoogde\s+)?geadresseerde\b|\bviews\s+expressed\s+in\s+this\b"
    r"|\bregistered\s+in\s+england\s+and\s+wales\s+(?:under|with|no\b|number)|\bregistered\s+office\s*:"
    r"|\bthis\s+mailbox\s+(?:is|may\s+be)\s+(?:not\s+)?monitored\b",
    re.IGNORECASE,
)
"""Phrases only a legal notice uses."""
_NOTICE_CUES = tuple(
    re.compile(cue, re.IGNORECASE)
    for cue in (
        # what the notice is about: this mail and its attachments
        r"\b(?:this|the)\s+(?:e-?mail|message|communication|transmission)\s+(?:and\s+(?:any|its)\s+attach"
        r"|is\s+intended|may\s+contain|contains\s+confidential|is\s+confidential)|\bthis\s+mailbox\b"
        r"|\b(?:contained|included)\s+in\s+this\s+(?:e-?mail|message)\b"
        r"|\b(?:diese\s+e-?mail|ce\s+(?:courriel|message)|este\s+(?:correo|mensaje)|deze\s+e-?mail)\b",
        # confidentiality
        r"\b(?:confidential|privileged|confidentiality|vertraulich\w*|confidentiel\w*|confidencial\w*"
        r"|vertrouwelijk\w*)\b",
        # its recipient
        r"\bintended\s+recipient|\baddressee\b|\b(?:in\s+error|by\s+mistake|par\s+erreur|por\s+error"
        r"|per\s+errore|irrtümlich|ten\s+onrechte)\b",
        # the company's legal lines
        r"\bcompany\s+(?:registration|number|no\b)|\bform\s+part\s+of\s+any\s+contract\b|\bmonitored\s+for\b"
        r"|\bdata\s+retention\b|\bprivacy\s+notice\b|\bnot\s+monitored\b|\bliability\b",
        # the law on personal data
        r"\bgdpr\b|\bdata\s+protection\s+(?:act|regulation|law)\b|\bdsgvo\b|\brgpd\b",
    )
)
"""Kinds of words of a legal notice: a long line with words of three of them is one."""
MAX_NOTICE_CHARS = 2_000
"""Longer lines are no notice: the longest legal notices run to a few hundred words."""
_NOTICE_WORDS = 12
"""A notice is at least this long: a customer's "please keep this confidential" is not one."""
_BANNER = re.compile(
    r"^\W*(?:\[external\]|(?:external(?:\s+(?:e-?mail|sender|message))?|caution|warning|attention|notice)\s*[:!-])"
    r"\s*.{0,120}?"
    r"\b(?:this|the)\s+(?:e-?mail|message)\s+(?:originated|came|comes|was\s+sent|was\s+received|is\s+from|has\s+been\s+sent)\b.{0,80}?"
    r"\b(?:outside|external\s+(?:address|sender|source|domain|network))",
    re.IGNORECASE,
)
"""An external-sender banner at the top of a mail: a tag, then "this e-mail ... from outside"."""
_SPEAKER = re.compile(
    r"(?-i:\bI\b)|\b(?:my|me|mine|ich|mein\w*|mir|mich|je|j['’]|moi|mes|yo|mis|ik|mijn|mij|eu|meu|minha|io|mio"
    r"|want|need|update|change|refund|broken|cancel)\b",
    re.IGNORECASE,
)
_FOOTER = re.compile(
    r"^(?:please\s+consider\s+the\s+environment\s+before\s+printing|think\s+before\s+(?:you\s+)?print)"
    r"|^you\s+don['’]?t\s+often\s+get\s+e-?mail\s+from\s+(?!me\b|us\b)"
    r"|\b(?:planet|environment|trees?|recycle)\b.{0,80}\bprint(?:ing)?\s+this\s+(?:e-?mail|message)\b"
    r"|\bprint(?:ing)?\s+this\s+(?:e-?mail|message)\b.{0,80}\b(?:planet|environment|trees?|recycle)\b",
    re.IGNORECASE,
)
"""Lines a mail system adds: "Think before you print", Outlook's first-contact tip."""

MAX_TAIL_PASSES = 16
"""Signatures taken off one under another at most (a hostile mail may stack thousands)."""
CACHED_CHARS = 4_000
"""Messages up to this long are remembered: the filter, the models and the store read each."""
CACHED_MESSAGES = 2_048


def customer_part(text: str) -> str:
    """``text`` without a quoted reply, a signature, phone lines, notices and banners. Idempotent,
    but for a message that ends in more than :data:`MAX_TAIL_PASSES` signatures one under another."""
    if not text:
        return text
    return _remembered(text) if len(text) <= CACHED_CHARS else _customer_part(text)


@functools.lru_cache(maxsize=CACHED_MESSAGES)
def _remembered(text: str) -> str:
    return _customer_part(text)


def _customer_part(text: str) -> str:
    lines = text.split("\n")
    kept = _without_banner(_without_history(lines))
    end = len(kept)
    for _ in range(MAX_TAIL_PASSES):  # a signature under a signature, a notice above a closing
        shorter = _tail_end(kept, end)
        if shorter == end:
            break
        end = shorter
    kept = kept[:end]
    if len(kept) == len(lines):
        return text
    return "\n".join(kept).strip()


def _without_history(lines: list[str]) -> list[str]:
    """``lines`` without quoted history: a header and its ">" lines (the customer's lines under them
    stay), else all from a header on; ">" lines without a header are the customer's."""
    kept: list[str] = []
    index = 0
    while index < len(lines):
        start = _opens_history(lines, index)
        if start is None:
            stripped = lines[index].strip()
            if stripped.startswith(">"):
                end = index
                while end < len(lines) and lines[end].strip().startswith(">"):
                    end += 1
                run = lines[index:end]
                unquoted = [line.strip().lstrip("> ").strip() for line in run]
                if not any(_opens_history(unquoted, i) is not None for i in range(len(unquoted))):
                    kept.extend(run)
                index = end
                continue
            kept.append(lines[index])
            index += 1
            continue
        del kept[len(kept) - (index - start) :]  # a header wrapped onto the line before
        after = index + 1
        while after < len(lines) and not lines[after].strip():
            after += 1
        if after < len(lines) and lines[after].strip().startswith(">"):
            while after < len(lines) and (lines[after].strip().startswith(">") or not lines[after].strip()):
                after += 1
            index = after
            continue
        return kept
    return kept


def _opens_history(lines: list[str], index: int) -> int | None:
    """Where quoted history starts if ``lines[index]`` ends its header (a line before, if wrapped)."""
    line = lines[index].strip()
    if _ORIGINAL_MESSAGE.match(line):
        return index
    if line.endswith((":", "-")):
        if _quote_header(line):
            return index
        previous = lines[index - 1].strip() if index else ""
        if previous and not previous.endswith((".", "!", "?")) and _quote_header(f"{previous} {line}"):
            return index - 1
    if _HEADER_FROM.match(line) and _ADDRESS.search(line):
        block = [after.strip() for after in lines[index + 1 : index + 5]]
        before = " ".join(earlier.strip() for earlier in lines[max(0, index - 3) : index])
        introduced = next((e.strip() for e in reversed(lines[:index]) if e.strip()), "").endswith(":")
        if (
            not introduced
            and any(_HEADER_SENT.match(after) for after in block)
            and any(_HEADER_TO.match(after) for after in block)
            and any(_OUTLOOK_ONLY.match(after) for after in block)
            and not _FORWARDED.search(before)
            and not any(_FORWARDED.search(after) for after in block)
        ):
            return index
    return None


def _quote_header(line: str) -> bool:
    match = _QUOTE_HEADER.match(line)
    if match is None:
        return False
    when = match.group("when")
    writer = " ".join(when.split()[-3:] + match.group("who").split())
    return bool(
        _YEAR.search(when)
        and _STAMP.search(line)
        and not _FIRST_PERSON.search(f"{when} {match.group('who')}")
        and (_ADDRESS.search(line) or not _DETERMINER.search(writer))
    )


def _without_banner(lines: list[str]) -> list[str]:
    """``lines`` without a banner, Outlook's tip or a legal notice on their first lines."""
    index = 0
    while index < len(lines) and (
        not lines[index].strip() or _is_banner(lines[index].strip()) or _is_added(lines[index].strip())
    ):
        index += 1
    return lines[index:] if any(line.strip() for line in lines[:index]) else lines


def _is_banner(line: str) -> bool:
    return (
        not _SPEAKER.search(line)
        and len(line) < 400
        and not line.endswith("?")
        and bool(_BANNER.match(line) or _FOOTER.search(line))
    )


def _tail_end(lines: list[str], end: int) -> int:
    """Where the customer's words of ``lines[:end]`` end: before the earliest block at the end made
    only of what a mail adds (phone lines, notices, the signature with its closing)."""
    while end and (not lines[end - 1].strip() or _is_added(lines[end - 1].strip())):
        end -= 1
    first = max(1, end - MAX_SIGNATURE_LINES - 1)
    written = any(line.strip() for line in lines[:first])
    for index in range(first, end):
        block = [rest.strip() for rest in lines[index + 1 : end] if rest.strip()]
        if written and _opens_signature(lines[index].strip(), block, lines[index - 1].strip()):
            if _ASKS_FOR_CONTACT.search(" ".join(lines[max(0, index - 3) : index])):
                break  # "Please call me on this number instead": the number is the request's
            end = index
            break
        written = written or bool(lines[index].strip())
    while end and not lines[end - 1].strip():
        end -= 1
    return end


@functools.lru_cache(maxsize=256)
def _is_added(line: str) -> bool:
    """A phone line, a note on typos, a notice or a footer: a line a mail adds under the message."""
    if line.endswith("?") or len(line) > MAX_NOTICE_CHARS:
        return False
    if _RULE.match(line):
        return True
    if len(line) <= MAX_DEVICE_CHARS and (_DEVICE.fullmatch(line) or _EXCUSE.fullmatch(line)):
        return True
    if _SPEAKER.search(line):
        return False
    if len(line) < 400 and (_FOOTER.search(line) or _BANNER.match(line)):
        return True
    if len(line.split()) < _NOTICE_WORDS:
        return False
    return bool(_NOTICE_PHRASE.search(line)) or sum(1 for cue in _NOTICE_CUES if cue.search(line)) >= 3


def _opens_signature(line: str, block: list[str], previous: str) -> bool:
    """Whether a signature starts at ``line`` (after the customer's words, ``previous`` right before
    it), with ``block`` the non-empty lines after it."""
    rest = [later for later in block if not _is_added(later)]
    if not line or not rest or len(rest) > MAX_SIGNATURE_LINES:
        return False  # a closing with nothing under it stays: it is the customer's own
    if line in _SIGNATURE_DELIMITER:
        # "--", then a name; nothing under it asks for anything.
        return _bare_name(rest[0]) and not any(_PS.match(later) or asks(later) for later in rest)
    if not all(_signature_line(later) for later in rest):
        return False
    if _closing(line):
        # The writer's name on the closing line or right under it: "Thanks, Maria" or "Thanks" /
        # "Maria"; "Thanks" / "Order #4521" is a request's detail.
        return _closing_names(line) or (
            _bare_name(rest[0])
            and (_starts_with_given_name(rest[0]) or any(_CONTACT.search(later) for later in rest[1:]))
        )
    # No closing: after a blank line or a full sentence, a line that opens with a common given
    # name, then a way to reach the writer ("Please deliver to:" / "Anna Smith" is a request).
    return (
        (not previous or previous.endswith((".", "!", "?")))
        and _name_line(line)
        and _starts_with_given_name(line)
        and any(_CONTACT.search(later) for later in rest)
    )


def _closing(line: str) -> bool:
    """A sign-off of its own: "Kind regards,", "Thanks in advance,", "Many thanks and have a good
    day,", perhaps with the writer's name ("Thanks, Maria")."""
    return _after_closing(line) is not None


def _closing_names(line: str) -> bool:
    """Whether a closing line holds the writer's name ("Thanks, Maria")."""
    rest = _after_closing(line)
    return bool(rest and re.search(r"[A-Z]", rest))


def _after_closing(line: str) -> str | None:
    """What follows a closing's words on its line (a name, punctuation); None for no closing."""
    match = _CLOSING.match(line)
    if match is None:
        return None
    tail = _CLOSING_TAIL.match(line, match.end())
    end = tail.end() if tail else match.end()
    return line[end:] if _CLOSING_NAME.fullmatch(line, end) else None


def _bare_name(line: str) -> bool:
    """A name line without a digit, a colon or an address: "Maria Lopez", not "Order 4521"."""
    return _name_line(line) and not re.search(r"[\d:@]", line)


def asks(line: str) -> bool:
    """Whether ``line`` holds a word of a request ("not", "still", "refund"...)."""
    words = _WORD.findall(_CONTACT_TOKEN.sub(" ", line))
    return bool({word.lower().strip(",.!:;()") for word in words} & _REQUEST_WORDS)


def _name_line(line: str) -> bool:
    words = line.split()
    return (
        0 < len(words) <= 4
        and all(word[:1].isupper() and not word.isupper() for word in words if word[:1].isalpha())
        and not {word.lower().strip(",.") for word in words} & _REQUEST_WORDS
        and not line.endswith(("?", "!", ":"))
    )


def _starts_with_given_name(line: str) -> bool:
    return is_given_name(line.split(maxsplit=1)[0].strip(",."))


def _signature_line(line: str) -> bool:
    """A name, a role, a company, an address, a phone number, a link, pronouns or office days."""
    if len(line) > MAX_SIGNATURE_CHARS or line.endswith("?") or _PS.match(line) or _IDENTIFIER.match(line):
        return False
    if asks(line):
        return False
    if _CONTACT.search(line) or _LABEL.match(line) or "|" in line or "•" in line:
        rest = _CONTACT_TOKEN.sub(" ", line)
        return sum(1 for word in _WORD.findall(rest) if word.islower() and word not in _CONNECTIVES) <= 2
    if _PRONOUNS.search(line) or _AVAILABILITY.search(line):
        return True
    words = _WORD.findall(line)
    return (
        bool(words)
        and not all(word.isupper() for word in words if len(word) > 1)
        and all(word[0].isupper() or word.lower() in _CONNECTIVES for word in words)
    )

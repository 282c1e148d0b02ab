"""The customer's request, without what every conversation says around it.

Discovery clusters, names and quotes what a customer asks for. Greetings, sign-offs, names,
e-mail addresses, digits and spelled-out numbers ("seven, zero, four"), courtesy lines ("any
update?", "thanks!") and agent or bot boilerplate are the same in every conversation, so left in
they pull unrelated requests together and end up in key phrases and titles. :func:`customer_request`
removes them; a text with nothing left gives an empty string.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from convosift.ml.framing import INNER_CAPITAL_NAME, is_framing, issue_text
from convosift.names import is_given_name

NUMBER_WORDS = frozenset(
    [
        "zero",
        "oh",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "million",
        "double",
        "triple",
    ]
)
"""Spelled-out digits and numbers, as customers read out account and card numbers."""

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_DIGITS = re.compile(r"[#+]?\d[\d,.:/\-]*")
_NUMBER_ALTERNATIVES = "|".join(sorted(NUMBER_WORDS))
_NUMBER_WORD = re.compile(rf"\b(?:{_NUMBER_ALTERNATIVES})\b", re.IGNORECASE)
_NUMBER_RUN = re.compile(
    rf"\b(?:{_NUMBER_ALTERNATIVES})(?:[\s,-]+(?:(?:and|o)\s+)?(?:{_NUMBER_ALTERNATIVES}))+\b", re.IGNORECASE
)
"""Number words read out one after the other ("seven o four", "four, four, one and two")."""
WORDS_SHOWN = frozenset({"one", "oh", "double", "triple"})
"""Number words a quote shows when they stand alone: more often a word than a value ("one of those
cards", "oh, and", "double check")."""
_LONE_NUMBER = re.compile(r"\b(?:" + "|".join(sorted(NUMBER_WORDS - WORDS_SHOWN)) + r")\b", re.IGNORECASE)
_NAME_WORD = rf"(?:{INNER_CAPITAL_NAME}|[A-Z][a-z'’-]+)"
"""A capitalised word of a name, also with a capital inside it ("O'Neill", "McDonald", "DeAngelo")."""
_NAME = _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")?"
_INTRODUCTION = re.compile(
    r"\b(?i:my name is|my name's|this is|i am|i'm|it's|it is|speaking with|talking to)\s+" + _NAME,
)
_NAME_IS = re.compile(
    r"\b(?:my|the|his|her)\s+(?:first\s+|last\s+|full\s+)?name\s+is\s+\S+(?:\s+[A-Z][a-z'’-]+)?", re.I
)
_I_AM = r"(?:i\s+am|i['’]?m|this\s+is|it['’]?s|it\s+is)\s+(?P<word>[A-Za-z][A-Za-z'’-]*)"
# "hi im priya", "this is omar here": an introduction written in lower case, known by its name.
_GIVEN_NAME_INTRODUCTION = re.compile(r"\b" + _I_AM, re.I)
# What is left of a greeting sentence that may introduce the writer ("Hello, this is zara."):
# whether its word is a name, :func:`_introduces` decides.
_BARE_INTRODUCTION = re.compile(r"\s*" + _I_AM + r"(?P<here>\s+here)?\s*[.!,;:-]*\s*", re.I)
_GREETING = re.compile(
    r"^\s*(?:(?:hi|hello|hey|hiya|howdy|greetings|good\s+(?:morning|afternoon|evening|day)|dear\s+\w+(?:\s*(?:/|\bor\b)\s*\w+)?)"
    r"(?:\s+(?:there|all|team|support|everyone|guys|folks))?(?:\s+"
    + _NAME
    + r"(?=\s*[,!.:;-]))?\s*[,!.:;-]*\s*)+",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"(?:^|[\s,.!])(?:many\s+thanks|thanks\s+(?:a\s+lot|so\s+much|in\s+advance)|thank\s+you(?:\s+(?:so\s+much|very\s+much|in\s+advance))?"
    r"|thanks|thx|cheers|regards|best\s+regards|kind\s+regards|best\s+wishes|sincerely|cordially)"
    r"(?:\s*,?\s*" + _NAME + r")?\s*[!.,]*\s*$",
    re.IGNORECASE,
)
_COURTESY = re.compile(
    r"^(?:any\s+(?:update|news)s?|are\s+you\s+there|hello\?*|is\s+anyone\s+there|still\s+waiting"
    r"|ok(?:ay)?|yes|yeah|yep|no|nope|sure|great|perfect|sounds\s+good|got\s+it|understood"
    r"|please\s+help(?:\s+me)?|help|can\s+you\s+help(?:\s+me)?|i\s+need\s+help|thanks?(?:\s+you)?"
    r"|bye|goodbye|have\s+a\s+(?:nice|good|great)\s+day|that'?s\s+all|nothing\s+else)$",
    re.IGNORECASE,
)
# What is left of "my account number is 7 0 4" or "my e-mail is a@b.com" once the value is gone.
_DANGLING = re.compile(
    r"\b(?:and\s+)?(?:my|the|our|his|her)\s+(?:[\w-]+\s+){0,2}(?:is|was|are)[\s.:,!;]*$", re.I
)
# A sentence that gave an identifier or contact detail ("the reference is 58848, in case you need
# it", "reach me at a@b.com or +44 20 ...") says who the customer is, not what they ask.
_IDENTIFICATION = re.compile(
    r"\b(?:account|customer|reference|ref|order|member|membership|policy|ticket|case|phone|mobile|cell|"
    r"e-?mail|address|id)\b.*\b(?:is|are|at|:)|\b(?:reach|contact|call|text|email|e-mail)\s+me\b",
    re.I,
)
# "My account ref AC-408209", "policy number POL-9404437", "order #5521" inside a sentence: the
# code says which one, not what is asked, and its letters would outlive the digits. The noun stays.
_REFERENCE_PHRASE = re.compile(
    r"\b(?P<noun>account|customer|client|member(?:ship)?|policy|order|booking|"
    r"reservation|reference|ref|ticket|case|claim|invoice|contract)(?:\s+(?:ref|reference|number|no\.?|nr|id))*"
    r"(?:\s+is)?\s*[:#]?\s*[A-Za-z]{0,4}-?\d[\w-]*",
    re.IGNORECASE,
)
_TRAILING_FILLER = re.compile(r"(?:\b(?:my|the|our|your|and|or|you|can|please|also|so)\b[\s,]*)+$", re.I)
_MIN_REQUEST_WORDS = 3
# A line holding only one or two capitalised words, after "Thanks!" most often: a signature.
_SIGNATURE = re.compile(r"[-–—~\s]*" + _NAME + r"[\s.!,]*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_SPACES = re.compile(r"\s+")
_PUNCT_RUNS = re.compile(r"\s*([,;:])(?:\s*[,;:])+")
_LETTER = re.compile(r"[A-Za-z]{2,}")


def customer_request(text: str, *, lines: bool = False) -> str:
    """The request in ``text``: its sentences without greetings, names, numbers and courtesy.

    With ``lines``, each sentence kept stands on a line of its own, so the word that opens it reads
    as a sentence's first word even when the customer wrote no full stop before it, or the cleaning
    took it away (what :func:`convosift.themes.naming.proper_words` needs to tell a name from a
    capitalised first word). Otherwise the sentences are joined by spaces."""
    kept = [sentence for _, sentence in _cleaned_sentences(text)]
    return ("\n" if lines else " ").join(kept)


def _cleaned_sentences(text: str) -> Iterator[tuple[str, str]]:
    """``(sentence, cleaned)`` for each sentence of ``text`` that is no framing and keeps words
    once cleaned (:func:`_clean_sentence`)."""
    for raw in _SENTENCE.split(issue_text(text)):
        if is_framing(raw or ""):
            continue  # "Ok, thank you for the quick reply.", "Hi, this is Maria (account AC-2041)."
        sentence = _clean_sentence(raw or "")
        if sentence:
            yield raw or "", sentence


NUMBER_SHOWN = "[number]"
"""What a quote shows where the customer wrote a number (an amount, a date, a card's digits)."""
_SHOWN_RUNS = re.compile(re.escape(NUMBER_SHOWN) + r"(?:[\s,./:-]*" + re.escape(NUMBER_SHOWN) + r")+")


def unshown(quote: str) -> str:
    """``quote`` without its :data:`NUMBER_SHOWN` placeholders: the text a model learns from (an
    accepted proposal's examples, the domain gate's background), where "[number]" would be a word
    no customer writes."""
    return _SPACES.sub(" ", quote.replace(NUMBER_SHOWN, " ")).strip()


def shown_lines(text: str) -> list[tuple[str, str]]:
    """``(line, shown)`` for each line of :func:`customer_request` (``lines=True``): ``shown`` is the
    same sentence with each number the cleaning took out written :data:`NUMBER_SHOWN` ("I was
    charged $[number] for a transaction", where the line reads "I was charged $ for a
    transaction"). Quotes are shown this way: what the customer wrote, without the value."""
    return [
        (sentence, _SHOWN_RUNS.sub(NUMBER_SHOWN, _clean_sentence(raw, NUMBER_SHOWN)))
        for raw, sentence in _cleaned_sentences(text)
    ]


_DIGIT_WORDS = frozenset(
    {"zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
)


def _run_shown(run: re.Match[str], number: str) -> str:
    """``number`` for a run of number words that is a value; a pair of words that stand alone as
    words stays: "Oh, one more thing", "One, oh wait", "one double charge". Two digits said one
    after the other ("one one", "oh one") or doubled ("double one") are a value, as is any longer run."""
    words = [word.lower() for word in _NUMBER_WORD.findall(run.group(0))]
    if len(words) == 2:
        if "," in run.group(0) and set(words) <= {"oh", "one"}:
            return run.group(0)
        doubled = words[0] in ("double", "triple") and words[1] in _DIGIT_WORDS
        if not doubled and not set(words) <= _DIGIT_WORDS:
            return run.group(0)
    return number


def _clean_sentence(sentence: str, number: str = " ") -> str:
    """``sentence`` without greetings, names, contact details and the like; each number replaced by
    ``number`` (a space: taken out)."""
    original = sentence
    if _SIGNATURE.fullmatch(sentence):
        return ""
    sentence = _URL.sub(" ", sentence)
    sentence = _EMAIL.sub(" ", sentence)
    sentence = _NAME_IS.sub(" ", sentence)
    sentence = _INTRODUCTION.sub(" ", sentence)
    sentence = _GIVEN_NAME_INTRODUCTION.sub(_unnamed, sentence)
    sentence = _REFERENCE_PHRASE.sub(r"\g<noun>", sentence)
    greeting = _GREETING.match(sentence)
    sentence = _GREETING.sub("", sentence)
    introduction = _BARE_INTRODUCTION.fullmatch(sentence) if greeting and greeting.group(0).strip() else None
    if introduction and _introduces(introduction):
        return ""  # "Hello, this is zara.": the sentence says who writes, not what they ask
    sentence = _SIGN_OFF.sub("", sentence)
    sentence = _DIGITS.sub(number, sentence)
    if number == " ":
        sentence = _NUMBER_WORD.sub(number, sentence)
    else:
        # Shown, "one", "oh" and "double" on their own stay words; any other number word, or a run
        # of them, is a value ("twenty pounds", "seven o four").
        sentence = _LONE_NUMBER.sub(number, _NUMBER_RUN.sub(lambda run: _run_shown(run, number), sentence))
    identification = _IDENTIFICATION.search(original)
    # Decided on the customer's words, the same way whether numbers are taken out or shown.
    if identification and _valued(original):
        # "I don't have a PIN, my e-mail is ..." keeps what comes before the detail.
        before = _TRAILING_FILLER.sub("", original[: identification.start()]).strip(" ,;:-")
        return _clean_sentence(before, number) if len(before.split()) >= _MIN_REQUEST_WORDS else ""
    sentence = _PUNCT_RUNS.sub(r"\1", _SPACES.sub(" ", sentence))
    sentence = _DANGLING.sub("", sentence.strip(" ,;:-"))
    sentence = _SPACES.sub(" ", sentence).strip(" ,;:-")
    bare = sentence.strip(" .!?,;:").lower()
    if not _LETTER.search(bare) or _COURTESY.match(bare):
        return ""
    return sentence


def scrubbed(text: str) -> str:
    """``text`` without e-mail addresses, URLs, digits and number words: the fallback when
    :func:`customer_request` leaves nothing, so that no personal value drives a cluster."""
    for pattern in (_URL, _EMAIL, _DIGITS, _NUMBER_WORD):
        text = pattern.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def _introduces(introduction: re.Match[str]) -> bool:
    """Whether the word of "this is WORD" is a name rather than the problem ("it's broken", "I'm
    stuck"): a given name of the list, a capitalised word, a word before "here", or a word that no
    shipped customer message uses in lower case."""
    word = introduction.group("word")
    lower = word.lower()
    return bool(
        is_given_name(lower) or word[0].isupper() or introduction.group("here") or lower not in _seed_words()
    )


@functools.cache
def _seed_words() -> frozenset[str]:
    """Lower-case words of the shipped customer messages (the seed texts and the domain gate's own
    messages, :func:`~convosift.themes.domain.background_texts`): words customers write."""
    from convosift.themes.domain import background_texts

    return frozenset(word for text in background_texts() for word in re.findall(r"[a-z]+", text))


def _unnamed(introduction: re.Match[str]) -> str:
    """An introduction gone when the word after it is a given name ("im priya"), kept otherwise
    ("im stuck")."""
    return " " if is_given_name(introduction.group("word")) else introduction.group(0)


def _valued(sentence: str) -> bool:
    """Whether ``sentence`` holds an e-mail address, a number or a spelled-out number."""
    return bool(_EMAIL.search(sentence) or _DIGITS.search(sentence) or _NUMBER_WORD.search(sentence))

"""Offline titles for discovered clusters: a verb and its object, from the cluster's own words.

Key phrases (class-based TF-IDF of each cluster's words) are in :mod:`convosift.themes.keyphrases`.

A product manager names a problem by what the customer wants done ("Replace lost card", "Reset
passcode", "Cancel transfer"). Without an LLM, the title is the verb phrase most of the cluster's
requests share: a support verb from :data:`VERBS` followed by its object (determiners such as
"my" or "the" skipped, at most two object words), preferring objects among the cluster's key
phrases. A cluster without such a phrase is titled by its best key phrase, or, when that is one
word, by the two adjacent words around it that most requests use ("Direct debit"), else by a verb
and its particle that a fifth of them use ("Top up", "Log in"). No title holds a
digit, a number word or a common given name (:func:`convosift.names.given_names`, however it is written). A word
written capitalised inside sentences is a person's name, most often, and stays out too, unless
the cluster's key phrases hold it: they hold such a word only when it is the cluster's own
(:func:`convosift.themes.keyphrases.own_words`: "Visa", "Apple", "QuickBooks"), and the title
spells it as the requests do.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Sequence

from convosift.names import is_given_name
from convosift.themes.request import NUMBER_WORDS

# Inflected form -> the form a title uses. Past participles that name a state ("lost", "stolen",
# "declined") stay as they are: "Lost card" reads better than "Lose card".
VERBS: dict[str, str] = {
    **{
        verb: verb
        for verb in [
            "activate",
            "add",
            "apply",
            "block",
            "book",
            "buy",
            "cancel",
            "change",
            "check",
            "claim",
            "close",
            "connect",
            "contact",
            "create",
            "delete",
            "deposit",
            "dispute",
            "download",
            "edit",
            "exchange",
            "export",
            "find",
            "fix",
            "freeze",
            "get",
            "import",
            "increase",
            "install",
            "link",
            "log",
            "login",
            "open",
            "order",
            "pay",
            "print",
            "receive",
            "recover",
            "refund",
            "remove",
            "renew",
            "replace",
            "report",
            "request",
            "reset",
            "return",
            "send",
            "set",
            "share",
            "sign",
            "sync",
            "top",
            "track",
            "transfer",
            "unblock",
            "unlock",
            "update",
            "upgrade",
            "upload",
            "use",
            "verify",
            "withdraw",
            "view",
        ]
    },
    **{
        f"{verb}s": verb
        for verb in [
            "add",
            "cancel",
            "change",
            "close",
            "dispute",
            "edit",
            "order",
            "refund",
            "remove",
            "renew",
            "reset",
            "send",
        ]
    },
    "changed": "change",
    "changing": "change",
    "cancelled": "cancel",
    "canceled": "cancel",
    "cancelling": "cancel",
    "activating": "activate",
    "ordering": "order",
    "receiving": "receive",
    "received": "receive",
    "sending": "send",
    "sent": "send",
    "transferring": "transfer",
    "transferred": "transfer",
    "updating": "update",
    "withdrawing": "withdraw",
    "verifying": "verify",
    "topping": "top",
    "topped": "top",
    "getting": "get",
    "linking": "link",
    "lost": "lost",
    "stolen": "stolen",
    "declined": "declined",
    "charged": "charged",
    "blocked": "blocked",
    "frozen": "frozen",
    "locked": "locked",
    "forgot": "forgot",
}
_STATES = frozenset({"lost", "stolen", "declined", "charged", "blocked", "frozen", "locked"})
"""Verb forms that also describe an object ("replace a lost card")."""
_PARTICLES = {"top": "up", "sign": "up", "log": "in", "set": "up"}
_PARTICLE_WORDS = frozenset(_PARTICLES.values())
_DETERMINERS = frozenset(
    [
        "my",
        "a",
        "an",
        "the",
        "your",
        "our",
        "this",
        "that",
        "these",
        "those",
        "some",
        "his",
        "her",
        "their",
        "its",
        "new",
        "another",
    ]
)
_WHEN_WORDS = frozenset(
    [
        "recently",
        "earlier",
        "lately",
        "today",
        "yesterday",
        "tomorrow",
        "ago",
        "immediately",
        "soon",
        "quickly",
    ]
)
"""Words that say when, not what: they end an object ("top up recently" is "Top up")."""
_HOW_WORDS = frozenset(["using", "via", "including", "regarding", "concerning", "following"])
"""Words that say how or about what, as a preposition does: they end an object too ("top up using
my card" is "Top up", not "Top up using")."""
_CONTAINERS = frozenset(["copy", "copies", "list", "piece", "bit", "lot"])
"""Nouns that hold the object rather than name it: "a copy of my policy" is about the policy."""
_WEAK_OBJECTS = frozenset(
    [
        "it",
        "me",
        "you",
        "them",
        "him",
        "her",
        "us",
        "something",
        "anything",
        "everything",
        "money",
        "thing",
        "things",
        "way",
        "help",
    ]
)
_WORD = re.compile(r"[A-Za-z](?:[A-Za-z]|['’-](?=[A-Za-z]))*")
"""A word, with the apostrophes and hyphens inside it ("didn't", "top-up") but none around it: a
quoted 'top up' is "top", "up"."""
_ACRONYM = re.compile(r"[A-Z][A-Z-]*(?:['’]?s)?")
"""All capitals, perhaps with a plural or possessive "s" ("ATM", "ATMs", "ATM’s"): not a name."""
_MAX_OBJECT_WORDS = 2


def title(texts: Sequence[str], key_phrases: Sequence[str] = ()) -> str:
    """A short title for a cluster of cleaned requests; "" when the texts give nothing to say.

    A capitalised word among ``key_phrases`` is one of the cluster's own words (see
    :func:`key_phrases`); any other is taken for a name."""
    key_words = {word for phrase in key_phrases for word in phrase.split()}
    capitalised = proper_words(texts)
    names = capitalised - key_words
    spelling = _spellings(texts, capitalised & key_words)
    phrases: Counter[tuple[str, ...]] = Counter()
    for text in texts:
        phrases.update(set(_verb_phrases(text, names)))
    objects = {phrase: count for phrase, count in phrases.items() if phrase[-1] not in _PARTICLE_WORDS}
    if objects:
        best = max(
            objects.items(),
            key=lambda item: (item[1] * (2 if key_words & set(item[0][1:]) else 1), len(item[0]), item[0]),
        )[0]
        if objects[best] >= max(2, len(texts) // 10):
            return _with_first_key_word(_sentence_case(best, spelling), texts, key_phrases, names, spelling)
    # A verb with its particle ("Log in", "Top up") says more than a word out of context ("Gone",
    # "Hour"), when a good share of the requests use it.
    bare = max(((count, phrase) for phrase, count in phrases.items() if phrase not in objects), default=None)
    for phrase in key_phrases:
        words = phrase.split()
        if words and not any(_unfit(word, names) for word in words):
            if len(words) == 1:  # "Debit" says less than "Direct debit"
                pair = _common_pair(texts, key_phrases, names)
                if pair is None and bare is not None and bare[0] >= max(2, PAIR_SHARE * len(texts)):
                    pair = bare[1]
                return _sentence_case(pair or tuple(words), spelling)
            return _sentence_case(tuple(words), spelling)
    return ""


def _with_first_key_word(
    title: str, texts: Sequence[str], key_phrases: Sequence[str], names: set[str], spelling: dict[str, str]
) -> str:
    """``title``, with the cluster's best key word after it when that is a single word the title
    lacks: what many requests do ("Top up", "Use card") misses what is wrong with it ("failed",
    "declined") when that is what sets the cluster apart. A best key phrase of two words is left
    out: its missing word was as often a noun the title implies ("Check balance (account)")."""
    first = key_phrases[0].split() if key_phrases else []
    weak = _stop_words() | _FILLER_WORDS | _WHEN_WORDS | _HOW_WORDS
    if len(first) != 1 or _unfit(first[0], names) or first[0].lower() in weak:
        return title
    if any(_same_word(first[0], word) for word in _WORD.findall(title)):
        return title
    if _says_little(first[0].lower(), texts):
        return title
    return f"{title} ({spelling.get(first[0], first[0])})"


_NEGATIONS = frozenset(
    ["not", "never", "no", "cannot", "can't", "won't", "don't", "doesn't", "didn't", "isn't"]
)


def _says_little(word: str, texts: Sequence[str]) -> bool:
    """Whether ``word`` says too little of ``texts`` to follow their title: fewer than :data:`PAIR_SHARE`
    use it ("(holiday)" for 4 of 13 ATM fees), or most uses are negated ("didn't work")."""
    uses = negated = holders = 0
    for text in texts:
        words = [w.lower().replace("’", "'") for w in _WORD.findall(text)]
        found = [index for index, other in enumerate(words) if _same_word(word, other)]
        holders += bool(found)
        uses += len(found)
        negated += sum(bool(_NEGATIONS & set(words[max(0, i - 2) : i])) for i in found)
    return holders < PAIR_SHARE * len(texts) or negated * 2 >= uses


def _same_word(one: str, other: str) -> bool:
    """Whether two words are forms of one ("applied" and "apply", "withdrawal" and "withdraw",
    "cards" and "card"): the same, or sharing all but the last letter of the shorter one, and at
    least three letters."""
    one, other = one.lower(), other.lower()
    if one == other:
        return True
    shorter = min(len(one), len(other))
    shared = next((i for i, (a, b) in enumerate(zip(one, other, strict=False)) if a != b), shorter)
    return shared >= max(3, shorter - 1)


def _spellings(texts: Sequence[str], words: set[str]) -> dict[str, str]:
    """How the requests most often write each of ``words`` capitalised ("visa" -> "Visa"), and any
    word they mostly write in capitals ("atm" -> "ATM", "eu" -> "EU")."""
    found = [word for text in texts for word in _WORD.findall(text)]
    written = Counter(word.lower() for word in found)
    forms = Counter(
        w for w in found if w[0].isupper() and (w.lower() in words or (len(w) > 1 and w.isupper()))
    )
    spelling: dict[str, str] = {}
    for form, count in forms.most_common():
        if form.lower() in words or count * 2 > written[form.lower()]:
            spelling.setdefault(form.lower(), form)
    return spelling


PAIR_SHARE = 0.2
"""Share of a cluster's requests that must use a two-word phrase for it to become the title."""


def _common_pair(texts: Sequence[str], key_phrases: Sequence[str], names: set[str]) -> tuple[str, ...] | None:
    """The two adjacent words, one of them among the two best key phrases, that most requests use;
    else the hyphenated word that holds one ("top-ups": key phrases read its parts apart)."""
    keys = {word for phrase in key_phrases[:2] for word in phrase.split()}
    stop = _stop_words() | _FILLER_WORDS
    counts: Counter[tuple[str, ...]] = Counter()
    compounds: Counter[tuple[str, ...]] = Counter()
    for text in texts:
        words = [word.lower() for word in _WORD.findall(text)]
        counts.update(
            {
                (first, second)
                for first, second in itertools.pairwise(words)
                if first != second
                and keys & {*first.split("-"), *second.split("-")}
                and not {first, second} & stop
                and not (_unfit(first, names) or _unfit(second, names))
            }
        )
        compounds.update({(word,) for word in words if "-" in word and keys & set(word.split("-"))})
    for found in (counts, compounds):
        if found:
            best, count = max(found.items(), key=lambda item: (item[1], item[0]))
            if count >= max(2, PAIR_SHARE * len(texts)):
                return best
    return None


def proper_words(texts: Sequence[str]) -> set[str]:
    """Words written capitalised inside sentences more often than not: names, mostly."""
    capitalised: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for text in texts:
        for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
            for position, word in enumerate(_WORD.findall(sentence)):
                if word[0].isupper() and position > 0 and not _ACRONYM.fullmatch(word):
                    capitalised[word.lower()] += 1
                elif word[0].islower():
                    lower[word.lower()] += 1
    return {word for word, count in capitalised.items() if count > lower[word]}


def _verb_phrases(text: str, names: set[str]) -> list[tuple[str, ...]]:
    words = [w.lower().replace("’", "'") for w in _WORD.findall(text)]
    found = []
    for index, word in enumerate(words):
        verb = VERBS.get(word)
        if verb is None:
            continue
        rest = words[index + 1 :]
        head: list[str] = [verb]
        particle = _PARTICLES.get(verb)
        if particle and rest[:1] == [particle]:
            head.append(particle)
            rest = rest[1:]
        rest = _without_determiners(rest)
        if rest[:1] and rest[0] in _CONTAINERS and rest[1:2] == ["of"]:
            rest = _without_determiners(rest[2:])  # "a copy of my policy": the policy
        obj = _object(rest, names)
        if obj and obj[0] not in _WEAK_OBJECTS:
            found.append((*head, *obj))
        elif len(head) == 2:
            found.append(tuple(head))  # a verb with its particle says it all: "Log in", "Top up"
    return found


def _without_determiners(words: list[str]) -> list[str]:
    while words and words[0] in _DETERMINERS:
        words = words[1:]
    return words


def _object(words: list[str], names: set[str]) -> list[str]:
    """The object's words at the start of ``words``: at most :data:`_MAX_OBJECT_WORDS`, up to the
    first stop word, verb, word that says when, number or name."""
    obj: list[str] = []
    for candidate in words[:_MAX_OBJECT_WORDS]:
        if candidate in _stop_words() or candidate in _WHEN_WORDS | _HOW_WORDS or _unfit(candidate, names):
            break
        if candidate in VERBS and candidate not in _STATES:
            break
        obj.append(candidate)
    return obj


SUPPORT_WORDS = frozenset(
    {"amount", "bill", "call", "detail", "empty", "fill", "fire", "front", "interest", "move", "name"}
    | {"part", "side", "system"}
)
"""Words of scikit-learn's English stop list that name what customers write about: "pay my latest
bill", "interest rate", "change my name", "the amount", "a part of my order", "call me". They stay
in titles and key phrases. ("top", as in "top up", stays a stop word: titles say "Top up" from its
particle, and alone it made titles such as "Top gone".)"""


@functools.cache
def _stop_words() -> frozenset[str]:
    """English stop words (scikit-learn's list) without :data:`SUPPORT_WORDS`."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS - SUPPORT_WORDS)


def _unfit(word: str, names: set[str]) -> bool:
    lower = word.lower().replace("’", "'")
    parts = lower.split("-")  # "twenty-one", "anna-lena": a hyphenated word is unfit when a part is
    return (
        any(part in NUMBER_WORDS or is_given_name(part) for part in parts)
        or lower in names
        or lower.split("'")[0] in _AUXILIARIES  # "didn't" as well as the "didn" left of it
        or any(c.isdigit() for c in word)
    )


def _sentence_case(words: tuple[str, ...], spelling: dict[str, str] | None = None) -> str:
    """``words`` as a title: the first letter capitalised, a cluster's own capitalised words
    ("Apple", "ATMs") spelt as its requests write them."""
    text = " ".join((spelling or {}).get(word, word) for word in words)
    return text[:1].upper() + text[1:]


# What is left of an auxiliary once the tokenizer drops its "'t" ("didn't" -> "didn"): it ends an
# object ("transfer didn't" is not "Transfer did").
_AUXILIARIES = frozenset(
    {
        "aren",
        "couldn",
        "did",
        "didn",
        "does",
        "doesn",
        "don",
        "hasn",
        "haven",
        "isn",
        "wasn",
        "weren",
        "won",
        "wouldn",
    }
)

# Words every support message uses; they name no problem.
_FILLER_WORDS = frozenset(
    {
        "able",
        "any",
        "anyone",
        "app",
        "get",
        "got",
        "hello",
        "help",
        "hi",
        "hey",
        "just",
        "know",
        "like",
        "need",
        "please",
        "tell",
        "thank",
        "thanks",
        "use",
        "used",
        "ve",
        "want",
        "way",
        "work",
        "im",
        "going",
        "today",
        "yesterday",
    }
    | _AUXILIARIES
)


def phrase_stop_words() -> list[str]:
    """Words no key phrase holds: English stop words, words every support message uses, numbers."""
    return sorted(_stop_words() | _FILLER_WORDS | NUMBER_WORDS)

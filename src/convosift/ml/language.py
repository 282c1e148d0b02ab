"""Whether a text is written in English, the language the embedded models learnt from.

The local models read English: their seed texts, cues, framing words and sentence vectors are
English. A request in another language still gets a best category, often with a confidence that
reads as sure ("Vorrei aggiungere un nuovo utente al mio account" came back a general inquiry at
0.78), and that is a guess. :func:`other_language` tells such a text by its small words: the
articles, pronouns, prepositions and conjunctions every sentence of a language is made of, which
a request in English hardly ever contains and a request in German, Spanish or Polish can hardly
do without. A text is in another language when at least :data:`MIN_FOREIGN_WORDS` of its words
are small words of other languages, they outnumber its English ones, and no line of it reads as
English; names, places and loanwords inside an English request ("our café in São Paulo", "Danke
for the quick reply"), and a disclaimer in French under an English request, leave it English. Words both languages write alike ("in", "a", "die", "was", "also") count for
neither.

The lists cover the languages of Western and Central Europe written in the Latin alphabet. A
text in another script has no English words at all: it counts as another language when most of
its letters are not Latin.
"""

from __future__ import annotations

import functools
import re
import unicodedata

LANGUAGE_RULE = "lang1"
"""Names the rule in the model names of what it changes, so stored results show which rule made them."""

MIN_FOREIGN_WORDS = 2
"""Small words of other languages a text needs before it can be read as written in one."""
MIN_ENGLISH_WORDS = 2
"""English small words that make a line of a text English, whatever the rest of it is."""


def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


ENGLISH_WORDS = _listed(
    """
    the and you your yours it its for with this that these those what why how when where which
    who whom can could would should shall have has had not don't doesn't didn't can't won't isn't
    aren't wasn't i'm i've i'd i'll it's that's there's are were been be being but from or if
    there they them their we our us he she his her hers my me is was to on do does did am of at
    by about after before still yet again already just any some please thanks thank hello hi
    hey get got need want into out up over than then because while since until
    """
)
"""Small words of English (and its courtesy words): each one in a text is a vote for English."""

_OTHER_WORDS = {
    "German": """
        der die das den dem des und ich nicht mein meine meinen meiner ist bitte mit ein eine
        einen einem für auf wurde wurden habe hast kann können wie warum sie wir zu noch schon
        aber oder danke hallo guten möchte keine kein mir mich auch seit sich wann wenn
    """,
    "Spanish": """
        el la los las que y de del mi mis por para con una uno un es está estoy tengo puedo
        cómo qué porque pero hola gracias quiero se su lo muy también cuando dónde hay sin
    """,
    "French": """
        le la les et je mon ma mes est pas une un des du de au aux pour avec dans sur que qui ne
        vous nous bonjour merci mais ou il elle suis j'ai c'est n'est n'ai votre notre depuis
        aussi à
    """,
    "Portuguese": """
        o os e é eu meu minha não uma um com para por que de do da das no na ao olá obrigado
        obrigada está estou tenho posso como mas você vocês já quando
    """,
    "Italian": """
        il lo la gli le e io mio mia non una uno un con per che di del della sono ho posso
        perché ma buongiorno grazie vorrei mi è l'app ancora stato stata
    """,
    "Dutch": """
        de het een en ik mijn niet met voor van dat die wat hoe waarom kan heb wil maar graag
        bedankt hallo goedemorgen geen ook jullie nog
    """,
    "Polish": """
        i w z na nie się jest mój moja moje mogę jak dlaczego ale czy że dzień dobry proszę
        dziękuję mi już
    """,
    "Swedish": """
        och jag inte min mitt är en ett för med på att det som kan har hur varför men hej tack
        ni sedan
    """,
}

_AMBIGUOUS = _listed(
    """
    a i in an as at am is was die war also hat will me no do to on so man men van min per con
    come mon ai os eu um com dos na em io ci en met op er mam ya al ok
    """
)
"""Words both English and another language write alike ("in", "die", "was", "me"), or that an
English request often holds as a name or an abbreviation ("Mon", "AI", "OS", ".com", "EU"):
they vote for neither."""

OTHER_WORDS: dict[str, frozenset[str]] = {
    language: frozenset(
        word for word in _listed(words) - ENGLISH_WORDS - _AMBIGUOUS if len(word) > 1 or not word.isascii()
    )
    for language, words in _OTHER_WORDS.items()
}
"""Per language, its small words that English does not write. Single letters ("y", "e", "o")
are left out, as "e-mail", "O2" and initials write them in English too; accented ones ("è",
"é", "à") stay."""

_ALL_OTHER = frozenset().union(*OTHER_WORDS.values())
_ENGLISH_VOTES = ENGLISH_WORDS - _AMBIGUOUS
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_NOT_PROSE = re.compile(r"\S*(?:://|www\.|@|/|\\|=|_|\w\.\w)\S*")
"""Addresses, paths, file names and code ("/es/mi-cuenta", "el.de"): their words are no prose."""
_QUOTED = re.compile(
    r"(?<!\w)'[^'\n]{2,120}'(?!\w)|\"[^\"\n]{2,120}\"|“[^”\n]{2,120}”|„[^“\n]{2,120}“|«[^»\n]{2,120}»"
)
"""A quoted error message or button label ("shows 'Ein Fehler ist aufgetreten'") is the
product's words, not the customer's."""


def other_language(text: str) -> str | None:
    """The language ``text`` is written in when it is not English (the one whose small words it
    uses most, or "a non-Latin script"), else None.

    Read line by line, from the top: the first line that reads as one language decides, as the
    request comes before signatures and disclaimers. A line in English anywhere makes the text
    English; a line whose words are no small words of any language ("Login broken") before the
    first line in another language leaves the text English too, since that line may be the
    request. Short texts and texts with no small words of any language are English: nothing says
    otherwise."""
    if text.isascii() and _ALL_OTHER.isdisjoint(_WORD.findall(text.lower())):
        return None  # most English texts: no small word of another language, no accent
    prose = _QUOTED.sub(" ", _NOT_PROSE.sub(" ", text))
    letters = [c for c in prose if c.isalpha()]
    if not letters:
        return None
    if sum(1 for c in letters if _latin(c)) < len(letters) / 2:
        return "a non-Latin script"
    lines = [_votes(line) for line in prose.splitlines()]
    if any(english >= MIN_ENGLISH_WORDS and english > len(foreign) for english, foreign, _ in lines):
        return None  # one line in English is enough to read
    for english, foreign, words in lines:
        if len(foreign) >= MIN_FOREIGN_WORDS and len(foreign) > english:
            return _named(foreign)
        if not foreign and words >= 2:
            return None  # "Login broken" above a disclaimer in German: may be the request
    english = sum(votes[0] for votes in lines)
    foreign = [word for votes in lines for word in votes[1]]
    return _named(foreign) if len(foreign) >= MIN_FOREIGN_WORDS and len(foreign) > english else None


@functools.cache
def _latin(letter: str) -> bool:
    return "LATIN" in unicodedata.name(letter, "")


def _votes(line: str) -> tuple[int, list[str], int]:
    """English small words, other languages' small words and all words of ``line``. A small word
    inside a name ("Calle de la Paz", "Juan de la Vega", "La Casa de Papel") is no vote."""
    found = list(_WORD.finditer(line))
    tokens = [match.group(0) for match in found]
    lowered = [token.lower().replace("’", "'") for token in tokens]
    small = [word in _ALL_OTHER or word in ENGLISH_WORDS or word in _AMBIGUOUS for word in lowered]
    opening = [
        i == 0 or any(mark in line[found[i - 1].end() : found[i].start()] for mark in ".!?:")
        for i in range(len(found))
    ]
    foreign = [
        word
        for index, word in enumerate(lowered)
        if (word in _ALL_OTHER and not _in_a_name(tokens, small, opening, index))
        or (tokens[index].islower() and not word.isascii())  # "płatności", "sesión"; a name is capitalised
    ]
    return sum(1 for word in lowered if word in _ENGLISH_VOTES), foreign, len(tokens)


def _in_a_name(tokens: list[str], small: list[bool], opening: list[bool], index: int) -> bool:
    """Whether the small word at ``index`` is a particle of a name, a place or a title: the word
    after it is capitalised, and so is the word before it (not one that opens a sentence, which
    any language capitalises), or it is capitalised itself and opens a sentence or follows one."""
    after = next((i for i in range(index + 1, len(tokens)) if not small[i]), None)
    if after is None or not tokens[after][0].isupper():
        return False
    before = next((i for i in range(index - 1, -1, -1) if not small[i]), None)
    named_before = before is not None and tokens[before][0].isupper() and not opening[before]
    if tokens[index][0].isupper():
        return opening[index] or named_before
    return named_before


def _named(foreign: list[str]) -> str:
    """The language most of ``foreign`` belong to (ties: the first in :data:`OTHER_WORDS`), or
    "another language" when they are only words with accented letters."""
    counts = {language: sum(word in words for word in foreign) for language, words in OTHER_WORDS.items()}
    best = max(counts, key=lambda language: counts[language])
    return best if counts[best] else "another language"

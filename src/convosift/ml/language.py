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
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def other_language(text: str) -> str | None:
    """The language ``text`` is written in when it is not English (the one whose small words it
    uses most, or "a non-Latin script"), else None. Short texts and texts with no small words of
    any language are English: nothing says otherwise."""
    words = [word.lower().replace("’", "'") for word in _WORD.findall(text)]
    if not words:
        return None
    letters = [c for word in words for c in word]
    latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
    if latin < len(letters) / 2:
        return "a non-Latin script"
    foreign = [word for word in words if word in _ALL_OTHER]
    if len(foreign) < MIN_FOREIGN_WORDS or sum(1 for word in words if word in ENGLISH_WORDS) >= len(foreign):
        return None
    if any(_english_line(line) for line in text.splitlines()):
        # One line in English is enough to read: an English request above a French disclaimer.
        return None
    return max(OTHER_WORDS, key=lambda language: (sum(w in OTHER_WORDS[language] for w in foreign), language))


def _english_line(line: str) -> bool:
    """Whether ``line`` reads as English: at least :data:`MIN_ENGLISH_WORDS` English small words,
    and more of them than of other languages' small words."""
    words = [word.lower().replace("’", "'") for word in _WORD.findall(line)]
    english = sum(1 for word in words if word in ENGLISH_WORDS)
    return english >= MIN_ENGLISH_WORDS and english > sum(1 for word in words if word in _ALL_OTHER)

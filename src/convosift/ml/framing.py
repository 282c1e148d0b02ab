"""The framing of a chat around its issue: greetings, introductions, references, thanks, nudges.

Real chats wrap a request in sentences that say nothing about its type: "Hi, this is Maria
Lopez, account ref AC-204981.", "Ok, thank you for the quick reply.", "Any update on this?".
Read with the request, they pull the judgement towards what they resemble (an account number
towards account problems, thanks towards the catch-all), and the models grow more confident as
they grow more wrong. Discovery, too, would group conversations by their shared framing rather
than by their problems.

:func:`issue_text` drops the sentences made only of framing: every word is a word of greeting,
introduction, thanks, acknowledgement, nudging, asking for help or about the conversation itself
("can I talk to a human", "no luck": :data:`FRAMING_WORDS`), a
name (a capitalised word inside the sentence, or a full name opening it), or a reference (a
token with a digit). A
sentence with one word more ("Hi, my card was declined", "Refund please.") stays whole. A
signature under the request is framing too: a name on its own ("Lena Novak", "- Omar"), opened by
a common given name (:func:`convosift.names.given_names`), and the lines of capitalised words
right under it (a company: "Blue Fern Bakery"). So is a line of details that a form or a chat
widget adds under the request ("Plan: Premium", "- Browser: Chrome 124", :func:`is_field`), and a
link, an e-mail address, a file name or an attachment's placeholder with nothing but framing
beside it (:data:`_POINTER`). When every sentence is framing, the text is returned unchanged: a
thank-you on its own is what the conversation is about. The word lists are English: in other
languages most framing stays, and detail lines are kept.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache

from convosift.ml.language import other_language
from convosift.names import is_given_name
from convosift.replies import asks

_WORDS = (
    # greetings and openings
    "hi hello helo hey hiya heya howdy hallo yo greetings morning afternoon evening good day gm "
    "dear team support all everyone folks guys there whom may concern sir madam "
    # introductions and references
    "this is it's its i i'm im am my name name's here speaking from at with of the a an again "
    "same on behalf writing first time using chat contacting you your we our me us account "
    "holder customer client member membership number no nr id ref reference order booking "
    "reservation ticket case policy invoice contract acct cust if that helps btw fyi also and or "
    "by way just in "
    # thanks, closings and acknowledgements
    "thanks thank thx ty tnx thanx cheers appreciate appreciated much so very lot lots many kind "
    "kindly regards best warm wishes sincerely yours truly bye goodbye later soon talk nice great "
    "have wonderful lovely weekend ok okay okey k kk cool perfect awesome fine alright sure yes "
    "yeah yep worries np got understood noted sounds that's thats needed everything for now "
    "brilliant excellent fab amazing u "
    # nudges
    "any update updates news still waiting wait waited anyone anybody someone somebody looking "
    "following follow up checking are please pls plz reply respond response answer asap urgent "
    "urgently quite really hurry possible as can could would will be been back sorry apologies "
    "delay late replying take quick fast prompt speedy hope hoping you're youre having doing well "
    "again it to oh need help helping assist assistance touch one progress has had week weeks "
    "while hear heard below earlier previous #"
)
_CONVERSATION_ANCHORS = (
    "agent agents human humans person people representative rep operator manager supervisor bot "
    "bots chatbot robot automated escalate escalated escalating escalation helpful unhelpful useful "
    "useless point missed luck steps digits dob frustrated frustrating ridiculous unacceptable "
    "patience honestly seriously ugh complain complaint rating star stars"
)
_CONVERSATION_GLUE = (
    "speak talk talking nah nope helped asked asking said say saying mean meant sense makes "
    "understand tried trying try want like i'd i've i'll even those ends ending birth born losing"
)
BASE_FRAMING_WORDS = frozenset(_WORDS.split())
"""Words of greeting, introduction, thanks, acknowledgement, nudging and asking for help."""
CONVERSATION_ANCHORS = frozenset(_CONVERSATION_ANCHORS.split()) - BASE_FRAMING_WORDS
"""Words that make a sentence one about the conversation itself: asking for a person or a manager,
escalating, judging the help ("not helpful", "no luck", "missed the point"), steps already tried,
frustration, the last digits or the date of birth one confirms."""
CONVERSATION_GLUE = frozenset(_CONVERSATION_GLUE.split()) - BASE_FRAMING_WORDS - CONVERSATION_ANCHORS
"""Words that are framing only in a sentence with a word of :data:`CONVERSATION_ANCHORS` ("I want to
speak to a manager", "tried those steps"; "I'd like to cancel" is a request)."""
CONVERSATION_WORDS = CONVERSATION_ANCHORS | CONVERSATION_GLUE
FRAMING_WORDS = BASE_FRAMING_WORDS | CONVERSATION_WORDS
"""Words that on their own say nothing about what the customer needs."""
_HELP_WORDS = frozenset({"help", "helping", "assist", "assistance"})
_TOPIC_WORDS = frozenset({"with", "for", "on", "about", "regarding"})
_PRONOUNS = frozenset({"this", "that", "it", "these", "those"})
"""After a help word, a topic word says what the help is for: "Can you help me with my order?"
names its topic (an order); "Can you help me, please?" and "help with this" do not."""
_NAME = r"[^\W\d_][\w'’.-]*"
_CAPITALISED = r"[A-Z][\w'’.-]*"
_INTRODUCTION = re.compile(
    r"^\W*(?:(?i:hi|hello|hey|good\s+(?:morning|afternoon|evening|day))\W+(?:(?i:there)\W+)?)?"
    rf"(?:(?i:my\s+name\s+is|my\s+name's)\s+{_NAME}(?:\s+{_NAME}){{0,2}}?"
    rf"|(?i:this\s+is|i\s+am|i'm)\s+{_CAPITALISED}(?:\s+{_CAPITALISED}){{0,2}}?)"
    r"\s*(?:,(?:\s*(?i:and)\b)?|\s(?i:and)\b|\s(?i:here)\b\W*)\s*"
)
"""An introduction that opens a sentence with the request in it: "Hi, my name is Amanda and I need
a quote" and "Hey, I'm Trish, and I need a quote" read as "I need a quote". A name after "this is"
or "I am" must be capitalised ("I am looking for..." is no introduction)."""
_GIVEN = r"[A-Z](?:[a-z]|['’][A-Z])[\w'’-]*"
"""A word written as a name: capitalised, not in capitals ("ASAP" is no name)."""
_CALL_ME = re.compile(
    r"\W*(?:(?i:you\s+(?:can|may)|please|just)\s+)?(?i:call\s+me)\s+"
    rf"(?:(?i:mr|mrs|ms|miss|dr)\.?\s+)?{_GIVEN}(?:\s+{_GIVEN}){{0,2}}?\W*"
)
"""A sentence that says what to call the customer ("You can call me Mr Bill"): framing, however
much the name looks like a word of a request. The name must be written as one: "please call me
back" and "call me ASAP" are requests."""
_FIELD = re.compile(
    r"\s*(?:[-*•]\s+)?(?P<key>[^\W\d_][\w'’()#/.&-]*(?:\s+[\w'’()#/.&-]+){0,3}?)\s*:\s+(?P<value>\S(?:.*\S)?)\s*"
)
"""A line a form or a chat widget adds under the request: a key of up to four words, a colon, a
value ("Plan: Premium", "- App version: 5.2.1", "Customer since: 2019")."""
MAX_FIELD_VALUE_WORDS = 6
MAX_FIELD_VALUE_CHARS = 60
MAX_FIELD_CHARS = 120
"""Longer lines are never taken for a form's detail (nor matched against :data:`_FIELD`)."""
_STATE = (
    "stolen locked lost hacked damaged cancelled canceled expired delayed late stuck pending frozen "
    "fraud fraudulent dispute disputed unknown impossible urgent idea suggestion feature wish"
)
_STATE_WORDS = frozenset(_STATE.split())
"""Words that say what is wrong or wished for ("Account: locked", "Suggestion: dark mode"), besides
those of :func:`convosift.replies.asks`: a line with one of them is the customer's."""
_CONTENT = (
    "subject re fw fwd issue issues problem problems question questions message description details "
    "detail request reason summary error errors comment comments query feedback enquiry inquiry note "
    "notes complaint concern body text help update edit ps"
)
_CONTENT_KEYS = frozenset(_CONTENT.split())
"""Key words that announce the customer's words ("Subject: Card declined", "Problem: no refund"):
such a line is kept."""
_CHOSEN_KEYS = frozenset({"type", "category", "topic", "title"})
"""Keys that announce the customer's words only on their own ("Category: Billing", a choice of the
customer's), not as part of a detail's key ("Account type: Joint")."""
_EXTENSIONS = "png|jpe?g|gif|heic|webp|pdf|docx?|xlsx?|csv|txt|zip|mp4|mov"
_POINTER = re.compile(
    r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    rf"|\b[\w-]+\.(?:{_EXTENSIONS}|{_EXTENSIONS.upper()})\b"
    rf"|\[(?i:image|img|file|attachment|photo|picture|screenshot|video)(?i:\s+attached)?"
    rf"(?:\s*#?\d+|:\s*(?:(?i:inline\s+image)\s*\d+|[^\]\n]{{1,80}}?\.(?i:{_EXTENSIONS})))?\]"
)
"""What points elsewhere and says nothing of the request's type: a link, an e-mail address, a file
name (its extension in lower case or in capitals: "IMG_2231.HEIC", not "card.Txt"), an
attachment's placeholder ("[Image attached]", "[image: scan.pdf]", "[image: Inline image 1]",
"[Image #1]"; not "[Screenshot: error 500 on checkout]"). A sentence of them and framing words alone is framing. Matched only in sentences
of :data:`MAX_FRAMING_CHARS` at most (the pattern is slow on very long words)."""
_SIGNATURE_RULE = (
    "name-line-3/title-case-3/help-topic-2/closing-name-1/get-back-1/inner-capital-1/names-unaccented"
    f"/field-{MAX_FIELD_VALUE_WORDS}-{MAX_FIELD_VALUE_CHARS}-{MAX_FIELD_CHARS}-under-english"
)
"""Names the rules of :func:`_is_name_alone` and the lines under it, and of :func:`is_field`, for
:data:`FRAMING_VERSION`."""
FRAMING_VERSION = hashlib.sha256(
    (
        " ".join(sorted(FRAMING_WORDS | _CONTENT_KEYS | _CHOSEN_KEYS | _STATE_WORDS))
        + _INTRODUCTION.pattern
        + _CALL_ME.pattern
        + _FIELD.pattern
        + _POINTER.pattern
        + _SIGNATURE_RULE
    ).encode()
).hexdigest()[:8]
"""Changes with the word list: part of the stored model name of a local classification."""
_NAME_CUES = frozenset({"here", "speaking", "from", "at"})
_GREETINGS = (
    "hi hello helo hey hiya heya howdy hallo yo greetings morning afternoon evening good day gm dear there"
)
_GREETING_WORDS = frozenset(_GREETINGS.split())
_ORGANISATION = (
    "team teams care services service relations department desk administration office group "
    "division centre center outlook android iphone ipad subject re fw fwd"
)
_ORGANISATION_WORDS = frozenset(_ORGANISATION.split())
"""Words of a team's or an app's signature, or of a mail's header ("Home Claims Team", "Get
Outlook for Android", "Subject: Re: Your account"): the capitalised words beside them are names,
not a request."""
_INTRODUCING = _NAME_CUES | frozenset(
    [
        "this",
        "is",
        "it's",
        "its",
        "i'm",
        "im",
        "am",
        "name",
        "name's",
        "regards",
        "thanks",
        "thank",
        "cheers",
        "best",
        "sincerely",
        "yours",
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
    ]
)
"""Words that introduce what follows, or precedes, as a name: without one of them (or a common
given name), capitalised words are read as words."""
_TOKEN = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*|#")
_REPEATS = re.compile(r"(\w)\1{2,}")
_GET_BACK = re.compile(r"\bget(?=\s+(?:back\s+to|in\s+touch)\b)", re.IGNORECASE)
"""A nudge's "get" ("Could someone get back to me?", "get in touch"); "get" alone asks for something
("I need to get the policy number")."""
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
MAX_FRAMING_CHARS = 160
"""Longer sentences are never taken for framing."""
MAX_NAME_WORDS = 3
"""A name on its own has at most this many words ("Maria de Souza")."""
MAX_ORGANISATION_WORDS = 5
_ORGANISATION_JOINERS = frozenset({"&", "of", "and", "the"})
_CLOSING_WORDS = frozenset(
    {"thanks", "thank", "thx", "ty", "cheers", "regards", "best", "sincerely", "yours", "wishes"}
)


def words(text: str) -> list[str]:
    """The words of ``text`` as framing reads them ("don't", "top-up" and "#" are one each)."""
    return _TOKEN.findall(text)


def is_framing(sentence: str, *, conversation: bool = True) -> bool:
    """Whether ``sentence`` is only framing: greetings, names, references, thanks, nudges, a plea
    for help that does not say what the help is for, or (with ``conversation``) words about the
    conversation itself around one of :data:`CONVERSATION_ANCHORS`."""
    if len(sentence) > MAX_FRAMING_CHARS:
        return False
    if _CALL_ME.fullmatch(sentence):
        return True
    words = _TOKEN.findall(_GET_BACK.sub(" ", _POINTER.sub(" ", sentence)))
    if not words:
        return True  # emoji or punctuation alone: decoration
    framing = 0
    unknown: list[str] = []
    introduced = False
    greeting_only = True
    asked_for_help = False
    anchored = glued = False
    for position, word in enumerate(words):
        lowered = _REPEATS.sub(r"\1", word.lower().replace("’", "'"))
        if asked_for_help and lowered in _TOPIC_WORDS and not _pronoun_at(words, position + 1):
            return False  # "help with my order": the order is what it is about
        asked_for_help = asked_for_help or lowered in _HELP_WORDS
        introduced = introduced or lowered in _INTRODUCING or is_given_name(lowered)
        introduced = introduced or lowered in _ORGANISATION_WORDS
        if lowered in BASE_FRAMING_WORDS or (conversation and lowered in CONVERSATION_WORDS):
            framing += 1
            greeting_only = greeting_only and lowered in _GREETING_WORDS
            anchored = anchored or lowered in CONVERSATION_ANCHORS
            glued = glued or lowered in CONVERSATION_GLUE
        elif any(char.isdigit() for char in word):
            continue  # a reference, an order number
        elif not _is_name(words, position):
            return False
        elif lowered not in _INTRODUCING:
            unknown.append(lowered)
    if framing == 0 or (glued and not anchored):
        return False
    # Capitalised words that nothing introduces as a name (a given name, "this is", "regards", a
    # team's word: "Home Claims Team") are a request in title case ("Order Not Received", "Hello,
    # Cancel Transaction"), except one word after a greeting that no request uses ("Hi Zoltan").
    lone_name = greeting_only and len(unknown) == 1 and unknown[0] not in request_words()
    return introduced or not unknown or lone_name


def is_field(line: str) -> bool:
    """Whether ``line`` is a detail a form or a chat widget added ("Plan: Premium", "- OS: Android
    14", "Order number: #A-4482"): a short key that does not announce the customer's words
    (:data:`_CONTENT_KEYS`, :data:`_CHOSEN_KEYS`), then a short value, and no word of a request or
    of a state in either (:func:`convosift.replies.asks`, :data:`_STATE_WORDS`: "Order: not
    received", "Payment failed: declined" and "Account: locked" are kept)."""
    match = _FIELD.fullmatch(line) if len(line) <= MAX_FIELD_CHARS else None
    if match is None:
        return False
    key = [word.lower() for word in _TOKEN.findall(match["key"])]
    announces = bool(set(key) & _CONTENT_KEYS) or (len(key) == 1 and key[0] in _CHOSEN_KEYS)
    return (
        not announces
        and 0 < len(_TOKEN.findall(match["value"])) <= MAX_FIELD_VALUE_WORDS
        and len(match["value"]) <= MAX_FIELD_VALUE_CHARS
        and not asks(line)
        and not any(word.lower() in _STATE_WORDS for word in _TOKEN.findall(line))
    )


def _pronoun_at(words: list[str], position: int) -> bool:
    """Whether ``words[position]`` is a pronoun ("help with this"); False past the end."""
    return position < len(words) and words[position].lower() in _PRONOUNS


def _is_name(words: list[str], position: int) -> bool:
    """A capitalised word inside the sentence, or one opening it before another name or a cue
    ("Maria Lopez here", "Tom from Casa Olivo"); words in capitals ("ATM", "PIN") are not names."""
    word = words[position]
    if not _capitalised(word):
        return False
    if position > 0:
        return True
    following = words[1] if len(words) > 1 else ""
    return following.lower() in _NAME_CUES or (
        following[:1].isupper() and following.lower() not in BASE_FRAMING_WORDS
    )


def issue_text(text: str) -> str:
    """``text`` without its framing sentences, line breaks kept; unchanged when nothing else is left."""
    lines: list[str] = []
    under_name = after_closing = False
    english: bool | None = None
    for line in text.splitlines():
        if under_name and _is_organisation(line):
            continue  # the company or role under a signature's name
        if lines and is_field(line):
            # A detail a form added under the request ("Plan: Premium", "Browser: Chrome"); the
            # keys are English words, so a text in another language keeps its lines.
            english = other_language(text) is None if english is None else english
            if english:
                continue
        parts = [part for part in _SENTENCE_END.split(line) if part.strip()]
        if not parts:
            under_name = after_closing = False  # a blank line ends a signature
            continue
        names = [_is_name_alone(part) or (after_closing and _is_signed_name(part)) for part in parts]
        # A signature comes after the request: only then are the lines under a name its company.
        under_name = bool(lines) and names[-1]
        kept = [
            _without_introduction(part)
            for part, name in zip(parts, names, strict=True)
            if not name and not is_framing(part)
        ]
        after_closing = False
        if kept:
            whole = len(kept) == len(parts) and all(k is p for k, p in zip(kept, parts, strict=True))
            lines.append(line if whole else " ".join(kept))
        elif is_framing(parts[-1]):
            under_name = under_name or (bool(lines) and _ends_with_name(parts[-1]))
            after_closing = _is_closing(parts[-1])
    return "\n".join(lines) if lines else text


INNER_CAPITAL_NAME = r"[A-Z][a-z]*(?:['’]?[A-Z][a-z]+)+"
"""A name with a capital inside it: "O'Neill", "McDonald", "DeAngelo" (not "ATMs")."""
_INNER_CAPITAL_NAME = re.compile(INNER_CAPITAL_NAME)


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and (word[1:] == word[1:].lower() or bool(_INNER_CAPITAL_NAME.fullmatch(word)))


def _is_name_alone(sentence: str) -> bool:
    """A name and nothing else ("Lena Novak", "- Omar"): a common given name, then capitalised words
    that no customer's request uses ("Chris Account Locked" is a request in title case)."""
    words = _TOKEN.findall(sentence)
    return (
        0 < len(words) <= MAX_NAME_WORDS
        and all(_capitalised(word) for word in words)
        and is_given_name(words[0])
        and not any(word.lower() in request_words() for word in words[1:])
    )


def _is_closing(sentence: str) -> bool:
    """A sign-off of framing words ("Kind regards,", "Thanks in advance"): a name may follow it."""
    return any(word.lower() in _CLOSING_WORDS for word in _TOKEN.findall(sentence))


def _is_signed_name(sentence: str) -> bool:
    """A name under a sign-off, known or not ("Regards," / "Chloe", "Sam O'Brien"): capitalised
    words, none of them a word customers write in lower case ("Thanks" / "Password Reset Link
    Expired" is a request in title case)."""
    words = _TOKEN.findall(sentence)
    return 0 < len(words) <= MAX_NAME_WORDS and all(
        word[:1].isupper() and not word.isupper() and word.lower() not in lower_case_words() for word in words
    )


def _ends_with_name(sentence: str) -> bool:
    """A closing that ends with a name ("Thanks, Lena", "Best, Maria Lopez"): what follows may be
    the signature."""
    words = _TOKEN.findall(sentence)
    tail = words[-MAX_NAME_WORDS:]
    return any(_is_name_alone(" ".join(tail[start:])) for start in range(len(tail)))


def _is_organisation(line: str) -> bool:
    """A line of capitalised words ("Blue Fern Bakery"), no framing and no word of a request (the
    signature rules' own test, :func:`convosift.replies.asks`): a subject line in title case
    ("Refund Not Received") is a request."""
    words = _TOKEN.findall(line)
    names = [word for word in words if word.lower() not in _ORGANISATION_JOINERS]
    return (
        0 < len(words) <= MAX_ORGANISATION_WORDS
        and bool(names)
        and all(_capitalised(word) and word.lower() not in BASE_FRAMING_WORDS for word in names)
        and not asks(line)
    )


@cache
def lower_case_words() -> frozenset[str]:
    """The words the shipped seed texts write in lower case: words of a request, not names."""
    from convosift.ml.messages import seed_messages

    return frozenset(
        token for text in seed_messages() for token in _TOKEN.findall(text) if token[:1].islower()
    )


@cache
def request_words() -> frozenset[str]:
    """Every word of the shipped seed texts (customers' requests of thirteen industries), lower-cased:
    a word a request uses is no part of a name or a company's name here."""
    from convosift.ml.messages import seed_messages

    return frozenset(token.lower() for text in seed_messages() for token in _TOKEN.findall(text))


def _without_introduction(sentence: str) -> str:
    """``sentence`` without an opening introduction (:data:`_INTRODUCTION`), when a request of two
    words or more follows it."""
    match = _INTRODUCTION.match(sentence)
    if match is None:
        return sentence
    rest = sentence[match.end() :]
    return rest if len(rest.split()) >= 2 else sentence

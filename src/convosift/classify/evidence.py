"""Positive evidence that a message is spam: what the model's guess must be backed by.

``spam`` is a high-precision label. A model trained on a few examples learns that unfamiliar
words look like spam, so on another business's inbox it calls genuine requests spam. Here a text
is spam only when it carries a sign no customer with a need writes: a marketing or SEO pitch, a
phishing or prize lure, the footer of bulk or automated mail, or gibberish (these cues are
evidence enough, whatever the category model says), or when the learned junk detector
(:mod:`convosift.classify.junk`) is sure of it. The cues are phrases, not nouns of one business,
so they hold in any industry. A customer quoting junk they received, to ask about it, gives none.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import re
from collections.abc import Iterable
from typing import Any

from convosift.ml.shape import odd_word

_LINK = r"(?:https?://|www\.|\b(?:bit\.ly|tinyurl\.com|t\.co|goo\.gl|is\.gd|ow\.ly)/|\b[\w-]+\.[a-z]{2,}/)"
"""A link in a message, as lures carry it ("vm-portal.example/play", "bit.ly/3xYz")."""

_PITCH = (
    r"\bseo (?:services?|agency|company|team|experts?|package)\b",
    r"\b(?:our|my) seo\b",
    r"\b(?:improve|boost) your (?:seo|google ranking|search ranking)\b",
    r"\bback ?links?\b",
    r"\blink[- ]building\b",
    r"\bguest[- ]posts?\b",
    r"\bdomain authority\b",
    r"first page (?:of|on) (?:google|search)",
    r"\brank(?:ing)? (?:higher |#?1 |first )?on google\b",
    r"\b(?:increase|boost|grow|double|skyrocket) your (?:traffic|sales|revenue|followers|leads|ranking)",
    r"\b(?:web ?design|digital marketing|marketing|seo|development|outsourcing) (?:agency|services?|company|team)\b.{0,60}\b(?:we|our)\b",
    r"\b(?:we|our (?:team|agency|company|platform|service)) (?:offer|provide|specialise|specialize|can help you|help (?:\w+ )?(?:companies|businesses|brands|teams))\b",
    r"\b(?:buy|get) (?:real |targeted )?(?:followers|likes|leads|traffic|reviews)\b",
    r"\b(?:\d+ )?five[- ]star reviews\b",
    r"\b(?:email|leads|contact|verified|targeted) (?:list|database)s?\b.{0,60}\b(?:decision makers|cfos?|ceos?|contacts|emails)\b",
    r"\blead generation\b",
    r"\bqualified (?:leads|meetings|appointments)\b",
    r"\bbook a (?:demo|call)\b",
    r"\bworth a (?:quick )?(?:chat|call)\b",
    r"\bseeking (?:a )?distributors?\b|\battractive commission\b",
    r"\bfree (?:seo |website |site |marketing |compliance )?(?:audit|scan|analysis)\b",
    r"\bfor a (?:flat|one-time|small) fee\b",
    r"\bfreelancer?\b.{0,60}\b(?:developer|designer|cheap|rate)\b",
    r"\bcheap (?:rate|price)s?\b",
    r"\blimited[- ]time (?:offer|deal|discount)\b",
    r"\boffer valid for \d+ (?:hours|days)\b",
    r"\bact now\b",
    r"\b(?:100|one hundred) ?% (?:free|guaranteed)\b",
    r"\bcheap (?:viagra|cialis|pills|meds|replica|loans?)\b",
    r"\b(?:casino|betting|porn|xxx|viagra|cialis)\b",
    r"\bwork from home and earn\b",
    r"\bearn \$?\d[\d,]* (?:per|a|every) (?:day|week|hour)\b",
    r"\bpartnership (?:proposal|opportunity)\b.{0,80}\b(?:our|we)\b",
    r"\bsponsored (?:post|article|content)\b",
    r"\b(?:whatsapp|telegram|skype|dm) (?:me|us)\b|\btelegram group\b",
    r"\b\d+k? (?:real |active |targeted |organic )?(?:followers|likes|subscribers|views)\b",
    r"\breply (?:yes|stop)\b",
    r"\b(?:can|will|could) (?:build|design|develop|redesign|rebuild|fix) your (?:website|site|web ?site|app|mobile app|online store|store)\b",
    r"\b(?:forex|crypto) signals?\b|\b\d+% accuracy\b",
    r"\bsuchmaschinenoptimierung\b|\bposicionamiento (?:web|seo)\b|\bréférencement\b",
    r"(?<!your )\b\d+% off\b.{0,60}\b(?:code|shop now)\b",
    r"\binto (?:paying|loyal|repeat) customers\b",
)
_LURE = (
    r"\bcongratulations?\b.{0,80}\b(?:won|winner|selected|chosen|prize|reward|gift)\b",
    r"\bdear winner\b|\byou(?: have|'ve)? (?:been )?(?:won|selected|chosen)\b|\b(?:ticket|number) [\w-]+ (?:has )?won\b",
    r"\bclaim (?:your|the) (?:prize|reward|gift|winnings|refund|payout)\b",
    r"\bclick (?:here|the link|this link|below) to (?:claim|verify|confirm|unlock|update|activate|log ?in|win|redeem|restore)\b",
    r"\b(?:verify|confirm|update|validate) your (?:account|password|login|identity|details|data|payment (?:details|information))\b.{0,80}\b(?:link|click|within|hours|immediately|suspen|terminat|clos|lock|avoid)",
    r"\b(?:account|mailbox|password|membership|wallet|apple id|domain)\b.{0,30}\b(?:will be|has been|is|was) (?:temporarily )?(?:suspended|terminated|closed|deactivated|locked|disabled|limited|on hold|erased)\b"
    r".{0,80}\b(?:click|link|verify|confirm|unlock here|sign in|log ?in|within \d+|renew now|update your)\b",
    r"\bunusual (?:sign-?in|login) activity\b",
    r"\bto avoid (?:suspension|losing|termination|closure)\b",
    r"\bseed phrase\b",
    r"\b(?:redelivery|clearance|processing|release) fee\b",
    r"\bsubmit your bank details\b|\btax refund notification\b",
    r"\b(?:lottery|sweepstakes|jackpot|inheritance|next of kin|beneficiary of|consignment)\b",
    r"\b(?:nigerian?|foreign) prince\b",
    r"\b(?:bitcoin|crypto(?:currency)?|forex) (?:investment|trading) (?:opportunity|platform|plan)\b",
    r"\bdoubled? (?:my|your) (?:money|savings|bitcoin|investment)\b|\bask me how\b",
    r"\bguaranteed (?:returns?|profits?|income)\b",
    r"\bwire (?:me|us) \$?\d",
    r"\bgift cards?\b.{0,80}\b(?:send me the codes|keep (?:this|it) confidential|for a client)\b|\bkeep this confidential\b",
    r"\b(?:pending|unread) messages in your (?:secure )?inbox\b",
    r"\bsu cuenta\b.{0,40}\bbloquead|\bingrese al siguiente enlace\b|\bihr konto\b.{0,40}\bgesperrt|\bbestätigen sie ihre daten\b",
    # Lures that carry what the customer is to do: a link to sign, a number to call, a link to play.
    r"\b(?:documents?|files?) (?:has|have) been shared with you\b.{0,80}\b(?:e-?signature|electronic signature|digital signature|review and sign|awaiting your signature)\b"
    rf"|\breview and sign\b.{{0,80}}{_LINK}",
    r"(?:\b(?:detected|found|infected with)\b.{0,30}\b(?:virus(?:es)?|malware|trojans?|spyware)\b"
    r"|\b(?:virus(?:es)?|malware|trojans?|spyware)\b.{0,30}\b(?:detected|found|infected)\b)"
    r".{0,80}(?<!to )(?<!i )\bcall\b(?!\s+me\b).{0,40}\d{3}",
    rf"\bvoice ?mail (?:received|message from)\b.{{0,80}}\b(?:listen|play)\b.{{0,60}}{_LINK}",
    rf"\b(?:customs|import) (?:fees?|duty|duties|charges?)\b.{{0,80}}\b(?:click|pay)\b.{{0,60}}{_LINK}"
    r"|\bfrais de douane\b.{0,80}\b(?:cliquant|cliquez)\b|\bgastos de aduana\b.{0,80}\bhaga clic\b",
)
_BULK = (
    r"\bto unsubscribe\b|\bunsubscribe (?:here|at any time|below|from (?:these|this|our|future) (?:emails|messages|list|newsletter))\b",
    r"\bopt[- ]out\b.{0,40}\b(?:email|list|mailing)s?\b",
    r"\b(?:do not|don't|please do not) reply (?:to )?this (?:e-?mail|message)\b",
    r"\b(?:unmonitored|unattended) mailbox\b|\breplies will not be read\b",
    r"\bthis (?:is an? )?(?:automated|automatic|auto-generated|system[- ]generated) (?:e-?mail|message|notification|reply)\b",
    r"\bauto(?:matic)?[- ]?reply\b",
    r"\bout of (?:the )?office\b.{0,60}\b(?:until|returning|back on|limited access)\b",
    r"\b(?:on (?:annual |parental |sick )?leave|away from the office)\b.{0,60}\b(?:return|back)\b",
    r"\bnicht im büro\b|\bfuera de la oficina\b|\babsente? du bureau\b",
    r"\bmailer[- ]daemon\b|\bmail delivery (?:subsystem|system|failed)\b",
    r"\bdelivery (?:status notification|has failed|failure)\b|\bundeliverable\b",
    r"\baddress (?:not found|couldn't be found)\b|\bmessage (?:was )?(?:blocked|not delivered|wasn't delivered)\b",
    r"\bview (?:this|it) (?:e-?mail )?in (?:your|a) browser\b",
    r"\byou (?:are )?receiv(?:e|ing) this (?:e-?mail|message|newsletter) because\b",
    r"\bnewsletter\b.{0,60}\b(?:this week|edition|issue)\b",
    r"\bnoreply\b|\bno-reply@",
    r"\bmanage (?:your )?(?:email )?(?:preferences|subscriptions?)\b",
    r"\bticket #?\d+ has been (?:created|opened)\b|\byour request has been received\b",
    r"\byour message was read\b",
    r"\bbackup completed\b",
    r"\bthe webinar starts\b|\badd it to your calendar\b|\bjoin link below\b",
    r"\btake our (?:\d+-minute )?survey\b",
    r"\bconfirm your subscription\b",
    r"\bhas shipped\b.{0,40}\btrack your (?:package|order|parcel)\b",
    r"^\s*(?:daily|weekly|nightly) (?:report|digest|summary): .{0,80}\b\d+ (?:errors?|warnings?|failures?)\b",
)
# A customer quoting junk they received, to ask about it, is not junk.
_QUOTING = re.compile(
    # A message the customer got: "I received your message about…", "Got an email saying…" (a
    # company's "we have received your…" is an auto-reply).
    r"(?:(?:^|[.!?,]\s+|\n)(?:just\s+)?(?:got|received)|\bi(?:'ve| have)?\s+(?:just\s+|also\s+)?"
    r"(?:got|received|get|keep getting|have been getting)|\bwe\s+(?:just\s+|also\s+)?(?:got|received|keep getting)\b"
    r"(?!\s+your\b))\b.{0,40}"
    r"\b(?:e-?mail|sms|text|message|call|letter|notification|reply|replies|voicemail|alert|pop-?up|warning)s?\b"
    # A question whether it is genuine ("Is the email from no-reply@… legit?", "Is that really you?").
    r"|\b(?:is|are|was|were)\b[^?!\n]{0,100}\b(?:real|legit(?:imate)?|genuine|a scam|phishing|fake|official(?: \w+)?|from you|really you|sent by you)\s*\?"
    r"|\bis (?:this|it|that) (?:really )?(?:real|legit(?:imate)?|genuine|a scam|from you|(?:an )?official)\b"
    r"|\b(?:was (?:this|it|that) |is (?:this|it) (?:really )?|is that really )(?:you|sent by you)\b"
    # Reported words of a message ("Your email said 50% off…") and a forwarded one asked about.
    r"|\b(?:your|the|this|that) (?:e-?mail|sms|text|message|letter|notification|newsletter)s? "
    r"(?:said|says|saying|told me|claims?|claimed|promised)\b|\bforwarded message\b(?=[\s\S]*\?)"
    r"|\bdid you (?:really|actually) (?:send|text|e-?mail|call)\b"
    r"|\blooks? (?:dodgy|fishy|suspicious|fake|like (?:a )?(?:scam|phishing))\b"
    # What the customer did with it or what their own order or app shows ("the items I clicked",
    # "my order says delivery failed"), also in a few other languages.
    r"|\b(?:i|we) (?:clicked|tapped)\b|\b(?:my|the) (?:order|tracking|app|account|screen|page) says\b"
    r"|\bj['’]ai (?:cliqu[ée]|re[çc]u) (?:un|une|des|ce|cet|cette)\b|\bje (?:reçois|continue à recevoir)\b"
    r"|\best-ce (?:vraiment |bien )?(?:de votre part|légitime|une arnaque|vous)\b"
    r"|\b(?:recibo|sigo recibiendo|he recibido|recibí) (?:un|una|mensajes|correos|sms|llamadas)\b"
    r"|¿\s*(?:es|esto es) (?:esto )?(?:real|legítimo|de ustedes)\b[^?]{0,40}\?"
    r"|\bich habe (?:eine?n?|diese) (?:e-?mail|sms|nachricht|anruf|brief)\b|\bich (?:bekomme|erhalte) (?:st[äa]ndig |immer )?(?:e-?mails|sms|nachrichten|anrufe|briefe)\b"
    r"|\bist (?:das|dies) (?:echt|von ihnen)\b",
    re.IGNORECASE,
)


_QUOTED = re.compile(r'"[^"\n]{3,300}"' r"|“[^”\n]{3,300}”|«[^»\n]{3,300}»" r"|(?<!\w)'[^'\n]{3,200}'(?!\w)")
"""Words in quotation marks: what the customer quotes, not what they write ("The free trial said
\"no card required\"", "a link to 'claim your reward'")."""


def own_words(text: str) -> str:
    """``text`` without what it quotes in quotation marks; the whole text when that is all it holds."""
    left = _QUOTED.sub(" … ", text)
    return left if _WORD.search(left) else text


def _required_literals(pattern: re.Pattern[str]) -> frozenset[str]:
    """Lower-case strings one of which every match of ``pattern`` contains (the most selective
    such set found); empty when there is none, and the pattern is then always run."""
    ops: Any = importlib.import_module("re._constants")
    parser: Any = importlib.import_module("re._parser")

    def needed(items: Any) -> list[frozenset[str]]:
        """Sets that a match of the sequence ``items`` meets each (contains one of its strings)."""
        sets: list[frozenset[str]] = []
        run = ""
        for op, argument in items:
            if op is ops.LITERAL:
                run += chr(argument).lower()
                continue
            if run:
                sets.append(frozenset({run}))
                run = ""
            if op is ops.SUBPATTERN:
                sets.extend(needed(argument[-1]))
            elif op is ops.ATOMIC_GROUP:
                sets.extend(needed(argument))
            elif op in (ops.MAX_REPEAT, ops.MIN_REPEAT, ops.POSSESSIVE_REPEAT) and argument[0] >= 1:
                sets.extend(needed(argument[2]))
            elif op is ops.BRANCH:
                chosen = [max(needed(branch), key=_selectivity, default=None) for branch in argument[1]]
                if all(branch is not None for branch in chosen):
                    sets.append(frozenset().union(*(b for b in chosen if b is not None)))
        if run:
            sets.append(frozenset({run}))
        return sets

    try:
        found = needed(parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # a private module's layout: without it the pattern is simply always run
        return frozenset()
    if any(not literal.isascii() for literals in found for literal in literals):
        # Ignoring case, the dotless i, the dotted capital I, the long s and the Kelvin sign match
        # ASCII letters that lower case does not turn into them: such a pattern is always run.
        return frozenset()
    return max(found, key=_selectivity, default=frozenset())


def _selectivity(literals: frozenset[str]) -> tuple[int, int]:
    """Longer strings, and fewer of them, rule out more texts."""
    return min(map(len, literals)), -len(literals)


_CUES = tuple(
    (kind, re.compile(pattern, re.IGNORECASE | re.DOTALL))
    for kind, patterns in (("marketing", _PITCH), ("lure", _LURE), ("bulk", _BULK))
    for pattern in patterns
)
_REQUIRED = [_required_literals(pattern) for _, pattern in _CUES]
_ALWAYS_RUN = frozenset(i for i, literals in enumerate(_REQUIRED) if not literals)
EVIDENCE_RULE = hashlib.sha256(
    "\n".join(
        [*(pattern.pattern for _, pattern in _CUES), _QUOTING.pattern, _QUOTED.pattern, "gibberish-2"]
    ).encode("utf-8")
).hexdigest()[:4]
"""Names the cues and the quoting rules (4 hex digits): part of the stored model name of a local
classification, so results judged by other cues can be told apart."""
_GATES = tuple(
    (literal, frozenset(i for i, literals in enumerate(_REQUIRED) if literal in literals))
    for literal in sorted(set().union(*_REQUIRED))
)
"""Each literal string, with the cues it lets run: a cue runs on a text that contains one of its
required strings."""
_WORD = re.compile(r"[^\W\d_]+")
_VOWELS = frozenset("aeiouyáéíóúàèìòùäëïöüâêîôûåæøœ")


def spam_evidence(text: str) -> str | None:
    """The first sign that ``text`` is spam (``"marketing: …"``, ``"gibberish"``…), or None.

    A customer who quotes a message they received to ask about it ("I got an email saying … is
    this real?") gives no evidence: the junk is not theirs. Nor do words in quotation marks.
    """
    if _QUOTING.search(text):
        return None
    own = own_words(text)
    for kind, pattern in _cues_to_run(own):
        found = pattern.search(own)
        if found is not None:
            return f"{kind}: {found.group(0)[:60]}"
    if is_gibberish(text):
        return "gibberish"
    return None


def _cues_to_run(text: str) -> Iterable[tuple[str, re.Pattern[str]]]:
    """The cues that may match ``text``, in order. A text that contains none of the strings a cue
    requires cannot match it, and a substring test costs far less than the regular expression.
    Only ASCII text is filtered this way: there, lower case is all that ignoring case does."""
    if not text.isascii():
        return _CUES
    lowered = text.lower()
    runnable = set(_ALWAYS_RUN)
    for literal, cues in _GATES:
        if literal in lowered:
            runnable |= cues
    return [_CUES[i] for i in sorted(runnable)]


def quotes_junk(text: str) -> bool:
    """Whether the customer quotes a message they received to ask about it (not junk of theirs)."""
    return _QUOTING.search(text) is not None


def is_gibberish(text: str) -> bool:
    """Mostly letter strings no language spells: keyboard mashing, random strings.

    Latin-script words that are long and nearly vowel-free, that repeat one letter, or that run
    along neighbouring keys ("asdf", "lkjh") are counted; a text is gibberish when at least three
    words are read and most of them are such, counting each word every time it is said or once, or when it is one word said four times or more ("ok
    ok ok ok"). Scripts without Latin vowels are left alone (never judged gibberish).
    """
    every = [w.lower() for w in _WORD.findall(text) if len(w) >= 3 and w.isascii()]
    # Each word once too: "dfgdfg sdfsdf wer wer" is two odd words of three, not two of four.
    distinct = list(dict.fromkeys(every))
    said = [w.lower() for w in _WORD.findall(text)]
    if len(said) >= 4 and len(set(said)) == 1:
        return True
    return any(
        len(words) >= 3
        and sum(1 for word in words if _unpronounceable(word) or odd_word(word)) / len(words) >= 0.6
        for words in (every, distinct)
    )


@functools.lru_cache(maxsize=65_536)
def _unpronounceable(word: str) -> bool:
    vowels = sum(1 for char in word if char in _VOWELS)
    if len(word) >= 4 and vowels / len(word) < 0.15:
        return True
    if re.search(r"(.)\1\1", word):
        return True
    longest_consonant_run = max((len(run) for run in re.findall(r"[^aeiouy]+", word)), default=0)
    return longest_consonant_run >= 5

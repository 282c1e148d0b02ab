"""Positive evidence that a message wishes for something new: what a ``feature_request`` guess
must be backed by.

A wish is a product team's most read category, and the local model learns it from few seed texts:
on real requests of a bank and an insurer, which hold hardly any wish, it called 166 of 10,916
texts a feature request ("I would like a card please.", "How long should I wait for the card to
arrive?"). A wish says so in its form, whatever the industry: "it would be great if", "please
add", "you should offer", "any plans to", "when will there be", "would love to". Without such a
form the model's guess is taken back (the text gets its next best category, flagged for review).
English only; the cues are phrases, not one product's nouns.
"""

from __future__ import annotations

import re

from convosift.ml.framing import issue_text

_GOOD = r"(?:great|nice|good|helpful|awesome|amazing|useful|cool|handy|lovely|fantastic|ideal|better|easier)"
_ADD = (
    r"(?:add|offer|support|introduce|make|have|bring|start|launch|release|allow|let|open|show|cover|provide)"
)

# "...would be ideal if you assist me with this": a plea for the help asked for, not a wish.
_PLEA = (
    r"(?!\s+(?:if|when)\s+(?:you|someone|somebody|anyone)\s+(?:could\s+|can\s+|would\s+|will\s+)?(?:please\s+)?"
    r"(?:assist|help|advise|look|check|tell|explain|get\s+back|let\s+(?:me|us)|reply|respond|answer|sort|fix"
    r"|resolve|contact|call|email|e-mail)\b)"
)

# "Please add my son to my plan", "can you add $50 to my card", "add my new address to my
# account": a person, money or a detail of theirs put onto the customer's own account is a service
# asked of the company, not something new for the product. "Please add a dark mode to my account
# settings" and "please add a kids mode" stay wishes: the person word must end the object.
# "Balances" are money only when they are the customer's ("my remaining balances"): "please add
# multi-currency balances" asks for something new.
_PERSON_OR_MONEY = (
    r"(?:(?:son|daughter|child|children|kid|kids|baby|newborn|wife|husband|spouse|partner|mother|father|mom"
    r"|mum|dad|parent|parents|dependent|dependents|driver|drivers|beneficiary|member|person|people|someone)s?"
    r"|money|funds|cash|credits?|balance)"
)
_OBJECT_END = r"(?=\s+(?:to|on|onto|into|as|from|back)\b|\s*[,.;:?!]|\s*$)"
_ACCOUNT = (
    r"(?:account|plan|policy|booking|order|invoice|file|loan|card|balance|profile|reservation|subscription"
    r"|membership|cover|coverage|record)s?"
)
_OWN = (
    r"(?!\s+(?:me|us|him|her|them)\b)"
    rf"(?!\s+(?:(?:a|an|my|our|his|her|their|another|some|more|the)\s+)?(?:[\w'’-]+\s+){{0,2}}{_PERSON_OR_MONEY}{_OBJECT_END})"
    r"(?!\s+(?:[$€£]\s?\d|\d[\d,.]*\s*(?:dollars|euros|pounds|usd|eur|gbp)\b))"
    rf"(?!\s+(?:my|our|his|her|their)\s+(?:[\w'’-]+\s+){{0,2}}balances{_OBJECT_END})"
    rf"(?!\s+(?:(?:my|the|a|an|some|more)\s+)?(?:[\w'’-]+\s+){{0,3}}(?:to|on|onto)\s+my\s+(?:[\w'’-]+\s+){{0,2}}"
    rf"{_ACCOUNT}{_OBJECT_END})"
)
_NOT_FOR_ME = r"(?!\s+(?:me|us|him|her|them)\b)"
""""Please offer me a quote", "please support me": the customer asks for themselves."""
# "I'd love to get a quote": a request worded warmly.
_REQUEST_VERBS = (
    r"(?!\s+(?:get\s+(?:a\s+|my\s+)?(?:quote|refund|copy|replacement|new\s+card|my)|file|know|receive|talk|speak|switch"
    r"|cancel|renew|apply|sign\s+up|enrol|enroll|register|schedule|change\s+my"
    r"|make\s+(?:a|an)\s+(?:appointment|payment|claim)"
    r"|add\s+(?:a|my|another)\s+(?:dependent|driver|child|son|daughter|spouse|partner|wife|husband))\b)"
)

_CUES = (
    # ...not of an answer: "any help would be great" is politeness.
    rf"(?<!help\s)(?<!reply\s)(?<!answer\s)(?<!response\s)(?<!update\s)\bwould\s+(?:be|it\s+be)\s+"
    rf"(?:so\s+|really\s+|very\s+)?{_GOOD}{_PLEA}",
    rf"\bit['’]?d\s+be\s+(?:so\s+|really\s+)?{_GOOD}{_PLEA}",
    rf"\b(?:would|i['’]?d|we['’]?d)\s+(?:really\s+)?love\s+(?:it\s+if|if|to{_REQUEST_VERBS}|an?\s|more\s|some\s|you\s+to)",
    rf"\bwould\s+like\s+(?:it\s+if|to\s+see|you\s+to\s+{_ADD})",
    r"\b(?:please|pls|could\s+you|can\s+you|would\s+you|will\s+you|why\s+not|consider)\s+"
    rf"(?:(?:add|adding)\b{_OWN}|(?:offer|offering|support|supporting|bring|bringing)\b{_NOT_FOR_ME}"
    r"|(?:introduce|introducing|allow|allowing|build|make\s+it\s+possible|let\s+us|let\s+me\s+(?!know)|start"
    r"|release|launch)\b)",
    rf"\byou\s+(?:guys\s+)?(?:should|ought\s+to|could|need\s+to)\s+(?:really\s+|also\s+|definitely\s+)?"
    rf"(?:{_ADD}|consider|put|sell|stock)\b(?!\s+(?:me|us)\s+know)",
    rf"\bany\s+chance\s+(?:of\s+(?:an?\s|more|some|getting)|you\s+(?:could|can|will|would)\s+{_ADD})",
    r"\b(?:add|offer|introduce|bring|build)\s+(?:an?\s+|the\s+)?(?:option|feature|setting|way|ability|mode|support)",
    r"\b(?:an?|the)\s+(?:option|ability|setting|feature)\s+to\b",
    # "I wish to file a claim" is a formal "I want to".
    r"\bfeature\s+(?:request|idea)|\bsuggestion|\bsuggest|\bjust\s+an\s+idea|\b(?:i|we)\s+wish\b(?!\s+to\s+(?!(?:see|have)\s+(?:a|an|more|some)\b))|\bwish\s+(?:you|there|it)\b",
    r"\b(?:any|are\s+there)\s+plans?\s+to\b|\bany\s+plans\?|\b(?:do|does)\s+(?:you|your\s+team)\s+plan\s+to\b",
    r"\bare\s+you\s+planning\s+to\b|\broadmap|\bsomeday|\b(?:coming|planned)\s+soon\b",
    rf"\bwhen\s+will\s+(?:there\s+be|you\s+{_ADD})\b|\bis\s+(?:an?|the)\s+(?:\w+\s+){{0,3}}coming\b",
    rf"\bwhy\s+(?:don['’]?t|doesn['’]?t|isn['’]?t|aren['’]?t)\s+(?:you|the\s+app|your\s+app)\s+(?:{_ADD}|accept|sell|do)\b",
    r"\b(?:add|adding|offer|offering)\s+support\s+for\b|\bintegrat(?:e|ion)\s+with|\b(?:missing|lacks?)\s+(?:an?\s+)?(?:option|feature)",
    r"\bneed\s+(?:an?\s+)?(?:option|feature|way)\s+to\b|\breally\s+needs?\s+(?:an?|more|proper|better)\b",
    r"\b(?:great|nice|good|useful)\s+(?:addition|feature|improvement)",
    r"\bit\s+would\s+help(?:\s+\w+){0,3}\s+if\b|\bwould\s+save\s+(?:me|us)\b|\bpeople\s+would\s+appreciate\b",
    r"\blike\s+(?:some\s+)?other\s+(?:banks|providers|apps|companies|airlines|shops|stores|services|insurers)\b",
    r"\bstart\s+(?:offering|flying|selling|doing|accepting|supporting)\b",
    r"\bmore\s+(?:\w+\s+){0,4}(?:please|pls)\b",
    r"\b(?:app|version|integration|option|mode|feature|setting)s?\s*(?:please|pls)\b",
    # An order at a sentence's start ("Offer paper bags", "add a widget pls"; "Add money failed" is none).
    r"(?:^|[.!?]\s+|(?<!\s)\n)\s*(?:please\s+)?(?:offer|introduce|bring\s+back|let\s+(?:us|me)\s+(?!know)"
    rf"|(?:add|put)\s+(?:an?|more|some|the\s+option|support)\b{_OWN})",
    r"\bcould\s+(?:\w+\s+){1,4}be\s+(?:sent|exportable|added|made|available|offered|shown)\b",
)
_WISH = re.compile("|".join(f"(?:{cue})" for cue in _CUES), re.IGNORECASE)
WISH_RULE = "wish7"
"""Names the cues: part of the stored model name of a local classification."""


def wish_evidence(text: str) -> str | None:
    """The phrase of ``text`` that says it wishes for something new, or None. Read without the
    text's framing (:func:`~convosift.ml.framing.issue_text`): "Any help would be great, thanks"
    around a request wishes for nothing."""
    match = _WISH.search(issue_text(text))
    return match.group(0) if match else None

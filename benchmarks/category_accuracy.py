"""Category honesty on real text: spam only on evidence, abstention out of domain.

Real customer text nobody here wrote (BANKING77 train queries, insurance call utterances, both in
../shared) holds no spam, so every text labelled spam there is a false positive. Spam recall is
measured on junk written blind for this benchmark, and false positives again on hard genuine
messages written blind (genuine requests about what junk talks about). Two rounds of each:
benchmarks/data/spam_messages.txt (146 lines) and not_spam_hard.txt (70) were written first; the
evidence cues were written from the odd lines of the junk file ("dev"), and later from its even
lines too, so that file is development data now. spam_messages_second.txt (143 lines) and
not_spam_hard_second.txt (78) were written afterwards, by writers who saw neither the detector nor
the cues, from the same instructions as junk and genuine messages the detector learns from; no
threshold was chosen on them (a text within a word-set Jaccard of 0.7 of any training text was left
out of them; a review of the cues came after their figures had been read: docs/accuracy.md). They
give the figures to trust. Junk that the quality filter drops before classification
(too short, empty) is counted apart.

Each figure is printed next to what a user gets without the evidence gate: the same embedded model
taking its best category as the answer (the behaviour before the gate), in the same run. The
``peers`` block scores what a team would build instead, without an LLM, on the same texts and the
same training data (benchmarks/_category_peers.py): labels chosen by their description's sentence
vector, TF-IDF or sentence vectors with logistic regression, a TF-IDF junk classifier, a theme
matcher by nearest example.

Out of domain: BANKING77 texts against the demo shop's vocabulary should match no theme.

    .venv/bin/python benchmarks/category_accuracy.py [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

from convosift.classify import categories
from convosift.classify.categories import LocalCategoryClassifier
from convosift.classify.taxonomy import load_taxonomy
from convosift.config import load_settings
from convosift.domain import Conversation
from convosift.filtering import FilterRules, assess
from convosift.ml import embeddings, framing
from convosift.mock.inbox import generate_inbox
from convosift.sources.intercom.normalize import normalize_conversation
from convosift.themes.domain import background_texts
from convosift.themes.matching import LocalThemeMatcher
from convosift.themes.vocabulary import demo_vocabulary_path, load_vocabulary

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import _category_peers as peers  # noqa: E402
from _emails import as_email, customer_text  # noqa: E402
from _languages import other_languages  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
BANKING77 = SHARED / "banking77" / "train.csv"
INSURANCE = SHARED / "dstc11-insurance-dev" / "utterances.jsonl"
DATA = Path(__file__).resolve().parent / "data"
SPAM_FP_GOAL = 0.005
SPAM_RECALL_GOAL = 0.90
OUT_OF_DOMAIN_GOAL = 0.01
T0 = 1_750_000_000


def lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def banking_texts() -> list[str]:
    with BANKING77.open(newline="", encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def insurance_texts() -> list[str]:
    with INSURANCE.open(encoding="utf-8") as handle:
        return [json.loads(line)["utterance"] for line in handle if line.strip()]


def spam_share(classifier: LocalCategoryClassifier, texts: list[str]) -> dict[str, float]:
    """Share labelled spam with the gate (convosift) and by the model alone, and the review share."""
    results = classifier.classify(texts)
    ungated = classifier.engine.predict(texts, threshold=0.0)
    spam = classifier.taxonomy.spam
    return {
        "texts": len(texts),
        "spam": round(sum(r.category == spam for r in results) / len(texts), 4),
        "spam_model_alone": round(sum(p.best_label == spam for p in ungated) / len(texts), 4),
        "needs_review": round(sum(r.needs_review for r in results) / len(texts), 4),
        "categories": dict(Counter(r.category for r in results).most_common()),
    }


def type_rows(name: str = "type_labels.tsv") -> list[tuple[str, str]]:
    """(text, type) of the type-labelled rows of real text (benchmarks/data/type_labels.tsv).

    The file holds only the dataset, the row and the type two annotators agreed on, labelling
    independently from the text alone; rows they disagreed on were dropped. Texts are read from
    ../shared, never copied here. BANKING77 rows are line numbers of train.csv (header = line 1);
    insurance rows are line numbers of utterances.jsonl. type_labels_second.tsv is a second set of
    other rows, labelled the same way later and never used to choose a rule (docs/accuracy.md).
    """
    banking = BANKING77.read_text(encoding="utf-8").splitlines() if BANKING77.exists() else []
    insurance = INSURANCE.read_text(encoding="utf-8").splitlines() if INSURANCE.exists() else []
    rows: list[tuple[str, str]] = []
    with (DATA / name).open(encoding="utf-8") as handle:
        for record in csv.DictReader(handle, delimiter="\t"):
            line = int(record["row"])
            if record["dataset"] == "banking77" and banking:
                text = next(csv.reader([banking[line - 1]]))[0]
            elif record["dataset"] == "insurance" and insurance:
                text = json.loads(insurance[line - 1])["utterance"]
            else:
                continue
            rows.append((text, record["type"]))
    return rows


def type_accuracy(classifier: LocalCategoryClassifier, rows: list[tuple[str, str]]) -> dict[str, Any]:
    """Accuracy of the category as a conversation type, overall, unflagged, and when confident."""
    results = classifier.classify([text for text, _ in rows])
    right = [r.category == gold for r, (_, gold) in zip(results, rows, strict=True)]
    unflagged = [ok for ok, r in zip(right, results, strict=True) if not r.needs_review]
    confident = [ok for ok, r in zip(right, results, strict=True) if r.confidence >= 0.8]
    return {
        "rows": len(rows),
        "accuracy": round(sum(right) / len(rows), 4),
        "needs_review": round(1 - len(unflagged) / len(rows), 4),
        "accuracy_not_flagged": round(sum(unflagged) / max(1, len(unflagged)), 4),
        "accuracy_confidence_0.8": round(sum(confident) / max(1, len(confident)), 4),
        "confident_rows": len(confident),
    }


NAMES = ("Maria Lopez", "Tom", "Aisha Khan", "kenji", "Lena Novak", "Omar", "Sofia R.", "Raj Patel")
COMPANIES = ("Blue Fern Bakery", "Northwind Plumbing", "Casa Olivo", "Kite & Key Studio")


def as_chat(text: str, row: int) -> str:
    """``text`` framed as a real chat: an opener before it, a follow-up after it (or neither).

    The openers and follow-ups (benchmarks/data/chat_openers.txt, chat_followups.txt) were
    written blind, without looking at how convosift reads a chat's framing. Their odd lines were
    then used to write :data:`convosift.ml.framing.FRAMING_WORDS`; only the even lines,
    never looked at, frame the rows here. Each row draws its own with a fixed seed: an opener for
    80 % of rows, a follow-up for 70 %.
    """
    draw = random.Random(row)
    fill = {
        "name": draw.choice(NAMES),
        "company": draw.choice(COMPANIES),
        "number": str(draw.randint(10_000, 99_999_999)),
        "ref": f"{draw.choice('ABCKLMPRTZ')}{draw.choice('ABCKLMPRTZ')}-{draw.randint(100_000, 999_999)}",
    }
    parts = [text]
    if draw.random() < 0.8:
        parts.insert(0, draw.choice(_framing("chat_openers.txt")).format(**fill))
    if draw.random() < 0.7:
        parts.append(draw.choice(_framing("chat_followups.txt")).format(**fill))
    return "\n".join(parts)


@functools.cache
def _framing(name: str) -> list[str]:
    """The held-out (even) lines of a framing file."""
    return [line for line in lines(DATA / name) if not line.startswith("#")][1::2]


def types_as_chats(classifier: LocalCategoryClassifier, rows: list[tuple[str, str]]) -> dict[str, Any]:
    """Type figures on the labelled rows framed as chats, with and without reading past the framing.

    "framing_read_as_request" is what a user got before :func:`convosift.ml.framing.issue_text`:
    the classifier judging greetings, references and thanks together with the request.
    """
    chats = [(as_chat(text, row), gold) for row, (text, gold) in enumerate(rows)]
    bare = classifier.classify([text for text, _ in rows])
    framed = classifier.classify([text for text, _ in chats])
    figures = type_accuracy(classifier, chats) | {
        "same_category_as_bare_text": round(
            sum(a.category == b.category for a, b in zip(bare, framed, strict=True)) / len(rows), 4
        )
    }
    with mock.patch.object(categories, "issue_text", lambda text: text):
        figures["framing_read_as_request"] = type_accuracy(classifier, chats)
    return figures


def with_form_fields(text: str, row: int) -> str:
    """``text`` with one to three detail lines under it, as a contact form or a chat widget adds
    them ("Plan: Premium Annual", "- OS: Android 14"): drawn with a fixed seed from
    benchmarks/data/form_fields.txt, 80 lines written for this benchmark after the rule that reads
    them (:func:`convosift.ml.framing.is_field`) and without looking at it."""
    draw = random.Random(10_000 + row)
    return "\n".join([text, *draw.sample(lines(DATA / "form_fields.txt"), draw.choice((1, 2, 3)))])


def with_short_opener(text: str, row: int) -> str:
    """``text`` under a short first line, as a customer sends one before the request or a chat bot
    records the button they pressed ("Billing", "Something else", "hello??"): drawn with a fixed
    seed from benchmarks/data/short_openers.txt, 60 lines written for this benchmark after the rule
    that reads them (:data:`convosift.classify.categories.LINE_MIN_WORDS`) and without looking at it."""
    return "\n".join([random.Random(20_000 + row).choice(lines(DATA / "short_openers.txt")), text])


def with_pointer(text: str, row: int) -> str:
    """``text`` with a link, a file name, an attachment's placeholder or an address on the line
    under it: drawn with a fixed seed from benchmarks/data/pointer_lines.txt, 50 lines written for
    this benchmark after the rule that reads them (``_POINTER`` of :mod:`convosift.ml.framing`) and
    without looking at it."""
    return "\n".join([text, random.Random(30_000 + row).choice(lines(DATA / "pointer_lines.txt"))])


def with_meta_line(text: str, row: int) -> str:
    """``text`` with a later message about the conversation itself under it (the bot's answer did
    not help, a wish for a human, the last digits of a card): drawn with a fixed seed from the even lines
    of benchmarks/data/chat_meta_lines.txt, 100 lines written blind for this benchmark. Their odd
    lines were used to write :data:`convosift.ml.framing.CONVERSATION_WORDS`; the even lines were
    not looked at (nor when a review split off the words that need an anchor)."""
    meta = lines(DATA / "chat_meta_lines.txt")[1::2]
    return "\n".join([text, random.Random(40_000 + row).choice(meta)])


def title_case(text: str) -> str:
    """``text`` as a subject line is written: each word's first letter in capitals, the rest as it
    was ("Can't Log In", where ``str.title`` writes "Can'T Log In")."""
    return " ".join(word[:1].upper() + word[1:] for word in text.split(" "))


@contextlib.contextmanager
def _read_as_written() -> Iterator[None]:
    """Sentence vectors of texts as written, capitals and all (before
    :func:`convosift.ml.embeddings.readable`); the vectors of the last call are forgotten on the
    way in and out, since they were computed the other way."""
    with mock.patch.object(embeddings, "readable", lambda text: text):
        embeddings._last_call[0] = {}
        yield
    embeddings._last_call[0] = {}


VARIANTS: dict[str, tuple[Callable[[str, int], str], str, Callable[[], Any]]] = {
    "with_form_fields": (
        with_form_fields,
        "fields_read_as_request",
        lambda: mock.patch.object(framing, "is_field", lambda line: False),
    ),
    "with_short_openers": (
        with_short_opener,
        "short_line_judged_alone",
        lambda: mock.patch.object(categories, "LINE_MIN_WORDS", 1),
    ),
    "with_pointers": (
        with_pointer,
        "pointers_read_as_request",
        lambda: mock.patch.object(framing, "_POINTER", re.compile(r"(?!)")),
    ),
    "with_meta_lines": (
        with_meta_line,
        "meta_lines_read_as_request",
        lambda: mock.patch.multiple(
            framing,
            CONVERSATION_WORDS=frozenset(),
            CONVERSATION_ANCHORS=frozenset(),
            CONVERSATION_GLUE=frozenset(),
        ),
    ),
    "in_capitals": (lambda text, row: text.upper(), "read_as_written", _read_as_written),
    "in_title_case": (lambda text, row: title_case(text), "read_as_written", _read_as_written),
}
"""What real inboxes do to a request: lines added around it, or the whole written in capitals
("MY CARD WAS DECLINED") or title case (a subject line). Each: how the set is built from a row, the
name of the figures without the rule that reads it, and the patch that takes the rule away."""


def types_of_variant(
    classifier: LocalCategoryClassifier, rows: list[tuple[str, str]], kind: str
) -> dict[str, Any]:
    """Type figures on the labelled rows changed as :data:`VARIANTS` ``kind`` says, and the same
    without the rule that reads the change (what a user got before it)."""
    build, before, without_rule = VARIANTS[kind]
    added = [(build(text, row), gold) for row, (text, gold) in enumerate(rows)]
    bare = classifier.classify([text for text, _ in rows])

    def measured() -> dict[str, Any]:
        read = classifier.classify([text for text, _ in added])
        return type_accuracy(classifier, added) | {
            "same_category_as_bare_text": round(
                sum(a.category == b.category for a, b in zip(bare, read, strict=True)) / len(rows), 4
            )
        }

    figures = measured()
    with without_rule():
        figures[before] = measured()
    return figures


def types_as_emails(classifier: LocalCategoryClassifier, rows: list[tuple[str, str]]) -> dict[str, Any]:
    """Type figures on the labelled rows as customers' e-mails (benchmarks/_emails.py): each read as
    convosift stores a conversation's text (every message in its own words, :mod:`convosift.replies`)
    and, as before that step, whole. "mail_left" is the share of the characters around the request
    (greeting, signature, notices, quoted answer) still in the stored text; "request_intact" the
    share of rows whose request is still whole in it (a rule that took a customer's words away
    would lower it)."""
    mails = [as_email(text, row) for row, (text, _) in enumerate(rows)]
    stored = [customer_text(mail) for mail in mails]
    bare = classifier.classify([text for text, _ in rows])
    read = classifier.classify(stored)
    around = sum(len(mail.replace(text, "")) for mail, (text, _) in zip(mails, rows, strict=True))
    left = sum(len(kept.replace(text, "")) for kept, (text, _) in zip(stored, rows, strict=True))
    return type_accuracy(classifier, list(zip(stored, (gold for _, gold in rows), strict=True))) | {
        "same_category_as_bare_text": round(
            sum(a.category == b.category for a, b in zip(bare, read, strict=True)) / len(rows), 4
        ),
        "mail_left": round(left / max(around, 1), 4),
        "request_intact": round(
            sum(text.strip() in kept for kept, (text, _) in zip(stored, rows, strict=True)) / len(rows), 4
        ),
        "whole_mail_read_as_request": type_accuracy(
            classifier, list(zip(mails, (gold for _, gold in rows), strict=True))
        ),
    }


def _kept(text: str) -> bool:
    """Whether the quality filter passes ``text`` as a customer's opening message."""
    conversation = Conversation(id="x", created_at=T0, updated_at=T0, opener=text)
    return assess(conversation, FilterRules.from_settings(load_settings())).kept


def out_of_domain(texts: list[str], cache: Path, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Share of ``texts`` matched to a theme of the demo shop's vocabulary (all of them are wrong).

    ``exclude`` leaves industries out of the domain gate's background, to measure it on a
    business whose industry it has never seen.
    """
    settings = load_settings(cache_dir=cache)
    vocabulary = load_vocabulary(demo_vocabulary_path())
    background = background_texts(exclude) if exclude else None
    gated = LocalThemeMatcher(vocabulary, settings, background=background).match_texts(texts)
    figures: dict[str, Any] = {
        "texts": len(texts),
        "matched": round(sum(m.signature is not None for m in gated) / len(texts), 4),
    }
    if not exclude:
        # What the matcher says without the gate: its own threshold alone.
        scores = LocalThemeMatcher(vocabulary, settings, threshold=0.0).match_texts(texts)
        threshold = LocalThemeMatcher(vocabulary, settings).threshold
        figures["matched_without_gate"] = round(sum(m.score >= threshold for m in scores) / len(texts), 4)
    else:
        figures["background_without"] = list(exclude)
    return figures


def demo_rows(size: int = 3000, seed: int = 11) -> list[tuple[str, str]]:
    """(customer text, true category) of the demo inbox's conversations that carry a category."""
    items = [item for item in generate_inbox(size, seed) if item.truth.category]
    return [
        (normalize_conversation(item.conversation).customer_text[:2000], str(item.truth.category))
        for item in items
    ]


def demo_matching(
    cache: Path, size: int = 4000, seed: int = 11, other_business: list[str] | None = None, leak: float = 0.0
) -> dict[str, Any]:
    """Precision and recall of the demo vocabulary on the demo inbox's kept conversations, and the
    nearest-example peer on the same conversations (with ``other_business`` for its leak)."""
    vocabulary = load_vocabulary(demo_vocabulary_path())
    items = [i for i in generate_inbox(size, seed) if i.truth.expected_filter == "kept"]
    conversations = [normalize_conversation(i.conversation) for i in items]
    peer = None
    if other_business:
        peer = peers.nearest_example_peer(
            vocabulary,
            [c.customer_text[:2000] for c in conversations],
            [i.truth.theme for i in items],
            other_business,
            leak,
        )
    matcher = LocalThemeMatcher(vocabulary, load_settings(cache_dir=cache))
    gold = [i.truth.theme for i in items]

    def scored(predicted: list[str | None]) -> dict[str, float]:
        right = sum(p is not None and p == g for p, g in zip(predicted, gold, strict=True))
        return {
            "precision": round(right / max(1, sum(p is not None for p in predicted)), 4),
            "recall": round(right / max(1, sum(g is not None for g in gold)), 4),
        }

    matches = matcher.match(conversations, [i.truth.category for i in items])
    figures: dict[str, Any] = {"kept": len(items), **scored([m.signature for m in matches])}
    # What the peer sees: the customer's text alone, without the page it was written from or a
    # category that may veto a theme (the BANKING77 leak above is measured the same way).
    text_only = matcher.match_texts([c.customer_text[:2000] for c in conversations])
    figures["text_only"] = scored([m.signature for m in text_only])
    if peer is not None:
        figures["peer_nearest_example"] = peer
    return figures


def score_type_peers(
    rows: dict[str, list[tuple[str, str]]], review: dict[str, float], spam_sets: dict[str, list[str]]
) -> dict[str, Any]:
    """Each type peer on each row set, read at convosift's review share there, and its spam share."""
    taxonomy = load_taxonomy()
    figures: dict[str, Any] = {}
    for peer in peers.type_peers(taxonomy):
        figures[peer.name] = {
            name: peers.peer_type_accuracy(peer, items, review[name]) for name, items in rows.items()
        } | {
            f"{name}_labelled_spam": peers.peer_spam_share(peer, texts, taxonomy.spam)
            for name, texts in spam_sets.items()
        }
    return figures


def _peers(figures: dict[str, Any], banking: list[str], junk_held_out: list[str]) -> dict[str, Any]:
    """The peers' figures on the sets convosift was scored on above, read at its review share."""
    rows: dict[str, list[tuple[str, str]]] = {}
    review: dict[str, float] = {}
    if "types_on_real_text" in figures:
        labelled = type_rows()
        rows["real_text"] = labelled
        rows["real_text_as_chats"] = [(as_chat(text, row), gold) for row, (text, gold) in enumerate(labelled)]
        review["real_text"] = figures["types_on_real_text"]["needs_review"]
        review["real_text_as_chats"] = figures["types_on_real_text_as_chats"]["needs_review"]
        for kind, (build, _, _) in VARIANTS.items():
            rows[f"real_text_{kind}"] = [
                (build(text, row), gold) for row, (text, gold) in enumerate(labelled)
            ]
            review[f"real_text_{kind}"] = figures[f"types_on_real_text_{kind}"]["needs_review"]
        rows["second_set"] = type_rows("type_labels_second.tsv")
        review["second_set"] = figures["types_on_second_set"]["needs_review"]
    rows["demo_inbox"] = demo_rows()
    review["demo_inbox"] = figures["types_on_demo_inbox"]["needs_review"]
    spam_sets = {"banking77": banking} if banking else {}
    result = score_type_peers(rows, review, spam_sets)
    if banking:
        held_out = [text for text in junk_held_out if _kept(text)]
        result["junk_tfidf_logreg"] = peers.junk_peer(
            banking, held_out, lines(DATA / "not_spam_hard_second.txt"), figures["banking77"]["spam"]
        )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    started = time.perf_counter()
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as cache:
        classifier = LocalCategoryClassifier(load_settings(cache_dir=Path(cache)))
        banking = banking_texts() if BANKING77.exists() else []
        if banking:
            figures["banking77"] = spam_share(classifier, banking)
            # The same requests as customers write them by e-mail: "Dear Support," and a signature.
            mails = [customer_text(as_email(text, row)) for row, text in enumerate(banking)]
            figures["banking77_as_emails"] = spam_share(classifier, mails)
        if INSURANCE.exists():
            figures["insurance"] = spam_share(classifier, insurance_texts())
        junk = lines(DATA / "spam_messages.txt")
        for part, texts in (("dev", junk[0::2]), ("held_out", junk[1::2])):
            kept = [text for text in texts if _kept(text)]
            figures[f"blind_spam_{part}"] = spam_share(classifier, kept) | {
                "dropped_by_filter": len(texts) - len(kept)
            }
        second = [text for text in lines(DATA / "spam_messages_second.txt") if _kept(text)]
        figures["blind_spam_second"] = spam_share(classifier, second) | {
            "dropped_by_filter": len(lines(DATA / "spam_messages_second.txt")) - len(second)
        }
        figures["blind_hard_genuine"] = spam_share(classifier, lines(DATA / "not_spam_hard.txt"))
        figures["blind_hard_genuine_second"] = spam_share(
            classifier, lines(DATA / "not_spam_hard_second.txt")
        )
        if banking and INSURANCE.exists() and (DATA / "type_labels.tsv").exists():
            figures["types_on_real_text"] = type_accuracy(classifier, type_rows())
            figures["types_on_real_text_as_chats"] = types_as_chats(classifier, type_rows())
            figures["types_on_real_text_as_emails"] = types_as_emails(classifier, type_rows())
            for kind in VARIANTS:
                figures[f"types_on_real_text_{kind}"] = types_of_variant(classifier, type_rows(), kind)
            second = type_rows("type_labels_second.tsv")
            figures["types_on_second_set"] = type_accuracy(classifier, second)
            figures["types_on_all_labelled_rows"] = type_accuracy(classifier, type_rows() + second)
        figures["types_on_demo_inbox"] = type_accuracy(classifier, demo_rows())
        english = {"banking77": banking, "insurance": insurance_texts() if INSURANCE.exists() else []}
        if banking:
            english["banking77_as_emails"] = mails
        figures["other_languages"] = other_languages(classifier, english)
        if banking:
            figures["out_of_domain_banking77_vs_demo_vocabulary"] = out_of_domain(banking, Path(cache))
            figures["out_of_domain_banking77_background_without_banking_insurance"] = out_of_domain(
                banking, Path(cache), ("banking", "insurance")
            )
        if INSURANCE.exists():
            figures["out_of_domain_insurance_vs_demo_vocabulary"] = out_of_domain(
                insurance_texts(), Path(cache)
            )
        figures["demo_vocabulary_on_demo_inbox"] = demo_matching(
            Path(cache),
            other_business=banking,
            leak=figures.get("out_of_domain_banking77_vs_demo_vocabulary", {}).get("matched", 0.0),
        )
        figures["peers"] = _peers(figures, banking, lines(DATA / "spam_messages_second.txt"))
    figures["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for name, values in figures.items():
            print(f"{name}: {values}")
    banking_fp = figures.get("banking77", {}).get("spam", 0.0)
    recall = figures["blind_spam_second"]["spam"]
    ood = figures.get("out_of_domain_banking77_vs_demo_vocabulary", {}).get("matched", 0.0)
    ood_unseen = figures.get("out_of_domain_banking77_background_without_banking_insurance", {}).get(
        "matched", 0.0
    )
    types = figures.get("types_on_all_labelled_rows", {})
    first = figures.get("types_on_real_text", {})
    second = figures.get("types_on_second_set", {})
    chats = figures.get("types_on_real_text_as_chats", {})
    before = chats.get("framing_read_as_request", {})
    mails = figures.get("types_on_real_text_as_emails", {})
    whole = mails.get("whole_mail_read_as_request", {})
    demo = figures["demo_vocabulary_on_demo_inbox"]
    demo_types = figures["types_on_demo_inbox"]
    languages = figures["other_languages"]
    met = (
        banking_fp <= SPAM_FP_GOAL
        and recall >= SPAM_RECALL_GOAL
        and ood <= OUT_OF_DOMAIN_GOAL
        and demo["precision"] >= 0.95
        and demo["recall"] >= 0.90
        and types.get("accuracy_not_flagged", 0.0) >= 0.80
        and types.get("needs_review", 1.0) <= 0.30
        and types.get("accuracy_confidence_0.8", 0.0) >= 0.90
    )
    print(
        f"SUMMARY category_accuracy: spam on BANKING77 {banking_fp:.2%} "
        f"(model alone {figures.get('banking77', {}).get('spam_model_alone', 0.0):.2%}, goal <= 0.5%; "
        f"as e-mails {figures.get('banking77_as_emails', {}).get('spam', 0.0):.2%}), "
        f"held-out blind spam recall {recall:.2%} (second set; model alone {figures['blind_spam_second']['spam_model_alone']:.2%}, "
        f"first set, development data now: {figures['blind_spam_dev']['spam']:.2%} and {figures['blind_spam_held_out']['spam']:.2%}; goal >= 90%), "
        f"hard genuine labelled spam {figures['blind_hard_genuine_second']['spam']:.2%} "
        f"(second set; first set {figures['blind_hard_genuine']['spam']:.2%}), "
        f"BANKING77 matched to the demo vocabulary {ood:.2%} "
        f"(without the gate {figures.get('out_of_domain_banking77_vs_demo_vocabulary', {}).get('matched_without_gate', 0.0):.2%}; "
        f"gate background without banking and insurance {ood_unseen:.2%}; goal <= 1%) "
        f"while the demo inbox keeps precision {demo['precision']:.2%} (goal >= 95%) recall {demo['recall']:.2%} (goal >= 90%); "
        f"types on all {types.get('rows', 0)} labelled rows of real text: accuracy not flagged "
        f"{types.get('accuracy_not_flagged', 0.0):.2%} (goal >= 80%), "
        f"review share {types.get('needs_review', 0.0):.2%} (goal <= 30%), "
        f"correct at confidence >= 0.8 {types.get('accuracy_confidence_0.8', 0.0):.2%} (goal >= 90%; "
        f"first set {first.get('accuracy_not_flagged', 0.0):.2%} / {first.get('needs_review', 0.0):.2%} / "
        f"{first.get('accuracy_confidence_0.8', 0.0):.2%}, second set {second.get('accuracy_not_flagged', 0.0):.2%} / "
        f"{second.get('needs_review', 0.0):.2%} / {second.get('accuracy_confidence_0.8', 0.0):.2%}); "
        f"{'; '.join(_variant_summary(figures, kind) for kind in VARIANTS)}; "
        f"the first set framed as chats: not flagged {chats.get('accuracy_not_flagged', 0.0):.2%}, "
        f"review {chats.get('needs_review', 0.0):.2%}, at confidence >= 0.8 "
        f"{chats.get('accuracy_confidence_0.8', 0.0):.2%}, same category as bare "
        f"{chats.get('same_category_as_bare_text', 0.0):.2%} (framing read as the request: "
        f"{before.get('accuracy_not_flagged', 0.0):.2%}, {before.get('needs_review', 0.0):.2%}, "
        f"{before.get('accuracy_confidence_0.8', 0.0):.2%}); "
        f"as e-mails: not flagged {mails.get('accuracy_not_flagged', 0.0):.2%}, review {mails.get('needs_review', 0.0):.2%}, "
        f"same category as bare {mails.get('same_category_as_bare_text', 0.0):.2%}, "
        f"{mails.get('mail_left', 0.0):.1%} of the mail around the request left, "
        f"{mails.get('request_intact', 0.0):.1%} of requests whole (whole mail read: not flagged "
        f"{whole.get('accuracy_not_flagged', 0.0):.2%}, review {whole.get('needs_review', 0.0):.2%}); "
        f"demo inbox types: not flagged {demo_types['accuracy_not_flagged']:.2%}, review {demo_types['needs_review']:.2%}, "
        f"at confidence >= 0.8 {demo_types['accuracy_confidence_0.8']:.2%}; "
        f"requests in other languages: {languages['read_as_other_language']:.1%} read as such "
        f"({languages['short_read_as_other_language']} of {languages['short_texts']} short ones), "
        f"{languages['needs_review']:.1%} flagged, {languages['sure']} sure (without the rule "
        f"{languages['without_the_rule']['needs_review']:.1%} and {languages['without_the_rule']['sure']}), "
        f"English texts taken for another language {sum(languages['english_read_as_other_language'].values())}: "
        f"{'MET' if met else 'NOT MET'}"
    )
    print(_peer_summary(figures))
    return 0


def _variant_summary(figures: dict[str, Any], kind: str) -> str:
    """The first set changed as :data:`VARIANTS` ``kind`` says: convosift, then without the rule."""
    ours = figures.get(f"types_on_real_text_{kind}", {})
    before = ours.get(VARIANTS[kind][1], {})
    return (
        f"the first set {kind.replace('_', ' ')}: not flagged {ours.get('accuracy_not_flagged', 0.0):.2%}, "
        f"at confidence >= 0.8 {ours.get('accuracy_confidence_0.8', 0.0):.2%}, same category as bare "
        f"{ours.get('same_category_as_bare_text', 0.0):.2%} ({VARIANTS[kind][1].replace('_', ' ')}: "
        f"{before.get('accuracy_not_flagged', 0.0):.2%}, {before.get('same_category_as_bare_text', 0.0):.2%})"
    )


def _peer_summary(figures: dict[str, Any]) -> str:
    """One line: convosift beside each peer on the figures a user reads."""
    found = figures.get("peers", {})
    parts = []
    for name in (
        "real_text",
        "second_set",
        "real_text_as_chats",
        *(f"real_text_{kind}" for kind in VARIANTS),
        "demo_inbox",
    ):
        ours = figures.get("types_on_demo_inbox" if name == "demo_inbox" else f"types_on_{name}")
        if not ours:
            continue
        others = ", ".join(
            f"{peer} {found[peer][name]['accuracy']:.1%} / {found[peer][name]['accuracy_not_flagged_same_share']:.1%}"
            for peer in ("zero_shot", "tfidf_logreg", "vectors_logreg")
            if peer in found
        )
        parts.append(
            f"types on {name} (accuracy / not flagged at the same review share): convosift {ours['accuracy']:.1%} / {ours['accuracy_not_flagged']:.1%}, {others}"
        )
    junk = found.get("junk_tfidf_logreg")
    if junk:
        same = junk["same_false_positives"]
        parts.append(
            f"held-out junk recall at convosift's BANKING77 spam share: convosift {figures['blind_spam_second']['spam']:.1%}, "
            f"junk_tfidf_logreg {same['held_out_recall']:.1%} (at its own 0.5: recall {junk['threshold_0.5']['held_out_recall']:.1%} "
            f"for {junk['threshold_0.5']['genuine_labelled_spam']:.2%} of BANKING77)"
        )
    nearest = figures.get("demo_vocabulary_on_demo_inbox", {}).get("peer_nearest_example")
    if nearest:
        demo = figures["demo_vocabulary_on_demo_inbox"]
        parts.append(
            f"demo themes from the text alone at the same BANKING77 leak: convosift precision "
            f"{demo['text_only']['precision']:.1%} recall {demo['text_only']['recall']:.1%}, "
            f"nearest_example {nearest['same_leak']['demo_precision']:.1%} / {nearest['same_leak']['demo_recall']:.1%}"
        )
    return "PEERS category_accuracy: " + "; ".join(parts)


if __name__ == "__main__":
    raise SystemExit(main())

"""Theme discovery on real labelled text, beside BERTopic and k-means (docs/accuracy.md, "Discovery").

Data sets, read from ``../shared/data`` (never copied into the repository):

- ``banking77``: BANKING77 train, each query one conversation (77 intents);
- ``banking77-chat``: the same queries inside multi-turn chats built here, deterministically, from
  this file's phrase lists: 2-3 customer turns with greetings, names, e-mail addresses, account
  numbers in digits or spelled out, and follow-ups around the request;
- ``banking77-followup``: the chats of ``banking77-chat``, every third one ending with a second
  request many customers add word for word whatever their first ("Could I get a confirmation
  email?", "Can you call me back on this number?");
- ``banking77-email``: the same queries as customers' e-mails (``benchmarks/_emails.py``: a
  greeting, a signature, a phone's "Sent from" line, legal notices, the agent's earlier answer
  quoted under a mail client's header);
- ``insurance``: customer turns of real insurance calls (DSTC11 development data, 22 intents).

Each text is clustered by convosift's discovery (``cluster_texts`` of the text convosift stores,
each message in its own words: it cleans the request itself),
by the BERTopic pipeline a user would run instead (default UMAP 15 neighbours / 5 dimensions /
min_dist 0 / cosine, then HDBSCAN min_cluster_size 10, fed the same wordllama vectors of the
texts as given; ``bertopic-clean`` is the same peer fed convosift's cleaned requests, to show
what the clustering alone is worth) and by the k-means + silhouette baseline of the DSTC11
intent-induction track.
A text outside every cluster is its own singleton. Reported against the true intents:

- ACC: Hungarian-matched accuracy (each cluster matched to at most one intent);
- NMI: normalised mutual information;
- coverage: share of texts in a cluster (a proposal of at least ``--min-cluster-size``);
- purity: share of covered texts whose cluster's majority intent is their own;
- named: share of covered texts whose cluster's name shares a word (lightly stemmed) with the name
  of its majority intent: convosift's proposal title against BERTopic's topic name (its four top
  words), so a title such as "Gone" for top-ups that are pending counts as naming nothing.

Goals on each data set: ACC >= BERTopic's + 0.05, NMI >= BERTopic's (the better of its two
runs), coverage >= 0.85, purity >= 0.80. BERTopic needs the benchmark extra (``pip install -e '.[bench]'`` then
``pip install bertopic==0.17.4 --no-deps``); without it its line says so and the goals that
compare with it are not judged.

Scale (``--scale 10000 30000 100000``): that many kept conversations of the product's synthetic
inbox (``convosift.mock``) are discovered by ``cluster_texts`` in a child process; its wall time
and peak RSS are printed. Goal: 100,000 in at most 10 minutes and 2 GiB on 2 cores.

    .venv/bin/python benchmarks/discovery.py [--datasets banking77 banking77-chat banking77-email insurance]
        [--limit N] [--no-peer] [--no-kmeans] [--json] [--scale N ...]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from convosift.classify.evaluate import read_labelled_csv
from convosift.ml import embed
from convosift.themes.boilerplate import without_shared_lines
from convosift.themes.discovery import DEFAULT_MIN_CLUSTER_SIZE, cluster_texts
from convosift.themes.request import NUMBER_WORDS, customer_request, scrubbed

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _emails import as_email, customer_text

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
BANKING77 = DATA / "banking77" / "train.csv"
INSURANCE = DATA / "dstc11-insurance-dev" / "utterances.jsonl"
DATASETS = ("banking77", "banking77-chat", "banking77-email", "banking77-followup", "insurance")

# --- the multi-turn variant: phrase lists of this benchmark ------------------------------------
FIRST_NAMES = (
    "Anna",
    "James",
    "Maria",
    "Tom",
    "Priya",
    "Lukas",
    "Sofia",
    "Ahmed",
    "Chloe",
    "Daniel",
    "Yuki",
    "Olga",
)
LAST_NAMES = ("Berg", "Smith", "Garcia", "Novak", "Patel", "Keller", "Rossi", "Okafor", "Dubois", "Tanaka")
GREETINGS = ("Hi", "Hello", "Hey there", "Good morning", "Hi team", "Hello support", "Good afternoon", "Hiya")
INTRODUCTIONS = ("my name is {first} {last}.", "this is {first}.", "my name's {first}.", "", "")
DETAILS = (
    "My email is {email}.",
    "My account number is {spelled}.",
    "My account number is {digits}.",
    "The reference is {digits}, in case you need it.",
    "My customer number is {spelled}.",
    "You can reach me at {email} or {phone}.",
)
FOLLOW_UPS = (
    "Any update?",
    "Thanks, {first}",
    "Thank you!",
    "Hello? Is anyone there?",
    "I have been a customer for {years} years.",
    "Thanks in advance. Regards, {first} {last}",
    "Please help, thanks.",
    "Cheers, {first}",
)
FOLLOW_UP_REQUESTS = (
    "Could I get a confirmation email?",
    "Can you call me back on this number?",
    "Is there a reference number for this?",
    "How long will this take?",
    "Can you send me a receipt?",
    "Can I speak to a manager?",
)
"""Second requests that many customers add word for word, whatever their first one was (quick
replies, habits): ``banking77-followup`` ends every third chat with one."""
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def chat(request: str, index: int) -> str:
    """``request`` inside a 2-3 turn customer conversation; the same index gives the same chat."""
    pick = random.Random(index)
    first, last = pick.choice(FIRST_NAMES), pick.choice(LAST_NAMES)
    fill = {
        "first": first,
        "last": last,
        "email": f"{first.lower()}.{last.lower()}{pick.randint(1, 99)}@example.com",
        "digits": str(pick.randint(10**5, 10**9)),
        "spelled": ", ".join(pick.choice(DIGIT_WORDS) for _ in range(pick.randint(4, 8))),
        "phone": f"+44 20 {pick.randint(1000, 9999)} {pick.randint(1000, 9999)}",
        "years": str(pick.randint(2, 15)),
    }
    opener = f"{pick.choice(GREETINGS)}, {pick.choice(INTRODUCTIONS).format(**fill)}".strip().rstrip(",")
    detail = pick.choice(DETAILS).format(**fill)
    follow_up = pick.choice(FOLLOW_UPS).format(**fill)
    shape = pick.randrange(3)
    if shape == 0:  # greeting and request, then the details
        turns = [f"{opener} {request}", detail]
    elif shape == 1:  # greeting alone, then request and details, then a follow-up
        turns = [opener, f"{request} {detail}", follow_up]
    else:  # request, details, follow-up
        turns = [f"{opener} {request}", detail, follow_up]
    return "\n".join(turns)


def chat_with_follow_up(request: str, index: int) -> str:
    """:func:`chat`, every third one ending with a second request of :data:`FOLLOW_UP_REQUESTS`."""
    text = chat(request, index)
    if index % 3:
        return text
    return f"{text}\n{random.Random(-index).choice(FOLLOW_UP_REQUESTS)}"


def load(name: str, limit: int | None) -> tuple[list[str], list[str]]:
    if name == "insurance":
        rows = [
            json.loads(line) for line in INSURANCE.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        texts, labels = [r["utterance"] for r in rows], [r["intent"] for r in rows]
    else:
        data = read_labelled_csv(BANKING77)
        texts, labels = list(data.texts), list(data.labels)
        if name == "banking77-chat":
            texts = [chat(text, index) for index, text in enumerate(texts)]
        elif name == "banking77-email":
            texts = [as_email(text, index) for index, text in enumerate(texts)]
        elif name == "banking77-followup":
            texts = [chat_with_follow_up(text, index) for index, text in enumerate(texts)]
    if limit and limit < len(texts):
        step = len(texts) / limit  # every k-th row keeps the intents' shares
        chosen = [int(i * step) for i in range(limit)]
        texts, labels = [texts[i] for i in chosen], [labels[i] for i in chosen]
    return texts, labels


# --- scores ----------------------------------------------------------------------------------


def scores(labels: Sequence[str], groups: Sequence[int], min_cluster_size: int) -> dict[str, float]:
    """ACC, NMI, coverage and purity; ``groups`` -1 (or a group under the minimum size) is a singleton."""
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import normalized_mutual_info_score

    sizes = Counter(g for g in groups if g >= 0)
    kept = [g if g >= 0 and sizes[g] >= min_cluster_size else -1 for g in groups]
    predicted = [g if g >= 0 else -(i + 2) for i, g in enumerate(kept)]  # each outlier alone
    intents = sorted(set(labels))
    clusters = sorted(set(predicted))
    intent_index = {label: i for i, label in enumerate(intents)}
    cluster_index = {c: i for i, c in enumerate(clusters)}
    table = np.zeros((len(clusters), len(intents)), dtype=np.int64)
    for label, cluster in zip(labels, predicted, strict=True):
        table[cluster_index[cluster], intent_index[label]] += 1
    rows, columns = linear_sum_assignment(-table)
    covered_rows = [cluster_index[c] for c in clusters if c >= 0]
    covered = int(table[covered_rows].sum()) if covered_rows else 0
    majority = int(table[covered_rows].max(axis=1).sum()) if covered_rows else 0
    return {
        "acc": round(float(table[rows, columns].sum()) / len(labels), 4),
        "nmi": round(float(normalized_mutual_info_score(labels, predicted)), 4),
        "coverage": round(covered / len(labels), 4),
        "purity": round(majority / max(covered, 1), 4),
        "clusters": len(covered_rows),
    }


# --- the three methods -------------------------------------------------------------------------


TITLES: list[str] = []
"""Titles of convosift's last clustering (of the proposals, as ``discover`` would store them)."""
PEER_NAMES: dict[int, str] = {}
"""BERTopic's names of its last fit's topics: the four top words of each, as its ``Name`` column
shows them (``0_refund_item_refunded_bought``)."""
_UNFIT_TITLE = re.compile(
    r"\d|\b(?:" + "|".join(sorted(NUMBER_WORDS | {n.lower() for n in FIRST_NAMES + LAST_NAMES})) + r")\b",
    re.IGNORECASE,
)


def convosift_groups(texts: list[str], vectors: np.ndarray, min_cluster_size: int) -> list[int]:
    del vectors  # convosift embeds its own cleaned text
    groups = [-1] * len(texts)
    # What discovery reads is the stored text: each message in its own words (convosift.replies).
    clusters = cluster_texts([customer_text(text) for text in texts], min_cluster_size=min_cluster_size)
    TITLES[:] = [cluster.title or ", ".join(cluster.key_phrases[:3]) for cluster in clusters]
    for number, cluster in enumerate(clusters):
        for member in cluster.members:
            groups[member] = number
    return groups


def _name_words(name: str) -> set[str]:
    """The content words of a title or an intent's name (``card_arrival``, ``GetQuote``), lightly
    stemmed ("cards", "charged", "charge" -> "card", "charg"); verbs any request may start with
    ("get", "change", "check") name nothing on their own."""
    # Words in capitals ("ATM", "PIN") are words too, as well as the parts of "GetQuote".
    words = re.findall(r"[A-Z]{2,}(?![a-z])|[A-Z]?[a-z]+", re.sub(r"[_\W]+", " ", name))
    stems = set()
    for word in (w.lower() for w in words):
        if len(word) < 3 or word in _NAME_STOP_WORDS:
            continue
        suffix = next(
            (x for x in ("ing", "ed", "es", "s") if word.endswith(x) and len(word) - len(x) >= 3), ""
        )
        stem = word[: len(word) - len(suffix)]
        stems.add(stem[:-1] if stem.endswith("e") and len(stem) > 3 else stem)
    return stems


_NAME_STOP_WORDS = frozenset(
    {"the", "and", "for", "not", "via", "after", "your", "with", "from", "are", "can"}
    | {"get", "getting", "change", "check", "make", "use", "want", "need", "have", "how", "what", "why"}
)


def named_intent(
    labels: Sequence[str], groups: Sequence[int], names: dict[int, str], min_cluster_size: int
) -> float:
    """Share of the texts in a proposal whose proposal's name shares a word with the name of the
    intent most of its texts have: "Activate card" names ``activate_my_card``, "Gone" does not
    name ``pending_top_up``."""
    members: dict[int, list[str]] = {}
    for label, group in zip(labels, groups, strict=True):
        if group >= 0:
            members.setdefault(group, []).append(label)
    covered = named = 0
    for group, intents in members.items():
        if len(intents) < min_cluster_size:
            continue
        covered += len(intents)
        majority = Counter(intents).most_common(1)[0][0]
        if _name_words(names.get(group, "")) & _name_words(majority):
            named += len(intents)
    return round(named / max(covered, 1), 4)


def unfit_titles(titles: Sequence[str]) -> list[str]:
    """Titles holding a digit, a number word or one of the names the chats were built with."""
    return [title for title in titles if _UNFIT_TITLE.search(title)]


def bertopic_groups(texts: list[str], vectors: np.ndarray, min_cluster_size: int) -> list[int]:
    del min_cluster_size  # the peer runs with its own defaults
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    model = BERTopic(
        umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42),
        hdbscan_model=HDBSCAN(min_cluster_size=10, prediction_data=True),
    )
    topics, _ = model.fit_transform(texts, embeddings=vectors)
    PEER_NAMES.clear()
    PEER_NAMES.update(
        {int(t): " ".join(w for w, _ in model.get_topic(t)[:4]) for t in set(topics) if t != -1}
    )
    return [int(t) for t in topics]


def bertopic_clean_groups(texts: list[str], vectors: np.ndarray, min_cluster_size: int) -> list[int]:
    """The peer fed convosift's cleaned requests (what it would score with the same clean input):
    each message in its own words, the request without framing, the lines shared as boilerplate
    left out."""
    del vectors
    stored = [customer_text(text) for text in texts]
    lined = without_shared_lines(
        [customer_request(text, lines=True) or scrubbed(text) for text in stored], embed
    )
    clean = [text.replace("\n", " ") for text in lined]
    return bertopic_groups(clean, np.asarray(embed(clean), dtype=np.float32), min_cluster_size)


def kmeans_groups(texts: list[str], vectors: np.ndarray, min_cluster_size: int) -> list[int]:
    """k-means for k on a grid, the k with the best silhouette (DSTC11 track 2 baseline)."""
    del texts
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    best: tuple[float, list[int]] | None = None
    top = min(200, len(vectors) // max(min_cluster_size, 2))
    for k in sorted({*range(5, top + 1, max(5, top // 15))}):
        labels = KMeans(n_clusters=k, n_init=1, random_state=0).fit_predict(vectors)
        score = float(silhouette_score(vectors, labels, metric="cosine", sample_size=3000, random_state=0))
        if best is None or score > best[0]:
            best = (score, [int(x) for x in labels])
    assert best is not None
    return best[1]


def peer_available() -> str | None:
    """None when BERTopic can run, else why not."""
    try:
        import bertopic  # noqa: F401
        import hdbscan  # noqa: F401
        import umap  # noqa: F401
    except ImportError as exc:
        return (
            f"not installed ({exc.name}); pip install -e '.[bench]' && pip install bertopic==0.17.4 --no-deps"
        )
    return None


Method = Callable[[list[str], np.ndarray, int], list[int]]


def run(name: str, limit: int | None, methods: dict[str, Method], min_cluster_size: int) -> dict[str, Any]:
    texts, labels = load(name, limit)
    vectors = np.asarray(embed(texts), dtype=np.float32)
    result: dict[str, Any] = {"dataset": name, "texts": len(texts), "intents": len(set(labels))}
    for method, cluster in methods.items():
        started = time.perf_counter()
        groups = cluster(texts, vectors, min_cluster_size)
        seconds = time.perf_counter() - started
        result[method] = {**scores(labels, groups, min_cluster_size), "seconds": round(seconds, 1)}
        names = dict(enumerate(TITLES)) if method == "convosift" else dict(PEER_NAMES)
        if method != "kmeans":
            result[method]["named"] = named_intent(labels, groups, names, min_cluster_size)
        if method == "convosift":
            result["titles"] = list(TITLES)
            result["unfit_titles"] = unfit_titles(TITLES)
    return result


def verdict(result: dict[str, Any]) -> list[str]:
    """Goals against the peer's better run (on the texts as given or on convosift's cleaned ones)."""
    ours = result["convosift"]
    runs = [result[m] for m in ("bertopic", "bertopic-clean") if m in result]
    peer = {"acc": max(r["acc"] for r in runs), "nmi": max(r["nmi"] for r in runs)} if runs else None
    goals = [
        (f"coverage {ours['coverage']:.3f} >= 0.85", ours["coverage"] >= 0.85),
        (f"purity {ours['purity']:.3f} >= 0.80", ours["purity"] >= 0.80),
    ]
    if peer:
        goals = [
            (f"ACC {ours['acc']:.3f} >= peer {peer['acc']:.3f} + 0.05", ours["acc"] >= peer["acc"] + 0.05),
            (f"NMI {ours['nmi']:.3f} >= peer {peer['nmi']:.3f}", ours["nmi"] >= peer["nmi"]),
            *goals,
        ]
    return [f"{text} {'MET' if met else 'NOT MET'}" for text, met in goals]


def scale_texts(size: int, path: Path) -> None:
    """The customer text of the first ``size`` kept conversations of a synthetic inbox, one JSON line each."""
    from convosift.mock.inbox import Inbox
    from convosift.sources.intercom.normalize import normalize_conversation
    from convosift.themes.text import MAX_TEXT_CHARS

    inbox = Inbox(int(size * 2.5), seed=6)
    written = 0
    with path.open("w", encoding="utf-8") as out:
        for plan in inbox.plans:
            if plan.kind.expected_filter != "kept":
                continue
            text = normalize_conversation(inbox.render(plan)).customer_text[:MAX_TEXT_CHARS]
            if text.strip():
                out.write(json.dumps(text) + "\n")
                written += 1
                if written == size:
                    return
    raise SystemExit(f"the inbox holds only {written} kept conversations, not {size}")


def scale_child(path: Path) -> None:
    texts = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    clusters = cluster_texts(texts)
    print(json.dumps({"clusters": len(clusters), "covered": sum(len(c.members) for c in clusters)}))


def scale(sizes: list[int]) -> None:
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "texts.jsonl"
            scale_texts(size, path)
            started = time.perf_counter()
            child = subprocess.Popen(
                [sys.executable, __file__, "--scale-child", str(path)], stdout=subprocess.PIPE, text=True
            )
            output = child.stdout.read() if child.stdout else ""
            _, status, usage = os.wait4(child.pid, 0)
            seconds = time.perf_counter() - started
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"discovery of {size} texts failed")
            found = json.loads(output.strip().splitlines()[-1])
            rss = usage.ru_maxrss / 1024
            print(
                f"scale {size:>7d} conversations: {seconds:6.1f}s, peak RSS {rss:6.0f} MiB, "
                f"{found['clusters']} clusters covering {found['covered'] / size:.3f}"
            )
            ok = seconds <= 600 and rss <= 2048
            print(
                f"SUMMARY discovery scale {size}: {seconds:.0f}s {rss:.0f} MiB {'MET' if ok else 'NOT MET'}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--limit", type=int, default=None, help="at most this many texts per data set")
    parser.add_argument("--min-cluster-size", type=int, default=DEFAULT_MIN_CLUSTER_SIZE)
    parser.add_argument("--no-peer", action="store_true", help="skip BERTopic")
    parser.add_argument("--no-kmeans", action="store_true", help="skip the k-means baseline")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--scale", type=int, nargs="+", help="discover this many synthetic conversations")
    parser.add_argument("--scale-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale_child:
        scale_child(args.scale_child)
        return
    if args.scale:
        scale(args.scale)
        return

    methods: dict[str, Method] = {"convosift": convosift_groups}
    missing = "skipped (--no-peer)" if args.no_peer else peer_available()
    if missing is None:
        methods["bertopic"] = bertopic_groups
        methods["bertopic-clean"] = bertopic_clean_groups
    if not args.no_kmeans:
        methods["kmeans"] = kmeans_groups
    results = [run(name, args.limit, methods, args.min_cluster_size) for name in args.datasets]
    if args.json:
        print(json.dumps(results, indent=2))
    summary = []
    for result in results:
        print(f"{result['dataset']}: {result['texts']} texts, {result['intents']} intents")
        for method in ("convosift", "bertopic", "bertopic-clean", "kmeans"):
            if method in result:
                s = result[method]
                print(
                    f"  {method:<14} ACC {s['acc']:.3f}  NMI {s['nmi']:.3f}  coverage {s['coverage']:.3f}  "
                    f"purity {s['purity']:.3f}  clusters {s['clusters']:4d}  "
                    + (f"named {s['named']:.3f}  " if "named" in s else "")
                    + f"{s['seconds']:.1f}s"
                )
            elif method == "bertopic":
                print(f"  bertopic       {missing}")
        print(f"  titles (the 8 biggest proposals): {' | '.join(result['titles'][:8])}")
        print(
            f"  titles with a digit, a number word or a name: {len(result['unfit_titles'])}"
            f"/{len(result['titles'])} {result['unfit_titles'][:3]}"
        )
        goals = verdict(result)
        share = len(result["unfit_titles"]) / max(len(result["titles"]), 1)
        goals.append(f"unfit titles {share:.3f} == 0 {'MET' if share == 0 else 'NOT MET'}")
        summary.append(f"{result['dataset']}: " + "; ".join(goals))
        met = not any(goal.endswith("NOT MET") for goal in goals)
        print(f"  goals: {'MET' if met and 'bertopic' in result else 'NOT MET'}")
    print("SUMMARY discovery " + " | ".join(summary))


if __name__ == "__main__":
    main()

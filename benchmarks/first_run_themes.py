"""Themes right after a first run on a real inbox: do a few accepted proposals capture the rest?

The flow a new user follows, on customer text nobody here wrote (BANKING77 train queries in
``../shared``, or with ``--dataset insurance`` the customer turns of the insurance calls, each
inside a short chat: a greeting, the query, the agent's reply, a thank-you):

1. ``backfill`` an inbox of 3,000 queries (insurance: 550) with the default settings (no vocabulary);
2. ``themes discover``, then ``themes accept`` the K biggest proposals;
3. match 2,000 other queries (insurance: the other 363; not in the inbox, labelled with their
   intent) to that vocabulary.

Each accepted theme stands for the intent most of its conversations have. Printed per K and
seed, for the gate contrasted with the shipped background alone (other industries) and with the
inbox's other proposals added (:func:`convosift.themes.domain.inbox_background`, the default):

* recall: held-out queries of a theme's intent matched to that theme;
* captured: held-out queries of every other intent matched to some theme (lower is better);
* precision: matched queries whose intent is their theme's (a theme spanning two neighbouring
  intents, such as two kinds of refund question, counts its second one as wrong).

Beside them, in the same run, what a user would run instead: BERTopic (the peer of
``discovery.py``, the same settings) fitted on the inbox's customer requests as convosift cleans
them, its K biggest topics kept, and ``transform`` assigning each held-out query to a topic or to
its outliers. Needs the benchmark extra (see ``discovery.py``); without it the line says so.

    .venv/bin/python benchmarks/first_run_themes.py [--themes 5 15] [--seeds 1 2]
        [--dataset banking77|insurance]
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import discovery
import numpy as np
import sqlalchemy as sa
from _support import machine

from convosift.config import load_settings
from convosift.domain import Conversation, Window
from convosift.ml import embed
from convosift.pipeline.service import Service
from convosift.store import Store
from convosift.themes.curation import Curator
from convosift.themes.discovery import discover
from convosift.themes.domain import inbox_background
from convosift.themes.matching import LocalThemeMatcher
from convosift.themes.request import customer_request, scrubbed
from convosift.themes.vocabulary import load_vocabulary

SIZES = {"banking77": (3000, 2000), "insurance": (550, 363)}
"""Queries in the inbox and held out, per data set (the insurance calls hold 913 in all)."""
CACHE_DIR = str(Path(tempfile.gettempdir()) / "convosift-bench-models")
HELD_OUT_TIME = 1_760_000_000
PEER = "BERTopic (peer)"
Scores = dict[str, tuple[float, int]]
"""Recall, captured and precision, each with the number of queries it is a share of."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--themes", type=int, nargs="+", default=[5, 15], help="proposals accepted")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2], help="inbox and held-out draws")
    parser.add_argument(
        "--dataset",
        choices=sorted(SIZES),
        default="banking77",
        help="BANKING77 queries, or the customer turns of the insurance calls (22 intents)",
    )
    return parser.parse_args()


def labelled_rows(dataset: str) -> list[dict[str, str]]:
    """``text`` and ``category`` (the intent) of every query of ``dataset``, in file order."""
    texts, labels = discovery.load(dataset, None)
    return [{"text": text, "category": label} for text, label in zip(texts, labels, strict=True)]


def write_inbox(
    rows: list[dict[str, str]], path: Path, rng: random.Random
) -> tuple[dict[str, str], list[str]]:
    """The rows as chats, one per line of ``path``; the intent of each conversation id and the
    customer's side of each chat."""
    intent: dict[str, str] = {}
    customer: list[str] = []
    with path.open("w", encoding="utf-8") as out:
        for i, row in enumerate(rows):
            cid = f"c{i}"
            intent[cid] = row["category"]
            greeting = rng.choice(["Hi,", "Hello!", "hey", ""])
            turns = [
                ("user", f"{greeting} {row['text']}".strip()),
                ("admin", "Let me check."),
                ("user", "Thanks"),
            ]
            messages = [
                {"id": f"{cid}-{n}", "part_type": "comment", "author_type": author, "body": body}
                for n, (author, body) in enumerate(turns)
            ]
            created = 1_750_000_000 + i * 60
            record = {"id": cid, "created_at": created, "updated_at": created + 30, "messages": messages}
            out.write(json.dumps(record) + "\n")
            customer.append("\n".join(body for author, body in turns if author == "user"))
    return intent, customer


def one_run(dataset: str, themes: int, seed: int, workdir: Path) -> list[tuple[str, Scores]]:
    rows = labelled_rows(dataset)
    size, held = SIZES[dataset]
    rng = random.Random(seed)
    rng.shuffle(rows)
    inbox, held_out = rows[:size], rows[size : size + held]
    intent, customer = write_inbox(inbox, workdir / "inbox.jsonl", rng)
    settings = load_settings(
        database_url=f"sqlite:///{workdir / 'db.sqlite'}",
        source="files",
        source_path=workdir / "inbox.jsonl",
        cache_dir=CACHE_DIR,
    )
    store = Store(settings.database_url)
    try:
        record = Service(settings, store).start_run(window=Window(since=0, until=2**31))
        if record.status.value != "completed":
            raise SystemExit(f"the backfill ended {record.status.value}: {record.error}")
        proposals = sorted(discover(store, min_cluster_size=5), key=lambda p: (-p["size"], p["id"]))
        vocabulary_file = workdir / "vocabulary.yaml"
        theme_intent: dict[str, str] = {}
        for proposal in proposals[:themes]:
            outcome = Curator(store, vocabulary_file).accept(proposal["id"])
            with store.read() as conn:
                members = conn.execute(
                    sa.text("SELECT conversation_id FROM theme_matches WHERE signature = :s"),
                    {"s": outcome.signature},
                ).scalars()
                theme_intent[outcome.signature] = Counter(intent[m] for m in members).most_common(1)[0][0]
        vocabulary = load_vocabulary(vocabulary_file)
        backgrounds = {
            "other industries": None,
            "+ the inbox's other proposals": inbox_background(store, vocabulary),
        }
    finally:
        store.dispose()
    texts = [row["text"] for row in held_out]
    held_out_conversations = [
        Conversation(id=f"h{i}", created_at=HELD_OUT_TIME, updated_at=HELD_OUT_TIME, opener=text)
        for i, text in enumerate(texts)
    ]
    gold = [row["category"] for row in held_out]
    results: list[tuple[str, Scores]] = []
    for name, background in backgrounds.items():
        matcher = LocalThemeMatcher(vocabulary, load_settings(cache_dir=CACHE_DIR), background=background)
        # As the pipeline matches: conversations, so the accepted themes' keywords count too.
        found = [m.signature for m in matcher.match(held_out_conversations)]
        results.append((name, scored(gold, found, theme_intent)))
    peer = bertopic_peer([intent[f"c{i}"] for i in range(len(inbox))], customer, themes, texts)
    if isinstance(peer, str):
        print(f"K={themes:<3} seed={seed}  {'BERTopic':32s} {peer}")
    else:
        found, topic_intent = peer
        results.append((PEER, scored(gold, found, topic_intent)))
    return results


def scored(gold: list[str], found: list[str | None], theme_intent: dict[str, str]) -> Scores:
    """Recall, captured and precision of ``found`` (a theme or None per held-out query)."""
    targets = set(theme_intent.values())
    own = [(g, s) for g, s in zip(gold, found, strict=True) if g in targets]
    others = [s for g, s in zip(gold, found, strict=True) if g not in targets]
    matched = [(g, s) for g, s in zip(gold, found, strict=True) if s is not None]
    recall = sum(theme_intent.get(s or "") == g for g, s in own) / max(1, len(own))
    captured = sum(s is not None for s in others) / max(1, len(others))
    precision = sum(theme_intent.get(s or "") == g for g, s in matched) / max(1, len(matched))
    return {
        "recall": (recall, len(own)),
        "captured": (captured, len(others)),
        "precision": (precision, len(matched)),
    }


def bertopic_peer(
    intents: list[str], customer: list[str], themes: int, held_out: list[str]
) -> tuple[list[str | None], dict[str, str]] | str:
    """BERTopic's K biggest topics as the accepted themes, and the topic ``transform`` gives each
    held-out query (None for an outlier or a topic not kept); or why it cannot run."""
    missing = discovery.peer_available()
    if missing:
        return missing
    model, topics = _bertopic_fit(tuple(customer))
    sizes = Counter(t for t in topics if t != -1)
    kept = {t for t, _ in sizes.most_common(themes)}
    topic_intent = {
        str(t): Counter(i for i, topic in zip(intents, topics, strict=True) if topic == t).most_common(1)[0][
            0
        ]
        for t in kept
    }
    assigned, _ = model.transform(held_out, embeddings=np.asarray(embed(held_out), dtype=np.float32))
    return [str(t) if t in kept else None for t in assigned], topic_intent


@functools.cache
def _bertopic_fit(customer: tuple[str, ...]) -> tuple[Any, list[int]]:
    """One BERTopic fit per inbox (the same for every K), on the requests as convosift cleans them."""
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    clean = [customer_request(text) or scrubbed(text) for text in customer]
    model = BERTopic(
        umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42),
        hdbscan_model=HDBSCAN(min_cluster_size=10, prediction_data=True),
    )
    topics, _ = model.fit_transform(clean, embeddings=np.asarray(embed(clean), dtype=np.float32))
    return model, [int(t) for t in topics]


def main() -> int:
    args = parse_args()
    source = discovery.INSURANCE if args.dataset == "insurance" else discovery.BANKING77
    if not source.exists():
        print(f"SUMMARY first_run_themes: skipped, {source} is not available")
        return 0
    print("machine:", machine())
    size, held = SIZES[args.dataset]
    print(f"{size} {args.dataset} queries as the inbox, {held} others held out; K proposals accepted")
    figures: dict[str, list[Scores]] = {}
    for themes in args.themes:
        for seed in args.seeds:
            with tempfile.TemporaryDirectory() as workdir:
                results = one_run(args.dataset, themes, seed, Path(workdir))
            for name, found in results:
                figures.setdefault(name, []).append(found)
                recall, captured, precision = found["recall"], found["captured"], found["precision"]
                print(
                    f"K={themes:<3} seed={seed}  {name:32s} recall {recall[0]:.3f} ({recall[1]})  "
                    f"captured {captured[0]:.3f} ({captured[1]})  precision {precision[0]:.3f} "
                    f"({precision[1]} matched)",
                    flush=True,
                )

    def mean(name: str, key: str) -> float:
        rows = figures.get(name, [])
        return sum(r[key][0] for r in rows) / max(1, len(rows))

    peer = PEER
    ours, shipped = "+ the inbox's other proposals", "other industries"
    print(
        f"SUMMARY first_run_themes {args.dataset} (means over K and seeds): other intents captured by the accepted "
        f"themes {mean(ours, 'captured'):.3f} (other industries alone as the background: {mean(shipped, 'captured'):.3f}"
        + (
            f"; BERTopic's kept topics: {mean(peer, 'captured'):.3f}"
            if peer in figures
            else "; BERTopic not run"
        )
        + f"), recall {mean(ours, 'recall'):.3f}"
        + (f" (BERTopic {mean(peer, 'recall'):.3f})" if peer in figures else "")
        + f", precision {mean(ours, 'precision'):.3f}"
        + (f" (BERTopic {mean(peer, 'precision'):.3f})" if peer in figures else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

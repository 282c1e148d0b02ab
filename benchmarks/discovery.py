"""Discovery of new themes on BANKING77 intents the vocabulary does not know (docs/accuracy.md, "Themes").

For each seed, the same 10 intents that ``theme_accuracy.py`` holds out as "unseen" (chosen by
``split_for_eval``) are clustered with ``cluster_texts`` — every one of their texts, as if none
had matched. Reported against the true intents:

- clusters: proposals of at least ``--min-cluster-size`` texts;
- purity: share of clustered texts whose cluster's majority intent is their own;
- coverage: share of texts that land in a proposal (the rest stay unclustered);
- singletons: share of texts in clusters of one;
- intents recovered: intents that are the majority of at least one proposal.

    .venv/bin/python benchmarks/discovery.py [PATH_TO_BANKING77_TRAIN_CSV] [--seeds 0 1 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from convosift.classify.evaluate import read_labelled_csv, split_for_eval
from convosift.themes.discovery import DEFAULT_DISTANCE_THRESHOLD, DEFAULT_MIN_CLUSTER_SIZE, cluster_texts

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PATH = REPO.parent / "shared" / "data" / "banking77" / "train.csv"


def run(path: Path, seed: int, min_cluster_size: int, distance_threshold: float) -> dict[str, Any]:
    data = read_labelled_csv(path)
    unseen = set(split_for_eval(data, test_fraction=0.2, holdout_labels=10, seed=seed).unseen_labels)
    rows = [(text, label) for text, label in zip(data.texts, data.labels, strict=True) if label in unseen]
    texts, labels = [t for t, _ in rows], [label for _, label in rows]
    started = time.perf_counter()
    # min size 1 keeps every cluster, so singletons and small clusters can be counted too
    every = cluster_texts(texts, min_cluster_size=1, distance_threshold=distance_threshold)
    seconds = time.perf_counter() - started
    proposals = [c for c in every if len(c.members) >= min_cluster_size]
    clustered = sum(len(c.members) for c in proposals)
    majority = [Counter(labels[i] for i in c.members).most_common(1)[0] for c in proposals]
    return {
        "seed": seed,
        "held_out": sorted(unseen),
        "texts": len(texts),
        "clusters": len(proposals),
        "purity": round(sum(n for _, n in majority) / max(clustered, 1), 4),
        "coverage": round(clustered / len(texts), 4),
        "singletons": round(sum(len(c.members) == 1 for c in every) / len(texts), 4),
        "intents_recovered": len({label for label, _ in majority}),
        "examples": [
            {"size": len(c.members), "intent": m[0], "key_phrases": c.key_phrases}
            for c, m in zip(proposals, majority, strict=True)
        ][:12],
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH, help="BANKING77 train.csv")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--min-cluster-size", type=int, default=DEFAULT_MIN_CLUSTER_SIZE)
    parser.add_argument("--distance-threshold", type=float, default=DEFAULT_DISTANCE_THRESHOLD)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = [run(args.path, seed, args.min_cluster_size, args.distance_threshold) for seed in args.seeds]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for result in results:
            print(f"seed {result['seed']}: {len(result['held_out'])} unseen intents, {result['texts']} texts")
            for key in ("clusters", "purity", "coverage", "singletons", "intents_recovered", "seconds"):
                print(f"  {key}: {result[key]}")
            for example in result["examples"]:
                print(
                    f"    {example['size']:4d}  {example['intent']:<32} {', '.join(example['key_phrases'])}"
                )

    def mean(key: str) -> float:
        return sum(float(r[key]) for r in results) / len(results)

    print(
        f"SUMMARY discovery over {len(results)} seeds: clusters={mean('clusters'):.1f} "
        f"purity={mean('purity'):.3f} (goal 0.80) singletons={mean('singletons'):.3f} (goal <=0.25) "
        f"coverage={mean('coverage'):.3f} intents recovered={mean('intents_recovered'):.1f}/10"
    )


if __name__ == "__main__":
    main()

"""Discovery: cluster unmatched conversations into proposed themes with key phrases and quotes.

What is clustered is each English conversation's request (``customer_request``: greetings, names,
e-mail addresses, numbers and courtesy lines removed; lines many conversations share as
boilerplate, :mod:`convosift.themes.boilerplate`, too), embedded with the wordllama sentence vectors. Clustering needs no preset number of clusters, and which method runs depends on how many
texts there are (``benchmarks/discovery.py`` chose both on real labelled text, docs/accuracy.md):

- from ``MANIFOLD_MIN_TEXTS`` texts on, the vectors are reduced to 5 dimensions by UMAP (15
  neighbours, cosine), k-means splits the reduced space into small cells (about ten texts each,
  at most ``MAX_CELLS``) and average-linkage clustering joins the cells' centres up to
  ``MANIFOLD_DISTANCE``. A text whose UMAP neighbourhood lies mostly in other clusters sits
  between two requests and is left out (``NEIGHBOUR_AGREEMENT``), which keeps proposals pure.
  Time and memory grow about linearly: nothing holds an n x n matrix, so every unthemed
  conversation takes part;
- below it, UMAP has too little to learn a shape from: average-linkage agglomerative clustering on
  cosine distance, cut at a distance threshold, over the vectors joined with TF-IDF word n-grams.
  A big cluster (``SPLIT_FROM`` texts) is clustered again ``SPLIT_TIGHTER`` tighter and split into
  its parts, since average linkage lets it absorb neighbouring requests.

Clusters smaller than ``min_cluster_size`` are left alone: a proposal is only worth a person's
time when several customers share it.

Proposal ids are stable: a new cluster that shares most members (or nearly its centroid) with a
proposal of the previous discovery keeps that proposal's id; proposals not found again become
``gone``. A cluster that matches a dismissed proposal stays dismissed: it is not proposed again. A fresh id is derived from the members, so the same data gives the same ids.
"""

from __future__ import annotations

import hashlib
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from convosift.ml.language import other_language
from convosift.store import Connection, Store
from convosift.store import proposals as stored
from convosift.store.proposals import ClusterContent, Proposal
from convosift.store.themes import unmatched_conversations as stored_unmatched
from convosift.themes.boilerplate import requests_of
from convosift.themes.keyphrases import key_phrases
from convosift.themes.naming import title as offline_title
from convosift.themes.opposites import split_opposites
from convosift.themes.proposals import list_proposals
from convosift.themes.quotes import member_quotes
from convosift.themes.signatures import signature_from_title, suggested_signature
from convosift.themes.text import MAX_TEXT_CHARS, Embedder

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

DEFAULT_MIN_CLUSTER_SIZE = 5
DEFAULT_DISTANCE_THRESHOLD = 0.65
SPLIT_FROM = 20
"""Below :data:`MANIFOLD_MIN_TEXTS`, a cluster of this many texts or more is clustered again
:data:`SPLIT_TIGHTER` tighter, and split when two or more parts of ``min_cluster_size`` come out."""
SPLIT_TIGHTER = 0.1
MANIFOLD_MIN_TEXTS = 2000
"""From this many texts on, clusters are found in a UMAP reduction of the vectors."""
MANIFOLD_DISTANCE = 0.35
"""Average-linkage distance (in the 5-dimensional UMAP space) at which cells stop merging."""
UMAP_NEIGHBOURS = 15
UMAP_SEARCH_FROM = 4096
"""UMAP computes exact distances itself below this many texts, and searches for neighbours from it."""
EXACT_NEIGHBOURS_MAX = 30_000
"""From :data:`UMAP_SEARCH_FROM` to this many texts UMAP is given exact neighbours
(:mod:`convosift.ml.nearest`): its own search compiles itself anew in every process (~25 s)."""
NEIGHBOUR_AGREEMENT = 0.5
"""Share of a text's UMAP neighbourhood (by membership strength) that must lie in its own cluster."""
TEXTS_PER_CELL = 10
MAX_CELLS = 2000
_SEED = 42
JOIN_COSINE = 0.8
"""Cosine to a proposal's centroid from which a new conversation joins it without re-clustering."""
TFIDF_WEIGHT = 0.5
_SAME_PROPOSAL_OVERLAP = 0.3
_SAME_PROPOSAL_COSINE = 0.92
_EXCLUDED_CATEGORIES = ("spam",)


@dataclass
class Cluster:
    members: list[int]
    """Indexes into the clustered texts, the most central first."""
    key_phrases: list[str]
    centroid: list[float]
    quotes: list[str | None] = field(default_factory=list)
    """Evidence sentence of each member, aligned with ``members``."""
    title: str = ""
    """An offline title (verb and object from the members' words), "" when none was found."""


Progress = Callable[[str], None]
"""Told each step of a long discovery as it starts ("clustering 10,003 requests")."""
Namer = Callable[[list[tuple[list[str], list[str]]]], list[tuple[str, str] | None]]
"""Given (key phrases, quotes) per new cluster, a (title, signature) for each, or None to keep the label."""


def _default_embedder() -> Embedder:
    from convosift.ml import embed

    return embed


def _features(texts: Sequence[str], vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    min_df = 2 if len(texts) >= 20 else 1
    try:
        tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=min_df, stop_words="english")
        words = tfidf.fit_transform(texts).toarray().astype(np.float32)
    except ValueError:  # every text is stop words only: the vectors alone must do
        words = np.zeros((len(texts), 0), dtype=np.float32)
    joined = np.hstack([vectors, TFIDF_WEIGHT * words])
    norms = np.linalg.norm(joined, axis=1, keepdims=True)
    features: NDArray[np.float32] = (joined / np.maximum(norms, 1e-9)).astype(np.float32)
    return features


def cluster_texts(
    texts: Sequence[str],
    *,
    min_cluster_size: int = DEFAULT_MIN_CLUSTER_SIZE,
    distance_threshold: float = DEFAULT_DISTANCE_THRESHOLD,
    embed: Embedder | None = None,
    authors: Sequence[str | None] | None = None,
    progress: Progress | None = None,
) -> list[Cluster]:
    """Clusters of at least ``min_cluster_size`` texts, the biggest first, with key phrases and quotes.

    ``authors`` (parallel to ``texts``, None where unknown) says who wrote each text: a word one
    customer repeats is not what a cluster is about (:func:`convosift.themes.keyphrases.own_words`).
    ``progress`` is told each step as it starts."""
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering

    if len(texts) < max(2, min_cluster_size):
        return []
    embedder = embed or _default_embedder()
    tell = progress or (lambda _step: None)
    tell(f"reading and embedding {len(texts):,} requests")
    # Lines kept for the words (a line's first word opens a sentence), joined for the vectors.
    lined = requests_of(texts, embedder)
    originals, texts = texts, [text.replace("\n", " ") for text in lined]
    vectors = np.asarray(embedder(texts), dtype=np.float32)
    tell(f"clustering {len(texts):,} requests")
    if len(texts) >= MANIFOLD_MIN_TEXTS:
        labels = _manifold_labels(vectors)
    else:
        features = _features(texts, vectors)
        labels = AgglomerativeClustering(
            n_clusters=None, distance_threshold=distance_threshold, metric="cosine", linkage="average"
        ).fit_predict(features)
        labels = _split_mixed(features, labels, distance_threshold - SPLIT_TIGHTER, min_cluster_size)
    labels = split_opposites(texts, labels, vectors, min_cluster_size)
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    left_out = groups.pop(-1, [])
    kept = sorted((g for g in groups.values() if len(g) >= min_cluster_size), key=lambda g: (-len(g), g[0]))
    small = [i for group in groups.values() if len(group) < min_cluster_size for i in group]
    tell(f"naming {len(kept):,} clusters")
    phrases = key_phrases(
        [[lined[i] for i in group] for group in kept],
        [lined[i] for i in left_out + small],
        authors=[[authors[i] for i in group] for group in kept] if authors is not None else None,
    )
    clusters = []
    for group, words in zip(kept, phrases, strict=True):
        centroid = vectors[group].mean(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
        order = sorted(group, key=lambda i: -float(vectors[i] @ centroid))
        clusters.append(
            Cluster(
                members=order,
                key_phrases=words,
                centroid=[round(float(x), 5) for x in centroid],
                title=offline_title([lined[i] for i in group], words),
            )
        )
    # Per line: "gave me 20." stays apart from "Where...?".
    quotes = member_quotes(
        [c.members for c in clusters], np.asarray([c.centroid for c in clusters]), lined, originals, embedder
    )
    for cluster, shown in zip(clusters, quotes, strict=True):
        cluster.quotes = shown
    return clusters


def _split_mixed(
    features: NDArray[np.float32], labels: NDArray[np.int64], distance: float, min_cluster_size: int
) -> NDArray[np.int64]:
    """``labels`` with each big cluster split into the parts it falls into at ``distance``.

    Average linkage over a small inbox lets a big cluster absorb neighbouring requests ("check a
    payment's status" with other billing questions), and the biggest proposals are the ones
    accepted first. Each text of a part smaller than ``min_cluster_size`` joins the part whose
    centre is closest to it, so no text leaves the cluster's proposals.
    """
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering

    result = np.asarray(labels, dtype=np.int64).copy()
    if distance <= 0 or not len(result):
        return result
    next_label = int(result.max()) + 1
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < SPLIT_FROM:
            continue
        parts = AgglomerativeClustering(
            n_clusters=None, distance_threshold=distance, metric="cosine", linkage="average"
        ).fit_predict(features[members])
        sizes = np.bincount(parts)
        big = np.flatnonzero(sizes >= min_cluster_size)
        if len(big) < 2:
            continue
        centres = np.stack([features[members[parts == part]].mean(axis=0) for part in big])
        centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-9)
        nearest = big[np.argmax(features[members] @ centres.T, axis=1)]
        chosen = np.where(np.isin(parts, big), parts, nearest)
        # The biggest part keeps the cluster's label; the others get new ones, in part order.
        ordered = sorted(big, key=lambda part: (-int((chosen == part).sum()), int(part)))
        for rank, part in enumerate(ordered):
            result[members[chosen == part]] = label if rank == 0 else next_label + rank - 1
        next_label += len(ordered) - 1
    return result


def _manifold_labels(vectors: NDArray[np.float32]) -> NDArray[np.int64]:
    """Cluster labels from UMAP, then k-means cells, then average linkage of the cells' centres.

    -1 marks a text whose neighbours (UMAP's fuzzy graph, weighted by membership strength) lie
    mostly in other clusters.
    """
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering, MiniBatchKMeans
    from umap import UMAP

    from convosift.ml.nearest import nearest_neighbours

    known = {}
    if UMAP_SEARCH_FROM <= len(vectors) <= EXACT_NEIGHBOURS_MAX:
        known["precomputed_knn"] = nearest_neighbours(vectors, UMAP_NEIGHBOURS)
    reducer = UMAP(
        n_neighbors=UMAP_NEIGHBOURS,
        n_components=5,
        min_dist=0.0,
        metric="cosine",
        random_state=_SEED,
        n_jobs=1,
        **known,
    )
    with warnings.catch_warnings():
        # Given the neighbours, UMAP warns it cannot transform new data: it is not asked to.
        warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]", category=UserWarning)
        reduced = reducer.fit_transform(vectors)
    cells = MiniBatchKMeans(
        n_clusters=min(MAX_CELLS, max(2, len(vectors) // TEXTS_PER_CELL)),
        random_state=0,
        n_init=1,
        batch_size=4096,
    ).fit(reduced)
    joined = AgglomerativeClustering(
        n_clusters=None, distance_threshold=MANIFOLD_DISTANCE, linkage="average"
    ).fit_predict(cells.cluster_centers_)
    labels: NDArray[np.int64] = np.asarray(joined, dtype=np.int64)[cells.labels_]
    graph = reducer.graph_.tocsr()
    rows = np.repeat(np.arange(graph.shape[0]), np.diff(graph.indptr))
    same = np.where(labels[graph.indices] == labels[rows], graph.data, 0.0)
    total = np.bincount(rows, weights=graph.data, minlength=len(labels))
    agreement = np.bincount(rows, weights=same, minlength=len(labels)) / np.maximum(total, 1e-12)
    labels[agreement < NEIGHBOUR_AGREEMENT] = -1
    return labels


# --- the stored workflow ---------------------------------------------------------------------


Pooled = tuple[str, str, str, str | None]
"""``(source, id, customer_text, contact_id)`` of a conversation discovery works on."""


def unmatched_conversations(conn: Connection, limit: int | None = None) -> list[Pooled]:
    """``(source, id, text, contact_id)`` of kept, unmatched English conversations (spam if flagged)."""
    return [
        (c.source, c.id, c.customer_text[:MAX_TEXT_CHARS], c.contact_id)
        for c in stored_unmatched(conn, limit=limit, excluded_categories=_EXCLUDED_CATEGORIES)
        if c.customer_text.strip() and other_language(c.customer_text[:MAX_TEXT_CHARS]) is None
    ]


def discover(
    store: Store,
    *,
    min_cluster_size: int = DEFAULT_MIN_CLUSTER_SIZE,
    distance_threshold: float = DEFAULT_DISTANCE_THRESHOLD,
    taken_signatures: set[str] | None = None,
    embed: Embedder | None = None,
    namer: Namer | None = None,
    clock: Callable[[], float] = time.time,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Cluster the stored unmatched conversations and store the clusters as ``proposed`` themes.

    Returns the current proposals (as :func:`list_proposals` does). ``taken_signatures`` (the
    vocabulary's) keeps suggested signatures from colliding with existing themes. ``namer`` (an
    LLM, when one is configured) titles the clusters that are new; proposals that already exist
    keep the title they have. ``progress`` is told each step as it starts.
    """
    import numpy as np

    tell = progress or (lambda _step: None)
    tell("reading the unmatched conversations")
    with store.read() as conn:
        pool = unmatched_conversations(conn)
    clusters = cluster_texts(
        [text for _, _, text, _ in pool],
        min_cluster_size=min_cluster_size,
        distance_threshold=distance_threshold,
        embed=embed,
        authors=[f"{source}/{contact}" if contact else None for source, _, _, contact in pool],
        progress=progress,
    )
    if namer is not None:
        tell("titling the new clusters with the LLM")
    names = _name_new_clusters(store, pool, clusters, namer) if namer is not None else {}
    tell("storing the proposals")
    now = clock()
    with store.write() as conn:
        previous = stored.list_proposals(conn)
        # A cluster a person dismissed is found again, not proposed again.
        known = previous + stored.list_proposals(conn, status=stored.DISMISSED)
        taken = set(taken_signatures or ()) | stored.proposal_signatures(conn)
        titles = {proposal.title.casefold() for proposal in previous}
        claimed: set[str] = set()
        for index, cluster in enumerate(clusters):
            members = [[pool[i][0], pool[i][1]] for i in cluster.members]
            content = ClusterContent(
                key_phrases=cluster.key_phrases,
                members=members,
                evidence=[
                    {"source": pool[i][0], "conversation_id": pool[i][1], "quote": quote}
                    for i, quote in zip(cluster.members, cluster.quotes, strict=True)
                    if quote
                ],
                centroid=cluster.centroid,
            )
            same = _same_proposal(members, np.asarray(cluster.centroid), known, claimed)
            if same is not None:
                claimed.add(same.id)
                if same.status == stored.PROPOSED:
                    stored.refresh_proposal(conn, same.id, content, now)
                continue
            named, phrases = names.get(index), cluster.key_phrases
            title = _distinct_title(
                named[0] if named else cluster.title or suggested_signature(phrases, taken), phrases, titles
            )
            # The signature a person accepts reads as the title they saw ("Charged twice").
            signature = (
                named[1] if named and named[1] not in taken else signature_from_title(title, phrases, taken)
            )
            titles.add(title.casefold())
            taken.add(signature)
            proposal_id = _free_id(conn, _proposal_id(members))
            stored.insert_proposal(conn, proposal_id, content, signature=signature, title=title, now=now)
            claimed.add(proposal_id)
        stored.mark_gone(conn, [p.id for p in previous if p.id not in claimed], now)
    return list_proposals(store)


def _distinct_title(title: str, key_phrases: Sequence[str], titles: set[str]) -> str:
    """``title``, or, when an open proposal already has it, the title with the first key phrase
    it does not contain ("Charged fee (transfer)"): two proposals of one name cannot be told
    apart in a list."""
    if title.casefold() not in titles:
        return title
    for phrase in key_phrases:
        candidate = f"{title} ({phrase})"
        if phrase.casefold() not in title.casefold() and candidate.casefold() not in titles:
            return candidate
    number = 2
    while f"{title} ({number})".casefold() in titles:
        number += 1
    return f"{title} ({number})"


def join_proposals(
    store: Store,
    *,
    min_cosine: float = JOIN_COSINE,
    embed: Embedder | None = None,
    clock: Callable[[], float] = time.time,
) -> dict[str, int]:
    """Add unthemed conversations that sit in no open proposal to the closest one, if close enough.

    The incremental path after a sync: nothing is re-clustered, proposal ids and titles stay, and a
    conversation joins only when its request is within ``min_cosine`` of the proposal's centroid.
    Returns how many joined each proposal; running it again on unchanged data joins nothing.
    """
    import numpy as np

    with store.read() as conn:
        proposals = [p for p in stored.list_proposals(conn) if p.centroid]
        pool = unmatched_conversations(conn)
    if not proposals:
        return {}
    placed = {(s, i) for p in proposals for s, i in p.members}
    newcomers = [item for item in pool if (item[0], item[1]) not in placed]
    if not newcomers:
        return {}
    embedder = embed or _default_embedder()
    # Read as discovery read the proposals' members: boilerplate is found in the whole pool.
    lined = requests_of([text for _, _, text, _ in pool], embedder)
    cleaned = {(s, i): text.replace("\n", " ") for (s, i, _, _), text in zip(pool, lined, strict=True)}
    vectors = np.asarray(embedder([cleaned[s, i] for s, i, _, _ in newcomers]), dtype=np.float32)
    centroids = np.asarray([p.centroid for p in proposals], dtype=np.float32)
    similarity = vectors @ centroids.T
    best = similarity.argmax(axis=1)
    joined: dict[int, list[int]] = {}
    for index, proposal_index in enumerate(best):
        if similarity[index, proposal_index] >= min_cosine:
            joined.setdefault(int(proposal_index), []).append(index)
    now = clock()
    with store.write() as conn:
        for proposal_index, members in sorted(joined.items()):
            proposal = proposals[proposal_index]
            content = ClusterContent(
                key_phrases=proposal.key_phrases,
                members=[*proposal.members, *([newcomers[i][0], newcomers[i][1]] for i in members)],
                evidence=list(proposal.evidence),
                centroid=proposal.centroid,
            )
            stored.refresh_proposal(conn, proposal.id, content, now)
    return {proposals[i].id: len(members) for i, members in sorted(joined.items())}


def _name_new_clusters(
    store: Store, pool: list[Pooled], clusters: list[Cluster], namer: Namer
) -> dict[int, tuple[str, str]]:
    """Ask ``namer`` for (title, signature) of the clusters that match no existing proposal."""
    import numpy as np

    with store.read() as conn:
        previous = stored.list_proposals(conn) + stored.list_proposals(conn, status=stored.DISMISSED)
    claimed: set[str] = set()
    new: list[int] = []
    for index, cluster in enumerate(clusters):
        members = [[pool[i][0], pool[i][1]] for i in cluster.members]
        same = _same_proposal(members, np.asarray(cluster.centroid), previous, claimed)
        if same is None:
            new.append(index)
        else:
            claimed.add(same.id)
    if not new:
        return {}
    answers = namer([(clusters[i].key_phrases, [q for q in clusters[i].quotes if q]) for i in new])
    return {index: answer for index, answer in zip(new, answers, strict=True) if answer is not None}


def _same_proposal(
    members: list[list[str]], centroid: NDArray[Any], previous: list[Proposal], claimed: set[str]
) -> Proposal | None:
    import numpy as np

    mine = {tuple(m) for m in members}
    best: tuple[float, Proposal] | None = None
    for proposal in previous:
        if proposal.id in claimed:
            continue
        theirs = {tuple(m) for m in proposal.members}
        overlap = len(mine & theirs) / max(len(mine | theirs), 1)
        cosine = float(np.asarray(proposal.centroid, dtype=np.float32) @ centroid)
        if overlap >= _SAME_PROPOSAL_OVERLAP or cosine >= _SAME_PROPOSAL_COSINE:
            score = overlap + cosine
            if best is None or score > best[0]:
                best = (score, proposal)
    return best[1] if best else None


def _proposal_id(members: list[list[str]]) -> str:
    digest = hashlib.sha256("\n".join(sorted(f"{s}\t{i}" for s, i in members)).encode()).hexdigest()
    return f"p{digest[:8]}"


def _free_id(conn: Connection, proposal_id: str) -> str:
    """The id itself, or a derived one when a decided proposal already holds it."""
    while stored.proposal_exists(conn, proposal_id):
        proposal_id = f"p{hashlib.sha256(proposal_id.encode()).hexdigest()[:8]}"
    return proposal_id

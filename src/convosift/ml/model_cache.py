"""Trained classifiers cached on disk, keyed by what they were trained on.

The key hashes the engine version, the embedding model, the parameters, the versions of the
libraries whose objects are pickled and every training (text, label) pair in order, so a changed
taxonomy or vocabulary trains a new model and an unchanged one loads in milliseconds. Files are
our own pickles (joblib) written atomically; an unreadable file is treated as a miss and replaced.

A process also keeps the few models it used last in memory (:data:`LOADED_LIMIT`), so a worker
running one sync after another, the API answering requests, or a run whose models were loaded
before it started, reads each file once. Models are not changed after training, so one object
serves every caller.

The directory keeps the :data:`MODEL_FILES_KEPT` files used last: every use marks its file (its
modification time), and writing a new model deletes the least recently used beyond the bound.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from convosift.logs import get_logger
from convosift.ml.embeddings import EMBEDDING_MODEL
from convosift.ml.engine import ENGINE_VERSION, EngineParams, TextClassifier

log = get_logger(__name__)

LOADED_LIMIT = 4
"""Models a process keeps in memory after use (the category model, the junk detector, a
vocabulary's matcher and its domain gate)."""
MODEL_FILES_KEPT = 32
"""Model files a cache directory keeps. Each vocabulary, and each set of discovery proposals a
vocabulary is contrasted with, trains models of its own (a few MB each): without a bound the
directory would grow with every curation and every discovery."""
_loaded: OrderedDict[Path, TextClassifier] = OrderedDict()
_loaded_lock = threading.Lock()


def model_key(
    texts: Sequence[str],
    labels: Sequence[str],
    params: EngineParams,
    label_texts: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """A hex digest identifying the model these inputs train."""
    digest = hashlib.sha256()
    header = {
        "engine": ENGINE_VERSION,
        "embedding": EMBEDDING_MODEL,
        "params": asdict(params),
        # Pickles of fitted scikit-learn objects are only safe to load with the versions that wrote them.
        "libraries": {name: _version(name) for name in ("scikit-learn", "numpy", "scipy")},
    }
    digest.update(json.dumps(header, sort_keys=True).encode())
    for text, label in zip(texts, labels, strict=True):
        digest.update(b"\x1e" + label.encode() + b"\x1f" + text.encode())
    for label in sorted(label_texts or {}):
        for text in (label_texts or {})[label]:
            digest.update(b"\x1d" + label.encode() + b"\x1f" + text.encode())
    return digest.hexdigest()[:24]


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


def model_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / "models" / f"local-{key}.joblib"


def load_or_train(
    cache_dir: Path,
    texts: Sequence[str],
    labels: Sequence[str],
    params: EngineParams | None = None,
    label_texts: Mapping[str, Sequence[str]] | None = None,
) -> TextClassifier:
    """The cached classifier for these training data, training and storing it on a miss.

    ``label_texts`` are texts describing a label (see :meth:`TextClassifier.fit`).
    """
    params = params or EngineParams()
    key = model_key(texts, labels, params, label_texts)
    path = model_path(cache_dir, key)
    with _loaded_lock:
        if path in _loaded:
            _loaded.move_to_end(path)
            _mark_used(path)
            return _loaded[path]
    classifier = _load(path)
    if classifier is not None:
        _mark_used(path)
    else:
        classifier = TextClassifier(params).fit(texts, labels, label_texts)
        _store(path, classifier)
        _prune(path.parent, MODEL_FILES_KEPT)
        log.info(
            "local_model_trained", key=key, examples=len(texts), seconds=round(classifier.train_seconds, 2)
        )
    with _loaded_lock:
        _loaded[path] = classifier
        while len(_loaded) > LOADED_LIMIT:
            _loaded.popitem(last=False)
    return classifier


def forget_loaded() -> None:
    """Drop the models kept in memory: the next use reads its file again."""
    with _loaded_lock:
        _loaded.clear()


def _mark_used(path: Path) -> None:
    try:
        os.utime(path)
    except OSError as exc:  # a file of another user: it may be pruned as if unused
        log.debug("local_model_cache_not_marked", path=str(path), error=type(exc).__name__)


def _prune(directory: Path, keep: int) -> None:
    """Delete the model files of ``directory`` beyond the ``keep`` used last (another process
    that still needs one trains it again)."""
    found: list[tuple[float, str, Path]] = []
    for path in directory.glob("local-*.joblib"):
        with contextlib.suppress(OSError):
            found.append((path.stat().st_mtime, path.name, path))
    for _, _, path in sorted(found, reverse=True)[keep:]:
        with contextlib.suppress(OSError):
            path.unlink()


def _load(path: Path) -> TextClassifier | None:
    import joblib

    if not path.exists():
        return None
    try:
        loaded = joblib.load(path)
    except Exception as exc:
        log.warning("local_model_cache_unreadable", path=str(path), error=type(exc).__name__)
        return None
    return loaded if isinstance(loaded, TextClassifier) else None


def _store(path: Path, classifier: TextClassifier) -> None:
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".joblib")
    os.close(handle)
    try:
        joblib.dump(classifier, temporary)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        log.warning("local_model_cache_not_written", path=str(path), error=str(exc))

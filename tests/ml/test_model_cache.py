"""Trained models are cached on disk, keyed by their training data; loading never touches the network."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from convosift.ml import EngineParams, TextClassifier, load_or_train, model_key
from convosift.ml.model_cache import LOADED_LIMIT, forget_loaded, model_path

TEXTS = ["refund my payment", "charged twice this month", "reset my password", "cannot sign in"]
LABELS = ["billing", "billing", "login", "login"]


def test_second_load_uses_the_cache_and_does_not_retrain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_or_train(tmp_path, TEXTS, LABELS)
    assert model_path(tmp_path, model_key(TEXTS, LABELS, EngineParams())).exists()

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("retrained although a cached model exists")

    monkeypatch.setattr(TextClassifier, "fit", refuse)
    forget_loaded()  # as a new process would: read from the file
    second = load_or_train(tmp_path, TEXTS, LABELS)
    assert second is not first
    assert [p.label for p in second.predict(["refund please"], threshold=0.0)] == ["billing"]


def test_a_process_reads_each_model_file_once_and_keeps_only_the_last_few(tmp_path: Path) -> None:
    first = load_or_train(tmp_path, TEXTS, LABELS)
    model_path(tmp_path, model_key(TEXTS, LABELS, EngineParams())).unlink()
    assert load_or_train(tmp_path, TEXTS, LABELS) is first  # from memory: the file is gone
    for c in range(LOADED_LIMIT):
        load_or_train(tmp_path, TEXTS, LABELS, EngineParams(c=2.0 + c))
    # Pushed out of memory, and its file deleted: trained again.
    assert load_or_train(tmp_path, TEXTS, LABELS) is not first


def test_key_changes_with_data_labels_and_params() -> None:
    base = model_key(TEXTS, LABELS, EngineParams())
    assert model_key(TEXTS, LABELS, EngineParams()) == base
    assert model_key([*TEXTS[:-1], "cannot log in"], LABELS, EngineParams()) != base
    assert model_key(TEXTS, ["billing", "login", "login", "login"], EngineParams()) != base
    assert model_key(TEXTS, LABELS, EngineParams(c=2.0)) != base


def test_unreadable_cache_file_is_replaced(tmp_path: Path) -> None:
    path = model_path(tmp_path, model_key(TEXTS, LABELS, EngineParams()))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a model")
    classifier = load_or_train(tmp_path, TEXTS, LABELS)
    assert classifier.fitted
    assert path.stat().st_size > 1000


def test_loading_training_and_predicting_never_touch_the_network(tmp_path: Path) -> None:
    """In a fresh interpreter (so wordllama loads from scratch) every non-loopback connect fails loudly."""
    script = textwrap.dedent(
        f"""
        import socket

        attempts = []
        real_connect = socket.socket.connect

        def guarded(self, address):
            host = address[0] if isinstance(address, tuple) else str(address)
            if not (str(host).startswith("127.") or host in ("::1", "localhost")):
                attempts.append(host)
                raise OSError("network is not allowed in this test")
            return real_connect(self, address)

        socket.socket.connect = guarded
        from pathlib import Path
        from convosift.ml import load_or_train
        texts = {TEXTS!r}
        labels = {LABELS!r}
        first = load_or_train(Path({str(tmp_path)!r}), texts, labels)
        again = load_or_train(Path({str(tmp_path)!r}), texts, labels)
        answers = first.predict(["refund please"], threshold=0.0) + again.predict(["sign in"])
        print("ANSWER", answers[0].label, answers[1].best_label)
        assert not attempts, attempts
        """
    )
    env = {
        **os.environ,
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HF_HUB_OFFLINE": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ANSWER billing login" in result.stdout


def test_the_directory_keeps_the_models_used_last(tmp_path: Path) -> None:
    import time

    from convosift.ml.model_cache import MODEL_FILES_KEPT

    directory = tmp_path / "models"
    directory.mkdir()
    stale = [directory / f"local-stale{i:02d}.joblib" for i in range(MODEL_FILES_KEPT + 5)]
    past = time.time() - 10_000
    for i, path in enumerate(stale):
        path.write_bytes(b"old model")
        os.utime(path, (past + i, past + i))
    used = load_or_train(tmp_path, TEXTS, LABELS)
    kept = sorted(p.name for p in directory.glob("local-*.joblib"))
    assert len(kept) == MODEL_FILES_KEPT
    # The new model and the most recent old ones stay; the least recently used are deleted.
    assert model_path(tmp_path, model_key(TEXTS, LABELS, EngineParams())).name in kept
    assert not stale[0].exists() and stale[-1].exists()

    # Using a model marks its file, even from memory: the oldest file is then another one.
    path = model_path(tmp_path, model_key(TEXTS, LABELS, EngineParams()))
    os.utime(path, (past - 1, past - 1))
    assert load_or_train(tmp_path, TEXTS, LABELS) is used
    assert path.stat().st_mtime > past + len(stale)
    load_or_train(tmp_path, TEXTS, LABELS, EngineParams(c=3.0))
    assert path.exists() and len(list(directory.glob("local-*.joblib"))) == MODEL_FILES_KEPT

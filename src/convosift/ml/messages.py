"""Genuine customer messages shipped with convosift, grouped by industry.

Two sets of texts, both written for convosift: the labelled seed files (``data/seeds/*.yaml``,
each mapping labels to their example texts) and an unlabelled file of more messages
(``data/background.yaml``, mapping industries to their texts). The models that need examples of
what real customers write, whatever they write about, read them from here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from convosift import yamlfiles

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SEEDS_DIR = DATA_DIR / "seeds"
BACKGROUND_FILE = DATA_DIR / "background.yaml"
"""Customer messages of many businesses (21 industries), unlabelled."""


@cache
def seed_messages(exclude: tuple[str, ...] = (), skip: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The texts of the seed files, in file order; ``exclude`` names industries (file stems) and
    ``skip`` labels to leave out."""
    texts: list[str] = []
    for path in sorted(SEEDS_DIR.glob("*.yaml")):
        if path.stem in exclude:
            continue
        data = yamlfiles.safe_load(path.read_text(encoding="utf-8")) or {}
        for label, items in (data.get("examples") or {}).items():
            if label not in skip:
                texts.extend(_strings(path, label, items))
    return tuple(texts)


@cache
def background_messages(exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The texts of :data:`BACKGROUND_FILE`, by industry in name order; ``exclude`` names
    industries to leave out."""
    data = yamlfiles.safe_load(BACKGROUND_FILE.read_text(encoding="utf-8")) or {}
    texts: list[str] = []
    for industry, items in sorted((data.get("industries") or {}).items()):
        if industry not in exclude:
            texts.extend(_strings(BACKGROUND_FILE, industry, items))
    return tuple(texts)


def _strings(path: Path, key: str, items: object) -> list[str]:
    """The non-empty texts listed under ``key``; anything but a list of texts is a broken file."""
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ValueError(f"{path.name}: '{key}' must be a list of texts")
    return [item.strip() for item in items if item.strip()]

"""Genuine customer messages shipped with convosift, grouped by industry.

Two sets, both written for convosift: the category seed files (``data/seeds/*.yaml``, labelled
by conversation type, what the category model learns from) and the domain gate's own messages
(``data/background.yaml``, unlabelled). The junk detector learns both as genuine, and the theme
matcher's domain gate contrasts a vocabulary with both.
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
    """The messages of the seed files, in file order; ``exclude`` names industries (file stems) and
    ``skip`` categories to leave out."""
    texts: list[str] = []
    for path in sorted(SEEDS_DIR.glob("*.yaml")):
        if path.stem in exclude:
            continue
        data = yamlfiles.safe_load(path.read_text(encoding="utf-8")) or {}
        for category, items in (data.get("examples") or {}).items():
            if category not in skip:
                texts.extend(_strings(items))
    return tuple(texts)


@cache
def gate_messages(exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The messages of :data:`BACKGROUND_FILE`, by industry in name order; ``exclude`` names
    industries to leave out."""
    data = yamlfiles.safe_load(BACKGROUND_FILE.read_text(encoding="utf-8")) or {}
    texts: list[str] = []
    for industry, items in sorted((data.get("industries") or {}).items()):
        if industry not in exclude:
            texts.extend(_strings(items))
    return tuple(texts)


def _strings(items: object) -> list[str]:
    if not isinstance(items, list):
        return []
    return [str(item).strip() for item in items if item is not None and str(item).strip()]

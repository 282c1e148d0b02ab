"""YAML with libyaml's parser when PyYAML was built with it.

The shipped taxonomy, seed texts and junk sets are a third of a megabyte of YAML that every
process with the local models reads (the model cache key hashes their texts). The pure-Python
parser takes about 0.3 s for them, libyaml's about 0.03 s. Both build the same nodes and values,
and both report errors with their line.
"""

from __future__ import annotations

from typing import Any

import yaml

SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader, or PyYAML's own where libyaml is missing."""


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` with the faster parser."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader


def compose(text: str) -> yaml.Node | None:
    """``yaml.compose`` with the safe loader: nodes keep their line numbers."""
    return yaml.compose(text, Loader=SafeLoader)

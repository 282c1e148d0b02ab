"""The category taxonomy: categories with descriptions and examples, read from YAML.

A taxonomy file names its categories (snake_case) with a description and example texts, and may
point at seed files of further labelled examples (``seed_examples``: one path or a list of
paths, relative to the taxonomy file). Its :attr:`Taxonomy.version` is a hash of the content that matters (categories,
descriptions, examples, seeds), so caches keyed on it change exactly when the taxonomy does.
Invalid files raise :class:`~convosift.errors.ConfigurationError` naming the file, the line and
the problem.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from convosift import yamlfiles
from convosift.errors import ConfigurationError

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_TAXONOMY_PATH = DATA_DIR / "taxonomy.yaml"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_STR_TAG = "tag:yaml.org,2002:str"


@dataclass(frozen=True)
class Category:
    name: str
    description: str
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    path: Path
    categories: tuple[Category, ...]
    seed_examples: tuple[tuple[str, str], ...] = ()
    """Extra ``(category, text)`` pairs from the seed files, in file order."""
    fallback: str | None = None
    """The catch-all category (``general_inquiry`` by default): chosen only when nothing more
    specific is said anywhere in the text."""
    spam: str | None = None
    """The high-precision junk category (``spam`` by default): given only on positive evidence
    (:mod:`convosift.classify.evidence`), never as a fallback for the unfamiliar."""
    wish: str | None = None
    """The category of wishes for something new (``feature_request`` by default): given only when
    the text says it wishes for something (:mod:`convosift.classify.wishes`)."""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(category.name for category in self.categories)

    @property
    def version(self) -> str:
        """Content hash (12 hex digits): part of every cache key that depends on the taxonomy."""
        content = {
            "categories": [[c.name, c.description, list(c.examples)] for c in self.categories],
            "seeds": [list(pair) for pair in self.seed_examples],
            "fallback": self.fallback,
            "spam": self.spam,
            # Only when named: a taxonomy without it keeps its version (and the LLM answers cached on it).
            **({"wish": self.wish} if self.wish is not None else {}),
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]

    def training_examples(self) -> tuple[list[str], list[str]]:
        """All labelled examples (texts, labels): the categories' own, then the seeds."""
        texts: list[str] = []
        labels: list[str] = []
        for category in self.categories:
            texts.extend(category.examples)
            labels.extend([category.name] * len(category.examples))
        for name, text in self.seed_examples:
            texts.append(text)
            labels.append(name)
        return texts, labels

    def get(self, name: str) -> Category:
        for category in self.categories:
            if category.name == name:
                return category
        raise KeyError(name)


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read and validate a taxonomy file (the shipped default when ``path`` is None)."""
    path = path or DEFAULT_TAXONOMY_PATH
    root = _compose(path)
    fields = _mapping(path, root, "the taxonomy")
    _reject_unknown(
        path,
        fields,
        {"version", "seed_examples", "categories", "fallback_category", "spam_category", "wish_category"},
    )
    if "categories" not in fields:
        raise _error(path, root, "missing 'categories' (a mapping of name to description and examples)")
    categories = _categories(path, fields["categories"][1])
    seeds: tuple[tuple[str, str], ...] = ()
    if "seed_examples" in fields:
        seed_node = fields["seed_examples"][1]
        if isinstance(seed_node, yaml.SequenceNode):
            names = _strings(path, seed_node, "seed_examples")
        else:
            names = (_string(path, seed_node, "seed_examples"),)
        seeds = tuple(
            pair
            for name in names
            for pair in _seed_examples((path.parent / name).resolve(), {c.name for c in categories})
        )
    fallback, spam, wish = (
        _category_field(path, fields, key, {c.name for c in categories})
        for key in ("fallback_category", "spam_category", "wish_category")
    )
    if wish is not None and wish in (spam, fallback):
        raise _error(
            path, fields["wish_category"][1], f"wish_category {wish!r} is also the spam or fallback category"
        )
    if not {c.name for c in categories} - {spam, wish}:
        raise _error(path, root, "needs a category other than the spam and wish categories")
    taxonomy = Taxonomy(
        path=path, categories=categories, seed_examples=seeds, fallback=fallback, spam=spam, wish=wish
    )
    counts = dict.fromkeys(taxonomy.names, 0)
    for label in taxonomy.training_examples()[1]:
        counts[label] += 1
    empty = [name for name, count in counts.items() if count == 0]
    if empty:
        raise _error(path, root, f"categories without any example text: {', '.join(empty)}")
    return taxonomy


def _category_field(
    path: Path, fields: dict[str, tuple[yaml.Node, yaml.Node]], key: str, names: set[str]
) -> str | None:
    """A top-level field that names one of the categories, if present."""
    if key not in fields:
        return None
    node = fields[key][1]
    name = _string(path, node, key)
    if name not in names:
        raise _error(path, node, f"{key} {name!r} is not one of the categories")
    return name


def _categories(path: Path, node: yaml.Node) -> tuple[Category, ...]:
    entries = _mapping(path, node, "'categories'")
    if len(entries) < 2:
        raise _error(path, node, "'categories' needs at least two categories")
    categories = []
    for name, (key_node, value) in entries.items():
        if not _NAME.match(name):
            raise _error(path, key_node, f"category name {name!r} must be snake_case (a-z, 0-9, _)")
        fields = _mapping(path, value, f"category {name!r}")
        _reject_unknown(path, fields, {"description", "examples"})
        if "description" not in fields:
            raise _error(path, key_node, f"category {name!r} has no 'description'")
        description = _string(path, fields["description"][1], f"description of {name!r}")
        examples: tuple[str, ...] = ()
        if "examples" in fields:
            examples = _strings(path, fields["examples"][1], f"examples of {name!r}")
        categories.append(Category(name=name, description=description, examples=examples))
    return tuple(categories)


def _seed_examples(path: Path, names: set[str]) -> tuple[tuple[str, str], ...]:
    root = _compose(path)
    fields = _mapping(path, root, "the seed file")
    # ``industry`` names what a seed file's texts are about; it is documentation, not a label.
    _reject_unknown(path, fields, {"version", "industry", "examples"})
    if "examples" not in fields:
        raise _error(path, root, "missing 'examples' (a mapping of category name to example texts)")
    pairs: list[tuple[str, str]] = []
    for name, (key_node, value) in _mapping(path, fields["examples"][1], "'examples'").items():
        if name not in names:
            raise _error(path, key_node, f"{name!r} is not a category of the taxonomy")
        pairs.extend((name, text) for text in _strings(path, value, f"examples of {name!r}"))
    return tuple(pairs)


# --- YAML nodes with line numbers ------------------------------------------------------------


def _compose(path: Path) -> yaml.Node:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigurationError(f"{path}: file does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path}: cannot be read: {exc}") from None
    try:
        node = yamlfiles.compose(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        raise ConfigurationError(f"{path}, line {line}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: invalid YAML: {exc}") from None
    if node is None:
        raise ConfigurationError(f"{path}: the file is empty")
    return node


def _error(path: Path, node: yaml.Node, problem: str) -> ConfigurationError:
    return ConfigurationError(f"{path}, line {node.start_mark.line + 1}: {problem}")


def _mapping(path: Path, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise _error(path, node, f"{what} must be a mapping")
    entries: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in entries:
            raise _error(path, key_node, f"duplicate key {key!r} in {what}")
        entries[key] = (key_node, value_node)
    return entries


def _reject_unknown(path: Path, fields: dict[str, tuple[yaml.Node, yaml.Node]], allowed: set[str]) -> None:
    for key, (key_node, _) in fields.items():
        if key not in allowed:
            expected = ", ".join(sorted(allowed))
            raise _error(path, key_node, f"unknown key {key!r} (expected one of: {expected})")


def _string(path: Path, node: yaml.Node, what: str) -> str:
    # Only scalars YAML resolves to text count: `42`, `yes` or `~` are not example texts.
    if not isinstance(node, yaml.ScalarNode) or node.tag != _STR_TAG or not str(node.value).strip():
        raise _error(path, node, f"{what} must be a non-empty text")
    return str(node.value).strip()


def _strings(path: Path, node: yaml.Node, what: str) -> tuple[str, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise _error(path, node, f"{what} must be a list of texts")
    return tuple(_string(path, item, f"an item of {what}") for item in node.value)

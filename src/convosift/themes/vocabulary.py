"""The theme vocabulary: a YAML file of specific product problems, validated with line numbers.

A theme's ``signature`` names a problem that one fix resolves ("shopify_store_connection_fails"),
not a bucket ("integrations"). The file is versioned twice: a human ``version`` field, and the
content hash of what the matcher actually uses (signatures, texts, statuses), which changes
whenever a curation decision changes the file. Curation decisions are appended to the file's
``decisions`` list, so the vocabulary itself records who merged what into what.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from convosift import yamlfiles
from convosift.config import Settings
from convosift.errors import ConfigurationError, NotFoundError

SIGNATURE_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
MAX_SIGNATURE_LENGTH = 80
ThemeStatus = Literal["active", "proposed", "merged", "retired"]


def demo_vocabulary_path() -> Path:
    """The vocabulary of the demo's fictional shop: for ``convosift demo``, the generator and tests.

    It is never a default: a real inbox is about something else, and a vocabulary of one business
    would capture another's conversations.
    """
    return Path(__file__).resolve().parents[1] / "data" / "demo_vocabulary.yaml"


def check_signature(value: str) -> str:
    """Return ``value`` if it is a valid snake_case signature, else raise ``ValueError`` saying why."""
    if len(value) > MAX_SIGNATURE_LENGTH:
        raise ValueError(f"signature {value!r} is longer than {MAX_SIGNATURE_LENGTH} characters")
    if not SIGNATURE_PATTERN.match(value):
        raise ValueError(
            f"signature {value!r} must be snake_case: lowercase letters, digits and single underscores, "
            "starting with a letter"
        )
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Theme(_Strict):
    signature: str
    title: str = Field(min_length=1)
    product_area: str = ""
    description: str = ""
    keywords: tuple[str, ...] = ()
    url_patterns: tuple[str, ...] = ()
    """Globs matched against the path of ``source.url`` (or the whole URL when they contain ``://``)."""
    examples: tuple[str, ...] = ()
    status: ThemeStatus = "active"
    merged_into: str | None = None

    @field_validator("signature")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        return check_signature(value)

    @field_validator("keywords", "examples", "url_patterns")
    @classmethod
    def _no_blank_entries(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        if any(not value.strip() for value in values):
            raise ValueError("entries must not be blank")
        return tuple(value.strip() for value in values)

    @model_validator(mode="after")
    def _merged_needs_target(self) -> Theme:
        if self.status == "merged" and not self.merged_into:
            raise ValueError("a merged theme needs merged_into")
        if self.status != "merged" and self.merged_into:
            raise ValueError("merged_into is only allowed on a theme with status merged")
        if self.merged_into == self.signature:
            raise ValueError("a theme cannot be merged into itself")
        return self

    def matches_url(self, url: str | None) -> bool:
        if not url or not self.url_patterns:
            return False
        path = urlsplit(url).path or "/"
        return any(fnmatchcase(url if "://" in pattern else path, pattern) for pattern in self.url_patterns)

    def training_texts(self) -> list[str]:
        """Texts the local matcher learns this theme from: its examples, title and description."""
        texts = [*self.examples, self.title]
        if self.description:
            texts.append(self.description)
        return texts


class Decision(_Strict):
    """One curation decision, as the vocabulary file keeps it."""

    action: Literal["accept", "rename", "merge", "retire"]
    signature: str
    target: str | None = None
    at: str
    """ISO 8601 UTC time of the decision."""
    note: str | None = None


class Vocabulary(_Strict):
    version: int = Field(1, ge=1)
    match_threshold: float | None = Field(None, ge=0.0, le=1.0)
    """Match score below which a conversation is unmatched. It depends on the vocabulary (themes with
    few examples score lower), so the file carries it; None = the matcher's default."""
    themes: tuple[Theme, ...]
    decisions: tuple[Decision, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Vocabulary:
        seen: set[str] = set()
        for theme in self.themes:
            if theme.signature in seen:
                raise ValueError(f"signature {theme.signature!r} appears twice")
            seen.add(theme.signature)
        for theme in self.themes:
            if theme.merged_into and theme.merged_into not in seen:
                raise ValueError(f"{theme.signature!r} is merged into unknown theme {theme.merged_into!r}")
        for theme in self.themes:
            self._resolve(theme.signature)
        return self

    @property
    def content_hash(self) -> str:
        """Hash of everything that changes matching results; part of the matcher's identity."""
        payload = {
            "threshold": self.match_threshold,
            "themes": [t.model_dump(mode="json") for t in self.themes],
        }
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        return digest[:12]

    @property
    def active(self) -> list[Theme]:
        return [theme for theme in self.themes if theme.status == "active"]

    @property
    def signatures(self) -> list[str]:
        return [theme.signature for theme in self.themes]

    def get(self, signature: str) -> Theme:
        for theme in self.themes:
            if theme.signature == signature:
                return theme
        raise NotFoundError(f"theme {signature!r} is not in the vocabulary")

    def find(self, signature: str) -> Theme | None:
        return next((theme for theme in self.themes if theme.signature == signature), None)

    def resolve(self, signature: str) -> str:
        """Follow ``merged_into`` links to the theme a signature now lives in."""
        return self._resolve(signature)

    def _resolve(self, signature: str) -> str:
        by_signature = {theme.signature: theme for theme in self.themes}
        visited: list[str] = []
        current = signature
        while (theme := by_signature.get(current)) is not None and theme.merged_into:
            if current in visited:
                raise ValueError("merged_into forms a cycle: " + " -> ".join([*visited, current]))
            visited.append(current)
            current = theme.merged_into
        return current

    def replace_themes(self, themes: Iterable[Theme], decision: Decision | None = None) -> Vocabulary:
        decisions = (*self.decisions, decision) if decision else self.decisions
        return Vocabulary(
            version=self.version,
            match_threshold=self.match_threshold,
            themes=tuple(themes),
            decisions=decisions,
        )


# --- reading ---------------------------------------------------------------------------------


def load_vocabulary(path: Path) -> Vocabulary:
    """Read and validate a vocabulary file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigurationError(
            f"vocabulary file {path} does not exist",
            hint="the first `convosift themes accept` creates it; until then leave CONVOSIFT_VOCABULARY unset",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read vocabulary file {path}: {exc}") from None
    return parse_vocabulary(text, str(path))


EMPTY_VOCABULARY = Vocabulary(themes=())
"""What a fresh install matches against: nothing. Conversations are stored unthemed, discovery
proposes themes, and accepting one writes the vocabulary file and starts matching."""


def load_vocabulary_for(settings: Settings) -> Vocabulary:
    """The configured vocabulary (``CONVOSIFT_VOCABULARY``), or none at all when it is not set."""
    if settings.vocabulary_path is None:
        return EMPTY_VOCABULARY
    return load_vocabulary(settings.vocabulary_path)


def load_vocabulary_to_curate(path: Path) -> Vocabulary:
    """The vocabulary curation rewrites: empty when its file does not exist yet (the first accept
    creates it)."""
    return load_vocabulary(path) if path.exists() else EMPTY_VOCABULARY


def parse_vocabulary(text: str, name: str = "<vocabulary>") -> Vocabulary:
    """Parse YAML text into a :class:`Vocabulary`; errors name the line and the problem."""
    try:
        root = yamlfiles.compose(text)
        data = yamlfiles.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}: " if mark else ""
        raise ConfigurationError(f"{name}: {line}invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{name}: invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{name}: line 1: expected a mapping with a 'themes' list")
    lines = _line_index(root)
    _check_unique_signatures(data, lines, name)
    try:
        return Vocabulary.model_validate(data)
    except ValidationError as exc:
        raise ConfigurationError(
            f"{name}: " + "; ".join(_describe(error, lines) for error in exc.errors())
        ) from None


def _check_unique_signatures(data: Mapping[str, Any], lines: dict[tuple[Any, ...], int], name: str) -> None:
    """A signature given twice, named at the line of its second use and of its first."""
    themes = data.get("themes")
    if not isinstance(themes, list):
        return
    first: dict[str, int] = {}
    for position, theme in enumerate(themes):
        signature = theme.get("signature") if isinstance(theme, Mapping) else None
        if not isinstance(signature, str):
            continue
        if signature in first:
            here = lines.get(("themes", position, "signature"), 1)
            there = lines.get(("themes", first[signature], "signature"), 1)
            raise ConfigurationError(
                f"{name}: line {here}: themes.{position}.signature: signature {signature!r} appears twice "
                f"(first at line {there})"
            )
        first[signature] = position


def _line_index(node: yaml.Node | None, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Map each value's path (keys and list indexes) to its 1-based line in the file."""
    if node is None:
        return {}
    index = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*path, key_node.value)
            index.update(_line_index(value_node, key))
            index[(*key, "__key__")] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            index.update(_line_index(item, (*path, position)))
    return index


def _describe(error: Mapping[str, Any], lines: dict[tuple[Any, ...], int]) -> str:
    loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-")))
    line = None
    for cut in range(len(loc), -1, -1):
        prefix = loc[:cut]
        line = lines.get(prefix) or lines.get((*prefix, "__key__"))
        if line is not None:
            break
    where = ".".join(str(part) for part in loc) or "file"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = f"unknown field {loc[-1]!r}"
    return f"line {line or 1}: {where}: {message}"


# --- writing ---------------------------------------------------------------------------------

_HEADER = (
    "# Theme vocabulary of convosift. Each theme is one specific problem that a single fix resolves.\n"
    "# Curation commands (convosift themes accept|rename|merge|retire) rewrite this file and append\n"
    "# their decision to the 'decisions' list at the end.\n"
)


def dump_vocabulary(vocabulary: Vocabulary) -> str:
    themes = []
    for theme in vocabulary.themes:
        entry = theme.model_dump(mode="json", exclude_defaults=True)
        entry.setdefault("status", theme.status)
        themes.append(entry)
    body: dict[str, Any] = {"version": vocabulary.version}
    if vocabulary.match_threshold is not None:
        body["match_threshold"] = vocabulary.match_threshold
    body["themes"] = themes
    if vocabulary.decisions:
        body["decisions"] = [d.model_dump(mode="json", exclude_none=True) for d in vocabulary.decisions]
    return _HEADER + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=110)


def save_vocabulary(vocabulary: Vocabulary, path: Path) -> None:
    """Write atomically: a crash mid-write never leaves a half-written vocabulary."""
    text = dump_vocabulary(vocabulary)
    parse_vocabulary(text, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".vocabulary-", suffix=".yaml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise

"""The fictional product behind the synthetic inbox: Harbortide, a commerce back office for online shops.

The data (areas, slot values, themes and their phrasings) lives in ``data/mock_catalog.yaml``,
read once on first import. Each :class:`Theme` is one specific problem that a single fix (or a
single answer) resolves; its phrasings are templates whose ``{slots}`` the generator fills from
:data:`SLOTS`, so that two conversations of one theme rarely read the same. ``weight`` gives the
skewed popularity real inboxes show (a few themes dominate, many are rare). :data:`SPIKE_THEME` is
the theme the generator concentrates in the most recent :data:`SPIKE_DAYS` days: the planted
rising theme.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from pydantic import ConfigDict, TypeAdapter, with_config

from convosift import yamlfiles

CATALOG_PATH = Path(__file__).resolve().parents[1] / "data" / "mock_catalog.yaml"


@with_config(ConfigDict(extra="forbid"))
@dataclass(frozen=True, slots=True)
class ProductArea:
    key: str
    name: str
    path: str
    """URL path prefix of the area's pages, e.g. ``/app/billing``."""
    pages: tuple[str, ...]
    """Page suffixes under ``path`` a customer may write from."""


@with_config(ConfigDict(extra="forbid"))
@dataclass(frozen=True, slots=True)
class Theme:
    signature: str
    title: str
    area: str
    category: str
    phrasings: tuple[str, ...]
    keywords: tuple[str, ...]
    weight: int
    """Relative frequency among themed conversations."""


@with_config(ConfigDict(extra="forbid"))
@dataclass(frozen=True, slots=True)
class Product:
    name: str
    domain: str


@with_config(ConfigDict(extra="forbid"))
@dataclass(frozen=True, slots=True)
class Spike:
    theme: str
    days: int


@with_config(ConfigDict(extra="forbid"))
@dataclass(frozen=True, slots=True)
class Catalog:
    """The whole data file; a missing, extra or mistyped key fails the first import."""

    product: Product
    categories: tuple[str, ...]
    spam_category: str
    spike: Spike
    areas: tuple[ProductArea, ...]
    slots: dict[str, tuple[str, ...]]
    themes: tuple[Theme, ...]


@functools.cache
def load_catalog() -> Catalog:
    """The catalogue in ``data/mock_catalog.yaml``, parsed once per process."""
    raw = yamlfiles.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    return TypeAdapter(Catalog).validate_python(raw)


_CATALOG = load_catalog()

PRODUCT_NAME = _CATALOG.product.name
PRODUCT_DOMAIN = _CATALOG.product.domain
CATEGORIES = _CATALOG.categories
SPAM_CATEGORY = _CATALOG.spam_category
AREAS = _CATALOG.areas
AREAS_BY_KEY = {area.key: area for area in AREAS}
SLOTS = _CATALOG.slots
THEMES = _CATALOG.themes
THEMES_BY_SIGNATURE = {theme.signature: theme for theme in THEMES}
SPIKE_THEME = _CATALOG.spike.theme
"""The planted rising theme: rare overall, concentrated in the last :data:`SPIKE_DAYS` days."""
SPIKE_DAYS = _CATALOG.spike.days


def area_of(theme: Theme) -> ProductArea:
    return AREAS_BY_KEY[theme.area]

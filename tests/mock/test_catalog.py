"""The fictional product's catalog is complete and its themes are distinct."""

from __future__ import annotations

import string

from convosift.mock.catalog import (
    AREAS,
    AREAS_BY_KEY,
    CATEGORIES,
    SLOTS,
    SPIKE_THEME,
    THEMES,
    THEMES_BY_SIGNATURE,
)


def test_catalog_has_enough_areas_and_themes() -> None:
    assert len(AREAS) >= 6
    assert len(THEMES) >= 30
    assert len(THEMES_BY_SIGNATURE) == len(THEMES), "signatures are unique"
    assert len({area.path for area in AREAS}) == len(AREAS)
    assert all(area.path.startswith("/app/") for area in AREAS)


def test_every_theme_is_well_formed() -> None:
    for theme in THEMES:
        assert theme.signature.isidentifier() and theme.signature == theme.signature.lower(), theme.signature
        assert theme.area in AREAS_BY_KEY, theme.signature
        assert theme.category in CATEGORIES, theme.signature
        assert len(set(theme.phrasings)) >= 6, theme.signature
        assert theme.weight > 0
        for phrasing in theme.phrasings:
            slots = {field for _, field, _, _ in string.Formatter().parse(phrasing) if field}
            assert slots <= set(SLOTS), (theme.signature, slots - set(SLOTS))


def test_no_phrasing_is_shared_between_themes() -> None:
    owners: dict[str, str] = {}
    for theme in THEMES:
        for phrasing in theme.phrasings:
            assert phrasing not in owners, (phrasing, owners.get(phrasing), theme.signature)
            owners[phrasing] = theme.signature


def test_the_spike_theme_is_in_the_catalog_and_several_categories_are_covered() -> None:
    assert SPIKE_THEME in THEMES_BY_SIGNATURE
    assert len({theme.category for theme in THEMES}) >= 6

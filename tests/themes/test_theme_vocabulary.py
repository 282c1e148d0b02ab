"""The vocabulary file: the shipped one, validation errors with line numbers, writing it back."""

from __future__ import annotations

from pathlib import Path

import pytest

from convosift.config import load_settings
from convosift.errors import ConfigurationError
from convosift.mock.catalog import AREAS_BY_KEY, THEMES
from convosift.themes.vocabulary import (
    Decision,
    Theme,
    demo_vocabulary_path,
    load_vocabulary,
    load_vocabulary_for,
    parse_vocabulary,
    save_vocabulary,
)

VALID = """\
version: 3
themes:
- signature: login_loop
  title: Login loops back
  keywords: [login]
  url_patterns: ["/app/login*"]
  examples: [I log in and land on the login page again]
- signature: old_login
  title: Old login theme
  status: merged
  merged_into: login_loop
"""


def test_shipped_vocabulary_covers_the_demo_product() -> None:
    vocabulary = load_vocabulary(demo_vocabulary_path())
    assert {t.signature for t in vocabulary.active} == {t.signature for t in THEMES}
    for theme in vocabulary.active:
        assert len(theme.examples) >= 5 and theme.description and theme.keywords
        assert theme.product_area in AREAS_BY_KEY


def test_settings_choose_the_file(tmp_path: Path) -> None:
    path = tmp_path / "v.yaml"
    path.write_text(VALID)
    vocabulary = load_vocabulary_for(load_settings(vocabulary_path=path))
    assert vocabulary.version == 3
    assert vocabulary.signatures == ["login_loop", "old_login"]
    assert vocabulary.resolve("old_login") == "login_loop"
    assert [t.signature for t in vocabulary.active] == ["login_loop"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VALID.replace("signature: login_loop", "signature: Login-Loop"), "line 3: themes.0.signature"),
        (
            VALID.replace("  keywords: [login]", "  keywords: [login]\n  colour: red"),
            "line 6: themes.0.colour: unknown field 'colour'",
        ),
        (VALID.replace("  title: Old login theme\n", ""), "line 8: themes.1.title: Field required"),
        (VALID.replace("merged_into: login_loop", "merged_into: nowhere"), "merged into unknown theme"),
        (
            VALID + "- signature: login_loop\n  title: Again\n",
            "line 12: themes.2.signature: signature 'login_loop' appears twice (first at line 3)",
        ),
        (VALID.replace("  merged_into: login_loop\n", ""), "a merged theme needs merged_into"),
        (VALID.replace("[login]", "[login"), "line 6: invalid YAML"),
        ("- just a list", "line 1: expected a mapping"),
        (VALID.replace("version: 3", "version: 0"), "line 1: version"),
    ],
)
def test_invalid_files_name_the_line_and_the_problem(text: str, expected: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_vocabulary(text, "themes.yaml")
    assert "themes.yaml" in str(caught.value)
    assert expected in str(caught.value)


def test_merge_cycles_are_rejected() -> None:
    text = VALID.replace("  status: merged\n  merged_into: login_loop\n", "") + (
        "- signature: a_theme\n  title: A\n  status: merged\n  merged_into: b_theme\n"
        "- signature: b_theme\n  title: B\n  status: merged\n  merged_into: a_theme\n"
    )
    with pytest.raises(ConfigurationError, match="cycle"):
        parse_vocabulary(text)


def test_missing_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist") as raised:
        load_vocabulary(tmp_path / "nope.yaml")
    # Set before the first accept (which creates the file): the hint says so.
    assert raised.value.hint is not None and "themes accept" in raised.value.hint


def test_saving_round_trips_and_the_hash_follows_content(tmp_path: Path) -> None:
    vocabulary = parse_vocabulary(VALID)
    path = tmp_path / "out.yaml"
    changed = vocabulary.replace_themes(
        [*vocabulary.themes, Theme(signature="new_one", title="New")],
        Decision(action="accept", signature="new_one", at="2026-01-01T00:00:00+00:00"),
    )
    save_vocabulary(changed, path)
    again = load_vocabulary(path)
    assert again == changed
    assert again.decisions[0].signature == "new_one"
    assert again.content_hash != vocabulary.content_hash
    assert parse_vocabulary(VALID).content_hash == vocabulary.content_hash


def test_url_patterns_match_the_path_or_the_whole_url() -> None:
    theme = Theme(signature="t", title="T", url_patterns=("/app/billing/*", "https://shop.example/*"))
    assert theme.matches_url("https://app.example/app/billing/plan?x=1")
    assert theme.matches_url("https://shop.example/cart")
    assert not theme.matches_url("https://app.example/app/orders")
    assert not theme.matches_url(None)

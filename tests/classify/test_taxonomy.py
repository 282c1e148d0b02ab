"""The taxonomy file: the shipped default, versions, and errors that name the file and line."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from convosift.classify.junk import training_data
from convosift.classify.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy
from convosift.errors import ConfigurationError

DEFAULT_CATEGORIES = (
    "product_issue",
    "how_to_question",
    "feature_request",
    "account_issue",
    "billing_question",
    "configuration_help",
    "general_inquiry",
    "spam",
)


def _write(tmp_path: Path, text: str, name: str = "taxonomy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


VALID = """\
categories:
  billing:
    description: Money.
    examples: [refund please]
  login:
    description: Access.
    examples: [forgot my password]
"""


def test_default_taxonomy_has_the_categories_and_seeds_of_many_industries() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.names == DEFAULT_CATEGORIES
    assert all(category.description for category in taxonomy.categories)
    texts, labels = taxonomy.training_examples()
    counts = Counter(labels)
    # Conversation types learn from seed texts of nine industries; spam is given on evidence, whose
    # detector learns from its own junk set (convosift.classify.junk).
    assert all(counts[name] >= 60 for name in DEFAULT_CATEGORIES if name != "spam"), counts
    assert training_data()[1].count("junk") >= 300
    industries = [path.stem for path in (DEFAULT_TAXONOMY_PATH.parent / "seeds").glob("*.yaml")]
    assert len(industries) >= 8, industries
    assert len(set(texts)) == len(texts), "duplicate seed texts"
    assert taxonomy.path == DEFAULT_TAXONOMY_PATH
    assert taxonomy.fallback == "general_inquiry"
    assert (taxonomy.spam, taxonomy.wish) == ("spam", "feature_request")


def test_version_follows_content(tmp_path: Path) -> None:
    first = load_taxonomy(_write(tmp_path, VALID))
    commented = load_taxonomy(_write(tmp_path, "# a comment changes nothing\n" + VALID))
    assert commented.version == first.version
    changed = load_taxonomy(_write(tmp_path, VALID.replace("refund please", "refund me")))
    assert changed.version != first.version
    assert len(first.version) == 12
    # Naming a wish category changes the version; leaving it out keeps the version a taxonomy had
    # before the field existed (the content hash of its categories, seeds, fallback and spam).
    wished = load_taxonomy(_write(tmp_path, "wish_category: login\n" + VALID))
    assert wished.wish == "login" and wished.version != first.version
    before = {
        "categories": [["billing", "Money.", ["refund please"]], ["login", "Access.", ["forgot my password"]]]
    }
    content = {**before, "seeds": [], "fallback": None, "spam": None}
    assert first.version == hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]


def test_seed_file_is_read_relative_to_the_taxonomy(tmp_path: Path) -> None:
    _write(tmp_path, "examples:\n  login:\n    - reset my password\n    - locked out\n", "seeds.yaml")
    taxonomy = load_taxonomy(_write(tmp_path, "seed_examples: seeds.yaml\n" + VALID))
    texts, labels = taxonomy.training_examples()
    assert texts[-2:] == ["reset my password", "locked out"]
    assert labels.count("login") == 3
    assert taxonomy.version != load_taxonomy(_write(tmp_path, VALID, "plain.yaml")).version


def test_several_seed_files_are_read_in_order(tmp_path: Path) -> None:
    _write(tmp_path, "industry: banking\nexamples:\n  login: [my card pin is locked]\n", "bank.yaml")
    _write(tmp_path, "industry: travel\nexamples:\n  billing: [refund my cancelled flight]\n", "trip.yaml")
    taxonomy = load_taxonomy(_write(tmp_path, "seed_examples: [bank.yaml, trip.yaml]\n" + VALID))
    texts, labels = taxonomy.training_examples()
    assert list(zip(texts[-2:], labels[-2:], strict=True)) == [
        ("my card pin is locked", "login"),
        ("refund my cancelled flight", "billing"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("categories:\n  billing: [unclosed\n", 3, "invalid YAML"),
        ("categories:\n  Billing:\n    description: x\n  b:\n    description: y\n", 2, "snake_case"),
        (VALID + "  spam:\n    examples: [buy now]\n", 8, "no 'description'"),
        (VALID.replace("examples: [refund please]", "examples: [42]"), 4, "non-empty text"),
        (VALID + "colour: blue\n", 8, "unknown key 'colour'"),
        (VALID.replace("    examples: [refund please]\n", ""), 1, "without any example text: billing"),
        ("categories:\n  billing:\n    description: Money.\n    examples: [x]\n", 2, "at least two"),
        ("categories: [billing, login]\n", 1, "must be a mapping"),
        ("fallback_category: other\n" + VALID, 1, "'other' is not one of the categories"),
        ("wish_category: wishes\n" + VALID, 1, "'wishes' is not one of the categories"),
        ("spam_category: login\nwish_category: login\n" + VALID, 2, "also the spam or fallback category"),
        (
            "spam_category: login\nwish_category: billing\n" + VALID,
            1,
            "a category other than the spam and wish",
        ),
    ],
)
def test_invalid_files_name_the_file_line_and_problem(
    tmp_path: Path, text: str, line: int, problem: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigurationError) as caught:
        load_taxonomy(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"line {line}:" in message
    assert problem in message


def test_seed_for_an_unknown_category_names_the_seed_file(tmp_path: Path) -> None:
    seeds = _write(tmp_path, "examples:\n  login: [a]\n  refunds: [b]\n", "seeds.yaml")
    with pytest.raises(ConfigurationError, match=r"seeds\.yaml, line 3: 'refunds' is not a category"):
        load_taxonomy(_write(tmp_path, "seed_examples: seeds.yaml\n" + VALID))
    assert seeds.exists()


def test_missing_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_taxonomy(tmp_path / "nope.yaml")

"""Search bodies are validated and evaluated as Intercom documents them."""

from __future__ import annotations

from typing import Any

import pytest

from convosift.mock.search_query import QueryError, SortSpec, compile_query, parse_search_body


class FakeRow:
    def __init__(self, **fields: Any) -> None:
        self.fields = {key.replace("__", "."): value for key, value in fields.items()}

    def get(self, field: str) -> Any:
        return self.fields.get(field)


ROW = FakeRow(
    id="215000042",
    created_at=1000,
    updated_at=2000,
    state="open",
    open=True,
    source__author__type="user",
    source__body="<p>Shopify sync fails again</p>",
    source__url="https://app.harbortide.example/app/integrations/shopify",
    tag_ids=["9001", "9002"],
)


def matches(query: dict[str, Any], row: FakeRow = ROW) -> bool:
    return compile_query(query)(row)


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("=", 2000, True),
        ("=", "2000", True),
        ("!=", 2000, False),
        (">", 1999, True),
        (">", 2000, False),
        ("<", 2001, True),
        ("<", 2000, False),
        (">=", 2000, True),
        ("<=", 1999, False),
        ("IN", [1, 2000], True),
        ("NIN", [2000], False),
    ],
)
def test_date_operators_are_strict_and_accept_digit_strings(
    operator: str, value: Any, expected: bool
) -> None:
    assert matches({"field": "updated_at", "operator": operator, "value": value}) is expected


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("~", "integrations", True),
        ("!~", "billing", True),
        ("^", "https://app", True),
        ("$", "/shopify", True),
        ("$", "/billing", False),
        ("=", "open", None),
        ("IN", ["user", "lead"], None),
    ],
)
def test_string_operators(operator: str, value: Any, expected: bool | None) -> None:
    if expected is None:
        field = "state" if operator == "=" else "source.author.type"
        assert matches({"field": field, "operator": operator, "value": value})
    else:
        assert matches({"field": "source.url", "operator": operator, "value": value}) is expected


def test_ids_compare_as_numbers_and_lists_match_any_member() -> None:
    assert matches({"field": "id", "operator": ">", "value": "215000041"})
    assert not matches({"field": "id", "operator": ">", "value": "215000042"})
    assert matches({"field": "id", "operator": "<", "value": "1215000000"})
    assert matches({"field": "tag_ids", "operator": "=", "value": "9002"})
    assert matches({"field": "tag_ids", "operator": "NIN", "value": ["9005"]})
    assert matches({"field": "open", "operator": "=", "value": True})
    assert matches({"field": "source.body", "operator": "=", "value": "sync"})
    assert not matches({"field": "source.body", "operator": "=", "value": "sync fails"})


def test_and_or_nest_two_levels() -> None:
    query = {
        "operator": "AND",
        "value": [
            {
                "operator": "OR",
                "value": [
                    {"field": "updated_at", "operator": ">", "value": 2000},
                    {"field": "updated_at", "operator": "=", "value": 2000},
                ],
            },
            {"field": "updated_at", "operator": "<", "value": 3000},
        ],
    }
    assert matches(query)
    assert not matches(query, FakeRow(updated_at=3000))
    assert matches(
        {
            "operator": "OR",
            "value": [
                {"field": "state", "operator": "=", "value": "closed"},
                {"field": "state", "operator": "=", "value": "open"},
            ],
        }
    )


@pytest.mark.parametrize(
    "query",
    [
        {
            "operator": "AND",
            "value": [
                {
                    "operator": "OR",
                    "value": [{"operator": "AND", "value": [{"field": "id", "operator": "=", "value": "1"}]}],
                }
            ],
        },
        {"operator": "AND", "value": [{"field": "id", "operator": "=", "value": str(i)} for i in range(16)]},
        {"operator": "XOR", "value": [{"field": "id", "operator": "=", "value": "1"}]},
        {"operator": "AND", "value": []},
        {"field": "no_such_field", "operator": "=", "value": 1},
        {"field": "created_at", "operator": "~", "value": "1"},
        {"field": "state", "operator": ">", "value": "open"},
        {"field": "created_at", "operator": ">", "value": "yesterday"},
        {"field": "created_at", "operator": "IN", "value": 5},
        {"field": "open", "operator": "=", "value": "maybe"},
        "created_at > 5",
    ],
)
def test_invalid_queries_are_rejected(query: Any) -> None:
    with pytest.raises(QueryError):
        compile_query(query)


def test_search_body_pagination_and_sort() -> None:
    request = parse_search_body(
        {
            "query": {"field": "id", "operator": "=", "value": "1"},
            "pagination": {"per_page": 150, "starting_after": "abc"},
            "sort": {"field": "created_at", "order": "descending"},
        }
    )
    assert (request.per_page, request.starting_after) == (150, "abc")
    assert request.sort == SortSpec("created_at", descending=True)
    default = parse_search_body({"query": {"field": "id", "operator": "=", "value": "1"}})
    assert (default.per_page, default.starting_after, default.sort) == (20, None, SortSpec())
    for bad in ({"per_page": 151}, {"per_page": 0}, {"per_page": "many"}, {"starting_after": 5}):
        with pytest.raises(QueryError):
            parse_search_body({"query": {"field": "id", "operator": "=", "value": "1"}, "pagination": bad})
    with pytest.raises(QueryError):
        parse_search_body(
            {"query": {"field": "id", "operator": "=", "value": "1"}, "sort": {"field": "state"}}
        )
    with pytest.raises(QueryError):
        parse_search_body({"pagination": {}})

"""The body of ``POST /conversations/search``: validation and evaluation, as Intercom documents it.

A query is one filter ``{field, operator, value}`` or a group ``{operator: AND|OR, value: [...]}``;
groups nest at most two levels and hold at most 15 filters each. Integer and date fields accept
``= != IN NIN > < >= <=`` (``>`` and ``<`` are strict); strings accept ``= != IN NIN ~ !~ ^ $``,
and ``id`` also the ordering operators (ids are compared as numbers, which is what clients that
page by id expect). Values of date fields may be sent as strings of digits, as many clients do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

MAX_PER_PAGE = 150
DEFAULT_PER_PAGE = 20
MAX_NESTING = 2
MAX_FILTERS_PER_GROUP = 15

_DATE_FIELDS = frozenset(
    {
        "created_at",
        "updated_at",
        "waiting_since",
        "snoozed_until",
        "statistics.first_contact_reply_at",
        "statistics.first_assignment_at",
        "statistics.first_admin_reply_at",
        "statistics.first_close_at",
        "statistics.last_assignment_at",
        "statistics.last_assignment_admin_reply_at",
        "statistics.last_contact_reply_at",
        "statistics.last_admin_reply_at",
        "statistics.last_close_at",
        "conversation_rating.requested_at",
        "conversation_rating.replied_at",
    }
)
_INTEGER_FIELDS = frozenset(
    {
        "admin_assignee_id",
        "team_assignee_id",
        "statistics.time_to_assignment",
        "statistics.time_to_admin_reply",
        "statistics.time_to_first_close",
        "statistics.time_to_last_close",
        "statistics.median_time_to_reply",
        "statistics.count_reopens",
        "statistics.count_assignments",
        "statistics.count_conversation_parts",
        "conversation_rating.score",
    }
)
_BOOLEAN_FIELDS = frozenset({"open", "read", "ai_agent_participated"})
_STRING_FIELDS = frozenset(
    {
        "id",
        "source.type",
        "source.id",
        "source.delivered_as",
        "source.subject",
        "source.body",
        "source.author.id",
        "source.author.type",
        "source.author.name",
        "source.author.email",
        "source.url",
        "contact_ids",
        "teammate_ids",
        "tag_ids",
        "channel_initiated",
        "state",
        "priority",
        "statistics.last_closed_by_id",
        "conversation_rating.remark",
        "conversation_rating.contact_id",
        "conversation_rating.admin_id",
        "ai_agent.resolution_state",
        "ai_agent.last_answer_type",
        "ai_agent.source_type",
        "ai_agent.source_title",
    }
)
NUMERIC_FIELDS = _DATE_FIELDS | _INTEGER_FIELDS
SORTABLE_FIELDS = NUMERIC_FIELDS | {"id"}

_ORDERING = frozenset({">", "<", ">=", "<="})
_EQUALITY = frozenset({"=", "!=", "IN", "NIN"})
_TEXT = frozenset({"~", "!~", "^", "$"})


class QueryError(ValueError):
    """The search body is invalid (the server answers 400 with this message)."""


class Row(Protocol):
    """One conversation as the evaluator sees it."""

    def get(self, field: str) -> Any:
        """The field's value; a list for ``contact_ids``, ``teammate_ids`` and ``tag_ids``."""
        ...


Predicate = Callable[[Row], bool]


@dataclass(frozen=True)
class SortSpec:
    field: str = "updated_at"
    descending: bool = False


@dataclass(frozen=True)
class SearchRequest:
    predicate: Predicate
    query_key: str
    """Canonical JSON of the query: equal queries share cached results."""
    per_page: int
    starting_after: str | None
    sort: SortSpec


def parse_search_body(body: Any) -> SearchRequest:
    if not isinstance(body, dict) or "query" not in body:
        raise QueryError("The request body must be a JSON object with a query.")
    pagination = body.get("pagination") or {}
    if not isinstance(pagination, dict):
        raise QueryError("pagination must be an object.")
    per_page = pagination.get("per_page", DEFAULT_PER_PAGE)
    if isinstance(per_page, str) and per_page.isdigit():
        per_page = int(per_page)
    if not isinstance(per_page, int) or isinstance(per_page, bool) or not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page must be an integer between 1 and {MAX_PER_PAGE}.")
    starting_after = pagination.get("starting_after")
    if starting_after is not None and not isinstance(starting_after, str):
        raise QueryError("starting_after must be a string.")
    return SearchRequest(
        predicate=compile_query(body["query"]),
        query_key=json.dumps(body["query"], sort_keys=True),
        per_page=per_page,
        starting_after=starting_after or None,
        sort=_parse_sort(body.get("sort")),
    )


def _parse_sort(sort: Any) -> SortSpec:
    if sort is None:
        return SortSpec()
    if not isinstance(sort, dict) or not isinstance(sort.get("field"), str):
        raise QueryError("sort must be an object with a field and an order.")
    field, order = sort["field"], sort.get("order", "ascending")
    if field not in SORTABLE_FIELDS:
        raise QueryError(f"Sorting by {field} is not supported.")
    if order not in ("ascending", "descending", "asc", "desc"):
        raise QueryError("sort order must be ascending or descending.")
    return SortSpec(field=field, descending=order in ("descending", "desc"))


def compile_query(query: Any, depth: int = 0) -> Predicate:
    """Turn a query object into a predicate over rows, or raise :class:`QueryError`."""
    if not isinstance(query, dict):
        raise QueryError("Each query must be an object.")
    if "field" in query:
        return _compile_filter(query)
    operator, members = query.get("operator"), query.get("value")
    if operator not in ("AND", "OR") or not isinstance(members, list) or not members:
        raise QueryError("A group needs operator AND or OR and a non-empty list of filters in value.")
    if depth >= MAX_NESTING:
        raise QueryError(f"Queries can be nested at most {MAX_NESTING} levels deep.")
    if len(members) > MAX_FILTERS_PER_GROUP:
        raise QueryError(f"A group can hold at most {MAX_FILTERS_PER_GROUP} filters.")
    compiled = [compile_query(member, depth + 1) for member in members]
    if operator == "AND":
        return lambda row: all(predicate(row) for predicate in compiled)
    return lambda row: any(predicate(row) for predicate in compiled)


def _compile_filter(query: dict[str, Any]) -> Predicate:
    field, operator, value = query.get("field"), query.get("operator"), query.get("value")
    if not isinstance(field, str):
        raise QueryError("field must be a string.")
    convert: Callable[[str, Any], Any]
    if field in NUMERIC_FIELDS:
        allowed, convert = _EQUALITY | _ORDERING, _as_int
    elif field in _BOOLEAN_FIELDS:
        allowed, convert = _EQUALITY, _as_bool
    elif field in _STRING_FIELDS:
        allowed = _EQUALITY | _TEXT | (_ORDERING if field == "id" else frozenset())
        convert = _as_str
    else:
        raise QueryError(f"{field} is not a searchable field.")
    if operator not in allowed:
        raise QueryError(f"Operator {operator!r} cannot be used with {field}.")
    if operator in ("IN", "NIN"):
        if not isinstance(value, list):
            raise QueryError(f"{operator} needs a list of values.")
        values = frozenset(convert(field, v) for v in value)
        return _membership(field, values, negate=operator == "NIN")
    if isinstance(value, list):
        raise QueryError(f"Operator {operator!r} needs a single value.")
    target = convert(field, value)
    if operator in _ORDERING:
        key = _id_number if field == "id" else (lambda v: v)
        return _ordering(field, operator, key(target), key)
    return _comparison(field, operator, target)


def _membership(field: str, values: frozenset[Any], *, negate: bool) -> Predicate:
    def predicate(row: Row) -> bool:
        found = any(v in values for v in _many(row.get(field)))
        return found != negate

    return predicate


def _ordering(field: str, operator: str, target: Any, key: Callable[[Any], Any]) -> Predicate:
    compare: Callable[[Any, Any], bool] = {
        ">": lambda a, b: a > b,
        "<": lambda a, b: a < b,
        ">=": lambda a, b: a >= b,
        "<=": lambda a, b: a <= b,
    }[operator]

    def predicate(row: Row) -> bool:
        actual = row.get(field)
        return actual is not None and bool(compare(key(actual), target))

    return predicate


def _comparison(field: str, operator: str, target: Any) -> Predicate:
    if field == "source.body" and operator in ("=", "!="):
        # Intercom matches the body word by word, not as a whole.
        word = str(target).lower()
        return lambda row: (word in _words(row.get(field))) == (operator == "=")
    if operator in ("=", "!="):
        equal = operator == "="
        return lambda row: any(v == target for v in _many(row.get(field))) == equal
    needle = str(target).lower()
    text_test: Callable[[str], bool] = {
        "~": lambda s: needle in s,
        "!~": lambda s: needle not in s,
        "^": lambda s: s.startswith(needle),
        "$": lambda s: s.endswith(needle),
    }[operator]
    if operator == "!~":
        return lambda row: all(text_test(str(v).lower()) for v in _many(row.get(field)))
    return lambda row: any(text_test(str(v).lower()) for v in _many(row.get(field)) if v is not None)


def _many(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _words(text: Any) -> set[str]:
    return set(str(text or "").lower().replace("<", " <").replace(">", "> ").split())


def _id_number(value: Any) -> Any:
    text = str(value)
    return (0, int(text)) if text.isdigit() else (1, text)


def _as_int(field: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise QueryError(f"{field} takes a number, not {value!r}.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise QueryError(f"{field} takes a number, not {value!r}.")


def _as_bool(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise QueryError(f"{field} takes true or false, not {value!r}.")


def _as_str(field: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    raise QueryError(f"{field} takes a string, not {value!r}.")

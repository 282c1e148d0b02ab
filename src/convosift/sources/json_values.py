"""JSON as every database's JSON type can store it: no NaN, no Infinity, no number beyond a float.

Python's ``json`` reads ``NaN`` and ``Infinity``, and a number such as ``1e400`` as infinity. None
of them is JSON: PostgreSQL rejects the record's ``raw`` column and the run's whole batch with it,
and every resume meets the same record again. The sources read JSON through :func:`loads`, so
such a record is one malformed record, skipped with its reason.
"""

from __future__ import annotations

import json
import math
from typing import Any


class NotStorable(ValueError):
    """Valid enough for Python's parser, but no JSON a database stores: NaN, Infinity, ``1e400``.
    Reading it again gives the same answer, so it is not worth a retry."""


def not_json(constant: str) -> Any:
    """``parse_constant``: NaN and Infinity are not JSON values."""
    raise NotStorable(f"{constant} is not a JSON value")


def finite_float(text: str) -> float:
    """``parse_float``: a number too large for a float (``1e400``) is not read as infinity."""
    value = float(text)
    if not math.isfinite(value):
        raise NotStorable(f"the number {text[:40]} is out of range")
    return value


def loads(text: bytes | str) -> Any:
    """``json.loads`` without NaN, Infinity or numbers out of a float's range (ValueError)."""
    return json.loads(text, parse_constant=not_json, parse_float=finite_float)


def decoder() -> json.JSONDecoder:
    """A decoder with the same rules, for reading a stream value by value."""
    return json.JSONDecoder(parse_constant=not_json, parse_float=finite_float)

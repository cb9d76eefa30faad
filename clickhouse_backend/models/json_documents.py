"""What ClickHouse's JSON type would refuse or change in a document, checked in Python
before an INSERT (used by the JSON fields and the column-wise INSERT preparation)."""

from __future__ import annotations

import json
import math
from typing import Any

_INT_RANGE = (-(2**63), 2**64 - 1)


def json_problem(value: Any, driver_writer: bool = False) -> str | None:
    """Why ClickHouse's JSON type would refuse or change this document; None if it is
    fine. With ``driver_writer``: also what clickhouse-driver's writer would change (see
    ``written_by_driver()``)."""
    if not isinstance(value, dict):
        return (
            "is not a JSON object: ClickHouse's JSON type holds objects only "
            '(wrap it, e.g. {"value": ...})'
        )
    problem = _problem_in(value)
    if problem is None and driver_writer:
        problem = _driver_writer_problem(value)
    return problem


def written_by_driver(connection: Any) -> bool:
    """Whether this connection's inserts write JSON with clickhouse-driver's writer of
    the type's encoding (the native transport) rather than as JSON text."""
    connection.ensure_connection()
    return not connection.connection.transport.writes_json_as_text


def _kind(value: Any) -> type:
    for kind in (bool, dict, list, tuple, str, int, float):
        if isinstance(value, kind):
            return list if kind is tuple else kind
    return type(value)


def _driver_writer_problem(value: Any) -> str | None:
    """What clickhouse-driver's writer of the JSON type's encoding (the native transport
    uses it) would store changed: it writes a list by one element type, so a list of
    mixed types becomes strings and None in numbers becomes 0; integers go as Int64."""
    where = (
        "; clickhouse-driver, which writes JSON over TCP, would store it changed "
        "(see docs/limitations.md, JSON inserts over TCP)"
    )
    if isinstance(value, dict):
        for item in value.values():
            problem = _driver_writer_problem(item)
            if problem is not None:
                return problem
        return None
    if isinstance(value, tuple):
        return f"holds the tuple {value!r}: use a list{where}"
    if isinstance(value, int) and not isinstance(value, bool) and value >= 2**63:
        return f"holds {value}, above Int64{where}"
    if not isinstance(value, list):
        return None
    kinds = {_kind(item) for item in value if item is not None}
    containers = kinds & {dict, list}
    if containers and len(kinds) > 1:
        return f"holds {value!r}, a list of objects or lists mixed with other values{where}"
    if not containers and len(kinds) > 1 and kinds != {int, float}:
        return f"holds {value!r}, a list of mixed types{where}"
    if None in value and kinds - {str}:
        return f"holds {value!r}, a list with None among numbers or booleans{where}"
    for item in value:
        problem = _driver_writer_problem(item)
        if problem is not None:
            return problem
    return None


def _problem_in(value: Any) -> str | None:
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _key_problem(key) or _problem_in(item)
            if problem is not None:
                return problem
        return None
    if isinstance(value, (list, tuple)):
        for item in value:
            problem = _problem_in(item)
            if problem is not None:
                return problem
        return None
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, int):
        low, high = _INT_RANGE
        if not low <= value <= high:
            return (
                f"holds {value}, outside the integers ClickHouse's JSON type keeps "
                f"({low} to {high}); store it as a string"
            )
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"holds {value}, which JSON cannot spell"
    return f"holds {value!r}, which is not a JSON value"


def _key_problem(key: Any) -> str | None:
    """A key as JSON writes it (``1`` as ``"1"``) must not have a dot."""
    if not isinstance(key, (str, int, float, bool)) and key is not None:
        return f"has the key {key!r}, which JSON cannot write"
    text = key if isinstance(key, str) else json.dumps(key)
    if "." in text:
        return (
            f"has the key {key!r}: ClickHouse's JSON type reads a dot as a path of nested "
            "keys, so it would come back nested; nest the keys yourself"
        )
    return None

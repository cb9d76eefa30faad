"""ClickHouse's ``JSON`` type as a model field, with the type's options.

ClickHouse stores each path of a document as a subcolumn, so a filter on
``data__a__b`` reads that path only (see ``backend/json_paths.py``). The type holds
objects, and changes some values on the way in; those are refused instead of being
changed silently:

- a value that is not an object (``[1]``, ``"a"``, ``1``);
- a key with a dot: ``{"a.b": 1}`` would come back as ``{"a": {"b": 1}}``;
- an integer outside Int64/UInt64 (-2**63 to 2**64-1): ClickHouse would store its text;
- NaN and infinity, which JSON has no spelling for.

Two changes are ClickHouse's and kept: a key whose value is ``None`` and a key holding
``{}`` are not stored (they read back absent), and a float with no fraction reads back
as an int (``1.0`` as ``1``).
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.core import checks, exceptions
from django.db import IntegrityError, models

from .base import ClickHouseField

__all__ = ["JSONField"]

_INT_RANGE = (-(2**63), 2**64 - 1)
# ClickHouse's limits on the type's parameters.
_MAX_DYNAMIC_PATHS = 10_000
_MAX_DYNAMIC_TYPES = 254


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


def _quoted_path(path: str) -> str:
    return "`" + path.replace("\\", "\\\\").replace("`", "\\`") + "`"


def _quoted_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class JSONField(ClickHouseField, models.JSONField):
    """``JSON``, with ClickHouse's options for how it stores paths.

    - ``max_dynamic_paths``: how many paths get a subcolumn of their own (the rest
      share one, slower to filter on); ClickHouse's default is 1024.
    - ``max_dynamic_types``: how many types one path keeps apart (default 32).
    - ``skip_paths``: paths (``"a.b"``) not stored at all.
    - ``skip_regexps``: regular expressions (re2) of paths not stored at all.

    Typed paths (``JSON(a.b UInt32)``) are not offered: clickhouse-driver writes JSON over
    TCP without them (see docs/limitations.md).
    """

    def __init__(
        self,
        *args,
        max_dynamic_paths: int | None = None,
        max_dynamic_types: int | None = None,
        skip_paths: list[str] | tuple[str, ...] = (),
        skip_regexps: list[str] | tuple[str, ...] = (),
        **kwargs,
    ):
        self.max_dynamic_paths = max_dynamic_paths
        self.max_dynamic_types = max_dynamic_types
        self.skip_paths = list(skip_paths)
        self.skip_regexps = list(skip_regexps)
        super().__init__(*args, **kwargs)

    def clickhouse_type(self) -> str:
        options = []
        if self.max_dynamic_paths is not None:
            options.append(f"max_dynamic_paths={int(self.max_dynamic_paths)}")
        if self.max_dynamic_types is not None:
            options.append(f"max_dynamic_types={int(self.max_dynamic_types)}")
        options += [f"SKIP {_quoted_path(path)}" for path in self.skip_paths]
        options += [f"SKIP REGEXP {_quoted_string(regexp)}" for regexp in self.skip_regexps]
        return f"JSON({', '.join(options)})" if options else "JSON"

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for option in ("max_dynamic_paths", "max_dynamic_types"):
            if getattr(self, option) is not None:
                kwargs[option] = getattr(self, option)
        for option in ("skip_paths", "skip_regexps"):
            if getattr(self, option):
                kwargs[option] = list(getattr(self, option))
        return name, path, args, kwargs

    def check(self, **kwargs) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._check_options()]

    def _check_options(self) -> list[checks.CheckMessage]:
        messages = []
        for option, limit, check_id in (
            ("max_dynamic_paths", _MAX_DYNAMIC_PATHS, "clickhouse_backend.E140"),
            ("max_dynamic_types", _MAX_DYNAMIC_TYPES, "clickhouse_backend.E141"),
        ):
            value = getattr(self, option)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit
            ):
                messages.append(
                    checks.Error(
                        f"{option} must be an integer from 0 to {limit} (ClickHouse's limit).",
                        obj=self,
                        id=check_id,
                    )
                )
        for option, check_id in (
            ("skip_paths", "clickhouse_backend.E142"),
            ("skip_regexps", "clickhouse_backend.E143"),
        ):
            items = getattr(self, option)
            if not all(isinstance(item, str) and item for item in items):
                messages.append(
                    checks.Error(
                        f"{option} must be a list of non-empty strings.",
                        hint='For example skip_paths=["a.b"], skip_regexps=["^tmp"].',
                        obj=self,
                        id=check_id,
                    )
                )
        return messages

    def validate(self, value: Any, model_instance) -> None:
        super().validate(value, model_instance)
        if value is None:
            return
        problem = json_problem(self._as_stored(value))
        if problem is not None:
            raise exceptions.ValidationError(
                "%(value)s " + problem.replace("%", "%%"), code="invalid", params={"value": value}
            )

    def _as_stored(self, value: Any) -> Any:
        """The document as the encoder makes it (what ClickHouse would be sent)."""
        if self.encoder is None:
            return value
        try:
            return json.loads(json.dumps(value, cls=self.encoder))
        except (TypeError, ValueError) as error:
            raise self.refuse(value, f"is not JSON: {error}") from None

    def get_db_prep_column(self, values: list, connection) -> list:
        """The documents of one INSERT, checked; each is walked once for what the JSON
        type would refuse or change (no column-wise way to look inside documents)."""
        prepared = [None if value is None else self._as_stored(value) for value in values]
        driver_writer = written_by_driver(connection)
        for original, value in zip(values, prepared, strict=True):
            if value is None:
                if not self.null:
                    raise IntegrityError(
                        f"{self.model._meta.label}.{self.name} is not nullable (null=False), "
                        "but one of the objects has None there; nothing of this INSERT "
                        "was written"
                    )
                continue
            problem = json_problem(value, driver_writer)
            if problem is not None:
                raise self.refuse(original, f"{problem}; nothing of this INSERT was written")
        return prepared

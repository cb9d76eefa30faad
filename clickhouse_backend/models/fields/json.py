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
from typing import Any

from django.core import checks, exceptions
from django.db import IntegrityError, models

from ...driver.escape import quote_identifier, quote_string
from ..json_documents import json_problem, written_by_driver
from .base import ClickHouseField

__all__ = ["JSONField"]

# ClickHouse's limits on the type's parameters.
_MAX_DYNAMIC_PATHS = 10_000
_MAX_DYNAMIC_TYPES = 254


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
        options += [f"SKIP {quote_identifier(path)}" for path in self.skip_paths]
        options += [f"SKIP REGEXP {quote_string(regexp)}" for regexp in self.skip_regexps]
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
                raise self.refuse(original, f"{problem}; nothing was written")
        return prepared

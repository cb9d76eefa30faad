"""Dates and datetimes made from other values, and the current ones: ``toDate``,
``toDateTime``, ``toDateTime64``, ``now``, ``today`` and ``ULIDStringToDateTime``.

A datetime result is aware, in ``timezone`` (see ``zoned``): text is read as a wall
clock time there, and an instant keeps its moment.
"""

# Classes are named as ClickHouse names its functions, not in CapWords.
# ruff: noqa: N801

from __future__ import annotations

from typing import Any

from django.db.models import DateTimeField, Value

from .. import fields
from .base import ClickHouseFunction
from .literals import whole_number
from .zoned import DateResult, DatetimeResult

__all__ = ["ULIDStringToDateTime", "now", "toDate", "toDateTime", "toDateTime64", "today"]


class toDate(DateResult):
    """The date of a datetime (in ``timezone``), of a text or of a number of days."""

    def __init__(self, expression: Any, timezone: str | None = None, **extra: Any) -> None:
        super().__init__(expression, timezone=timezone, **extra)


class toDateTime(DatetimeResult):
    """A datetime of whole seconds, from a text, a date, a datetime or Unix seconds."""

    def __init__(self, expression: Any, timezone: str | None = None, **extra: Any) -> None:
        super().__init__(expression, timezone=timezone, **extra)


class toDateTime64(DatetimeResult):
    """A datetime with ``precision`` digits of a second (0 to 9)."""

    def __init__(
        self, expression: Any, precision: int, timezone: str | None = None, **extra: Any
    ) -> None:
        self.precision = whole_number("toDateTime64", "precision", precision, 0, 9)
        super().__init__(expression, Value(self.precision), timezone=timezone, **extra)

    def _resolve_output_field(self) -> DateTimeField:
        return fields.DateTime64Field(precision=self.precision, timezone=self.result_zone())


class now(DatetimeResult):
    """The current time, in whole seconds, when the query started."""

    def __init__(self, timezone: str | None = None, **extra: Any) -> None:
        super().__init__(timezone=timezone, **extra)


class today(ClickHouseFunction):
    """The current date, in the server's time zone."""

    output_field = fields.DateField()

    def __init__(self, **extra: Any) -> None:
        super().__init__(**extra)


class ULIDStringToDateTime(DatetimeResult):
    """The millisecond time stamp of a ULID (its first 10 characters of text)."""

    def __init__(self, expression: Any, timezone: str | None = None, **extra: Any) -> None:
        super().__init__(expression, timezone=timezone, **extra)

    def _resolve_output_field(self) -> DateTimeField:
        return fields.DateTime64Field(precision=3, timezone=self.result_zone())

"""The start of the year, month, day, hour, interval ... a date or datetime falls in.

Those that give a day or longer return a ``date``; those that give a time of day an
aware ``datetime`` in the zone they counted in (``timezone=``, see ``zoned``).
"""

# Classes are named as ClickHouse names its functions, not in CapWords.
# ruff: noqa: N801

from __future__ import annotations

from typing import Any

from django.db.models import DateTimeField, Func, Value

from .. import fields
from .literals import whole_number
from .zoned import DateResult, DatetimeResult, ZonedFunction

__all__ = [
    "toMonday",
    "toStartOfDay",
    "toStartOfFifteenMinutes",
    "toStartOfFiveMinutes",
    "toStartOfHour",
    "toStartOfISOYear",
    "toStartOfInterval",
    "toStartOfMinute",
    "toStartOfMonth",
    "toStartOfQuarter",
    "toStartOfSecond",
    "toStartOfTenMinutes",
    "toStartOfWeek",
    "toStartOfYear",
]


class StartOfDate(DateResult):
    """The first day of a period."""

    def __init__(self, expression: Any, timezone: str | None = None, **extra: Any) -> None:
        super().__init__(expression, timezone=timezone, **extra)


class toStartOfYear(StartOfDate):
    """January 1st of the year."""


class toStartOfISOYear(StartOfDate):
    """The first day of the ISO 8601 week-numbering year."""


class toStartOfQuarter(StartOfDate):
    """The first day of the quarter."""


class toStartOfMonth(StartOfDate):
    """The first day of the month."""


class toMonday(StartOfDate):
    """The Monday on or before the date."""


class toStartOfWeek(DateResult):
    """The first day of the week, as ``mode`` counts weeks (0: Sunday, 1: Monday; see
    ``toWeek``)."""

    def __init__(
        self, expression: Any, mode: int = 0, timezone: str | None = None, **extra: Any
    ) -> None:
        mode = whole_number("toStartOfWeek", "mode", mode, 0, 9)
        super().__init__(expression, Value(mode), timezone=timezone, **extra)


class StartOfTime(DatetimeResult):
    """The first moment of a period shorter than a day."""

    def __init__(self, expression: Any, timezone: str | None = None, **extra: Any) -> None:
        super().__init__(expression, timezone=timezone, **extra)


class toStartOfDay(StartOfTime):
    """Midnight of the day."""


class toStartOfHour(StartOfTime):
    """The hour."""


class toStartOfMinute(StartOfTime):
    """The minute."""


class toStartOfFiveMinutes(StartOfTime):
    """The five minutes: 10:00, 10:05, ..."""


class toStartOfTenMinutes(StartOfTime):
    """The ten minutes: 10:00, 10:10, ..."""


class toStartOfFifteenMinutes(StartOfTime):
    """The quarter hour: 10:00, 10:15, ..."""


class toStartOfSecond(StartOfTime):
    """The whole second of a DateTime64 (ClickHouse takes no other type)."""

    def _resolve_output_field(self) -> DateTimeField:
        # Django's DateTimeField is a DateTime64(6) column.
        precision = getattr(self.source_field(), "precision", 6)
        return fields.DateTime64Field(precision=precision, timezone=self.result_zone())


# Interval units: ClickHouse's function making each kind of interval, and what
# toStartOfInterval gives for it.
_DAYS_OR_LONGER = {
    "year": "toIntervalYear",
    "quarter": "toIntervalQuarter",
    "month": "toIntervalMonth",
    "week": "toIntervalWeek",
}
_SECONDS = {
    "day": "toIntervalDay",
    "hour": "toIntervalHour",
    "minute": "toIntervalMinute",
    "second": "toIntervalSecond",
}
_FRACTIONS = {  # unit: (function, digits of a second)
    "millisecond": ("toIntervalMillisecond", 3),
    "microsecond": ("toIntervalMicrosecond", 6),
    "nanosecond": ("toIntervalNanosecond", 9),
}
INTERVAL_UNITS = (*_DAYS_OR_LONGER, *_SECONDS, *_FRACTIONS)


class toStartOfInterval(ZonedFunction):
    """``toStartOfInterval(t, INTERVAL 15 minute)`` as ``toStartOfInterval("t", 15,
    "minute")``: the start of the interval of ``number`` ``unit`` s the moment falls in.

    A week or longer gives a date; a day, hour, minute or second an aware datetime; a
    millisecond, microsecond or nanosecond a datetime with that precision.
    """

    def __init__(
        self,
        expression: Any,
        number: int,
        unit: str,
        timezone: str | None = None,
        **extra: Any,
    ) -> None:
        number = whole_number("toStartOfInterval", "number", number, 1, 2**31 - 1)
        self.unit = unit.lower() if isinstance(unit, str) else unit
        if self.unit not in INTERVAL_UNITS:
            raise ValueError(
                f"toStartOfInterval() unit must be one of {', '.join(INTERVAL_UNITS)}; "
                f"not {unit!r}."
            )
        self.result_needs_zone = self.unit not in _DAYS_OR_LONGER
        function = _DAYS_OR_LONGER.get(self.unit) or _SECONDS.get(self.unit)
        if function is None:
            function = _FRACTIONS[self.unit][0]
        interval = Func(Value(number), function=function)
        super().__init__(expression, interval, timezone=timezone, **extra)

    def _resolve_output_field(self):
        if self.unit in _DAYS_OR_LONGER:
            return fields.DateField()
        if self.unit in _SECONDS:
            return fields.DateTimeField(timezone=self.result_zone())
        precision = _FRACTIONS[self.unit][1]
        return fields.DateTime64Field(precision=precision, timezone=self.result_zone())

"""The parts of a date or datetime as numbers: ``toYear`` ... ``toSecond``, the compact
``toYYYYMM`` family (a common partition key), weeks and the Unix timestamp.

Each takes the date or datetime, and a ``timezone`` to count in (see ``zoned``).
"""

# Classes are named as ClickHouse names its functions, not in CapWords.
# ruff: noqa: N801

from __future__ import annotations

from typing import Any

from django.db.models import Value

from ..fields import UInt8Field, UInt16Field, UInt32Field, UInt64Field
from .literals import whole_number
from .zoned import ZonedFunction

__all__ = [
    "toDayOfMonth",
    "toDayOfWeek",
    "toDayOfYear",
    "toHour",
    "toISOWeek",
    "toISOYear",
    "toMinute",
    "toMonth",
    "toQuarter",
    "toSecond",
    "toUnixTimestamp",
    "toWeek",
    "toYYYYMM",
    "toYYYYMMDD",
    "toYYYYMMDDhhmmss",
    "toYear",
    "toYearWeek",
]


class DatePart(ZonedFunction):
    """A part of one date or datetime."""

    def __init__(self, expression: Any, timezone: str | None = None, **extra: Any) -> None:
        super().__init__(expression, timezone=timezone, **extra)


class toYear(DatePart):
    """The year: 2023."""

    output_field = UInt16Field()


class toISOYear(DatePart):
    """The ISO 8601 week-numbering year."""

    output_field = UInt16Field()


class toQuarter(DatePart):
    """The quarter, 1 to 4."""

    output_field = UInt8Field()


class toMonth(DatePart):
    """The month, 1 to 12."""

    output_field = UInt8Field()


class toISOWeek(DatePart):
    """The ISO 8601 week, 1 to 53."""

    output_field = UInt8Field()


class toDayOfYear(DatePart):
    """The day of the year, 1 to 366."""

    output_field = UInt16Field()


class toDayOfMonth(DatePart):
    """The day of the month, 1 to 31."""

    output_field = UInt8Field()


class toHour(DatePart):
    """The hour, 0 to 23."""

    output_field = UInt8Field()


class toMinute(DatePart):
    """The minute, 0 to 59."""

    output_field = UInt8Field()


class toSecond(DatePart):
    """The second, 0 to 59."""

    output_field = UInt8Field()


class toYYYYMM(DatePart):
    """Year and month as one number: 202311."""

    output_field = UInt32Field()


class toYYYYMMDD(DatePart):
    """Year, month and day as one number: 20231130."""

    output_field = UInt32Field()


class toYYYYMMDDhhmmss(DatePart):
    """Date and time as one number: 20231130161215."""

    output_field = UInt64Field()


class toUnixTimestamp(DatePart):
    """Seconds since 1970-01-01 UTC. A date or a text counts from midnight in the zone."""

    output_field = UInt32Field()
    result_needs_zone = True


class WeekPart(ZonedFunction):
    """A week number counted by ``mode``: which day starts a week, and which week is the
    first of a year (ClickHouse's table of modes; 0 is Sunday-first, as in MySQL)."""

    highest_mode = 9

    def __init__(
        self, expression: Any, mode: int = 0, timezone: str | None = None, **extra: Any
    ) -> None:
        mode = whole_number(type(self).__name__, "mode", mode, 0, self.highest_mode)
        super().__init__(expression, Value(mode), timezone=timezone, **extra)


class toDayOfWeek(WeekPart):
    """The day of the week: mode 0 counts Monday=1 ... Sunday=7, mode 1 Monday=0 ...
    Sunday=6, mode 2 Sunday=0 ... Saturday=6, mode 3 Sunday=1 ... Saturday=7."""

    output_field = UInt8Field()
    highest_mode = 3


class toWeek(WeekPart):
    """The week of the year, 0 to 53."""

    output_field = UInt8Field()


class toYearWeek(WeekPart):
    """Year and week as one number: 202352."""

    output_field = UInt32Field()

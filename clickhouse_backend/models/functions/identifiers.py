"""New identifiers made by the server: UUIDs, Snowflake ids and serial numbers.

Like ``Rand``, identical calls in one query are computed once; an argument of their
own (``generateUUIDv4(1)``) tells them apart.
"""

# Classes are named as ClickHouse names its functions, not in CapWords.
# ruff: noqa: N801

from __future__ import annotations

from typing import Any

from django.db.models import Value

from ..fields import UInt64Field, UUIDField
from .base import ClickHouseFunction

__all__ = ["generateSerialID", "generateSnowflakeID", "generateUUIDv4"]


class generateUUIDv4(ClickHouseFunction):
    """A random UUID (version 4), read as ``uuid.UUID``."""

    output_field = UUIDField()


class generateSnowflakeID(ClickHouseFunction):
    """A 64-bit Snowflake id: milliseconds since 1970, the server's machine id and a
    counter, so ids increase with time. (Model ids count from 2025; see
    ``DatabaseOperations.generate_ids``.)"""

    output_field = UInt64Field()


class generateSerialID(ClickHouseFunction):
    """The next number of the series named ``series``, kept in ClickHouse Keeper (so
    a server needs Keeper; the embedded engine has none). ``start`` is its first."""

    output_field = UInt64Field()

    def __init__(self, series: Any, start: Any = None, **extra: Any) -> None:
        if isinstance(series, str):  # a series name, not a column
            series = Value(series)
        arguments = (series,) if start is None else (series, start)
        super().__init__(*arguments, **extra)

"""ClickHouse's ``Date``, ``Date32``, ``DateTime`` and ``DateTime64`` as model fields.

A ``DateTime``/``DateTime64`` column holds instants; its time zone only says how
ClickHouse shows them and in which zone its functions (``toHour()``...) count. So:

- An aware datetime is stored as that instant, and read back as the same instant,
  aware, in the column's zone (``USE_TZ = True``).
- With ``USE_TZ = False`` a naive datetime is a wall-clock time in the column's zone
  (``timezone=``, UTC when not given), and is read back as the same naive value; date
  lookups and ``Extract``/``Trunc`` then count in that zone too.
- The column always names its zone (``DateTime('UTC')`` by default), so values are the
  same on every server and on the embedded engine, whatever their own zone.
- A number (int or float) is a Unix timestamp, seconds since 1970-01-01 UTC, as
  django-clickhouse-backend takes it and ClickHouse reads it in SQL: the datetime of
  that instant, in saves and lookups alike.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.core import checks, exceptions
from django.db import models
from django.utils import timezone as django_timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from ...driver.escape import quote_string
from .base import BoundedMixin, ColumnPreparedMixin, LowCardinality, LowCardinalityMixin

__all__ = ["Date32Field", "DateField", "DateTime64Field", "DateTimeField"]

UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)
_DEFAULT_PRECISION = 6


class DateField(ColumnPreparedMixin, BoundedMixin, LowCardinalityMixin, models.DateField):
    """``Date``: days from 1970-01-01 to 2149-06-06."""

    low_cardinality_support = LowCardinality.SUSPICIOUS
    first_day = datetime.date(1970, 1, 1)
    last_day = datetime.date(2149, 6, 6)

    def clickhouse_type(self) -> str:
        return "Date"

    def value_range(self) -> tuple[datetime.date, datetime.date]:
        return self.first_day, self.last_day


class Date32Field(DateField):
    """``Date32``: days from 1900-01-01 to 2299-12-31."""

    first_day = datetime.date(1900, 1, 1)
    last_day = datetime.date(2299, 12, 31)

    def clickhouse_type(self) -> str:
        return "Date32"


class DateTimeField(ColumnPreparedMixin, BoundedMixin, LowCardinalityMixin, models.DateTimeField):
    """``DateTime(timezone)``: whole seconds from 1970 to 2106-02-07 06:28:15 UTC."""

    low_cardinality_support = LowCardinality.SUSPICIOUS
    first_instant = datetime.datetime(1970, 1, 1, tzinfo=UTC)
    last_instant = datetime.datetime(2106, 2, 7, 6, 28, 15, tzinfo=UTC)

    def __init__(self, *args, timezone: str | None = None, **kwargs):
        self.timezone = timezone
        super().__init__(*args, **kwargs)

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.zone_name)

    @property
    def zone_name(self) -> str:
        return self.timezone or "UTC"

    def clickhouse_type(self) -> str:
        return f"DateTime({quote_string(self.zone_name)})"

    def check(self, **kwargs) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._check_timezone()]

    def _check_timezone(self) -> list[checks.CheckMessage]:
        if self.timezone is None:
            return []
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (TypeError, ValueError, zoneinfo.ZoneInfoNotFoundError):
            return [
                checks.Error(
                    f"timezone={self.timezone!r} is not a time zone name.",
                    hint="Use an IANA name such as 'UTC' or 'Europe/Berlin'.",
                    obj=self,
                    id="clickhouse_backend.E104",
                )
            ]
        return []

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.timezone is not None:
            kwargs["timezone"] = self.timezone
        return name, path, args, kwargs

    def to_python(self, value: Any) -> Any:
        if isinstance(value, (int, float)):
            return self.from_timestamp(value)
        return super().to_python(value)

    def from_timestamp(self, seconds: float) -> datetime.datetime:
        """The datetime of a Unix timestamp, as the column reads it back: aware in the
        column's zone, or that zone's wall-clock time with ``USE_TZ = False``."""
        try:
            if isinstance(seconds, bool):
                raise ValueError("a bool is no timestamp")
            instant = (EPOCH + datetime.timedelta(seconds=seconds)).astimezone(self.zone)
        except (ValueError, OverflowError):  # NaN, infinities, beyond years 1 to 9999
            raise exceptions.ValidationError(
                _("%(value)r is not a Unix timestamp of a datetime Python can hold."),
                code="invalid",
                params={"value": seconds},
            ) from None
        return instant if settings.USE_TZ else instant.replace(tzinfo=None)

    def as_instant(self, value: datetime.datetime) -> datetime.datetime:
        """The instant a datetime stands for, as Django's DateTimeField reads it."""
        if value.tzinfo is not None:
            return value
        if settings.USE_TZ:  # what DateTimeField.get_prep_value() does, with a warning
            return django_timezone.make_aware(value)
        return value.replace(tzinfo=self.zone)

    def get_db_prep_value(self, value: Any, connection, prepared: bool = False) -> Any:
        """Aware datetimes: the driver writes the instant, and renders query parameters
        in UTC. So a naive value (``USE_TZ = False``) becomes aware in the column's zone."""
        if not prepared:
            value = self.get_prep_value(value)
        if isinstance(value, datetime.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=self.zone)
        return value

    def value_range(self) -> tuple[datetime.datetime, datetime.datetime]:
        return self.first_instant, self.last_instant

    def in_range(self, value: datetime.datetime) -> bool:
        first, last = self.value_range()
        return first <= self.as_instant(value) <= last


class DateTime64Field(DateTimeField):
    """``DateTime64(precision, timezone)``: 10**-precision seconds, 1900 to 2299 UTC.

    Python datetimes hold microseconds: a precision of 7 to 9 stores what ClickHouse
    functions compute, but a Python value never carries more than 6 digits.
    """

    # ClickHouse has no LowCardinality(DateTime64).
    low_cardinality_support = LowCardinality.REFUSED
    first_instant = datetime.datetime(1900, 1, 1, tzinfo=UTC)
    last_instant = datetime.datetime(2299, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    # Nanoseconds in an Int64 end sooner.
    last_nanosecond_instant = datetime.datetime(2262, 4, 11, 23, 47, 16, 854775, tzinfo=UTC)

    def __init__(self, *args, precision: int = _DEFAULT_PRECISION, **kwargs):
        self.precision = precision
        super().__init__(*args, **kwargs)

    def clickhouse_type(self) -> str:
        return f"DateTime64({self.precision}, {quote_string(self.zone_name)})"

    def check(self, **kwargs) -> list[checks.CheckMessage]:
        messages = super().check(**kwargs)
        precision = self.precision
        if (
            not isinstance(precision, int)
            or isinstance(precision, bool)
            or not 0 <= precision <= 9
        ):
            messages.append(
                checks.Error(
                    f"precision={self.precision!r} is not a DateTime64 precision.",
                    hint="Use an integer from 0 (seconds) to 9 (nanoseconds).",
                    obj=self,
                    id="clickhouse_backend.E105",
                )
            )
        return messages

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.precision != _DEFAULT_PRECISION:
            kwargs["precision"] = self.precision
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        """Django's form field, whose widgets show the fraction of a second too: they
        would drop it, and saving the form (or the admin's page) would lose it."""
        field = super().formfield(**kwargs)
        if self.precision:
            _show_fractions(field.widget)
        return field

    def value_range(self) -> tuple[datetime.datetime, datetime.datetime]:
        if self.precision == 9:
            return self.first_instant, self.last_nanosecond_instant
        return self.first_instant, self.last_instant


def _show_fractions(widget: forms.Widget) -> None:
    """Make this widget (the admin's split date and time too) show microseconds."""
    widget.supports_microseconds = True
    for part in getattr(widget, "widgets", [widget]):
        part.supports_microseconds = True
        if isinstance(part, forms.DateTimeInput):
            part.format = "%Y-%m-%d %H:%M:%S.%f"
        elif isinstance(part, forms.TimeInput):
            part.format = "%H:%M:%S.%f"

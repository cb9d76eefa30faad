"""Date and time functions that count in a time zone.

ClickHouse's date functions take a zone as their last argument: ``toYYYYMMDD(t, 'Asia/
Tokyo')`` counts days in Tokyo, ``toStartOfDay(t, 'UTC')`` gives a DateTime('UTC'). Here
it is ``timezone=``, a zone name. Left out, a datetime is counted in its own zone, the
column's (UTC unless the field says ``timezone=``), and a datetime result keeps it, as
ClickHouse does: so an engine key or an index does not depend on the ``TIME_ZONE`` of
whoever ran ``migrate``.

An argument without a zone (a date, a text, no argument at all for ``now()``) that
makes a datetime or an instant is counted in Django's current time zone when USE_TZ is
on, so that the result is an aware datetime and a text is read as Django reads naive
datetimes. With USE_TZ off no zone is given: ClickHouse uses the server's.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import DateTimeField, Value
from django.utils import timezone as django_timezone

from .. import fields
from .base import ClickHouseFunction


class ZonedFunction(ClickHouseFunction):
    """A date function whose last, optional argument is a time zone."""

    # Whether the result is a datetime or an instant, which an argument without a zone
    # makes in the current one (see the module's docstring).
    result_needs_zone = False

    def __init__(self, *expressions: Any, timezone: str | None = None, **extra: Any) -> None:
        if timezone is not None and not isinstance(timezone, str):
            raise TypeError(
                f"{type(self).__name__}() timezone must be a zone name such as "
                f"'Europe/Berlin', not {timezone!r}."
            )
        self.timezone = timezone
        super().__init__(*expressions, **extra)

    def zone_name(self) -> str | None:
        """The zone written into the SQL, if any (see the module's docstring)."""
        if self.timezone is not None:
            return self.timezone
        if not settings.USE_TZ or not self.result_needs_zone:
            return None
        if isinstance(self.source_field(), DateTimeField):
            return None  # its own
        return django_timezone.get_current_timezone_name()

    def as_sql(self, compiler, connection, **extra_context: Any) -> tuple[str, tuple]:
        zone = self.zone_name()
        if zone is None:
            return super().as_sql(compiler, connection, **extra_context)
        zoned = self.copy()
        zoned.set_source_expressions([*self.get_source_expressions(), Value(zone)])
        return super(ZonedFunction, zoned).as_sql(compiler, connection, **extra_context)

    def result_zone(self) -> str | None:
        """The zone a datetime result is in: the one given, the current one, or the
        argument's (None: UTC, the zone of Django's DateTimeField columns)."""
        zone = self.zone_name()
        if zone is None:
            zone = getattr(self.source_field(), "timezone", None)
        return zone


class DatetimeResult(ZonedFunction):
    """A function whose result is a DateTime, in the zone it was counted in."""

    result_needs_zone = True

    def _resolve_output_field(self) -> DateTimeField:
        return fields.DateTimeField(timezone=self.result_zone())


class DateResult(ZonedFunction):
    """A function whose result is a Date."""

    output_field = fields.DateField()

"""The time zone to give ClickHouse's date functions in hand-written expressions.

``toDate(t)`` counts days in the server's zone unless a zone is named; projects written
for django-clickhouse-backend name ``get_timezone()``. The fields and functions of this
backend name their zones themselves (see models/functions/zoned.py).
"""

from __future__ import annotations

import contextlib

from clickhouse_driver.util.compat import get_localzone_name_compat
from django.conf import settings
from django.utils import timezone

__all__ = ["get_timezone"]


def get_timezone() -> str:
    """The name of Django's current time zone with ``USE_TZ = True``; otherwise (or
    with ``TIME_ZONE = None`` and no zone activated) the zone of this process, which
    Django sets to ``TIME_ZONE`` when it has one."""
    if settings.USE_TZ:
        with contextlib.suppress(TypeError):  # TIME_ZONE = None: no default zone
            return timezone.get_current_timezone_name()
    # Read from the setting, not asked of the system: tzlocal remembers the zone it saw
    # first, before a later TIME_ZONE moved the process.
    return settings.TIME_ZONE or get_localzone_name_compat()

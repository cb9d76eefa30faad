"""ClickHouse's ``UUID`` as a model field."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import DjangoPreparedMixin, LowCardinalityMixin

__all__ = ["UUIDField"]


class UUIDField(DjangoPreparedMixin, LowCardinalityMixin, models.UUIDField):
    """``UUID``: 16 bytes, read back as ``uuid.UUID``.

    Django's own ``UUIDField`` is a ``UUID`` column on this backend too; this one adds
    ``low_cardinality=`` (which ClickHouse allows for UUID without any setting).
    ClickHouse orders UUIDs by their last 8 bytes, then their first 8, not as Python
    (and the text) does: ``order_by()`` and ``gt``/``lt`` follow ClickHouse's order.
    """

    description = _("UUID")
    invalid_value = "is not a UUID"

    def clickhouse_type(self) -> str:
        return "UUID"

"""ClickHouse's ``Bool`` as a model field."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import DjangoPreparedMixin, LowCardinality, LowCardinalityMixin

__all__ = ["BoolField"]


class BoolField(DjangoPreparedMixin, LowCardinalityMixin, models.BooleanField):
    """``Bool``: True or False (and None with ``null=True``), read back as ``bool``.

    Django's own ``BooleanField`` is a ``Bool`` column on this backend too; this one
    adds ``low_cardinality=`` and the name django-clickhouse-backend's users know.
    """

    description = _("Bool")
    invalid_value = "is not True, False or None"
    # ClickHouse refuses LowCardinality(Bool) unless told it is meant.
    low_cardinality_support = LowCardinality.SUSPICIOUS

    def clickhouse_type(self) -> str:
        return "Bool"

"""Validators of ClickHouse's limits that Django has none for.

``MaxBytesValidator`` is the one ``FixedStringField(max_bytes=N)`` uses; it is here, under
the path django-clickhouse-backend gives it, for models and forms that name it.
"""

from __future__ import annotations

from django.core.validators import BaseValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import ngettext_lazy

__all__ = ["MaxBytesValidator", "byte_length"]


def byte_length(value: str | bytes) -> int:
    """The number of bytes ClickHouse stores for a value: text counts as UTF-8."""
    return len(value) if isinstance(value, bytes) else len(value.encode())


@deconstructible
class MaxBytesValidator(BaseValidator):
    """At most ``limit_value`` bytes (``FixedString(N)`` holds N): characters outside
    ASCII take two to four."""

    message = ngettext_lazy(
        "Ensure this value has at most %(limit_value)d byte (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d bytes (it has %(show_value)d).",
        "limit_value",
    )
    code = "max_bytes"

    def compare(self, length: int, limit: int) -> bool:
        return length > limit

    def clean(self, value: str | bytes) -> int:
        return byte_length(value)

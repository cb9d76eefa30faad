"""ClickHouse's ``String`` and ``FixedString(N)`` as model fields."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import models
from django.utils.translation import gettext_lazy as _

from ...validators import MaxBytesValidator, byte_length
from ..sql.insert_values import exactly, prepare_values
from .base import ColumnPreparedMixin, LowCardinalityMixin

__all__ = ["FixedStringField", "StringField"]


def most_characters(values: list) -> int:
    """The largest length of the values (characters of text, bytes of bytes; None is
    skipped), as ``max_length`` counts them."""
    return max(map(len, filter(None, values)), default=0)


def most_bytes(values: list) -> int:
    """The largest UTF-8 length of the str and bytes values (None is skipped), with
    C-level operations: ASCII text is as many bytes as characters."""
    present = list(filter(None, values))
    if bytes in set(map(type, present)):
        return max(map(byte_length, present), default=0)
    if not all(map(str.isascii, present)):
        present = map(str.encode, present)
    return max(map(len, present), default=0)


class StringField(ColumnPreparedMixin, LowCardinalityMixin, models.CharField):
    """``String``: text of any length, ``LowCardinality(String)`` with
    ``low_cardinality=True``.

    ``max_length`` is optional and checked in Python only (ClickHouse strings have no
    limit): ``full_clean()`` raises a ``ValidationError``, ``save()`` a ``DataError``.

    A value may be ``bytes`` (ClickHouse strings are bytes; ``max_length`` then counts
    bytes): read back as ``str`` when it is UTF-8, else as ``bytes``.
    """

    description = _("String")
    column_kind = "CharField"

    def __init__(self, *args, max_length: int | None = None, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)

    def clickhouse_type(self) -> str:
        return "String"

    def to_python(self, value: Any) -> Any:
        """Bytes stay bytes (ClickHouse strings are bytes): Django's str() of them
        would store their repr, ``"b'...'"``."""
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        return super().to_python(value)

    def _check_max_length_attribute(self, **kwargs) -> list[checks.CheckMessage]:
        return [] if self.max_length is None else super()._check_max_length_attribute(**kwargs)

    def get_db_prep_save(self, value: Any, connection) -> Any:
        value = super().get_db_prep_save(value, connection)
        limit = self.max_length
        if limit is not None and isinstance(value, (str, bytes)) and len(value) > limit:
            raise self.refuse(value, f"is longer than max_length={self.max_length}")
        return value

    def prepare_column(self, values: list, connection) -> list:
        if bytes in set(map(type, values)):  # Django's text kind takes str only
            prepared = prepare_values(self, values, connection, exactly(str, bytes))
        else:
            prepared = super().prepare_column(values, connection)
        limit = self.max_length
        if limit is not None and most_characters(prepared) > limit:
            raise self.column_refused(f"is longer than max_length={limit}")
        return prepared


class FixedStringField(StringField):
    """``FixedString(max_bytes)``: exactly ``max_bytes`` bytes per value.

    ClickHouse pads shorter values with NUL bytes and refuses longer ones. A value is
    written as ``str`` (UTF-8) or ``bytes``, and read back as ``str`` without the
    padding; a value that is not valid UTF-8 is read as ``bytes``, padding included.
    """

    description = _("String of at most %(max_bytes)s bytes")

    def __init__(self, *args, max_bytes: int | None = None, **kwargs):
        self.max_bytes = max_bytes
        super().__init__(*args, **kwargs)
        if self._max_bytes_is_valid():
            self.validators.append(MaxBytesValidator(max_bytes))

    def _max_bytes_is_valid(self) -> bool:
        size = self.max_bytes
        return isinstance(size, int) and not isinstance(size, bool) and size > 0

    def clickhouse_type(self) -> str:
        return f"FixedString({self.max_bytes})"

    def check(self, **kwargs) -> list[checks.CheckMessage]:
        messages = super().check(**kwargs)
        if not self._max_bytes_is_valid():
            messages.append(
                checks.Error(
                    "FixedStringField needs max_bytes, a positive integer.",
                    hint="FixedString(N) holds N bytes: FixedStringField(max_bytes=N).",
                    obj=self,
                    id="clickhouse_backend.E103",
                )
            )
        return messages

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["max_bytes"] = self.max_bytes
        return name, path, args, kwargs

    def get_db_prep_save(self, value: Any, connection) -> Any:
        value = super().get_db_prep_save(value, connection)
        if isinstance(value, (str, bytes)) and byte_length(value) > self.max_bytes:
            raise self.refuse(value, f"is longer than FixedString({self.max_bytes}) bytes")
        return value

    def prepare_column(self, values: list, connection) -> list:
        prepared = super().prepare_column(values, connection)
        if most_bytes(prepared) > self.max_bytes:
            raise self.column_refused(f"is longer than FixedString({self.max_bytes}) bytes")
        return prepared

    def formfield(self, **kwargs):
        # A character never takes less than a byte: max_bytes bounds the characters too.
        limit = self.max_bytes if self.max_length is None else self.max_length
        return super().formfield(**{"max_length": limit, **kwargs})

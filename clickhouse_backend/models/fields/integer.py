"""ClickHouse's integer types, Int8 ... Int256 and UInt8 ... UInt256, as model fields."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.db import models

from .base import BoundedMixin, ColumnPreparedMixin, LowCardinality, LowCardinalityMixin

__all__ = [
    "Int8Field",
    "Int16Field",
    "Int32Field",
    "Int64Field",
    "Int128Field",
    "Int256Field",
    "UInt8Field",
    "UInt16Field",
    "UInt32Field",
    "UInt64Field",
    "UInt128Field",
    "UInt256Field",
]

# A browser's <input type="number"> holds a double: beyond 2**53 it steps and rounds.
_LARGEST_EXACT_FLOAT = 2**53


class WideIntegerInput(forms.TextInput):
    """A text box for integers a number box would round (64 bits and wider)."""

    def __init__(self, attrs: dict | None = None):
        super().__init__({"inputmode": "numeric", "pattern": "-?[0-9]+", **(attrs or {})})


class ClickHouseIntegerField(
    ColumnPreparedMixin, BoundedMixin, LowCardinalityMixin, models.IntegerField
):
    """An integer column of one ClickHouse width; subclasses name it."""

    column_kind = "IntegerField"

    type_name: ClassVar[str]
    internal_type: ClassVar[str]
    bits: ClassVar[int]
    signed: ClassVar[bool]
    # ClickHouse refuses LowCardinality of numbers unless told it is meant.
    low_cardinality_support = LowCardinality.SUSPICIOUS

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "bits" in cls.__dict__:
            cls.type_name = f"{'Int' if cls.signed else 'UInt'}{cls.bits}"
            cls.internal_type = f"{cls.type_name}Field"
            cls.min_value = -(2 ** (cls.bits - 1)) if cls.signed else 0
            cls.max_value = 2 ** (cls.bits - 1) - 1 if cls.signed else 2**cls.bits - 1

    def clickhouse_type(self) -> str:
        return self.type_name

    def get_internal_type(self) -> str:
        # Django's integer lookups ask the backend for the range of this name.
        return self.internal_type

    def value_range(self) -> tuple[int, int]:
        return self.min_value, self.max_value

    def in_range(self, value: int) -> bool:
        return self.min_value <= value <= self.max_value

    def formfield(self, **kwargs):
        if self.choices:
            return super().formfield(**kwargs)
        kwargs = {"min_value": self.min_value, "max_value": self.max_value, **kwargs}
        if max(-self.min_value, self.max_value) >= _LARGEST_EXACT_FLOAT:
            widget = kwargs.get("widget")
            if widget is None or is_number_input(widget):
                kwargs["widget"] = WideIntegerInput
        return super().formfield(**kwargs)


def is_number_input(widget: Any) -> bool:
    kind = widget if isinstance(widget, type) else type(widget)
    return issubclass(kind, forms.NumberInput)


class Int8Field(ClickHouseIntegerField):
    """``Int8``: -128 to 127."""

    bits, signed = 8, True


class Int16Field(ClickHouseIntegerField):
    """``Int16``: -32768 to 32767."""

    bits, signed = 16, True


class Int32Field(ClickHouseIntegerField):
    """``Int32``: -2**31 to 2**31 - 1."""

    bits, signed = 32, True


class Int64Field(ClickHouseIntegerField):
    """``Int64``: -2**63 to 2**63 - 1."""

    bits, signed = 64, True


class Int128Field(ClickHouseIntegerField):
    """``Int128``: -2**127 to 2**127 - 1."""

    bits, signed = 128, True


class Int256Field(ClickHouseIntegerField):
    """``Int256``: -2**255 to 2**255 - 1."""

    bits, signed = 256, True


class UInt8Field(ClickHouseIntegerField):
    """``UInt8``: 0 to 255."""

    bits, signed = 8, False


class UInt16Field(ClickHouseIntegerField):
    """``UInt16``: 0 to 65535."""

    bits, signed = 16, False


class UInt32Field(ClickHouseIntegerField):
    """``UInt32``: 0 to 2**32 - 1."""

    bits, signed = 32, False


class UInt64Field(ClickHouseIntegerField):
    """``UInt64``: 0 to 2**64 - 1."""

    bits, signed = 64, False


class UInt128Field(ClickHouseIntegerField):
    """``UInt128``: 0 to 2**128 - 1."""

    bits, signed = 128, False


class UInt256Field(ClickHouseIntegerField):
    """``UInt256``: 0 to 2**256 - 1."""

    bits, signed = 256, False


# The ranges Django's integer lookups ask DatabaseOperations.integer_field_range() for.
INTEGER_RANGES: dict[str, tuple[int, int]] = {
    field.internal_type: (field.min_value, field.max_value)
    for field in ClickHouseIntegerField.__subclasses__()
}

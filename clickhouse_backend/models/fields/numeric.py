"""ClickHouse's ``Float32``, ``Float64`` and ``Decimal(P, S)`` as model fields."""

from __future__ import annotations

import decimal
import math
import struct
from typing import Any

from django import forms
from django.core import checks
from django.db import models
from django.db.models import lookups
from django.utils.translation import gettext_lazy as _

from ..sql.insert_values import FLOAT32_MAX, decimal_problem, fits_float32
from .base import BoundedMixin, DjangoPreparedMixin, LowCardinality, LowCardinalityMixin
from .integer import is_number_input

__all__ = ["DecimalField", "Float32Field", "Float64Field"]

# ClickHouse's widest Decimal is Decimal256: 76 digits.
MAX_DECIMAL_DIGITS = 76
# A browser's <input type="number"> holds a double: about 15 significant digits.
_EXACT_NUMBER_INPUT_DIGITS = 15


class Float64Field(DjangoPreparedMixin, LowCardinalityMixin, models.FloatField):
    """``Float64``: a double, as Python's ``float`` (NaN, infinities and -0.0 too)."""

    description = _("Float64")
    invalid_value = "is not a number"
    # ClickHouse refuses LowCardinality of numbers unless told it is meant.
    low_cardinality_support = LowCardinality.SUSPICIOUS

    def clickhouse_type(self) -> str:
        return "Float64"

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": FloatFormField, **kwargs})


class Float32Field(BoundedMixin, Float64Field):
    """``Float32``: a single-precision float, about 7 significant digits.

    Values are rounded to the nearest float32 when stored, and in lookups too, so that
    ``filter(ratio=0.1)`` finds the 0.1 that was saved (ClickHouse would compare the
    column with the double 0.1, which no float32 equals). A finite value beyond
    float32's range (±3.4028235e38) is refused rather than stored as infinity.
    """

    description = _("Float32")

    def clickhouse_type(self) -> str:
        return "Float32"

    def value_range(self) -> tuple[float, float]:
        return -FLOAT32_MAX, FLOAT32_MAX

    def in_range(self, value: float) -> bool:
        return fits_float32(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or not fits_float32(value):
            return value  # beyond the range: lookups compare it as it is, saves refuse it
        return struct.unpack("<f", struct.pack("<f", value))[0]

    def formfield(self, **kwargs):
        return super().formfield(**{"largest": FLOAT32_MAX, **kwargs})


class FloatFormField(forms.FloatField):
    """Takes every value a float column holds: ``nan``, ``inf`` and ``-inf`` too, which
    Django's form field refuses (so the admin could not save a row holding one). A text
    box, as a browser's number box refuses them; finite values beyond ``largest`` are
    refused."""

    widget = forms.TextInput
    default_error_messages = {
        "too_large": _("Ensure this value is between -%(limit)s and %(limit)s.")
    }

    def __init__(self, *, largest: float | None = None, **kwargs):
        self.largest = largest
        super().__init__(**kwargs)

    def widget_attrs(self, widget) -> dict:
        attrs = super().widget_attrs(widget)
        if not isinstance(widget, forms.NumberInput):
            attrs.setdefault("inputmode", "decimal")
        return attrs

    def validate(self, value) -> None:
        forms.Field.validate(self, value)  # not FloatField's: it refuses nan and infinities
        if (
            self.largest is not None
            and value not in self.empty_values
            and math.isfinite(value)
            and abs(value) > self.largest
        ):
            raise forms.ValidationError(
                self.error_messages["too_large"], code="too_large", params={"limit": self.largest}
            )


@Float64Field.register_lookup
class FloatExact(lookups.Exact):
    """``ratio=math.nan`` finds the NaNs (``isNaN``): ``=`` is never true for NaN."""

    def as_sql(self, compiler, connection):
        if isinstance(self.rhs, float) and math.isnan(self.rhs):
            lhs, params = self.process_lhs(compiler, connection)
            return f"isNaN({lhs})", params
        return super().as_sql(compiler, connection)


class DecimalInput(forms.TextInput):
    """A text box for decimals a number box would round (more than 15 digits)."""

    def __init__(self, attrs: dict | None = None):
        super().__init__(
            {"inputmode": "decimal", "pattern": r"-?[0-9]*\.?[0-9]*", **(attrs or {})}
        )


class DecimalField(DjangoPreparedMixin, LowCardinalityMixin, models.DecimalField):
    """``Decimal(max_digits, decimal_places)``: exact numbers of up to 76 digits.

    ClickHouse stores it as Decimal32, Decimal64, Decimal128 or Decimal256, by
    ``max_digits`` (up to 9, 18, 38, 76). A value the type cannot hold exactly (more
    decimal places, or more digits before the point) is a ``ValidationError`` from
    ``full_clean()`` and a ``DataError`` on save: the driver would silently drop the
    extra places, and the type has no room for the extra digits.
    """

    invalid_value = "is not a decimal number"
    low_cardinality_support = LowCardinality.REFUSED

    def clickhouse_type(self) -> str:
        return f"Decimal({self.max_digits}, {self.decimal_places})"

    def check(self, **kwargs) -> list[checks.CheckMessage]:
        messages = super().check(**kwargs)
        digits = self.max_digits
        if isinstance(digits, int) and digits > MAX_DECIMAL_DIGITS:
            messages.append(
                checks.Error(
                    f"max_digits={digits} is more than ClickHouse's Decimal holds.",
                    hint=f"Use max_digits from 1 to {MAX_DECIMAL_DIGITS} (Decimal256), or "
                    "a FloatField for approximate values.",
                    obj=self,
                    id="clickhouse_backend.E110",
                )
            )
        return messages

    def get_db_prep_save(self, value: Any, connection) -> Any:
        prepared = super().get_db_prep_save(value, connection)
        if prepared is None or hasattr(prepared, "as_sql"):
            return prepared
        if problem := decimal_problem(prepared, self.max_digits, self.decimal_places):
            if not isinstance(value, decimal.Decimal):  # converted as Django does
                problem = f"becomes {prepared!r}, which {problem}"
            raise self.refuse(value, problem)
        return prepared

    def formfield(self, **kwargs):
        widget = kwargs.get("widget")
        if self.max_digits > _EXACT_NUMBER_INPUT_DIGITS and (
            widget is None or is_number_input(widget)
        ):
            kwargs["widget"] = DecimalInput
        return super().formfield(**kwargs)

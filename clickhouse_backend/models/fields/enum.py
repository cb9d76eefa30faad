"""ClickHouse's ``Enum8``/``Enum16`` from Django ``choices``.

The Python value is always the choice's *value*, as with any Django field with
choices; ClickHouse stores a number per value and shows a label:

- integer choices (``IntegerChoices`` or ``[(1, "Pass"), ...]``): the number is the
  value and the label is the choice's label, untranslated
  (``Enum8('Pass' = 1, 'Drop' = 2)``);
- text choices (``TextChoices`` or ``[("tcp", "TCP"), ...]``): the label is the value and
  the numbers count from 1 in the order of the choices (``Enum8('tcp' = 1, 'udp' = 2)``).
  New choices go at the end: ClickHouse refuses to renumber a label.

As in django-clickhouse-backend, a label may be given as UTF-8 bytes (``(1, b"a")``), a
value may be assigned or looked up by its label (``fruit="pear"``), and
``return_int=False`` reads integer choices as their labels.
"""

from __future__ import annotations

import enum
from collections import Counter
from typing import Any, ClassVar

from django.core import checks, exceptions
from django.db import models
from django.db.models import Transform
from django.utils import translation
from django.utils.choices import normalize_choices
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from ...driver.escape import quote_string
from ..sql.insert_values import exactly, prepare_values
from .base import ColumnPreparedMixin, LowCardinality, LowCardinalityMixin

__all__ = ["Enum8Field", "Enum16Field", "EnumField"]

_WIDTHS = {8: (-(2**7), 2**7 - 1), 16: (-(2**15), 2**15 - 1)}


class EnumField(ColumnPreparedMixin, LowCardinalityMixin, models.Field):
    """``Enum8`` when every number fits in 8 bits, else ``Enum16``."""

    description = _("Enum")
    width: ClassVar[int | None] = None
    low_cardinality_support = LowCardinality.REFUSED
    # Choices are the column's type here: changing them alters the column.
    non_db_attrs = (
        *(name for name in models.Field.non_db_attrs if name != "choices"),
        "return_int",
    )

    def __init__(self, *args, return_int: bool = True, **kwargs):
        """``return_int=False``: integer choices are read as their labels (the value
        is still what is stored, assigned and looked up; labels are taken too)."""
        self.return_int = return_int
        super().__init__(*args, **kwargs)

    @property
    def choices(self) -> Any:
        return self._choices

    @choices.setter
    def choices(self, value: Any) -> None:
        self._choices = _text_labels(normalize_choices(value))

    @classmethod
    def _choices_is_value(cls, value: Any) -> bool:
        # A byte-string label that is not UTF-8 is _check_enum_choices()'s to explain.
        return isinstance(value, bytes) or super()._choices_is_value(value)

    @cached_property
    def members(self) -> list[tuple[Any, str, int]]:
        """(value, ClickHouse label, number) of each choice."""
        if self.holds_integers:
            with translation.override(None):  # the same labels in every language
                return [(value, str(label), value) for value, label in self.flatchoices]
        return [
            (value, str(value), number) for number, (value, _) in enumerate(self.flatchoices, 1)
        ]

    @cached_property
    def holds_integers(self) -> bool:
        values = [value for value, _ in self.flatchoices]
        return bool(values) and all(_is_integer(value) for value in values)

    @cached_property
    def _values(self) -> frozenset:
        return frozenset(value for value, _, _ in self.members)

    @cached_property
    def _values_by_label(self) -> dict[str, Any]:
        return {label: value for value, label, _ in self.members}

    def enum_width(self) -> int:
        if self.width is not None:
            return self.width
        low, high = _WIDTHS[8]
        return 8 if all(low <= number <= high for _, _, number in self.members) else 16

    def clickhouse_type(self) -> str:
        # In ClickHouse's own order (by number), as the server writes the type back.
        members = sorted(self.members, key=lambda member: member[2])
        items = ", ".join(f"{quote_string(label)} = {number}" for _, label, number in members)
        return f"Enum{self.enum_width()}({items})"

    def get_internal_type(self) -> str:
        return "EnumField"

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if not self.return_int:
            kwargs["return_int"] = False
        return name, path, args, kwargs

    def check(self, **kwargs) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._check_enum_choices()]

    def _check_enum_choices(self) -> list[checks.CheckMessage]:
        values = [value for value, _ in self.flatchoices or ()]
        problem = None
        undecodable = [label for _, label in self.flatchoices or () if isinstance(label, bytes)]
        if not values:
            problem = "needs choices, the members of its ClickHouse Enum"
        elif undecodable:
            problem = (
                f"has the label {undecodable[0]!r}, which is not UTF-8: ClickHouse's "
                "Enum labels are read back as text"
            )
        elif not self.holds_integers and not all(isinstance(value, str) for value in values):
            problem = "needs choices whose values are all integers or all strings"
        else:
            low, high = _WIDTHS[self.width or 16]
            numbers = [number for _, _, number in self.members]
            labels = Counter(label for _, label, _ in self.members)
            if not all(low <= number <= high for number in numbers):
                problem = f"needs choice numbers from {low} to {high} for Enum{self.width or 16}"
            elif duplicate := next((label for label, n in labels.items() if n > 1), None):
                problem = f"has the label {duplicate!r} twice; ClickHouse Enum labels are unique"
        if problem is None:
            return []
        return [
            checks.Error(
                f"{type(self).__name__} {problem}.",
                hint="Pass choices=SomeIntegerChoices (or TextChoices, or a list of "
                "(value, label) pairs).",
                obj=self,
                id="clickhouse_backend.E106",
            )
        ]

    def _coerce(self, value: Any) -> Any:
        """The choice's value: of an enum member, of a label (text or UTF-8 bytes),
        or the value converted to the choices' type."""
        if isinstance(value, enum.Enum):
            value = value.value
        if isinstance(value, bytes):
            value = _text(value)
        if not self.holds_integers:
            return str(value)
        if isinstance(value, str) and value in self._values_by_label:
            return self._values_by_label[value]
        return int(value)

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        try:
            return self._coerce(value)
        except (TypeError, ValueError):
            raise exceptions.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        try:
            return self._coerce(value)
        except (TypeError, ValueError) as error:
            raise error.__class__(
                f"Field '{self.name}' expected one of its choices but got {value!r}."
            ) from error

    def get_db_prep_save(self, value: Any, connection) -> Any:
        value = super().get_db_prep_save(value, connection)
        if value is not None and not hasattr(value, "as_sql") and value not in self._values:
            choices = ", ".join(repr(value) for value, _, _ in self.members)
            raise self.refuse(value, f"is not one of the choices ({choices})")
        return value

    def prepare_column(self, values: list, connection) -> list:
        """Choice values as they are (the driver looks their labels up), the others
        converted by ``get_db_prep_save()``; the set of them checked against the choices."""
        kind = int if self.holds_integers else str
        prepared = prepare_values(self, values, connection, exactly(kind))
        distinct = set(prepared)
        distinct.discard(None)
        if not distinct <= self._values:
            raise self.column_refused("is not one of the choices")
        return prepared

    def get_db_converters(self, connection) -> list:
        converters = super().get_db_converters(connection)
        # ClickHouse answers with labels; text labels are values.
        if self.holds_integers and self.return_int:
            converters.append(self._value_of_label)
        return converters

    def _value_of_label(self, label: str | None, expression, connection) -> Any:
        return self._values_by_label.get(label, label)


class Enum8Field(EnumField):
    """``Enum8``: numbers from -128 to 127."""

    width = 8


class Enum16Field(EnumField):
    """``Enum16``: numbers from -32768 to 32767."""

    width = 16


@EnumField.register_lookup
class EnumLabel(Transform):
    """``action__label="Drop"``: ClickHouse's label of the value (for text choices,
    the value itself), to filter, order or read by the name rather than the value."""

    lookup_name = "label"

    @cached_property
    def output_field(self) -> models.Field:
        return models.CharField()

    def as_sql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        return f"toString({lhs})", params


def _text_labels(choices: Any) -> Any:
    """Normalized choices with their UTF-8 byte-string labels as text, in groups too
    (anything else as it is, for the system checks to judge)."""
    if not isinstance(choices, list) or not all(
        isinstance(choice, tuple) and len(choice) == 2 for choice in choices
    ):
        return choices
    return [
        (value, _text_labels(label) if isinstance(label, list) else _text(label))
        for value, label in choices
    ]


def _text(label: Any) -> Any:
    if isinstance(label, bytes):
        try:
            return label.decode()
        except UnicodeDecodeError:
            pass
    return label


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)

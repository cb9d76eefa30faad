"""Tuples: ``Tuple(a, b)`` builds one, ``tupleElement(t, i)`` takes one element out."""

# Classes are named as ClickHouse names its functions, not in CapWords.
# ruff: noqa: N801

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db.models import Field, Value

from ..fields import TupleField
from .base import ClickHouseFunction

__all__ = ["Tuple", "tupleElement"]


class Tuple(ClickHouseFunction):
    """``tuple(a, b, ...)``, read as a Python tuple whose elements convert as their
    arguments' fields do."""

    function = "tuple"

    def _resolve_output_field(self) -> TupleField:
        elements = self.get_source_fields()
        if not elements or None in elements:
            raise FieldError(
                "Tuple() cannot tell the type of each of its elements (a NULL, or no "
                "element at all); give output_field=TupleField([...])."
            )
        return TupleField(elements)


class tupleElement(ClickHouseFunction):
    """One element of a tuple: ``index`` counts from 0, as Python does (and as
    ``point__0`` does), or is the name of an element of a named tuple. ``default`` is
    what an index beyond the tuple gives, instead of an error.

    Its type is the element's field when the tuple's is known; else ``output_field=``.
    """

    def __init__(
        self, expression: Any, index: int | str, default: Any = None, **extra: Any
    ) -> None:
        if isinstance(index, bool) or not isinstance(index, int | str):
            raise TypeError(
                f"tupleElement() index must be a position from 0 or an element's name, "
                f"not {index!r}."
            )
        if isinstance(index, int) and index < 0:
            raise ValueError(f"tupleElement() index counts from 0, not {index}.")
        self.index = index
        position = Value(index + 1 if isinstance(index, int) else index)  # ClickHouse's from 1
        arguments = (expression, position) if default is None else (expression, position, default)
        super().__init__(*arguments, **extra)

    def _resolve_output_field(self) -> Field:
        container = self.source_field()
        if isinstance(container, TupleField):
            elements = container.element_fields()
            if isinstance(self.index, int) and self.index < len(elements):
                return elements[self.index]
            if container.names is not None and self.index in container.names:
                return elements[container.names.index(self.index)]
        raise FieldError(
            f"tupleElement() cannot tell the type of element {self.index!r}; give output_field=."
        )

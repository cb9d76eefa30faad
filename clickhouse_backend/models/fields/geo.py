"""ClickHouse's geo types as model fields: ``Point``, ``Ring``, ``Polygon``,
``MultiPolygon``.

Values are plain Python: a point is a tuple ``(x, y)`` of floats, a ring a list of
points, a polygon a list of rings (the outer one first, then holes), a multipolygon a
list of polygons. Integers are taken and stored as floats; NaN and infinity are refused.
Forms and fixtures write them as text in the same notation, e.g. ``(1.5, 2.0)`` or
``[(0, 0), (1, 0), (1, 1)]``.

``LineString`` and ``MultiLineString`` are not offered: clickhouse-driver cannot read
them (cast them to ``Array(Point)`` in a query). ClickHouse has no ``Nullable`` geo
column that the driver reads, so ``null=True`` is refused by a system check.
"""

from __future__ import annotations

import ast
import math
from typing import Any, ClassVar

from django import forms
from django.core import checks, exceptions
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import ClickHouseField

__all__ = ["MultiPolygonField", "PointField", "PolygonField", "RingField"]

_SHAPES = ("point", "ring", "polygon", "multipolygon")


class ShapeError(ValueError):
    """A value that is not the geometry its column holds."""


def normalize(value: Any, depth: int) -> Any:
    """``value`` as the driver writes it for a geometry of ``depth`` (0: point,
    1: ring, 2: polygon, 3: multipolygon): tuples of floats in lists."""
    if depth == 0:
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise ShapeError(f"{value!r} is not a point (x, y)")
        point = []
        for number in value:
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                raise ShapeError(f"{value!r} is not a point: {number!r} is not a number")
            number = float(number)
            if not math.isfinite(number):
                raise ShapeError(f"{value!r} is not a point: {number} is not finite")
            point.append(number)
        return tuple(point)
    if not isinstance(value, (list, tuple)) or (
        value and isinstance(value[0], (int, float)) and not isinstance(value[0], bool)
    ):
        raise ShapeError(f"{value!r} is not a {_SHAPES[depth]} (a list of {_SHAPES[depth - 1]}s)")
    return [normalize(item, depth - 1) for item in value]


def _already_shaped(values: list, depth: int) -> bool:
    """Whether a column of geometries of ``depth`` is what ``normalize()`` would make of
    it, found with a few passes over the column instead of a call per point."""
    level = values
    for _level in range(depth):
        if set(map(type, level)) - {list}:
            return False
        level = [item for items in level for item in items]
    if set(map(type, level)) - {tuple} or set(map(len, level)) - {2}:
        return False
    numbers = [number for point in level for number in point]
    if set(map(type, numbers)) - {float}:
        return False
    try:
        return math.isfinite(sum(numbers))  # NaN or an infinity makes the sum one
    except OverflowError:
        return False


def parse(text: str, depth: int) -> Any:
    """A geometry written as Python literals, e.g. ``[(0, 0), (1, 0), (1, 1)]``."""
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ShapeError(
            f"{text!r} is not a {_SHAPES[depth]} such as {_EXAMPLES[depth]}"
        ) from None
    return normalize(value, depth)


_EXAMPLES = (
    "(1.5, 2.0)",
    "[(0, 0), (1, 0), (1, 1)]",
    "[[(0, 0), (4, 0), (4, 4)], [(1, 1), (2, 1), (2, 2)]]",
    "[[[(0, 0), (1, 0), (1, 1)]], [[(5, 5), (6, 5), (6, 6)]]]",
)


class GeometryFormField(forms.CharField):
    """A geometry typed as text in Python notation."""

    def __init__(self, *, depth: int, **kwargs):
        self.depth = depth
        kwargs.setdefault("help_text", f"For example {_EXAMPLES[depth]}")
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return repr(normalize(value, self.depth))
        return value

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse(value, self.depth)
        except ShapeError as error:
            raise exceptions.ValidationError(str(error), code="invalid") from None


class GeometryField(ClickHouseField, models.Field):
    """One of ClickHouse's geo types; ``depth`` says how deeply points are nested."""

    type_name: ClassVar[str]
    depth: ClassVar[int]
    empty_strings_allowed = False

    def clickhouse_type(self) -> str:
        return self.type_name

    def get_internal_type(self) -> str:
        return type(self).__name__

    def check(self, **kwargs) -> list[checks.CheckMessage]:
        messages = super().check(**kwargs)
        if self.null:
            messages.append(
                checks.Error(
                    f"{type(self).__name__} cannot be null=True: clickhouse-driver cannot "
                    f"read a Nullable({self.type_name}) column.",
                    hint="Use a default (for a point, e.g. default=(0.0, 0.0)) or a "
                    "separate BooleanField saying whether the geometry is known.",
                    obj=self,
                    id="clickhouse_backend.E150",
                )
            )
        return messages

    def shaped(self, value: Any) -> Any:
        """The geometry as tuples and lists of floats; text in Python notation is parsed."""
        if isinstance(value, str):
            return parse(value, self.depth)
        return normalize(value, self.depth)

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        try:
            return self.shaped(value)
        except ShapeError as error:
            raise exceptions.ValidationError(str(error), code="invalid") from None

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or hasattr(value, "as_sql"):
            return value
        try:
            return self.shaped(value)
        except ShapeError as error:
            raise self.refuse(value, f"cannot be stored: {error}") from None

    def get_db_prep_column(self, values: list, connection) -> list:
        """The column of one INSERT: as it is when every value is already tuples of two
        finite floats in lists (checked a level at a time), else each value checked."""
        if _already_shaped(values, self.depth):
            return values
        prepared = []
        for value in values:
            try:
                prepared.append(self.shaped(value))
            except ShapeError as error:
                raise self.refuse(
                    value, f"cannot be stored: {error}; nothing was written"
                ) from None
        return prepared

    def value_to_string(self, obj) -> str | None:
        """Text that ``to_python()`` reads back (serializers such as XML need text)."""
        value = self.value_from_object(obj)
        return None if value is None else repr(value)

    def formfield(self, **kwargs):
        return super().formfield(
            **{"form_class": GeometryFormField, "depth": self.depth, **kwargs}
        )


class PointField(GeometryField):
    """``Point``: a tuple ``(x, y)`` of floats."""

    description = _("Point (x, y)")
    type_name = "Point"
    depth = 0


class RingField(GeometryField):
    """``Ring``: a list of points, a polygon without holes."""

    description = _("Ring (list of points)")
    type_name = "Ring"
    depth = 1


class PolygonField(GeometryField):
    """``Polygon``: a list of rings, the outer one first and then the holes."""

    description = _("Polygon (list of rings)")
    type_name = "Polygon"
    depth = 2


class MultiPolygonField(GeometryField):
    """``MultiPolygon``: a list of polygons."""

    description = _("MultiPolygon (list of polygons)")
    type_name = "MultiPolygon"
    depth = 3

"""ClickHouse's ``Tuple(T1, T2, ...)`` as a model field, unnamed or named.

``TupleField([Int32Field(), StringField()])`` is ``Tuple(Int32, String)`` and reads as a
plain tuple. ``TupleField([("x", Float64Field()), ("y", Float64Field())])`` is
``Tuple(x Float64, y Float64)`` and reads as a namedtuple with those names, which is
still a tuple (it compares equal to ``(1.0, 2.0)``). Both take a tuple or a list of
the right length; a named one takes a dict by name too.
"""

from __future__ import annotations

import collections
import functools
import keyword
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from django.apps import apps
from django.core import checks
from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, models
from django.db.models import Transform, lookups
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from ...driver.gcpause import paused_gc
from .container import (
    ELEMENT_ERRORS,
    ContainerField,
    Step,
    element_converter,
    element_type,
    unchanged,
)

__all__ = ["TupleField"]


class TupleField(ContainerField):
    """``Tuple(...)``: one value of each of ``base_fields``, a list of fields or of
    ``(name, field)`` pairs."""

    description = _("Tuple")
    type_name = "Tuple"

    def __init__(self, base_fields: list, **kwargs):
        self.base_fields = list(base_fields)
        super().__init__(**kwargs)

    @cached_property
    def names(self) -> list[str] | None:
        """The element names of a named tuple; None for an unnamed one."""
        if self.base_fields and all(isinstance(item, tuple) for item in self.base_fields):
            return [name for name, _ in self.base_fields]
        return None

    def element_fields(self) -> list[models.Field]:
        if self.names is None:
            return [item for item in self.base_fields if not isinstance(item, tuple)]
        return [field for _, field in self.base_fields]

    @property
    def shape_name(self) -> str:
        count = len(self.base_fields)
        return f"a tuple of {count} element{'s' if count != 1 else ''}"

    @cached_property
    def value_class(self) -> type[tuple]:
        """The Python type of values: a namedtuple for a named tuple, which pickles (as
        Django's cache does with model instances) by its model and field."""
        if self.names is None:
            return tuple
        named = collections.namedtuple(f"{self.name or 'Tuple'}_value", self.names)
        field = self

        def reduce(value: tuple) -> tuple:
            model = getattr(field, "model", None)
            if model is None:
                return tuple, (tuple(value),)
            return _unpickle_value, (model._meta.label, field.name, tuple(value))

        return type(named.__name__, (named,), {"__slots__": (), "__reduce__": reduce})

    def type_arguments(self, connection) -> str:
        types = [element_type(field, connection) for field in self.element_fields()]
        if self.names is None:
            return ", ".join(types)
        return ", ".join(f"{name} {kind}" for name, kind in zip(self.names, types, strict=True))

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["base_fields"] = [
            (item[0], item[1].clone()) if isinstance(item, tuple) else item.clone()
            for item in self.base_fields
        ]
        return name, path, args, kwargs

    def check(self, **kwargs) -> list[checks.CheckMessage]:
        problem = None
        items = self.base_fields
        named = [item for item in items if isinstance(item, tuple)]
        if not items:
            problem = "needs at least one element field"
        elif named and len(named) != len(items):
            problem = "needs all elements named, or none"
        elif any(
            len(item) != 2
            or not isinstance(item[0], str)
            or not item[0].isidentifier()
            or keyword.iskeyword(item[0])
            for item in named
        ):
            problem = "needs names that are Python identifiers, in (name, field) pairs"
        elif self.names is not None and len(set(self.names)) != len(self.names):
            problem = "needs distinct element names"
        if problem is not None:
            return [
                checks.Error(
                    f"TupleField {problem}.",
                    hint="Pass base_fields=[Int32Field(), StringField()] or "
                    '[("x", Float64Field()), ("y", Float64Field())].',
                    obj=self,
                    id="clickhouse_backend.E125",
                )
            ]
        return super().check(**kwargs)

    # -- walking values -------------------------------------------------------------

    def is_shaped(self, value: Any) -> bool:
        if isinstance(value, Mapping):
            return self.names is not None and set(value) == set(self.names)
        return isinstance(value, (tuple, list)) and len(value) == len(self.base_fields)

    def has_other_length(self, value: Any) -> bool:
        """A tuple or list of another number of elements: no value of the column."""
        return isinstance(value, (tuple, list)) and len(value) != len(self.base_fields)

    def positional(self, value: Any) -> tuple | list:
        """A well-shaped value's elements in order (a dict's by name)."""
        if isinstance(value, Mapping):
            return [value[name] for name in self.names]
        return value

    def elements(self, value: Any) -> Iterator[Step]:
        names = self.names
        for position, (field, element) in enumerate(
            zip(self.element_fields(), self.positional(value), strict=True)
        ):
            yield (f".{names[position]}" if names else f"[{position}]"), field, element

    def rebuild(self, value: Any, converted: list) -> tuple:
        return self.make_value(converted)

    def make_value(self, elements) -> tuple:
        """The Python value of these elements (in order)."""
        if self.value_class is tuple:
            return tuple(elements)
        return self.value_class(*elements)

    @paused_gc()  # many new tuples, no cycles: collections would only walk them
    def get_db_prep_column(self, values: list, connection) -> list:
        """The column for an INSERT: each element position prepared as one column of its
        field (see insert_values.prepare_column), then zipped back into tuples."""
        from ..sql.insert_values import prepare_column  # the SQL package imports fields

        if not values:
            return []
        rows = values
        kinds = set(map(type, values))
        if not kinds <= {tuple, list, self.value_class} or len(set(map(len, values))) != 1:
            self.refuse_misshapen(values)
            rows = list(map(self.positional, values))  # dicts by name
        elif len(values[0]) != len(self.base_fields):
            self.refuse_misshapen(values)
        try:
            columns = []
            for field, column in zip(self.element_fields(), zip(*rows, strict=True), strict=True):
                if not field.null and None in column:
                    raise IntegrityError("None in a column that is not nullable")
                columns.append(prepare_column(field, list(column), connection))
        except ELEMENT_ERRORS:
            raise self.locate_refusal(values, connection) from None
        return list(zip(*columns, strict=True))

    # -- reading --------------------------------------------------------------------

    def read_converter(self, connection) -> Callable[[Any], Any] | None:
        converters = [element_converter(field, connection) for field in self.element_fields()]
        make_value, names = self.make_value, self.names
        if names is None and not any(converters):
            return None
        converters = [convert or unchanged for convert in converters]

        def convert_tuple(value: Any) -> tuple:
            if isinstance(value, Mapping):  # clickhouse-driver's namedtuple_as_json
                value = [value[name] for name in names]
            return make_value(
                None if element is None else convert(element)
                for convert, element in zip(converters, value, strict=True)
            )

        return convert_tuple

    def get_transform(self, name: str):
        """Django's and registered transforms, then an element: ``point__0``, ``point__x``."""
        transform = super().get_transform(name)
        if transform is not None:
            return transform
        if name.isdigit() and int(name) < len(self.base_fields):
            position = int(name)
        elif self.names is not None and name in self.names:
            position = self.names.index(name)
        else:
            return None
        return functools.partial(TupleElement, position, self.element_fields()[position])


def _unpickle_value(model_label: str, field_name: str, elements: tuple) -> tuple:
    """A pickled named-tuple value, made again by its field."""
    return apps.get_model(model_label)._meta.get_field(field_name).make_value(elements)


class TupleElement(Transform):
    """``point__0`` or ``point__x``: one element of the tuple."""

    def __init__(self, position: int, field: models.Field, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.position = position
        self.element_field = field

    def as_sql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        return f"tupleElement({lhs}, {self.position + 1})", params

    @property
    def output_field(self) -> models.Field:
        return self.element_field


@TupleField.register_lookup
class TupleExact(lookups.Exact):
    """``pair=(1, None)``: equal element by element, NULL equal to NULL, as arrays
    compare in ClickHouse; SQL's ``=`` would make any tuple with a NULL unequal.

    A tuple of another number of elements matches no row (as in
    django-clickhouse-backend, and as Django's integer lookups do with a number no
    column value can equal); no query is sent for it."""

    def get_prep_lookup(self):
        if self.lhs.output_field.has_other_length(self.rhs):
            return self.rhs
        return super().get_prep_lookup()

    def as_sql(self, compiler, connection):
        if self.lhs.output_field.has_other_length(self.rhs):
            raise EmptyResultSet
        if self.rhs is None:
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"isNotDistinctFrom({lhs}, {rhs})", (*lhs_params, *rhs_params)


@TupleField.register_lookup
class TupleIn(lookups.In):
    """``pair__in=[...]``: tuples of another number of elements match no row, as in
    ``TupleExact``; left out of the list."""

    def get_prep_lookup(self):
        if self.rhs_is_direct_value() and isinstance(self.rhs, Iterable):
            field = self.lhs.output_field
            self.rhs = [value for value in self.rhs if not field.has_other_length(value)]
        return super().get_prep_lookup()

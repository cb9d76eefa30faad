"""ClickHouse's ``Array(T)`` as a model field, with its lookups.

Elements are described by ``base_field``: ``ArrayField(StringField(null=True))`` is
``Array(Nullable(String))``, ``ArrayField(StringField(low_cardinality=True))`` is
``Array(LowCardinality(String))``, and arrays nest. Python values are lists; another
iterable (a generator, a set) given as a whole value is made a list when it is assigned
or looked up with, as django-clickhouse-backend takes it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import accumulate, chain, pairwise
from typing import Any

from django.core import checks, exceptions
from django.db import DataError, IntegrityError, models
from django.db.models import Lookup, Transform
from django.db.models.fields.mixins import CheckFieldDefaultMixin
from django.db.models.lookups import FieldGetDbPrepValueMixin
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext_lazy as _

from ...driver.gcpause import paused_gc
from .container import ELEMENT_ERRORS, ContainerField, Step, element_converter, element_type
from .integer import UInt64Field

__all__ = ["ArrayField"]

_ROW_KINDS = frozenset({list, tuple})
# Iterables that are values of their own, not arrays.
_NOT_ARRAYS = (str, bytes, bytearray, memoryview, Mapping)


def listed(value: Any) -> Any:
    """An iterable that is not a list or a tuple (a generator, a set ...) as a list, so
    that it is read once; any other value as it is."""
    if (
        type(value) in _ROW_KINDS
        or not isinstance(value, Iterable)
        or isinstance(value, _NOT_ARRAYS)
        or hasattr(value, "resolve_expression")  # a QuerySet is a subquery
    ):
        return value
    return list(value)


class ListedAttribute(DeferredAttribute):
    """An array field's attribute: an iterable assigned to it is kept as a list, so that
    ``full_clean()`` and ``save()`` do not find a generator spent."""

    def __set__(self, instance, value: Any) -> None:
        instance.__dict__[self.field.attname] = listed(value)


class ArrayField(CheckFieldDefaultMixin, ContainerField):
    """``Array(T)``: a list of values of ``base_field``'s type.

    ``size`` is a maximum number of elements, checked in Python (ClickHouse has none).
    """

    description = _("Array of %(base_field)s")
    _default_hint = ("list", "[]")  # a shared mutable default is a warning
    type_name = "Array"
    shape_name = "a list"
    empty_value = list
    descriptor_class = ListedAttribute

    def __init__(self, base_field: models.Field, size: int | None = None, **kwargs):
        self.base_field = base_field
        self.size = size
        super().__init__(**kwargs)

    def element_fields(self) -> list[models.Field]:
        return [self.base_field]

    def type_arguments(self, connection) -> str:
        return element_type(self.base_field, connection)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["base_field"] = self.base_field.clone()
        if self.size is not None:
            kwargs["size"] = self.size
        return name, path, args, kwargs

    def check(self, **kwargs) -> list[checks.CheckMessage]:
        messages = super().check(**kwargs)
        size = self.size
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
            messages.append(
                checks.Error(
                    f"size={size!r} is not a number of elements.",
                    hint="Give size as a non-negative integer, or leave it out.",
                    obj=self,
                    id="clickhouse_backend.E123",
                )
            )
        return messages

    # -- walking values -------------------------------------------------------------

    def is_shaped(self, value: Any) -> bool:
        return isinstance(value, (list, tuple))

    def elements(self, value: list) -> Iterator[Step]:
        base_field = self.base_field
        for position, element in enumerate(value):
            yield f"[{position}]", base_field, element

    def rebuild(self, value: list, converted: list) -> list:
        return converted

    def validate(self, value: Any, model_instance) -> None:
        super().validate(value, model_instance)
        if self.size is not None and value is not None and len(value) > self.size:
            raise exceptions.ValidationError(
                _("Ensure this list has at most %(size)d elements (it has %(length)d)."),
                code="max_length",
                params={"size": self.size, "length": len(value)},
            )

    def get_prep_value(self, value: Any) -> Any:
        return super().get_prep_value(listed(value))

    def get_db_prep_save(self, value: Any, connection) -> Any:
        value = listed(value)  # update(tags=<generator>)
        if self.size is not None and isinstance(value, (list, tuple)) and len(value) > self.size:
            raise self._too_long(value)
        return super().get_db_prep_save(value, connection)

    def _too_long(self, value: list) -> DataError:
        return self.refuse(value, f"has {len(value)} elements; size={self.size} allows fewer")

    @paused_gc()  # many new lists, no cycles: collections would only walk them
    def get_db_prep_column(self, values: list, connection) -> list:
        """The column for an INSERT: the elements of all rows prepared as one column of
        ``base_field`` (see insert_values.prepare_column), then cut back into rows."""
        from ..sql.insert_values import prepare_column  # the SQL package imports fields

        if not set(map(type, values)) <= _ROW_KINDS:
            self.refuse_misshapen(values)
        lengths = list(map(len, values))
        if self.size is not None and lengths and max(lengths) > self.size:
            raise self._too_long(next(value for value in values if len(value) > self.size))
        elements = list(chain.from_iterable(values))
        base_field = self.base_field
        try:
            if not base_field.null and None in elements:
                raise IntegrityError("None in a column that is not nullable")
            prepared = prepare_column(base_field, elements, connection)
        except ELEMENT_ERRORS:
            raise self.locate_refusal(values, connection) from None
        offsets = accumulate(lengths, initial=0)
        return [prepared[start:end] for start, end in pairwise(offsets)]

    def get_transform(self, name: str):
        """Django's and registered transforms, then positions: ``tags__0``, ``tags__0_2``."""
        transform = super().get_transform(name)
        if transform is not None:
            return transform
        if name.isdigit():
            return functools.partial(ArrayIndex, int(name), self.base_field)
        start, underscore, end = name.partition("_")
        if underscore and start.isdigit() and end.isdigit():
            return functools.partial(ArraySlice, int(start), int(end))
        return None

    # -- reading --------------------------------------------------------------------

    def read_converter(self, connection) -> Callable[[Any], Any] | None:
        convert = element_converter(self.base_field, connection)
        if convert is None:
            return None

        def convert_array(value: list) -> list:
            return [None if element is None else convert(element) for element in value]

        return convert_array


# -- lookups and transforms ----------------------------------------------------------


class ArrayLookup(FieldGetDbPrepValueMixin, Lookup):
    """A lookup written as a ClickHouse function of the column and an array."""

    template: str

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return self.template.format(lhs=lhs, rhs=rhs), (*lhs_params, *rhs_params)

    def get_db_prep_lookup(self, value, connection):
        # The column's own preparation, not a key's target field's.
        return "%s", [self.lhs.output_field.get_db_prep_value(value, connection, prepared=True)]


@ArrayField.register_lookup
class ArrayContains(ArrayLookup):
    """``tags__contains=["a", "b"]``: the array has every one of these elements."""

    lookup_name = "contains"
    template = "hasAll({lhs}, {rhs})"


@ArrayField.register_lookup
class ArrayContainedBy(ArrayLookup):
    """``tags__contained_by=["a", "b", "c"]``: every element is one of these."""

    lookup_name = "contained_by"
    template = "hasAll({rhs}, {lhs})"


@ArrayField.register_lookup
class ArrayOverlap(ArrayLookup):
    """``tags__overlap=["a", "z"]``: the array has at least one of these elements."""

    lookup_name = "overlap"
    template = "hasAny({lhs}, {rhs})"


@ArrayField.register_lookup
class ArrayHas(ArrayLookup):
    """``tags__has="a"``: the array has this element."""

    lookup_name = "has"
    template = "has({lhs}, {rhs})"
    can_use_none_as_rhs = True  # maybe__has=None: a NULL element

    def get_prep_lookup(self):
        if hasattr(self.rhs, "resolve_expression"):
            return self.rhs
        return self.lhs.output_field.base_field.get_prep_value(self.rhs)

    def get_db_prep_lookup(self, value, connection):
        base_field = self.lhs.output_field.base_field
        return "%s", [base_field.get_db_prep_value(value, connection, prepared=True)]


# django-clickhouse-backend's name for it.
ArrayField.register_lookup(ArrayHas, lookup_name="any")


@ArrayField.register_lookup
class ArrayLength(Transform):
    """``tags__len=2``: the number of elements."""

    lookup_name = "len"
    function = "length"
    output_field = UInt64Field()


class ArrayIndex(Transform):
    """``tags__0``: the element at a 0-based position (as on PostgreSQL's ArrayField);
    NULL past the end, so a filter on it matches no row there rather than comparing
    ClickHouse's default value."""

    def __init__(self, index: int, base_field: models.Field, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.index = index
        self.base_field = base_field

    def as_sql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        if isinstance(self.base_field, ContainerField):  # no Nullable(Array): empty instead
            return f"arrayElement({lhs}, {self.index + 1})", params
        return f"arrayElementOrNull({lhs}, {self.index + 1})", params

    @property
    def output_field(self) -> models.Field:
        return self.base_field


class ArraySlice(Transform):
    """``tags__0_2``: the elements from the first position up to the second (excluded)."""

    def __init__(self, start: int, end: int, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start, self.end = start, end

    def as_sql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        length = max(self.end - self.start, 0)
        return f"arraySlice({lhs}, {self.start + 1}, {length})", params

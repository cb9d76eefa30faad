"""ClickHouse's ``Map(K, V)`` as a model field, with its lookups. Python values are dicts."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from itertools import accumulate, chain, pairwise
from typing import Any

from django.core import checks, exceptions
from django.db import IntegrityError, models
from django.db.models import Lookup, Transform, lookups
from django.db.models.fields.mixins import CheckFieldDefaultMixin
from django.utils.translation import gettext_lazy as _

from ...driver.gcpause import paused_gc
from .array import ArrayField
from .container import (
    ELEMENT_ERRORS,
    ContainerField,
    Step,
    element_converter,
    element_type,
    unchanged,
)
from .integer import UInt64Field

__all__ = ["MapField"]


class MapField(CheckFieldDefaultMixin, ContainerField):
    """``Map(K, V)``: a dict from values of ``key_field``'s type to values of
    ``value_field``'s type."""

    description = _("Map of %(key_field)s to %(value_field)s")
    _default_hint = ("dict", "{}")  # a shared mutable default is a warning
    type_name = "Map"
    shape_name = "a dict"
    empty_value = dict

    def __init__(self, key_field: models.Field, value_field: models.Field, **kwargs):
        self.key_field = key_field
        self.value_field = value_field
        super().__init__(**kwargs)

    def element_fields(self) -> list[models.Field]:
        return [self.key_field, self.value_field]

    def type_arguments(self, connection) -> str:
        key_type = element_type(self.key_field, connection)
        return f"{key_type}, {element_type(self.value_field, connection)}"

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["key_field"] = self.key_field.clone()
        kwargs["value_field"] = self.value_field.clone()
        return name, path, args, kwargs

    def check(self, **kwargs) -> list[checks.CheckMessage]:
        messages = super().check(**kwargs)
        key_field = self.key_field
        if isinstance(key_field, models.Field) and (
            key_field.null or isinstance(key_field, ContainerField)
        ):
            messages.append(
                checks.Error(
                    "ClickHouse Map keys cannot be NULL or containers.",
                    hint="Use a key field without null=True: a string, integer, date, "
                    "UUID or enum field.",
                    obj=self,
                    id="clickhouse_backend.E124",
                )
            )
        return messages

    # -- walking values -------------------------------------------------------------

    def is_shaped(self, value: Any) -> bool:
        return isinstance(value, Mapping)

    def elements(self, value: Mapping) -> Iterator[Step]:
        key_field, value_field = self.key_field, self.value_field
        for key, element in value.items():
            yield f"[{key!r}] (the key)", key_field, key
            yield f"[{key!r}]", value_field, element

    def rebuild(self, value: Mapping, converted: list) -> dict:
        return dict(zip(converted[0::2], converted[1::2], strict=True))

    @paused_gc()  # many new dicts, no cycles: collections would only walk them
    def get_db_prep_column(self, values: list, connection) -> list:
        """The column for an INSERT: all keys prepared as one column of ``key_field``,
        all values as one of ``value_field`` (see insert_values.prepare_column)."""
        from ..sql.insert_values import prepare_column  # the SQL package imports fields

        if not set(map(type, values)) <= {dict}:
            self.refuse_misshapen(values)
            values = list(map(dict, values))  # other mappings
        lengths = list(map(len, values))
        keys = list(chain.from_iterable(values))
        elements = list(chain.from_iterable(map(dict.values, values)))
        try:
            if None in keys or (not self.value_field.null and None in elements):
                raise IntegrityError("None in a column that is not nullable")
            keys = prepare_column(self.key_field, keys, connection)
            elements = prepare_column(self.value_field, elements, connection)
        except ELEMENT_ERRORS:
            raise self.locate_refusal(values, connection) from None
        offsets = pairwise(accumulate(lengths, initial=0))
        return [
            dict(zip(keys[start:end], elements[start:end], strict=True)) for start, end in offsets
        ]

    # -- reading --------------------------------------------------------------------

    def read_converter(self, connection) -> Callable[[Any], Any] | None:
        convert_key = element_converter(self.key_field, connection)
        convert_value = element_converter(self.value_field, connection)
        if convert_key is None and convert_value is None:
            return None
        convert_key = convert_key or unchanged
        convert_value = convert_value or unchanged

        def convert_map(value: dict) -> dict:
            return {
                convert_key(key): None if element is None else convert_value(element)
                for key, element in value.items()
            }

        return convert_map

    def get_transform(self, name: str):
        """Django's and registered transforms, then a key: ``attrs__color``."""
        transform = super().get_transform(name)
        if transform is not None:
            return transform
        return functools.partial(KeyTransform, name, self.key_field, self.value_field)


def _key_param(key_field: models.Field, key: Any, connection, where: models.Field) -> Any:
    """A key as the driver sends it, converted by the key field as a value would be."""
    try:
        key = key_field.to_python(key)
        return key_field.get_db_prep_value(key, connection, prepared=False)
    except (exceptions.ValidationError, ValueError, TypeError):
        name = where.labels()[0] if isinstance(where, ContainerField) else type(where).__name__
        raise ValueError(
            f"{key!r} is not a key of {name} (keys: {key_field.db_type(connection)})"
        ) from None


class KeyTransform(Transform):
    """``attrs__color``: the value at a key, NULL where the key is missing (so that a
    filter does not match ClickHouse's default value there). A value that is itself a
    container is empty there instead: ClickHouse has no NULL container.

    Made by hand as django-clickhouse-backend's users do, for a key that is also a
    lookup name or is not an identifier:
    ``KeyTransform("len", StringField(), UInt64Field(), "attrs")``.
    """

    def __init__(
        self, key: Any, key_field: models.Field, value_field: models.Field, *args, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.key = key
        self.key_field = key_field
        self.value_field = value_field

    def as_sql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        key = _key_param(self.key_field, self.key, connection, self.lhs.output_field)
        if isinstance(self.output_field, ContainerField):
            return f"{lhs}[%s]", (*params, key)
        return f"if(mapContains({lhs}, %s), {lhs}[%s], NULL)", (*params, key, *params, key)

    @property
    def output_field(self) -> models.Field:
        return self.value_field


@MapField.register_lookup
class MapHasKey(Lookup):
    """``attrs__has_key="color"``: the map has this key."""

    lookup_name = "has_key"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        map_field = self.lhs.output_field
        key = _key_param(map_field.key_field, self.rhs, connection, map_field)
        return f"mapContains({lhs}, %s)", (*lhs_params, key)


@MapField.register_lookup
class MapKeys(Transform):
    """``attrs__keys``: the keys, as an array (``attrs__keys__contains=["a"]``)."""

    lookup_name = "keys"
    function = "mapKeys"

    @property
    def output_field(self) -> models.Field:
        return ArrayField(self.lhs.output_field.key_field)


@MapField.register_lookup
class MapValues(Transform):
    """``attrs__values``: the values, as an array (``attrs__values__has=3``)."""

    lookup_name = "values"
    function = "mapValues"

    @property
    def output_field(self) -> models.Field:
        return ArrayField(self.lhs.output_field.value_field)


@MapField.register_lookup
class MapLength(Transform):
    """``attrs__len=2``: the number of keys."""

    lookup_name = "len"
    function = "length"
    output_field = UInt64Field()


class _KeyOrderIgnored:
    """Maps compare as dicts do, whatever order their keys were written in (ClickHouse
    compares a map's pairs in order): both sides sorted by key with mapSort()."""

    def process_lhs(self, compiler, connection, lhs=None):
        sql, params = super().process_lhs(compiler, connection, lhs)
        if not self.rhs_is_direct_value():
            return sql, params
        return f"mapSort({sql})", params


@MapField.register_lookup
class MapExact(_KeyOrderIgnored, lookups.Exact):
    def process_rhs(self, compiler, connection):
        sql, params = super().process_rhs(compiler, connection)
        return (f"mapSort({sql})" if self.rhs_is_direct_value() else sql), params


@MapField.register_lookup
class MapIn(_KeyOrderIgnored, lookups.In):
    def batch_process_rhs(self, compiler, connection, rhs=None):
        sqls, params = super().batch_process_rhs(compiler, connection, rhs)
        return [f"mapSort({sql})" for sql in sqls], params

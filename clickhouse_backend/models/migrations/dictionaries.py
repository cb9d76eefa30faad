"""Dictionaries as migration operations.

A ClickHouse dictionary keeps a table's rows in memory by key, for ``dictGet()`` lookups
(``clickhouse_backend.models.dictGet``) that are cheaper than a JOIN. Here its source is
the table of a model of the migration state, and its columns are that model's: their
names and types are the model's fields', so they match the table they are read from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.core.exceptions import FieldDoesNotExist

from ...driver.escape import quote_string
from .base import ClickHouseOperation, DropOperation

__all__ = ["CreateDictionary", "DropDictionary"]

_LAYOUT = re.compile(r"[a-z][a-z_]*")
_INTEGER = re.compile(r"U?Int(8|16|32|64)")


class CreateDictionary(ClickHouseOperation):
    """``CreateDictionary("country_names", source="app.Country", primary_key="code")``.

    ``primary_key``: the field (or fields) looked up by; ``attributes``: the fields read
    (by default every other concrete field of ``source``). ``layout``: how ClickHouse
    keeps it in memory (``"hashed"``, ``"flat"``, ``"complex_key_hashed"``,
    ``"sparse_hashed"`` ...), by default ``"hashed"`` for one integer key and
    ``"complex_key_hashed"`` for any other key. ``lifetime``: seconds after which
    ClickHouse reloads it from the table, or ``(min, max)`` for a random time between
    (0: never). Reversed by dropping the dictionary.
    """

    sql_create = (
        "CREATE DICTIONARY %(name)s%(on_cluster)s (%(columns)s) PRIMARY KEY %(key)s "
        "SOURCE(CLICKHOUSE(TABLE %(table)s)) LAYOUT(%(layout)s()) "
        "LIFETIME(MIN %(min)s MAX %(max)s)"
    )
    sql_drop = "DROP DICTIONARY %(name)s%(on_cluster)s"

    def __init__(
        self,
        name: str,
        source: str,
        primary_key: str | Sequence[str],
        attributes: Sequence[str] | None = None,
        layout: str | None = None,
        lifetime: int | tuple[int, int] = 300,
    ) -> None:
        super().__init__(name, source)
        operation = f"{type(self).__name__} {name!r}"
        self.primary_key = _names(operation, "primary_key", primary_key)
        if not self.primary_key:
            raise ValueError(f"{operation}: primary_key names no field")
        self.attributes = (
            None if attributes is None else _names(operation, "attributes", attributes)
        )
        if layout is not None and not (isinstance(layout, str) and _LAYOUT.fullmatch(layout)):
            raise ValueError(
                f"{operation}: layout is the name of a ClickHouse dictionary layout "
                f"('hashed', 'flat', 'complex_key_hashed' ...), not {layout!r}"
            )
        # Written into DDL bare: the text checked, as a plain str (a str subclass's
        # upper() could write anything).
        self.layout = None if layout is None else str.__str__(layout)
        self.lifetime = _lifetime(operation, lifetime)

    def describe(self) -> str:
        return f"Create dictionary {self.name} (from {self.model})"

    @property
    def migration_name_fragment(self) -> str:
        return f"create_dictionary_{self.name.lower()}"

    def create_sql(self, schema_editor, model) -> list[str]:
        keys = [self.field(model, name) for name in self.primary_key]
        if self.attributes is None:
            attributes = [
                field
                for field in model._meta.concrete_fields
                if field.name not in self.primary_key
            ]
        else:
            attributes = [self.field(model, name) for name in self.attributes]
        types = [dictionary_type(schema_editor, field) for field in [*keys, *attributes]]
        columns = [
            f"{schema_editor.quote_name(field.column)} {column_type}"
            for field, column_type in zip([*keys, *attributes], types, strict=True)
        ]
        layout = self.layout
        if layout is None:
            simple = len(keys) == 1 and _INTEGER.fullmatch(types[0])
            layout = "hashed" if simple else "complex_key_hashed"
        return [
            self.sql_create
            % {
                "name": schema_editor.quote_name(self.name),
                "on_cluster": self.on_cluster_sql(schema_editor, model),
                "columns": ", ".join(columns),
                "key": ", ".join(schema_editor.quote_name(field.column) for field in keys),
                "table": quote_string(model._meta.db_table),
                "layout": layout.upper(),
                "min": self.lifetime[0],
                "max": self.lifetime[1],
            }
        ]

    def field(self, model, name: str):
        """The concrete field ``name`` of the source model, or a clear error."""
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if field is None or not field.concrete:
            raise ValueError(
                f"{type(self).__name__} {self.name!r}: {self.model} has no column field "
                f"{name!r} (its fields: "
                f"{', '.join(f.name for f in model._meta.concrete_fields)})"
            )
        return field


class DropDictionary(DropOperation, CreateDictionary):
    """``DropDictionary("country_names", source="app.Country", primary_key="code")``:
    drops the dictionary; reversed by creating it again from the same arguments as
    CreateDictionary's. Without ``primary_key`` it cannot be reversed."""

    def __init__(
        self,
        name: str,
        source: str,
        primary_key: str | Sequence[str] | None = None,
        attributes: Sequence[str] | None = None,
        layout: str | None = None,
        lifetime: int | tuple[int, int] = 300,
    ) -> None:
        if primary_key is None:
            ClickHouseOperation.__init__(self, name, source)
            self.primary_key = None
        else:
            super().__init__(name, source, primary_key, attributes, layout, lifetime)

    @property
    def has_definition(self) -> bool:
        return self.primary_key is not None

    def describe(self) -> str:
        return f"Drop dictionary {self.name} (from {self.model})"

    @property
    def migration_name_fragment(self) -> str:
        return f"drop_dictionary_{self.name.lower()}"


def dictionary_type(schema_editor, field) -> str:
    """The field's column type as a dictionary column: Nullable when the field is (a
    dictionary has no NULL keyword), without LowCardinality (which it does not take)."""
    column_type = schema_editor.column_type(field)
    if column_type.startswith("LowCardinality("):
        column_type = column_type[len("LowCardinality(") : -1]
    if field.null and not column_type.startswith("Nullable("):
        column_type = f"Nullable({column_type})"
    return column_type


def _names(operation: str, argument: str, names) -> tuple[str, ...]:
    """Field names: one str, or a sequence of them."""
    if isinstance(names, str):
        names = (names,)
    if not isinstance(names, Sequence) or not all(isinstance(n, str) and n for n in names):
        raise TypeError(
            f"{operation}: {argument} is a field name or a list of them, not {names!r}"
        )
    return tuple(names)


def _lifetime(operation: str, lifetime) -> tuple[int, int]:
    """``(min, max)`` seconds; one number is ``(0, max)``."""
    if isinstance(lifetime, int) and not isinstance(lifetime, bool):
        lifetime = (0, lifetime)
    if (
        isinstance(lifetime, tuple | list)
        and len(lifetime) == 2
        and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in lifetime)
        and lifetime[0] <= lifetime[1]
    ):
        return int.__index__(lifetime[0]), int.__index__(lifetime[1])  # digits in DDL
    raise ValueError(
        f"{operation}: lifetime is seconds (an int >= 0) or (min, max) seconds with "
        f"min <= max, not {lifetime!r}"
    )

"""``inspectdb`` that writes ``ClickhouseModel`` classes: ClickHouse field types, engine
and skip indexes.

Django's command writes ``models.Model`` classes whose ``Meta`` it builds itself, with no
hook for an engine. This one (active when ``clickhouse_backend`` is in INSTALLED_APPS)
keeps Django's output and, for a ClickHouse database, adds the ``ClickhouseModel`` base,
the field parameters that give the same column back (``max_bytes``, ``precision``,
``choices`` ...), ``Meta.engine`` for the engines ``clickhouse_backend.models`` has a
class for (a comment naming any other engine), and the data-skipping indexes and
projections in ``Meta.indexes``; columns with a codec, TTL or MATERIALIZED, ALIAS or
EPHEMERAL expression are this package's fields with those options. With
``--include-views``, views, materialized views and dictionaries are unmanaged models whose
note says which they are. Everything of ours is written
``clickhouse_backend.models.<Name>``, as migrations write it. For other databases the
output is Django's, unchanged.
"""

from __future__ import annotations

import ast
import re

from django.core.management.commands import inspectdb
from django.db import connections

from clickhouse_backend import models as clickhouse
from clickhouse_backend.backend.introspection import TableEngine
from clickhouse_backend.backend.sqltext import (
    clause_start,
    column_name,
    key_parts,
    split_top_level,
)
from clickhouse_backend.models.engines import engine_class

_PACKAGE = "clickhouse_backend.models"
_MODEL_CLASS = re.compile(r"class (\w+)\(models\.Model\):")
_CALL = re.compile(r"(\w+)\((.*)\)", re.S)
# Django's note on a column whose type introspection does not know (written as TextField).
_GUESSED = "This field type is a guess."
_UNREADABLE_MODULE = "_clickhouse_unreadable"
_UNREADABLE_FIELD = re.compile(rf"(\s+)\w+ = {_UNREADABLE_MODULE}\.(C\d+)\(")
_INDEX_TYPES = {
    cls.type_name: cls.__name__
    for cls in vars(clickhouse).values()
    if isinstance(cls, type)
    and issubclass(cls, clickhouse.IndexType)
    and cls is not clickhouse.IndexType
}


class Command(inspectdb.Command):
    def handle_inspection(self, options):
        connection = connections[options["database"]]
        if connection.vendor != "clickhouse":
            yield from super().handle_inspection(options)
            return
        self._clickhouse = connection
        self._unreadable: dict[str, str] = {}
        for line in super().handle_inspection(options):
            if model := _MODEL_CLASS.fullmatch(line):
                line = f"class {model[1]}({_PACKAGE}.ClickhouseModel):"
            elif unreadable := _UNREADABLE_FIELD.match(line):
                line = f"{unreadable[1]}# {self._unreadable[unreadable[2]]}"
            yield line
            if line == f"from {self.db_module} import models":
                yield f"import {_PACKAGE}"

    def get_field_type(self, connection, table_name, row):
        if connection.vendor == "clickhouse":
            reason = connection.introspection.unreadable_reason(row.type_code)
            if reason is not None:
                # No field: a comment takes the line Django writes (handle_inspection).
                marker = f"C{len(self._unreadable)}"
                shown = " ".join(f"{row.name}: {row.type_code}".split())  # one comment line
                self._unreadable[marker] = f"{shown} — {reason}"
                return f"{_UNREADABLE_MODULE}.{marker}", {}, []
        field_type, params, notes = super().get_field_type(connection, table_name, row)
        if connection.vendor == "clickhouse" and _GUESSED not in notes:
            options, more_notes = connection.introspection.get_field_options(row.type_code)
            params.update(options)
            params.update(row.column_options)
            notes.extend(more_notes)
        return field_type, params, notes

    def get_meta(
        self, table_name, constraints, column_to_field_name, is_view, is_partition, comment
    ):
        meta = super().get_meta(
            table_name, constraints, column_to_field_name, is_view, is_partition, comment
        )
        connection = getattr(self, "_clickhouse", None)
        if connection is None:
            return meta
        with connection.cursor() as cursor:
            engine = connection.introspection.get_table_engine(cursor, table_name)
        if is_view:
            kind = _VIEW_KINDS.get(engine.name)
            note = f"Created from {kind}." if kind else _DJANGO_VIEW_NOTE
            return [line.replace(_DJANGO_VIEW_NOTE, note) for line in meta]
        source = _Source(column_to_field_name)
        meta.append(f"        {source.engine(engine)}")
        indexes = [
            source.index(name, constraint)
            for name, constraint in constraints.items()
            if constraint["index"]
        ]
        if indexes:
            meta += ["        indexes = [", *(f"            {i}" for i in indexes), "        ]"]
        return meta


# What Django's note on the model of a view says, for the views that are not plain views.
_DJANGO_VIEW_NOTE = "Created from a view."
_VIEW_KINDS = {
    "MaterializedView": (
        "a materialized view: its rows are those of the table it writes to (TO), "
        "filled by inserts into the table it selects from"
    ),
    "Dictionary": "a dictionary (read it with dictGet() too)",
}


class _Source:
    """Python source for the engine and indexes of one table, whose columns have these
    field names."""

    def __init__(self, field_names: dict[str, str]):
        self.field_names = field_names

    def engine(self, engine: TableEngine) -> str:
        cls = engine_class(engine.name)
        if cls is None:
            return (
                f"# engine: {engine.full or engine.name} "
                "(clickhouse_backend.models has no class for it yet)"
            )
        arguments = [self.argument(argument) for argument in engine.arguments]
        if issubclass(cls, clickhouse.BaseMergeTree):
            arguments += self.merge_tree_keys(engine, cls)
        arguments += [f"{name}={_literal(value)!r}" for name, value in engine.settings]
        return f"engine = {_PACKAGE}.{cls.__name__}({', '.join(arguments)})"

    def merge_tree_keys(self, engine: TableEngine, cls: type) -> list[str]:
        """The keyword arguments that give a MergeTree table's keys and TTL back."""
        sorting_key = engine.sorting_key
        versioned = issubclass(cls, clickhouse.VersionedCollapsingMergeTree)
        if versioned and sorting_key == [*engine.primary_key, engine.arguments[-1]]:
            sorting_key = engine.primary_key  # ClickHouse appended the version column
        keys = [f"order_by={self.key(sorting_key)}"]
        if engine.partition_key:
            keys.append(f"partition_by={self.key(engine.partition_key)}")
        explicit = clause_start(engine.full, "PRIMARY KEY") is not None
        if explicit or engine.primary_key != sorting_key:
            keys.append(f"primary_key={self.key(engine.primary_key)}")
        if engine.sampling_key:
            keys.append(f"sample_by={self.key(engine.sampling_key)}")
        if engine.ttl:
            keys.append(f"ttl={engine.ttl!r}")
        return keys

    def index(self, name: str, constraint: dict) -> str:
        if constraint["type"] == "projection":
            return f"{_PACKAGE}.Projection(name={name!r}, query={constraint['definition']!r}),"
        call = _CALL.fullmatch(constraint["type"]) or re.fullmatch(r"(\w+)()", constraint["type"])
        type_class = _INDEX_TYPES.get(call[1]) if call else None
        if type_class is None:
            return f"# index {name!r}: type {constraint['type']} has no class yet"
        type_arguments = ", ".join(repr(_literal(a)) for a in split_top_level(call[2]))
        columns = constraint["columns"]
        if columns and all(column in self.field_names for column in columns):
            target = f"fields={[self.field_names[column] for column in columns]!r}"
        else:  # ClickHouse lists several expressions without the parentheses around them
            target = ", ".join(map(self.part, split_top_level(constraint["definition"])))
        return (
            f"{_PACKAGE}.Index({target}, name={name!r}, "
            f"type={_PACKAGE}.{type_class}({type_arguments}), "
            f"granularity={constraint['options']['granularity']}),"
        )

    def key(self, parts: list[str]) -> str:
        sources = [self.part(part) for part in parts]
        if len(sources) == 1:
            return sources[0]
        return f"({', '.join(sources)})"

    def part(self, text: str) -> str:
        """A key part: a field name, a one-column function call, or raw SQL."""
        column = column_name(text)
        if column in self.field_names:
            return repr(self.field_names[column])
        call = _CALL.fullmatch(text)
        if call and column_name(call[2]) in self.field_names:
            field = self.field_names[column_name(call[2])]
            return f"models.Func({field!r}, function={call[1]!r})"
        return f"models.expressions.RawSQL({text.replace('%', '%%')!r}, [])"

    def argument(self, text: str) -> str:
        """An engine argument, positional as the engine's class takes it: a column as its
        field name, a bare word (Join's ANY, LEFT) or a literal as its value, a tuple of
        columns (SummingMergeTree's) as a tuple, any other expression as a key part."""
        name = column_name(text)
        if name is not None:
            return repr(self.field_names.get(name, name))
        if _is_literal(text):
            return repr(_literal(text))
        columns = [column_name(part) for part in key_parts(text)]
        if text.startswith("(") and columns and all(c in self.field_names for c in columns):
            return repr(tuple(self.field_names[column] for column in columns))
        return self.part(text)


def _is_literal(text: str) -> bool:
    """Whether ClickHouse wrote a number, string or boolean literal."""
    value = _literal(text)
    return value is not text and isinstance(value, (str, int, float))


def _literal(text: str):
    """A number or string as ClickHouse wrote it, as a Python value (the text if neither)."""
    if text in ("true", "false"):
        return text == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text

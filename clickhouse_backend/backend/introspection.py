"""What is in a ClickHouse database, read from ``system.*`` tables (never from
information_schema, whose shape ClickHouse has changed between releases)."""

from __future__ import annotations

import re
from collections import namedtuple
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from django.db.backends.base.introspection import BaseDatabaseIntrospection
from django.db.backends.base.introspection import FieldInfo as BaseFieldInfo
from django.db.backends.base.introspection import TableInfo as BaseTableInfo
from django.db.models.fields import AutoFieldMixin

from .sqltext import (
    column_name,
    column_ttls,
    engine_parts,
    key_parts,
    names_in,
    projections,
    split_top_level,
    ttl_rules,
)
from .type_names import parse as parse_type

TableInfo = namedtuple("TableInfo", [*BaseTableInfo._fields, "comment"])
# column_options: the field options that give the column's codec, TTL and MATERIALIZED,
# ALIAS or EPHEMERAL expression back ({"codec": "ZSTD(3)", "materialized": "toDate(ts)"}).
FieldInfo = namedtuple("FieldInfo", [*BaseFieldInfo._fields, "comment", "column_options"])
# A table's engine as system.tables reports it: name, arguments (SQL text), keys (lists of
# SQL text, one item per key part), TTL rules (SQL text or None), settings ((name,
# literal text), without those the schema editor gives every table of the engine by
# default, which Meta.engine need not repeat), and engine_full (with every setting).
TableEngine = namedtuple(
    "TableEngine",
    "name arguments sorting_key partition_key primary_key sampling_key ttl settings full",
)

_WRAPPERS = ("Nullable(", "LowCardinality(")
_DECIMAL = re.compile(r"Decimal(?:32|64|128|256)?\((\d+)(?:,\s*(\d+))?\)")
_FIXED_STRING = re.compile(r"FixedString\((\d+)\)")
_QUOTED = r"'(?:[^'\\]|\\.)*'"
_DATETIME = re.compile(rf"DateTime(?:\((?P<zone>{_QUOTED})\))?")
_DATETIME64 = re.compile(rf"DateTime64\((?P<precision>\d+)(?:,\s*(?P<zone>{_QUOTED}))?\)")
_ENUM_MEMBER = re.compile(rf"({_QUOTED})\s*=\s*(-?\d+)")
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|.)")
_ESCAPED = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r"}
_INTEGER_TYPES = [f"{sign}Int{bits}" for sign in ("", "U") for bits in (8, 16, 32, 64, 128, 256)]
_FIELDS = "clickhouse_backend.models."
# A ClickHouse type (Decimal for any Decimal(P, S)) -> the built-in Django field that
# creates exactly this column on this backend (DatabaseWrapper.data_types), one field
# where several share a type; DatabaseFeatures.introspected_field_types says which.
BUILT_IN_FIELDS = {
    "Int16": "SmallIntegerField",
    "Int32": "IntegerField",
    "Int64": "BigIntegerField",
    "UInt16": "PositiveSmallIntegerField",
    "UInt32": "PositiveIntegerField",
    "UInt64": "PositiveBigIntegerField",
    "Bool": "BooleanField",
    "String": "TextField",
    "Float64": "FloatField",
    "Decimal": "DecimalField",
    "Date32": "DateField",
    "DateTime64(6, 'UTC')": "DateTimeField",
    "UUID": "UUIDField",
    "IPv6": "GenericIPAddressField",
    "JSON": "JSONField",
}
_CHECK = re.compile(r"^\s*CONSTRAINT\s+(`[^`]+`|\S+)\s+CHECK\s+(.+?),?$", re.M)
# The keys of a MergeTree table, in the order get_key_roles() reads system.columns' flags.
_KEY_ROLES = (
    "sorting key (ORDER BY)",
    "primary key (PRIMARY KEY)",
    "partition key (PARTITION BY)",
    "sampling key (SAMPLE BY)",
)


# What update() needs of a table, in one query: its engine and settings, its key columns,
# the server's defaults of the settings lightweight updates need, and whether the session
# allows them (an empty array on a server without lightweight updates). The database is
# a parameter: None for the session's own.
_EDIT_FACTS_SQL = (
    "SELECT engine, engine_full, "
    "(SELECT groupArray(name) FROM system.columns WHERE database = coalesce(%s, "
    "currentDatabase()) AND table = %s AND (is_in_sorting_key OR is_in_partition_key "
    "OR is_in_primary_key OR is_in_sampling_key)), "
    "(SELECT groupArray((name, value)) FROM system.merge_tree_settings WHERE has(%s, name)), "
    "(SELECT groupArray(value) FROM system.settings WHERE name = 'enable_lightweight_update') "
    "FROM system.tables WHERE database = coalesce(%s, currentDatabase()) AND name = %s"
)


@dataclass(frozen=True)
class EditFacts:
    """What update() and delete() need to know of a table, which changes only with its
    DDL: the columns ClickHouse will not UPDATE (keys, and those the engine names),
    whether its rows can be changed by a lightweight ``UPDATE ... SET`` (patch parts),
    and deleted by a lightweight ``DELETE FROM`` (the MergeTree family; Memory and Join
    tables take ``ALTER TABLE ... DELETE``, the rest neither)."""

    key_columns: frozenset[str]
    lightweight_update: bool
    lightweight_delete: bool


class FieldSource(str):
    """Python source of a field instance: inspectdb writes field options with repr(),
    which gives this text as it is."""

    def __repr__(self) -> str:
        return str(self)


# Types clickhouse-driver has no reader for, and what to do instead.
_CAST_HINT = "cast it in queries (toJSONString(column) or toString(column))"
_UNREADABLE = {
    "Variant": f"clickhouse-driver cannot read this type; {_CAST_HINT}",
    "Dynamic": f"clickhouse-driver cannot read this type; {_CAST_HINT}",
    "BFloat16": "clickhouse-driver cannot read this type; cast it with toFloat32(column)",
    "Time": "clickhouse-driver cannot read this type; cast it with toString(column)",
    "Time64": "clickhouse-driver cannot read this type; cast it with toString(column)",
    "LineString": "clickhouse-driver cannot read this type; CAST(column, 'Array(Point)')",
    "MultiLineString": (
        "clickhouse-driver cannot read this type; CAST(column, 'Array(Array(Point))')"
    ),
    r"Tuple\(\)": "clickhouse-driver cannot read an empty Tuple()",
}
_STRING_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'")
# A JSON(...) parameter list with a typed path: "name Type" (not "max_...=" or "SKIP ...").
_JSON_TYPED_PATH = re.compile(r"^JSON\((?:.*,\s*)?(?!SKIP\b)(`[^`]+`|[\w.]+)\s+[A-Z]\w*")


def _unquote(literal: str) -> str:
    """The text of a quoted ClickHouse string literal, as ClickHouse writes types."""

    def unescape(match: re.Match) -> str:
        code = match.group(1)
        if code.startswith("x") and len(code) == 3:
            return chr(int(code[1:], 16))
        return _ESCAPED.get(code, code)

    return _ESCAPE.sub(unescape, literal[1:-1])


def unwrap(column_type: str) -> tuple[str, bool]:
    """The type inside Nullable()/LowCardinality(), and whether it is Nullable."""
    nullable = False
    changed = True
    while changed:
        changed = False
        for wrapper in _WRAPPERS:
            if column_type.startswith(wrapper) and column_type.endswith(")"):
                nullable = nullable or wrapper == "Nullable("
                column_type = column_type[len(wrapper) : -1]
                changed = True
    return column_type, nullable


class DatabaseIntrospection(BaseDatabaseIntrospection):
    # ClickHouse type (without parameters) -> the field of clickhouse_backend.models for
    # it (dotted paths, as Django's inspectdb writes custom fields), for the columns no
    # built-in field creates (BUILT_IN_FIELDS): other types and parameters, and every
    # LowCardinality column (low_cardinality=True is ours).
    data_types_reverse = {
        **{name: f"{_FIELDS}{name}Field" for name in _INTEGER_TYPES},
        "Float32": f"{_FIELDS}Float32Field",
        "Float64": f"{_FIELDS}Float64Field",
        "Decimal": f"{_FIELDS}DecimalField",
        "Bool": f"{_FIELDS}BoolField",
        "String": f"{_FIELDS}StringField",
        "FixedString": f"{_FIELDS}FixedStringField",
        "UUID": f"{_FIELDS}UUIDField",
        "Date": f"{_FIELDS}DateField",
        "Date32": f"{_FIELDS}Date32Field",
        "DateTime": f"{_FIELDS}DateTimeField",
        "DateTime64": f"{_FIELDS}DateTime64Field",
        "IPv4": f"{_FIELDS}IPv4Field",
        "IPv6": f"{_FIELDS}IPv6Field",
        "Enum8": f"{_FIELDS}Enum8Field",
        "Enum16": f"{_FIELDS}Enum16Field",
        "Array": f"{_FIELDS}ArrayField",
        "Map": f"{_FIELDS}MapField",
        "Tuple": f"{_FIELDS}TupleField",
        "JSON": f"{_FIELDS}JSONField",
        "Point": f"{_FIELDS}PointField",
        "Ring": f"{_FIELDS}RingField",
        "Polygon": f"{_FIELDS}PolygonField",
        "MultiPolygon": f"{_FIELDS}MultiPolygonField",
    }

    def get_field_type(self, data_type: str, description: FieldInfo | None) -> str:
        """The field for a type: Django's built-in field when it creates this very
        column, else ours; KeyError (inspectdb then writes a guessed TextField) when it,
        or any element type of a container, has none."""
        base, _ = unwrap(data_type)
        if not data_type.startswith("LowCardinality(") and not (
            description is not None and description.column_options
        ):  # Django's fields take no codec=, ttl=, materialized= ...
            built_in = BUILT_IN_FIELDS.get("Decimal" if _DECIMAL.fullmatch(base) else base)
            if built_in is not None:
                return built_in
        parsed = parse_type(base)
        name = "Decimal" if parsed.name.startswith("Decimal") else parsed.name
        field_type = self.data_types_reverse[name]
        for _, element_type in parsed.elements():
            self.get_field_type(element_type, None)
        return field_type

    def unreadable_reason(self, data_type: str) -> str | None:
        """Why clickhouse-driver cannot read (or write) a column of this type; None if it can."""
        base = _STRING_LITERAL.sub("''", unwrap(data_type)[0])
        if _JSON_TYPED_PATH.search(base):
            return (
                "clickhouse-driver writes JSON over TCP without typed paths (reads work); "
                "use a JSON column without them"
            )
        for name, reason in _UNREADABLE.items():
            if re.search(rf"(?<![\w`]){name}(?![\w`])", base):
                return reason
        return None

    def get_field_options(self, data_type: str) -> tuple[dict[str, Any], list[str]]:
        """The keyword arguments get_field_type()'s field needs to give ``data_type``
        back, and notes for the reader (clickhouse_backend's inspectdb writes both)."""
        options: dict[str, Any] = {}
        notes: list[str] = []
        if data_type.startswith("LowCardinality("):
            options["low_cardinality"] = True
        base, _ = unwrap(data_type)
        if fixed := _FIXED_STRING.match(base):
            options["max_bytes"] = int(fixed.group(1))
        elif decimal := _DECIMAL.fullmatch(base):
            options["max_digits"] = int(decimal.group(1))
            options["decimal_places"] = int(decimal.group(2) or 0)
        elif moment := _DATETIME64.fullmatch(base) or _DATETIME.fullmatch(base):
            if moment.re is _DATETIME64 and int(moment["precision"]) != 6:
                options["precision"] = int(moment["precision"])
            zone = moment["zone"]
            if zone is None:
                notes.append("The column follows the server's time zone; the field names UTC.")
            elif _unquote(zone) != "UTC":
                options["timezone"] = _unquote(zone)
        elif base.startswith("JSON("):
            options.update(_json_options(base))
        elif base.startswith("Enum"):
            options["choices"] = [
                (int(number), _unquote(label)) for label, number in _ENUM_MEMBER.findall(base)
            ]
        elif (parsed := parse_type(base)).elements():
            elements = []
            for name, element_type in parsed.elements():
                source, element_notes = self.element_field_source(element_type)
                elements.append(source if name is None else (name, source))
                notes.extend(element_notes)
            if parsed.name == "Array":
                options["base_field"] = elements[0]
            elif parsed.name == "Map":
                options["key_field"], options["value_field"] = elements
            else:
                options["base_fields"] = elements
        return options, notes

    def element_field_source(self, data_type: str) -> tuple[FieldSource, list[str]]:
        """The Python source of the element field of a container that holds this type."""
        field_type = self.get_field_type(data_type, None)
        if "." not in field_type:
            field_type = f"models.{field_type}"
        options, notes = self.get_field_options(data_type)
        base, nullable = unwrap(data_type)
        if decimal := _DECIMAL.fullmatch(base):
            options["max_digits"] = int(decimal[1])
            options["decimal_places"] = int(decimal[2] or 0)
        if nullable:
            options["null"] = options["blank"] = True
        arguments = ", ".join(f"{name}={value!r}" for name, value in options.items())
        return FieldSource(f"{field_type}({arguments})"), notes

    def get_table_list(self, cursor) -> list[TableInfo]:
        """Tables ("t") and views ("v") of the connection's current database. Views are
        what holds no rows of its own to write or truncate: views, materialized views
        (whose rows are their target table's) and dictionaries (read from their source)."""
        cursor.execute(
            "SELECT name, engine LIKE '%%View' OR engine = 'Dictionary', comment "
            "FROM system.tables WHERE database = currentDatabase() AND NOT is_temporary "
            "ORDER BY name",
            [],
        )
        return [
            TableInfo(name, "v" if is_view else "t", comment or None)
            for name, is_view, comment in cursor.fetchall()
        ]

    def get_table_description(self, cursor, table_name: str) -> list[FieldInfo]:
        """Columns in order: name, ClickHouse type, size, precision, NULL-ability, default."""
        cursor.execute(
            "SELECT name, type, default_kind, default_expression, comment, compression_codec "
            "FROM system.columns WHERE database = currentDatabase() AND table = %s "
            "ORDER BY position",
            [table_name],
        )
        rows = cursor.fetchall()
        if not rows:  # every table has a column: let ClickHouse say that it does not exist
            cursor.execute(f"DESCRIBE TABLE {self.connection.ops.quote_name(table_name)}")
        ttls = column_ttls(self._create_table_query(cursor, table_name)) if rows else {}
        described = []
        for name, column_type, default_kind, default, comment, codec in rows:
            base, nullable = unwrap(column_type)
            precision = scale = size = None
            if decimal := _DECIMAL.match(base):
                precision, scale = int(decimal.group(1)), int(decimal.group(2) or 0)
            if fixed := _FIXED_STRING.match(base):
                size = int(fixed.group(1))
            described.append(
                FieldInfo(
                    name,
                    column_type,
                    size,
                    size,
                    precision,
                    scale,
                    nullable,
                    default if default_kind == "DEFAULT" else None,
                    None,
                    comment or None,
                    _column_options(default_kind, default, codec, ttls.get(name)),
                )
            )
        return described

    def _create_table_query(self, cursor, table_name: str) -> str:
        """The table's CREATE TABLE on one line ("" for no such table)."""
        cursor.execute(
            "SELECT create_table_query FROM system.tables "
            "WHERE database = currentDatabase() AND name = %s",
            [table_name],
        )
        row = cursor.fetchone()
        return row[0] if row else ""

    def get_sequences(self, cursor, table_name, table_fields=()):
        """ClickHouse has no sequences; the column whose ids the backend generates (an
        auto field's, from generateSnowflakeID()) stands for one, as SQLite's
        autoincrement column does. Nothing is ever reset: ids only grow with time."""
        return [
            {"table": table_name, "column": field.column}
            for field in table_fields
            if isinstance(field, AutoFieldMixin)
        ]

    def get_relations(self, cursor, table_name):
        """ClickHouse has no foreign keys."""
        return {}

    def get_table_engine(self, cursor, table_name: str) -> TableEngine | None:
        """The table's engine, keys and settings; None when there is no such table."""
        cursor.execute(
            "SELECT engine, engine_full, sorting_key, partition_key, primary_key, "
            "sampling_key FROM system.tables WHERE database = currentDatabase() AND name = %s",
            [table_name],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        name, full, *keys = row
        _, arguments, settings = engine_parts(full)
        defaults = _default_settings(name)
        settings = [
            (setting, value)
            for setting, value in settings
            if not _is_default(setting, value, defaults)
        ]
        return TableEngine(name, arguments, *map(key_parts, keys), ttl_rules(full), settings, full)

    def get_key_roles(self, cursor, table_name: str, column: str) -> list[str]:
        """The keys and engine arguments of the table that name the column, as a person
        reads them ("sorting key (ORDER BY)" ...): ClickHouse refuses to rename, drop or
        change the type of such a column. Empty for any other column (or no table)."""
        cursor.execute(
            "SELECT is_in_sorting_key, is_in_primary_key, is_in_partition_key, "
            "is_in_sampling_key FROM system.columns "
            "WHERE database = currentDatabase() AND table = %s AND name = %s",
            [table_name, column],
        )
        row = cursor.fetchone()
        if row is None:
            return []
        roles = [role for role, member in zip(_KEY_ROLES, row, strict=True) if member]
        if not roles and column in self.get_key_columns(cursor, table_name):
            roles.append("engine's arguments (Meta.engine)")
        return roles

    def get_key_columns(self, cursor, table_name: str) -> set[str]:
        """Columns ClickHouse will not UPDATE: those of the sorting, partition, primary
        and sampling keys, and those the engine names (ReplacingMergeTree's version ...)."""
        return set(self.get_edit_facts(cursor, table_name).key_columns)

    # -- what update() needs of a table, cached -----------------------------------------

    # Process-wide, by (alias, database, table): a table's keys and settings change only
    # with DDL, and the schema editor forgets them all whenever it runs a statement. A
    # table changed behind its back (another process, a raw CREATE) is noticed by
    # update(), which forgets what ClickHouse refuses and asks again.
    _edit_facts: ClassVar[dict[tuple[str, str, str, str | None], EditFacts]] = {}

    def get_edit_facts(self, cursor, table_name: str, database: str | None = None) -> EditFacts:
        """What update() needs of the table, in ``database`` (None: the session's own);
        nothing is known of a missing table, and that is not remembered."""
        key = self._edit_facts_key(table_name, database)
        facts = self._edit_facts.get(key)
        if facts is not None:
            return facts
        settings = list(_lightweight_settings())
        cursor.execute(_EDIT_FACTS_SQL, [database, table_name, settings, database, table_name])
        row = cursor.fetchone()
        if row is None:
            # ClickHouse says what is wrong when the statement runs.
            return EditFacts(frozenset(), lightweight_update=False, lightweight_delete=True)
        name, full, keys, server_settings, allowed = row
        _, arguments, settings = engine_parts(full)
        # The columns the engine's arguments name: Replacing's version, Collapsing's sign,
        # each column of a Distributed table's sharding key (cityHash64(user_id)).
        columns = {*keys, *(name for argument in arguments for name in names_in(argument))}
        effective = {**dict(server_settings), **dict(settings)}
        lightweight = (
            allowed == ["1"]
            and _takes_lightweight_updates(name)
            and all(_is_on(effective.get(setting, "0")) for setting in _lightweight_settings())
        )
        facts = EditFacts(frozenset(columns), lightweight, _family(name).endswith("MergeTree"))
        self._edit_facts[key] = facts
        return facts

    def refuses_lightweight_update(self, table_name: str, database: str | None = None) -> None:
        """Remember that ClickHouse refused a lightweight update of the table."""
        key = self._edit_facts_key(table_name, database)
        facts = self._edit_facts.get(key)
        if facts is not None:
            self._edit_facts[key] = replace(facts, lightweight_update=False)

    def refuses_lightweight_delete(self, table_name: str, database: str | None = None) -> None:
        """Remember that ClickHouse refused a lightweight delete of the table (one with
        projections, by default)."""
        key = self._edit_facts_key(table_name, database)
        facts = self._edit_facts.get(key)
        if facts is not None:
            self._edit_facts[key] = replace(facts, lightweight_delete=False)

    @classmethod
    def forget_edit_facts(cls, table_name: str | None = None, database: str | None = None) -> None:
        """Forget what is known of the table (of every table when None), for every alias;
        of the table in ``database`` only, when it is named."""
        for key in list(cls._edit_facts):
            if table_name is None or key[2:] in ((table_name, None), (table_name, database)):
                cls._edit_facts.pop(key, None)

    def _edit_facts_key(
        self, table_name: str, database: str | None
    ) -> tuple[str, str, str, str | None]:
        """By alias, the connection's database, table, and the database named for it."""
        current = self.connection.settings_dict["NAME"] or ""
        return (self.connection.alias, current, table_name, database)

    def get_constraints(self, cursor, table_name: str) -> dict[str, dict]:
        """The primary key, the sorting key (named ``sorting_key`` unless an index or
        constraint has that name), CHECK constraints, data-skipping indexes and
        projections (indexes of type "projection", their query as definition)."""
        engine = self.get_table_engine(cursor, table_name)
        if engine is None:
            return {}
        constraints: dict[str, dict] = {}
        if engine.sorting_key:
            constraints["sorting_key"] = _constraint(
                _columns(engine.sorting_key),
                type="sorting_key",
                definition=", ".join(engine.sorting_key),
            )
        described = [field.name for field in self.get_table_description(cursor, table_name)]
        columns = set(described)
        key = self._dictionary_key(cursor, table_name) if engine.name == "Dictionary" else []
        if primary_key := key or _django_primary_key(engine.primary_key, columns):
            constraints["primary_key"] = _constraint(primary_key, primary_key=True)
        # SHOW CREATE TABLE puts each constraint on a line of its own.
        cursor.execute(f"SHOW CREATE TABLE {self.connection.ops.quote_name(table_name)}")
        (create_query,) = cursor.fetchone()
        for name, expression in _CHECK.findall(create_query):
            named = names_in(expression)  # the columns it reads, in the table's order
            checked = [column for column in described if column in named]
            constraints[name.strip("`")] = _constraint(checked, check=True, definition=expression)
        for name, query in projections(self._create_table_query(cursor, table_name)).items():
            constraints[name] = _constraint([], index=True, type="projection", definition=query)
        cursor.execute(
            "SELECT name, type_full, expr, granularity FROM system.data_skipping_indices "
            "WHERE database = currentDatabase() AND table = %s",
            [table_name],
        )
        for name, index_type, expression, granularity in cursor.fetchall():
            constraints[name] = _constraint(
                _columns(split_top_level(expression)),
                index=True,
                type=index_type,
                definition=expression,
                options={"granularity": granularity},
            )
        return constraints

    def _dictionary_key(self, cursor, name: str) -> list[str]:
        """The key columns of a dictionary: its rows are unique by them, so they are
        the model's primary key (system.tables has no key for a dictionary)."""
        cursor.execute(
            "SELECT key.names FROM system.dictionaries "
            "WHERE database = currentDatabase() AND name = %s",
            [name],
        )
        row = cursor.fetchone()
        return list(row[0]) if row else []


def _column_options(
    default_kind: str, expression: str, codec: str, ttl: str | None
) -> dict[str, Any]:
    """The field options for what system.columns says of a column beyond its type."""
    options: dict[str, Any] = {}
    if default_kind in ("MATERIALIZED", "ALIAS", "EPHEMERAL"):
        # A bare EPHEMERAL is reported as the type's default value.
        bare = expression.startswith("defaultValueOfTypeName(")
        options[default_kind.lower()] = (
            True if default_kind == "EPHEMERAL" and bare else expression
        )
    if codec:  # "CODEC(Delta(8), ZSTD(3))"
        options["codec"] = codec.removeprefix("CODEC(").removesuffix(")")
    if ttl is not None:
        options["ttl"] = ttl
    return options


def _engines():
    """``clickhouse_backend.models.engines``, imported on first use (see schema._models)."""
    from ..models import engines

    return engines


def _lightweight_settings() -> dict[str, int]:
    return _engines().LIGHTWEIGHT_UPDATE_SETTINGS


def _takes_lightweight_updates(engine: str) -> bool:
    """Whether ClickHouse takes lightweight updates of a table with this engine."""
    return _family(engine) in _engines().LIGHTWEIGHT_UPDATE_ENGINES


def _family(engine: str) -> str:
    """``ReplicatedReplacingMergeTree`` -> ``ReplacingMergeTree``."""
    for prefix in ("Replicated", "Shared"):
        engine = engine.removeprefix(prefix)
    return engine


def _default_settings(engine: str) -> dict[str, Any]:
    """The settings the schema editor gives every new table of this engine."""
    cls = _engines().engine_class(engine)
    return cls.default_settings if cls is not None else {}


def _is_default(setting: str, value: str, defaults: dict[str, Any]) -> bool:
    """Whether a (boolean) setting of the table is the default the schema editor gives."""
    return setting in defaults and _is_on(value) == bool(defaults[setting])


def _is_on(value: str) -> bool:
    """A boolean setting's value as ClickHouse writes it (1, true, '1')."""
    return value.strip("'").lower() in ("1", "true")


def _json_options(base: str) -> dict[str, Any]:
    """JSONField's keyword arguments for a ``JSON(...)`` column type."""
    options: dict[str, Any] = {}
    for part in split_top_level(base[len("JSON(") : -1]):
        name, _, value = (piece.strip() for piece in part.partition("="))
        if value and name in ("max_dynamic_paths", "max_dynamic_types"):
            options[name] = int(value)
        elif part.startswith("SKIP REGEXP "):
            options.setdefault("skip_regexps", []).append(_unquote(part[len("SKIP REGEXP ") :]))
        elif part.startswith("SKIP "):
            path = part[len("SKIP ") :].strip()
            options.setdefault("skip_paths", []).append(
                path[1:-1].replace("\\`", "`").replace("\\\\", "\\")
                if path.startswith("`")
                else path
            )
    return options


def _columns(parts: list[str]) -> list[str]:
    """The column names of a key or index made of columns only; [] if it has expressions."""
    names = [column_name(part) for part in parts]
    return [] if None in names else names


def _django_primary_key(parts: list[str], columns: set[str]) -> list[str]:
    """What Django should take as the primary key: the ``id`` column when there is one
    (ClickHouse keys are not unique, and tables made by Django are often sorted by other
    columns before their id), otherwise ClickHouse's primary key when it is columns."""
    if "id" in columns:
        return ["id"]
    names = [column_name(part) for part in parts]
    if names and None not in names and set(names) <= columns:
        return names
    return []


def _constraint(columns: list[str], **kinds) -> dict:
    """One entry of get_constraints(), with Django's keys."""
    entry = {
        "columns": columns,
        "primary_key": False,
        "unique": False,
        "foreign_key": None,
        "check": False,
        "index": False,
        "definition": None,
        "options": None,
    }
    entry.update(kinds)
    return entry

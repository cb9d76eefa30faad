"""JSONField paths in ClickHouse SQL: ``data__a__b``, ``data__items__0``, KT(),
``has_key``, ``has_keys``, ``has_any_keys`` and ``contains``.

ClickHouse stores each path of a ``JSON`` column as a ``Dynamic`` subcolumn,
``data.a.b``, which keeps apart the types the path holds, each readable alone:
``data.a.b.:String``, ``data.a.b.:Int64`` (NULL in the rows where the path holds
something else). A key compared with a scalar (a string, a number, a boolean) reads
those typed subcolumns: ``data__kind="x"`` is ``data.kind.:String = 'x'``, ``data__a__b=1``
is ``data.a.b.:Int64 = 1`` or ``data.a.b.:Float64 = 1.`` (a number matches an equal
number whether it was written as an int or a float, as on PostgreSQL; ``"1"`` does not
match ``1``), comparisons read the three number types or the strings. That reads a
fraction of what the path's JSON text would (``benchmarks/json_paths.py`` times both).

What a typed subcolumn cannot say, the SQL says beside it:

- Whether the key is there at all. Django's lookups are NULL where the key is missing
  and false where it holds something else (an object, a list, another type), which
  ``exclude()`` shows: ``exclude(data__kind="x")`` keeps the rows whose ``kind`` is an
  object, not the rows without ``kind``. So an equality is
  ``coalesce(<typed comparisons>, if(<the key is there>, 0, NULL))``, where "there" is a
  value at ``data.kind`` or a key under the sub-object ``data.^kind``.
- What ClickHouse made of a string: with its default settings (another client's
  rows; this backend turns them off) it stores ``"2020-01-01"`` as a ``Date`` (and
  ``"2020-01-01 10:00:00"`` as a DateTime) and gives it back as the text it writes for
  it. A string shaped like that text is also compared with the JSON text of the
  path's other types, so a filter finds the rows whose value reads back equal to it.

Everything else — objects, lists, array indexes (``data__items__0``), paths of
expressions rather than columns — is read as its JSON text, ``toJSONString(data.a.b)``
(or the sub-object ``data.^a.b`` when the path is an object; array indexes take
``JSONExtractRaw()`` on that text), and a Python value is compared as the JSON text
ClickHouse writes for it (the server casts it to JSON, so numbers, escapes and key
order come out as on the left).

Keys travel as quoted identifiers (subcolumns take no parameters) or as parameters;
values always as parameters.
"""

from __future__ import annotations

import decimal
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import NotSupportedError
from django.db.models.expressions import Col, Ref, Value
from django.db.models.fields import json as json_fields
from django.db.models.fields.json import (
    ContainedBy,
    DataContains,
    HasAnyKeys,
    HasKey,
    HasKeys,
    JSONExact,
    JSONField,
    KeyTextTransform,
    KeyTransform,
    KeyTransformExact,
    KeyTransformGt,
    KeyTransformGte,
    KeyTransformIn,
    KeyTransformIsNull,
    KeyTransformLt,
    KeyTransformLte,
)
from django.db.models.functions import JSONObject
from django.db.models.functions.json import JSONArray
from django.db.models.lookups import In
from django.db.models.sql.constants import INNER

from ..driver.escape import quote_identifier

# JSONField's own "in" lookup from Django 6.1 (before, JSONField used lookups.In).
JSONIn = getattr(json_fields, "JSONIn", In)

Sql = tuple[str, tuple]
_NO_NULLS = (
    "ClickHouse's JSON type does not keep null values (a key set to None is stored as "
    "absent), so {lookup} cannot tell null from a missing key; use {field}__isnull=True"
)


class JSONText:
    """The SQL of a JSON value as ClickHouse's JSON text; NULL when it is absent."""

    def __init__(self, sql: str, params: tuple, indexed: bool):
        self.sql, self.params = sql, tuple(params)
        self.indexed = indexed  # went through JSONExtractRaw(), which writes / unescaped

    def step(self, key: str, *, as_index: bool = True) -> JSONText:
        """The value under ``key``: an array index when it is an integer and the value an
        array, otherwise the object's key."""
        index = _index(key) if as_index else None
        if index is None:
            sql = f"nullIf(JSONExtractRaw({self.sql}, %s), '')"
            return JSONText(sql, (*self.params, key), indexed=True)
        position = index + 1 if index >= 0 else index  # ClickHouse counts from 1
        sql = (
            f"nullIf(if(startsWith({self.sql}, '['), JSONExtractRaw({self.sql}, {position}), "
            f"JSONExtractRaw({self.sql}, %s)), '')"
        )
        return JSONText(sql, (*self.params * 3, key), indexed=True)

    def equals(self, value: Any, encoder: Any) -> Sql:
        rhs, params = value_text(value, encoder, self.indexed)
        return f"{self.sql} = {rhs}", (*self.params, *params)


def _index(key: str) -> int | None:
    try:
        return int(key)
    except ValueError:
        return None


def _identifier(key: str) -> str:
    if "." in key:
        raise NotSupportedError(
            f"JSON key {key!r} has a dot, which ClickHouse's JSON type reads as a path of "
            "nested keys; nest the keys instead"
        )
    # The path is part of SQL that parameters are filled into: % is written %%.
    return quote_identifier(key).replace("%", "%%")


def path_text(compiler, connection, base, keys: list[str]) -> JSONText:
    """The JSON text of ``base`` (a JSON column or expression) at ``keys``.

    The leading object keys of a column are its subcolumn; the rest, from the first
    array index on, are taken from the JSON text.
    """
    sql, params = compiler.compile(base)
    params = tuple(params)
    lead: list[str] = []
    if isinstance(base, Col):
        for key in keys:
            if _index(key) is not None:
                break
            lead.append(key)
    if lead:
        path = ".".join(map(_identifier, lead))
        text = JSONText(
            f"coalesce(toJSONString({sql}.{path}), nullIf(toJSONString({sql}.^{path}), '{{}}'))",
            params * 2,
            indexed=False,
        )
    elif isinstance(_unreferenced(base), (JSONArray, JSONObject)):
        text = JSONText(sql, params, indexed=False)  # JSON text already (expressions.py)
    else:
        text = JSONText(f"toJSONString({sql})", params, indexed=False)
    for key in keys[len(lead) :]:
        text = text.step(key)
    return text


def _unreferenced(expression):
    """The expression an annotation's reference (``Ref``) stands for."""
    while isinstance(expression, Ref):
        expression = expression.source
    return expression


class Subcolumns:
    """A path of object keys under a JSON column, as ClickHouse's subcolumns:
    ``data.a.b`` (Dynamic), its typed parts ``data.a.b.:Int64`` and the sub-object
    ``data.^a.b``."""

    def __init__(self, sql: str, params: tuple, keys: list[str], nullable: bool):
        self.params = tuple(params)
        path = ".".join(map(_identifier, keys))
        self.dynamic = f"{sql}.{path}"
        self.object = f"{sql}.^{path}"
        self.nullable = nullable

    def typed(self, type_name: str) -> str:
        return f"{self.dynamic}.:{type_name}"

    def present(self) -> Sql:
        """True where the path holds a value or an object, false where it is missing.
        notEmpty() takes no Nullable(JSON) (a null=True field, a LEFT JOIN's column):
        there the object's paths are listed, which costs more."""
        if self.nullable:
            has_keys = f"notEmpty(JSONAllPaths({self.object}))"
        else:
            has_keys = f"notEmpty({self.object})"
        return f"(isNotNull({self.dynamic}) OR {has_keys})", self.params * 2


def subcolumns(compiler, connection, node, keys: tuple[str, ...] = ()) -> Subcolumns | None:
    """The subcolumns of ``node``'s path (plus ``keys``) when it is a path of object
    keys under a column; None when it has an array index or another base."""
    base, path = _base_and_keys(node)
    path = [*path, *keys]
    if not isinstance(base, Col) or not path or any(_index(key) is not None for key in path):
        return None
    sql, params = compiler.compile(base)
    return Subcolumns(sql, tuple(params), path, _nullable(compiler, base))


def _nullable(compiler, column: Col) -> bool:
    """Whether the column reaches the query as Nullable(JSON): a null=True field, or
    any field through a LEFT OUTER JOIN (join_use_nulls); when unsure, yes."""
    if getattr(column.target, "null", True):
        return True
    table = compiler.query.alias_map.get(column.alias)
    return table is None or table.join_type not in (None, INNER)


# ClickHouse's types for numbers read from JSON text, and their ranges.
_INT64 = (-(2**63), 2**63 - 1)
_UINT64 = (0, 2**64 - 1)


def _scalar(value: Any, encoder: Any) -> Any:
    """The value as ClickHouse receives it: after the field's encoder, through JSON."""
    try:
        return json.loads(_dumps(value, encoder))
    except (TypeError, ValueError) as error:
        raise ValueError(f"{value!r} cannot be compared with JSON: {error}") from None


def _typed_values(value: Any) -> list[tuple[str, Any]] | None:
    """The typed subcolumns that can hold a JSON value equal to ``value``, each with
    the value to compare it with; None for values that are not scalars (objects,
    lists) or integers beyond Int64/UInt64 (which ClickHouse keeps as strings).

    JSON numbers are equal when their decimal values are, as on PostgreSQL: an
    integer and a float equal when the float, as written (its shortest repr, which is
    also how ClickHouse writes a Float64), is that integer. So 1 matches 1.0 and -0.0
    matches 0, but 2**63 does not match float(2**63), written 9.223372036854776e+18."""
    if isinstance(value, bool):
        return [("Bool", value)]
    if isinstance(value, str):
        return [("String", value)]
    if isinstance(value, float):
        typed: list[tuple[str, Any]] = [("Float64", value)]
        written = decimal.Decimal(repr(value))
        if written == written.to_integral_value() and _INT64[0] <= written <= _UINT64[1]:
            typed.append((_integer_type(int(written)), int(written)))
        return typed
    if not isinstance(value, int) or not _INT64[0] <= value <= _UINT64[1]:
        return None
    typed = [(_integer_type(value), value)]
    if decimal.Decimal(repr(float(value))) == value:
        typed.append(("Float64", float(value)))
    return typed


def _integer_type(number: int) -> str:
    """The type ClickHouse gives an integer read from JSON."""
    return "Int64" if number <= _INT64[1] else "UInt64"


# How ClickHouse writes the Date, DateTime and DateTime64 it makes of some strings.
_WRITTEN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?)?")


def typed_equals(sub: Subcolumns, values: list, encoder: Any) -> Sql | None:
    """``path IN values`` (``=`` for one) on the typed subcolumns: true where the
    path holds one of the values, false where it holds anything else, NULL where it is
    missing. None when a value is not a scalar (the caller compares JSON text).

    ClickHouse stores some strings as a Date or DateTime (``"2020-01-01"``) and gives
    them back as the text it writes for them; a string written that way is also
    compared with that text, so a filter finds the rows whose value reads back equal
    to it."""
    by_type: dict[str, list] = {}
    written_dates = []
    for value in values:
        typed = _typed_values(_scalar(value, encoder))
        if typed is None:
            return None
        for type_name, item in typed:
            if item not in by_type.setdefault(type_name, []):
                by_type[type_name].append(item)
            if type_name == "String" and _WRITTEN_DATE.fullmatch(item):
                written_dates.append(f'"{item}"')  # nothing in it to escape
    parts, params = [], []
    for type_name, items in by_type.items():
        parts.append(_one_of(sub.typed(type_name), items))
        params.extend((*sub.params, *items))
    if written_dates:
        parts.append(_one_of(f"toJSONString({sub.dynamic})", written_dates))
        params.extend((*sub.params, *written_dates))
    present, present_params = sub.present()
    parts.append(f"if({present}, 0, NULL)")
    return f"coalesce({', '.join(parts)})", (*params, *present_params)


def _one_of(sql: str, items: list) -> str:
    if len(items) == 1:
        return f"{sql} = %s"
    return f"{sql} IN ({', '.join(['%s'] * len(items))})"


def _typed_compare(sub: Subcolumns, operator: str, value: Any) -> Sql:
    """A comparison of the path with a number (the three number types, exactly) or a
    string (a String as itself; a Date or DateTime ClickHouse made of a string as the
    text it writes): NULL where the path holds another type or nothing."""
    if isinstance(value, str):
        text = f"toJSONString({sub.dynamic})"
        sql = (
            f"multiIf(isNotNull({sub.typed('String')}), {sub.typed('String')}, "
            f"startsWith({text}, '\"'), JSONExtractString({text}), NULL) {operator} %s"
        )
        return sql, (*sub.params * 4, value)
    if not _INT64[0] <= value <= _UINT64[1]:
        value = float(value)
    parts = [f"{sub.typed(name)} {operator} %s" for name in ("Int64", "UInt64", "Float64")]
    return f"coalesce({', '.join(parts)})", (*sub.params, value) * 3


def transform_text(compiler, connection, transform: KeyTransform) -> JSONText:
    return path_text(compiler, connection, *_base_and_keys(transform))


def lhs_text(lookup, compiler, connection) -> JSONText:
    return path_text(compiler, connection, *_base_and_keys(lookup.lhs))


def value_text(value: Any, encoder: Any, indexed: bool = False) -> Sql:
    """SQL for the JSON text ClickHouse writes for a Python value."""
    try:
        if isinstance(value, dict):
            sql, params = "toJSONString(CAST(%s, 'JSON'))", (_dumps(value, encoder),)
        else:
            document = _dumps({"v": value}, encoder)
            sql, params = "toJSONString(getSubcolumn(CAST(%s, 'JSON'), 'v'))", (document,)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{value!r} cannot be compared with JSON: {error}") from None
    if indexed:  # written as JSONExtractRaw() writes the left-hand side
        sql = f"JSONExtractRaw(concat('[', {sql}, ']'), 1)"
    return sql, params


def _dumps(value: Any, encoder: Any) -> str:
    return json.dumps(value, cls=encoder, allow_nan=False)


def _encoder(lookup) -> Any:
    return getattr(lookup.lhs.output_field, "encoder", None)


def _field_name(lookup) -> str:
    node, keys = _base_and_keys(lookup.lhs)
    target = getattr(node, "target", None)
    return "__".join([getattr(target, "name", "field"), *keys])


# -- transforms --------------------------------------------------------------------


def _key_transform(node: KeyTransform, compiler, connection) -> Sql:
    """``values("data__a")``: the JSON text, which JSONField.from_db_value() parses."""
    text = transform_text(compiler, connection, node)
    return text.sql, text.params


def _key_text_transform(node: KeyTextTransform, compiler, connection) -> Sql:
    """KT("data__a"): a string as itself, other values as their JSON text, null as NULL."""
    text = transform_text(compiler, connection, node)
    return f"JSONExtract({text.sql}, 'Nullable(String)')", text.params


# -- lookups -----------------------------------------------------------------------


def _key_exact(lookup: KeyTransformExact, compiler, connection) -> Sql:
    lhs = lhs_text(lookup, compiler, connection)
    rhs = lookup.rhs
    if isinstance(rhs, KeyTransform):
        other = transform_text(compiler, connection, rhs)
        return f"{lhs.sql} = {other.sql}", (*lhs.params, *other.params)
    if isinstance(rhs, Value) and isinstance(rhs.output_field, JSONField):
        rhs = rhs.value  # Value(x, JSONField()): the JSON value x
    if hasattr(rhs, "as_sql"):
        sql, params = compiler.compile(rhs)
        return f"{lhs.sql} = toJSONString({sql})", (*lhs.params, *params)
    if rhs is None:
        name = _field_name(lookup)
        raise NotSupportedError(_NO_NULLS.format(lookup=f"{name}=None", field=name))
    sub = subcolumns(compiler, connection, lookup.lhs)
    if sub is not None and not isinstance(rhs, (dict, list, tuple)):
        typed = typed_equals(sub, [rhs], _encoder(lookup))
        if typed is not None:
            return typed
    return lhs.equals(rhs, _encoder(lookup))


def _exact(lookup: JSONExact, compiler, connection) -> Sql:
    """``data={...}``: the whole document, compared as ClickHouse's JSON text."""
    if lookup.rhs is None:
        name = _field_name(lookup)
        raise NotSupportedError(
            f"ClickHouse's JSON type holds objects only, never a JSON null: use "
            f"{name}__isnull=True for SQL NULL (null=True)"
        )
    if hasattr(lookup.rhs, "as_sql"):
        return lookup.as_sql(compiler, connection)
    return lhs_text(lookup, compiler, connection).equals(lookup.rhs, _encoder(lookup))


def _in(lookup: In, compiler, connection) -> Sql:
    """``data__in=[{...}, ...]``: whole documents, as JSON text; other fields' ``in``
    is Django's."""
    if not isinstance(lookup.lhs.output_field, JSONField):
        return lookup.as_sql(compiler, connection)
    return _key_in(lookup, compiler, connection)


def _key_in(lookup: In, compiler, connection) -> Sql:
    lhs = lhs_text(lookup, compiler, connection)
    if hasattr(lookup.rhs, "as_sql"):
        raise NotSupportedError("a JSON key__in takes a list of values, not a subquery")
    values = list(lookup.rhs)
    if None in values:
        name = _field_name(lookup)
        raise NotSupportedError(_NO_NULLS.format(lookup=f"{name}__in=[None, ...]", field=name))
    if not values:
        return "0", ()
    sub = subcolumns(compiler, connection, lookup.lhs)
    if sub is not None and not any(isinstance(value, (dict, list, tuple)) for value in values):
        typed = typed_equals(sub, values, _encoder(lookup))
        if typed is not None:
            return typed
    return _text_in(lhs, values, lookup)


def _text_in(lhs: JSONText, values: list, lookup) -> Sql:
    parts, params = [], list(lhs.params)
    for value in values:
        sql, value_params = value_text(value, _encoder(lookup), lhs.indexed)
        parts.append(sql)
        params.extend(value_params)
    return f"{lhs.sql} IN ({', '.join(parts)})", tuple(params)


def _is_null(lookup: KeyTransformIsNull, compiler, connection) -> Sql:
    """``data__a__isnull=True``: the key is absent (or null, which ClickHouse drops)."""
    sub = subcolumns(compiler, connection, lookup.lhs)
    if sub is not None:
        sql, params = sub.present()
        return (f"NOT {sql}" if lookup.rhs else sql), params
    lhs = lhs_text(lookup, compiler, connection)
    return f"{lhs.sql} IS {'' if lookup.rhs else 'NOT '}NULL", lhs.params


def _comparison(operator: str) -> Callable[..., Sql]:
    def spell(lookup, compiler, connection) -> Sql:
        """Numbers compare with numbers, strings with strings; other values at the
        path match nothing."""
        rhs = lookup.rhs
        if isinstance(rhs, bool) or not isinstance(rhs, (int, float, str)):
            raise NotSupportedError(
                f"JSON key comparisons ({lookup.lookup_name}) take a number or a string "
                f"on ClickHouse, not {rhs!r}"
            )
        sub = subcolumns(compiler, connection, lookup.lhs)
        if sub is not None:
            return _typed_compare(sub, operator, rhs)
        lhs = lhs_text(lookup, compiler, connection)
        if isinstance(rhs, str):
            value = f"if(startsWith({lhs.sql}, '\"'), JSONExtractString({lhs.sql}), NULL)"
            return f"{value} {operator} %s", (*lhs.params * 2, rhs)
        return f"toFloat64OrNull({lhs.sql}) {operator} %s", (*lhs.params, float(rhs))

    return spell


def _has_keys(lookup: HasKey, compiler, connection) -> Sql:
    """has_key / has_keys / has_any_keys: the keys are present (and not null)."""
    keys = lookup.rhs if isinstance(lookup.rhs, (list, tuple)) else [lookup.rhs]
    if not keys:
        return ("0" if lookup.logical_operator == " OR " else "1"), ()
    parts, params = [], []
    for key in keys:
        if hasattr(key, "as_sql"):
            raise NotSupportedError("has_key takes key names on ClickHouse, not expressions")
        sub = subcolumns(compiler, connection, lookup.lhs, (str(key),))
        if sub is not None:
            sql, key_params = sub.present()
        else:
            text = _key_under(compiler, connection, lookup, str(key))
            sql, key_params = f"{text.sql} IS NOT NULL", text.params
        parts.append(sql)
        params.extend(key_params)
    joined = (lookup.logical_operator or " AND ").join(parts)
    return f"({joined})", tuple(params)


def _key_under(compiler, connection, lookup, key: str) -> JSONText:
    """The text at ``key`` under the lookup's left-hand side: the final key of a
    has_key is always an object key, never an array index."""
    node, keys = _base_and_keys(lookup.lhs)
    if _index(key) is None:
        return path_text(compiler, connection, node, [*keys, key])
    return path_text(compiler, connection, node, keys).step(key, as_index=False)


def _contains(lookup: DataContains, compiler, connection) -> Sql:
    """``data__contains={...}``: each key of the value is there with a value that
    contains the given one, as on PostgreSQL (see ``_text_contains``). True or false,
    not NULL where a key of the value is missing (exclude() keeps those rows); NULL
    where the path contains is asked of is missing (``data__o__contains`` without
    ``o``), as on PostgreSQL and MySQL."""
    if hasattr(lookup.rhs, "as_sql"):
        raise NotSupportedError("JSON contains takes a value on ClickHouse, not an expression")
    base, keys = _base_and_keys(lookup.lhs)
    sql, params = _contained(compiler, connection, base, keys, lookup.rhs, _encoder(lookup))
    if not keys:
        return f"ifNull({sql}, 0)", params
    sub = subcolumns(compiler, connection, lookup.lhs)
    if sub is not None:
        present, present_params = sub.present()
    else:
        text = path_text(compiler, connection, base, keys)
        present, present_params = f"{text.sql} IS NOT NULL", text.params
    return f"if({present}, ifNull({sql}, 0), NULL)", (*present_params, *params)


def _base_and_keys(node) -> tuple[Any, list[str]]:
    keys: list[str] = []
    while isinstance(node, KeyTransform):
        keys.insert(0, node.key_name)
        node = node.lhs
    return node, keys


def _contained(compiler, connection, base, keys: list[str], value: Any, encoder: Any) -> Sql:
    """The keys of an object are followed as subcolumns; the rest works on JSON text."""
    if isinstance(value, dict) and value:
        return _all(
            _contained(compiler, connection, base, [*keys, str(key)], item, encoder)
            for key, item in value.items()
        )
    text = path_text(compiler, connection, base, keys)
    if not isinstance(value, (dict, list, tuple)) and value is not None:
        sub = subcolumns(compiler, connection, base, tuple(keys))
        if sub is not None:
            typed = typed_equals(sub, [value], encoder)
            if typed is not None:
                return typed
    return _text_contains(text, value, encoder, 0)


def _text_contains(text: JSONText, value: Any, encoder: Any, depth: int) -> Sql:
    """Whether the JSON value ``text`` contains ``value``: an object each of its keys
    with a value that contains the given one, an array each given element (an element
    that is an object or an array: some element containing it), anything else equal."""
    if isinstance(value, dict):
        if not value:  # {} is in every object
            return f"startsWith(ifNull({text.sql}, ''), '{{')", text.params
        return _all(
            _text_contains(text.step(str(key), as_index=False), item, encoder, depth)
            for key, item in value.items()
        )
    if isinstance(value, (list, tuple)):
        array = f"JSONExtractArrayRaw(ifNull({text.sql}, ''))"
        if not value:
            return f"startsWith(ifNull({text.sql}, ''), '[')", text.params
        parts = []
        for item in value:
            if isinstance(item, (dict, list, tuple)):
                element = f"_element{depth}"
                sql, params = _text_contains(
                    JSONText(element, (), indexed=True), item, encoder, depth + 1
                )
                parts.append(
                    (f"arrayExists({element} -> {sql}, {array})", (*params, *text.params))
                )
            else:
                sql, params = value_text(item, encoder, indexed=True)
                parts.append((f"has({array}, {sql})", (*text.params, *params)))
        return _all(parts)
    if value is None:
        raise NotSupportedError(
            "ClickHouse's JSON type does not keep null values, so contains cannot look for one"
        )
    return text.equals(value, encoder)


def _all(conditions) -> Sql:
    parts, params = [], []
    for sql, condition_params in conditions:
        parts.append(sql)
        params.extend(condition_params)
    return f"({' AND '.join(parts)})", tuple(params)


def _contained_by(lookup, compiler, connection) -> Sql:
    raise NotSupportedError(
        "contained_by is not supported on ClickHouse; filter with contains, has_key or "
        "key lookups instead"
    )


SPELLINGS: dict[type, Callable[..., Sql]] = {
    KeyTransform: _key_transform,
    KeyTextTransform: _key_text_transform,
    KeyTransformExact: _key_exact,
    JSONExact: _exact,
    KeyTransformIn: _key_in,
    In: _in,
    JSONIn: _in,
    KeyTransformIsNull: _is_null,
    KeyTransformLt: _comparison("<"),
    KeyTransformLte: _comparison("<="),
    KeyTransformGt: _comparison(">"),
    KeyTransformGte: _comparison(">="),
    HasKey: _has_keys,
    HasKeys: _has_keys,
    HasAnyKeys: _has_keys,
    DataContains: _contains,
    ContainedBy: _contained_by,
}

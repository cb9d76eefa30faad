"""Django expressions that ClickHouse spells differently, by class.

Django looks for an ``as_clickhouse()`` method on each expression; adding one to
Django's classes would change them for every database of the process. Instead
``SQLCompiler.compile()`` asks ``spelling(node)`` first.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import FieldError, FullResultSet
from django.db.models import (
    Aggregate,
    Avg,
    BooleanField,
    CharField,
    Count,
    DateTimeField,
    DecimalField,
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    StdDev,
    Sum,
    TimeField,
    Variance,
    lookups,
)
from django.db.models.expressions import Case, CombinedExpression, DurationExpression, Value
from django.db.models.functions import (
    MD5,
    SHA1,
    SHA224,
    SHA256,
    SHA384,
    SHA512,
    Cast,
    Chr,
    Coalesce,
    Cot,
    Greatest,
    JSONObject,
    Least,
    Left,
    Length,
    Log,
    Lower,
    LPad,
    LTrim,
    Mod,
    Now,
    Ord,
    Random,
    Repeat,
    Replace,
    Reverse,
    Right,
    RPad,
    RTrim,
    StrIndex,
    Substr,
    Trim,
    Trunc,
    TruncHour,
    TruncMinute,
    TruncSecond,
    Upper,
)
from django.db.models.functions.datetime import TruncBase
from django.db.models.functions.json import JSONArray
from django.db.models.functions.text import ConcatPair
from django.db.models.functions.window import CumeDist, FirstValue, Lag, LastValue, Lead, NthValue

from ..driver.escape import quote_string
from .id_columns import holds_generic_ids
from .json_paths import SPELLINGS as JSON_SPELLINGS

Spelling = Callable[..., tuple[str, tuple]]


def _random(node, compiler, connection) -> tuple[str, tuple]:
    """Django's RANDOM(): a float in [0, 1), as on other databases."""
    return "randCanonical()", ()


def _common_type(node: Func, compiler, connection) -> tuple[str, tuple]:
    """COALESCE, GREATEST and LEAST of different types (a Decimal sum and a float
    default): ClickHouse finds no common type for Decimal and Float64, nor for Decimals
    of different scales, so the arguments are cast to one type. A Decimal and a float
    meet as a float, as on PostgreSQL (Django makes the result a Decimal); Decimals of
    different scales as a Decimal of the result's scale and 38 digits, the precision a
    sum of the column may need. Other types are cast to the result's type."""
    target = node.output_field
    arguments = node.get_source_expressions()
    fields = [argument._output_field_or_none for argument in arguments]  # None: NULL
    cast = db_type = None
    if target.get_internal_type() != "DecimalField":
        db_type = target.cast_db_type(connection)
    elif any(field is not None and field.get_internal_type() == "FloatField" for field in fields):
        cast = "toFloat64({})"
    elif target.decimal_places is not None:
        cast = "toDecimal128({}, " + str(int(target.decimal_places)) + ")"
    parts, params = [], []
    for argument, field in zip(arguments, fields, strict=True):
        sql, argument_params = compiler.compile(argument)
        if cast:
            sql = cast.format(sql)
        elif db_type and field is not None and field.cast_db_type(connection) != db_type:
            sql = f"CAST({sql} AS Nullable({db_type}))"
        parts.append(sql)
        params.extend(argument_params)
    return f"{node.function.lower()}({', '.join(parts)})", tuple(params)


def _trunc(node: TruncBase, compiler, connection) -> tuple[str, tuple]:
    """A datetime truncated to a time (output_field=TimeField()) is truncated as the
    time of day it holds: the time functions work on TimeField text."""
    if isinstance(node.lhs.output_field, DateTimeField) and isinstance(
        node.output_field, TimeField
    ):
        sql, params = compiler.compile(node.lhs)
        tzname = node.get_tzname()
        sql, params = connection.ops.datetime_cast_time_sql(sql, tuple(params), tzname)
        return connection.ops.time_trunc_sql(node.kind, sql, params, tzname)
    return node.as_sql(compiler, connection)


def _cast(node: Cast, compiler, connection) -> tuple[str, tuple]:
    """Casts as Django means them where ClickHouse's CAST differs:

    - a datetime cast to a time is its time of day as TimeField text (HH:MM:SS.ffffff),
      not the whole datetime as text;
    - a cast to a decimal rounds half away from zero, as PostgreSQL does (3.467 to one
      place is 3.5), where ClickHouse truncates, and a float first becomes the shortest
      text that reads back as it (ClickHouse casts 0.29, which is 0.28999... in binary,
      to 0.28);
    - a cast to a CharField with a max_length keeps that many characters, as a cast to
      varchar(n) does;
    - a FixedString is cast without the NUL bytes that pad it."""
    value = node.source_expressions[0]
    source = value._output_field_or_none
    target = node.output_field
    if isinstance(source, DateTimeField) and isinstance(target, TimeField):
        sql, params = compiler.compile(value)
        return connection.ops.datetime_cast_time_sql(sql, params, None)
    if (
        isinstance(target, DecimalField)
        and isinstance(target.decimal_places, int)
        and not isinstance(source, (IntegerField, BooleanField))
    ):
        sql, params = compiler.compile(_unpadded(value, connection))
        if isinstance(source, FloatField):
            sql = f"toString({sql})"
        places = target.decimal_places
        exact = f"toDecimal256({sql}, {min(places + 1, _MAX_DECIMAL_DIGITS)})"
        return f"CAST(round({exact}, {places}) AS {target.cast_db_type(connection)})", params
    sql, params = _without_padding(node, connection).as_sql(compiler, connection)
    if isinstance(target, CharField) and isinstance(target.max_length, int):
        return f"leftUTF8({sql}, {target.max_length})", params
    return sql, params


# The digits of ClickHouse's widest decimal, Decimal256.
_MAX_DECIMAL_DIGITS = 76


def _case(node: Case, compiler, connection) -> tuple[str, tuple]:
    """A CASE of arrays, maps or tuples (``bulk_update()`` of such a field) whose ELSE is
    NULL: ClickHouse has no NULL container, so the ELSE is the type's default value."""
    default = node.default
    if isinstance(default, Value) and default.value is None:
        field = node._output_field_or_none
        column_type = field.db_type(connection) if field is not None else None
        if column_type and column_type.startswith(_CONTAINER_TYPES):
            node = node.copy()
            node.default = Func(
                Value(column_type), function="defaultValueOfTypeName", output_field=field
            )
    return node.as_sql(compiler, connection)


_CONTAINER_TYPES = ("Array(", "Map(", "Tuple(")


def _duration(node: DurationExpression, compiler, connection) -> tuple[str, tuple]:
    """A date or time plus or minus a duration (Int64 microseconds), or a duration
    times or divided by a number (a float's microseconds are rounded by timedelta())."""
    sides = []
    params: list = []
    temporal = None
    for side in (node.lhs, node.rhs):
        sql, side_params = compiler.compile(side)
        params.extend(side_params)
        internal_type = side.output_field.get_internal_type()
        if internal_type in ("DateField", "DateTimeField", "TimeField"):
            temporal = internal_type
            sql = connection.ops.temporal_as_datetime64(internal_type, sql)
        elif internal_type == "DurationField" and node.connector in ("+", "-"):
            sql = connection.ops.format_for_duration_arithmetic(sql)
        elif internal_type == "DecimalField":  # Decimal(P, 0) * microseconds overflows P
            sql = f"toFloat64({sql})"
        sides.append(sql)
    sql = f"({connection.ops.combine_duration_expression(node.connector, sides)})"
    if temporal == "TimeField":
        sql = connection.ops.datetime_cast_time_sql(sql, (), None)[0]
    return sql, tuple(params)


def _combined(node: CombinedExpression, compiler, connection) -> tuple[str, tuple]:
    """Division as on PostgreSQL. An integer divided by an integer is an integer
    (7 / 2 = 3, -7 / 2 = -3): ClickHouse's ``/`` always gives a float, and its intDiv()
    truncates towards zero the same way. A decimal quotient gets digits beyond its
    operands' scale (0.01 / 10 = 0.001): ClickHouse's ``/`` keeps the dividend's scale
    (0.00), its divideDecimal() takes the scale to give."""
    if node.connector != node.DIV:
        return node.as_sql(compiler, connection)
    output = node._output_field_or_none
    if not isinstance(output, (IntegerField, DecimalField)):
        return node.as_sql(compiler, connection)
    lhs, lhs_params = compiler.compile(node.lhs)
    rhs, rhs_params = compiler.compile(node.rhs)
    if isinstance(output, IntegerField):
        return f"intDiv({lhs}, {rhs})", (*lhs_params, *rhs_params)
    scales = [_decimal_places(side) for side in (node.lhs, node.rhs)]
    quotient_scale = min(max(scales) + _QUOTIENT_EXTRA_DIGITS, _MAX_QUOTIENT_SCALE)
    lhs, rhs = (
        f"toDecimal256({sql}, {scale})" for sql, scale in zip((lhs, rhs), scales, strict=True)
    )
    return (
        f"divideDecimal({lhs}, {rhs}, {quotient_scale})",
        (*lhs_params, *rhs_params),
    )


# PostgreSQL gives a quotient at least 16 significant digits; ClickHouse's Decimal256
# holds 76 digits, of which this scale leaves 38 before the point.
_QUOTIENT_EXTRA_DIGITS = 16
_MAX_QUOTIENT_SCALE = 38


def _decimal_places(expression) -> int:
    """The scale a side of a division is taken at: a decimal's own, none for an
    integer, and for anything else (a float) as many digits as a quotient gets."""
    try:
        field = expression._output_field_or_none
    except FieldError:  # mixed types without an output_field of their own
        field = None
    if isinstance(field, IntegerField):
        return 0
    places = getattr(field, "decimal_places", None)
    return places if isinstance(places, int) else _QUOTIENT_EXTRA_DIGITS


def _nullable_value(function: str | None = None) -> Spelling:
    """LAG, LEAD, NTH_VALUE, FIRST_VALUE and LAST_VALUE are NULL where the row they
    name is outside the partition or the frame; ClickHouse's give the type's default
    (0, '') there unless the value is Nullable, so it is made Nullable. FIRST_VALUE and
    LAST_VALUE also skip NULLs in ClickHouse: their ``_respect_nulls`` forms do not.
    Arrays, maps and tuples cannot be Nullable and keep their empty default."""

    def spell(node: Func, compiler, connection) -> tuple[str, tuple]:
        value, *rest = node.get_source_expressions()
        field = value._output_field_or_none
        if field is None or not (field.db_type(connection) or "").startswith(_CONTAINER_TYPES):
            node = node.copy()
            node.set_source_expressions(
                [Func(value, function="toNullable", output_field=field), *rest]
            )
        return node.as_sql(compiler, connection, function=function or node.function)

    return spell


def _is_fixed_string(expression, connection) -> bool:
    field = getattr(expression, "_output_field_or_none", None)
    return field is not None and "FixedString(" in (field.db_type(connection) or "")


def _unpadded(expression, connection):
    """A FixedString as the text it reads back as, without the NUL bytes that pad it;
    other expressions as they are."""
    if _is_fixed_string(expression, connection):
        return Func(expression, template=_UNPADDED, output_field=CharField())
    return expression


def _without_padding(node, connection):
    """The node with its FixedString arguments as their text without padding: Django's
    text functions see the value the field reads back, so ``Length`` of 'ab' in a
    FixedString(4) is 2, not 4."""
    sources = node.get_source_expressions()
    unpadded = [_unpadded(source, connection) for source in sources]
    if all(new is old for new, old in zip(unpadded, sources, strict=True)):
        return node
    node = node.copy()
    node.set_source_expressions(unpadded)
    return node


_UNPADDED = "trimRight(%(expressions)s, '\\0')"


def _text(function: str | None = None) -> Spelling:
    """A text function on text without FixedString padding, under ClickHouse's name
    for it when that differs: LENGTH, LOWER, SUBSTRING ... count bytes and change
    ASCII only in ClickHouse, where Django's count characters and change every
    letter, as their UTF8 variants do."""

    def spell(node: Func, compiler, connection) -> tuple[str, tuple]:
        node = _without_padding(node, connection)
        return node.as_sql(compiler, connection, function=function or node.function)

    return spell


def _named(function: str) -> Spelling:
    """A function ClickHouse knows under another name (CUME_DIST only in lower case)."""

    def spell(node: Func, compiler, connection) -> tuple[str, tuple]:
        return node.as_sql(compiler, connection, function=function)

    return spell


def _now(node: Now, compiler, connection) -> tuple[str, tuple]:
    """The current time to the microsecond, as Django's other backends give it
    (ClickHouse's CURRENT_TIMESTAMP is whole seconds). With USE_TZ = False, datetimes
    are stored as their wall-clock time in TIME_ZONE marked UTC, and so is this."""
    if settings.USE_TZ:
        return "now64(6, 'UTC')", ()
    if settings.TIME_ZONE is None:
        return "toDateTime64(toString(now64(6)), 6, 'UTC')", ()
    return "toDateTime64(toString(now64(6, %s)), 6, 'UTC')", (settings.TIME_ZONE,)


def _cot(node: Cot, compiler, connection) -> tuple[str, tuple]:
    """ClickHouse has no cotangent: it is 1 / tan(x)."""
    sql, params = compiler.compile(node.lhs)
    return f"(1 / tan({sql}))", params


def _log(node: Log, compiler, connection) -> tuple[str, tuple]:
    """Django's LOG(b, x), the logarithm of x to the base b; ClickHouse's log() takes
    one argument (the natural logarithm)."""
    (base, base_params), (value, value_params) = (
        compiler.compile(argument) for argument in node.get_source_expressions()
    )
    return f"(log({value}) / log({base}))", (*value_params, *base_params)


def _mod(node: Mod, compiler, connection) -> tuple[str, tuple]:
    """The remainder of decimals of different scales: ClickHouse's modulo() refuses a
    divisor with more decimal places than the dividend, so both are taken at the
    larger scale."""
    if not isinstance(node._output_field_or_none, DecimalField):
        return node.as_sql(compiler, connection)
    arguments = node.get_source_expressions()
    places = max(_decimal_places(argument) for argument in arguments)
    parts, params = [], []
    for argument in arguments:
        sql, argument_params = compiler.compile(argument)
        parts.append(f"toDecimal128({sql}, {places})")
        params.extend(argument_params)
    return f"modulo({', '.join(parts)})", tuple(params)


def _chr(node: Chr, compiler, connection) -> tuple[str, tuple]:
    """The character of a Unicode code point, in UTF-8 (ClickHouse's char() makes a
    byte of each number): an XML character reference, decoded."""
    sql, params = compiler.compile(node.lhs)
    return f"decodeXMLComponent(concat('&#', toString({sql}), ';'))", params


def _json_text(expression, compiler, connection) -> tuple[str, tuple]:
    """An element of a JSON array or object as JSON text: a nested JSONArray or
    JSONObject is that text already; SQL NULL is JSON null."""
    sql, params = compiler.compile(_unpadded(expression, connection))
    if isinstance(expression, (JSONArray, JSONObject)):
        return sql, params
    return f"ifNull(toJSONString({sql}), 'null')", params


def _json_array(node: JSONArray, compiler, connection) -> tuple[str, tuple]:
    """JSON_ARRAY(a, b, ...) as the text of a JSON array: ClickHouse has no such
    function, and an array of its own holds one type."""
    parts, params = [], []
    for element in node.get_source_expressions():
        sql, element_params = _json_text(element, compiler, connection)
        parts.append(sql)
        params.extend(element_params)
    return _json_concat("[", parts, "]"), tuple(params)


def _json_object(node: JSONObject, compiler, connection) -> tuple[str, tuple]:
    """JSON_OBJECT(key, value, ...) as the text of a JSON object; each key is written
    as JSON text by ClickHouse from a parameter."""
    parts, params = [], []
    sources = node.get_source_expressions()
    for key, value in zip(sources[::2], sources[1::2], strict=True):
        key_sql, key_params = compiler.compile(key)
        value_sql, value_params = _json_text(value, compiler, connection)
        parts.append(f"toJSONString({key_sql}), ':', {value_sql}")
        params.extend((*key_params, *value_params))
    return _json_concat("{", parts, "}"), tuple(params)


def _json_concat(opening: str, parts: list[str], closing: str) -> str:
    """The SQL text of ``opening``, the parts separated by commas, and ``closing``."""
    separated = ", ',', ".join(parts)
    if not parts:
        return quote_string(opening + closing)
    return f"concat({quote_string(opening)}, {separated}, {quote_string(closing)})"


def _hex_digest(node: Func, compiler, connection) -> tuple[str, tuple]:
    """MD5() and SHA*() give raw bytes in ClickHouse; Django's give lowercase hex."""
    sql, params = _without_padding(node, connection).as_sql(compiler, connection)
    return f"lower(hex({sql}))", params


def _concat_pair(node: ConcatPair, compiler, connection) -> tuple[str, tuple]:
    """Concat() joins the text of its arguments and skips NULLs in Django; ClickHouse's
    concat() of a NULL is NULL, so each argument is its text or ''."""
    parts, params = [], []
    for part in _without_padding(node, connection).get_source_expressions():
        sql, part_params = compiler.compile(part)
        parts.append(f"ifNull(toString({sql}), '')")
        params.extend(part_params)
    return f"concat({', '.join(parts)})", tuple(params)


def _aggregate(node: Aggregate, compiler, connection) -> tuple[str, tuple]:
    """Django's aggregates with ``filter=`` as ClickHouse's -If combinator
    (``sumIf(x, condition)``), with ``distinct=True`` as ``uniqExact`` (Count: exact, and
    blind to NULLs, as COUNT(DISTINCT) is, whatever the session's
    count_distinct_implementation) or the -Distinct combinator (``sumDistinct``,
    ``avgDistinct``). ClickHouse would rewrite Django's ``SUM(x) FILTER (WHERE c)`` and
    ``COUNT(DISTINCT x)`` to much the same, but the statement says what runs."""
    condition = getattr(node.filter, "condition", node.filter)  # Django 6 wraps it
    function = _AGGREGATE_NAMES.get(node.function)
    if function is None or (condition is None and not node.distinct):
        return node.as_sql(compiler, connection)
    if node.distinct:
        function = "uniqExact" if function == "count" else f"{function}Distinct"
    arguments, params = [], []
    for argument in Func.get_source_expressions(node):  # without filter and ordering
        sql, argument_params = compiler.compile(argument)
        arguments.append(sql)
        params.extend(argument_params)
    if condition is not None:
        try:
            sql, condition_params = compiler.compile(condition)
        except FullResultSet:  # a filter that keeps every row
            pass
        else:
            function += "If"
            arguments.append(sql)
            params.extend(condition_params)
    return f"{function}({', '.join(arguments)})", tuple(params)


# Django's aggregate functions by ClickHouse's names of them (the combinators' stems).
_AGGREGATE_NAMES = {
    "COUNT": "count",
    "SUM": "sum",
    "AVG": "avg",
    "MIN": "min",
    "MAX": "max",
    "STDDEV_POP": "stddevPop",
    "STDDEV_SAMP": "stddevSamp",
    "VAR_POP": "varPop",
    "VAR_SAMP": "varSamp",
}


# Django's integer lookups that answer "nothing" for a value out of the field's range
# (IntegerFieldOverflow), and the same lookups without that check.
_UNCHECKED_INTEGER_LOOKUPS = {
    lookups.IntegerFieldExact: lookups.Exact,
    lookups.IntegerGreaterThan: lookups.GreaterThan,
    lookups.IntegerGreaterThanOrEqual: lookups.GreaterThanOrEqual,
    lookups.IntegerLessThan: lookups.LessThan,
    lookups.IntegerLessThanOrEqual: lookups.LessThanOrEqual,
}


def _integer_lookup(node, compiler, connection) -> tuple[str, tuple]:
    """A GenericForeignKey's object_id holds 64-bit ids here (id_columns.py), beyond
    the range Django knows of its field: such a value is compared, not ruled out."""
    if holds_generic_ids(getattr(node.lhs, "output_field", None)):
        node = _UNCHECKED_INTEGER_LOOKUPS[type(node)](node.lhs, node.rhs)
        return compiler.compile(node)
    return node.as_sql(compiler, connection)


_SPELLINGS: dict[type, Spelling] = {
    Count: _aggregate,
    Sum: _aggregate,
    Avg: _aggregate,
    Min: _aggregate,
    Max: _aggregate,
    StdDev: _aggregate,
    Variance: _aggregate,
    Length: _text("lengthUTF8"),
    Lower: _text("lowerUTF8"),
    Upper: _text("upperUTF8"),
    Substr: _text("substringUTF8"),
    StrIndex: _text("positionUTF8"),
    Reverse: _text("reverseUTF8"),
    Left: _text("leftUTF8"),
    Right: _text("rightUTF8"),
    LPad: _text("leftPadUTF8"),
    RPad: _text("rightPadUTF8"),
    Trim: _text(),
    LTrim: _text(),
    RTrim: _text(),
    Replace: _text(),
    Repeat: _text(),
    Ord: _text(),
    MD5: _hex_digest,
    SHA1: _hex_digest,
    SHA224: _hex_digest,
    SHA256: _hex_digest,
    SHA384: _hex_digest,
    SHA512: _hex_digest,
    ConcatPair: _concat_pair,
    CombinedExpression: _combined,
    Random: _random,
    Cast: _cast,
    Trunc: _trunc,
    TruncHour: _trunc,
    TruncMinute: _trunc,
    TruncSecond: _trunc,
    Coalesce: _common_type,
    Greatest: _common_type,
    Least: _common_type,
    DurationExpression: _duration,
    Case: _case,
    Lag: _nullable_value(),
    Lead: _nullable_value(),
    NthValue: _nullable_value(),
    FirstValue: _nullable_value("first_value_respect_nulls"),
    LastValue: _nullable_value("last_value_respect_nulls"),
    CumeDist: _named("cume_dist"),
    Now: _now,
    Cot: _cot,
    Log: _log,
    Mod: _mod,
    Chr: _chr,
    JSONArray: _json_array,
    JSONObject: _json_object,
    **JSON_SPELLINGS,
    **dict.fromkeys(_UNCHECKED_INTEGER_LOOKUPS, _integer_lookup),
}


def spelling(node) -> Spelling | None:
    """How ClickHouse spells this expression, when Django's own SQL would not do."""
    return _SPELLINGS.get(type(node))

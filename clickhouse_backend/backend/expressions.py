"""Django expressions that ClickHouse spells differently, by class.

Django looks for an ``as_clickhouse()`` method on each expression; adding one to
Django's classes would change them for every database of the process. Instead
``SQLCompiler.compile()`` asks ``spelling(node)`` first.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import FieldError, FullResultSet
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DateTimeField,
    DecimalField,
    Func,
    IntegerField,
    Max,
    Min,
    StdDev,
    Sum,
    TimeField,
    Variance,
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
    Coalesce,
    Greatest,
    Least,
    Left,
    Length,
    Lower,
    LPad,
    Random,
    Reverse,
    Right,
    RPad,
    StrIndex,
    Substr,
    Trunc,
    TruncHour,
    TruncMinute,
    TruncSecond,
    Upper,
)
from django.db.models.functions.datetime import TruncBase
from django.db.models.functions.text import ConcatPair

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
    """A datetime cast to a time is its time of day as TimeField text (HH:MM:SS.ffffff),
    not the whole datetime as text; other casts are Django's."""
    source = node.source_expressions[0]._output_field_or_none
    if isinstance(source, DateTimeField) and isinstance(node.output_field, TimeField):
        sql, params = compiler.compile(node.source_expressions[0])
        return connection.ops.datetime_cast_time_sql(sql, params, None)
    return node.as_sql(compiler, connection)


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


def _in_characters(function: str) -> Spelling:
    """ClickHouse's LENGTH, LOWER, SUBSTRING ... count bytes and change ASCII only;
    Django's count characters and change every letter, as their UTF8 variants do."""

    def spell(node: Func, compiler, connection) -> tuple[str, tuple]:
        return node.as_sql(compiler, connection, function=function)

    return spell


def _hex_digest(node: Func, compiler, connection) -> tuple[str, tuple]:
    """MD5() and SHA*() give raw bytes in ClickHouse; Django's give lowercase hex."""
    sql, params = node.as_sql(compiler, connection)
    return f"lower(hex({sql}))", params


def _concat_pair(node: ConcatPair, compiler, connection) -> tuple[str, tuple]:
    """Concat() joins the text of its arguments and skips NULLs in Django; ClickHouse's
    concat() of a NULL is NULL, so each argument is its text or ''."""
    parts, params = [], []
    for part in node.get_source_expressions():
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


_SPELLINGS: dict[type, Spelling] = {
    Count: _aggregate,
    Sum: _aggregate,
    Avg: _aggregate,
    Min: _aggregate,
    Max: _aggregate,
    StdDev: _aggregate,
    Variance: _aggregate,
    Length: _in_characters("lengthUTF8"),
    Lower: _in_characters("lowerUTF8"),
    Upper: _in_characters("upperUTF8"),
    Substr: _in_characters("substringUTF8"),
    StrIndex: _in_characters("positionUTF8"),
    Reverse: _in_characters("reverseUTF8"),
    Left: _in_characters("leftUTF8"),
    Right: _in_characters("rightUTF8"),
    LPad: _in_characters("leftPadUTF8"),
    RPad: _in_characters("rightPadUTF8"),
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
    **JSON_SPELLINGS,
}


def spelling(node) -> Spelling | None:
    """How ClickHouse spells this expression, when Django's own SQL would not do."""
    return _SPELLINGS.get(type(node))

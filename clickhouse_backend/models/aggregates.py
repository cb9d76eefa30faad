"""ClickHouse aggregate functions as Django aggregates, for ``annotate()`` and
``aggregate()``, under their ClickHouse names.

Django has no percentile or approximate-distinct aggregate; ClickHouse answers both in
one pass over millions of rows, which is why analytics on it use them constantly.

``filter=`` works with each: ClickHouse reads ``agg(x) FILTER (WHERE c)`` as its ``-If``
combinator, ``aggIf(x, c)``. ``distinct=True`` is taken where it means something
(``uniq``, ``groupArray``, the quantiles: ClickHouse's ``-Distinct`` combinator), and
refused with Django's error elsewhere. Parameters ClickHouse takes as literals
(``quantile(0.9)(x)``, ``topK(10)(x)``) are checked numbers, written as such.
"""

# Classes are named as ClickHouse names its functions, not in CapWords.
# ruff: noqa: N801

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, DateField, DecimalField, Field, FloatField
from django.db.models.expressions import Star

from .fields import ArrayField, UInt64Field
from .functions.base import NamedAfterClass
from .functions.literals import quantile_level, whole_number

__all__ = [
    "Quantile",
    "Uniq",
    "any",
    "anyLast",
    "argMax",
    "argMin",
    "groupArray",
    "groupUniqArray",
    "quantile",
    "quantileExact",
    "quantiles",
    "topK",
    "uniq",
    "uniqCombined",
    "uniqCombined64",
    "uniqExact",
    "uniqHLL12",
    "uniqTheta",
]


class ClickHouseAggregate(NamedAfterClass, Aggregate):
    """An aggregate under its ClickHouse name; results are named after it too
    (``aggregate(uniq("x"))`` gives ``x__uniq``)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__


class ParametricAggregate(ClickHouseAggregate):
    """``function(parameters)(arguments)``: ``parameters()`` are checked numbers.

    They go in the function-name slot of Django's own template, so ``distinct=``,
    ``filter=`` and whatever else a Django version adds to that template apply as they
    do to any aggregate."""

    def parameters(self) -> tuple[int | float, ...]:
        raise NotImplementedError(f"{type(self).__name__} must give its parameters")

    def as_sql(self, compiler, connection, **extra_context: Any) -> tuple[str, tuple]:
        if parameters := self.parameters():  # no parameters, no empty parentheses
            function = extra_context.get("function", self.function)
            extra_context["function"] = f"{function}({', '.join(map(repr, parameters))})"
        return super().as_sql(compiler, connection, **extra_context)

    def _get_repr_options(self) -> dict[str, Any]:
        return {**super()._get_repr_options(), "parameters": self.parameters()}


class FirstArgumentType(ClickHouseAggregate):
    """An aggregate whose result is one of the values of its first argument."""

    def _resolve_output_field(self) -> Field:
        return self.get_source_fields()[0]


class ArrayOfArgument(ClickHouseAggregate):
    """An aggregate whose result is an array of its argument's values ([] for no rows,
    as ClickHouse gives it)."""

    def _resolve_output_field(self) -> ArrayField:
        return ArrayField(self.get_source_fields()[0])

    @property
    def empty_result_set_value(self) -> list:
        return []


# -- how many distinct values -----------------------------------------------------------


def _is_star(argument: Any) -> bool:
    return isinstance(argument, str) and argument == "*"


class uniq(ClickHouseAggregate):
    """The approximate number of distinct values (an adaptive sample: exact up to 65536
    values, about 1% off beyond), much cheaper than ``Count(x, distinct=True)``.

    Takes one or more expressions (distinct combinations), or ``"*"`` for whole rows.
    """

    output_field = UInt64Field()
    allow_distinct = True
    empty_result_set_value = 0

    def __init__(self, *expressions: Any, **extra: Any) -> None:
        expressions = tuple(Star() if _is_star(item) else item for item in expressions)
        super().__init__(*expressions, **extra)


class NullForNothing(uniq):
    """A count ClickHouse makes NULL for no rows (``aggregate_functions_null_for_empty``
    spares ``uniq`` and ``uniqExact``, not these), made 0 again, as Django's counts are.
    ``ifNull(...) OVER`` is no window function, so Django refuses these in a Window."""

    window_compatible = False

    def as_sql(self, compiler, connection, **extra_context: Any) -> tuple[str, tuple]:
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return f"ifNull({sql}, 0)", params


class uniqExact(uniq):
    """The exact number of distinct values (memory grows with them)."""


class uniqCombined(NullForNothing):
    """An approximate number of distinct values: exact for few, HyperLogLog for many;
    more accurate than ``uniq`` in less memory."""


class uniqCombined64(NullForNothing):
    """``uniqCombined`` with a 64-bit hash, for far more than 2**32 distinct values."""


class uniqHLL12(uniq):
    """HyperLogLog with 2**12 cells; ``uniq`` or ``uniqCombined`` are usually better."""


class uniqTheta(NullForNothing):
    """A Theta sketch of the distinct values (servers built with DataSketches; not the
    embedded engine)."""


Uniq = uniq


# -- one of the values --------------------------------------------------------------------


class any(FirstArgumentType):
    """The first value met, in no defined order (NULLs skipped): a value of a column
    that is the same on every row of a group, without grouping by it.

    ``from clickhouse_backend.models import *`` would hide Python's ``any()``; prefer
    ``models.any``. Given what only Python's ``any()`` takes, it says so.
    """

    arity = 1

    def __init__(self, expression: Any, **extra: Any) -> None:
        if not isinstance(expression, str) and not hasattr(expression, "resolve_expression"):
            raise TypeError(
                "any() here is ClickHouse's aggregate and takes a field name or an "
                f"expression, not {type(expression).__name__}; is Python's built-in any() "
                "meant? (from clickhouse_backend.models import * hides it.)"
            )
        super().__init__(expression, **extra)


class anyLast(FirstArgumentType):
    """The last value met, in no defined order."""

    arity = 1


class argMax(FirstArgumentType):
    """``argMax(argument, value)``: the argument on the row with the largest value."""

    arity = 2


class argMin(FirstArgumentType):
    """``argMin(argument, value)``: the argument on the row with the smallest value."""

    arity = 2


# -- arrays of values ---------------------------------------------------------------------


class groupArray(ArrayOfArgument, ParametricAggregate):
    """The values as a list, in no defined order (NULLs skipped); at most ``max_size``."""

    allow_distinct = True

    def __init__(self, expression: Any, max_size: int | None = None, **extra: Any) -> None:
        if max_size is not None:
            max_size = whole_number(self.name, "max_size", max_size, 1, 2**64 - 1)
        self.max_size = max_size
        super().__init__(expression, **extra)

    def parameters(self) -> tuple[int, ...]:
        return () if self.max_size is None else (self.max_size,)


class groupUniqArray(groupArray):
    """The distinct values as a list, in no defined order; at most ``max_size``."""

    allow_distinct = False


class topK(ArrayOfArgument, ParametricAggregate):
    """The ``k`` most frequent values (approximately: Filtered Space-Saving), most
    frequent first."""

    def __init__(self, expression: Any, k: int = 10, **extra: Any) -> None:
        self.k = whole_number("topK", "k", k, 1, 2**24 - 1)
        super().__init__(expression, **extra)

    def parameters(self) -> tuple[int]:
        return (self.k,)


# -- quantiles ------------------------------------------------------------------------------


def quantile_field(source: Field) -> Field:
    """What a quantile of these values is: a float for numbers, as ClickHouse computes
    it, but a date, datetime or decimal of the values' own type."""
    if isinstance(source, DateField | DecimalField):
        return source
    return FloatField()


class quantile(ParametricAggregate):
    """``quantile(level)(x)``: an approximate quantile (reservoir sampling, exact below
    8192 values). ``quantile("port", 0.95)`` is the 95th percentile."""

    allow_distinct = True

    def __init__(self, expression: Any, level: float = 0.5, **extra: Any) -> None:
        self.level = quantile_level(level)
        super().__init__(expression, **extra)

    def parameters(self) -> tuple[float]:
        return (self.level,)

    def _resolve_output_field(self) -> Field:
        return quantile_field(self.get_source_fields()[0])


Quantile = quantile


class quantileExact(quantile):
    """The exact quantile: one of the values (memory grows with them), of their type."""

    def _resolve_output_field(self) -> Field:
        return self.get_source_fields()[0]


class quantiles(ParametricAggregate):
    """``quantiles("x", 0.1, 0.5, 0.9)``: several approximate quantiles in one pass,
    as a list in the order of the levels (NaN each, for no rows)."""

    allow_distinct = True

    def __init__(self, expression: Any, *levels: float, **extra: Any) -> None:
        if not levels:
            raise ValueError("quantiles() needs at least one level.")
        self.levels = tuple(map(quantile_level, levels))
        super().__init__(expression, **extra)

    def parameters(self) -> tuple[float, ...]:
        return self.levels

    def _resolve_output_field(self) -> ArrayField:
        return ArrayField(quantile_field(self.get_source_fields()[0]))

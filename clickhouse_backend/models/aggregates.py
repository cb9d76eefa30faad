"""ClickHouse aggregate functions as Django aggregates, for ``annotate()`` and ``aggregate()``.

Django has no percentile or approximate-distinct aggregate; ClickHouse answers both in
one pass over millions of rows, which is why analytics on it use them constantly.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, FloatField, PositiveBigIntegerField

__all__ = ["Quantile", "Uniq"]


class Quantile(Aggregate):
    """``quantile(level)(expression)``: an approximate quantile (reservoir sampling).

    ``Quantile("port", 0.95)`` is the 95th percentile. ClickHouse takes the level as a
    literal parameter of the function, not an argument, so it is checked here and
    written into the SQL as a number.
    """

    function = "quantile"
    name = "Quantile"
    output_field = FloatField()
    template = "%(function)s(%(level)r)(%(distinct)s%(expressions)s)"

    def __init__(self, expression: Any, level: float = 0.5, **extra: Any) -> None:
        if isinstance(level, bool) or not isinstance(level, int | float) or not 0 <= level <= 1:
            raise ValueError(f"Quantile level must be a number from 0 to 1, not {level!r}.")
        super().__init__(expression, level=float(level), **extra)

    def _get_repr_options(self) -> dict[str, Any]:
        return {**super()._get_repr_options(), "level": self.extra["level"]}


class Uniq(Aggregate):
    """``uniq(expression)``: the approximate number of distinct values (a few % error),
    much cheaper than ``Count(expression, distinct=True)`` on large tables."""

    function = "uniq"
    name = "Uniq"
    output_field = PositiveBigIntegerField()
    empty_result_set_value = 0
    allow_distinct = False

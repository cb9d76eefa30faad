"""ClickHouse's query clauses as QuerySet methods: ``settings()``, ``prewhere()``,
``final()``, ``sample()``, ``limit_by()``, ``array_join()``, ``with_totals()`` (and
``totals``), ``with_rollup()``, ``with_cube()`` and ``explain(kind)``.

Every ``ClickhouseModel`` has them on ``objects``; a plain ``models.Model`` routed to
ClickHouse gets them by declaring ``objects = ClickhouseManager()``. Each returns a new
QuerySet, in any order with filter(), exclude(), annotate(), values(), order_by() and the
others; docs/queries.md shows the SQL each writes.
"""

from __future__ import annotations

import numbers
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db import NotSupportedError
from django.db.models import F, Q
from django.db.models import QuerySet as DjangoQuerySet
from django.db.models.manager import BaseManager

from ..driver import check_settings
from ..driver.exceptions import ProgrammingError
from .engines import BaseMergeTree, Buffer, Distributed, Merge, MergeTree
from .sql.query import CUBE, ROLLUP, TOTALS, LimitBy, Query, Sample

__all__ = ["ClickhouseManager", "QuerySet"]


class QuerySet(DjangoQuerySet):
    """Django's QuerySet with ClickHouse's clauses; its query is ``sql.query.Query``."""

    def __init__(self, model=None, query=None, using=None, hints=None):
        super().__init__(model, query if query is not None else Query(model), using, hints)

    # -- SETTINGS -----------------------------------------------------------------------

    def settings(self, **settings: Any) -> QuerySet:
        """``SETTINGS name = value, ...`` on the statement: the SELECT, or the mutation of
        a following update() or delete(). A name given None is dropped again. Names are
        checked as the driver checks them; ClickHouse refuses a name it does not know,
        saying so, when the statement runs."""
        try:
            check_settings({name: value for name, value in settings.items()})
        except ProgrammingError as error:
            raise ValueError(f"settings(): {error}") from None
        clone = self._chain()
        query = clone._clickhouse_query("settings")
        for name, value in settings.items():
            if value is None:
                query.clickhouse_settings.pop(name, None)
            else:
                query.clickhouse_settings[name] = value
        return clone

    # -- clauses of the FROM part -----------------------------------------------------------

    def prewhere(self, *args: Any, **kwargs: Any) -> QuerySet:
        """Conditions in ``PREWHERE``, with the lookups filter() takes: read first, and
        only the rows they keep are read further. ANDed to earlier ones."""
        self._refuse_after("prewhere")
        clone = self._chain()
        clone._clickhouse_query("prewhere").add_prewhere(Q(*args, **kwargs))
        return clone

    def final(self) -> QuerySet:
        """``FROM table FINAL``: rows as the table's engine leaves them once every part
        is merged (a ReplacingMergeTree's latest version of each key, ...)."""
        self._refuse_after("final")
        refusal = _final_refusal(self.model)
        if refusal:
            raise NotSupportedError(refusal)
        clone = self._chain()
        clone._clickhouse_query("final").modify_table(final=True)
        return clone

    def sample(self, ratio: Any, offset: Any = None) -> QuerySet:
        """``SAMPLE ratio [OFFSET offset]``: a deterministic part of the rows, chosen by
        the table's sampling key. ``ratio`` is a fraction in (0, 1] (a float, Fraction or
        Decimal) or a whole number of rows (at least 1); ``offset``, a fraction in [0, 1),
        skips that part of the sampling key's range first."""
        self._refuse_after("sample")
        refusal = _sample_refusal(self.model)
        if refusal:
            raise NotSupportedError(refusal)
        sample = Sample(_sample_ratio(ratio, offset), _sample_offset(offset))
        clone = self._chain()
        clone._clickhouse_query("sample").modify_table(sample=sample)
        return clone

    def array_join(self, *fields: str, left: bool = False, **arrays: Any) -> QuerySet:
        """``ARRAY JOIN``: a row for each element of the arrays, the element named by
        the keyword (``array_join(tag="tags")``) or, for a field given by name,
        ``<field>_element`` (``array_join("tags")`` names it ``tags_element``). The
        names are annotations, for filter(), values(), annotate(), order_by() ...

        Arrays of one call are unrolled side by side (of equal length); each call
        multiplies the rows again. ``left=True`` (``LEFT ARRAY JOIN``) keeps a row with
        an empty array, its element the type's default value.
        """
        self._refuse_after("array_join")
        named: dict[str, Any] = {}
        for field in fields:
            if not isinstance(field, str):
                raise TypeError(
                    f"array_join() takes field names, or expressions by keyword "
                    f"(array_join(name=...)); got {field!r}"
                )
            named[f"{field.replace('__', '_')}_element"] = F(field)
        for alias, array in arrays.items():
            named[alias] = F(array) if isinstance(array, str) else array
        if not named:
            raise TypeError("array_join() needs at least one array")
        clone = self._chain()
        clone._clickhouse_query("array_join").add_array_join(named, bool(left))
        return clone

    # -- clauses after ORDER BY and GROUP BY --------------------------------------------------

    def limit_by(self, limit: int, *fields: Any, offset: int = 0) -> QuerySet:
        """``LIMIT limit [OFFSET offset] BY fields``: at most ``limit`` rows (after
        ``offset``) for each distinct value of ``fields``, the first ones in the order of
        order_by(). Fields are names (of fields, annotations, values()) or expressions."""
        self._refuse_after("limit_by")
        limit = _count("limit_by()", "limit", limit)
        offset = _count("limit_by()", "offset", offset)
        if not fields:
            raise TypeError("limit_by() needs at least one field to limit rows by")
        for field in fields:
            if not isinstance(field, str) and not hasattr(field, "resolve_expression"):
                raise TypeError(f"limit_by() takes field names or expressions, not {field!r}")
        clone = self._chain()
        clone._clickhouse_query("limit_by").limit_by = LimitBy(limit, offset, tuple(fields))
        return clone

    def with_totals(self) -> QuerySet:
        """The aggregates over every group together, besides the groups:
        ``values(...).annotate(<aggregates>).with_totals()``. Once the rows are read,
        ``totals`` is a dict of the aggregate annotations for all the rows the query's
        filters keep (HAVING filters and slices leave them whole)."""
        return self._group_by_modifier("with_totals", TOTALS)

    def with_rollup(self) -> QuerySet:
        """``GROUP BY ROLLUP(...)``: besides each group, a row of subtotals for each
        prefix of the grouping keys (in the order values() names them) and a grand
        total, the keys rolled up being None."""
        return self._group_by_modifier("with_rollup", ROLLUP)

    def with_cube(self) -> QuerySet:
        """``GROUP BY CUBE(...)``: subtotals for every combination of the grouping keys,
        the keys summed over being None."""
        return self._group_by_modifier("with_cube", CUBE)

    @property
    def totals(self) -> dict[str, Any]:
        """with_totals()'s aggregates over every row, read with the rows."""
        query = self.query
        if not isinstance(query, Query) or query.group_by_modifier != TOTALS:
            raise TypeError("totals are read by a queryset made with with_totals()")
        self._fetch_all()
        return query.totals

    # -- EXPLAIN ----------------------------------------------------------------------------

    def explain(self, kind: str | None = None, *, format=None, **options: Any) -> str:
        """ClickHouse's ``EXPLAIN kind``: ``"PLAN"`` (the default), ``"PIPELINE"``,
        ``"SYNTAX"``, ``"ESTIMATE"``, ``"AST"`` or ``"QUERY TREE"``; ``type=`` is taken for
        ``kind`` too (django-clickhouse-backend's name). Options are EXPLAIN's own
        (``indexes=True``, ``actions=True``, ``header=True`` ...); ``format="json"`` asks
        for a plan as JSON."""
        if "type" in options:
            kind = options.pop("type") if kind is None else kind
        return self._clickhouse_query("explain").explain(
            using=self.db, format=format, kind=kind, **options
        )

    async def aexplain(self, kind: str | None = None, *, format=None, **options: Any) -> str:
        from asgiref.sync import sync_to_async

        return await sync_to_async(self.explain)(kind, format=format, **options)

    # -- update() and delete() --------------------------------------------------------------

    def update(self, **kwargs: Any) -> int:
        """Django's, with the PREWHERE conditions in the mutation's WHERE and the
        settings kept for its statement; read-only clauses refused."""
        return super(QuerySet, self._for_edit("update")).update(**kwargs)

    update.alters_data = True

    def _update(self, values):
        return super(QuerySet, self._for_edit("update"))._update(values)

    _update.alters_data = True
    _update.queryset_only = False

    def delete(self):
        """As update() takes the clauses."""
        result = super(QuerySet, self._for_edit("delete")).delete()
        self._result_cache = None
        return result

    delete.alters_data = True
    delete.queryset_only = True

    # -- helpers ------------------------------------------------------------------------------

    def _clickhouse_query(self, method: str) -> Query:
        if not isinstance(self.query, Query):
            raise TypeError(
                f"{method}() needs this backend's sql.query.Query; this queryset was "
                f"made with {type(self.query).__name__}"
            )
        return self.query

    def _refuse_after(self, method: str) -> None:
        self._not_support_combined_queries(method)
        if self.query.is_sliced:
            raise TypeError(f"Cannot call {method}() once a slice has been taken.")

    def _group_by_modifier(self, method: str, modifier: str) -> QuerySet:
        self._refuse_after(method)
        current = getattr(self.query, "group_by_modifier", None)
        if current not in (None, modifier):
            raise ValueError(
                f"{method}() cannot follow with_{current.lower()}(): a query has one of "
                "with_totals(), with_rollup() and with_cube()"
            )
        clone = self._chain()
        clone._clickhouse_query(method).group_by_modifier = modifier
        return clone

    def _for_edit(self, operation: str) -> QuerySet:
        """This queryset as update() or delete() takes it: PREWHERE conditions in its
        WHERE (a mutation has no PREWHERE); clauses that only shape a read refused."""
        query = self.query
        if not isinstance(query, Query):
            return self
        clauses = query.read_clauses()
        if clauses:
            raise NotSupportedError(
                f"{operation}() changes the rows its filters match; "
                f"{', '.join(clauses)} only shape{'s' if len(clauses) == 1 else ''} "
                f"what a read returns: leave {'it' if len(clauses) == 1 else 'them'} out"
            )
        if not query.prewhere:
            return self
        clone = self._chain()
        clone.query.fold_prewhere()
        return clone


class ClickhouseManager(BaseManager.from_queryset(QuerySet)):
    """The manager of ClickHouse models: its querysets have ClickHouse's clauses."""


# -- checks -------------------------------------------------------------------------------


def _count(method: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{method} {name} must be an int, not {value!r}")
    if value < 0:
        raise ValueError(f"{method} {name} must be 0 or more, not {value}")
    return int(value)


def _fraction(name: str, value: Any) -> float | Fraction:
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, Decimal)):
        raise TypeError(f"sample() {name} must be a number, not {value!r}")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"sample() {name} must be finite, not {value}")
        return Fraction(value)
    if isinstance(value, numbers.Rational):
        # Fraction(value) would keep whatever its numerator and denominator are; they
        # are written into SQL, so they must be ints, read by int's own methods.
        parts = (value.numerator, value.denominator)
        if not all(isinstance(part, int) for part in parts):
            raise TypeError(
                f"sample() {name} must be a number, not {value!r} (its numerator and "
                "denominator are not ints)"
            )
        return Fraction(*map(int.__index__, parts))
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"sample() {name} must be finite, not {value}")
    return value


def _sample_ratio(ratio: Any, offset: Any) -> int | float | Fraction:
    if isinstance(ratio, numbers.Integral) and not isinstance(ratio, bool) and ratio > 1:
        if offset is not None:
            raise ValueError(
                "sample() takes an offset with a fraction of the rows, not with a number "
                f"of rows ({ratio})"
            )
        return int(ratio)
    value = _fraction("ratio", ratio)
    if not 0 < value <= 1:
        raise ValueError(
            f"sample() ratio must be a fraction in (0, 1] or a number of rows, not {ratio!r}"
        )
    return value


def _sample_offset(offset: Any) -> float | Fraction | None:
    if offset is None:
        return None
    value = _fraction("offset", offset)
    if not 0 <= value < 1:
        raise ValueError(f"sample() offset must be a fraction in [0, 1), not {offset!r}")
    return value


# Engines that read other tables: whether they sample or merge is those tables' affair.
_PROXIES = (Distributed, Merge, Buffer)


def _engine(model):
    """The model's engine; None for an unmanaged model without one (a table made
    elsewhere, of an engine this backend cannot know)."""
    engine = getattr(model._meta, "engine", None)
    if engine is None and model._meta.managed:
        return MergeTree()  # what the schema editor creates
    return engine


def _sample_refusal(model) -> str | None:
    engine = _engine(model)
    if engine is None or isinstance(engine, _PROXIES):
        return None
    if isinstance(engine, BaseMergeTree) and engine.sample_by:
        return None
    return (
        f"{model._meta.label} cannot be sampled: its table ({engine.name}) has no "
        "SAMPLE BY; give its engine a sampling key, e.g. MergeTree(order_by=(..., "
        "Func('user_id', function='intHash32')), sample_by=Func('user_id', "
        "function='intHash32'))"
    )


def _final_refusal(model) -> str | None:
    engine = _engine(model)
    if engine is None or isinstance(engine, _PROXIES):
        return None
    if isinstance(engine, BaseMergeTree) and not isinstance(engine, MergeTree):
        return None
    kind = engine.name
    return (
        f"{model._meta.label} cannot be read with FINAL: its table is a {kind}, which "
        "merges no rows together (FINAL is for Replacing, Summing, Aggregating, "
        "Collapsing and VersionedCollapsing MergeTree tables)"
    )

"""Django's ``Query`` with ClickHouse's clauses, which ``models.query.QuerySet`` sets and
the SELECT compiler (``reads``) writes:

- ``FINAL`` and ``SAMPLE k [OFFSET m]`` belong to the table the rows are read from, so
  they are carried by the base table itself (``Table``, Django's ``BaseTable`` with
  them), and follow it through clones, relabelling and subqueries;
- ``ARRAY JOIN`` (``array_joins``), ``PREWHERE`` (``prewhere``, a ``WhereNode`` built as
  ``filter()`` builds ``where``), ``LIMIT n BY`` (``limit_by``), ``WITH TOTALS`` and
  ``ROLLUP``/``CUBE`` (``group_by_modifier``), ``SETTINGS`` (``clickhouse_settings``) and
  ``EXPLAIN`` (``explain_kind``) are attributes of the query, copied on clone.

Nothing is kept in SQL text: each clause is compiled from Django's expressions when the
statement is written, and a query with a clause of ClickHouse's refuses to be compiled
for another database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from django.db import NotSupportedError
from django.db.models.expressions import Expression
from django.db.models.sql import query
from django.db.models.sql.constants import INNER
from django.db.models.sql.datastructures import BaseTable
from django.db.models.sql.where import AND, WhereNode

# What explain() asks ClickHouse for: EXPLAIN <kind>.
EXPLAIN_KINDS = ("AST", "SYNTAX", "QUERY TREE", "PLAN", "PIPELINE", "ESTIMATE")


@dataclass(frozen=True)
class Sample:
    """``SAMPLE ratio [OFFSET offset]``, both written as checked numbers."""

    ratio: int | float | Fraction
    offset: float | Fraction | None = None

    def as_sql(self) -> str:
        sql = f"SAMPLE {_number(self.ratio)}"
        if self.offset is not None:
            sql += f" OFFSET {_number(self.offset)}"
        return sql


def _number(value: int | float | Fraction) -> str:
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return repr(value)


class Table(BaseTable):
    """The table a query reads, with ``FINAL`` and ``SAMPLE`` after its name."""

    def __init__(
        self, table_name: str, alias: str | None, final: bool = False, sample: Sample | None = None
    ):
        super().__init__(table_name, alias)
        self.final = final
        self.sample = sample

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        sql, params = super().as_sql(compiler, connection)
        if self.final:
            sql += " FINAL"
        if self.sample is not None:
            sql += " " + self.sample.as_sql()
        return sql, params

    def relabeled_clone(self, change_map: dict[str, str]) -> Table:
        return self.__class__(
            self.table_name,
            change_map.get(self.table_alias, self.table_alias),
            self.final,
            self.sample,
        )

    def modified(self, **changes: Any) -> Table:
        state = {"final": self.final, "sample": self.sample, **changes}
        return self.__class__(self.table_name, self.table_alias, **state)

    @property
    def identity(self) -> tuple:
        return (*super().identity, self.final, self.sample)


class ArrayElement(Expression):
    """An element of an array that ``ARRAY JOIN`` made a row of: its alias there."""

    def __init__(self, alias: str, output_field):
        super().__init__(output_field=output_field)
        self.alias = alias

    def as_sql(self, compiler, connection) -> tuple[str, tuple]:
        return connection.ops.quote_name(self.alias), ()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.alias!r})"

    @property
    def identity(self) -> tuple:
        return (type(self), self.alias)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArrayElement) and other.alias == self.alias

    def __hash__(self) -> int:
        return hash((type(self), self.alias))


@dataclass(frozen=True)
class ArrayJoin:
    """One ``[LEFT] ARRAY JOIN array AS alias, ...`` clause: arrays of one clause are
    unrolled side by side; each clause multiplies the rows again."""

    arrays: tuple[tuple[str, Any], ...]  # (alias, resolved array expression)
    left: bool = False

    def relabeled_clone(self, change_map: dict[str, str]) -> ArrayJoin:
        arrays = tuple((alias, array.relabeled_clone(change_map)) for alias, array in self.arrays)
        return replace(self, arrays=arrays)


@dataclass(frozen=True)
class LimitBy:
    """``LIMIT limit [OFFSET offset] BY expressions``: names are resolved when the
    statement is written, as order_by() names are."""

    limit: int
    offset: int
    expressions: tuple[Any, ...]


# What with_totals(), with_rollup() and with_cube() ask for.
TOTALS, ROLLUP, CUBE = "TOTALS", "ROLLUP", "CUBE"


class Query(query.Query):
    """Django's query with ClickHouse's clauses (see the module's docstring)."""

    base_table_class = Table

    def __init__(self, model, alias_cols: bool = True):
        super().__init__(model, alias_cols)
        self.prewhere = WhereNode()
        self.array_joins: tuple[ArrayJoin, ...] = ()
        self.limit_by: LimitBy | None = None
        self.group_by_modifier: str | None = None
        self.clickhouse_settings: dict[str, Any] = {}
        self.explain_kind: tuple[str | None, dict[str, int]] | None = None
        #: The totals row of with_totals(), by annotation, once the rows are read.
        self.totals: dict[str, Any] | None = None
        # get_aggregation() over LIMIT BY: aggregated in a subquery, like a slice.
        self._limit_by_as_slice = False

    # -- cloning and relabelling ------------------------------------------------------

    def clone(self) -> Query:
        obj = super().clone()
        obj.prewhere = self.prewhere.clone()
        obj.clickhouse_settings = dict(self.clickhouse_settings)
        obj.totals = None
        return obj

    def change_aliases(self, change_map: dict[str, str]) -> None:
        super().change_aliases(change_map)
        self.prewhere.relabel_aliases(change_map)
        self.array_joins = tuple(item.relabeled_clone(change_map) for item in self.array_joins)

    def resolve_expression(self, query, *args, **kwargs) -> Query:
        clone = super().resolve_expression(query, *args, **kwargs)
        # OuterRef() in PREWHERE, resolved as Django resolves them in WHERE.
        clone.prewhere = clone.prewhere.resolve_expression(query, *args, **kwargs)
        return clone

    @property
    def is_sliced(self) -> bool:
        return super().is_sliced or getattr(self, "_limit_by_as_slice", False)

    # -- the clauses ------------------------------------------------------------------

    @property
    def table(self) -> Table:
        """The base table (made if the query has none yet)."""
        alias = self.base_table if self.alias_map else self.get_initial_alias()
        table = self.alias_map[alias]
        if not isinstance(table, Table):  # a query built as Django's, then made ours
            table = Table(table.table_name, table.table_alias)
            self.alias_map[alias] = table
        return table

    def modify_table(self, **changes: Any) -> None:
        table = self.table
        self.alias_map[table.table_alias] = table.modified(**changes)

    def add_prewhere(self, q_object) -> None:
        """``q_object``'s conditions, ANDed to ``prewhere`` as ``add_q()`` adds a
        filter's to ``where``."""
        existing_inner = {
            alias for alias, join in self.alias_map.items() if join.join_type == INNER
        }
        clause, _ = self._add_q(q_object, self.used_aliases)
        if clause.contains_aggregate or clause.contains_over_clause:
            raise NotSupportedError(
                "prewhere() takes conditions on the table's columns; an aggregate or a "
                "window function is filtered after the rows are read: use filter()"
            )
        if clause:
            self.prewhere.add(clause, AND)
        self.demote_joins(existing_inner)

    def add_array_join(self, arrays: dict[str, Any], left: bool) -> None:
        """``ARRAY JOIN`` each expression of ``arrays`` (resolved here, as annotate()
        resolves), its element named by the key, usable as an annotation."""
        from ..fields import ArrayField

        opts = self.get_meta()
        fields = {
            name
            for field in opts.get_fields()
            for name in (field.name, getattr(field, "attname", field.name))
        }
        resolved = []
        for alias, array in arrays.items():
            self.check_alias(alias)
            if alias in self.annotations:
                raise ValueError(f"array_join(): {alias!r} is already an annotation")
            if alias in fields:
                raise ValueError(
                    f"array_join(): {alias!r} is a field of {opts.label}; the array stays "
                    "there, so name its element otherwise"
                )
            expression = array.resolve_expression(self, allow_joins=True, reuse=None)
            field = expression._output_field_or_none
            if not isinstance(field, ArrayField):
                raise TypeError(
                    f"array_join() unrolls arrays; {array!r} is "
                    f"{type(field).__name__ if field is not None else 'of no known type'}"
                )
            resolved.append((alias, expression))
            self.add_annotation(ArrayElement(alias, field.base_field), alias, select=True)
        self.array_joins = (*self.array_joins, ArrayJoin(tuple(resolved), left))

    def fold_prewhere(self) -> None:
        """Move the PREWHERE conditions into WHERE (a statement that has no PREWHERE)."""
        if self.prewhere:
            self.where = WhereNode([self.where, self.prewhere], connector=AND)
            self.prewhere = WhereNode()

    def read_clauses(self) -> list[str]:
        """The names of the read-only clauses this query has, as the methods that set
        them are called."""
        table = self.alias_map.get(self.base_table) if self.alias_map else None
        names = []
        if isinstance(table, Table) and table.final:
            names.append("final()")
        if isinstance(table, Table) and table.sample is not None:
            names.append("sample()")
        if self.array_joins:
            names.append("array_join()")
        if self.limit_by is not None:
            names.append("limit_by()")
        if self.group_by_modifier:
            names.append(f"with_{self.group_by_modifier.lower()}()")
        return names

    def has_clickhouse_clauses(self) -> bool:
        return bool(
            self.read_clauses() or self.prewhere or self.clickhouse_settings or self.explain_kind
        )

    # -- Django's entry points ----------------------------------------------------------

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        compiler = super().get_compiler(using, connection, elide_empty)
        if compiler.connection.vendor != "clickhouse" and self.has_clickhouse_clauses():
            raise NotSupportedError(
                f"{self.model._meta.label} is queried on {compiler.connection.alias!r} "
                f"({compiler.connection.display_name}), which has no ClickHouse clauses "
                "(settings(), prewhere(), final(), sample() ...)"
            )
        return compiler

    def combine(self, rhs, connector) -> None:
        """``qs1 & qs2``, ``qs1 | qs2``: PREWHERE conditions of either side are moved to
        its WHERE (an OR of two sides' conditions has no PREWHERE), settings are merged;
        other clauses must be the left side's alone."""
        if isinstance(rhs, Query):
            clauses = rhs.read_clauses()
            table = self.alias_map.get(self.base_table) if self.alias_map else None
            rhs_table = rhs.alias_map.get(rhs.base_table) if rhs.alias_map else None
            same_table = getattr(table, "final", False) == getattr(
                rhs_table, "final", False
            ) and getattr(table, "sample", None) == getattr(rhs_table, "sample", None)
            others = [name for name in clauses if name not in ("final()", "sample()")]
            if others or not same_table:
                raise NotSupportedError(
                    f"cannot combine querysets with & or | when the right one has "
                    f"{', '.join(clauses) or 'another final() or sample()'}; call them "
                    "on the combined queryset"
                )
            if rhs.prewhere:
                rhs = rhs.clone()
                rhs.fold_prewhere()
            settings = rhs.clickhouse_settings
        else:
            settings = {}
        self.fold_prewhere()
        super().combine(rhs, connector)
        self.clickhouse_settings = {**self.clickhouse_settings, **settings}

    def exists(self, limit: bool = True) -> Query:
        q = super().exists(limit)
        if q.group_by_modifier == TOTALS:  # one more row, even when there is none
            q.group_by_modifier = None
        return q

    def get_aggregation(self, using, aggregate_exprs):
        """As Django's; over LIMIT BY, which keeps rows after ORDER BY as a slice does,
        the aggregates are taken over the query as a subquery, with its ordering."""
        if self.limit_by is None:
            return super().get_aggregation(using, aggregate_exprs)
        self._limit_by_as_slice = True
        try:
            return super().get_aggregation(using, aggregate_exprs)
        finally:
            self._limit_by_as_slice = False

    def explain(self, using, format=None, **options) -> str:
        """ClickHouse's ``EXPLAIN [kind] option = value, ...`` of this query:
        ``options["kind"]`` is one of ``EXPLAIN_KINDS`` (PLAN when not given)."""
        kind = options.pop("kind", None)
        if kind is not None:
            if not isinstance(kind, str):
                raise TypeError(f"explain() kind must be a str, not {kind!r}")
            kind = " ".join(kind.replace("_", " ").upper().split())
            if kind not in EXPLAIN_KINDS:
                raise ValueError(
                    f"{kind!r} is not a kind of ClickHouse EXPLAIN; use one of "
                    + ", ".join(EXPLAIN_KINDS)
                )
        if format is not None:
            if str(format).upper() == "JSON" and kind in (None, "PLAN"):
                options["json"] = 1
            elif str(format).upper() != "TEXT":
                raise ValueError(
                    f"{format!r} is not a format of ClickHouse EXPLAIN: 'text', or 'json' "
                    "for a plan"
                )
        checked = {}
        for name, value in options.items():
            if not query.EXPLAIN_OPTIONS_PATTERN.fullmatch(name) or "--" in name:
                raise ValueError(f"Invalid option name: {name!r}.")
            if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
                # Both are written into SQL: the name as the plain str checked, not a
                # subclass that prints as another.
                checked[str.__str__(name)] = int(bool(value))
            else:
                raise ValueError(f"explain() option {name} takes True/False or 1/0, not {value!r}")
        q = self.clone()
        q.explain_kind = (kind, checked)
        compiler = q.get_compiler(using=using)
        return "\n".join(compiler.explain_query())

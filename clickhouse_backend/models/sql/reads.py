"""Reads: Django's SELECT compiler adapted to ClickHouse, which the other compilers
build on.

- Reads convert only what the driver does not already give as the field's Python value;
  IPv6 addresses are formatted as text by ClickHouse, in the outermost SELECT only: rows
  are grouped and sorted by the address itself.
- A query whose subqueries refer to it while they read a table of one of its aliases'
  names is written under aliases of its own (see ``correlation``).
- ClickHouse's clauses, carried by ``sql.query.Query`` (any attribute may be missing: a
  query may be Django's own), are written where the statement has them::

      [EXPLAIN kind options]
      SELECT ... FROM table [FINAL] [SAMPLE k [OFFSET m]] [JOIN ...]
          [[LEFT] ARRAY JOIN ...] [PREWHERE ...]          <- get_from_clause()
      WHERE ... GROUP BY {keys | ROLLUP(keys) | CUBE(keys)
          | GROUPING SETS ((keys), ())}                   <- get_group_by()
      HAVING ... ORDER BY ...                             <- Django's as_sql()
      [LIMIT n [OFFSET m] BY ...] [LIMIT ...] [SETTINGS ...]   <- as_sql()

  with_totals() is the grouping set ``()`` besides the groups, its row sorted first,
  kept by HAVING, and taken out of the rows (into ``query.totals``) as they are read:
  the native protocol's separate totals block exists in no format the embedded engine
  can return, and the two transports must give the same rows.
"""

from __future__ import annotations

import itertools

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import NotSupportedError
from django.db.models.expressions import Col, Exists, RawSQL, Ref
from django.db.models.fields.json import JSONField
from django.db.models.sql import compiler
from django.db.models.sql.compiler import PositionRef
from django.db.models.sql.constants import CURSOR, GET_ITERATOR_CHUNK_SIZE
from django.db.models.sql.where import OR, WhereNode
from django.utils.hashable import make_hashable

from ...backend.computed_columns import computed_kind
from ...backend.expressions import spelling
from ...backend.operations import DatabaseOperations
from ...driver import check_settings
from ...driver.gcpause import paused_gc
from .correlation import refers_to, shadowed_aliases, with_own_aliases
from .insert_values import column_type
from .query import CUBE, ROLLUP, TOTALS


def settings_sql(settings: dict | None) -> tuple[str, list]:
    """`` SETTINGS name = %s, ...`` and its values, for the end of a statement; names
    checked as the driver checks them, values left to its escaper. ("", []) for none."""
    settings = check_settings(settings)
    if not settings:
        return "", []
    assignments = ", ".join(f"{name} = %s" for name in settings)
    return f" SETTINGS {assignments}", list(settings.values())


class SQLCompiler(compiler.SQLCompiler):
    # What get_select() formatted as text: the select list's IP address expressions (by
    # id), and the SQL of the address itself by position, which GROUP BY and ORDER BY
    # <position> take instead of the text (grouped and sorted as addresses, and
    # formatted once a group).
    _text_addresses: frozenset[int] | set[int] = frozenset()
    _text_positions: dict[int, tuple[str, tuple]] = {}
    # with_totals(), when this statement writes it: the totals row's annotations by
    # position in the select list; the grouping key that tells the totals row apart.
    _totals_positions: dict[str, int] | None = None
    _grouping_key: tuple[str, list] | None = None
    _group_by_modifier: str | None = None
    _limit_by_sql: tuple[str, list] | None = None
    # Whether Django wrote a union()/intersection()/difference() inside SELECT * FROM
    # (...), to order it as a whole (features.requires_compound_order_by_subquery).
    _compound_wrapped = False
    # The query this compiler was given, when it writes a copy under other aliases
    # (see as_sql()): with_totals() keeps its totals there, where the queryset reads them.
    _given_query = None

    def compile(self, node):
        if isinstance(node, PositionRef) and node.ordinal in self._text_positions:
            return self._text_positions[node.ordinal]
        if isinstance(node, Exists) and _correlated_first_row(node.query):
            # Django's LIMIT 1 changes nothing EXISTS answers, and a correlated subquery
            # with a LIMIT may be more than ClickHouse can decorrelate.
            node = node.copy()
            node.query.clear_limits()
        spell = spelling(node)  # Django's as_<vendor>() dispatch, without patching Django
        if spell is not None:
            return spell(node, self, self.connection)
        return super().compile(node)

    def get_converters(self, expressions):
        """Django's converters, less those with nothing to do: IP address columns that
        ClickHouse formats (see get_select()), and the JSON text round trip of plain
        JSON columns (ClickHouse already gives the objects that
        JSONField.from_db_value() would parse out of text; a custom decoder still gets
        the text)."""
        converters = super().get_converters(expressions)
        for position, (functions, expression) in list(converters.items()):
            if id(expression) in self._text_addresses:
                dropped = (DatabaseOperations._ip_address,)
            elif isinstance(expression, Col) and _plain_json(expression.output_field):
                dropped = (DatabaseOperations._json_text, JSONField.from_db_value)
            else:
                continue
            kept = [f for f in functions if getattr(f, "__func__", f) not in dropped]
            if kept:
                converters[position] = (kept, expression)
            else:
                del converters[position]
        return converters

    def get_select(self, with_col_aliases=False):
        """Django's select list, with NULL for EPHEMERAL columns and IPv6 address
        columns formatted as text by ClickHouse (see
        ``DatabaseOperations.ip_address_text_sql``), which is several times cheaper than
        making an ``IPv6Address`` of each value and formatting that in Python.

        Only the outermost SELECT of a plain query: a subquery's values are compared as
        addresses, and the parts of a UNION are compiled apart from the query whose
        converters read their rows (as_sql() forgets the text for a query that is
        wrapped around another, such as a filter on a window function).
        """
        select, klass_info, annotations = super().get_select(with_col_aliases=with_col_aliases)
        # An alias can come from the user's text (values("payload__a%b")); parameters
        # are filled into the statement, where a % is written %%.
        select = [
            (expression, sql_params, alias.replace("%", "%%") if alias else alias)
            for expression, sql_params, alias in select
        ]
        # An EPHEMERAL column is not stored, and ClickHouse refuses a SELECT that names
        # it: the ORM reads NULL in its place (objects, values(), refresh_from_db()).
        select = [
            (expression, ("NULL", []), alias)
            if isinstance(expression, Col) and computed_kind(expression.target) == "ephemeral"
            else (expression, sql_params, alias)
            for expression, sql_params, alias in select
        ]
        self._text_addresses, self._text_positions = set(), {}
        if self.query.subquery or self.query.combinator or with_col_aliases:
            return select, klass_info, annotations
        for index, (expression, (sql, params), alias) in enumerate(select):
            if isinstance(expression, Col) and _ipv6_column(expression.target, self.connection):
                text = self.connection.ops.ip_address_text_sql(sql), params
                select[index] = (expression, text, alias)
                self._text_addresses.add(id(expression))
                self._text_positions[index + 1] = (sql, params)
        return select, klass_info, annotations

    # -- ClickHouse's clauses ------------------------------------------------------------

    def pre_sql_setup(self, with_col_aliases=False):
        """Django's, and what this statement writes of the query's ClickHouse clauses:
        the LIMIT BY expressions (resolved here, before the FROM clause is written, as
        ordering is), and for with_totals() the totals row first and kept by HAVING."""
        query = self.query
        modifier = getattr(query, "group_by_modifier", None)
        if query.combinator:
            modifier = None  # the parts have it
        elif modifier == TOTALS and query.subquery:
            modifier = None  # count(), aggregate(), a subquery: the groups alone
        elif modifier == TOTALS and with_col_aliases:
            raise NotSupportedError(
                "with_totals() gives the totals of the outermost query; not of a part of "
                "union(), intersection() or difference()"
            )
        self._group_by_modifier = modifier
        self._grouping_key = None
        extra_select, order_by, group_by = super().pre_sql_setup(with_col_aliases)
        self._limit_by_sql = self._resolve_limit_by()
        if modifier == TOTALS and self._limit_by_sql:
            raise NotSupportedError(
                "with_totals() cannot be used with limit_by(): LIMIT BY would take the "
                "totals row for a group of its own"
            )
        if self.qualify and (modifier == TOTALS or self._limit_by_sql):
            raise NotSupportedError(
                "with_totals() and limit_by() cannot be used with a filter on a window function"
            )
        if self._limit_by_sql and query.subquery and self.has_extra_select:
            raise NotSupportedError(
                "limit_by() in a subquery cannot order by what the subquery does not select"
            )
        self._totals_positions = None
        self._compound_wrapped = bool(
            query.combinator
            and order_by
            and self.connection.features.requires_compound_order_by_subquery
        )
        if modifier == TOTALS:
            order_by = self._totals_first(order_by)
        return extra_select, order_by, group_by

    def get_group_by(self, select, order_by):
        """Django's GROUP BY, by the address itself where the select list has it as
        text, and with ROLLUP, CUBE or the totals' GROUPING SETS around the keys."""
        group_by = []
        seen = set()
        for sql, params in super().get_group_by(select, order_by):
            if sql.isdigit() and int(sql) in self._text_positions:
                sql, params = self._text_positions[int(sql)]
            key = (sql, make_hashable(params))
            if key not in seen:
                seen.add(key)
                group_by.append((sql, params))
        modifier = self._group_by_modifier
        if not modifier:
            return group_by
        if not group_by:
            raise NotSupportedError(
                f"with_{modifier.lower()}() needs a query that groups rows: "
                "values(<keys>).annotate(<aggregates>)"
            )
        keys = ", ".join(sql for sql, _ in group_by)
        params = [param for _, group_params in group_by for param in group_params]
        first, first_params = group_by[0]
        if first.isdigit():  # a position in the select list
            first, first_params = select[int(first) - 1][1]
        self._grouping_key = (first, list(first_params))
        if modifier == TOTALS:
            return [(f"GROUPING SETS (({keys}), ())", params)]
        return [(f"{modifier}({keys})", params)]

    def _totals_first(self, order_by):
        """ORDER BY the totals row first (Meta.ordering aside, which Django leaves out
        of a grouped query), and HAVING that keeps it, whatever it filters out."""
        positions = {
            alias: index
            for index, (expression, _, alias) in enumerate(self.select)
            if alias in self.query.annotation_select
            and getattr(expression, "contains_aggregate", False)
        }
        if not positions:
            raise NotSupportedError(
                "with_totals() totals the aggregates of annotate(); this query has none"
            )
        self._totals_positions = positions
        key, params = self._grouping_key
        is_totals = RawSQL(f"grouping({key}) = 1", params)
        if self.having is not None:
            self.having = WhereNode([self.having, is_totals], connector=OR)
        if self._meta_ordering:
            order_by, self._meta_ordering = [], None
        first = (RawSQL(f"grouping({key})", params), (f"grouping({key}) DESC", params, False))
        return [first, *order_by]

    def _resolve_limit_by(self) -> tuple[str, list] | None:
        limit_by = getattr(self.query, "limit_by", None)
        if limit_by is None or self.query.combinator:
            return None
        query = self.query
        parts, params = [], []
        for item in limit_by.expressions:
            if not isinstance(item, str):
                expression = item.resolve_expression(query, allow_joins=True, reuse=None)
            elif item in query.annotation_select:
                expression = Ref(item, query.annotation_select[item])
            elif item in query.annotations:
                expression = query.annotations[item]
            else:
                expression = query.resolve_ref(item, allow_joins=True)
            sql, item_params = self.compile(expression)
            parts.append(sql)
            params.extend(item_params)
        offset = f" OFFSET {limit_by.offset}" if limit_by.offset else ""
        return f"LIMIT {limit_by.limit}{offset} BY {', '.join(parts)}", params

    def get_from_clause(self):
        """Django's FROM list (the base table with its FINAL and SAMPLE, then the
        joins), then ARRAY JOIN and PREWHERE, which come before WHERE."""
        result, params = super().get_from_clause()
        quote = self.connection.ops.quote_name
        for array_join in getattr(self.query, "array_joins", ()):
            arrays = []
            for alias, array in array_join.arrays:
                sql, array_params = self.compile(array)
                arrays.append(f"{sql} AS {quote(alias)}")
                params.extend(array_params)
            keyword = "LEFT ARRAY JOIN" if array_join.left else "ARRAY JOIN"
            result.append(f"{keyword} {', '.join(arrays)}")
        prewhere = getattr(self.query, "prewhere", None)
        if prewhere:
            try:
                sql, prewhere_params = self.compile(prewhere)
            except EmptyResultSet:
                if self.elide_empty:
                    raise
                sql, prewhere_params = "0 = 1", []  # as Django writes an empty WHERE
            except FullResultSet:
                sql = ""
            if sql:
                result.append(f"PREWHERE {sql}")
                params.extend(prewhere_params)
        return result, params

    def as_sql(self, with_limits=True, with_col_aliases=False):
        """Django's SELECT up to ORDER BY; then LIMIT BY, LIMIT and SETTINGS, which
        follow it in this order, and EXPLAIN in front. A query whose subqueries would
        take its table for theirs is written under aliases of its own (see
        ``correlation``); a sliced compound query is sliced as a whole."""
        if shadowed_aliases(self.query):
            self._given_query, self.query = self.query, with_own_aliases(self.query)
        query = self.query
        sql, params = super().as_sql(with_limits=False, with_col_aliases=with_col_aliases)
        sliced = with_limits and (query.low_mark or query.high_mark is not None)
        if sliced and query.combinator and not self._compound_wrapped:
            # ClickHouse reads a LIMIT after a compound query as its last part's.
            sql = f"SELECT * FROM ({sql})"
        if self.qualify:  # the rows come from an inner query's select list, not this one's
            self._text_addresses, self._text_positions = set(), {}
        parts, params = [sql], list(params)
        if self._limit_by_sql:
            limit_by, limit_by_params = self._limit_by_sql
            parts.append(limit_by)
            params.extend(limit_by_params)
        if sliced:
            low, high = query.low_mark, query.high_mark
            if self._totals_positions is not None:  # totals row first; the offset in Python
                low, high = 0, None if high is None else high + 1
            limit = self.connection.ops.limit_offset_sql(low, high)
            if limit:
                parts.append(limit)
        settings = dict(getattr(query, "clickhouse_settings", None) or {})
        if self._group_by_modifier in (ROLLUP, CUBE):
            settings.setdefault("group_by_use_nulls", 1)  # rolled-up keys are None
        settings_clause, settings_params = settings_sql(settings)
        sql = " ".join(parts) + settings_clause
        params.extend(settings_params)
        explain = getattr(query, "explain_kind", None)
        if explain:
            kind, options = explain
            prefix = "EXPLAIN" + (f" {kind}" if kind else "")
            if options:
                prefix += " " + ", ".join(f"{name} = {value}" for name, value in options.items())
            sql = f"{prefix} {sql}"
        return sql, tuple(params)

    def results_iter(self, results=None, tuple_expected=False, chunked_fetch=False,
                     chunk_size=GET_ITERATOR_CHUNK_SIZE):  # fmt: skip
        """Django's rows; a result read whole is converted at once with the garbage
        collector paused: each row makes new lists and values, and collections meanwhile
        would walk all of them (a third of the time of reading a wide table).

        A streamed result stays a stream, row by row, in memory bounded by a block.
        ``ModelIterable`` (every ``Model.objects.iterator()``) hands over the stream it
        got from ``execute_sql(chunked_fetch=True)`` without saying it is one.

        with_totals()'s first row is its totals, kept in ``query.totals``."""
        rows = super().results_iter(results, tuple_expected, chunked_fetch, chunk_size)
        if not (chunked_fetch or _is_stream(results)):
            with paused_gc():
                rows = iter(list(rows))
        if self._totals_positions is not None:
            rows = self._taking_totals(rows)
        return rows

    def _taking_totals(self, rows):
        """The rows after the totals row, less the slice's offset (see as_sql())."""
        rows = iter(rows)
        first = next(rows, None)
        if first is None:  # nothing ran: no row could match
            annotations = self.query.annotation_select
            first = [None] * len(self.select)
            for alias, index in self._totals_positions.items():
                value = getattr(annotations[alias], "empty_result_set_value", None)
                first[index] = None if value is NotImplemented else value
        positions = self._totals_positions.items()
        given = self._given_query or self.query
        given.totals = {alias: first[index] for alias, index in positions}
        return itertools.islice(rows, self.query.low_mark, None)

    def explain_query(self):
        """ClickHouse's EXPLAIN output, a line a row; ESTIMATE's rows of several
        columns as ``name: value, ...``."""
        cursor = self.execute_sql(CURSOR)
        if cursor is None:  # nothing to run: no row could match
            return
        try:
            names = [column[0] for column in cursor.description or ()]
            rows = cursor.fetchall()
        finally:
            cursor.close()
        for row in rows:
            if len(row) == 1:
                yield str(row[0])
            else:
                yield ", ".join(f"{name}: {value}" for name, value in zip(names, row, strict=True))


def _correlated_first_row(query) -> bool:
    """Whether ``query`` (of an ``Exists``) asks for its first row only and refers to
    the queries around it."""
    first_row = (query.low_mark, query.high_mark) == (0, 1)
    return first_row and refers_to(query, set(query.external_aliases))


def _is_stream(results) -> bool:
    """Whether ``results`` of ``execute_sql(MULTI)`` are chunks still to be fetched: it
    returns a list when it read the result whole, a generator when it streams."""
    return results is not None and not isinstance(results, list)


def _plain_json(field) -> bool:
    return (
        isinstance(field, JSONField)
        and field.decoder is None
        and type(field).from_db_value is JSONField.from_db_value
    )


def _ipv6_column(field, connection) -> bool:
    return (
        field.get_internal_type() == "GenericIPAddressField"
        and column_type(field, connection) == "IPv6"
    )


class SQLAggregateCompiler(compiler.SQLAggregateCompiler, SQLCompiler):
    """Django's aggregate compiler (``SELECT <aggregates> FROM (<query>) subquery``) with
    this module's refusals, and the query's settings on the whole statement too."""

    def as_sql(self):
        sql, params = super().as_sql()
        settings = getattr(self.query.inner_query, "clickhouse_settings", None)
        settings_clause, settings_params = settings_sql(settings)
        return sql + settings_clause, (*params, *settings_params)

"""Reads: Django's SELECT compiler adapted to ClickHouse, which the other compilers
build on.

- Reads convert only what the driver does not already give as the field's Python value;
  IPv6 addresses are formatted as text by ClickHouse.
- What ClickHouse would answer wrongly (a subquery correlated with its own table) is
  refused with a sentence, in every compiler.
"""

from __future__ import annotations

from django.db import NotSupportedError
from django.db.models.expressions import Col
from django.db.models.fields.json import JSONField
from django.db.models.sql import compiler
from django.db.models.sql.compiler import PositionRef
from django.db.models.sql.constants import GET_ITERATOR_CHUNK_SIZE

from ...backend.expressions import spelling
from ...backend.operations import DatabaseOperations
from ...driver.gcpause import paused_gc
from .insert_values import column_type


class SQLCompiler(compiler.SQLCompiler):
    # What get_select() formatted as text: the select list's IP address expressions (by
    # id), and their text's SQL by position, which ORDER BY <position> must not sort by.
    _text_addresses: frozenset[int] | set[int] = frozenset()
    _text_positions: dict[int, tuple[str, tuple]] = {}

    def compile(self, node):
        if isinstance(node, PositionRef) and node.ordinal in self._text_positions:
            sql, params = self._text_positions[node.ordinal]
            return f"toIPv6({sql})", params  # sorted as addresses, not as their text
        spell = spelling(node)  # Django's as_<vendor>() dispatch, without patching Django
        if spell is not None:
            return spell(node, self, self.connection)
        return super().compile(node)

    def results_iter(self, results=None, tuple_expected=False, chunked_fetch=False,
                     chunk_size=GET_ITERATOR_CHUNK_SIZE):  # fmt: skip
        """Django's rows; a result read whole is converted at once with the garbage
        collector paused: each row makes new lists and values, and collections meanwhile
        would walk all of them (a third of the time of reading a wide table).

        A streamed result stays a stream, row by row, in memory bounded by a block.
        ``ModelIterable`` (every ``Model.objects.iterator()``) hands over the stream it
        got from ``execute_sql(chunked_fetch=True)`` without saying it is one."""
        rows = super().results_iter(results, tuple_expected, chunked_fetch, chunk_size)
        if chunked_fetch or _is_stream(results):
            return rows
        with paused_gc():
            return iter(list(rows))

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
        """Django's select list, with IPv6 address columns formatted as text by ClickHouse
        (see ``DatabaseOperations.ip_address_text_sql``), which is several times cheaper
        than making an ``IPv6Address`` of each value and formatting that in Python.

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
        self._text_addresses, self._text_positions = set(), {}
        if self.query.subquery or self.query.combinator or with_col_aliases:
            return select, klass_info, annotations
        for index, (expression, (sql, params), alias) in enumerate(select):
            if isinstance(expression, Col) and _ipv6_column(expression.target, self.connection):
                text = self.connection.ops.ip_address_text_sql(sql), params
                select[index] = (expression, text, alias)
                self._text_addresses.add(id(expression))
                self._text_positions[index + 1] = text
        return select, klass_info, annotations

    def as_sql(self, with_limits=True, with_col_aliases=False):
        self._refuse_self_correlation()
        sql, params = super().as_sql(with_limits=with_limits, with_col_aliases=with_col_aliases)
        if self.qualify:  # the rows come from an inner query's select list, not this one's
            self._text_addresses, self._text_positions = set(), {}
        return sql, params

    def _refuse_self_correlation(self) -> None:
        """ClickHouse resolves ``"table"."col"`` inside a subquery on the same table to
        the inner table, so an OuterRef to it would silently compare a row with itself."""
        outer = set(self.query.external_aliases)
        if not outer:
            return
        inner = {join.table_name for join in self.query.alias_map.values()}
        if outer & inner:
            raise NotSupportedError(
                f"ClickHouse cannot correlate a subquery on {sorted(outer & inner)[0]} with "
                "the same table outside it (OuterRef would compare each row with itself); "
                "use a join, an __in filter, or a subquery on another model"
            )


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
    """Django's aggregate compiler with this module's refusals."""

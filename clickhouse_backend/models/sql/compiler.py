"""Django's SQL compilers, adapted to ClickHouse.

- Inserts go as Native column blocks: SQL text is parsed value by value by the server
  and runs 5-6x slower. Their values are prepared a column at a time (see
  ``insert_values``). Auto primary keys are generated first (see
  ``DatabaseOperations.generate_ids``) and come back to Django as if the INSERT had
  returned them.
- Reads convert only what the driver does not already give as the field's Python value;
  IPv6 addresses are formatted as text by ClickHouse.
- Updates are ``ALTER TABLE ... UPDATE`` mutations and deletes lightweight ``DELETE``s
  (``TRUNCATE`` when every row goes), built from the query's own parts, in the table
  the rows live in (``targets``: a Distributed model's local tables), all with honest
  row counts.
- What ClickHouse would answer wrongly (a subquery correlated with its own table) is
  refused with a sentence, in every compiler.
"""

from __future__ import annotations

import functools
import operator
import time

from django.core.exceptions import EmptyResultSet, FieldError, FullResultSet
from django.db import DataError, NotSupportedError
from django.db.models import DateField, DateTimeField, Field, Q, TimeField
from django.db.models.expressions import Col, DatabaseDefault, Value
from django.db.models.fields.json import JSONField
from django.db.models.lookups import GreaterThan, LessThan
from django.db.models.sql import Query, compiler
from django.db.models.sql.compiler import PositionRef
from django.db.models.sql.constants import GET_ITERATOR_CHUNK_SIZE, MULTI, ROW_COUNT

from ...backend.expressions import spelling
from ...backend.operations import DatabaseOperations
from ...driver.gcpause import paused_gc
from .insert_values import column_type, prepare_column
from .mutations import run_counted
from .targets import COUNT_SQL, DELETE_SQL, TRUNCATE_SQL, UPDATE_SQL, target_of


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


class SQLDeleteCompiler(compiler.SQLDeleteCompiler, SQLCompiler):
    """``DELETE FROM`` is ClickHouse's lightweight delete (``TRUNCATE`` when every row
    goes), in the table the rows live in (see ``targets``), with an honest row count."""

    def _as_sql(self, query):
        """The DELETE of ``query``'s rows (Django hands a query with joins over as
        ``pk IN (...)``); the rows are counted by the same WHERE."""
        target = target_of(query.model, self.connection)
        try:
            where, params = self.compile(query.where)
        except FullResultSet:
            where, params = "", ()
        self._counted = (COUNT_SQL.format(table=target.queried_sql, where=where or "1"), params)
        if not where:
            return TRUNCATE_SQL.format(table=target.table, on_cluster=target.on_cluster), ()
        if target.relabels:
            where, params = self.compile(query.where.relabeled_clone(target.relabels))
        sql = DELETE_SQL.format(table=target.table, on_cluster=target.on_cluster, where=where)
        return sql, tuple(params)

    def execute_sql(self, result_type=MULTI):
        if result_type != ROW_COUNT:
            return super().execute_sql(result_type)
        try:
            sql, params = self.as_sql()
        except EmptyResultSet:
            return 0
        target = target_of(self.query.model, self.connection)
        count_sql, count_params = self._counted
        return run_counted(self.connection, target.name, sql, params, count_sql, count_params)


class SQLUpdateCompiler(compiler.SQLUpdateCompiler, SQLCompiler):
    """``update()`` as an ``ALTER TABLE ... UPDATE`` mutation of the table the rows live
    in (see ``targets``), with an honest row count.

    Mutations apply when the statement returns as long as the session's
    ``mutations_sync`` says so (the backend sets it to 1; see docs/backend.md).
    """

    def as_sql(self):
        self.pre_sql_setup()  # Django's: a WHERE over joins becomes pk IN (...)
        if not self.query.values:
            return "", ()
        target = self._target
        assignments, params = self._assignments(target.relabels)
        where, where_params = self._where(target.relabels)
        sql = UPDATE_SQL.format(
            table=target.table,
            on_cluster=target.on_cluster,
            assignments=", ".join(assignments),
            where=where or "1",
        )
        return sql, (*params, *where_params)

    @property
    def _target(self):
        return target_of(self.query.model, self.connection)

    def _assignments(self, relabels: dict[str, str]) -> tuple[list[str], list]:
        """``column = value`` for each field update() sets, prepared as Django
        prepares values for saving (a model instance for a foreign key, expressions)."""
        quote = self.connection.ops.quote_name
        assignments, params = [], []
        for field, _, value in self.query.values:
            if hasattr(value, "resolve_expression"):
                value = value.resolve_expression(self.query, allow_joins=False, for_save=True)
                _refuse_in_assignment(field, value)
            elif hasattr(value, "prepare_database_save"):
                if not field.remote_field:
                    raise TypeError(
                        f"{field} is set to a model instance, {value!r}; it takes a value "
                        f"a {type(field).__name__} holds"
                    )
                value = value.prepare_database_save(field)
            value = field.get_db_prep_save(value, connection=self.connection)
            placeholder = "%s"
            if hasattr(field, "get_placeholder"):
                placeholder = field.get_placeholder(value, self, self.connection)
            if hasattr(value, "as_sql"):
                sql, value_params = self.compile(value.relabeled_clone(relabels))
                assignments.append(f"{quote(field.column)} = {placeholder % sql}")
                params.extend(value_params)
            elif value is None:
                assignments.append(f"{quote(field.column)} = NULL")
            else:
                assignments.append(f"{quote(field.column)} = {placeholder}")
                params.append(value)
        return assignments, params

    def _where(self, relabels: dict[str, str] | None = None) -> tuple[str, list]:
        where = self.query.where.relabeled_clone(relabels) if relabels else self.query.where
        try:
            return self.compile(where)
        except FullResultSet:
            return "", []

    def execute_sql(self, result_type):
        row_count = self._execute_primary(result_type)
        for query in self.query.get_related_updates():
            related = query.get_compiler(self.using).execute_sql(result_type)
            row_count = row_count or related
        return row_count

    def _execute_primary(self, result_type) -> int:
        keys_only = self._drop_unchanged_key_columns()
        try:
            sql, params = self.as_sql()  # also settles the WHERE (pre_sql_setup)
        except EmptyResultSet:
            return 0
        if not sql and not keys_only:
            return 0
        where, where_params = self._where()
        target = self._target
        count_sql = COUNT_SQL.format(table=target.queried_sql, where=where or "1")
        if keys_only:  # nothing left to change, but save() must know the row is there
            with self.connection.cursor() as cursor:
                cursor.execute(count_sql, where_params)
                return cursor.fetchone()[0]
        self._refuse_computed_integers_out_of_range()
        return run_counted(self.connection, target.name, sql, params, count_sql, where_params)

    def _refuse_computed_integers_out_of_range(self) -> None:
        """An integer column set from an expression (``F("stock") - 1``) must stay in
        its type's range: ClickHouse would wrap the value around (0 - 1 in a UInt32 is
        4294967295), where other databases refuse it. Values are checked in Python;
        expressions by counting the matched rows they would take out of range."""
        for field, _, value in self.query.values:
            if not hasattr(value, "resolve_expression") or isinstance(value, Value):
                continue
            try:
                low, high = self.connection.ops.integer_field_range(field.get_internal_type())
            except KeyError:
                continue  # not an integer column
            outside = self.query.chain(klass=Query)
            try:
                value = value.resolve_expression(outside, allow_joins=False, for_save=True)
                outside.add_q(Q(LessThan(value, low)) | Q(GreaterThan(value, high)))
            except FieldError:  # no type to compare (F("n").bitxor(None) is NULL)
                continue
            where, params = outside.get_compiler(self.using).compile(outside.where)
            table = self.connection.ops.quote_name(self.query.get_meta().db_table)
            with self.connection.cursor() as cursor:
                cursor.execute(f"SELECT count() FROM {table} WHERE {where}", params)
                count = cursor.fetchone()[0]
            if count:
                model = self.query.get_meta().label
                raise DataError(
                    f"{model}.{field.name}: {value} would be outside the range of its "
                    f"column ({low} to {high}) in {count} row(s); nothing was updated"
                )

    def _drop_unchanged_key_columns(self) -> bool:
        """Leave out assignments to key columns that keep their value.

        ClickHouse refuses to UPDATE a column of the table's keys (or one its engine
        names), even to the value it has, while ``save()`` of a loaded object assigns
        every field. So such assignments are checked instead: if a matched row would
        change, the update is refused with the reason; otherwise they are dropped.
        Returns whether every assignment was dropped.
        """
        if not self.query.values:
            return False
        table = self.query.get_meta().db_table
        introspection = self.connection.introspection
        with self.connection.cursor() as cursor:  # a Distributed one's sharding key too
            keys = introspection.get_key_columns(cursor, table)
            if self._target.name != table:
                keys |= introspection.get_key_columns(cursor, self._target.name)
        assigned = [item for item in self.query.values if item[0].column in keys]
        if not assigned:
            return False
        if self._rows_changed_by(assigned):
            names = ", ".join(
                sorted(
                    field.column
                    for field, *rest in assigned
                    if self._rows_changed_by([(field, *rest)])
                )
            )
            raise NotSupportedError(
                f"ClickHouse cannot change {names}: a key of table {table} (sorting, "
                "partition, primary or sampling key, or an engine parameter). Save a new "
                "row and delete the old one instead."
            )
        self.query.values = [item for item in self.query.values if item not in assigned]
        return not self.query.values

    def _rows_changed_by(self, assignments: list[tuple]) -> int:
        """How many matched rows these assignments would change."""
        changing = self.query.chain(klass=Query)
        changing.add_q(~Q(*((field.attname, value) for field, _, value in assignments)))
        where, params = changing.get_compiler(self.using).compile(changing.where)
        table = self.connection.ops.quote_name(self.query.get_meta().db_table)
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT count() FROM {table} WHERE {where}", params)
            return cursor.fetchone()[0]


class SQLInsertCompiler(compiler.SQLInsertCompiler, SQLCompiler):
    """Objects in as Native column blocks, prepared a column at a time (see
    ``insert_values``), with ids generated first and handed back as RETURNING would."""

    def execute_sql(self, returning_fields=None):
        opts = self.query.get_meta()
        objs = self.query.objs
        fields = list(self.query.fields)
        auto = opts.auto_field
        if auto is not None and auto not in fields and objs:
            for obj, new_id in zip(objs, self.connection.ops.generate_ids(len(objs)), strict=True):
                setattr(obj, auto.attname, new_id)
            fields.insert(0, auto)
        columns = [self._column_values(field, objs) for field in fields]
        blocks = [
            (block_fields, list(map(self._prepare, block_fields, block_columns)), rows)
            for block_fields, block_columns, rows in self._blocks(fields, columns)
        ]  # every value is checked before anything is sent
        for block_fields, block_columns, rows in blocks:
            if block_fields:
                self._insert_columns(opts, block_fields, block_columns, rows)
            else:
                self._insert_defaults(opts, fields[0], rows)
        if not returning_fields:
            return []
        return self._returned_rows(opts, objs, returning_fields)

    def _column_values(self, field, objs) -> list:
        """The field's values on the objects; pre_save() only where it computes them."""
        if self.query.raw or not _computes_on_save(field):
            return list(map(operator.attrgetter(field.attname), objs))
        return [field.pre_save(obj, True) for obj in objs]

    def _prepare(self, field, values: list) -> list:
        return prepare_column(field, values, self.connection)

    def _blocks(self, fields: list, columns: list[list]) -> list[tuple[list, list[list], int]]:
        """The (fields, columns, number of rows) to insert.

        A field every object leaves to its db_default is left out: ClickHouse fills it
        in. When only some objects do, those that leave the same fields to their
        db_default go in one block each, without those columns.
        """
        every, some = set(), []
        for index, (field, column) in enumerate(zip(fields, columns, strict=True)):
            kinds = set(map(type, column))
            if any(hasattr(kind, "resolve_expression") for kind in kinds - {DatabaseDefault}):
                self._refuse_expressions(field, column)
            if kinds == {DatabaseDefault}:
                every.add(index)
            elif DatabaseDefault in kinds:
                some.append(index)
        if not some:
            kept = [index for index in range(len(fields)) if index not in every]
            rows = len(columns[0]) if columns else 0
            return [([fields[index] for index in kept], [columns[index] for index in kept], rows)]
        rows_by_key: dict[tuple[bool, ...], list[int]] = {}
        for row in range(len(columns[0])):
            key = tuple(isinstance(columns[index][row], DatabaseDefault) for index in some)
            rows_by_key.setdefault(key, []).append(row)
        blocks = []
        for key, rows in rows_by_key.items():
            skipped = every | {index for index, left in zip(some, key, strict=True) if left}
            kept = [index for index in range(len(fields)) if index not in skipped]
            blocks.append(
                (
                    [fields[index] for index in kept],
                    [[columns[index][row] for row in rows] for index in kept],
                    len(rows),
                )
            )
        return blocks

    def _refuse_expressions(self, field, column: list) -> None:
        for value in column:
            if hasattr(value, "resolve_expression"):
                self.prepare_value(field, value)  # Django's own errors first (F() ...)
        raise NotSupportedError(
            "ClickHouse inserts take values, not expressions such as F() or functions; "
            "compute the values before saving"
        )

    def _insert_columns(self, opts, fields, columns, rows: int) -> None:
        table = self.connection.ops.quote_name(opts.db_table)
        names = ", ".join(self.connection.ops.quote_name(field.column) for field in fields)
        sql = f"INSERT INTO {table} ({names}) VALUES"
        with self.connection.cursor() as cursor:
            # Django's cursor wrapper knows no columnar inserts: the driver's cursor runs
            # it, inside the connection's execute_wrappers and query log all the same.
            _run_logged(
                self.connection,
                cursor,
                f"{sql} -- {rows} rows as Native blocks",
                lambda: cursor.cursor.executemany(sql, columns, columnar=True),
            )

    def _insert_defaults(self, opts, field, rows: int) -> None:
        """Rows whose every column is left to its db_default: Native needs one column,
        so these are written as VALUES (DEFAULT) text, which ClickHouse fills in."""
        quote = self.connection.ops.quote_name
        sql = f"INSERT INTO {quote(opts.db_table)} ({quote(field.column)}) VALUES " + ", ".join(
            ["(DEFAULT)"] * rows
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql)

    def _returned_rows(self, opts, objs, returning_fields):
        """What an INSERT ... RETURNING would give: the ids, and database defaults read
        back by id (and converted as a query's values are) when Django asks for them."""
        pk = opts.pk
        ids = list(map(operator.attrgetter(pk.attname), objs))
        if all(field is pk for field in returning_fields):
            return [(value,) for value in ids]
        if any(isinstance(value, DatabaseDefault) for value in ids):
            # No id to read the rows back by: the objects keep what they were given, as
            # on a backend that cannot return values from an INSERT.
            getters = [operator.attrgetter(field.attname) for field in returning_fields]
            return [tuple(get(obj) for get in getters) for obj in objs]
        quote = self.connection.ops.quote_name
        names = ", ".join(quote(field.column) for field in returning_fields)
        sql = (
            f"SELECT {quote(pk.column)}, {names} FROM {quote(opts.db_table)} "
            f"WHERE {quote(pk.column)} IN %s"
        )
        by_id = {}
        with self.connection.cursor() as cursor:
            for start in range(0, len(ids), READ_BACK_BATCH):
                cursor.execute(sql, [tuple(ids[start : start + READ_BACK_BATCH])])
                by_id.update((row[0], row[1:]) for row in cursor.fetchall())
        rows = [by_id[value] for value in ids]
        converters = self.get_converters([f.get_col(opts.db_table) for f in returning_fields])
        return list(self.apply_converters(rows, converters)) if converters else rows


# Ids per read-back query: ClickHouse parses at most max_ast_elements (50,000) nodes.
READ_BACK_BATCH = 20_000


def _run_logged(connection, cursor, logged_sql: str, run) -> None:
    """Run a statement Django's cursor wrapper cannot take, as the wrapper would: inside
    the connection's execute_wrappers, with database errors translated, and in the query
    log (``connection.queries``, ``assertNumQueries``) when queries are logged."""

    def execute(sql, params, many, context):
        with connection.wrap_database_errors:
            return run()

    executor = execute
    for wrapper in reversed(connection.execute_wrappers):
        executor = functools.partial(wrapper, executor)
    started = time.monotonic()
    try:
        executor(logged_sql, None, True, {"connection": connection, "cursor": cursor})
    finally:
        if connection.queries_logged:
            connection.queries_log.append(
                {"sql": logged_sql, "time": f"{time.monotonic() - started:.3f}"}
            )


def _computes_on_save(field) -> bool:
    """Whether the field's pre_save() may give something else than its attribute:
    overridden, or Django's date/time fields with auto_now or auto_now_add."""
    method = type(field).pre_save
    if method is Field.pre_save:
        return False
    if method in (DateField.pre_save, DateTimeField.pre_save, TimeField.pre_save):
        return field.auto_now or field.auto_now_add
    return True


def _refuse_in_assignment(field, value) -> None:
    """What no UPDATE can set a column to, as Django refuses it on every backend."""
    if value.contains_aggregate:
        raise FieldError(f"update() cannot set {field.name} to an aggregate ({value!r})")
    if value.contains_over_clause:
        raise FieldError(f"update() cannot set {field.name} to a window function ({value!r})")

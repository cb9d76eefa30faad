"""Inserts: objects in as Native column blocks, since SQL text is parsed value by value
by the server and runs 5-6x slower. Their values are prepared a column at a time (see
``insert_values``). Auto primary keys are generated first (see
``DatabaseOperations.generate_ids``), as is a primary key left to its ``db_default``
(the expression evaluated for each row), and come back to Django as if the INSERT had
returned them.
"""

from __future__ import annotations

import functools
import operator
import time

from django.db import NotSupportedError
from django.db.models import DateField, DateTimeField, Field, TimeField
from django.db.models.expressions import DatabaseDefault, Value
from django.db.models.sql import compiler

from .insert_values import prepare_column
from .reads import SQLCompiler


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
        if opts.pk in fields and opts.pk.has_db_default() and not self.query.raw:
            self._fill_default_keys(opts.pk, objs)
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

    def _fill_default_keys(self, pk, objs) -> None:
        """Give the objects that leave their primary key to its db_default the values
        ClickHouse would compute for their rows (a constant as it is; an expression in
        one query for them all, evaluated for each row): ClickHouse returns nothing from
        an INSERT, and without its key a row cannot be read back, nor the object saved
        again."""
        left = [obj for obj in objs if isinstance(getattr(obj, pk.attname), DatabaseDefault)]
        if not left:
            return
        expression = pk._db_default_expression
        if isinstance(expression, Value):  # a constant: no query
            rows = [(pk.to_python(expression.value),)] * len(left)
        else:
            sql, params = self.compile(expression)
            with self.connection.cursor() as cursor:
                cursor.execute(f"SELECT {sql} FROM numbers(%s)", (*params, len(left)))
                rows = cursor.fetchall()
            converters = self.get_converters([pk.get_col(pk.model._meta.db_table)])
            if converters:
                rows = self.apply_converters(rows, converters)
        for obj, (value,) in zip(left, rows, strict=True):
            setattr(obj, pk.attname, value)

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

"""Django's SQL compilers, with inserts sent as ClickHouse Native blocks.

An INSERT built as SQL text is parsed value by value by the server and runs 5-6x slower
than the same rows sent in columns; so ``create()`` and ``bulk_create()`` hand columns
to the driver's columnar ``executemany``. Auto primary keys are generated first (see
``DatabaseOperations.generate_ids``) and come back to Django as if the INSERT had
returned them.
"""

from __future__ import annotations

from django.db import NotSupportedError
from django.db.models.expressions import DatabaseDefault
from django.db.models.sql import compiler

SQLCompiler = compiler.SQLCompiler
SQLDeleteCompiler = compiler.SQLDeleteCompiler
SQLUpdateCompiler = compiler.SQLUpdateCompiler
SQLAggregateCompiler = compiler.SQLAggregateCompiler


class SQLInsertCompiler(compiler.SQLInsertCompiler):
    def execute_sql(self, returning_fields=None):
        opts = self.query.get_meta()
        objs = self.query.objs
        fields = list(self.query.fields)
        auto = opts.auto_field
        if auto is not None and auto not in fields and objs:
            for obj, new_id in zip(objs, self.connection.ops.generate_ids(len(objs)), strict=True):
                setattr(obj, auto.attname, new_id)
            fields.insert(0, auto)

        rows = [
            [self.prepare_value(field, self.pre_save_val(field, obj)) for field in fields]
            for obj in objs
        ]
        # Objects that leave the same fields to their db_default go in one block each,
        # without those columns: ClickHouse fills them in.
        groups: dict[tuple[bool, ...], list[list]] = {}
        for row in rows:
            groups.setdefault(tuple(isinstance(v, DatabaseDefault) for v in row), []).append(row)
        for defaulted, group in groups.items():
            self._insert_columns(opts, fields, defaulted, group)
        if not returning_fields:
            return []
        return self._returned_rows(opts, objs, returning_fields)

    def _insert_columns(self, opts, fields, defaulted, rows) -> None:
        kept = [index for index, is_default in enumerate(defaulted) if not is_default]
        columns = [[row[index] for row in rows] for index in kept]
        if any(hasattr(value, "resolve_expression") for column in columns for value in column):
            raise NotSupportedError(
                "ClickHouse inserts take values, not expressions such as F() or functions; "
                "compute the values before saving"
            )
        table = self.connection.ops.quote_name(opts.db_table)
        names = ", ".join(self.connection.ops.quote_name(fields[index].column) for index in kept)
        # Django's cursor wrapper knows no columnar inserts: use the driver's cursor.
        with self.connection.cursor() as cursor, self.connection.wrap_database_errors:
            cursor.cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES", columns, columnar=True
            )

    def _returned_rows(self, opts, objs, returning_fields):
        """What an INSERT ... RETURNING would give: the ids, and database defaults read
        back by id when Django asks for them too."""
        pk = opts.pk
        ids = [getattr(obj, pk.attname) for obj in objs]
        if all(field is pk for field in returning_fields):
            return [(value,) for value in ids]
        names = ", ".join(self.connection.ops.quote_name(f.column) for f in returning_fields)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {self.connection.ops.quote_name(pk.column)}, {names} "
                f"FROM {self.connection.ops.quote_name(opts.db_table)} "
                f"WHERE {self.connection.ops.quote_name(pk.column)} IN %s",
                [tuple(ids)],
            )
            by_id = {row[0]: row[1:] for row in cursor.fetchall()}
        return [by_id[value] for value in ids]

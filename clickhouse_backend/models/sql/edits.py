"""Edits: ``update()`` as an ``ALTER TABLE ... UPDATE`` mutation and ``delete()`` as a
lightweight ``DELETE`` (``TRUNCATE`` when every row goes), built from the query's own
parts, in the table the rows live in (``targets``: a Distributed model's local tables),
with honest row counts (``mutations``).
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet, FieldError, FullResultSet
from django.db import DataError, NotSupportedError
from django.db.models import Q
from django.db.models.expressions import Value
from django.db.models.lookups import GreaterThan, LessThan
from django.db.models.sql import Query, compiler
from django.db.models.sql.constants import MULTI, ROW_COUNT

from .mutations import run_counted
from .reads import SQLCompiler
from .targets import COUNT_SQL, DELETE_SQL, TRUNCATE_SQL, UPDATE_SQL, target_of


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


def _refuse_in_assignment(field, value) -> None:
    """What no UPDATE can set a column to, as Django refuses it on every backend."""
    if value.contains_aggregate:
        raise FieldError(f"update() cannot set {field.name} to an aggregate ({value!r})")
    if value.contains_over_clause:
        raise FieldError(f"update() cannot set {field.name} to a window function ({value!r})")

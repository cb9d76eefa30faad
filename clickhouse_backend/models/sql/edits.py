"""Edits: ``update()`` as a lightweight ``UPDATE ... SET`` or an ``ALTER TABLE ...
UPDATE`` mutation, and ``delete()`` as a lightweight ``DELETE`` (``TRUNCATE`` when every
row goes), built from the query's own parts, in the table the rows live in (``targets``:
a Distributed model's local tables), with honest row counts (``mutations``).

Which form an update takes (docs/backend.md, "Edits that take milliseconds"): rows
picked by primary key (``save()``, ``filter(pk=...)``, ``filter(pk__in=[...])`` of up to
``LIGHTWEIGHT_MAX_KEYS`` values) are changed by a lightweight ``UPDATE`` when the table
allows it (its engine takes them, it has ``enable_block_number_column`` and
``enable_block_offset_column``, the session's ``enable_lightweight_update`` is on, and the
statement runs on the connected node, not ``ON CLUSTER``): ClickHouse writes a patch part
of the changed columns of those rows, in milliseconds, visible when the statement returns.
Any other update, and one ClickHouse refuses to run lightweight, is an ``ALTER TABLE ...
UPDATE`` mutation, which rewrites the parts that hold the rows (``mutations``: refused
behind a failed mutation, killed when it fails). Neither form is atomic over many parts:
a lightweight update that fails keeps the patch parts it wrote before the error (for rows
picked by key, one part); it leaves nothing queued.

What an update needs of its table (key columns, whether it takes lightweight updates) is
read once and cached (``DatabaseIntrospection.get_edit_facts``; the schema editor forgets
it), so that ``save()`` is two round trips: the count (with every check in it) and the
statement.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.exceptions import EmptyResultSet, FieldError, FullResultSet
from django.db import DatabaseError, DataError, NotSupportedError
from django.db.models import Q
from django.db.models.expressions import Col, ColPairs, Value
from django.db.models.lookups import Exact, GreaterThan, In, LessThan
from django.db.models.sql import Query, compiler
from django.db.models.sql.constants import MULTI, ROW_COUNT
from django.db.models.sql.where import AND, WhereNode

from ...backend.computed_columns import computed_kind
from .correlation import keys_query, refers_to, shadowed_aliases
from .insert_values import prepare_column
from .mutations import counted, listed_mutations, run_counted, run_mutation
from .reads import SQLCompiler, settings_sql
from .targets import (
    CHECKED_COUNT_SQL,
    COUNT_SQL,
    DELETE_SQL,
    JSON_AS_WRITTEN_SQL,
    JSON_WITH_DATES_SQL,
    LIGHTWEIGHT_UPDATE_SQL,
    MUTATION_DELETE_SQL,
    TRUNCATE_SQL,
    UPDATE_SQL,
    target_of,
)

# The most primary key values a filter(pk__in=[...]).update() may list for a lightweight
# UPDATE: ClickHouse advises them for small changes; a bigger one is a mutation.
LIGHTWEIGHT_MAX_KEYS = 1000
# Errors that mean "not as a lightweight update" (the engine, a table setting, the
# session's enable_lightweight_update): the update runs as a mutation instead.
_LIGHTWEIGHT_REFUSALS = frozenset({"NOT_IMPLEMENTED", "SUPPORT_IS_DISABLED"})
# ClickHouse refuses to UPDATE a key column (even to its own value).
_KEY_COLUMN_REFUSAL = "CANNOT_UPDATE_COLUMN"


class SQLDeleteCompiler(compiler.SQLDeleteCompiler, SQLCompiler):
    """``DELETE FROM`` is ClickHouse's lightweight delete (``TRUNCATE`` when every row
    goes), in the table the rows live in (see ``targets``), with an honest row count. A
    table outside the MergeTree family takes ``ALTER TABLE ... DELETE`` (Memory, Join),
    or says it takes no deletes, as it says it takes no updates (Log, Set)."""

    def as_sql(self):
        """Django's; rows picked by a subquery that refers to the table while it reads
        a table of that name are picked by key instead (see ``correlation``)."""
        if self.single_alias and shadowed_aliases(self.query):
            picked = Query(self.query.model)
            picked.add_filter("pk__in", keys_query(self.query))
            return self._as_sql(picked)
        return super().as_sql()

    def _as_sql(self, query):
        """The DELETE of ``query``'s rows (Django hands a query with joins over as
        ``pk IN (...)``); the rows are counted by the same WHERE."""
        target = target_of(query.model, self.connection)
        try:
            where, params = self.compile(query.where)
        except FullResultSet:
            where, params = "", ()
        self._counted = (COUNT_SQL.format(table=target.queried_sql, where=where or "1"), params)
        # This query's .settings(): a query with joins hands over a new one without them.
        settings, settings_params = _settings_of(self.query)
        if not where:
            sql = TRUNCATE_SQL.format(
                table=target.table, on_cluster=target.on_cluster, settings=settings
            )
            return sql, tuple(settings_params)
        if target.relabels:
            where, params = self.compile(query.where.relabeled_clone(target.relabels))
        sql = self._delete_template.format(
            table=target.table, on_cluster=target.on_cluster, where=where, settings=settings
        )
        return sql, (*params, *settings_params)

    # A lightweight DELETE, unless execute_sql() finds that the table takes none.
    _delete_template = DELETE_SQL

    def execute_sql(self, result_type=MULTI):
        if result_type != ROW_COUNT:
            return super().execute_sql(result_type)
        target = target_of(self.query.model, self.connection)
        with self.connection.cursor() as cursor:
            introspection = self.connection.introspection
            facts = introspection.get_edit_facts(cursor, target.name, target.database)
        if not facts.lightweight_delete:
            self._delete_template = MUTATION_DELETE_SQL
        try:
            sql, params = self.as_sql()
        except EmptyResultSet:
            return 0
        count_sql, count_params = self._counted
        try:
            return run_counted(
                self.connection, target.name, target.database, sql, params, count_sql, count_params
            )
        except DatabaseError as error:
            # A table with projections takes no lightweight DELETE unless its
            # lightweight_mutation_projection_mode allows it: a mutation rebuilds them.
            if self._delete_template is MUTATION_DELETE_SQL or (
                _error_name(error) not in _LIGHTWEIGHT_REFUSALS
            ):
                raise
        introspection.refuses_lightweight_delete(target.name, target.database)
        self._delete_template = MUTATION_DELETE_SQL
        sql, params = self.as_sql()
        count_sql, count_params = self._counted
        return run_counted(
            self.connection, target.name, target.database, sql, params, count_sql, count_params
        )


class SQLUpdateCompiler(compiler.SQLUpdateCompiler, SQLCompiler):
    """``update()`` of the table the rows live in (see ``targets``), as a lightweight
    ``UPDATE`` or an ``ALTER TABLE ... UPDATE`` mutation (see the module docstring), with
    an honest row count.

    Mutations apply when the statement returns as long as the session's
    ``mutations_sync`` says so (the backend sets it to 1; see docs/backend.md).
    """

    def as_sql(self):
        """The ``ALTER TABLE ... UPDATE`` of the query; ``execute_sql`` runs the
        lightweight form instead where it can, without the key columns it keeps."""
        self.pre_sql_setup()  # Django's: a WHERE over joins becomes pk IN (...)
        values = [item for item in self.query.values if computed_kind(item[0]) != "ephemeral"]
        if not values:
            return "", ()
        return self._statement(self._assignments(values), lightweight=False)

    def pre_sql_setup(self):
        """Django's (a WHERE over joins becomes ``pk IN (...)``); so does one whose
        subquery refers to the table while it reads a table of that name (see
        ``correlation``): the table a mutation changes has no alias to tell them apart."""
        super().pre_sql_setup()
        if shadowed_aliases(self.query):
            keys = keys_query(self.query)
            self.query.clear_where()
            self.query.add_filter("pk__in", keys)

    def _statement(self, assignments: list[tuple[str, list]], lightweight: bool):
        """The statement that makes these assignments (as ``_assignments`` gives them)."""
        target = self._target
        where, where_params = self._where(target.relabels)
        template = LIGHTWEIGHT_UPDATE_SQL if lightweight else UPDATE_SQL
        settings, settings_params = _settings_of(self.query)
        sql = template.format(
            table=target.table,
            on_cluster=target.on_cluster,
            assignments=", ".join(sql for sql, _ in assignments),
            where=where or "1",
            settings=settings,
        )
        values = (param for _, params in assignments for param in params)
        return sql, (*values, *where_params, *settings_params)

    @property
    def _target(self):
        return target_of(self.query.model, self.connection)

    def _assignments(self, values: list[tuple]) -> list[tuple[str, list]]:
        """``column = value`` and its params for each field update() sets, prepared as
        Django prepares values for saving (a model instance for a foreign key,
        expressions), in the table the statement changes."""
        quote = self.connection.ops.quote_name
        relabels = self._target.relabels
        assignments = []
        for field, _, value in values:
            if hasattr(value, "resolve_expression"):
                value = value.resolve_expression(self.query, allow_joins=False, for_save=True)
                _refuse_in_assignment(field, value, set(self.query.alias_map))
            elif hasattr(value, "prepare_database_save"):
                if not field.remote_field:
                    raise TypeError(  # Django's own words, which users may search for
                        f"Tried to update field {field} with a model instance, {value!r}. "
                        f"Use a value compatible with {type(field).__name__}."
                    )
                value = value.prepare_database_save(field)
            if not hasattr(value, "resolve_expression") and value is not None:
                # Checked as an insert checks it: ClickHouse would wrap or cut it.
                prepare_column(field, [value], self.connection)
            value = field.get_db_prep_save(value, connection=self.connection)
            placeholder = "%s"
            if hasattr(field, "get_placeholder"):
                placeholder = field.get_placeholder(value, self, self.connection)
            if hasattr(value, "as_sql"):
                sql, value_params = self.compile(value.relabeled_clone(relabels))
                assignments.append((f"{quote(field.column)} = {placeholder % sql}", value_params))
            elif value is None:
                assignments.append((f"{quote(field.column)} = NULL", []))
            else:
                assignments.append((f"{quote(field.column)} = {placeholder}", [value]))
        return assignments

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
        try:
            self.pre_sql_setup()  # Django's: a WHERE over joins becomes pk IN (...)
            if not self.query.values:
                return 0
            self._where()  # a WHERE that matches nothing (pk__in=[]) runs nothing
        except EmptyResultSet:
            return 0
        # Each value is read twice (the count checks it): an iterator only once.
        self.query.values = [
            (field, model, list(value) if isinstance(value, Iterator) else value)
            for field, model, value in self.query.values
        ]
        # What no UPDATE can set is refused before anything runs.
        assignments = self._assignments(self.query.values)
        try:
            return self._update(assignments, cached=True)
        except _StaleFactsError:
            # The table changed since its facts were read (not through our schema
            # editor): read them again, once.
            return self._update(assignments, cached=False)

    def _update(self, assignments: list[tuple[str, list]], cached: bool) -> int:
        """Count the matched rows with every check, then change them; how many."""
        introspection = self.connection.introspection
        target = self._target
        table = self.query.get_meta().db_table
        values = self.query.values
        if not cached:
            introspection.forget_edit_facts(table)
            introspection.forget_edit_facts(target.name, target.database)
        with self.connection.cursor() as cursor:
            facts = introspection.get_edit_facts(cursor, target.name, target.database)
            keys = facts.key_columns
            if target.name != table:  # a Distributed one's sharding key too
                keys = keys | introspection.get_edit_facts(cursor, table).key_columns
            keyed = [index for index, item in enumerate(values) if item[0].column in keys]
            computed = self._computed_integers(values)
            lightweight = (
                facts.lightweight_update and not target.on_cluster and self._picks_rows_by_key()
            )
            checks = [self._condition(~Q((values[i][0].attname, values[i][2]))) for i in keyed]
            checks += [condition for *_, condition in computed]
            reread_json = self._json_read_as_dates(values)
            checks += [condition for *_, condition in reread_json]
            where, where_params = self._where()
            count_sql = CHECKED_COUNT_SQL.format(
                checks="".join(f", countIf({sql})" for sql, _ in checks),
                table=target.queried_sql,
                where=where or "1",
            )
            count_params = [param for _, params in checks for param in params]
            counts, mutations = counted(
                cursor,
                count_sql,
                [*count_params, *where_params],
                None if lightweight else target.name,
                target.database,
            )
            matched, *counts = counts
            if not matched:
                return 0
            self._refuse_key_changes([values[i] for i in keyed], counts[: len(keyed)], cached)
            self._refuse_out_of_range(computed, counts[len(keyed) : len(keyed) + len(computed)])
            json_counts = counts[len(keyed) + len(computed) :]
            # Assignments to key columns that keep their value are left out, and those
            # to EPHEMERAL columns (ClickHouse takes them only on insert; save() of a
            # created object still holds their values).
            ephemeral = {i for i, (f, *_) in enumerate(values) if computed_kind(f) == "ephemeral"}
            skipped = {*keyed, *ephemeral}
            kept = [item for index, item in enumerate(assignments) if index not in skipped]
            if not kept:  # nothing left to change, but save() must know the row is there
                return matched
            try:
                if lightweight:
                    try:
                        cursor.execute(*self._statement(kept, lightweight=True))
                        return matched
                    except DatabaseError as error:
                        if _error_name(error) not in _LIGHTWEIGHT_REFUSALS:
                            raise
                    introspection.refuses_lightweight_update(target.name, target.database)
                    mutations = listed_mutations(cursor, target.name, target.database)
                self._refuse_dates_from_strings(reread_json, json_counts)
                sql, params = self._statement(kept, lightweight=False)
                run_mutation(cursor, target.name, target.database, sql, params, mutations)
            except DatabaseError as error:
                if cached and _error_name(error) == _KEY_COLUMN_REFUSAL:
                    raise _StaleFactsError from error
                raise
        return matched

    def _picks_rows_by_key(self) -> bool:
        """Whether the WHERE picks rows by primary key: ``pk = value``, or ``pk IN`` a
        list of up to ``LIGHTWEIGHT_MAX_KEYS`` values, with any other conditions ANDed."""
        where = self.query.where
        if where.negated or where.connector != AND:
            return False
        pk_fields = tuple(self.query.get_meta().pk_fields)
        return any(_picks_by(child, pk_fields) for child in where.children)

    def _condition(self, q: Q) -> tuple[str, list]:
        """``q`` alone, as SQL over the query's table (a countIf of the count)."""
        query = self.query.chain(klass=Query)
        query.where = WhereNode()
        try:
            query.add_q(q)
            return query.get_compiler(self.using).compile(query.where)
        except FullResultSet:
            return "1", []
        except EmptyResultSet:
            return "0", []

    def _refuse_key_changes(self, keyed: list[tuple], counts: list[int], cached: bool) -> None:
        """ClickHouse refuses to UPDATE a column of the table's keys (or one its engine
        names), even to the value it has, while ``save()`` of a loaded object assigns
        every field. So such assignments are counted instead: if a matched row would
        change, the update is refused with the reason; otherwise they are left out."""
        names = sorted(
            field.column for (field, *_), count in zip(keyed, counts, strict=True) if count
        )
        if not names:
            return
        if cached:
            raise _StaleFactsError  # unless the keys changed since they were read
        table = self.query.get_meta().db_table
        raise NotSupportedError(
            f"ClickHouse cannot change {', '.join(names)}: a key of table {table} (sorting, "
            "partition, primary or sampling key, or an engine parameter). Save a new "
            "row and delete the old one instead."
        )

    def _computed_integers(self, values: list[tuple]) -> list[tuple]:
        """An integer column set from an expression (``F("stock") - 1``) must stay in
        its type's range: ClickHouse would wrap the value around (0 - 1 in a UInt32 is
        4294967295), where other databases refuse it. Values are checked in Python;
        expressions by counting the matched rows they would take out of range: each as
        (field, value, low, high, the condition as SQL and params)."""
        computed = []
        for field, _, value in values:
            if not hasattr(value, "resolve_expression") or isinstance(value, Value):
                continue
            try:
                low, high = self.connection.ops.integer_field_range(field.get_internal_type())
            except KeyError:
                continue  # not an integer column
            outside = self.query.chain(klass=Query)
            try:
                value = value.resolve_expression(outside, allow_joins=False, for_save=True)
                condition = Q(LessThan(value, low)) | Q(GreaterThan(value, high))
                computed.append((field, value, low, high, self._condition(condition)))
            except FieldError:  # no type to compare (F("n").bitxor(None) is NULL)
                continue
        return computed

    def _refuse_out_of_range(self, computed: list[tuple], counts: list[int]) -> None:
        for (field, value, low, high, _), count in zip(computed, counts, strict=True):
            if count:
                model = self.query.get_meta().label
                raise DataError(
                    f"{model}.{field.name}: {value} would be outside the range of its "
                    f"column ({low} to {high}) in {count} row(s); nothing was updated"
                )

    def _json_read_as_dates(self, values: list[tuple]) -> list[tuple]:
        """A mutation turns JSON text into the column's types with the server's default
        settings, whatever the session says: a string shaped like a date becomes a Date
        ("2020/01/01" read back as "2020-01-01"). So each JSONField value holding strings
        is checked: whether ClickHouse reads it differently with dates inferred than the
        session does (which does not infer them); each as (field, value, condition)."""
        checks = []
        for field, _, value in values:
            if field.get_internal_type() != "JSONField" or not _holds_strings(value):
                continue
            text = field.get_db_prep_save(value, connection=self.connection)
            condition = (
                f"({JSON_WITH_DATES_SQL}) != {JSON_AS_WRITTEN_SQL}",
                [text, text],
            )
            checks.append((field, value, condition))
        return checks

    def _refuse_dates_from_strings(self, checks: list[tuple], counts: list[int]) -> None:
        for (field, value, _), count in zip(checks, counts, strict=True):
            if count:
                model = self.query.get_meta().label
                raise DataError(
                    f"{model}.{field.name}: update() would run as a mutation, and ClickHouse's "
                    f"mutations store the strings of {value!r} that look like dates as dates "
                    "(given back in ClickHouse's format); nothing was updated. Save the "
                    "objects one by one, or pass the dates in the form ClickHouse writes them "
                    "(YYYY-MM-DD, YYYY-MM-DD hh:mm:ss)"
                )


def _holds_strings(value) -> bool:
    """Whether a JSON document has a string anywhere (keys aside)."""
    if isinstance(value, str):
        return True
    if isinstance(value, dict):
        return any(map(_holds_strings, value.values()))
    if isinstance(value, (list, tuple)):
        return any(map(_holds_strings, value))
    return False


class _StaleFactsError(Exception):
    """What was cached of the table no longer holds: read it again."""


def _picks_by(lookup, pk_fields: tuple) -> bool:
    """Whether ``lookup`` is ``pk = value`` or ``pk IN`` a short list of values."""
    if isinstance(lookup, Exact):
        values = [lookup.rhs]
    elif isinstance(lookup, In) and isinstance(lookup.rhs, (list, tuple, set, frozenset)):
        values = list(lookup.rhs)
    else:
        return False
    if isinstance(lookup.lhs, Col):
        columns = (lookup.lhs.target,)
    elif isinstance(lookup.lhs, ColPairs):
        columns = tuple(lookup.lhs.targets)
    else:
        return False
    return (
        columns == pk_fields
        and 0 < len(values) <= LIGHTWEIGHT_MAX_KEYS
        and not any(hasattr(value, "resolve_expression") for value in values)
    )


def _error_name(error: BaseException) -> str | None:
    """ClickHouse's name of the error (UNKNOWN_TABLE ...), from the driver's error that
    Django's, or ours, was raised from."""
    while error is not None:
        name = getattr(error, "name", None)
        if isinstance(name, str):
            return name
        error = error.__cause__ or error.__context__
    return None


def _refuse_in_assignment(field, value, aliases: set[str]) -> None:
    """What no UPDATE can set a column to (in Django's words), and what ClickHouse's
    cannot: a subquery correlated with the rows being changed, which it refuses, or on
    their own table silently reads as correlated with itself."""
    if value.contains_aggregate:
        raise FieldError(
            f"Aggregate functions are not allowed in this query ({field.name}={value!r})."
        )
    if value.contains_over_clause:
        raise FieldError(
            f"Window expressions are not allowed in this query ({field.name}={value!r})."
        )
    if refers_to(value, aliases):
        raise NotSupportedError(
            f"ClickHouse cannot update() {field.name} to a subquery that refers to the rows "
            "being updated (OuterRef); read the values with annotate() and save them with "
            "bulk_update()"
        )


def _settings_of(query) -> tuple[str, list]:
    """The ``SETTINGS`` clause of ``QuerySet.settings()`` for the statement, if any."""
    return settings_sql(getattr(query, "clickhouse_settings", None))

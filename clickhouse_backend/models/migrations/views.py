"""Materialized views as migration operations.

A materialized view runs its SELECT on each block inserted into the table it reads and
inserts the result into the table named by ``TO``, the table of an ordinary model (so
the ORM reads what the view wrote). Its columns go to the target's columns of the same
names. A view without ``TO`` keeps its rows in a hidden inner table that no model
describes, so every view here has one.
"""

from __future__ import annotations

from django.db import DatabaseError, NotSupportedError

from ...backend.clusters import cluster_of
from .base import (
    ClickHouseOperation,
    DropOperation,
    Query,
    check_reads_here,
    checked_query,
    select_sql,
    selected_columns,
)

__all__ = ["CreateMaterializedView", "DropMaterializedView"]


class CreateMaterializedView(ClickHouseOperation):
    """``CreateMaterializedView("daily_views", to="app.DailyViews", query=...)``.

    ``query`` is a QuerySet (compiled by this backend, values written as literals) or
    SELECT text. ``populate=True`` also copies what the query gives now into the target
    (ClickHouse's POPULATE, which it refuses with TO); rows inserted while that copy runs
    may be counted twice, so populate before writes begin. A target that already holds
    rows is refused (the copy would count them twice). Reversed by dropping the view;
    the target table and its rows stay.
    """

    sql_create = "CREATE MATERIALIZED VIEW %(name)s%(on_cluster)s TO %(table)s AS %(query)s"
    sql_populate = "INSERT INTO %(table)s (%(columns)s) %(query)s"
    sql_drop = "DROP VIEW %(name)s%(on_cluster)s"

    def __init__(self, name: str, to: str, query: Query, populate: bool = False) -> None:
        super().__init__(name, to)
        self.query = checked_query(type(self).__name__, query)
        self.populate = populate
        if populate and isinstance(query, str):
            raise TypeError(
                f"{type(self).__name__} {name!r}: populate=True needs the query as a "
                "QuerySet, whose column names say which target columns to fill; with SQL "
                "text, backfill with RunSQL('INSERT INTO target (columns) SELECT ...')"
            )

    def describe(self) -> str:
        return f"Create materialized view {self.name} (to {self.model})"

    @property
    def migration_name_fragment(self) -> str:
        return f"create_view_{self.name.lower()}"

    def create_sql(self, schema_editor, model) -> list[str]:
        connection = schema_editor.connection
        check_reads_here(connection, self.query, f"{type(self).__name__} {self.name!r}")
        values = {
            "name": schema_editor.quote_name(self.name),
            "on_cluster": self.on_cluster_sql(schema_editor, model),
            "table": schema_editor.quote_name(model._meta.db_table),
            "query": select_sql(connection, self.query),
        }
        statements = [self.sql_create % values]
        if self.populate:
            if cluster_of(model) is not None:
                raise NotSupportedError(
                    f"{type(self).__name__} {self.name!r}: populate=True would copy rows "
                    "through one node of the cluster only; backfill each shard with RunSQL"
                )
            self.refuse_filled_target(schema_editor, model)
            columns = selected_columns(connection, self.query, type(self).__name__)
            statements.append(
                self.sql_populate
                % {**values, "columns": ", ".join(map(schema_editor.quote_name, columns))}
            )
        return statements

    def refuse_filled_target(self, schema_editor, model) -> None:
        """Refuse to populate a target that holds rows: they came from this view applied
        before (unapplying drops the view, not its rows) or from elsewhere, and the copy
        would add the source's rows to them, counting each twice. Raised before any
        statement runs; sqlmigrate, which reads nothing, shows the statements."""
        if schema_editor.collect_sql:
            return
        table = model._meta.db_table
        rows = schema_editor.rows_in(table)
        if rows:
            raise DatabaseError(
                f"{type(self).__name__} {self.name!r}: populate=True would copy the query's "
                f"rows into table {table}, which already holds {rows:,} "
                f"row{'' if rows == 1 else 's'} (from this view applied before, or from "
                "elsewhere): they would be counted twice. Nothing was created. Empty the "
                f"table first ({model.__name__}.objects.all().delete()), or set "
                "populate=False in the migration to keep the rows it holds."
            )


class DropMaterializedView(DropOperation, CreateMaterializedView):
    """``DropMaterializedView("daily_views", to="app.DailyViews", query=...)``: drops
    the view; reversed by creating it again from ``query`` (never populated: its target
    kept its rows). Without ``query`` it cannot be reversed."""

    def __init__(self, name: str, to: str, query: Query | None = None) -> None:
        ClickHouseOperation.__init__(self, name, to)
        self.query = None if query is None else checked_query(type(self).__name__, query)
        self.populate = False

    @property
    def has_definition(self) -> bool:
        return self.query is not None

    def describe(self) -> str:
        return f"Drop materialized view {self.name} (to {self.model})"

    @property
    def migration_name_fragment(self) -> str:
        return f"drop_view_{self.name.lower()}"

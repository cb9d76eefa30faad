"""What the ClickHouse migration operations share: where they run, ON CLUSTER, and a
SELECT written as a QuerySet or as SQL text.

They create objects that are not models (a materialized view, a dictionary), so they
leave the migration state alone and only run DDL. Each is about a model of the state (a
view's target table, a dictionary's source table): it runs where the routers let that
model migrate, with that model's ``Meta.cluster``, and on ClickHouse only.
"""

from __future__ import annotations

from typing import Any

from django.db import NotSupportedError, router
from django.db.migrations.operations.base import Operation, OperationCategory
from django.db.models.query import QuerySet

from ...backend.clusters import cluster_of, needs_a_server
from ...driver.escape import substitute

Query = QuerySet | str


class ClickHouseOperation(Operation):
    """An operation on one named ClickHouse object that belongs with a model of the state.
    A subclass says how the object is created (``create_sql``: its statements) and
    dropped (``sql_drop``: the DROP statement of its kind)."""

    category = OperationCategory.ADDITION
    sql_drop: str  # "DROP <kind> %(name)s%(on_cluster)s"

    def __init__(self, name: str, model: str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"{type(self).__name__} needs a name (a non-empty str), not {name!r}")
        self.name = name
        self.model = _model_label(type(self).__name__, model)

    def state_forwards(self, app_label: str, state) -> None:
        """Views and dictionaries are no models: the state has nothing to change."""

    def state_model(self, state):
        """The model this operation is about, as the migration state has it."""
        app_label, model_name = self.model.split(".")
        try:
            return state.apps.get_model(app_label, model_name)
        except LookupError:
            raise LookupError(
                f"{type(self).__name__} {self.name!r}: {self.model!r} names no model of the "
                "migration state; add a dependency on the migration that creates it"
            ) from None

    def runs_on(self, schema_editor, model) -> bool:
        """Whether to run on this database: ClickHouse, where the routers put ``model``
        (managed or not: a view may write to a table some other migration made)."""
        connection = schema_editor.connection
        if connection.vendor != "clickhouse":
            return False
        meta = model._meta
        return router.allow_migrate(
            connection.alias, meta.app_label, model_name=meta.model_name, model=model
        )

    def on_cluster_sql(self, schema_editor, model) -> str:
        """`` ON CLUSTER <Meta.cluster of model>``, or ``""``, as the schema editor
        writes it for the model's own table."""
        cluster = cluster_of(model)
        if cluster is None:
            return ""
        if schema_editor.runs_embedded:
            why = f"has Meta.cluster = {cluster!r} ({self.describe()} would run ON CLUSTER)"
            raise NotSupportedError(needs_a_server(model, why))
        return f" ON CLUSTER {schema_editor.quote_name(cluster)}"

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        self.create(schema_editor, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        self.drop(schema_editor, from_state)

    def create(self, schema_editor, state) -> None:
        model = self.state_model(state)
        if self.runs_on(schema_editor, model):
            for sql in self.create_sql(schema_editor, model):
                schema_editor.execute(sql, None)

    def drop(self, schema_editor, state) -> None:
        model = self.state_model(state)
        if self.runs_on(schema_editor, model):
            schema_editor.execute(self.drop_sql(schema_editor, model), None)

    def create_sql(self, schema_editor, model) -> list[str]:
        raise NotImplementedError  # each kind of object writes its own CREATE

    def drop_sql(self, schema_editor, model) -> str:
        return self.sql_drop % {
            "name": schema_editor.quote_name(self.name),
            "on_cluster": self.on_cluster_sql(schema_editor, model),
        }


class DropOperation:
    """Mixed into a Create operation: the same object, dropped forwards and created again
    backwards, which needs its whole definition (``has_definition``)."""

    category = OperationCategory.REMOVAL

    @property
    def reversible(self) -> bool:
        return self.has_definition

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        self.drop(schema_editor, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        self.create(schema_editor, to_state)


def _model_label(operation: str, model: Any) -> str:
    """``"app_label.ModelName"``, as a migration names a model."""
    if isinstance(model, str) and model.count(".") == 1 and all(model.split(".")):
        return model
    raise TypeError(
        f"{operation} names its model as 'app_label.ModelName' (a str, as ForeignKey's "
        f"to= in a migration), not {model!r}"
    )


def checked_query(operation: str, query: Any) -> Query:
    """``query`` if it is a QuerySet or SELECT text; else a clear error."""
    if isinstance(query, str) and not query.strip():
        raise ValueError(f"{operation}: query is empty; give a QuerySet or a SELECT")
    if not isinstance(query, QuerySet | str):
        raise TypeError(f"{operation}: query must be a QuerySet or SQL text, not {query!r}")
    return query


def check_reads_here(connection, query: Query, operation: str) -> None:
    """A QuerySet's model must be one the routers keep on this database: ClickHouse
    reads the tables of its own database, so a view over another database's model
    would fail with an unknown table (SQL text is taken as written)."""
    if isinstance(query, str):
        return
    meta = query.model._meta
    if not router.allow_migrate(
        connection.alias, meta.app_label, model_name=meta.model_name, model=query.model
    ):
        raise ValueError(
            f"{operation}: its query reads {meta.label} (table {meta.db_table}), which the "
            f"routers keep off the ClickHouse database {connection.alias!r}; a view reads "
            "tables of its own database: query a model the routers send there"
        )


def select_sql(connection, query: Query) -> str:
    """A SELECT as DDL holds it: a QuerySet compiled by the backend's compiler, its
    values rendered as literals by the driver's escaping (DDL takes no parameters), or
    SQL text as written."""
    if isinstance(query, str):
        return query
    sql, params = query.query.get_compiler(connection=connection).as_sql()
    return substitute(sql, params)


def selected_columns(connection, query: QuerySet, operation: str) -> list[str]:
    """The names of the columns a QuerySet's SELECT gives, as ClickHouse names them (an
    alias, else the column's own name)."""
    compiler = query.query.get_compiler(connection=connection)
    compiler.setup_query()
    names = []
    for expression, _, alias in compiler.select:
        name = alias or getattr(getattr(expression, "target", None), "column", None)
        if name is None:
            raise ValueError(
                f"{operation}: the query's column {expression!r} has no name; name it "
                "with values(name=...) or annotate(name=...)"
            )
        names.append(name)
    return names

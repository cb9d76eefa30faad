"""Where update() and delete() change rows, and the statements that change them.

A model's rows are in its own table, except for a ``Distributed`` model: its table
stores nothing, and ClickHouse refuses to mutate it. Its rows live in the local table
it names, on every node of its cluster, so the change runs there ``ON CLUSTER``, while
the rows are counted through the Distributed table, which reads every shard. On each
shard a Replicated local table runs the mutation once and shares it with its replicas.
On the embedded engine the cluster is this process alone, and the change runs here.

A model with ``Meta.cluster`` but another engine is changed on the connected node only:
that is the table its queries read (a Replicated engine passes the change on to the
shard's other replicas by itself).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import NotSupportedError

from ..engines import Distributed, literal_name

# update() as a mutation that rewrites the parts holding the rows, or (rows picked by
# primary key, on a table that allows it: see edits.py) as a lightweight UPDATE that
# writes a patch part of the changed columns of those rows.
UPDATE_SQL = "ALTER TABLE {table}{on_cluster} UPDATE {assignments} WHERE {where}{settings}"
LIGHTWEIGHT_UPDATE_SQL = "UPDATE {table}{on_cluster} SET {assignments} WHERE {where}{settings}"
DELETE_SQL = "DELETE FROM {table}{on_cluster} WHERE {where}{settings}"
# delete() where lightweight deletes are not taken (Memory, Join): a mutation.
MUTATION_DELETE_SQL = "ALTER TABLE {table}{on_cluster} DELETE WHERE {where}{settings}"
TRUNCATE_SQL = "TRUNCATE TABLE {table}{on_cluster}{settings}"
COUNT_SQL = "SELECT count() FROM {table} WHERE {where}"
# A JSON document as ClickHouse reads it with dates inferred from strings (as mutations
# do) and as the session reads it (without: see backend/base.py).
JSON_WITH_DATES_SQL = (
    "SELECT toJSONString(CAST(%s, 'JSON')) "
    "SETTINGS input_format_try_infer_dates = 1, input_format_try_infer_datetimes = 1"
)
JSON_AS_WRITTEN_SQL = "toJSONString(CAST(%s, 'JSON'))"
# The rows an update() matches, then how many of them each check counts ({checks} is
# ", countIf(condition)" for each), as one array.
CHECKED_COUNT_SQL = "SELECT [count(){checks}] FROM {table} WHERE {where}"


@dataclass(frozen=True)
class Target:
    """The table a mutation changes (``name``, unquoted, in ``database``, None for the
    session's own, and ``table``, as SQL), the ``ON CLUSTER`` clause, and the table its
    rows are counted and queried through."""

    name: str
    database: str | None
    table: str
    on_cluster: str
    queried: str
    queried_sql: str

    @property
    def relabels(self) -> dict[str, str]:
        """The query's alias to rename in the statement's WHERE and values."""
        return {} if self.name == self.queried else {self.queried: self.name}


def target_of(model, connection) -> Target:
    """Where rows of ``model`` are changed."""
    quote_name = connection.ops.quote_name
    table = model._meta.db_table
    engine = getattr(model._meta, "engine", None)
    if not isinstance(engine, Distributed):
        return Target(table, None, quote_name(table), "", table, quote_name(table))
    cluster, database, local = (
        _literal(model, "cluster", engine.cluster),
        _literal(model, "database", engine.database, current_database_ok=True),
        _literal(model, "table", engine.table),
    )
    qualified = (
        quote_name(local) if database is None else f"{quote_name(database)}.{quote_name(local)}"
    )
    # The embedded engine's cluster is this process alone (the schema editor sees to it),
    # and it has no ON CLUSTER.
    on_cluster = "" if connection.runs_embedded else f" ON CLUSTER {quote_name(cluster)}"
    return Target(local, database, qualified, on_cluster, table, quote_name(table))


def _literal(model, argument: str, value, current_database_ok: bool = False) -> str | None:
    """A Distributed argument given as a str; None for ``currentDatabase()``."""
    name = literal_name(value)
    if name is not None:
        return name
    if current_database_ok and getattr(value, "function", None) == "currentDatabase":
        return None
    raise NotSupportedError(
        f"{model._meta.label} is Distributed with its {argument} given as {value!r}: "
        "update() and delete() change its local table, so they need the "
        f"{argument} as a str (the database may be currentDatabase())"
    )

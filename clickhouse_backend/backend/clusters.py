"""``ON CLUSTER``: which cluster a DDL statement's table belongs to.

The schema editor's templates say where ``ON CLUSTER`` goes: ``%(on_cluster)s`` right
after the table they name (``ALTER TABLE %(table)s%(on_cluster)s ADD COLUMN ...``), as
ClickHouse's grammar has it. Such a template is a :class:`ClusterTemplate`: read from an
editor, it fills ``%(on_cluster)s`` itself from the statement's own table, so Django's
methods that format it (and ``Statement`` objects formatted later, deferred SQL too) get
the clause without knowing about it, and a method that formats it for a table of a
clustered model cannot leave it out.

The cluster of a table is its model's ``Meta.cluster`` (a many-to-many table follows its
model), and for the migration recorder's table ``OPTIONS["migration_cluster"]``. The
editor finds the model among the apps of the models it was given (migrations pass
historical models, whose tables may be gone from the project) and then in the project's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.apps import apps as project_apps
from django.db.migrations.recorder import MigrationRecorder


class ClusterTemplate:
    """A DDL template with ``%(on_cluster)s`` after the table named by ``table_key``."""

    def __init__(self, template: str, table_key: str = "table"):
        self.template = template
        self.table_key = table_key

    def __get__(self, editor: Any, owner: type) -> str:
        if editor is None:
            return self.template
        return BoundClusterTemplate(self.template, editor, self.table_key)


class BoundClusterTemplate(str):
    """A template read from an editor: ``%`` adds ``on_cluster`` for the statement's table."""

    def __new__(cls, template: str, editor: Any, table_key: str):
        bound = super().__new__(cls, template)
        bound.editor, bound.table_key = editor, table_key
        return bound

    def __mod__(self, values: Mapping[str, Any]) -> str:
        on_cluster = self.editor.on_cluster_sql(str(values[self.table_key]))
        return str.__mod__(str(self), {**values, "on_cluster": on_cluster})


def cluster_of(model) -> str | None:
    """The model's ``Meta.cluster``; a many-to-many table follows its model's."""
    meta = model._meta
    cluster = getattr(meta, "cluster", None)
    if cluster is None and meta.auto_created:
        cluster = getattr(meta.auto_created._meta, "cluster", None)
    if cluster is not None and not (isinstance(cluster, str) and cluster):
        raise TypeError(
            f"Meta.cluster of {meta.label} must be a cluster's name (a non-empty str), "
            f"not {cluster!r}"
        )
    return cluster


# What the embedded engine lacks that some tables need, by the engine they have.
NO_CLUSTER = "it belongs to no cluster and has no ClickHouse Keeper"
NO_SERVER_CONFIGURATION = "it reads no server configuration, where the rollup rules live"


def needs_a_server(model, why: str, lacking: str = NO_CLUSTER) -> str:
    """Why ``model``'s table cannot be created on the embedded engine."""
    return (
        f"{model._meta.label} {why}, which the embedded engine (chDB) cannot run: "
        f"{lacking}. Migrate it on a server (see docs/cluster.md), or route it elsewhere "
        "where ClickHouse runs embedded"
    )


# How the embedded engine knows a cluster: its nodes, those that are this process, shards.
EMBEDDED_CLUSTER_SQL = (
    "SELECT count(), countIf(is_local), uniqExact(shard_num) FROM system.clusters "
    "WHERE cluster = %s"
)


def embedded_distributed_problem(connection, model, cluster: str | None) -> str | None:
    """Why the embedded engine cannot run a Distributed table over ``cluster``.

    chDB knows the clusters of a ``config.xml`` in its working directory, but it does not
    listen for connections: a Distributed table can only read shards that are this
    process, and two such shards would read the same tables, every row twice. So one
    shard, all of it here; then a mutation ON CLUSTER is the same as one run here.
    """
    why = f"has a Distributed engine over cluster {cluster!r}"
    if cluster is None:
        return needs_a_server(model, "has a Distributed engine over a cluster it computes")
    with connection.cursor() as cursor:
        cursor.execute(EMBEDDED_CLUSTER_SQL, [cluster])
        nodes, local, shards = cursor.fetchone()
    if not nodes:
        lacking = "it has no such cluster (a config.xml in its working directory can define one)"
        return needs_a_server(model, why, lacking)
    if local < nodes or shards > 1:
        lacking = (
            "it can read only itself, as one shard (it does not listen for connections, "
            "and shards of one process would read each row once per shard)"
        )
        return needs_a_server(model, why, lacking)
    return None


def is_migration_recorder(model) -> bool:
    """Whether ``model`` is Django's record of applied migrations (``django_migrations``)."""
    return model is MigrationRecorder.Migration


class TableClusters:
    """Quoted table name -> the model that owns it, found in the apps the editor saw."""

    def __init__(self, quote_name) -> None:
        self._quote_name = quote_name
        self._noted: dict[str, Any] = {}
        self._apps: list[Any] = []

    def note(self, model, *tables: str) -> None:
        """Statements about ``model`` follow: its table, and the names it is renamed
        between, belong to it; its apps know the tables of its relations."""
        for table in (model._meta.db_table, *tables):
            self._noted[self._quote_name(table)] = model
        if model._meta.apps not in self._apps:
            self._apps.insert(0, model._meta.apps)

    def model_of(self, table: str) -> Any | None:
        """The model whose table ``table`` (quoted) is, or None for a table of no model."""
        if table in self._noted:
            return self._noted[table]
        for apps in (*self._apps, project_apps):
            for model in apps.get_models(include_auto_created=True):
                if self._quote_name(model._meta.db_table) == table:
                    return model
        return None

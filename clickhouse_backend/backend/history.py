"""A migration history written by django-clickhouse-backend, read as this backend's.

Its ``django_migrations`` has one more column, ``deleted``: unapplying a migration set it
to true instead of removing the row. Django's recorder reads every row as applied, so
``migrate`` would skip a migration that was unapplied there. Before ``migrate`` runs
(``DatabaseWrapper.prepare_database``), the rows marked deleted are removed: they mean
"not applied", as a missing row does here and there. The column stays, so that project
can still go back to django-clickhouse-backend.

With its ``distributed_migrations`` option, the history was a ``Distributed`` table,
``distributed_django_migrations``, over a ``django_migrations`` on each shard, each
holding some of the rows. This backend reads the ``django_migrations`` of the node it
talks to, so before ``migrate`` the rows only other shards hold are copied into it: the
history it reads is then the whole one, and no migration is applied twice.
"""

from __future__ import annotations

HISTORY_TABLE = "django_migrations"
DISTRIBUTED_HISTORY_TABLE = "distributed_django_migrations"
HAS_DELETED_SQL = (
    "SELECT count() FROM system.columns "
    "WHERE database = currentDatabase() AND table = %s AND name = 'deleted'"
)
HAS_TABLE_SQL = (
    "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = %s"
)
FORGET_UNAPPLIED_SQL = "DELETE FROM {table}{on_cluster} WHERE deleted"
# One row a migration: a shard may hold one that another holds too.
ADOPT_OTHER_SHARDS_SQL = (
    "INSERT INTO {table} (id, app, name, applied) "
    "SELECT any(id), app, name, min(applied) FROM {distributed} "
    "WHERE NOT deleted AND (app, name) NOT IN (SELECT app, name FROM {table}) "
    "GROUP BY app, name"
)


def adopt(connection) -> None:
    """Make a django-clickhouse-backend history read as this backend reads its own."""
    with connection.cursor() as cursor:
        cursor.execute(HAS_DELETED_SQL, [HISTORY_TABLE])
        if not cursor.fetchone()[0]:
            return
        quote_name = connection.ops.quote_name
        table = quote_name(HISTORY_TABLE)
        cluster = connection.options.get("migration_cluster")
        on_cluster = f" ON CLUSTER {quote_name(cluster)}" if cluster else ""
        cursor.execute(FORGET_UNAPPLIED_SQL.format(table=table, on_cluster=on_cluster))
        cursor.execute(HAS_TABLE_SQL, [DISTRIBUTED_HISTORY_TABLE])
        if cursor.fetchone()[0]:
            distributed = quote_name(DISTRIBUTED_HISTORY_TABLE)
            cursor.execute(ADOPT_OTHER_SHARDS_SQL.format(table=table, distributed=distributed))

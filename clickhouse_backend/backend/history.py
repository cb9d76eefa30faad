"""A migration history written by django-clickhouse-backend, read as this backend's.

Its ``django_migrations`` has one more column, ``deleted``: unapplying a migration set it
to true instead of removing the row. Django's recorder reads every row as applied, so
``migrate`` would skip a migration that was unapplied there. Before ``migrate`` runs
(``DatabaseWrapper.prepare_database``), the rows marked deleted are removed: they mean
"not applied", as a missing row does here and there. The column stays, so that project
can still go back to django-clickhouse-backend.
"""

from __future__ import annotations

HISTORY_TABLE = "django_migrations"
HAS_DELETED_SQL = (
    "SELECT count() FROM system.columns "
    "WHERE database = currentDatabase() AND table = %s AND name = 'deleted'"
)
FORGET_UNAPPLIED_SQL = "DELETE FROM {table}{on_cluster} WHERE deleted"


def forget_unapplied(connection) -> None:
    """Remove the rows a django-clickhouse-backend history marks as unapplied."""
    with connection.cursor() as cursor:
        cursor.execute(HAS_DELETED_SQL, [HISTORY_TABLE])
        if not cursor.fetchone()[0]:
            return
        cluster = connection.options.get("migration_cluster")
        on_cluster = f" ON CLUSTER {connection.ops.quote_name(cluster)}" if cluster else ""
        table = connection.ops.quote_name(HISTORY_TABLE)
        cursor.execute(FORGET_UNAPPLIED_SQL.format(table=table, on_cluster=on_cluster))

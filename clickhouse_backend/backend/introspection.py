"""What is in a ClickHouse database, read from ``system.tables``."""

from __future__ import annotations

from django.db.backends.base.introspection import BaseDatabaseIntrospection, TableInfo


class DatabaseIntrospection(BaseDatabaseIntrospection):
    def get_table_list(self, cursor) -> list[TableInfo]:
        """Tables ("t") and views ("v") of the connection's current database."""
        cursor.execute(
            "SELECT name, engine LIKE '%%View' FROM system.tables "
            "WHERE database = currentDatabase() AND NOT is_temporary ORDER BY name",
            [],
        )
        return [TableInfo(name, "v" if is_view else "t") for name, is_view in cursor.fetchall()]

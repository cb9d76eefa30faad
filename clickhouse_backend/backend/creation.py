"""Test databases: a ClickHouse database of their own, created and dropped by the runner."""

from __future__ import annotations

from django.db.backends.base.creation import BaseDatabaseCreation


class DatabaseCreation(BaseDatabaseCreation):
    def _execute_create_test_db(self, cursor, parameters, keepdb=False):
        if_not_exists = "IF NOT EXISTS " if keepdb else ""
        cursor.execute(f"CREATE DATABASE {if_not_exists}{parameters['dbname']}")

    def _destroy_test_db(self, test_database_name, verbosity):
        with self._nodb_cursor() as cursor:
            cursor.execute(
                f"DROP DATABASE IF EXISTS {self.connection.ops.quote_name(test_database_name)}"
            )

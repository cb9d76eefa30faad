"""``DatabaseWrapper``: Django's connection to ClickHouse, through our DB-API driver."""

from __future__ import annotations

import threading
from typing import Any

from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper

from .. import driver
from . import options as database_options
from .client import DatabaseClient
from .creation import DatabaseCreation
from .features import DatabaseFeatures
from .introspection import DatabaseIntrospection
from .operations import DatabaseOperations
from .validation import DatabaseValidation

# Session settings that make ClickHouse mean what Django documents: an outer join fills
# missing columns with NULL (not 0 or ''), and sum()/max()/... over no rows are NULL
# (not 0). OPTIONS["settings"] may override any of them.
DJANGO_SEMANTICS: dict[str, Any] = {
    "join_use_nulls": 1,
    "aggregate_functions_null_for_empty": 1,
}


class DatabaseWrapper(BaseDatabaseWrapper):
    vendor = "clickhouse"
    display_name = "ClickHouse"
    Database = driver

    client_class = DatabaseClient
    creation_class = DatabaseCreation
    features_class = DatabaseFeatures
    introspection_class = DatabaseIntrospection
    ops_class = DatabaseOperations
    validation_class = DatabaseValidation

    # One pool per alias for the whole process, as Django's PostgreSQL backend keeps them.
    _connection_pools: dict[str, driver.ConnectionPool] = {}
    _pools_lock = threading.Lock()

    def __init__(self, settings_dict: dict, alias: str = "default"):
        super().__init__(settings_dict, alias)
        self.options = database_options.validate(alias, settings_dict)

    # -- connecting -----------------------------------------------------------------

    def get_connection_params(self) -> dict[str, Any]:
        """Keyword arguments for ``driver.connect()`` from the settings."""
        settings = self.settings_dict
        options = self.options
        session = {**DJANGO_SEMANTICS, **options.get("settings", {})}
        params: dict[str, Any] = {
            "database": settings["NAME"] or "default",
            # None turns one of the backend's default settings off.
            "settings": {name: value for name, value in session.items() if value is not None},
        }
        if "embedded" in options:
            params["embedded"] = options["embedded"]
            return params
        if "dsn" in options:
            params["dsn"] = options["dsn"]
            if not settings["NAME"]:
                del params["database"]  # the DSN's own database, if it names one
        else:
            params["host"] = settings["HOST"] or "localhost"
            if settings["PORT"]:
                params["port"] = int(settings["PORT"])
        if settings["USER"]:
            params["user"] = settings["USER"]
        if settings["PASSWORD"]:
            params["password"] = settings["PASSWORD"]
        params.update(
            (key, value)
            for key, value in options.items()
            if key in database_options.NATIVE_ONLY and key != "pool"
        )
        return params

    @property
    def pool(self) -> driver.ConnectionPool | None:
        """The process-wide pool of this alias, when OPTIONS["pool"] asks for one."""
        pool_options = self.options.get("pool")
        if not pool_options:
            return None
        with self._pools_lock:
            if self.alias not in self._connection_pools:
                sizes = {} if pool_options is True else dict(pool_options)
                self._connection_pools[self.alias] = driver.create_pool(
                    **self.get_connection_params(), **sizes
                )
            return self._connection_pools[self.alias]

    def close_pool(self) -> None:
        with self._pools_lock:
            pool = self._connection_pools.pop(self.alias, None)
        if pool is not None:
            pool.close()

    def get_new_connection(self, conn_params: dict[str, Any]) -> driver.Connection:
        try:
            pool = self.pool
            if pool is not None:
                return pool.connect()
            return driver.connect(**conn_params)
        except driver.ProgrammingError as error:
            if error.name == "UNKNOWN_SETTING":
                self._refuse_old_server(conn_params)
            raise

    def _refuse_old_server(self, conn_params: dict[str, Any]) -> None:
        """An old server may not know the session's settings: say that it is too old."""
        with driver.connect(**{**conn_params, "settings": {}}) as plain:
            version = plain.server_version
        minimum = self.features.minimum_database_version
        if version < minimum:
            raise NotSupportedError(
                f"{self.display_name} {'.'.join(map(str, minimum))} or later is required "
                f"(found {'.'.join(map(str, version))})."
            )

    def init_connection_state(self) -> None:
        try:
            super().init_connection_state()  # the server version check
        except BaseException:
            self.connection.close()
            self.connection = None
            raise

    def get_database_version(self) -> tuple[int, int, int]:
        """The server's version as (major, minor, patch)."""
        if self.connection is None:
            with self.temporary_connection():
                return self.connection.server_version
        return self.connection.server_version

    def create_cursor(self, name: str | None = None) -> driver.Cursor:
        # Django names the cursor of QuerySet.iterator(): read that one block by block.
        return self.connection.cursor(stream=name is not None)

    def chunked_cursor(self):
        self._named_cursor_idx = getattr(self, "_named_cursor_idx", 0) + 1
        return self._cursor(name=f"_django_clickhouse_{self._named_cursor_idx}")

    def is_usable(self) -> bool:
        return self.connection is not None and self.connection.ping()

    # -- transactions: ClickHouse has none ------------------------------------------

    def _set_autocommit(self, autocommit: bool) -> None:
        """Every statement is final when it returns; there is no other mode to set."""

    def _commit(self) -> None:
        """Nothing to commit: writes are final when the statement returns."""

    def _rollback(self) -> None:
        """Nothing can be undone; ``atomic()`` blocks are allowed and do nothing."""

    def _close(self) -> None:
        if self.connection is not None:
            with self.wrap_database_errors:
                self.connection.close()  # a pooled session goes back to its pool

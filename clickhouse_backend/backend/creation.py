"""Test databases: a ClickHouse database of their own, made and dropped by the test runner.

``TEST`` settings (checked in ``options.py``; see docs/testing.md):

- ``NAME``: the test database, ``test_<NAME>`` by default;
- ``cluster``: create and drop it ``ON CLUSTER``, so every node has it;
- ``managed: False``: the database exists already and the runner never creates or drops
  it (for a user who may not create databases); it is migrated and its tables are
  emptied between tests, as with ``keepdb``.

- ``embedded``: for an embedded alias, where the test database lives: in memory
  (``":memory:"``, the default) or in a directory, not in the development data
  directory, which another process (``runserver``) may hold open. An unmanaged test
  database stays where the alias's data is unless this names another place.

``--parallel`` gives each worker process a database of its own. On a server the runner
copies the test database (structure and rows). chDB runs one engine per process and
cannot be used in a forked process, so with the embedded engine each spawned worker
builds its own test database in memory, as the runner built the first one.
"""

from __future__ import annotations

import inspect
import multiprocessing
import sys
from collections import defaultdict
from typing import Any

import django
from django.core import serializers
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, NotSupportedError
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.base.creation import TEST_DATABASE_PREFIX, BaseDatabaseCreation

from ..driver.embedded import MEMORY
from . import options as database_options

#: create_test_db()'s arguments for a database nobody serializes: Django 5.2 serializes
#: unless told not to; Django 6 serializes in serialize_test_db() and warns when told.
WITHOUT_SERIALIZING: dict[str, bool] = {"serialize": False} if django.VERSION < (6, 0) else {}

# Besides the MergeTree family, the engines whose tables hold their own rows, so that a
# copy of structure and rows is a clone. Views, Distributed, Merge, Buffer, dictionaries
# ... name other tables (by database) and would still read the original's.
_COPYABLE_ENGINES = frozenset({"Memory", "Log", "TinyLog", "StripeLog", "Set", "Join", "Null"})


class DatabaseCreation(BaseDatabaseCreation):
    @property
    def _test_settings(self) -> dict[str, Any]:
        return self.connection.settings_dict["TEST"]

    @property
    def _managed(self) -> bool:
        return self._test_settings.get("managed") is not False

    def _on_cluster(self) -> str:
        cluster = self._test_settings.get("cluster")
        return f" ON CLUSTER {self.connection.ops.quote_name(cluster)}" if cluster else ""

    def _get_test_db_name(self) -> str:
        # An empty NAME means ClickHouse's "default" database, as when connecting.
        return self._test_settings["NAME"] or (
            TEST_DATABASE_PREFIX + (self.connection.settings_dict["NAME"] or "default")
        )

    def test_db_signature(self) -> tuple:
        # Two entries on different servers named by a DSN are different test databases.
        return (*super().test_db_signature(), self.connection.options.get("dsn"))

    # -- creating and dropping ------------------------------------------------------

    def create_test_db(self, *args, **kwargs):
        # A database that is not managed is used as it is, as keepdb uses one. The other
        # arguments pass as given: Django 6 warns when `serialize` is passed at all.
        arguments = inspect.signature(super().create_test_db).bind(*args, **kwargs).arguments
        arguments["keepdb"] = arguments.get("keepdb", False) or not self._managed
        test_path = self._test_settings.get("embedded")
        if self.connection.runs_embedded and (self._managed or test_path is not None):
            # An unmanaged test database was made where the alias's data is, by default.
            self._development_path = self.connection.options["embedded"]
            self._use_embedded_path(test_path or MEMORY)
        return super().create_test_db(**arguments)

    def destroy_test_db(self, old_database_name=None, verbosity=1, keepdb=False, suffix=None):
        super().destroy_test_db(old_database_name, verbosity, keepdb or not self._managed, suffix)
        if self._development_path is not None:
            path, self._development_path = self._development_path, None
            self._use_embedded_path(path)

    #: The embedded alias's own path while its test database is in use.
    _development_path: Any = None

    def _use_embedded_path(self, path: Any) -> None:
        """Point the alias at another embedded engine path: the test one, and back.

        chDB opens a data directory in one process at a time, so tests that used the
        development directory could not run while ``runserver`` runs, and would share
        its engine. The OPTIONS dict is replaced, not changed: settings.DATABASES
        shares it."""
        connection = self.connection
        if str(connection.options["embedded"]) == str(path):
            return
        connection.close()
        connection.settings_dict["OPTIONS"] = {
            **connection.settings_dict["OPTIONS"],
            "embedded": path,
        }
        connection.options = {**connection.options, "embedded": path}

    def _create_test_db(self, verbosity: int, autoclobber: bool, keepdb: bool = False) -> str:
        """Create the test database; if it exists, keep it (keepdb) or ask to drop it.

        Only an existing database leads to the question; any other failure (no right
        to create databases, an unknown cluster ...) is raised as it is.
        """
        name = self._get_test_db_name()
        if not self._managed:
            self._require_existing(name)
            return name
        with self._nodb_cursor() as cursor:
            if self._database_exists(cursor, name):
                if keepdb:
                    return name
                self.log(f"The test database {name!r} already exists.")
                if not autoclobber:
                    try:
                        confirm = input(
                            "Type 'yes' if you would like to try deleting the test "
                            f"database '{name}', or 'no' to cancel: "
                        )
                    except EOFError:  # no terminal to answer from (CI, a pipe)
                        self.log(
                            "\nNo answer (no input): tests cancelled. Run them with "
                            "--noinput to drop the old test database without asking."
                        )
                        sys.exit(1)
                    if confirm != "yes":
                        self.log("Tests cancelled.")
                        sys.exit(1)
                if verbosity >= 1:
                    shown = self._get_database_display_str(verbosity, name)
                    self.log(f"Destroying old test database for alias {shown}...")
                self._drop_database(cursor, name)
            self._create_database(cursor, name)
        return name

    def _destroy_test_db(self, test_database_name: str, verbosity: int) -> None:
        with self._nodb_cursor() as cursor:
            self._drop_database(cursor, test_database_name)

    def _database_exists(self, cursor, name: str) -> bool:
        cursor.execute("SELECT count() FROM system.databases WHERE name = %s", [name])
        return cursor.fetchone()[0] > 0

    def _create_database(self, cursor, name: str) -> None:
        quoted = self.connection.ops.quote_name(name)
        cursor.execute(f"CREATE DATABASE {quoted}{self._on_cluster()}")

    def _drop_database(self, cursor, name: str) -> None:
        # SYNC: the data goes now, not minutes later, and the name is free at once.
        quoted = self.connection.ops.quote_name(name)
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted}{self._on_cluster()} SYNC")

    def _require_existing(self, name: str) -> None:
        """An unmanaged test database must exist, and must not be the project's own.

        The check connects to that database itself: a user who may not create
        databases may not be allowed into ``default`` either.
        """
        if name == self.connection.settings_dict["NAME"]:
            # The runner empties every table between tests: never the project's data.
            raise ImproperlyConfigured(
                f"DATABASES[{self.connection.alias!r}]['TEST']['NAME'] is the database "
                f"itself ({name!r}); the test runner empties its tables between tests, so "
                "with 'managed': False give the tests a database of their own"
            )
        settings_dict = {**self.connection.settings_dict, "NAME": name}
        probe = type(self.connection)(settings_dict, alias=NO_DB_ALIAS)
        try:
            probe.ensure_connection()
        except DatabaseError as error:
            if getattr(error.__cause__, "name", None) != "UNKNOWN_DATABASE":
                raise
            raise ImproperlyConfigured(
                f"DATABASES[{self.connection.alias!r}]['TEST'] has 'managed': False, so the "
                f"test runner uses the database {name!r} as it is and never creates it, but "
                "it does not exist: create it, or set 'managed' to True"
            ) from error
        finally:
            probe.close()

    # -- serialized rollback ----------------------------------------------------------

    def deserialize_db_from_string(self, data: str) -> None:
        """Insert the serialized rows one block per model.

        Django saves object by object; on ClickHouse each save is a row count, an INSERT
        and a new data part, which is slow and makes the server delay inserts when there
        are many. As with ``bulk_create``, no save signals are sent.

        The tables are not always empty: the first test of a run with
        ``serialized_rollback`` finds the rows that migrations made (a test run alone
        is such a first test). As Django's saves would, a serialized row replaces the
        row of its primary key, so none is there twice.
        """
        alias = self.connection.alias
        objects = defaultdict(list)
        with_relations = []
        for deserialized in serializers.deserialize("json", data, using=alias):
            objects[type(deserialized.object)].append(deserialized.object)
            if deserialized.m2m_data:
                with_relations.append(deserialized)
        for model, instances in objects.items():
            rows = model._base_manager.using(alias)
            stored = rows.filter(pk__in=[instance.pk for instance in instances])
            if stored.exists():
                stored._raw_delete(alias)
            rows.bulk_create(instances)
        for deserialized in with_relations:
            for accessor, related_ids in deserialized.m2m_data.items():
                getattr(deserialized.object, accessor).set(related_ids)

    # -- parallel test runs -----------------------------------------------------------

    def get_test_db_clone_settings(self, suffix: str) -> dict[str, Any]:
        settings_dict = super().get_test_db_clone_settings(suffix)
        if self.connection.runs_embedded:
            # A worker cannot open the runner's engine: it builds its copy in memory.
            settings_dict["OPTIONS"] = {**settings_dict["OPTIONS"], "embedded": MEMORY}
        return settings_dict

    def _clone_test_db(self, suffix: str, verbosity: int, keepdb: bool = False) -> None:
        alias = self.connection.alias
        if not self._managed:
            raise NotSupportedError(
                f"DATABASES[{alias!r}]['TEST'] has 'managed': False, so the test runner "
                "creates no databases, and --parallel needs one per worker: run the tests "
                "without --parallel"
            )
        if self._test_settings.get("cluster"):
            raise NotSupportedError(
                f"DATABASES[{alias!r}]['TEST'] has a 'cluster': copying a test database "
                "across a cluster for --parallel is not supported; run the tests without "
                "--parallel"
            )
        if self.connection.runs_embedded:
            if multiprocessing.get_start_method() == "fork":
                raise NotSupportedError(
                    f"DATABASES[{alias!r}] runs the embedded ClickHouse engine (chDB), which "
                    "cannot run in a forked process: a forked test worker would hang. Run "
                    "--parallel with spawned workers (call "
                    "multiprocessing.set_start_method('spawn') before the tests start, e.g. "
                    "in manage.py), or run the tests without --parallel"
                )
            return  # each worker builds its own in setup_worker_connection()
        self._copy_test_db(suffix, verbosity, keepdb)

    def _copy_test_db(self, suffix: str, verbosity: int, keepdb: bool) -> None:
        """A worker's test database on a server: a copy of the runner's."""
        source = self.connection.settings_dict["NAME"]
        target = self.get_test_db_clone_settings(suffix)["NAME"]
        with self._nodb_cursor() as cursor:
            if self._database_exists(cursor, target):
                if keepdb:
                    return
                if verbosity >= 1:
                    shown = self._get_database_display_str(verbosity, target)
                    self.log(f"Destroying old test database for alias {shown}...")
                self._drop_database(cursor, target)
            self._copy_database(cursor, source, target)

    def _copy_database(self, cursor, source: str, target: str) -> None:
        """Create ``target`` with a copy of each table of ``source``: structure, then rows."""
        quote = self.connection.ops.quote_name
        cursor.execute(
            "SELECT name, engine FROM system.tables WHERE database = %s AND NOT is_temporary "
            "ORDER BY name",
            [source],
        )
        tables = cursor.fetchall()
        refused = [
            f"{name} ({engine})"
            for name, engine in tables
            if not engine.endswith("MergeTree") and engine not in _COPYABLE_ENGINES
        ]
        if refused:
            raise NotSupportedError(
                f"cannot copy the test database {source!r} for --parallel: only tables "
                "that hold their own rows (MergeTree and Log families, Memory, Set, Join, "
                f"Null) can be copied, not {', '.join(refused)}; run the tests without "
                "--parallel"
            )
        self._create_database(cursor, target)
        try:
            for name, _ in tables:
                old, new = f"{quote(source)}.{quote(name)}", f"{quote(target)}.{quote(name)}"
                cursor.execute(f"CREATE TABLE {new} AS {old}")
                cursor.execute(f"INSERT INTO {new} SELECT * FROM {old}")
        except BaseException:
            self._drop_database(cursor, target)  # no half-made copy left behind
            raise

    def setup_worker_connection(self, _worker_id: int) -> None:
        super().setup_worker_connection(_worker_id)  # NAME and OPTIONS of this worker's copy
        connection = self.connection
        connection.options = database_options.validate(connection.alias, connection.settings_dict)
        if self.connection.runs_embedded:
            self._build_worker_test_db()

    def _build_worker_test_db(self) -> None:
        """Create and migrate this worker's database, as the runner made the first one."""
        test_settings = self._test_settings
        runner_name = test_settings["NAME"]
        test_settings["NAME"] = self.connection.settings_dict["NAME"]
        try:
            self.create_test_db(verbosity=0, autoclobber=True, **WITHOUT_SERIALIZING)
        finally:
            test_settings["NAME"] = runner_name

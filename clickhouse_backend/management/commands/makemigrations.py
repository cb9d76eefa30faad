"""``makemigrations`` that writes ``AlterModelEngine`` when a model's ``Meta.engine``
changes (active when ``"clickhouse_backend"`` is in ``INSTALLED_APPS``), and refuses to
write a migration whose engine ``migrate`` would refuse.

The engine's error checks (E001: a key naming no field, a wrong argument; E003: an
unknown table setting; E004: TTL or projections outside the MergeTree family) otherwise
run only as database checks, when ``migrate`` is about to run the migration already
written. Here they run on the models whose engine the new migrations create or change,
before any file is written. E001 and E004 need no connection.
E003 needs the server's list of table settings: it is asked only when such an engine
sets some, and if the database cannot answer, the settings are left to ``migrate``'s
own checks (as Django leaves its history check when a database is down).
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import CommandError
from django.core.management.commands import makemigrations
from django.db import OperationalError, connections, router
from django.db.migrations.operations import CreateModel

from clickhouse_backend.management.autodetector import ClickhouseAutodetector
from clickhouse_backend.models.alter_engine import AlterModelEngine


class Command(makemigrations.Command):
    autodetector = ClickhouseAutodetector

    def write_migration_files(self, changes, update_previous_migration_paths=None) -> None:
        errors = self.engine_errors(models_with_engines(changes))
        if errors:
            raise CommandError(
                "Meta.engine has errors that migrate would refuse the migration for; "
                "no migration was written:\n\n" + "\n".join(map(str, errors))
            )
        super().write_migration_files(changes, update_previous_migration_paths)

    def engine_errors(self, models: list) -> list:
        """The errors of each model's table (E001, E004: ``check_model``) and settings
        (E003) on every ClickHouse database the routers send it to."""
        errors = []
        for alias in connections:
            connection = connections[alias]
            routed = [m for m in models if router.allow_migrate_model(alias, m)]
            if connection.vendor != "clickhouse" or not routed:
                continue
            validation = connection.validation
            for model in routed:
                errors += [m for m in validation.check_model(model) if m.is_serious()]
            try:
                errors += validation.check_settings(routed)
            except OperationalError as error:
                self.stderr.write(
                    f"Table settings of Meta.engine not checked: database {alias!r} did not "
                    f"answer ({error}); migrate checks them before it runs."
                )
        return errors


def models_with_engines(changes: dict) -> list:
    """The models (of the project's registry) that the migrations create or whose engine
    they change, in the order the migrations name them."""
    models = []
    for app_label, migrations in changes.items():
        for migration in migrations:
            for operation in migration.operations:
                if isinstance(operation, CreateModel | AlterModelEngine):
                    try:
                        model = apps.get_model(app_label, operation.name)
                    except LookupError:  # created and deleted again in later migrations
                        continue
                    if model not in models:
                        models.append(model)
    return models

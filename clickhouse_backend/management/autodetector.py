"""The migration autodetector of the backend's ``makemigrations`` and ``migrate``: Django's,
plus ``AlterModelEngine`` when a model's ``Meta.engine`` changes.

Django 5.2 lets a command name its autodetector (``Command.autodetector``); the
commands in ``management/commands/`` name this one, so it is active when
``"clickhouse_backend"`` is in ``INSTALLED_APPS``.
"""

from __future__ import annotations

from django.db.migrations import operations
from django.db.migrations.autodetector import MigrationAutodetector, OperationDependency

from clickhouse_backend.models.alter_engine import AlterModelEngine, key_columns_to_add

# The type of a dependency on a model's AlterModelEngine (Django's types are an Enum).
ENGINE_CHANGE = "engine change"


class ClickhouseAutodetector(MigrationAutodetector):
    def generate_altered_db_table(self) -> None:
        """Django's last step; engine changes follow it, after the fields a new key may
        name are added (and before those the old key names are removed)."""
        super().generate_altered_db_table()
        self.generate_altered_engines()

    def generate_altered_engines(self) -> None:
        for app_label, model_name in sorted(self.kept_model_keys):
            old_name = self.renamed_models.get((app_label, model_name), model_name)
            old_state = self.from_state.models[app_label, old_name]
            new_state = self.to_state.models[app_label, model_name]
            engine = new_state.options.get("engine")
            if old_state.options.get("engine") == engine:
                continue
            added = new_state.fields.keys() - old_state.fields.keys()
            key_fields = self.key_fields(app_label, model_name)
            self.add_operation(
                app_label,
                AlterModelEngine(
                    name=new_state.name,
                    engine=engine,
                    fields=[(name, new_state.fields[name]) for name in key_fields],
                ),
                dependencies=[
                    OperationDependency(
                        app_label, model_name, field, OperationDependency.Type.CREATE
                    )
                    for field in sorted(added - set(key_fields))
                ],
            )
            for operation in self.generated_operations[app_label]:
                if (
                    isinstance(operation, operations.RemoveField)
                    and operation.model_name_lower == model_name
                ):
                    operation._auto_deps.append(
                        OperationDependency(app_label, model_name, None, ENGINE_CHANGE)
                    )

    def _generate_added_field(self, app_label, model_name, field_name) -> None:
        """No AddField for a field AlterModelEngine adds (see ``key_fields``)."""
        if field_name not in self.key_fields(app_label, model_name):
            super()._generate_added_field(app_label, model_name, field_name)

    def key_fields(self, app_label: str, model_name: str) -> tuple[str, ...]:
        """The new fields that AlterModelEngine adds itself: those the model's new
        sorting key appends, when ClickHouse can add and key them in one ALTER."""
        old_name = self.renamed_models.get((app_label, model_name), model_name)
        if (app_label, old_name) not in self.from_state.models:
            return ()
        old_state = self.from_state.models[app_label, old_name]
        new_state = self.to_state.models[app_label, model_name]
        added = {
            name: field for name, field in new_state.fields.items() if name not in old_state.fields
        }
        return key_columns_to_add(
            old_state.options.get("engine"), new_state.options.get("engine"), added
        )

    def check_dependency(self, operation, dependency) -> bool:
        if dependency.type == ENGINE_CHANGE:
            return (
                isinstance(operation, AlterModelEngine)
                and operation.name_lower == dependency.model_name_lower
            )
        return super().check_dependency(operation, dependency)

"""``AlterModelEngine``: the migration operation that changes ``Meta.engine``.

Django's migrations carry ``Meta.engine`` in a model's options (``CreateModel(...,
options={"engine": ...})``) but have no operation that changes it afterwards. This one
does, as ``AlterModelTable`` does for ``db_table``: the backend's ``makemigrations``
writes it when ``Meta.engine`` changes, and ``migrate`` applies it through the schema
editor (ALTER TABLE in place where ClickHouse can, else a rebuild with every row kept;
``clickhouse_backend/backend/engine_changes.py``), both ways.
"""

from __future__ import annotations

from django.db.migrations.operations.models import ModelOptionOperation

from .engines import Engine


class AlterModelEngine(ModelOptionOperation):
    """Give a model's table another engine, arguments, keys, TTL or settings.

    ``engine=None`` means the default engine (a MergeTree sorted by the primary key).
    """

    def __init__(self, name: str, engine: Engine | None):
        if engine is not None and not isinstance(engine, Engine):
            raise TypeError(
                "AlterModelEngine(engine=...) takes an engine such as "
                f"clickhouse_backend.models.MergeTree(...) or None, not {engine!r}"
            )
        self.engine = engine
        super().__init__(name)

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"name": self.name, "engine": self.engine}

    def state_forwards(self, app_label, state) -> None:
        options = {} if self.engine is None else {"engine": self.engine}
        state.alter_model_options(app_label, self.name_lower, options, option_keys=["engine"])

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        new_model = to_state.apps.get_model(app_label, self.name)
        if schema_editor.connection.vendor != "clickhouse":
            return  # an engine means nothing to another database
        if self.allow_migrate_model(schema_editor.connection.alias, new_model):
            old_model = from_state.apps.get_model(app_label, self.name)
            schema_editor.alter_model_engine(old_model, new_model)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        self.database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"Change the engine of {self.name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.name_lower}_engine"

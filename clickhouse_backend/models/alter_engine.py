"""``AlterModelEngine``: the migration operation that changes ``Meta.engine``.

Django's migrations carry ``Meta.engine`` in a model's options (``CreateModel(...,
options={"engine": ...})``) but have no operation that changes it afterwards. This one
does, as ``AlterModelTable`` does for ``db_table``: the backend's ``makemigrations``
writes it when ``Meta.engine`` changes, and ``migrate`` applies it through the schema
editor (ALTER TABLE in place where ClickHouse can, else a rebuild with every row kept;
``clickhouse_backend/backend/engine_changes.py``), both ways.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db.migrations.operations.models import ModelOptionOperation
from django.db.models import F, Field

from .engines import BaseMergeTree, Engine


class AlterModelEngine(ModelOptionOperation):
    """Give a model's table another engine, arguments, keys, TTL or settings.

    ``engine=None`` means the default engine (a MergeTree sorted by the primary key).
    ``fields`` are new fields (``[(name, field), ...]``, as CreateModel takes them)
    that the new sorting key appends: ClickHouse adds such columns and extends the key
    in one ALTER (``ADD COLUMN ..., MODIFY ORDER BY ...``) without touching a row.
    """

    def __init__(self, name: str, engine: Engine | None, fields: Sequence[tuple[str, Field]] = ()):
        if engine is not None and not isinstance(engine, Engine):
            raise TypeError(
                "AlterModelEngine(engine=...) takes an engine such as "
                f"clickhouse_backend.models.MergeTree(...) or None, not {engine!r}"
            )
        self.engine = engine
        self.fields = list(fields)
        super().__init__(name)

    def deconstruct(self):
        kwargs = {"name": self.name, "engine": self.engine}
        if self.fields:
            kwargs["fields"] = self.fields
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label, state) -> None:
        for name, field in self.fields:
            state.add_field(app_label, self.name_lower, name, field, preserve_default=True)
        options = {} if self.engine is None else {"engine": self.engine}
        state.alter_model_options(app_label, self.name_lower, options, option_keys=["engine"])

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        new_model = to_state.apps.get_model(app_label, self.name)
        if not self.allow_migrate_model(schema_editor.connection.alias, new_model):
            return
        old_model = from_state.apps.get_model(app_label, self.name)
        if schema_editor.connection.vendor == "clickhouse":
            schema_editor.alter_model_engine(old_model, new_model)
            return
        for name, _ in self.fields:  # an engine means nothing elsewhere; fields do
            schema_editor.add_field(new_model, new_model._meta.get_field(name))

    def reduce(self, operation, app_label):
        if (
            self.fields
            and isinstance(operation, AlterModelEngine)
            and operation.name_lower == self.name_lower
        ):
            return False  # the later one would not add this one's fields
        return super().reduce(operation, app_label)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        old_model = to_state.apps.get_model(app_label, self.name)
        if not self.allow_migrate_model(schema_editor.connection.alias, old_model):
            return
        new_model = from_state.apps.get_model(app_label, self.name)
        if schema_editor.connection.vendor == "clickhouse":
            schema_editor.alter_model_engine(new_model, old_model)
            return
        for name, _ in self.fields:
            schema_editor.remove_field(new_model, new_model._meta.get_field(name))

    def describe(self) -> str:
        return f"Change the engine of {self.name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.name_lower}_engine"


def key_columns_to_add(
    old: Engine | None, new: Engine | None, added: Mapping[str, Field]
) -> tuple[str, ...]:
    """The names of the fields in ``added`` (new fields, by name) that ``new``'s sorting
    key appends to ``old``'s, when ClickHouse can add their columns and extend the key
    in one ALTER (``ADD COLUMN ..., MODIFY ORDER BY``): ``appended_sorting_key``, and
    each a field without a default (ClickHouse refuses a column with a DEFAULT there;
    existing rows get the type's zero value) and not NULL (a key takes no Nullable
    column). Empty when the change is not one of those."""
    names = appended_sorting_key(old, new)
    if names is None:
        return ()
    for name in names:
        field = added.get(name)
        if field is None or field.null or field.has_default() or field.has_db_default():
            return ()
    return names


def appended_sorting_key(old: Engine | None, new: Engine | None) -> tuple[str, ...] | None:
    """The field names that ``new``'s sorting key appends to ``old``'s, when that is a
    change ClickHouse's ``MODIFY ORDER BY`` makes: the same MergeTree engine otherwise,
    the new key the old one followed by plain field names, and the primary key as it
    was (ClickHouse keeps the old one: the new engine must say ``primary_key=`` it).
    None for any other change."""
    if not isinstance(old, BaseMergeTree) or type(old) is not type(new):
        return None
    old_key = old.order_by if old.order_by is not None else old.primary_key
    if old_key is None or new.order_by is None:
        return None  # sorted by the model's primary key: not known to the engine
    old_primary = old.primary_key if old.primary_key is not None else old_key
    kept, appended = new.order_by[: len(old_key)], new.order_by[len(old_key) :]
    if new.primary_key != old_primary or kept != old_key or not appended:
        return None
    if not all(type(part) is F for part in appended) or _rest(old) != _rest(new):
        return None
    return tuple(part.name for part in appended)


def _rest(engine: Engine) -> dict:
    """The engine's state but its sorting and primary keys."""
    return {
        name: value
        for name, value in vars(engine).items()
        if name[0] != "_" and name not in ("order_by", "primary_key")
    }

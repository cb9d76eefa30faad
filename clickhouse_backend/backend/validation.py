"""Model checks for what ClickHouse silently would not do (``manage.py check``).

Uniqueness, secondary indexes and foreign keys are not enforced by ClickHouse, and the
schema editor writes no DDL for them. A model that asks for them gets one warning per
field, with what to do instead, rather than a silent difference. The database checks
(``check --database``, and ``migrate`` before it runs) also look at each model's engine,
cluster and indexes (projections and column TTLs need a MergeTree), and compare
``Meta.engine`` with the table that exists: a difference that no pending migration
(``AlterModelEngine``) removes is reported, never silently ignored.
"""

from __future__ import annotations

import difflib
import re

from django.apps import apps
from django.core import checks
from django.core.exceptions import FieldError
from django.db import router
from django.db.backends.base.validation import BaseDatabaseValidation
from django.db.migrations.loader import MigrationLoader

from .id_columns import column_db_type
from .schema import distributed_local_table, engine_of, has_index_ddl, is_projection
from .sqltext import engine_call, split_settings

MERGE_TREE_SETTINGS_SQL = "SELECT name FROM system.merge_tree_settings"
# Wraps a table's engine clause so that ClickHouse's formatter can normalise it.
_FORMAT_AS = "CREATE TABLE _ (_ Int8) ENGINE = "
_ENGINE = " ENGINE = "
_CALL = re.compile(r"\w+\(.*\)", re.S)


class DatabaseValidation(BaseDatabaseValidation):
    def check(self, **kwargs) -> list[checks.CheckMessage]:
        messages = super().check(**kwargs)
        app_configs = kwargs.get("app_configs")
        models = [
            model
            for app_config in (app_configs or apps.get_app_configs())
            for model in app_config.get_models()
            if router.allow_migrate_model(self.connection.alias, model)
        ]
        for model in models:
            messages += self.check_model(model)
        messages += self.check_distributed(models)
        if models:
            messages += self.check_settings(models)
            messages += self.check_tables_match(models)
        return messages

    def check_model(self, model) -> list[checks.CheckMessage]:
        """Meta.engine, Meta.cluster and Meta.indexes of one model sent to ClickHouse."""
        messages = []
        with self.connection.schema_editor(collect_sql=True) as editor:
            try:
                editor.create_model(model)  # collected, not run: is there DDL for it?
                problem = editor.embedded_problem(model)
                if problem:
                    messages.append(
                        checks.Warning(
                            problem,
                            hint="Models of a cluster (Meta.cluster, Replicated engines) "
                            "need ClickHouse servers; see docs/cluster.md.",
                            obj=model,
                            id="clickhouse_backend.W006",
                        )
                    )
            except (TypeError, ValueError, FieldError) as error:
                messages.append(
                    checks.Error(
                        str(error),
                        hint="Meta.engine takes an engine from clickhouse_backend.models "
                        "whose keys, TTL and arguments name fields of the model, and "
                        "Meta.cluster a cluster's name. If makemigrations wrote a migration "
                        "with the mistake, delete that migration and run makemigrations "
                        "again.",
                        obj=model,
                        id="clickhouse_backend.E001",
                    )
                )
        messages += self.check_merge_tree_features(model)
        for index in model._meta.indexes:
            if not has_index_ddl(index):
                messages.append(
                    checks.Warning(
                        f"ClickHouse has no secondary indexes: index {index.name!r} of "
                        f"{model._meta.label} creates nothing.",
                        hint="Use clickhouse_backend.models.Index(..., type=..., "
                        "granularity=...) for a data-skipping index, or put the columns in "
                        "the sorting key (Meta.engine's order_by).",
                        obj=model,
                        id="clickhouse_backend.W004",
                    )
                )
        return messages

    def check_settings(self, models) -> list[checks.CheckMessage]:
        """The table settings of each MergeTree-family Meta.engine against the names the
        server knows: a misspelt one otherwise fails only when migrate runs the
        migration makemigrations wrote with it, with ClickHouse's bare "Unknown setting"."""
        from ..models.engines import BaseMergeTree  # models/ imports backend/

        engines = {}
        for model in models:
            try:
                engine = engine_of(model)
            except TypeError:
                continue  # check_model reported it
            if isinstance(engine, BaseMergeTree) and engine.settings:
                engines[model] = engine
        if not engines:
            return []
        with self.connection.cursor() as cursor:
            cursor.execute(MERGE_TREE_SETTINGS_SQL)
            known = {name for (name,) in cursor.fetchall()}
        messages = []
        for model, engine in engines.items():
            for name in sorted(set(engine.settings) - known):
                close = difflib.get_close_matches(name, known, n=1)
                did_you_mean = f" (did you mean {close[0]}?)" if close else ""
                messages.append(
                    checks.Error(
                        f"Meta.engine of {model._meta.label}: {name} is not a table "
                        f"setting of ClickHouse's MergeTree engines{did_you_mean}.",
                        hint="Correct it in Meta.engine (the names are in "
                        "system.merge_tree_settings). If makemigrations wrote a migration "
                        "with it, delete that migration and run makemigrations again.",
                        obj=model,
                        id="clickhouse_backend.E003",
                    )
                )
        return messages

    def check_merge_tree_features(self, model) -> list[checks.CheckMessage]:
        """Column TTLs and projections, which only the MergeTree family has: refused here
        rather than by CREATE TABLE at migrate."""
        try:
            engine = engine_of(model)
        except TypeError:
            return []  # E001 says what is wrong with Meta.engine
        if engine.name.endswith("MergeTree"):
            return []
        uses = [
            f"ttl= on field {field.name!r}"
            for field in model._meta.local_concrete_fields
            if getattr(field, "ttl", None) is not None
        ]
        uses += [
            f"projection {index.name!r}" for index in model._meta.indexes if is_projection(index)
        ]
        return [
            checks.Error(
                f"{model._meta.label} has {use}, but its {engine.name} engine has no TTL or "
                "projections: only the MergeTree family has them.",
                hint="Use a MergeTree engine (Meta.engine), or remove it.",
                obj=model,
                id="clickhouse_backend.E004",
            )
            for use in uses
        ]

    def check_distributed(self, models) -> list[checks.CheckMessage]:
        """Each Distributed model against the model of the local table it reads: that
        model must be sent here (or migrations never create the table), and have every
        column the Distributed model has, of the same type (it may have more)."""
        by_table = {model._meta.db_table: model for model in models}
        messages = []
        for model in models:
            local = distributed_local_table(model, self.connection.settings_dict["NAME"])
            if local is None:  # computed, or in another database: nothing to compare
                continue
            if local not in by_table:
                messages.append(
                    checks.Warning(
                        f"{model._meta.label} is Distributed over table {local}, which no "
                        "model sent to this database has: migrations will not create it.",
                        hint="Define the local model (usually with a Replicated engine and "
                        "the same Meta.cluster), or create the table on every node yourself.",
                        obj=model,
                        id="clickhouse_backend.W007",
                    )
                )
                continue
            messages += self._compare_columns(model, by_table[local])
        return messages

    def _compare_columns(self, distributed, local) -> list[checks.CheckMessage]:
        """A missing column fails every query (E002); another type is converted where
        ClickHouse can (String to LowCardinality(String), Int8 to Int64) and fails
        where it cannot, so it is only pointed out (W008)."""
        types = {
            field.column: column_db_type(field, self.connection)
            for field in local._meta.local_concrete_fields
        }
        messages = []
        for field in distributed._meta.local_concrete_fields:
            wanted = column_db_type(field, self.connection)
            if field.column not in types:
                messages.append(
                    checks.Error(
                        f"{distributed._meta.label} reads {local._meta.label}'s table, but "
                        f"that has no column {field.column}: ClickHouse would fail every "
                        "query that reads it.",
                        hint="Give the local model the field too, or leave it out of the "
                        "Distributed model (it may have fewer fields).",
                        obj=distributed,
                        id="clickhouse_backend.E002",
                    )
                )
            elif types[field.column] != wanted:
                messages.append(
                    checks.Warning(
                        f"{distributed._meta.label}.{field.name} is {wanted}, but the column "
                        f"of {local._meta.label}'s table it reads is {types[field.column]}: "
                        "reads convert each value, and fail on one that does not fit.",
                        hint="Give both fields the same type.",
                        obj=distributed,
                        id="clickhouse_backend.W008",
                    )
                )
        return messages

    def check_tables_match(self, models) -> list[checks.CheckMessage]:
        """Warn about each existing table whose engine differs from its Meta.engine."""
        declared = {}
        with self.connection.schema_editor(collect_sql=True) as editor:
            for model in models:
                try:
                    declared[model._meta.db_table] = (model, editor.engine_sql(model))
                except (TypeError, ValueError, FieldError):
                    continue  # check_model reported it
        if not declared:
            return []
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, engine_full FROM system.tables "
                "WHERE database = currentDatabase() AND has(%s, name)",
                [list(declared)],
            )
            tables = dict(cursor.fetchall())
            if not tables:
                return []
            names = sorted(tables)
            # ClickHouse's own formatter puts both in one spelling (quotes, spaces, parentheses).
            cursor.execute(
                "SELECT arrayMap(q -> formatQuerySingleLineOrNull(q), %s)",
                [
                    [
                        _FORMAT_AS + text
                        for name in names
                        for text in (declared[name][1], tables[name])
                    ]
                ],
            )
            (formatted,) = cursor.fetchone()
        migrated = None  # read once a table differs: it loads every migration
        messages = []
        for position, name in enumerate(names):
            wanted, actual = formatted[2 * position : 2 * position + 2]
            if wanted is None or actual is None or _same_engine(wanted, actual):
                continue
            model, declared_sql = declared[name]
            migrated = migrated or MigratedEngines(self.connection)
            if migrated.will_change(model):
                continue  # an unapplied migration gives the table Meta.engine
            says = f"Table {name} has ENGINE = {tables[name]}, but Meta.engine of "
            if migrated.agrees(model):
                message = (
                    f"{says}{model._meta.label} and its applied migrations say "
                    f"{declared_sql}: the table was changed outside migrations."
                )
                hint = (
                    "Give the table its engine back by hand, or write a migration with "
                    "clickhouse_backend.models.AlterModelEngine to what you want."
                )
            else:
                message = (
                    f"{says}{model._meta.label} says {declared_sql}, and no migration changes it."
                )
                hint = (
                    "Run makemigrations, then migrate (docs/engines.md, 'Changing an "
                    "engine after the table exists')"
                )
                if not apps.is_installed("clickhouse_backend"):
                    hint += (
                        ', with "clickhouse_backend" in INSTALLED_APPS: its makemigrations '
                        "writes the AlterModelEngine operation"
                    )
                hint += "; or put Meta.engine back as it was."
            messages.append(
                checks.Warning(message, hint=hint, obj=model, id="clickhouse_backend.W005")
            )
        return messages

    def check_field(self, field, **kwargs) -> list[checks.CheckMessage]:
        messages = super().check_field(field, **kwargs)
        is_key = field.remote_field is not None and field.concrete
        if is_key and getattr(field, "db_constraint", False):
            messages.append(
                checks.Warning(
                    f"ClickHouse does not enforce foreign keys: {field.name} may point at "
                    "rows that do not exist.",
                    hint="Set db_constraint=False to acknowledge it.",
                    obj=field,
                    id="clickhouse_backend.W003",
                )
            )
        elif field.unique and not field.primary_key:
            messages.append(
                checks.Warning(
                    f"ClickHouse does not enforce uniqueness: {field.name} may hold duplicates.",
                    hint="Check values in Python before saving, or deduplicate with a "
                    "ReplacingMergeTree engine.",
                    obj=field,
                    id="clickhouse_backend.W001",
                )
            )
        if field.db_index and not is_key and not field.primary_key:
            messages.append(
                checks.Warning(
                    f"ClickHouse has no secondary indexes: db_index on {field.name} "
                    "creates nothing.",
                    hint="Put the column in the table's sorting key, or add a "
                    "data-skipping index to Meta.indexes.",
                    obj=field,
                    id="clickhouse_backend.W002",
                )
            )
        return messages


class MigratedEngines:
    """Meta.engine as the app's migrations leave it, and whether some are unapplied:
    a table that differs from its model because a migration is still to run is not a
    difference to warn about."""

    def __init__(self, connection):
        self.loader = MigrationLoader(connection, ignore_no_migrations=True)
        self.state = self.loader.project_state()

    def agrees(self, model) -> bool:
        """Whether the app's migrations give the model its Meta.engine."""
        meta = model._meta
        migrated = self.state.models.get((meta.app_label, meta.model_name))
        if migrated is None:
            return False
        return migrated.options.get("engine") == getattr(meta, "engine", None)

    def will_change(self, model) -> bool:
        """Whether the migrations agree with the model and some of the app's are unapplied."""
        app_label = model._meta.app_label
        unapplied = any(
            key[0] == app_label and key not in self.loader.applied_migrations
            for key in self.loader.graph.nodes
        )
        return unapplied and self.agrees(model)


def _same_engine(wanted: str, actual: str) -> bool:
    """Equal engines and keys, and every setting Meta.engine gives is the table's
    (ClickHouse adds defaults, such as index_granularity, to the table's settings)."""
    wanted_head, wanted_settings = split_settings(wanted.partition(_ENGINE)[2])
    actual_head, actual_settings = split_settings(actual.partition(_ENGINE)[2])
    name, wanted_arguments, wanted_keys = engine_call(wanted_head)
    actual_name, actual_arguments, actual_keys = engine_call(actual_head)
    if name.startswith("Replicated") and len(actual_arguments) == len(wanted_arguments) + 2:
        actual_arguments = actual_arguments[2:]  # the server's default path and replica
    return (
        (name, wanted_keys) == (actual_name, actual_keys)
        and len(wanted_arguments) == len(actual_arguments)
        and all(map(_same_argument, wanted_arguments, actual_arguments))
        and set(wanted_settings) <= set(actual_settings)
    )


def _same_argument(wanted: str, actual: str) -> bool:
    """An engine argument as Meta.engine writes it and as the table has it. ClickHouse
    stores the value of a constant expression it evaluated at creation (``currentDatabase()``
    becomes ``'name'``), and of the ``{database}`` and ``{table}`` macros in a path."""
    if wanted == actual:
        return True
    if not actual.startswith("'"):
        return False
    if _CALL.fullmatch(wanted):
        return True
    pattern = re.escape(wanted).replace(r"\{database\}", ".+").replace(r"\{table\}", ".+")
    return re.fullmatch(pattern, actual) is not None

"""DDL for ClickHouse: tables with an engine, columns in ClickHouse's clause order.

ClickHouse writes a column as ``name Type [NULL|NOT NULL] [DEFAULT expr] [COMMENT '...']``
(Django's generic order differs), changes a column with one ``MODIFY COLUMN`` carrying
its whole new definition, and has no UNIQUE, foreign key or ordinary index DDL: those are
left out (the system checks say so), never half-applied. A table is created with the
model's ``Meta.engine`` (a ``MergeTree`` sorted by the primary key when it has none) and
its data-skipping indexes inline; with ``Meta.cluster`` every statement runs ON CLUSTER.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.core.exceptions import FieldError
from django.db import IntegrityError, NotSupportedError
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import F, GeneratedField
from django.db.models.expressions import RawSQL
from django.db.models.sql import Query

from ..driver.escape import render
from .clusters import (
    NO_SERVER_CONFIGURATION,
    ClusterTemplate,
    TableClusters,
    cluster_of,
    embedded_distributed_problem,
    is_migration_recorder,
    needs_a_server,
)
from .computed_columns import computed_kind
from .engine_changes import EngineChange
from .id_columns import column_db_type

# The first release with lightweight UPDATE (experimental in 25.7).
LIGHTWEIGHT_UPDATE_SINCE = (25, 7)


def _models():
    """``clickhouse_backend.models``, imported on first use: it defines an abstract model,
    which Django allows only once its app registry is ready (this module loads earlier)."""
    from .. import models

    return models


def engine_of(model):
    """The model's ``Meta.engine``, or the default: a MergeTree sorted by the primary key."""
    models = _models()
    engine = getattr(model._meta, "engine", None)
    if engine is None:
        return models.MergeTree()
    if not isinstance(engine, models.Engine):
        raise TypeError(
            f"Meta.engine of {model._meta.label} must be an engine such as "
            f"clickhouse_backend.models.MergeTree(...), not {engine!r}"
        )
    return engine


def distributed_local_table(model, database: str) -> str | None:
    """The table a Distributed model reads in ``database``, when it names it as a str
    and its database is ``database`` or ``currentDatabase()``."""
    engine = getattr(model._meta, "engine", None)
    if not isinstance(engine, _models().Distributed):
        return None
    in_this_database = getattr(engine.database, "function", None) == "currentDatabase" or (
        getattr(engine.database, "value", None) == database
    )
    return engine.local_table if in_this_database else None


def is_skip_index(index) -> bool:
    """A ClickHouse data-skipping index, not a plain Django Index (which has no DDL here)."""
    return isinstance(index, _models().Index)


def is_projection(index) -> bool:
    """A projection, which lives in Meta.indexes (see models/projections.py)."""
    return isinstance(index, _models().Projection)


def has_index_ddl(index) -> bool:
    """Whether an entry of Meta.indexes creates something: a skip index or a projection."""
    return is_skip_index(index) or is_projection(index)


class EngineParts(NamedTuple):
    """A table's engine clause as the schema editor writes it, in the parts ALTER TABLE
    changes separately (MODIFY TTL, MODIFY SETTING) or not at all (the rest)."""

    head: str  # the engine, its arguments, ORDER BY, PARTITION BY, PRIMARY KEY, SAMPLE BY
    ttl: str | None
    settings: dict[str, str]  # name -> value as written in SQL


class DatabaseSchemaEditor(BaseDatabaseSchemaEditor):
    # Every statement about a table carries %(on_cluster)s where ClickHouse puts it: after
    # the table (after the whole rename for RENAME). A ClusterTemplate fills it from the
    # table's model: " ON CLUSTER <Meta.cluster>", or nothing (see clusters.py).
    sql_create_table = ClusterTemplate("CREATE TABLE %(table)s%(on_cluster)s (%(definition)s)")
    sql_rename_table = ClusterTemplate(
        "RENAME TABLE %(old_table)s TO %(new_table)s%(on_cluster)s", table_key="new_table"
    )
    sql_delete_table = ClusterTemplate("DROP TABLE %(table)s%(on_cluster)s")

    sql_create_column = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s ADD COLUMN %(column)s %(definition)s"
    )
    sql_delete_column = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s DROP COLUMN %(column)s"
    )
    sql_rename_column = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s RENAME COLUMN %(old_column)s TO %(new_column)s"
    )
    sql_modify_column = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s MODIFY COLUMN %(column)s %(definition)s"
    )
    # Stores a column's DEFAULT or MATERIALIZED value in every row there is (a mutation,
    # MergeTree family, under mutations_sync). A Python default is a column DEFAULT only
    # while existing rows get it: written into them, then removed, as Django drops it.
    # Rows written before a MATERIALIZED expression only compute it when read, with
    # whatever expression the column has then, and read 0 once it is no longer computed.
    sql_materialize_column = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s MATERIALIZE COLUMN %(column)s"
    )
    sql_remove_column_default = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s MODIFY COLUMN %(column)s REMOVE DEFAULT"
    )

    sql_check_constraint = "CHECK %(check)s"
    sql_constraint = "CONSTRAINT %(name)s %(constraint)s"
    sql_create_check = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s ADD CONSTRAINT %(name)s CHECK %(check)s"
    )
    sql_delete_check = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s DROP CONSTRAINT %(name)s"
    )
    sql_delete_constraint = sql_delete_check

    # A column's options after its type, DEFAULT and COMMENT, in ClickHouse's order.
    sql_column_computed = "%(kind)s %(expression)s"
    sql_column_codec = "CODEC(%(codec)s)"
    sql_column_ttl = "TTL %(ttl)s"
    # A MODIFY COLUMN without CODEC, TTL or MATERIALIZED keeps what the column had:
    # removing one is a statement of its own.
    sql_remove_column_property = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s MODIFY COLUMN %(column)s REMOVE %(property)s"
    )
    sql_modify_column_computed = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s MODIFY COLUMN %(column)s %(computed)s"
    )

    sql_alter_table_comment = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s MODIFY COMMENT %(comment)s"
    )
    sql_alter_column_comment = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s COMMENT COLUMN %(column)s %(comment)s"
    )

    sql_skip_index = "INDEX %(name)s %(expression)s TYPE %(type)s GRANULARITY %(granularity)s"
    # A new index covers only parts written after it, unless materialized: AddIndex does
    # both, so the index covers existing rows too (a mutation, under mutations_sync).
    sql_add_skip_index = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s ADD %(index)s, MATERIALIZE INDEX %(name)s"
    )
    sql_drop_skip_index = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s DROP INDEX %(name)s"
    )

    # Changes of Meta.engine (AlterModelEngine): in place where ALTER TABLE can make
    # them, else a rebuild into a new table (engine_changes.py says which and why).
    sql_modify_ttl = ClusterTemplate("ALTER TABLE %(table)s%(on_cluster)s MODIFY TTL %(ttl)s")
    sql_remove_ttl = ClusterTemplate("ALTER TABLE %(table)s%(on_cluster)s REMOVE TTL")
    # A new TTL that fails on the table's rows leaves its MATERIALIZE TTL mutation
    # retrying for ever (and blocking later mutations): it is killed, the TTL put back.
    sql_kill_ttl_mutation = (
        "KILL MUTATION WHERE database = currentDatabase() AND table = %s AND NOT is_done "
        "AND command LIKE '%%MATERIALIZE TTL%%'"
    )
    sql_modify_settings = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s MODIFY SETTING %(settings)s"
    )
    sql_reset_settings = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s RESET SETTING %(names)s"
    )
    # ClickHouse appends to a sorting key only columns added by the same ALTER.
    sql_add_key_columns = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s %(columns)s, MODIFY ORDER BY %(order_by)s"
    )
    sql_add_column_clause = "ADD COLUMN %(column)s %(definition)s"
    # Every row as it is: no block deduplicated away (a Replicated table would drop a
    # block equal to one it had), none merged on insert (a Replacing/Summing engine
    # would), MATERIALIZED values kept, and a new partition key may spread a block over
    # any number of partitions.
    sql_copy_rows = (
        "INSERT INTO %(new_table)s (%(columns)s) SETTINGS insert_deduplicate = 0, "
        "optimize_on_insert = 0, insert_allow_materialized_columns = 1, "
        "max_partitions_per_insert_block = 0 SELECT %(columns)s FROM %(table)s%(where)s"
    )
    # One partition's rows; its id is a literal of the driver's escaping (a parameter
    # would have the driver read the whole statement, names with a % in them too).
    sql_copy_rows_of_partition = " WHERE _partition_id = %(partition)s"
    sql_exchange_tables = ClusterTemplate(
        "EXCHANGE TABLES %(table)s AND %(new_table)s%(on_cluster)s"
    )
    sql_drop_table_if_exists = ClusterTemplate("DROP TABLE IF EXISTS %(table)s%(on_cluster)s")
    sql_count_rows = "SELECT count() FROM %(table)s"

    sql_projection = "PROJECTION %(name)s (%(query)s)"
    # As for a skip index: ADD covers new parts only, MATERIALIZE the existing ones.
    sql_add_projection = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s ADD %(projection)s, MATERIALIZE PROJECTION %(name)s"
    )
    sql_drop_projection = ClusterTemplate(
        "ALTER TABLE %(table)s%(on_cluster)s DROP PROJECTION %(name)s"
    )

    # Not DDL in ClickHouse: see the module docstring.
    sql_create_unique = None
    sql_delete_unique = None
    sql_create_fk = None
    sql_create_index = None
    sql_delete_index = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._tables = TableClusters(self.quote_name)

    def execute(self, sql, params=()) -> None:
        # Statements for what ClickHouse has no DDL for (unique_together, ...) are None.
        # Without params the text is final: a % in a comment or default is not a
        # placeholder (None tells the driver and sqlmigrate not to fill any).
        if sql is None:
            return
        try:
            super().execute(sql, params or None)
        finally:
            # What update() keeps of tables (keys, lightweight updates) may have changed.
            if not self.collect_sql:
                self.connection.introspection.forget_edit_facts()

    # -- ON CLUSTER -----------------------------------------------------------------

    def on_cluster_sql(self, table: str) -> str:
        """`` ON CLUSTER <cluster>`` for a statement about ``table`` (quoted), or ``""``."""
        model = self._tables.model_of(table)
        cluster = self.cluster_of(model) if model is not None else None
        if cluster is None:
            return ""
        if self.runs_embedded:  # collected SQL (sqlmigrate) is shown as a server runs it
            raise NotSupportedError(needs_a_server(model, f"has Meta.cluster = {cluster!r}"))
        return f" ON CLUSTER {self.quote_name(cluster)}"

    @property
    def runs_embedded(self) -> bool:
        """Whether statements run on the embedded engine (not only collected)."""
        return self.connection.runs_embedded and not self.collect_sql

    def cluster_of(self, model) -> str | None:
        """The model's cluster; the migration recorder's is OPTIONS["migration_cluster"]."""
        if is_migration_recorder(model):
            return self.connection.options.get("migration_cluster")
        return cluster_of(model)

    # The public methods that change tables say which model they are about first, so
    # that the statements they emit (and defer) find the cluster of every table they name.

    def create_model(self, model) -> None:
        self._tables.note(model)
        problem = self.embedded_problem(model) if self.runs_embedded else None
        if problem:
            raise NotSupportedError(problem)
        super().create_model(model)

    def embedded_problem(self, model) -> str | None:
        """Why the model's table cannot exist on the embedded engine, if it cannot."""
        if not self.connection.runs_embedded:
            return None
        cluster = self.cluster_of(model)
        if cluster is not None:
            return needs_a_server(model, f"has Meta.cluster = {cluster!r}")
        engine = self.table_engine(model)
        if engine.name.startswith("Replicated"):
            return needs_a_server(model, f"has a {engine.name} engine")
        if engine.name == "Distributed":
            cluster = engine.cluster_name
            return embedded_distributed_problem(self.connection, model, cluster)
        if engine.name == "GraphiteMergeTree":
            return needs_a_server(model, f"has a {engine.name} engine", NO_SERVER_CONFIGURATION)
        return None

    def delete_model(self, model) -> None:
        self._tables.note(model)
        super().delete_model(model)

    def add_field(self, model, field) -> None:
        """Add the column; a Python default fills the existing rows, and then the column
        has no DEFAULT (rows inserted later without it get NULL or the type's zero, as
        Django means). Tables outside the MergeTree family keep the DEFAULT: they cannot
        write it into their rows, and compute it when reading rows written before."""
        self._tables.note(model)
        super().add_field(model, field)
        self.write_default_into_rows(model, field)

    def write_default_into_rows(self, model, field) -> None:
        """A new column's DEFAULT from a Python default (``include_default``): written
        into the rows there are, then removed from the column."""
        if (
            self.has_column(field)
            and not field.has_db_default()
            and not computed_kind(field)  # its expression is its value: no DEFAULT
            and self.effective_default(field) is not None
            and self.rows_take_defaults(model)
        ):
            self.execute(self.sql_materialize_column % self._column_names(model, field))
            self.execute(self.sql_remove_column_default % self._column_names(model, field))

    def rows_in(self, table: str) -> int:
        """How many rows ``table`` holds."""
        with self.connection.cursor() as cursor:
            cursor.execute(self.sql_count_rows % {"table": self.quote_name(table)})
            return cursor.fetchone()[0]

    def _column_names(self, model, field) -> dict[str, str]:
        return {
            "table": self.quote_name(model._meta.db_table),
            "column": self.quote_name(field.column),
        }

    def remove_field(self, model, field) -> None:
        self._tables.note(model)
        if self.has_column(field):
            self.refuse_key_column_change(model, field, "drop")
        super().remove_field(model, field)

    def alter_field(self, model, old_field, new_field, strict=False) -> None:
        self._tables.note(model)
        if self.has_column(old_field) and self.has_column(new_field):
            if old_field.column != new_field.column:
                self.refuse_key_column_change(model, old_field, "rename")
            if self.changes_type(old_field, new_field):
                self.refuse_key_column_change(model, old_field, "change the type of")
        if computed_kind(old_field) or computed_kind(new_field):
            self.alter_computed_field(model, old_field, new_field, strict)
            return
        super().alter_field(model, old_field, new_field, strict)

    def alter_computed_field(self, model, old_field, new_field, strict=False) -> None:
        """Change a column to, from or between MATERIALIZED, ALIAS and EPHEMERAL: one
        MODIFY COLUMN, as for any column. Django refuses to alter its GeneratedField
        (its databases cannot), which these fields are to the ORM; ClickHouse can."""
        if not self._field_should_be_altered(old_field, new_field):
            return
        if computed_kind(old_field) == "ephemeral" and not computed_kind(new_field):
            raise NotSupportedError(
                f"Cannot turn the EPHEMERAL column {old_field.column!r} of table "
                f"{model._meta.db_table!r} into a stored column: ClickHouse has no ALTER "
                "for it. Nothing was changed. Remove the field in one migration and add "
                "it again in the next."
            )
        old_db_params = old_field.db_parameters(connection=self.connection)
        new_db_params = new_field.db_parameters(connection=self.connection)
        self._alter_field(
            model,
            old_field,
            new_field,
            old_db_params["type"],
            new_db_params["type"],
            old_db_params,
            new_db_params,
            strict,
        )

    def add_constraint(self, model, constraint) -> None:
        self._tables.note(model)
        super().add_constraint(model, constraint)

    def remove_constraint(self, model, constraint) -> None:
        self._tables.note(model)
        super().remove_constraint(model, constraint)

    def alter_db_table_comment(self, model, old_db_table_comment, new_db_table_comment):
        self._tables.note(model)
        super().alter_db_table_comment(model, old_db_table_comment, new_db_table_comment)

    def quote_value(self, value: Any) -> str:
        return render(value)

    def prepare_default(self, value: Any) -> str:
        return self.quote_value(value)

    # -- tables ---------------------------------------------------------------------

    def table_sql(self, model) -> tuple[str, list]:
        # Django adds the table comment afterwards, with sql_alter_table_comment.
        sql, params = super().table_sql(model)
        indexes = [
            self.skip_index_sql(model, index)
            if is_skip_index(index)
            else self.projection_sql(index)
            for index in model._meta.indexes
            if has_index_ddl(index)
        ]
        if indexes:  # inside the parentheses that close sql_create_table
            sql = f"{sql[:-1]}, {', '.join(indexes)})"
        sql = f"{sql} ENGINE = {self.engine_sql(model, with_defaults=True)}"
        return sql, params

    def _pk_constraint_sql(self, columns):
        """No PRIMARY KEY constraint: a composite key is the sorting key, with the engine."""
        return None

    def table_engine(self, model):
        """The model's engine. On a migration cluster, the recorder's is replicated to
        every node (its own replica each), so a migration applied through any node is
        applied for all of them. A many-to-many table of a replicated model is
        replicated too (at the server's default path), so that links written through
        one replica are read through the others."""
        if is_migration_recorder(model) and self.cluster_of(model):
            return _models().ReplicatedMergeTree(
                "/clickhouse/tables/{uuid}/django_migrations", "{shard}-{replica}"
            )
        owner = model._meta.auto_created
        if (
            owner
            and not hasattr(model._meta, "engine")
            and engine_of(owner).name.startswith("Replicated")
        ):
            return _models().ReplicatedMergeTree()
        return engine_of(model)

    def engine_sql(self, model, with_defaults: bool = False) -> str:
        """What follows ``ENGINE =``: the engine, its arguments, key clauses, SETTINGS
        (Meta.engine's; ``with_defaults``, as a new table gets them, with the engine's
        default settings too: see ``table_settings``)."""
        parts = self.engine_parts(model, with_defaults)
        sql = parts.head
        if parts.ttl is not None:
            sql += f" TTL {parts.ttl}"
        if parts.settings:
            sql += f" SETTINGS {self.settings_sql(parts.settings)}"
        return sql

    def engine_parts(self, model, with_defaults: bool = False) -> EngineParts:
        """``engine_sql`` in the three parts an ALTER can change apart: the engine with
        its arguments and keys, the TTL, and the settings (rendered values by name)."""
        engine = self.table_engine(model)
        ttl = None
        try:
            head = engine.name
            arguments = [  # a tuple argument is a list of columns, written as a key
                self.key_sql(model, part)
                if isinstance(part, tuple)
                else self.expression_sql(model, part)
                for part in engine.arguments()
            ]
            if arguments:
                head += f"({', '.join(arguments)})"
            for keyword, parts in engine.clauses(model):
                if parts is None:
                    continue
                if keyword == "TTL":
                    ttl = self.key_sql(model, parts)
                else:
                    head += f" {keyword} {self.key_sql(model, parts)}"
        except FieldError as error:
            raise FieldError(f"Meta.engine of {model._meta.label}: {error}") from None
        settings = self.table_settings(model, engine) if with_defaults else engine.settings
        rendered = {name: self._setting_sql(value) for name, value in settings.items()}
        return EngineParts(head, ttl, rendered)

    def settings_sql(self, settings: dict[str, str]) -> str:
        """``name = value, ...`` of rendered settings, as SETTINGS and MODIFY SETTING take them."""
        return ", ".join(f"{name} = {value}" for name, value in settings.items())

    def table_settings(self, model, engine) -> dict[str, Any]:
        """The settings of a new table: the engine's default settings that Meta.engine
        does not set (first), then Meta.engine's. The defaults are for rows save() and
        update() change (lightweight updates: docs/backend.md, "Edits"), so tables whose
        rows Django only inserts and deletes (a many-to-many table, the migration
        recorder) get none, nor do tables on a server without lightweight updates (an
        older one may not know the settings). A table created earlier keeps what it
        had: neither the system check (which compares Meta.engine's own settings) nor
        inspectdb (which leaves the defaults out) takes that for a difference."""
        defaults = engine.default_settings
        if not defaults or model._meta.auto_created or is_migration_recorder(model):
            return dict(engine.settings)
        if not self._server_has_lightweight_updates():
            return dict(engine.settings)
        missing = {name: value for name, value in defaults.items() if name not in engine.settings}
        return {**missing, **engine.settings}

    def _server_has_lightweight_updates(self) -> bool:
        if self.collect_sql and self.connection.connection is None:
            return True  # statements shown, not run (sqlmigrate): as a current server has them
        return self.connection.get_database_version() >= LIGHTWEIGHT_UPDATE_SINCE

    def _setting_sql(self, value: str | int | float) -> str:
        """A table setting's value: numbers as written (SETTINGS takes no parentheses
        around negatives), strings and booleans through the driver's escaping."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = int(value) if isinstance(value, int) else float(value)
            return repr(number)  # the base type's digits, whatever a subclass prints
        return self.quote_value(value)

    def key_sql(self, model, parts) -> str:
        """A key or index expression: one part as is, several as a tuple."""
        sqls = [self.expression_sql(model, part) for part in parts]
        if len(sqls) == 1:
            return sqls[0]
        return f"({', '.join(sqls)})" if sqls else "tuple()"

    def expression_sql(self, model, expression) -> str:
        """A field reference or expression as DDL: columns unqualified, values inlined
        (DDL takes no parameters), as Django does for Index expressions and db_default."""
        query = Query(model, alias_cols=False)
        compiler = query.get_compiler(connection=self.connection)
        resolved = expression.resolve_expression(query, allow_joins=False)
        if isinstance(resolved, RawSQL):  # as written: ClickHouse would keep RawSQL's (...)
            sql, params = resolved.sql, resolved.params
        else:
            sql, params = compiler.compile(resolved)
        try:
            return sql % tuple(self.quote_value(param) for param in params)
        except (TypeError, ValueError):
            # Compiled SQL holds %s placeholders and quoted names as they are.
            raise FieldError(
                f"{sql!r} cannot be written into DDL: a column name with a % in it is "
                "read as a placeholder (docs/limitations.md); give the field a "
                "db_column without %"
            ) from None

    # -- data-skipping indexes ------------------------------------------------------

    def skip_index_sql(self, model, index) -> str:
        """``INDEX name expr TYPE t GRANULARITY n``, as CREATE TABLE and ADD INDEX write it."""
        parts = index.expressions or tuple(F(name) for name in index.fields)
        try:
            expression = self.key_sql(model, parts)
        except FieldError as error:
            raise FieldError(f"Index {index.name!r} of {model._meta.label}: {error}") from None
        index_type = index.type.type_name
        if index.type.arguments:
            index_type += f"({', '.join(map(self.quote_value, index.type.arguments))})"
        return self.sql_skip_index % {
            "name": self.quote_name(index.name),
            "expression": expression,
            "type": index_type,
            "granularity": index.granularity,
        }

    def add_skip_index_sql(self, model, index) -> str:
        return self.sql_add_skip_index % {
            "table": self.quote_name(model._meta.db_table),
            "index": self.skip_index_sql(model, index),
            "name": self.quote_name(index.name),
        }

    def drop_skip_index_sql(self, model, index) -> str:
        return self.sql_drop_skip_index % {
            "table": self.quote_name(model._meta.db_table),
            "name": self.quote_name(index.name),
        }

    # -- projections ----------------------------------------------------------------

    def projection_sql(self, projection) -> str:
        """``PROJECTION name (query)``, as CREATE TABLE and ADD PROJECTION write it."""
        return self.sql_projection % {
            "name": self.quote_name(projection.name),
            "query": projection.query,
        }

    def add_projection_sql(self, model, projection) -> str:
        return self.sql_add_projection % {
            "table": self.quote_name(model._meta.db_table),
            "projection": self.projection_sql(projection),
            "name": self.quote_name(projection.name),
        }

    def drop_projection_sql(self, model, projection) -> str:
        return self.sql_drop_projection % {
            "table": self.quote_name(model._meta.db_table),
            "name": self.quote_name(projection.name),
        }

    def add_index(self, model, index) -> None:
        """A skip index or projection is added and materialized; a plain Django Index
        has no DDL."""
        self._tables.note(model)
        if has_index_ddl(index):
            self.execute(index.create_sql(model, self), None)

    def remove_index(self, model, index) -> None:
        self._tables.note(model)
        if has_index_ddl(index):
            self.execute(index.remove_sql(model, self), None)

    # -- key columns ----------------------------------------------------------------

    def refuse_key_column_change(self, model, field, action: str) -> None:
        """Refuse, before any statement runs, what ClickHouse refuses of a column of the
        table's sorting, primary, partition or sampling key (or that the engine names):
        to rename it, drop it or change its type. Without this, ClickHouse's error would
        come after the statements the operation runs first."""
        if self.collect_sql:  # statements shown, not run: the table may not exist yet
            return
        table = model._meta.db_table
        with self.connection.cursor() as cursor:
            roles = self.connection.introspection.get_key_roles(cursor, table, field.column)
        if roles:
            raise NotSupportedError(
                f"Cannot {action} column {field.column!r} of table {table!r}: it is in the "
                f"table's {' and '.join(roles)}, and ClickHouse refuses to {action} a key "
                "column. Nothing was changed. Keep the column as it is; or create a new "
                "model with the column and key you want, copy the rows with "
                "migrations.RunSQL('INSERT INTO new_table SELECT ... FROM old_table') and "
                "delete the old model."
            )

    def has_column(self, field) -> bool:
        """Whether the field has a column (a many-to-many field has a table instead)."""
        return field.db_parameters(connection=self.connection)["type"] is not None

    def changes_type(self, old_field, new_field) -> bool:
        """Whether the column's ClickHouse type changes (NULL-ability included). Adding
        members to an Enum is not a change ClickHouse refuses of a key column."""
        old_type, new_type = self.column_type(old_field), self.column_type(new_field)
        if (old_type, old_field.null) == (new_type, new_field.null):
            return False
        same_enum = old_type.split("(")[0] == new_type.split("(")[0] in ("Enum8", "Enum16")
        return not (same_enum and old_field.null == new_field.null)

    def column_type(self, field) -> str:
        """The column's ClickHouse type as column_sql() writes it (a GeneratedField's is
        its output field's)."""
        if isinstance(field, GeneratedField):
            field = field.output_field
        return column_db_type(field, self.connection)

    def alter_model_engine(self, old_model, new_model) -> None:
        """Give the table ``new_model``'s engine (it has ``old_model``'s): with ALTER
        TABLE where ClickHouse can change it in place, else by rebuilding the table with
        every row (see engine_changes.py)."""
        self._tables.note(new_model)
        EngineChange(self, old_model, new_model).apply()

    def alter_db_table(self, model, old_db_table, new_db_table) -> None:
        self._tables.note(model, old_db_table, new_db_table)
        super().alter_db_table(model, old_db_table, new_db_table)

    # -- columns --------------------------------------------------------------------

    def _iter_column_sql(
        self, column_db_type, params, model, field, field_db_params, include_default
    ):
        column_type = self.column_type(field)
        yield column_type
        # NULL makes a type Nullable; ClickHouse refuses it after a type that already
        # says (LowCardinality(Nullable(String)) must be written that way round).
        if not column_type.startswith(("Nullable(", "LowCardinality(Nullable(")):
            yield "NULL" if field.null else "NOT NULL"
        if computed_kind(field):
            yield self.computed_column_sql(model, field)
        elif isinstance(field, GeneratedField):
            yield self.generated_column_sql(field)
        elif field.has_db_default():
            default_sql, default_params = self.db_default_sql(field)
            yield f"DEFAULT {default_sql}"
            params.extend(default_params)
        elif include_default and (default := self.effective_default(field)) is not None:
            yield f"DEFAULT {self.prepare_default(default)}"
        if field.db_comment:
            yield f"COMMENT {self.quote_value(field.db_comment)}"
        if codec := getattr(field, "codec", None):
            yield self.sql_column_codec % {"codec": codec}
        if getattr(field, "ttl", None) is not None:
            yield self.sql_column_ttl % {"ttl": self.column_expression_sql(model, field, "ttl")}

    def computed_column_sql(self, model, field, as_kind: str | None = None) -> str:
        """``MATERIALIZED expr``, ``ALIAS expr``, ``EPHEMERAL [expr]`` (the field's
        expression under another kind when ``as_kind`` says)."""
        kind = computed_kind(field)
        if getattr(field, kind) is True:  # ephemeral=True
            return kind.upper()
        expression = self.column_expression_sql(model, field, kind)
        return self.sql_column_computed % {
            "kind": (as_kind or kind).upper(),
            "expression": expression,
        }

    def generated_column_sql(self, field) -> str:
        """Django's GeneratedField: stored (``db_persist=True``) is ClickHouse's
        MATERIALIZED, computed on every read is its ALIAS."""
        sql, params = field.generated_sql(self.connection)
        expression = sql % tuple(self.quote_value(param) for param in params)
        kind = "MATERIALIZED" if field.db_persist else "ALIAS"
        return self.sql_column_computed % {"kind": kind, "expression": expression}

    def column_expression_sql(self, model, field, option: str) -> str:
        """A column option's SQL: its text as written, or its expression compiled."""
        try:
            return self.expression_sql(model, field.column_expression(option))
        except FieldError as error:
            raise FieldError(f"{model._meta.label}.{field.name} {option}=: {error}") from None

    def stores_computed_values(self, model) -> bool:
        """Whether the table can store a computed column's values for the rows it has
        (MATERIALIZE COLUMN is a mutation: the MergeTree family only)."""
        return self.table_engine(model).name.endswith("MergeTree")

    def store_computed_values(self, model, old_field, new_field, table, column) -> bool:
        """Before a MATERIALIZED or ALIAS column becomes a stored one, store the values
        it shows in every row (an ALIAS is made MATERIALIZED first); whether it did."""
        old_kind = computed_kind(old_field)
        if old_kind not in ("materialized", "alias") or computed_kind(new_field):
            return False
        if not self.stores_computed_values(model):
            return False
        if old_kind == "alias":
            computed = self.computed_column_sql(model, old_field, as_kind="materialized")
            self.execute(
                self.sql_modify_column_computed
                % {"table": table, "column": column, "computed": computed}
            )
        self.execute(self.sql_materialize_column % {"table": table, "column": column})
        return True

    def becomes_materialized(self, model, old_field, new_field) -> bool:
        """Whether the column gets a MATERIALIZED expression it did not have, on a table
        that can store it for the rows already there."""
        if computed_kind(new_field) != "materialized" or not self.stores_computed_values(model):
            return False
        return computed_kind(old_field) != "materialized" or (
            self.computed_column_sql(model, old_field)
            != self.computed_column_sql(model, new_field)
        )

    def removed_column_properties(self, old_field, new_field, stored: bool) -> list[str]:
        """What ``REMOVE`` statements take away that the new definition no longer has
        (a MODIFY COLUMN keeps the codec, TTL and MATERIALIZED/ALIAS it does not name).
        A computed column that becomes a stored one was made MATERIALIZED first when
        its values were ``stored``."""
        removed = []
        old_kind, new_kind = computed_kind(old_field), computed_kind(new_field)
        computed_before = old_kind in ("materialized", "alias") and not new_kind
        if computed_before and not new_field.has_db_default():  # a DEFAULT replaces it
            removed.append("MATERIALIZED" if stored else old_kind.upper())
        if getattr(old_field, "codec", None) and not getattr(new_field, "codec", None):
            removed.append("CODEC")
        if getattr(old_field, "ttl", None) is not None and getattr(new_field, "ttl", None) is None:
            removed.append("TTL")
        return removed

    def _alter_field(
        self,
        model,
        old_field,
        new_field,
        old_type,
        new_type,
        old_db_params,
        new_db_params,
        strict=False,
    ):
        """Rename, then one MODIFY COLUMN with the whole new definition, if it changed,
        and the REMOVE statements for what it no longer has. A column that becomes
        MATERIALIZED, or whose expression changes, is materialized for every row; one
        that stops being computed is materialized before, so that it keeps its values.

        A Python default is not part of the column (changing it runs nothing), except
        while a NULL-able column becomes NOT NULL: ClickHouse then needs a DEFAULT for
        the NULL rows, which get the field's default (as Django updates them), or must
        not exist when it has none; the DEFAULT is removed afterwards. A MODIFY
        COLUMN keeps the column's DEFAULT and COMMENT unless it replaces them, so
        removing a db_default or a db_comment removes them explicitly."""
        table = self.quote_name(model._meta.db_table)
        names = self._column_names(model, new_field)
        fills_nulls = old_field.null and not new_field.null and not new_field.has_db_default()
        old_definition, _ = self.column_sql(model, old_field)
        new_definition, params = self.column_sql(model, new_field)
        if fills_nulls:  # before any statement: it may refuse the change
            new_definition, params = self._null_filling_definition(model, old_field, new_field)
        if old_field.column != new_field.column:
            self.execute(
                self.sql_rename_column
                % {
                    "table": table,
                    "old_column": self.quote_name(old_field.column),
                    "new_column": self.quote_name(new_field.column),
                }
            )
        column = self.quote_name(new_field.column)
        stored = self.store_computed_values(model, old_field, new_field, table, column)
        if old_definition != new_definition:
            self.execute(self.sql_modify_column % {**names, "definition": new_definition}, params)
        for removed in self.removed_column_properties(old_field, new_field, stored):
            self.execute(self.sql_remove_column_property % {**names, "property": removed})
        if self.becomes_materialized(model, old_field, new_field):
            # Every row holds the new expression's value, not only rows written from now.
            self.execute(self.sql_materialize_column % names)
        if fills_nulls or (old_field.has_db_default() and not new_field.has_db_default()):
            self.execute(self.sql_remove_column_default % names)
        if old_field.db_comment and not new_field.db_comment:
            sql, params = self._alter_column_comment_sql(model, new_field, new_type, "")
            self.execute(sql, params)

    def _null_filling_definition(self, model, old_field, new_field) -> tuple[str, list]:
        """The NOT NULL column's definition with the DEFAULT ClickHouse needs to convert
        its NULL rows. A MergeTree table's rows get the field's default. Without one,
        or in a table of another engine (a Memory table's NULL rows would become
        unreadable), there must be no NULL row (IntegrityError otherwise, as a NOT NULL
        constraint would), and the type's zero value satisfies ClickHouse."""
        if self.effective_default(new_field) is not None and self.rows_take_defaults(model):
            return self.column_sql(model, new_field, include_default=True)
        if not self.collect_sql:
            self._refuse_null_rows(model, old_field)
        params: list = []
        parts = list(
            self._iter_column_sql(None, params, model, new_field, None, include_default=False)
        )
        zero = f"defaultValueOfTypeName({self.quote_value(parts[0])})"
        parts.insert(2, f"DEFAULT {zero}")  # after the type and NOT NULL
        return " ".join(parts), params

    def _refuse_null_rows(self, model, field) -> None:
        table = model._meta.db_table
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count() FROM {self.quote_name(table)} "
                f"WHERE {self.quote_name(field.column)} IS NULL"
            )
            (nulls,) = cursor.fetchone()
        if not nulls:
            return
        if self.rows_take_defaults(model):
            reason = "the field has no default (the NULL rows would get it)"
        else:
            reason = (
                f"ClickHouse cannot give them a default in a {self.table_engine(model).name} table"
            )
        raise IntegrityError(
            f"Cannot make column {field.column!r} of table {table!r} NOT NULL: {nulls} "
            f"row(s) hold NULL, and {reason}. Nothing was changed. Update those rows "
            "first (or give the field a default)."
        )

    def rows_take_defaults(self, model) -> bool:
        """Whether ClickHouse writes a column's DEFAULT into the table's existing rows
        (MATERIALIZE COLUMN, MODIFY COLUMN of NULLs): the MergeTree family does."""
        return isinstance(self.table_engine(model), _models().BaseMergeTree)

    def skip_default_on_alter(self, field) -> bool:
        """add_field removes the DEFAULT itself, once the existing rows hold it."""
        return True

    # -- what ClickHouse has no DDL for ---------------------------------------------

    def _field_indexes_sql(self, model, field):
        return []

    def _model_indexes_sql(self, model):
        """Skip indexes are written inline by table_sql; nothing is deferred."""
        return []

    def _unique_supported(self, *args, **kwargs) -> bool:
        return False

    def _create_unique_sql(self, *args, **kwargs):
        return None

    def _create_index_sql(self, *args, **kwargs):
        """A plain Django index (index_together, db_index) creates nothing."""
        return None

    def _delete_composed_index(self, model, fields, constraint_kwargs, sql) -> None:
        """Removing a unique_together or index_together removes nothing: adding one
        created nothing (ClickHouse has no unique constraints or ordinary indexes)."""

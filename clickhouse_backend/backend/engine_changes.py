"""Changing a table's engine (``AlterModelEngine``): in place when ALTER TABLE can, else
a rebuild that keeps every row.

ClickHouse changes a MergeTree table's TTL (``MODIFY TTL`` / ``REMOVE TTL``) and most
of its settings (``MODIFY SETTING`` / ``RESET SETTING``) in place, and appends to its
sorting key columns added by the same ALTER (``ADD COLUMN ..., MODIFY ORDER BY``: what
AlterModelEngine's ``fields`` are for). It cannot otherwise change the engine, its
arguments, or the sorting, primary, partition or sampling key. For those the table is
rebuilt: a new table with the new engine under a temporary name, the rows copied
inside ClickHouse (``INSERT ... SELECT``) one partition at a time, ``EXCHANGE TABLES``
to swap the two names atomically, and the old table dropped. Until the exchange the
original table is only read; if anything fails before it, the new table is dropped
and the original is as it was.

Each copied partition is logged (logger ``clickhouse_backend.rebuild``, INFO): the
backend's ``migrate`` prints these lines from verbosity 1. Rows written to the table
while it is rebuilt may be missed: stop writers first.
"""

from __future__ import annotations

import copy
import logging
import time

from django.apps.registry import Apps
from django.db import DatabaseError, NotSupportedError

from .computed_columns import is_stored

logger = logging.getLogger("clickhouse_backend.rebuild")

# MergeTree settings fixed when a table is created (ClickHouse 26.9 answers MODIFY
# SETTING with READONLY_SETTING, code 472): changing one rebuilds the table.
READONLY_SETTINGS = frozenset(
    {
        "index_granularity",
        "index_granularity_bytes",
        "enable_mixed_granularity_parts",
        "add_minmax_index_for_numeric_columns",
        "add_minmax_index_for_string_columns",
        "table_disk",
    }
)
# Engines whose tables hold no rows of their own (they read or forward other tables'):
# a rebuild recreates them and copies nothing, or reads the rows twice.
STORE_NOTHING = frozenset({"Distributed", "Merge", "Buffer", "Null"})
# Engines whose rows SELECT cannot read: such a table cannot be copied.
UNREADABLE = frozenset({"Set", "Join"})
# What the rebuilt table is called until it takes the table's name.
REBUILD_SUFFIX = "__rebuild"
# The active parts of a MergeTree table by partition: the blocks a rebuild copies.
PARTITIONS_SQL = (
    "SELECT partition_id, sum(rows) FROM system.parts WHERE database = currentDatabase() "
    "AND table = %s AND active GROUP BY partition_id ORDER BY partition_id"
)


class EngineChange:
    """One table going from ``old_model``'s engine to ``new_model``'s (same columns)."""

    def __init__(self, editor, old_model, new_model):
        self.editor = editor
        self.old_model = old_model
        self.new_model = new_model
        self.table = new_model._meta.db_table
        self.quoted = editor.quote_name(self.table)

    def apply(self) -> None:
        """Run (or, for sqlmigrate, collect) the statements of the change."""
        added, removed = self.columns_changed()
        key_columns = self.key_columns(added) if added else ()
        if key_columns:
            self.add_key_columns(added, key_columns)
            return
        for field in added:
            self.editor.add_field(self.new_model, field)
        old = self.editor.engine_parts(self.old_model, with_defaults=True)
        new = self.editor.engine_parts(self.new_model, with_defaults=True)
        if old != new and not self.changes_in_place(old, new):
            self.rebuild()  # it copies the new model's columns: removed ones are left out
            return
        for field in removed:
            self.editor.remove_field(self.old_model, field)
        if old != new:
            self.alter_in_place(old, new)

    def columns_changed(self) -> tuple[list, list]:
        """The fields the new model has and the old one has not (AlterModelEngine's
        ``fields``), and those the old one has and the new one has not (unapplying it)."""
        old = {field.name: field for field in self.old_model._meta.local_concrete_fields}
        new = {field.name: field for field in self.new_model._meta.local_concrete_fields}
        added = [field for name, field in new.items() if name not in old]
        removed = [field for name, field in old.items() if name not in new]
        return added, removed

    def key_columns(self, added) -> tuple[str, ...]:
        """The added fields the new sorting key appends, when ClickHouse can add and key
        them in one ALTER (``MODIFY ORDER BY`` appends only columns the same ALTER adds)."""
        from ..models.alter_engine import key_columns_to_add

        return key_columns_to_add(
            self.editor.table_engine(self.old_model),
            self.editor.table_engine(self.new_model),
            {field.name: field for field in added},
        )

    def add_key_columns(self, added, key_columns: tuple[str, ...]) -> None:
        """``ALTER TABLE t ADD COLUMN c Type, ..., MODIFY ORDER BY (..., c)``: metadata
        only; existing rows get each key column type's zero value."""
        editor = self.editor
        columns, params = [], []
        for field in added:
            definition, field_params = editor.column_sql(
                self.new_model, field, include_default=field.name not in key_columns
            )
            columns.append(
                editor.sql_add_column_clause
                % {"column": editor.quote_name(field.column), "definition": definition}
            )
            params.extend(field_params)
        order_by = editor.key_sql(self.new_model, editor.table_engine(self.new_model).order_by)
        editor.execute(
            editor.sql_add_key_columns
            % {"table": self.quoted, "columns": ", ".join(columns), "order_by": order_by},
            params,
        )
        for field in added:  # as add_field leaves a column: the default in the rows only
            if field.name not in key_columns:
                editor.write_default_into_rows(self.new_model, field)

    def changes_in_place(self, old, new) -> bool:
        """Whether ALTER TABLE can make the change: same engine and keys, a MergeTree,
        and no setting changed that ClickHouse fixes at creation."""
        if old.head != new.head or not self.is_merge_tree(self.new_model):
            return False
        names = old.settings.keys() | new.settings.keys()
        changed = {name for name in names if old.settings.get(name) != new.settings.get(name)}
        return not changed & READONLY_SETTINGS

    def is_merge_tree(self, model) -> bool:
        from .. import models

        return isinstance(self.editor.table_engine(model), models.BaseMergeTree)

    def alter_in_place(self, old, new) -> None:
        """MODIFY/REMOVE TTL, then MODIFY SETTING for new or changed settings and RESET
        SETTING for removed ones."""
        editor, table = self.editor, self.quoted
        if old.ttl != new.ttl:
            self.set_ttl(new.ttl, old.ttl)
        modified = {
            name: value for name, value in new.settings.items() if old.settings.get(name) != value
        }
        if modified:
            settings = editor.settings_sql(modified)
            editor.execute(editor.sql_modify_settings % {"table": table, "settings": settings})
        removed = [name for name in old.settings if name not in new.settings]
        if removed:
            names = ", ".join(removed)
            editor.execute(editor.sql_reset_settings % {"table": table, "names": names})

    def set_ttl(self, ttl: str | None, previous: str | None) -> None:
        """MODIFY TTL (or REMOVE TTL). ClickHouse changes the table's TTL first and then
        applies it to the rows (a mutation); a TTL that fails on some row (text where a
        date is wanted) would stay on the table, with its mutation retried for ever and
        every later mutation behind it. So on failure its mutation is killed and the
        previous TTL is put back, and the error says the table kept it."""
        editor = self.editor
        if ttl is None:
            editor.execute(editor.sql_remove_ttl % {"table": self.quoted})
            return
        try:
            editor.execute(editor.sql_modify_ttl % {"table": self.quoted, "ttl": ttl})
        except DatabaseError as error:
            editor.execute(editor.sql_kill_ttl_mutation, [self.table])
            self.set_ttl(previous, None)
            raise type(error)(
                f"The new TTL of {self.table} ({ttl}) failed on its rows, so the table "
                f"keeps its TTL ({previous or 'none'}); correct the TTL in Meta.engine and "
                f"in the migration. ClickHouse said: {error}"
            ) from error

    # -- rebuild ----------------------------------------------------------------------

    def rebuild(self) -> None:
        """New table, rows copied, names exchanged, old table dropped."""
        editor = self.editor
        old_engine = editor.table_engine(self.old_model).name
        new_engine = editor.table_engine(self.new_model).name
        copies = old_engine not in STORE_NOTHING and new_engine not in STORE_NOTHING
        self.refuse(old_engine, new_engine, copies)
        temporary = self.table + REBUILD_SUFFIX
        new_table = editor.quote_name(temporary)
        created = False
        try:
            editor.create_model(table_model(self.new_model, temporary))
            created = True
            if copies:
                self.copy_rows(new_table)
        except BaseException:
            if created and not editor.collect_sql:
                editor.execute(editor.sql_drop_table_if_exists % {"table": new_table})
            raise
        editor.execute(editor.sql_exchange_tables % {"table": self.quoted, "new_table": new_table})
        editor.execute(editor.sql_delete_table % {"table": new_table})

    def refuse(self, old_engine: str, new_engine: str, copies: bool) -> None:
        """Refuse, before any statement runs, a rebuild that would lose or double rows."""
        label = self.new_model._meta.label
        if old_engine in UNREADABLE:
            raise NotSupportedError(
                f"Cannot change the engine of {label}: its {old_engine} table cannot be "
                "read by SELECT, so its rows cannot be copied. Nothing was changed. Delete "
                "the model and create a new one instead."
            )
        if old_engine not in STORE_NOTHING and new_engine in STORE_NOTHING and self.has_rows():
            raise NotSupportedError(
                f"Cannot change the engine of {label} from {old_engine} to {new_engine}: a "
                f"{new_engine} table stores no rows, so the table's rows would be lost. "
                "Nothing was changed. Create a new model for the new table instead."
            )
        cluster = self.editor.cluster_of(self.new_model)
        if copies and cluster is not None:
            raise NotSupportedError(
                f"Cannot rebuild the table of {label} on cluster {cluster!r}: INSERT ... "
                "SELECT copies the rows of one node only. Nothing was changed. Changes of "
                "TTL and settings run ON CLUSTER; for this one, rebuild the table on each "
                "shard by hand (docs/engines.md, 'Changing an engine after the table "
                "exists')."
            )

    def has_rows(self) -> bool:
        """Whether the table holds rows (sqlmigrate, which reads nothing, shows the
        statements that run when it holds none)."""
        return not self.editor.collect_sql and self.editor.rows_in(self.table) > 0

    def copy_rows(self, new_table: str) -> None:
        """INSERT ... SELECT, one partition at a time (the whole table for sqlmigrate and
        for engines without partitions), a progress line after each."""
        editor = self.editor
        columns = ", ".join(
            editor.quote_name(field.column)
            for field in self.new_model._meta.local_concrete_fields
            if is_stored(field)
        )
        statement = {"new_table": new_table, "columns": columns, "table": self.quoted}
        if editor.collect_sql:
            editor.execute(editor.sql_copy_rows % {**statement, "where": ""})
            return
        blocks = [block for block in self.blocks() if block[1]]  # an empty one copies nothing
        total = sum(rows for _, rows in blocks)
        if not blocks:
            logger.info("Rebuilding %s: the table is empty, no rows to copy", self.table)
        else:
            logger.info(
                "Rebuilding %s: %s in %s",
                self.table,
                counted(total, "row"),
                counted(len(blocks), "block"),
            )
        started, copied = time.monotonic(), 0
        for number, (partition, rows) in enumerate(blocks, 1):
            if partition is None:
                editor.execute(editor.sql_copy_rows % {**statement, "where": ""})
            else:
                where = editor.sql_copy_rows_of_partition % {
                    "partition": editor.quote_value(partition)
                }
                editor.execute(editor.sql_copy_rows % {**statement, "where": where})
            copied += rows
            logger.info(
                "  block %d/%d (partition %s): %s/%s rows copied, %.1fs",
                number,
                len(blocks),
                partition if partition is not None else "-",
                f"{copied:,}",
                f"{total:,}",
                time.monotonic() - started,
            )

    def blocks(self) -> list[tuple[str | None, int]]:
        """(partition id, rows) of each block to copy; one block of the whole table
        (partition None) for an engine without parts."""
        if not self.is_merge_tree(self.old_model):
            return [(None, self.editor.rows_in(self.table))]
        with self.editor.connection.cursor() as cursor:
            cursor.execute(PARTITIONS_SQL, [self.table])
            return [(partition, int(rows)) for partition, rows in cursor.fetchall()]


def counted(number: int, noun: str) -> str:
    """``"1 row"``, ``"3,000 rows"``: a progress line a person reads."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def table_model(model, db_table: str):
    """``model`` on another table: its fields, indexes, constraints, engine and cluster,
    for the CREATE TABLE of the table a rebuild fills. Made in a registry of its own,
    so the project's (and the migration's) registry never sees it."""
    meta = model._meta
    options = {
        "app_label": meta.app_label,
        "db_table": db_table,
        "apps": Apps(),
        "indexes": copy.deepcopy(meta.indexes),
        "constraints": copy.deepcopy(meta.constraints),
        "db_table_comment": meta.db_table_comment,
    }
    for name in ("engine", "cluster"):
        if getattr(meta, name, None) is not None:
            options[name] = getattr(meta, name)
    body = {field.name: copy.deepcopy(field) for field in meta.local_fields}
    body["Meta"] = type("Meta", (), options)
    body["__module__"] = model.__module__
    return type(model.__name__, model.__bases__, body)

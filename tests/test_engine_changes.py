"""Changing Meta.engine through migrations: makemigrations writes AlterModelEngine,
migrate applies it (ALTER TABLE in place for TTL and settings, else a rebuild that keeps
every row) and unapplies it, sqlmigrate shows it, and the check W005 only speaks of a
difference no migration removes."""

import io
import logging
import os
import pathlib
import re
import socket
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command, get_commands
from django.db import DatabaseError, NotSupportedError, connections, migrations, models
from django.db.migrations.graph import MigrationGraph
from django.db.migrations.questioner import MigrationQuestioner
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ModelState, ProjectState
from django.db.migrations.writer import MigrationWriter
from testapp import routers

from clickhouse_backend import models as clickhouse
from clickhouse_backend.backend.engine_changes import logger as rebuild_logger
from clickhouse_backend.management.autodetector import ClickhouseAutodetector
from clickhouse_backend.management.commands.migrate import rebuild_progress

# On the test database (Atomic, as a server's): a rebuilt table gets a new uuid there.
pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)
APP = "engine_changes"
TABLE = "engine_changes_reading"
FIELDS = [
    ("id", models.BigIntegerField(primary_key=True)),
    ("sensor", models.CharField(max_length=20)),
    ("moment", models.DateTimeField()),
    ("version", models.PositiveIntegerField()),
]
MONTHLY = clickhouse.Func("moment", function="toYYYYMM")
BEFORE = clickhouse.MergeTree(order_by=("sensor", "moment"), partition_by=MONTHLY)


@pytest.fixture(autouse=True)
def routed_to_clickhouse(monkeypatch):
    """This module's app migrates on ClickHouse, as testapp does."""
    monkeypatch.setattr(routers, "CLICKHOUSE_APPS", {*routers.CLICKHOUSE_APPS, APP})


def state_of(engine, fields=FIELDS, **options):
    """A project state holding one model, Reading, with ``engine``."""
    if engine is not None:
        options["engine"] = engine
    reading = ModelState(APP, "Reading", [(n, f.clone()) for n, f in fields], options)
    return ProjectState(models={(APP, "reading"): reading})


@pytest.fixture
def table(clickhouse_db):
    """table(engine, rows): Reading's table with ``engine`` and ``rows`` rows over 4
    months; its state. Dropped (with any table a rebuild left) after the test."""

    def create(engine, rows=3000, **options):
        state = state_of(engine, **options)
        with clickhouse_db.schema_editor() as editor:
            editor.create_model(state.apps.get_model(APP, "Reading"))
        query(
            clickhouse_db,
            f"INSERT INTO {TABLE} SELECT number, concat('s', toString(number % 7)), "
            "toDateTime('2024-01-01 00:00:00', 'UTC') + number * 3600, number % 3 "
            f"FROM numbers({rows})",
        )
        return state

    yield create
    for name in (TABLE, TABLE + "__rebuild"):
        query(clickhouse_db, f"DROP TABLE IF EXISTS {name}")


def query(connection, sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def described(connection, name=TABLE):
    """What system.tables says of the table: engine_full, sorting key and uuid."""
    rows = query(
        connection,
        "SELECT engine_full, sorting_key, uuid FROM system.tables "
        "WHERE database = currentDatabase() AND name = %s",
        [name],
    )
    return dict(zip(("full", "sorting", "uuid"), rows[0], strict=True)) if rows else None


def contents(connection):
    return query(connection, f"SELECT * FROM {TABLE} ORDER BY id")


def migrate(connection, state, engine, backwards=False, collect=False):
    """Apply AlterModelEngine(Reading, engine) to state as migrate does (or unapply it,
    going back to ``state``); the statements run (or collected), and the new state."""
    operation = clickhouse.AlterModelEngine("Reading", engine)
    new_state = state.clone()
    operation.state_forwards(APP, new_state)
    with connection.schema_editor(collect_sql=collect) as editor:
        if backwards:
            operation.database_backwards(APP, editor, new_state, state)
        else:
            operation.database_forwards(APP, editor, state, new_state)
    return (editor.collected_sql if collect else None), new_state


# -- makemigrations ---------------------------------------------------------------------


def detect(old, new):
    """The migrations makemigrations writes from state ``old`` to ``new``."""
    questioner = MigrationQuestioner(defaults={"ask_initial": True})  # the app has none yet
    return ClickhouseAutodetector(old, new, questioner).changes(graph=MigrationGraph())


@pytest.mark.parametrize(
    "after",
    [
        clickhouse.MergeTree(order_by=("moment", "sensor"), partition_by=MONTHLY),
        clickhouse.MergeTree(order_by=("sensor", "moment"), primary_key="sensor"),
        clickhouse.MergeTree(order_by=("sensor", "moment")),
        clickhouse.ReplacingMergeTree("version", order_by=("sensor", "moment")),
        clickhouse.MergeTree(
            order_by=("sensor", "moment"),
            partition_by=MONTHLY,
            ttl="moment + INTERVAL 1 YEAR",
        ),
        clickhouse.MergeTree(
            order_by=("sensor", "moment"), partition_by=MONTHLY, merge_with_ttl_timeout=600
        ),
        None,
    ],
    ids=["order_by", "primary_key", "partition_by", "engine", "ttl", "settings", "default"],
)
def test_makemigrations_writes_alter_model_engine(after):
    """Each kind of change of Meta.engine becomes one AlterModelEngine, written so that
    the migration file imports it; the new state carries the new engine."""
    changes = detect(state_of(BEFORE), state_of(after))
    (migration,) = changes[APP]
    (operation,) = migration.operations
    assert isinstance(operation, clickhouse.AlterModelEngine)
    assert (operation.name, operation.engine) == ("Reading", after)
    written = MigrationWriter(migration).as_string()
    assert "import clickhouse_backend.models.alter_engine" in written
    assert "clickhouse_backend.models.alter_engine.AlterModelEngine(" in written
    state = state_of(BEFORE)
    operation.state_forwards(APP, state)
    assert state.models[APP, "reading"].options.get("engine") == after
    assert getattr(state.apps.get_model(APP, "Reading")._meta, "engine", None) == after


def test_new_key_columns_are_added_before_the_change_and_old_ones_removed_after():
    """A key that names a new field changes after AddField; a field of the old key is
    removed after the key no longer names it (ClickHouse refuses to drop a key column)."""
    old_fields = [*FIELDS, ("site", models.CharField(max_length=5))]
    new_fields = [*FIELDS, ("zone", models.CharField(max_length=5))]
    old = state_of(clickhouse.MergeTree(order_by=("site", "moment")), old_fields)
    new = state_of(clickhouse.MergeTree(order_by=("zone", "moment")), new_fields)
    changes = detect(old, new)
    kinds = [
        (type(operation).__name__, getattr(operation, "name", None))
        for operation in changes[APP][0].operations
    ]
    assert kinds == [
        ("AddField", "zone"),
        ("AlterModelEngine", "Reading"),
        ("RemoveField", "site"),
    ]


def test_a_new_column_appended_to_the_key_is_added_by_the_engine_change():
    """A new field (NOT NULL, no default) appended to the sorting key, the primary key
    kept: no AddField, AlterModelEngine adds it (ClickHouse's MODIFY ORDER BY appends
    only columns added by the same ALTER). With a default it is an AddField."""
    fields = [*FIELDS, ("zone", models.CharField(max_length=5))]
    appended = clickhouse.MergeTree(
        order_by=("sensor", "moment", "zone"),
        primary_key=("sensor", "moment"),
        partition_by=MONTHLY,
    )
    (migration,) = detect(state_of(BEFORE), state_of(appended, fields))[APP]
    (operation,) = migration.operations
    assert [name for name, _ in operation.fields] == ["zone"]
    written = MigrationWriter(migration).as_string()
    assert "fields=[('zone', models.CharField(max_length=5))]," in written
    with_default = [*FIELDS, ("zone", models.CharField(max_length=5, default="x"))]
    (migration,) = detect(state_of(BEFORE), state_of(appended, with_default))[APP]
    assert [type(operation).__name__ for operation in migration.operations] == [
        "AddField",
        "AlterModelEngine",
    ]
    assert migration.operations[1].fields == []


@pytest.mark.django_db(databases=["default", "clickhouse"], transaction=True)
def test_the_backend_commands_detect_engine_changes(monkeypatch):
    """With clickhouse_backend installed, makemigrations and migrate are the backend's,
    and makemigrations writes the operation for testapp's changed Meta.engine."""
    from testapp.models import Reading

    assert get_commands()["makemigrations"] == get_commands()["migrate"] == "clickhouse_backend"
    changed = clickhouse.MergeTree(order_by="sensor")
    monkeypatch.setitem(Reading._meta.original_attrs, "engine", changed)  # what Meta said
    out = io.StringIO()
    call_command("makemigrations", "testapp", dry_run=True, verbosity=3, stdout=out)
    assert "clickhouse_backend.models.alter_engine.AlterModelEngine(" in out.getvalue()
    assert "engine=clickhouse_backend.models.MergeTree(order_by='sensor')" in out.getvalue()


# -- migrate: rebuilds ------------------------------------------------------------------


def test_a_new_sorting_key_rebuilds_the_table_with_every_row_and_back(clickhouse_db, table):
    """Changing the sorting key and engine rebuilds the table (a new uuid) with the same
    rows, a progress line per partition; unapplying gives the original engine back."""
    state = table(BEFORE)
    before, rows = described(clickhouse_db), contents(clickhouse_db)
    after = clickhouse.ReplacingMergeTree(
        "version", order_by=("moment", "sensor"), partition_by=MONTHLY
    )
    progress = io.StringIO()
    with rebuild_progress(progress, verbosity=1):
        _, new_state = migrate(clickhouse_db, state, after)
    rebuilt = described(clickhouse_db)
    assert rebuilt["sorting"] == "moment, sensor"
    assert rebuilt["full"].startswith(
        "ReplacingMergeTree(version) PARTITION BY toYYYYMM(moment) ORDER BY (moment, sensor)"
    )
    assert rebuilt["uuid"] != before["uuid"]
    assert contents(clickhouse_db) == rows
    assert described(clickhouse_db, TABLE + "__rebuild") is None
    lines = [re.sub(r", [0-9.]+s$", "", line) for line in progress.getvalue().splitlines()]
    assert lines == [
        "",
        f"    Rebuilding {TABLE}: 3,000 rows in 5 blocks",
        *(
            f"      block {n}/5 (partition {month}): {copied:,}/3,000 rows copied"
            for n, (month, copied) in enumerate(PARTITIONS, 1)
        ),
    ]

    migrate(clickhouse_db, state, after, backwards=True)
    restored = described(clickhouse_db)
    assert (restored["full"], restored["sorting"]) == (before["full"], before["sorting"])
    assert contents(clickhouse_db) == rows
    assert new_state.models[APP, "reading"].options["engine"] == after


# Partitions of the test table's 3,000 hourly rows, and the rows copied after each.
PARTITIONS = [
    ("202401", 744),
    ("202402", 1440),
    ("202403", 2184),
    ("202404", 2904),
    ("202405", 3000),
]


@pytest.mark.parametrize(
    "rows, first_lines",
    [
        (1, [f"    Rebuilding {TABLE}: 1 row in 1 block", "      block 1/1 (partition 202401)"]),
        (0, [f"    Rebuilding {TABLE}: the table is empty, no rows to copy"]),
    ],
    ids=["one_row", "empty"],
)
def test_progress_lines_count_in_words_a_person_reads(clickhouse_db, table, rows, first_lines):
    """One row is '1 row in 1 block', and an empty table says so (not '0 rows in 0
    blocks')."""
    state = table(BEFORE, rows=rows)
    progress = io.StringIO()
    with rebuild_progress(progress, verbosity=1):
        migrate(clickhouse_db, state, clickhouse.MergeTree(order_by="moment"))
    lines = [
        line.split(":")[0] if "block " in line else line
        for line in progress.getvalue().splitlines()
    ]
    assert lines == ["", *first_lines]
    assert len(contents(clickhouse_db)) == rows


def test_progress_lines_follow_migrate_verbosity():
    """migrate prints the rebuild's lines from verbosity 1, and none at 0."""
    for verbosity, shown in ((0, ""), (1, "\n    copied")):
        out = io.StringIO()
        with rebuild_progress(out, verbosity):
            rebuild_logger.info("copied")
        assert out.getvalue() == shown
    assert rebuild_logger.level == logging.NOTSET


def test_a_failed_copy_leaves_the_original_table_untouched(clickhouse_db, table):
    """A new key ClickHouse cannot compute for some row (a division by zero in the
    fourth partition) fails the copy: the original table keeps its engine, uuid and
    rows, and the new table is dropped."""
    state = table(BEFORE)
    before, rows = described(clickhouse_db), contents(clickhouse_db)
    failing = clickhouse.Func(clickhouse.Value(1), clickhouse.F("id") - 2500, function="intDiv")
    with pytest.raises(DatabaseError, match="Division by zero"):
        migrate(clickhouse_db, state, clickhouse.MergeTree(order_by=failing, partition_by=MONTHLY))
    assert described(clickhouse_db) == before
    assert contents(clickhouse_db) == rows
    assert described(clickhouse_db, TABLE + "__rebuild") is None


def test_a_table_without_partitions_is_copied_whole(clickhouse_db, table):
    """A Log table (no parts) becomes a MergeTree with its rows, and back."""
    state = table(clickhouse.Log(), rows=500)
    rows = contents(clickhouse_db)
    migrate(clickhouse_db, state, clickhouse.MergeTree(order_by="moment"))
    assert described(clickhouse_db)["full"].startswith("MergeTree ORDER BY moment")
    assert contents(clickhouse_db) == rows
    migrate(clickhouse_db, state, clickhouse.MergeTree(order_by="moment"), backwards=True)
    assert described(clickhouse_db)["full"] == "Log"
    assert contents(clickhouse_db) == rows


def test_a_model_with_a_foreign_key_is_rebuilt(clickhouse_db):
    """The rebuilt table of a model pointing at another has the key column's type (the
    historical related model is reached from the table's own model)."""
    author = ModelState(APP, "Author", [("id", models.BigAutoField(primary_key=True))])
    book = ModelState(
        APP,
        "Book",
        [
            ("id", models.BigAutoField(primary_key=True)),
            ("author", models.ForeignKey("Author", models.CASCADE, db_constraint=False)),
        ],
        {"engine": clickhouse.MergeTree(order_by="id")},
    )
    state = ProjectState(models={(APP, "author"): author, (APP, "book"): book})
    table = f"{APP}_book"
    try:
        with clickhouse_db.schema_editor() as editor:
            editor.create_model(state.apps.get_model(APP, "Book"))
        query(clickhouse_db, f"INSERT INTO {table} VALUES (1, 10), (2, 20)")
        operation = clickhouse.AlterModelEngine("Book", clickhouse.MergeTree(order_by="author"))
        new_state = state.clone()
        operation.state_forwards(APP, new_state)
        with clickhouse_db.schema_editor() as editor:
            operation.database_forwards(APP, editor, state, new_state)
        assert described(clickhouse_db, table)["sorting"] == "author_id"
        assert query(clickhouse_db, f"SELECT * FROM {table} ORDER BY id") == [(1, 10), (2, 20)]
    finally:
        query(clickhouse_db, f"DROP TABLE IF EXISTS {table}")


def test_a_table_that_stores_no_rows_is_recreated_not_copied(clickhouse_db, table):
    """A Null table (it keeps nothing) becomes a MergeTree without a copy, and back
    while the MergeTree has no rows."""
    state = table(clickhouse.Null())
    before = described(clickhouse_db)
    statements, _ = migrate(clickhouse_db, state, BEFORE, collect=True)
    assert [statement.split(" (")[0].split(" SETTINGS")[0] for statement in statements] == [
        f'CREATE TABLE "{TABLE}__rebuild"',
        f'EXCHANGE TABLES "{TABLE}" AND "{TABLE}__rebuild";',
        f'DROP TABLE "{TABLE}__rebuild";',
    ]
    migrate(clickhouse_db, state, BEFORE)
    assert described(clickhouse_db)["full"].startswith("MergeTree PARTITION BY")
    migrate(clickhouse_db, state, BEFORE, backwards=True)
    # ClickHouse may write the name quoted (NULL is a keyword).
    assert described(clickhouse_db)["full"].strip("`") == before["full"].strip("`") == "Null"


def test_a_change_that_would_lose_rows_is_refused(clickhouse_db, table):
    """A table of rows cannot become a Null table (which stores none)."""
    state = table(BEFORE, rows=10)
    before = described(clickhouse_db)
    with pytest.raises(NotSupportedError, match="a Null table stores no rows"):
        migrate(clickhouse_db, state, clickhouse.Null())
    assert described(clickhouse_db) == before


@pytest.mark.django_db(databases=["default", "clickhouse"], transaction=True)
def test_on_another_database_only_the_fields_change():
    """On the default database (SQLite or PostgreSQL) the engine means nothing: the
    operation adds its fields, and removes them when unapplied."""
    other_app = "engine_elsewhere"  # the suite's router sends it to the default database
    fields = [("id", models.BigIntegerField(primary_key=True))]
    state = ProjectState(models={(other_app, "reading"): ModelState(other_app, "Reading", fields)})
    operation = clickhouse.AlterModelEngine(
        "Reading",
        clickhouse.MergeTree(order_by=("id", "zone"), primary_key="id"),
        fields=[("zone", models.CharField(max_length=5))],
    )
    new_state = state.clone()
    operation.state_forwards(other_app, new_state)
    connection = connections["default"]
    with connection.schema_editor() as editor:
        editor.create_model(state.apps.get_model(other_app, "Reading"))
    try:
        with connection.schema_editor() as editor:
            operation.database_forwards(other_app, editor, state, new_state)
        with connection.cursor() as cursor:
            table = connection.introspection.get_table_description(cursor, f"{other_app}_reading")
        assert [column.name for column in table] == ["id", "zone"]
        with connection.schema_editor() as editor:
            operation.database_backwards(other_app, editor, new_state, state)
        with connection.cursor() as cursor:
            table = connection.introspection.get_table_description(cursor, f"{other_app}_reading")
        assert [column.name for column in table] == ["id"]
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(state.apps.get_model(other_app, "Reading"))


# -- migrate: in place ------------------------------------------------------------------


def test_a_column_appended_to_the_sorting_key_changes_only_metadata(clickhouse_db, table):
    """ADD COLUMN and MODIFY ORDER BY in one ALTER: the same table (uuid), the new
    sorting key, the old primary key; unapplying rebuilds it without the column."""
    state = table(BEFORE)
    before, rows = described(clickhouse_db), contents(clickhouse_db)
    appended = clickhouse.MergeTree(
        order_by=("sensor", "moment", "zone"),
        primary_key=("sensor", "moment"),
        partition_by=MONTHLY,
    )
    operation = clickhouse.AlterModelEngine(
        "Reading", appended, fields=[("zone", models.CharField(max_length=5))]
    )
    new_state = state.clone()
    operation.state_forwards(APP, new_state)
    with clickhouse_db.schema_editor(collect_sql=True) as editor:
        operation.database_forwards(APP, editor, state, new_state)
    assert editor.collected_sql == [
        f'ALTER TABLE "{TABLE}" ADD COLUMN "zone" String NOT NULL, '
        'MODIFY ORDER BY ("sensor", "moment", "zone");'
    ]
    with clickhouse_db.schema_editor() as editor:
        operation.database_forwards(APP, editor, state, new_state)
    changed = described(clickhouse_db)
    assert changed["uuid"] == before["uuid"]
    assert changed["sorting"] == "sensor, moment, zone"
    assert "PRIMARY KEY (sensor, moment) ORDER BY (sensor, moment, zone)" in changed["full"]
    assert contents(clickhouse_db) == [(*row, "") for row in rows]
    assert (
        clickhouse_db.validation.check_tables_match([new_state.apps.get_model(APP, "Reading")])
        == []
    )

    with clickhouse_db.schema_editor() as editor:
        operation.database_backwards(APP, editor, new_state, state)
    assert described(clickhouse_db)["full"] == before["full"]
    assert contents(clickhouse_db) == rows


def test_another_column_of_the_key_append_takes_its_default_as_add_field_does(
    clickhouse_db, table
):
    """A non-key field added with the key column: its Python default fills the rows
    there are, and the column keeps no DEFAULT, as add_field leaves a column."""
    state = table(BEFORE)
    assert contents(clickhouse_db)  # the premise: rows the default must fill
    appended = clickhouse.MergeTree(
        order_by=("sensor", "moment", "zone"),
        primary_key=("sensor", "moment"),
        partition_by=MONTHLY,
    )
    operation = clickhouse.AlterModelEngine(
        "Reading",
        appended,
        fields=[
            ("zone", models.CharField(max_length=5)),
            ("note", models.CharField(max_length=10, default="n/a")),
        ],
    )
    new_state = state.clone()
    operation.state_forwards(APP, new_state)
    with clickhouse_db.schema_editor() as editor:
        operation.database_forwards(APP, editor, state, new_state)
    with clickhouse_db.cursor() as cursor:
        cursor.execute(f'SELECT DISTINCT note FROM "{TABLE}"')
        assert cursor.fetchall() == [("n/a",)]
        cursor.execute(
            "SELECT default_kind FROM system.columns WHERE database = currentDatabase() "
            "AND table = %s AND name = 'note'",
            [TABLE],
        )
        assert cursor.fetchall() == [("",)]


def test_ttl_and_settings_change_in_place_and_back(clickhouse_db, table):
    """TTL and settings are altered on the table itself (same uuid, no copy), both ways."""
    ttl = "moment + toIntervalYear(100)"
    old = clickhouse.MergeTree(
        order_by=("sensor", "moment"), partition_by=MONTHLY, ttl=ttl, merge_with_ttl_timeout=600
    )
    state = table(old)
    before, rows = described(clickhouse_db), contents(clickhouse_db)
    new = clickhouse.MergeTree(
        order_by=("sensor", "moment"), partition_by=MONTHLY, min_rows_for_wide_part=10
    )
    migrate(clickhouse_db, state, new)
    changed = described(clickhouse_db)
    assert changed["uuid"] == before["uuid"]
    assert "TTL" not in changed["full"]
    assert "min_rows_for_wide_part = 10" in changed["full"]
    assert "merge_with_ttl_timeout" not in changed["full"]
    assert contents(clickhouse_db) == rows
    migrate(clickhouse_db, state, new, backwards=True)
    restored = described(clickhouse_db)
    assert restored["uuid"] == before["uuid"]
    assert settings_apart(restored["full"]) == settings_apart(before["full"])


def test_a_ttl_that_fails_on_the_rows_leaves_the_table_as_it_was(clickhouse_db, table):
    """ClickHouse takes the new TTL, then fails to apply it to the rows (text is no
    date): the table gets its TTL back and no mutation is left retrying, so later
    mutations and migrations run."""
    ttl = "moment + toIntervalYear(100)"
    state = table(clickhouse.MergeTree(order_by=("sensor", "moment"), ttl=ttl))
    before, rows = described(clickhouse_db), contents(clickhouse_db)
    failing = clickhouse.MergeTree(
        order_by=("sensor", "moment"), ttl="toDateTime(sensor) + toIntervalDay(1)"
    )
    with pytest.raises(DatabaseError, match=re.escape(f"so the table keeps its TTL ({ttl})")):
        migrate(clickhouse_db, state, failing)
    assert described(clickhouse_db)["full"] == before["full"]
    assert contents(clickhouse_db) == rows
    pending = "SELECT count() FROM system.mutations WHERE table = %s AND NOT is_done"
    assert query(clickhouse_db, pending, [TABLE]) == [(0,)]
    query(clickhouse_db, f"ALTER TABLE {TABLE} UPDATE version = 7 WHERE id = 1")
    assert query(clickhouse_db, f"SELECT version FROM {TABLE} WHERE id = 1") == [(7,)]


def settings_apart(engine_full):
    """The engine clause before SETTINGS, and its settings as a set (a setting set
    again by MODIFY SETTING moves to the end)."""
    head, _, settings = engine_full.partition(" SETTINGS ")
    return head, set(settings.split(", "))


def test_a_setting_fixed_at_creation_rebuilds_the_table(clickhouse_db, table):
    """index_granularity cannot be altered (READONLY_SETTING): the table is rebuilt,
    with the model's skip indexes, CHECK constraints and comment."""
    state = table(
        BEFORE,
        rows=100,
        db_table_comment="sensor readings",
        indexes=[clickhouse.Index(fields=["sensor"], name="sensor_mm", type=clickhouse.MinMax())],
        constraints=[models.CheckConstraint(condition=models.Q(version__lt=3), name="small")],
    )
    before, rows = described(clickhouse_db), contents(clickhouse_db)
    after = clickhouse.MergeTree(
        order_by=("sensor", "moment"), partition_by=MONTHLY, index_granularity=256
    )
    migrate(clickhouse_db, state, after)
    assert "index_granularity = 256" in described(clickhouse_db)["full"]
    assert described(clickhouse_db)["uuid"] != before["uuid"]
    assert contents(clickhouse_db) == rows
    ((created,),) = query(clickhouse_db, f"SHOW CREATE TABLE {TABLE}")
    assert "INDEX sensor_mm sensor TYPE minmax GRANULARITY 1" in created
    assert "CONSTRAINT small CHECK version < 3" in created
    assert created.endswith("COMMENT 'sensor readings'")


# -- sqlmigrate -------------------------------------------------------------------------


def test_sqlmigrate_shows_the_statements_clickhouse_parses(clickhouse_db):
    """The statements a migration collects (what sqlmigrate prints): the rebuild's
    CREATE, INSERT ... SELECT, EXCHANGE and DROP, or the ALTERs; each one ClickHouse's
    parser accepts."""
    migration = migrations.Migration("0002_alter_reading_engine", APP)
    after = clickhouse.MergeTree(order_by=("moment", "sensor"), ttl="moment + INTERVAL 1 DAY")
    migration.operations = [clickhouse.AlterModelEngine("Reading", after)]
    with clickhouse_db.schema_editor(collect_sql=True, atomic=False) as editor:
        migration.apply(state_of(BEFORE), editor, collect_sql=True)
    statements = [s for s in editor.collected_sql if not s.startswith("--")]
    new = f'"{TABLE}__rebuild"'
    assert statements[0].startswith(f"CREATE TABLE {new} (")
    assert statements[0].endswith(
        'ENGINE = MergeTree ORDER BY ("moment", "sensor") TTL moment + INTERVAL 1 DAY '
        "SETTINGS enable_block_number_column = 1, enable_block_offset_column = 1;"
    )
    columns = '"id", "sensor", "moment", "version"'
    assert statements[1:] == [
        f"INSERT INTO {new} ({columns}) SETTINGS insert_deduplicate = 0, "
        "optimize_on_insert = 0, insert_allow_materialized_columns = 1, "
        f'max_partitions_per_insert_block = 0 SELECT {columns} FROM "{TABLE}";',
        f'EXCHANGE TABLES "{TABLE}" AND {new};',
        f"DROP TABLE {new};",
    ]
    migration.operations = [clickhouse.AlterModelEngine("Reading", BEFORE)]
    with clickhouse_db.schema_editor(collect_sql=True, atomic=False) as editor:
        migration.apply(state_of(WITH_TTL_AND_SETTING), editor, collect_sql=True)
    altered = [s for s in editor.collected_sql if not s.startswith("--")]
    assert altered == [
        f'ALTER TABLE "{TABLE}" REMOVE TTL;',
        f'ALTER TABLE "{TABLE}" RESET SETTING merge_with_ttl_timeout;',
    ]
    (parsed,) = query(
        clickhouse_db,
        "SELECT arrayMap(q -> formatQuerySingleLineOrNull(q), %s)",
        [[s.rstrip(";") for s in statements + altered]],
    )[0]
    assert None not in parsed


WITH_TTL_AND_SETTING = clickhouse.MergeTree(
    order_by=("sensor", "moment"),
    partition_by=MONTHLY,
    ttl="moment + INTERVAL 1 DAY",
    merge_with_ttl_timeout=600,
)


def test_a_clustered_table_is_altered_on_its_cluster_and_never_copied(clickhouse_db):
    """Meta.cluster: TTL and settings changes run ON CLUSTER; a rebuild that copies rows
    (INSERT ... SELECT reaches one node) is refused before any statement."""
    clustered = {"cluster": "analytics"}
    state = state_of(BEFORE, **clustered)
    ttl = clickhouse.MergeTree(
        order_by=("sensor", "moment"), partition_by=MONTHLY, ttl="moment + INTERVAL 1 DAY"
    )
    statements, _ = migrate(clickhouse_db, state, ttl, collect=True)
    assert statements == [
        f'ALTER TABLE "{TABLE}" ON CLUSTER "analytics" MODIFY TTL moment + INTERVAL 1 DAY;'
    ]
    with pytest.raises(NotSupportedError, match="on cluster 'analytics': INSERT"):
        migrate(clickhouse_db, state, clickhouse.MergeTree(order_by="moment"), collect=True)


# -- the commands, on migration files ---------------------------------------------------


@pytest.mark.django_db(databases=["default", "clickhouse"], transaction=True)
def test_migrate_and_sqlmigrate_run_a_written_engine_change(tmp_path, monkeypatch, settings):
    """Migration files as makemigrations writes them: migrate applies AlterModelEngine
    with its progress lines under 'Applying ...', sqlmigrate prints its statements, and
    migrating back restores the engine with every row."""
    app = "engine_rebuilds"
    monkeypatch.setattr(routers, "CLICKHOUSE_APPS", {*routers.CLICKHOUSE_APPS, app})
    package = tmp_path / app
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "migrations" / "__init__.py").write_text("")
    after = clickhouse.MergeTree(order_by=("moment", "sensor"), partition_by=MONTHLY)
    create = migrations.CreateModel(
        "Reading", [(n, f.clone()) for n, f in FIELDS], options={"engine": BEFORE}
    )
    for name, operations, dependencies in [
        ("0001_initial", [create], []),
        (
            "0002_alter_reading_engine",
            [clickhouse.AlterModelEngine("Reading", after)],
            [(app, "0001_initial")],
        ),
    ]:
        migration = type("Migration", (migrations.Migration,), {})(name, app)
        migration.operations, migration.dependencies = operations, dependencies
        written = MigrationWriter(migration).as_string()
        (package / "migrations" / f"{name}.py").write_text(written)
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, app]
    connection = connections["clickhouse"]
    table = f"{app}_reading"

    def run(*args):
        out = io.StringIO()
        call_command(*args, database="clickhouse", stdout=out)
        return out.getvalue()

    try:
        run("migrate", app, "0001")
        query(
            connection,
            f"INSERT INTO {table} SELECT number, toString(number % 5), "
            "toDateTime('2024-01-01 00:00:00', 'UTC') + number * 7200, 1 FROM numbers(1000)",
        )
        rows = query(connection, f"SELECT * FROM {table} ORDER BY id")
        out = run("migrate", app, "0002")
        assert f"Applying {app}.0002_alter_reading_engine...\n    Rebuilding {table}: " in out
        assert "      block 3/3 (partition 202403): 1,000/1,000 rows copied, " in out
        assert out.endswith("s OK\n")
        assert described(connection, table)["sorting"] == "moment, sensor"
        assert query(connection, f"SELECT * FROM {table} ORDER BY id") == rows
        sql = run("sqlmigrate", app, "0002")
        assert f'EXCHANGE TABLES "{table}" AND "{table}__rebuild";' in sql
        run("migrate", app, "0001")
        assert described(connection, table)["sorting"] == "sensor, moment"
        assert query(connection, f"SELECT * FROM {table} ORDER BY id") == rows
    finally:
        run("migrate", app, "zero")
        for module in [name for name in sys.modules if name.startswith(app)]:
            del sys.modules[module]


# -- makemigrations refuses an engine migrate would refuse ------------------------------

EVENT_MODEL = """
from django.db.models import Index

from clickhouse_backend import models


class Event(models.ClickhouseModel):
    ts = models.DateTime64Field(precision=3)
    name = models.StringField()

    class Meta:
        engine = models.MergeTree({engine})
        indexes = [Index(fields=["name"], name="event_name")]  # W004: written all the same
"""


@pytest.mark.parametrize(
    "initial, engine, refused",
    [
        (None, 'order_by=("ts", "name"), merge_with_ttl_timeout=600', []),
        (None, 'order_by=("ts", "nmae")', ["(clickhouse_backend.E001)", "nmae"]),
        (
            clickhouse.MergeTree(order_by=("ts", "name")),
            'order_by=("name", "ts", "nmae")',
            ["(clickhouse_backend.E001)", "nmae"],
        ),
        (
            None,
            'order_by="ts", merge_with_ttl_timout=600',
            [
                "(clickhouse_backend.E003) Meta.engine of {app}.Event: merge_with_ttl_timout "
                "is not a table setting of ClickHouse's MergeTree engines (did you mean "
                "merge_with_ttl_timeout?)",
                "HINT: Correct it in Meta.engine",
            ],
        ),
    ],
    ids=["valid", "key_typo", "changed_key_typo", "setting_typo"],
)
@pytest.mark.django_db(databases=["default", "clickhouse"], transaction=True)
def test_makemigrations_refuses_an_engine_migrate_would_refuse(
    tmp_path, monkeypatch, settings, request, initial, engine, refused
):
    """A Meta.engine with a key naming no field (E001) or an unknown table setting
    (E003), in a new model or a changed engine (``initial``: the engine its migration
    gave), is refused by makemigrations with the check's message and hint, and no
    migration file is written; a valid one, with only warnings, is written."""
    app = f"engine_typos_{request.node.callspec.id}"
    monkeypatch.setattr(routers, "CLICKHOUSE_APPS", {*routers.CLICKHOUSE_APPS, app})
    package = tmp_path / app
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "migrations" / "__init__.py").write_text("")
    (package / "models.py").write_text(EVENT_MODEL.format(engine=engine))
    if initial is not None:
        create = migrations.CreateModel(
            "Event",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("ts", clickhouse.DateTime64Field(precision=3)),
                ("name", clickhouse.StringField()),
            ],
            options={"engine": initial},
        )
        migration = type("Migration", (migrations.Migration,), {"operations": [create]})(
            "0001_initial", app
        )
        written = MigrationWriter(migration).as_string()
        (package / "migrations" / "0001_initial.py").write_text(written)
    before = sorted(path.name for path in (package / "migrations").iterdir())
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, app]
    out, err = io.StringIO(), io.StringIO()
    try:
        if not refused:
            call_command("makemigrations", app, interactive=False, stdout=out, stderr=err)
            assert (package / "migrations" / "0001_initial.py").exists()
            return
        with pytest.raises(CommandError) as error:
            call_command("makemigrations", app, interactive=False, stdout=out, stderr=err)
    finally:
        for module in [name for name in sys.modules if name.startswith(app)]:
            del sys.modules[module]
    shown = str(error.value)
    assert shown.startswith("Meta.engine has errors that migrate would refuse")
    for part in refused:
        assert part.format(app=app) in shown
    assert "W004" not in shown
    assert sorted(path.name for path in (package / "migrations").iterdir()) == before


# makemigrations of one app in a process whose ClickHouse database is a closed port.
OFFLINE_MAKEMIGRATIONS = """
import sys

import django
from django.core.management import CommandError, call_command

django.setup()
from testapp import routers

routers.CLICKHOUSE_APPS.add("offline_app")
try:
    call_command("makemigrations", "offline_app", interactive=False)
except CommandError as error:
    sys.exit(str(error))
"""


@pytest.mark.parametrize(
    "engine, written, said",
    [
        ('order_by=("ts", "nmae")', False, "(clickhouse_backend.E001)"),
        (
            'order_by="ts", merge_with_ttl_timout=600',
            True,
            "Table settings of Meta.engine not checked: database 'clickhouse' did not "
            "answer (cannot reach ClickHouse at 127.0.0.1:{port}",
        ),
    ],
    ids=["key_typo", "setting_typo"],
)
def test_makemigrations_checks_keys_without_the_server(tmp_path, engine, written, said):
    """E001 needs no database: with the server down a key naming no field is still
    refused. E003 needs the server's list of settings: the migration is written, with a
    line saying the settings were left to migrate's checks."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    package = tmp_path / "offline_app"
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "migrations" / "__init__.py").write_text("")
    (package / "models.py").write_text(EVENT_MODEL.format(engine=engine))
    tests = pathlib.Path(__file__).parent
    project = tests.parent
    settings_module = tmp_path / "offline_settings.py"
    settings_module.write_text(
        "from django_settings import *\n\nINSTALLED_APPS = [*INSTALLED_APPS, 'offline_app']\n"
    )
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(map(str, (project, tests, tmp_path))),
        "DJANGO_SETTINGS_MODULE": "offline_settings",
        "CLICKHOUSE_TEST_DSN": f"clickhouse://127.0.0.1:{port}/default",
    }
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_MAKEMIGRATIONS],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert said.format(port=port) in done.stderr
    assert (package / "migrations" / "0001_initial.py").exists() == written
    assert done.returncode == (0 if written else 1)


# -- the check W009 ---------------------------------------------------------------------


def test_w009_warns_plain_check_when_the_backend_app_is_not_installed(settings):
    """Without "clickhouse_backend" in INSTALLED_APPS, Django's makemigrations ignores
    Meta.engine: plain `check` (no --database) says so, naming models that set it."""
    out, err = io.StringIO(), io.StringIO()
    call_command("check", "testapp", stdout=out, stderr=err)
    assert "W009" not in out.getvalue() + err.getvalue()
    settings.INSTALLED_APPS = [
        app for app in settings.INSTALLED_APPS if app != "clickhouse_backend"
    ]
    call_command("check", "testapp", stdout=out, stderr=err)
    shown = err.getvalue()
    assert "?: (clickhouse_backend.W009) testapp.Reading, testapp.Visit set Meta.engine, " in shown
    assert 'but "clickhouse_backend" is not in INSTALLED_APPS' in shown
    assert 'HINT: Add "clickhouse_backend" to INSTALLED_APPS' in shown
    call_command("check", "auth", stdout=out, stderr=err)  # no model of auth sets it
    assert err.getvalue() == shown


# -- the check W005 ---------------------------------------------------------------------


@pytest.mark.django_db(databases=["clickhouse"], transaction=True)
def test_w005_speaks_only_of_a_difference_no_migration_removes():
    """A table changed by hand while its migrations are applied gets W005; the same
    difference with one of the app's migrations unapplied (it will run) gets none."""
    from testapp.models import Reading

    connection = connections["clickhouse"]
    assert connection.validation.check_tables_match([Reading]) == []
    query(connection, "ALTER TABLE testapp_reading MODIFY TTL timestamp + INTERVAL 1 YEAR")
    recorder = MigrationRecorder(connection)
    try:
        (warning,) = connection.validation.check_tables_match([Reading])
        assert warning.id == "clickhouse_backend.W005"
        assert "its applied migrations say" in warning.msg
        assert "changed outside migrations" in warning.msg
        recorder.record_unapplied("testapp", "0007_merge")
        assert connection.validation.check_tables_match([Reading]) == []
    finally:
        if ("testapp", "0007_merge") not in recorder.applied_migrations():
            recorder.record_applied("testapp", "0007_merge")
        query(connection, "ALTER TABLE testapp_reading REMOVE TTL")
    assert connection.validation.check_tables_match([Reading]) == []

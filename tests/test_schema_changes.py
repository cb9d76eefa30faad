"""Schema changes a migration makes to an existing table, on the suite's engine: what
ClickHouse has no DDL for goes through as nothing, comments can be removed, and a change
ClickHouse refuses of a key column is refused before any statement runs."""

import pytest
from django.apps.registry import Apps
from django.db import NotSupportedError, connections, models

from clickhouse_backend import models as clickhouse

TEST_APPS = Apps()


@pytest.fixture
def clickhouse_db(django_db_blocker):
    with django_db_blocker.unblock():
        connection = connections["clickhouse"]
        yield connection
        connection.close()


@pytest.fixture
def created(clickhouse_db):
    """create(model): its table, dropped after the test."""
    tables = []

    def create(model):
        with clickhouse_db.schema_editor() as editor:
            editor.create_model(model)
        tables.append(model._meta.db_table)

    yield create
    with clickhouse_db.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DROP TABLE IF EXISTS `{table}`")


def columns(connection, table):
    """{column: (type, comment)} as ClickHouse has them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, type, comment FROM system.columns "
            "WHERE database = currentDatabase() AND table = %s ORDER BY position",
            [table],
        )
        return {name: (kind, comment) for name, kind, comment in cursor.fetchall()}


def table_comment(connection, table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT comment FROM system.tables WHERE database = currentDatabase() AND name = %s",
            [table],
        )
        return cursor.fetchone()[0]


def field(model, name, new):
    """``new``, as the field ``name`` of ``model`` in the next state of a migration."""
    new.set_attributes_from_name(name)
    new.model = model
    return new


# -- what ClickHouse has no DDL for ---------------------------------------------------


class Book(models.Model):
    title = models.CharField(max_length=50)
    year = models.IntegerField()

    class Meta:
        app_label = "schema_changes"
        apps = TEST_APPS


def test_unique_and_index_together_can_be_added_and_removed(clickhouse_db, created):
    """AlterUniqueTogether / AlterIndexTogether both ways succeed and change nothing
    (removing one failed with 'Found wrong number (0) of constraints')."""
    created(Book)
    before = columns(clickhouse_db, "schema_changes_book")
    pairs = [("title", "year")]
    with clickhouse_db.schema_editor() as editor:
        editor.alter_unique_together(Book, [], pairs)
        editor.alter_unique_together(Book, pairs, [])
        editor.alter_index_together(Book, [], pairs)
        editor.alter_index_together(Book, pairs, [])
    assert columns(clickhouse_db, "schema_changes_book") == before


def test_unique_constraint_and_unique_field_can_be_removed(clickhouse_db, created):
    created(Book)
    constraint = models.UniqueConstraint(fields=["title", "year"], name="one_title_a_year")
    with clickhouse_db.schema_editor() as editor:
        editor.add_constraint(Book, constraint)
        editor.remove_constraint(Book, constraint)
        title = Book._meta.get_field("title")
        unique = field(Book, "title", models.CharField(max_length=50, unique=True))
        editor.alter_field(Book, title, unique)
        editor.alter_field(Book, unique, title)
    Book.objects.using("clickhouse").create(title="Dune", year=1965)
    assert Book.objects.using("clickhouse").get().title == "Dune"


# -- comments -------------------------------------------------------------------------


class Note(models.Model):
    body = models.TextField(db_comment="what was said")

    class Meta:
        app_label = "schema_changes"
        apps = TEST_APPS
        db_table_comment = "notes"


def test_removing_a_column_comment_clears_it(clickhouse_db, created):
    created(Note)
    body = Note._meta.get_field("body")
    changed = field(Note, "body", models.TextField(db_comment="what was written"))
    plain = field(Note, "body", models.TextField())
    with clickhouse_db.schema_editor() as editor:
        editor.alter_field(Note, body, changed)
    assert columns(clickhouse_db, "schema_changes_note")["body"] == ("String", "what was written")
    with clickhouse_db.schema_editor() as editor:
        editor.alter_field(Note, changed, plain)
    assert columns(clickhouse_db, "schema_changes_note")["body"] == ("String", "")


def test_removing_a_comment_with_a_type_change_clears_it(clickhouse_db, created):
    created(Note)
    body = Note._meta.get_field("body")
    nullable = field(Note, "body", models.TextField(null=True))
    with clickhouse_db.schema_editor() as editor:
        editor.alter_field(Note, body, nullable)
    assert columns(clickhouse_db, "schema_changes_note")["body"] == ("Nullable(String)", "")


def test_removing_a_table_comment_clears_it(clickhouse_db, created):
    created(Note)
    assert table_comment(clickhouse_db, "schema_changes_note") == "notes"
    with clickhouse_db.schema_editor() as editor:
        editor.alter_db_table_comment(Note, "notes", "all notes")
    assert table_comment(clickhouse_db, "schema_changes_note") == "all notes"
    with clickhouse_db.schema_editor() as editor:
        editor.alter_db_table_comment(Note, "all notes", None)
    assert table_comment(clickhouse_db, "schema_changes_note") == ""


# -- key columns ----------------------------------------------------------------------


class Reading(clickhouse.ClickhouseModel):
    sensor = models.IntegerField()
    day = models.DateField()
    level = clickhouse.Enum8Field(choices=[(1, "low")])
    value = models.FloatField()

    class Meta:
        app_label = "schema_changes"
        apps = TEST_APPS
        engine = clickhouse.MergeTree(order_by=("sensor", "level", "id"), partition_by="day")


@pytest.fixture
def readings(clickhouse_db, created):
    created(Reading)
    return columns(clickhouse_db, "schema_changes_reading")


def refused(clickhouse_db, change):
    with pytest.raises(NotSupportedError) as raised, clickhouse_db.schema_editor() as editor:
        change(editor)
    return str(raised.value)


@pytest.mark.parametrize(
    "new, action, key",
    [
        (models.BigIntegerField(), "change the type of", "sorting key (ORDER BY)"),
        (models.IntegerField(null=True), "change the type of", "sorting key (ORDER BY)"),
        (models.IntegerField(db_column="sensor_id"), "rename", "primary key (PRIMARY KEY)"),
    ],
)
def test_a_sorting_key_column_change_is_refused_before_anything_runs(
    clickhouse_db, readings, new, action, key
):
    """The error names the column, the table, the key and what to do; the table is
    as it was (a rename was not run before the refused type change)."""
    sensor = Reading._meta.get_field("sensor")
    message = refused(
        clickhouse_db,
        lambda editor: editor.alter_field(Reading, sensor, field(Reading, "sensor", new)),
    )
    assert f"Cannot {action} column 'sensor' of table 'schema_changes_reading'" in message
    assert key in message
    assert "create a new model" in message
    assert columns(clickhouse_db, "schema_changes_reading") == readings


def test_a_rename_and_type_change_of_a_key_column_runs_nothing(clickhouse_db, readings):
    sensor = Reading._meta.get_field("sensor")
    new = field(Reading, "sensor", models.BigIntegerField(db_column="sensor_id"))
    message = refused(clickhouse_db, lambda editor: editor.alter_field(Reading, sensor, new))
    assert "'sensor'" in message
    assert columns(clickhouse_db, "schema_changes_reading") == readings


def test_a_partition_key_column_cannot_be_dropped_or_retyped(clickhouse_db, readings):
    day = Reading._meta.get_field("day")
    message = refused(clickhouse_db, lambda editor: editor.remove_field(Reading, day))
    assert "Cannot drop column 'day'" in message and "partition key (PARTITION BY)" in message
    new = field(Reading, "day", models.DateTimeField())
    message = refused(clickhouse_db, lambda editor: editor.alter_field(Reading, day, new))
    assert "Cannot change the type of column 'day'" in message
    assert columns(clickhouse_db, "schema_changes_reading") == readings


def test_what_clickhouse_allows_of_a_key_column_runs(clickhouse_db, readings):
    """A comment or default on a key column, new members of a key Enum, and any change
    to a column outside the keys go through."""
    sensor = Reading._meta.get_field("sensor")
    level = Reading._meta.get_field("level")
    value = Reading._meta.get_field("value")
    with clickhouse_db.schema_editor() as editor:
        editor.alter_field(
            Reading, sensor, field(Reading, "sensor", models.IntegerField(db_comment="who"))
        )
        editor.alter_field(
            Reading,
            level,
            field(Reading, "level", clickhouse.Enum8Field(choices=[(1, "low"), (2, "high")])),
        )
        editor.alter_field(
            Reading, value, field(Reading, "value", models.FloatField(null=True, db_column="v"))
        )
    now = columns(clickhouse_db, "schema_changes_reading")
    assert now["sensor"] == ("Int32", "who")
    assert now["level"][0] == "Enum8('low' = 1, 'high' = 2)"
    assert now["v"][0] == "Nullable(Float64)" and "value" not in now

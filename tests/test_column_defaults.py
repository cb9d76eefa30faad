"""A field's Python default reaches existing rows, never later inserts: the column keeps
a DEFAULT only for db_default, as Django means (its suite's schema tests check this)."""

import pytest
from django.db import IntegrityError, models
from django.test.utils import CaptureQueriesContext
from test_schema import TEST_APPS, clickhouse, schema  # noqa: F401 (fixtures)

from clickhouse_backend import models as clickhouse_models


class Visitor(models.Model):
    name = models.CharField(max_length=20)
    visits = models.IntegerField(null=True)
    country = models.CharField(max_length=2, db_default="FR")

    class Meta:
        app_label = "column_defaults"
        apps = TEST_APPS


TABLE = "column_defaults_visitor"


def new_field(name, field):
    field.set_attributes_from_name(name)
    field.model = Visitor
    return field


def column_default(connection, column):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT default_kind, default_expression FROM system.columns "
            "WHERE database = currentDatabase() AND table = %s AND name = %s",
            [TABLE, column],
        )
        return cursor.fetchone()


def rows(connection, *columns):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {TABLE} ORDER BY name")
        return cursor.fetchall()


def insert(connection, sql):
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} {sql}")


@pytest.fixture
def visitors(clickhouse, schema):  # noqa: F811
    schema.create(Visitor)
    insert(clickhouse, "(id, name, visits) VALUES (1, 'ann', NULL), (2, 'bob', 3)")
    return schema


def test_an_added_field_default_fills_existing_rows_only(clickhouse, visitors):  # noqa: F811
    with visitors() as editor:
        editor.add_field(Visitor, new_field("city", models.CharField(null=True, default="Oslo")))
    assert column_default(clickhouse, "city") == ("", "")
    insert(clickhouse, "(id, name) VALUES (3, 'cid')")  # a statement that does not know it
    assert rows(clickhouse, "name", "city") == [("ann", "Oslo"), ("bob", "Oslo"), ("cid", None)]


def test_changing_only_a_python_default_runs_nothing(clickhouse, visitors):  # noqa: F811
    old = Visitor._meta.get_field("visits")
    with visitors() as editor, CaptureQueriesContext(clickhouse) as queries:
        editor.alter_field(
            Visitor, old, new_field("visits", models.IntegerField(null=True, default=5))
        )
    assert [query["sql"] for query in queries] == []
    assert column_default(clickhouse, "visits") == ("", "")


def test_a_column_made_not_null_gives_its_null_rows_the_default(clickhouse, visitors):  # noqa: F811
    old = Visitor._meta.get_field("visits")
    with visitors() as editor:
        editor.alter_field(Visitor, old, new_field("visits", models.IntegerField(default=0)))
    assert rows(clickhouse, "name", "visits") == [("ann", 0), ("bob", 3)]
    assert column_default(clickhouse, "visits") == ("", "")


def test_a_column_without_null_rows_is_made_not_null_without_a_default(clickhouse, visitors):  # noqa: F811
    insert(clickhouse, "(id, name, visits) VALUES (3, 'cid', 1)")
    with clickhouse.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE visits IS NULL")
    old = Visitor._meta.get_field("visits")
    with visitors() as editor:
        editor.alter_field(Visitor, old, new_field("visits", models.IntegerField()))
    assert rows(clickhouse, "name", "visits") == [("bob", 3), ("cid", 1)]
    assert column_default(clickhouse, "visits") == ("", "")


def test_null_rows_without_a_default_refuse_not_null(clickhouse, visitors):  # noqa: F811
    old = Visitor._meta.get_field("visits")
    with (
        pytest.raises(
            IntegrityError, match=r"'visits'.*1 row\(s\) hold NULL, and the field has no default"
        ),
        visitors() as editor,
    ):
        editor.alter_field(Visitor, old, new_field("visits", models.IntegerField()))
    assert rows(clickhouse, "name", "visits") == [("ann", None), ("bob", 3)]


def test_removing_a_db_default_removes_the_column_default(clickhouse, visitors):  # noqa: F811
    assert column_default(clickhouse, "country") == ("DEFAULT", "'FR'")
    old = Visitor._meta.get_field("country")
    with visitors() as editor:
        editor.alter_field(Visitor, old, new_field("country", models.CharField(max_length=2)))
    assert column_default(clickhouse, "country") == ("", "")
    insert(clickhouse, "(id, name) VALUES (3, 'cid')")
    assert rows(clickhouse, "name", "country") == [("ann", "FR"), ("bob", "FR"), ("cid", "")]


def test_a_refused_not_null_renames_nothing(clickhouse, visitors):  # noqa: F811
    old = Visitor._meta.get_field("visits")
    renamed = new_field("visits", models.IntegerField(db_column="times"))
    with pytest.raises(IntegrityError, match="Nothing was changed"), visitors() as editor:
        editor.alter_field(Visitor, old, renamed)
    assert rows(clickhouse, "name", "visits") == [("ann", None), ("bob", 3)]


class Note(clickhouse_models.ClickhouseModel):
    text = models.CharField(max_length=20, null=True)

    class Meta:
        app_label = "column_defaults"
        apps = TEST_APPS
        engine = clickhouse_models.Memory()


def test_a_memory_table_keeps_its_null_rows_readable(clickhouse, schema):  # noqa: F811
    """A Memory table cannot convert NULL rows (they would become unreadable): they
    refuse NOT NULL even with a default; without NULL rows the change goes through."""
    schema.create(Note)
    with clickhouse.cursor() as cursor:
        cursor.execute("INSERT INTO column_defaults_note (id, text) VALUES (1, NULL)")
    old = Note._meta.get_field("text")
    not_null = models.CharField(max_length=20, default="-")
    not_null.set_attributes_from_name("text")
    with pytest.raises(IntegrityError, match="in a Memory table"), schema() as editor:
        editor.alter_field(Note, old, not_null)
    with clickhouse.cursor() as cursor:
        cursor.execute("SELECT text FROM column_defaults_note")
        assert cursor.fetchall() == [(None,)]
        cursor.execute("ALTER TABLE column_defaults_note UPDATE text = 'x' WHERE 1")
    with schema() as editor:
        editor.alter_field(Note, old, not_null)
    with clickhouse.cursor() as cursor:
        cursor.execute("SELECT text FROM column_defaults_note")
        assert cursor.fetchall() == [("x",)]

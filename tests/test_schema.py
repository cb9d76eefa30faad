"""The schema editor: Django's built-in fields as ClickHouse DDL, on the suite's engine."""

import datetime
import decimal
import uuid

import pytest
from django.apps.registry import Apps
from django.db import IntegrityError, connections, models

# Models of these tests live in a registry of their own, not in INSTALLED_APPS.
TEST_APPS = Apps()


@pytest.fixture
def clickhouse(django_db_blocker):
    with django_db_blocker.unblock():
        connection = connections["clickhouse"]
        yield connection
        connection.close()


def column_types(connection, table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, type, comment FROM system.columns "
            "WHERE database = currentDatabase() AND table = %s ORDER BY position",
            [table],
        )
        return {name: (kind, comment) for name, kind, comment in cursor.fetchall()}


@pytest.fixture
def schema(clickhouse):
    """A schema editor, and the models it created, dropped after the test."""
    created = []

    class Editor:
        def create(self, *models_):
            with clickhouse.schema_editor() as editor:
                for model in models_:
                    editor.create_model(model)
                    created.append(model)

        def __call__(self):
            return clickhouse.schema_editor()

    yield Editor()
    with clickhouse.schema_editor() as editor:
        for model in reversed(created):
            editor.execute(f"DROP TABLE IF EXISTS {editor.quote_name(model._meta.db_table)}")


def test_every_built_in_field_has_a_clickhouse_type(clickhouse, schema):
    """Each of Django's fields maps to the documented ClickHouse type; null → Nullable."""

    class Author(models.Model):
        name = models.CharField(max_length=50)

        class Meta:
            app_label = "schema_tests"
            apps = TEST_APPS

    class Everything(models.Model):
        big = models.BigIntegerField()
        integer = models.IntegerField()
        small = models.SmallIntegerField()
        positive_big = models.PositiveBigIntegerField()
        positive = models.PositiveIntegerField()
        positive_small = models.PositiveSmallIntegerField()
        flag = models.BooleanField()
        char = models.CharField(max_length=10)
        text = models.TextField()
        slug = models.SlugField()
        email = models.EmailField()
        url = models.URLField()
        file = models.FileField()
        binary = models.BinaryField()
        price = models.DecimalField(max_digits=12, decimal_places=3)
        ratio = models.FloatField()
        day = models.DateField()
        moment = models.DateTimeField()
        time = models.TimeField()
        duration = models.DurationField()
        key = models.UUIDField()
        address = models.GenericIPAddressField()
        document = models.JSONField()
        maybe = models.IntegerField(null=True)
        author = models.ForeignKey(Author, models.CASCADE)

        class Meta:
            app_label = "schema_tests"
            apps = TEST_APPS

    schema.create(Author, Everything)
    types = {
        name: kind
        for name, (kind, _) in column_types(clickhouse, "schema_tests_everything").items()
    }
    assert types == {
        "id": "Int64",
        "big": "Int64",
        "integer": "Int32",
        "small": "Int16",
        "positive_big": "UInt64",
        "positive": "UInt32",
        "positive_small": "UInt16",
        "flag": "Bool",
        "char": "String",
        "text": "String",
        "slug": "String",
        "email": "String",
        "url": "String",
        "file": "String",
        "binary": "String",
        "price": "Decimal(12, 3)",
        "ratio": "Float64",
        "day": "Date32",
        "moment": "DateTime64(6, 'UTC')",
        "time": "String",
        "duration": "Int64",
        "key": "UUID",
        "address": "IPv6",
        "document": "JSON",
        "maybe": "Nullable(Int32)",
        "author_id": "Int64",
    }


def test_table_engine_key_and_comments(clickhouse, schema):
    """A plain model becomes a MergeTree sorted by its primary key, with its comments."""

    class Note(models.Model):
        body = models.TextField(db_comment="what was said")

        class Meta:
            app_label = "schema_tests"
            apps = TEST_APPS
            db_table_comment = "notes 'quoted'"

    schema.create(Note)
    with clickhouse.cursor() as cursor:
        cursor.execute(
            "SELECT engine, sorting_key, comment FROM system.tables "
            "WHERE database = currentDatabase() AND name = 'schema_tests_note'"
        )
        assert cursor.fetchone() == ("MergeTree", "id", "notes 'quoted'")
    assert column_types(clickhouse, "schema_tests_note")["body"] == ("String", "what was said")


def test_percent_signs_in_comments_and_defaults_are_text(clickhouse, schema):
    """A % in DDL text is not a placeholder: the table, its comments and defaults are
    created whole, and sqlmigrate's text shows them as written."""

    class Offer(models.Model):
        label = models.CharField(max_length=20, db_comment="100%s sure", default="50% off")

        class Meta:
            app_label = "schema_tests"
            apps = TEST_APPS
            db_table_comment = "20% of %(all)s"

    schema.create(Offer)
    with clickhouse.cursor() as cursor:
        cursor.execute(
            "SELECT comment FROM system.tables "
            "WHERE database = currentDatabase() AND name = 'schema_tests_offer'"
        )
        assert cursor.fetchone() == ("20% of %(all)s",)
    assert column_types(clickhouse, "schema_tests_offer")["label"] == ("String", "100%s sure")
    renamed = models.CharField(max_length=20, db_comment="99% new", default="7% off")
    renamed.set_attributes_from_name("label")
    with schema() as editor:
        editor.alter_field(Offer, Offer._meta.get_field("label"), renamed)
    assert column_types(clickhouse, "schema_tests_offer")["label"] == ("String", "99% new")
    with clickhouse.schema_editor(collect_sql=True) as editor:
        editor.alter_db_table_comment(Offer, "", "5% %s")
    assert editor.collected_sql[-1].endswith("MODIFY COMMENT '5% %s';")


def test_check_constraints_are_enforced(clickhouse, schema):
    """Meta.constraints CHECKs become ClickHouse constraints: violations are IntegrityError."""

    class Reading(models.Model):
        value = models.IntegerField()

        class Meta:
            app_label = "schema_tests"
            apps = TEST_APPS
            constraints = [
                models.CheckConstraint(condition=models.Q(value__gte=0), name="non_negative")
            ]

    schema.create(Reading)
    with clickhouse.cursor() as cursor:
        cursor.execute("INSERT INTO schema_tests_reading (id, value) VALUES (1, 5)")
        with pytest.raises(IntegrityError, match="non_negative"):
            cursor.execute("INSERT INTO schema_tests_reading (id, value) VALUES (2, -1)")
        cursor.execute("SELECT count() FROM schema_tests_reading")
        assert cursor.fetchone() == (1,)
    with schema() as editor:
        editor.remove_constraint(Reading, Reading._meta.constraints[0])
    with clickhouse.cursor() as cursor:
        cursor.execute("INSERT INTO schema_tests_reading (id, value) VALUES (3, -1)")


def test_add_alter_rename_and_remove_fields(clickhouse, schema):
    """Columns are added with defaults, altered in place, renamed and dropped; data stays."""

    class Item(models.Model):
        name = models.CharField(max_length=20)

        class Meta:
            app_label = "schema_tests"
            apps = TEST_APPS

    schema.create(Item)
    table = "schema_tests_item"
    with clickhouse.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (id, name) VALUES (1, 'first')")

    quantity = models.IntegerField(default=7)
    quantity.set_attributes_from_name("quantity")
    with schema() as editor:
        editor.add_field(Item, quantity)
    with clickhouse.cursor() as cursor:
        cursor.execute(f"SELECT name, quantity FROM {table}")
        assert cursor.fetchone() == ("first", 7)

    wider = models.BigIntegerField(null=True, db_comment="how many")
    wider.set_attributes_from_name("amount")
    with schema() as editor:
        editor.alter_field(Item, quantity, wider)
    assert column_types(clickhouse, table)["amount"] == ("Nullable(Int64)", "how many")
    with clickhouse.cursor() as cursor:
        cursor.execute(f"SELECT amount FROM {table}")
        assert cursor.fetchone() == (7,)

    with schema() as editor:
        editor.remove_field(Item, wider)
    assert set(column_types(clickhouse, table)) == {"id", "name"}


def test_rename_and_delete_tables(clickhouse, schema):
    """alter_db_table renames the table; delete_model drops it."""

    class Box(models.Model):
        label = models.CharField(max_length=5)

        class Meta:
            app_label = "schema_tests"
            apps = TEST_APPS

    schema.create(Box)
    with schema() as editor:
        editor.alter_db_table(Box, "schema_tests_box", "schema_tests_crate")
    tables = clickhouse.introspection.table_names()
    assert "schema_tests_crate" in tables and "schema_tests_box" not in tables
    with schema() as editor:
        editor.alter_db_table(Box, "schema_tests_crate", "schema_tests_box")
        editor.delete_model(Box)
    assert "schema_tests_box" not in clickhouse.introspection.table_names()


def test_quote_value_cannot_break_out(clickhouse):
    """Defaults and comments are quoted by the driver's one escaping function."""
    with clickhouse.schema_editor() as editor:
        for value in [
            "'; DROP TABLE x; --",
            "\\",
            b"\x00'",
            decimal.Decimal("1.5"),
            datetime.date(2024, 1, 2),
            uuid.UUID(int=1),
            None,
            True,
        ]:
            literal = editor.quote_value(value)
            with clickhouse.cursor() as cursor:
                cursor.execute(f"SELECT {literal}")
                returned = cursor.fetchone()[0]
            expected = value.decode("latin-1") if isinstance(value, bytes) else value
            assert returned in (value, expected)

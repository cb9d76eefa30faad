"""Introspection gives back Django's built-in field for a column this backend made for
one (``features.introspected_field_types`` says which, truthfully), and inspectdb
writes that field; columns no built-in field makes keep this backend's fields."""

import io

import pytest
from django.apps.registry import Apps
from django.core.management import call_command
from django.db import DatabaseError, connections, models
from field_helpers import column_types, created_as, inspected, raw

TEST_APPS = Apps()


class Everything(models.Model):
    # Fields named after the built-in field that makes their column.
    small_auto = models.SmallAutoField(primary_key=True)
    big_integer = models.BigIntegerField()
    integer = models.IntegerField()
    small_integer = models.SmallIntegerField()
    positive_big_integer = models.PositiveBigIntegerField()
    positive_integer = models.PositiveIntegerField()
    positive_small_integer = models.PositiveSmallIntegerField()
    boolean = models.BooleanField()
    char = models.CharField(max_length=10)
    text = models.TextField()
    email = models.EmailField()
    slug = models.SlugField()
    url = models.URLField()
    file = models.FileField()
    file_path = models.FilePathField()
    binary = models.BinaryField()
    decimal = models.DecimalField(max_digits=12, decimal_places=3)
    float = models.FloatField()
    date = models.DateField()
    date_time = models.DateTimeField()
    time = models.TimeField()
    duration = models.DurationField()
    uuid = models.UUIDField()
    generic_ip_address = models.GenericIPAddressField()
    json = models.JSONField()
    nullable_integer = models.IntegerField(null=True)

    class Meta:
        app_label = "introspected_fields"
        apps = TEST_APPS


@pytest.fixture
def everything(django_db_blocker):
    with django_db_blocker.unblock():
        connection = connections["clickhouse"]
        with connection.schema_editor() as editor:
            editor.create_model(Everything)
        yield connection
        with connection.schema_editor() as editor:
            editor.delete_model(Everything)
        connection.close()


def introspected(connection, table):
    with connection.cursor() as cursor:
        return {
            row.name: connection.introspection.get_field_type(row.type_code, row)
            for row in connection.introspection.get_table_description(cursor, table)
        }


# The fields introspected_field_types does not list (Django's suite asks for no others).
UNLISTED = {
    "text": "TextField",
    "email": "TextField",
    "slug": "TextField",
    "url": "TextField",
    "file": "TextField",
    "file_path": "TextField",
    "decimal": "DecimalField",
    "float": "FloatField",
    "date": "DateField",
    "date_time": "DateTimeField",
    "uuid": "UUIDField",
    "json": "JSONField",
}


def test_each_built_in_field_comes_back_as_features_say(everything):
    """What introspected_field_types promises for a field is what introspection gives
    for its column."""
    got = introspected(everything, "introspected_fields_everything")
    promised = everything.features.introspected_field_types
    for field in Everything._meta.fields:
        expected = promised.get(type(field).__name__) or UNLISTED[field.column]
        assert got[field.column] == expected, field.column


def test_the_built_in_field_given_back_makes_the_same_column(everything):
    """Round trip: the field introspection names, with the options it gives, creates
    a column of the type the original field created."""
    types = column_types("introspected_fields_everything")
    for column, field_type in introspected(everything, "introspected_fields_everything").items():
        assert "." not in field_type, column  # a built-in field
        options, _ = everything.introspection.get_field_options(types[column])
        field = getattr(models, field_type)(**options, null=column.startswith("nullable"))
        recreated = everything.schema_editor().column_type(field)
        wrapped = f"Nullable({recreated})" if field.null else recreated
        assert wrapped == types[column], column


def test_inspectdb_writes_django_fields_that_create_the_same_table(everything):
    source, model = inspected("introspected_fields_everything")
    for line in [
        "small_auto = models.BigIntegerField(primary_key=True)",
        "integer = models.IntegerField()",
        "char = models.TextField()",
        "decimal = models.DecimalField(max_digits=12, decimal_places=3)",
        "date_time = models.DateTimeField()",
        "generic_ip_address = models.GenericIPAddressField()",
        "json = models.JSONField()",
        "nullable_integer = models.IntegerField(blank=True, null=True)",
    ]:
        assert line in source, source
    with created_as(model, "introspected_fields_again"):
        assert column_types("introspected_fields_again") == column_types(
            "introspected_fields_everything"
        )


OTHER_TYPES = """
CREATE TABLE other_types (
    id UInt64, lc LowCardinality(String), lcn LowCardinality(Nullable(String)),
    i8 Int8, f32 Float32, d Date, dt64 DateTime64(3, 'UTC'), dt DateTime('UTC'),
    v4 IPv4, tuned JSON(max_dynamic_paths=8), words Array(String)
) ENGINE = MergeTree ORDER BY id
"""


def test_columns_no_built_in_field_makes_keep_this_backends_fields(everything):
    raw(OTHER_TYPES)
    try:
        got = introspected(everything, "other_types")
    finally:
        raw("DROP TABLE other_types")
    ours = "clickhouse_backend.models."
    assert got == {
        "id": "PositiveBigIntegerField",
        "lc": f"{ours}StringField",
        "lcn": f"{ours}StringField",
        "i8": f"{ours}Int8Field",
        "f32": f"{ours}Float32Field",
        "d": f"{ours}DateField",
        "dt64": f"{ours}DateTime64Field",
        "dt": f"{ours}DateTimeField",
        "v4": f"{ours}IPv4Field",
        "tuned": f"{ours}JSONField",
        "words": f"{ours}ArrayField",
    }


def test_a_missing_table_is_an_error_inspectdb_reports(everything):
    with everything.cursor() as cursor, pytest.raises(DatabaseError, match="no_such_table"):
        everything.introspection.get_table_description(cursor, "no_such_table")
    out = io.StringIO()
    call_command("inspectdb", "no_such_table", database="clickhouse", stdout=out)
    assert "# Unable to inspect table 'no_such_table'" in out.getvalue()


def test_the_generated_id_column_stands_for_a_sequence(everything):
    with everything.cursor() as cursor:
        sequences = everything.introspection.get_sequences(
            cursor, "introspected_fields_everything", Everything._meta.local_fields
        )
    assert sequences == [{"table": "introspected_fields_everything", "column": "small_auto"}]


def test_a_check_constraint_names_the_columns_it_reads(everything):
    """As Django's get_constraints() gives them, so that a constraint on a column can
    be found by that column."""
    raw(
        "CREATE TABLE checked (id UInt64, low Int32, high Int32, note String, "
        "CONSTRAINT ordered CHECK high >= low) ENGINE = MergeTree ORDER BY id"
    )
    try:
        with everything.cursor() as cursor:
            constraints = everything.introspection.get_constraints(cursor, "checked")
    finally:
        raw("DROP TABLE checked")
    assert constraints["ordered"]["check"] is True
    assert constraints["ordered"]["columns"] == ["low", "high"]

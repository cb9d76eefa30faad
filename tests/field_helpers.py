"""Helpers the field tests share: the suite's ClickHouse connection, raw SQL on it, the
types of a table's columns, the DataError a refused value raises, a model's table for
a test, the SQL a field change runs, and the model inspectdb writes for a table."""

import contextlib
import io
from unittest import mock

import pytest
from django.apps.registry import Apps
from django.core.management import call_command
from django.db import DataError, connections, models


def clickhouse():
    return connections["clickhouse"]


def column_types(table: str) -> dict[str, str]:
    with clickhouse().cursor() as cursor:
        cursor.execute(
            "SELECT name, type FROM system.columns "
            "WHERE database = currentDatabase() AND table = %s ORDER BY position",
            [table],
        )
        return dict(cursor.fetchall())


def raw(sql: str, params=()) -> list[tuple]:
    with clickhouse().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def refused(match: str):
    """A DataError naming the field and the value."""
    return pytest.raises(DataError, match=match)


def check_ids(field: models.Field, **kwargs) -> list[str]:
    """The ids of the system check messages of ``field`` on a ClickHouse model."""

    class Checked(models.Model):
        value = field

        class Meta:
            app_label = "testapp"  # routed to ClickHouse
            apps = Apps()

    return [message.id for message in Checked._meta.get_field("value").check(**kwargs)]


def inspected(table: str) -> tuple[str, type]:
    """What ``inspectdb`` writes for the table, and its model class, defined in an app
    registry of its own (its ``Meta.db_table`` can then name a copy to create)."""
    out = io.StringIO()
    call_command("inspectdb", table, database="clickhouse", stdout=out)
    source = out.getvalue()
    namespace = {"__name__": "inspected_models", "_apps": Apps()}
    exec(
        source.replace(
            "class Meta:", "class Meta:\n        app_label = 'inspected'\n        apps = _apps"
        ),
        namespace,
    )
    models = [value for value in namespace.values() if getattr(value, "_meta", None)]
    (model,) = [model for model in models if model._meta.db_table == table]
    return source, model


@contextlib.contextmanager
def table_for(model: type[models.Model]):
    """The model's table for the body (its manager on ClickHouse), dropped after."""
    with clickhouse().schema_editor() as editor:
        editor.create_model(model)
    try:
        yield model.objects.using("clickhouse")
    finally:
        with clickhouse().schema_editor() as editor:
            editor.delete_model(model)


@contextlib.contextmanager
def created_as(model: type[models.Model], table: str):
    """The model's table created under another name for the body, dropped after."""
    model._meta.db_table = table
    with clickhouse().schema_editor() as editor:
        editor.create_model(model)
    try:
        yield
    finally:
        raw(f"DROP TABLE {table}")


def alter(model: type[models.Model], old_field: models.Field, new_field: models.Field) -> list:
    """Alter a field of the model from old_field to new_field; the SQL that ran (the
    schema editor runs it as usual, the statements are only recorded)."""
    new_field.set_attributes_from_name(old_field.name)
    new_field.model = model
    editor = clickhouse().schema_editor()
    with editor, mock.patch.object(editor, "execute", wraps=editor.execute) as execute:
        editor.alter_field(model, old_field, new_field)
    return [call.args[0] for call in execute.call_args_list]

"""ClickHouse has no transactions: ``atomic()`` sends nothing, and what
``connection.queries`` shows is what reached the server. A closed cursor raises the
error ``features.closed_cursor_error_class`` names."""

import pytest
from django.apps.registry import Apps
from django.db import InterfaceError, connections, models, transaction
from django.test.utils import CaptureQueriesContext

TEST_APPS = Apps()


class Entry(models.Model):
    text = models.CharField(max_length=20)

    class Meta:
        app_label = "no_transactions"
        apps = TEST_APPS


@pytest.fixture
def entries(django_db_blocker):
    with django_db_blocker.unblock():
        connection = connections["clickhouse"]
        with connection.schema_editor() as editor:
            editor.create_model(Entry)
        yield Entry.objects.using("clickhouse")
        with connection.schema_editor() as editor:
            editor.delete_model(Entry)
        connection.close()


def logged(captured):
    return [query["sql"] for query in captured.captured_queries]


def test_atomic_logs_no_begin_or_commit(entries):
    connection = connections["clickhouse"]
    with CaptureQueriesContext(connection) as captured, transaction.atomic(using="clickhouse"):
        entries.create(text="kept")
    sql = logged(captured)
    assert sql and all(s.startswith(("INSERT", "SELECT")) for s in sql), sql
    assert entries.get().text == "kept"


def test_a_failed_atomic_block_logs_no_rollback_and_keeps_its_rows(entries):
    """Nothing is undone: the row written before the error stays, as documented."""
    connection = connections["clickhouse"]
    with (
        CaptureQueriesContext(connection) as captured,
        pytest.raises(ZeroDivisionError),
        transaction.atomic(using="clickhouse"),
    ):
        entries.create(text="written")
        1 / 0  # noqa: B018
    assert not {"BEGIN", "COMMIT", "ROLLBACK"} & set(logged(captured))
    assert [entry.text for entry in entries] == ["written"]


def test_a_closed_cursor_raises_the_class_features_name(entries):
    connection = connections["clickhouse"]
    assert connection.features.closed_cursor_error_class is InterfaceError
    cursor = connection.cursor()
    cursor.close()
    with pytest.raises(InterfaceError, match="closed"):
        cursor.execute("SELECT 1")

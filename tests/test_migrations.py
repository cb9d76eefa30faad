"""Migrations and the test runner on ClickHouse, with testapp routed there."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import TestCase
from testapp.models import Event

UTC = datetime.timezone.utc
pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, database="clickhouse", stdout=out, **options)
    return out.getvalue()


def test_the_test_database_is_migrated_on_clickhouse():
    """The runner made a ClickHouse test database, migrated, with django_migrations."""
    connection = connections["clickhouse"]
    assert connection.settings_dict["NAME"].startswith("test_")
    tables = connection.introspection.table_names()
    assert {"django_migrations", "testapp_event"} <= set(tables)
    assert "auth_user" not in tables  # the router keeps other apps off ClickHouse
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT engine FROM system.tables WHERE database = currentDatabase() "
            "AND name = 'django_migrations'"
        )
        assert cursor.fetchone() == ("MergeTree",)


def test_migrate_backwards_and_forwards():
    """Unapplying is recorded and drops the table; migrating again is then a no-op."""
    connection = connections["clickhouse"]
    run("migrate", "testapp", "zero", verbosity=0)
    assert "[ ] 0001_initial" in run("showmigrations", "testapp")
    assert "testapp_event" not in connection.introspection.table_names()
    run("migrate", "testapp", verbosity=0)
    assert "[X] 0001_initial" in run("showmigrations", "testapp")
    assert "No migrations to apply." in run("migrate", "testapp")


def test_sqlmigrate_shows_clickhouse_ddl():
    """sqlmigrate prints the CREATE TABLE with its engine, CHECK and comment."""
    sql = run("sqlmigrate", "testapp", "0001")
    assert 'CREATE TABLE "testapp_event"' in sql
    assert "ENGINE = MergeTree" in sql
    assert 'CONSTRAINT "valid_port" CHECK' in sql
    assert "MODIFY COMMENT 'network events'" in sql
    assert '"size" Int64 NOT NULL DEFAULT 0' in sql


def test_a_model_routed_to_clickhouse_round_trips():
    """The routed model is created, queried, updated and deleted through the default manager."""
    moment = datetime.datetime(2024, 5, 1, 12, tzinfo=UTC)
    Event.objects.bulk_create(
        [
            Event(timestamp=moment, protocol="http", port=80, source="10.0.0.1"),
            Event(timestamp=moment, protocol="dns", port=53, source="2001:db8::1", size=7),
        ]
    )
    assert Event.objects.count() == 2
    assert Event.objects.get(protocol="http").size == 0  # db_default from ClickHouse
    assert Event.objects.filter(port__lt=100).update(protocol="low") == 2
    assert Event.objects.filter(protocol="low").delete()[0] == 2


def test_tests_are_isolated_from_each_other():
    """Rows written by the test before were flushed (this runs after the round trip)."""
    assert Event.objects.count() == 0


class EventTestCase(TestCase):
    """Django's TestCase on ClickHouse: setUpTestData runs for each test (no
    transactions to roll back), and each test starts from that data alone."""

    databases = {"clickhouse"}

    @classmethod
    def setUpTestData(cls):
        cls.event = Event.objects.create(
            timestamp=datetime.datetime(2024, 1, 1, tzinfo=UTC),
            protocol="ssh",
            port=22,
            source="10.1.1.1",
        )

    def test_changes_do_not_leak(self):
        Event.objects.filter(pk=self.event.pk).update(protocol="changed")
        Event.objects.create(
            timestamp=self.event.timestamp, protocol="extra", port=1, source="10.0.0.2"
        )
        self.assertEqual(Event.objects.count(), 2)

    def test_starts_from_the_test_data(self):
        self.assertEqual(list(Event.objects.values_list("protocol", flat=True)), ["ssh"])


def test_relations_between_clickhouse_models():
    """Joins, reverse lookups, prefetching, many-to-many and cascading deletes."""
    from django.db.models import Count
    from testapp.models import Article, Author, Tag

    ann = Author.objects.create(name="ann")
    Author.objects.create(name="bob")
    one = Article.objects.create(title="one", author=ann)
    Article.objects.create(title="two", author=ann)
    Article.objects.create(title="orphan", author=None)
    x, y = Tag.objects.create(label="x"), Tag.objects.create(label="y")
    one.tags.add(x, y)

    related = Article.objects.select_related("author").order_by("title")
    assert [(a.title, a.author and a.author.name) for a in related] == [
        ("one", "ann"),
        ("orphan", None),
        ("two", "ann"),
    ]
    assert list(Author.objects.annotate(n=Count("article")).order_by("name").values_list(
        "name", "n"
    )) == [("ann", 2), ("bob", 0)]  # fmt: skip
    prefetched = Author.objects.prefetch_related("article_set").order_by("name")
    assert [(a.name, sorted(b.title for b in a.article_set.all())) for a in prefetched] == [
        ("ann", ["one", "two"]),
        ("bob", []),
    ]
    assert sorted(one.tags.values_list("label", flat=True)) == ["x", "y"]
    assert list(Article.objects.filter(tags__label="y").values_list("title", flat=True)) == ["one"]
    deleted, per_model = ann.delete()
    assert per_model["testapp.Author"] == 1 and per_model["testapp.Article"] == 2
    assert deleted == 1 + 2 + 2  # the author, two articles, and one's two tag links
    assert list(Article.objects.values_list("title", flat=True)) == ["orphan"]
    assert Author.objects.get().name == "bob"


def test_fake_records_without_touching_tables():
    """--fake marks migrations unapplied and applied again; the tables stay as they are."""
    connection = connections["clickhouse"]
    run("migrate", "testapp", "0001", fake=True, verbosity=0)
    assert "[ ] 0002_author_tag_article" in run("showmigrations", "testapp")
    assert "testapp_article" in connection.introspection.table_names()
    run("migrate", "testapp", fake=True, verbosity=0)
    assert "[X] 0002_author_tag_article" in run("showmigrations", "testapp")
    assert "No migrations to apply." in run("migrate", "testapp")


def test_run_sql_and_run_python_run_on_clickhouse_both_ways():
    """RunSQL and RunPython in a ClickHouse app's migration run there (never skipped
    silently), are recorded, and their reverse runs when the migration is unapplied."""
    from django.db import migrations
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.recorder import MigrationRecorder

    def add_events(apps, schema_editor):
        model = apps.get_model("testapp", "Event")
        model.objects.using(schema_editor.connection.alias).bulk_create(
            model(timestamp=MOMENT, protocol=name, port=1, source="10.0.0.9")
            for name in ("a", "b")
        )

    def remove_events(apps, schema_editor):
        model = apps.get_model("testapp", "Event")
        model.objects.using(schema_editor.connection.alias).filter(port=1).delete()

    migration = migrations.Migration("9999_data", "testapp")
    migration.dependencies = [("testapp", "0004_merge")]
    migration.operations = [
        migrations.RunSQL(
            "CREATE TABLE raw_copy (protocol String) ENGINE = MergeTree ORDER BY protocol",
            reverse_sql="DROP TABLE raw_copy",
        ),
        migrations.RunPython(add_events, remove_events),
        migrations.RunSQL(
            "INSERT INTO raw_copy SELECT protocol FROM testapp_event",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
    connection = connections["clickhouse"]
    executor = MigrationExecutor(connection)
    state = executor.loader.project_state(("testapp", "0004_merge"))
    recorder = MigrationRecorder(connection)

    executor.apply_migration(state, migration)
    with connection.cursor() as cursor:
        cursor.execute("SELECT protocol FROM raw_copy ORDER BY protocol")
        assert cursor.fetchall() == [("a",), ("b",)]
    assert ("testapp", "9999_data") in recorder.applied_migrations()

    executor.unapply_migration(state, migration)
    assert "raw_copy" not in connection.introspection.table_names()
    assert Event.objects.count() == 0
    assert ("testapp", "9999_data") not in recorder.applied_migrations()


MOMENT = datetime.datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_a_history_written_by_django_clickhouse_backend_is_read_as_it_meant():
    """Its recorder's table (built here by hand with its schema: a deleted column,
    sorted by app and name) marks an unapplied migration deleted = true instead of
    removing the row: migrate applies that one again and nothing else, and
    showmigrations then shows every one applied. The column stays for a way back."""
    connection = connections["clickhouse"]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE dcb_history (id Int64, app String, name String, "
            "applied DateTime64(6, 'UTC'), deleted Bool DEFAULT false) "
            "ENGINE = MergeTree ORDER BY (app, name)"
        )
        cursor.execute(
            "INSERT INTO dcb_history SELECT id, app, name, applied, "
            "app = 'testapp' AND name = '0007_merge' FROM django_migrations"
        )
        cursor.execute("RENAME TABLE django_migrations TO ours, dcb_history TO django_migrations")
    try:
        assert "Applying testapp.0007_merge... OK" in run("migrate", "testapp")
        assert "No migrations to apply." in run("migrate", "testapp")
        assert "[X] 0007_merge" in run("showmigrations", "testapp")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, deleted FROM django_migrations WHERE app = 'testapp' ORDER BY name"
            )
            rows = cursor.fetchall()
        assert rows[-1] == ("0007_merge", False) and len(rows) == len(set(rows)) == 11
        assert not any(deleted for _, deleted in rows)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE django_migrations")
            cursor.execute("RENAME TABLE ours TO django_migrations")


def test_a_distributed_history_of_django_clickhouse_backend_is_read_whole():
    """With its distributed_migrations option, a history is a Distributed table
    (distributed_django_migrations) over a django_migrations on each shard, each holding
    some rows. Rows only another shard holds (here: a view on a second database stands
    for the Distributed table, since this process has no cluster) are adopted before
    migrate, so it applies what is unapplied there and nothing twice."""
    connection = connections["clickhouse"]
    dcb_schema = (
        "(id Int64, app String, name String, applied DateTime64(6, 'UTC'), "
        "deleted Bool DEFAULT false) ENGINE = MergeTree ORDER BY (app, name)"
    )
    elsewhere = "app = 'testapp' AND name IN ('0006_merge', '0007_merge')"
    with connection.cursor() as cursor:
        cursor.execute("CREATE DATABASE other_shard")
        cursor.execute(f"CREATE TABLE dcb_history {dcb_schema}")
        cursor.execute(f"CREATE TABLE other_shard.django_migrations {dcb_schema}")
        cursor.execute(
            "INSERT INTO dcb_history SELECT id, app, name, applied, false "
            f"FROM django_migrations WHERE NOT ({elsewhere})"
        )
        cursor.execute(
            "INSERT INTO other_shard.django_migrations SELECT id, app, name, applied, "
            f"name = '0007_merge' FROM django_migrations WHERE {elsewhere}"
        )
        cursor.execute(
            "CREATE VIEW distributed_django_migrations AS "
            "SELECT * FROM other_shard.django_migrations"
        )
        cursor.execute("RENAME TABLE django_migrations TO ours, dcb_history TO django_migrations")
    try:
        migrated = run("migrate", "testapp")
        assert "Applying testapp.0007_merge... OK" in migrated
        assert "0006_merge" not in migrated
        assert "No migrations to apply." in run("migrate", "testapp")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM django_migrations WHERE app = 'testapp' ORDER BY name"
            )
            names = [name for (name,) in cursor.fetchall()]
        assert names[-2:] == ["0006_merge", "0007_merge"] and len(names) == len(set(names)) == 11
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE django_migrations")
            cursor.execute("DROP VIEW distributed_django_migrations")
            cursor.execute("DROP DATABASE other_shard")
            cursor.execute("RENAME TABLE ours TO django_migrations")


def test_run_sql_inserts_rows_given_as_params():
    """django-clickhouse-backend's RunSQL form for inserts: a statement that ends at
    VALUES and a list of rows as its params inserts them as one block."""
    from django.db import migrations
    from django.db.migrations.state import ProjectState

    connection = connections["clickhouse"]
    operation = migrations.RunSQL(
        [("INSERT INTO raw_rows (a, b) VALUES", [(1, "x"), (2, "it's")])],
        hints={"target_db": "clickhouse"},
    )
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE raw_rows (a Int8, b String) ENGINE = Memory")
    try:
        with connection.schema_editor() as editor:
            operation.database_forwards("testapp", editor, ProjectState(), ProjectState())
        with connection.cursor() as cursor:
            cursor.execute("SELECT a, b FROM raw_rows ORDER BY a")
            assert cursor.fetchall() == [(1, "x"), (2, "it's")]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE raw_rows")

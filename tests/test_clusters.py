"""ON CLUSTER: every DDL statement about a clustered model's table carries it, wherever the
statement comes from; the embedded engine refuses what only a cluster can run.

Nothing here can start a multi-node cluster (docs/cluster.md says what runs where):
statements are collected as a server would get them and parsed by ClickHouse's own
parser (formatQuery) on the embedded engine.
"""

from __future__ import annotations

import re

import pytest
from django.apps.registry import Apps
from django.core.exceptions import ImproperlyConfigured
from django.db import NotSupportedError, connections, models
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ModelState, ProjectState
from django.db.models import F, Q
from django.db.models.sql.subqueries import DeleteQuery, UpdateQuery
from django.db.utils import ConnectionHandler

from clickhouse_backend import models as clickhouse
from clickhouse_backend.driver.escape import substitute

APP = "cluster_tests"
ON_CLUSTER = ' ON CLUSTER "analytics"'


def server(**options):
    """A backend for a server that is never reached: statements are only collected."""
    entry = {"ENGINE": "clickhouse_backend.backend", "HOST": "127.0.0.1", "PORT": 1}
    handler = ConnectionHandler({"default": {}, "server": {**entry, "OPTIONS": options}})
    return handler["server"]


def model(name, fields, apps, **meta):
    attrs = {"app_label": APP, "apps": apps, **meta}
    return type(
        name,
        (clickhouse.ClickhouseModel,),
        {"__module__": __name__, "Meta": type("Meta", (), attrs), **fields},
    )


@pytest.fixture
def embedded(django_db_blocker):
    with django_db_blocker.unblock():
        yield connections["clickhouse"]


def parsed(sql: str) -> str:
    """ClickHouse's own reading of a statement (raises if it does not parse)."""
    with connections["clickhouse"].cursor() as cursor:
        cursor.execute("SELECT formatQuery(%s)", [sql.rstrip(";")])
        return cursor.fetchone()[0]


def test_statements_about_related_tables_and_statement_objects_run_on_the_cluster(embedded):
    """A many-to-many field's own table follows its model, and what Django builds as
    Statement objects (constraints, formatted later) carries the clause too."""
    apps = Apps()
    tag = model("Tag", {"name": models.CharField(max_length=5)}, apps)
    post = model("Post", {"title": models.CharField(max_length=5)}, apps, cluster="analytics")
    tags = models.ManyToManyField(tag)
    tags.set_attributes_from_name("tags")
    tags.contribute_to_class(post, "tags")
    check = models.CheckConstraint(condition=models.Q(title__gt=""), name="titled")
    with server().schema_editor(collect_sql=True) as editor:
        editor.create_model(tag)
        editor.create_model(post)
        editor.add_constraint(post, check)
        editor.remove_field(post, tags)
    local, *clustered = editor.collected_sql
    assert local.startswith('CREATE TABLE "cluster_tests_tag" (')  # no Meta.cluster
    assert [sql.split(ON_CLUSTER)[0] for sql in clustered] == [
        'CREATE TABLE "cluster_tests_post"',
        'CREATE TABLE "cluster_tests_post_tags"',
        'ALTER TABLE "cluster_tests_post"',
        'DROP TABLE "cluster_tests_post_tags"',
    ]
    for sql in clustered:
        assert "ON CLUSTER analytics" in parsed(sql)
    assert clustered[1].endswith('ENGINE = MergeTree ORDER BY "id";')  # as its model's


def test_the_many_to_many_table_of_a_replicated_model_is_replicated(embedded):
    """Links written through one replica must be read through the others."""
    apps = Apps()
    tag = model("Label", {"name": models.CharField(max_length=5)}, apps)
    replicated = clickhouse.ReplicatedMergeTree(order_by="id")
    student = model("Pupil", {}, apps, cluster="analytics", engine=replicated)
    labels = models.ManyToManyField(tag)
    labels.contribute_to_class(student, "labels")
    with server().schema_editor(collect_sql=True) as editor:
        editor.create_model(student)
    assert parsed(editor.collected_sql[1]).startswith(
        "CREATE TABLE cluster_tests_pupil_labels ON CLUSTER analytics"
    )
    assert parsed(editor.collected_sql[1]).endswith("ENGINE = ReplicatedMergeTree\nORDER BY id")


def test_a_historical_model_gone_from_the_project_keeps_its_cluster(embedded):
    """Migrations pass models rebuilt from their state: DeleteModel of a model the
    project no longer has still drops its table on the cluster."""
    state = ProjectState()
    state.add_model(
        ModelState(
            APP,
            "Gone",
            [("id", models.BigAutoField(primary_key=True))],
            options={"cluster": "analytics"},
        )
    )
    gone = state.apps.get_model(APP, "Gone")
    with server().schema_editor(collect_sql=True) as editor:
        editor.delete_model(gone)
    assert editor.collected_sql == [f'DROP TABLE "cluster_tests_gone"{ON_CLUSTER};']
    assert parsed(editor.collected_sql[0]) == "DROP TABLE cluster_tests_gone ON CLUSTER analytics"


def test_the_migration_recorder_lives_on_the_migration_cluster(embedded):
    connection = server(migration_cluster="analytics")
    with connection.schema_editor(collect_sql=True) as editor:
        editor.create_model(MigrationRecorder.Migration)
    (create,) = editor.collected_sql
    assert create.startswith(f'CREATE TABLE "django_migrations"{ON_CLUSTER} (')
    # One history for the cluster: every node a replica of the same table.
    assert parsed(create).startswith("CREATE TABLE django_migrations ON CLUSTER analytics\n")
    assert parsed(create).endswith(
        "\nENGINE = ReplicatedMergeTree('/clickhouse/tables/{uuid}/django_migrations', "
        "'{shard}-{replica}')\nORDER BY id"
    )
    with server().schema_editor(collect_sql=True) as editor:  # no migration cluster: local
        editor.create_model(MigrationRecorder.Migration)
    assert "ON CLUSTER" not in editor.collected_sql[0]
    assert editor.collected_sql[0].endswith('ENGINE = MergeTree ORDER BY "id";')


def test_the_embedded_engine_refuses_a_clustered_model_by_name(embedded):
    apps = Apps()
    clustered = model(
        "Clustered", {"name": models.CharField(max_length=5)}, apps, cluster="analytics"
    )
    with (
        pytest.raises(
            NotSupportedError,
            match=r"cluster_tests\.Clustered has Meta\.cluster = "
            r"'analytics', which the embedded engine \(chDB\) cannot run",
        ),
        embedded.schema_editor() as editor,
    ):
        editor.create_model(clustered)
    with embedded.cursor() as cursor:
        cursor.execute("EXISTS TABLE cluster_tests_clustered")
        assert cursor.fetchone() == (0,)
    messages = embedded.validation.check_model(clustered)
    assert [message.id for message in messages] == ["clickhouse_backend.W006"]
    with embedded.schema_editor(collect_sql=True) as editor:  # sqlmigrate shows the SQL
        editor.create_model(clustered)
    assert ON_CLUSTER in editor.collected_sql[0]


@pytest.mark.parametrize(
    ("engine", "lacking"),
    [
        (clickhouse.Distributed("analytics", "default", "local_students"), "no such cluster"),
        (clickhouse.GraphiteMergeTree("graphite_rollup"), "reads no server configuration"),
    ],
)
def test_the_embedded_engine_refuses_server_only_engines_by_name(embedded, engine, lacking):
    """Without a name the user would read chDB's own error about a missing cluster or
    configuration section, after Django had started the migration."""
    apps = Apps()
    fields = {"path": models.CharField(max_length=5), "value": clickhouse.Float64Field()}
    fields |= {"time": clickhouse.UInt32Field(), "date": models.DateField()}
    fields |= {"version": clickhouse.UInt32Field()}
    served = model("Served", fields, apps, engine=engine)
    expected = rf"cluster_tests\.Served has a {engine.name} engine.*, .*cannot run: .*{lacking}"
    with pytest.raises(NotSupportedError, match=expected), embedded.schema_editor() as editor:
        editor.create_model(served)
    with embedded.cursor() as cursor:
        cursor.execute("EXISTS TABLE cluster_tests_served")
        assert cursor.fetchone() == (0,)
    messages = embedded.validation.check_model(served)
    assert [message.id for message in messages] == ["clickhouse_backend.W006"]


@pytest.mark.parametrize(
    ("options", "test", "named"),
    [
        ({"migration_cluster": "analytics"}, {}, "OPTIONS['migration_cluster']"),
        ({}, {"cluster": "analytics"}, "TEST['cluster']"),
    ],
)
def test_cluster_settings_on_the_embedded_engine_are_refused_at_startup(options, test, named):
    handler = ConnectionHandler(
        {
            "default": {},
            "x": {
                "ENGINE": "clickhouse_backend.backend",
                "OPTIONS": {"embedded": ":memory:", **options},
                "TEST": test,
            },
        }
    )
    with pytest.raises(ImproperlyConfigured, match=re.escape(named) + ".* is only for a server"):
        handler["x"]


def test_update_and_delete_of_a_distributed_model_change_its_local_tables(embedded):
    """ClickHouse cannot mutate a Distributed table: the change runs on the local table
    it names, on every node of its cluster, with the WHERE and values on that table."""
    apps = Apps()
    fields = {"name": models.CharField(max_length=20), "score": models.IntegerField()}
    model("Local", dict(fields), apps, engine=clickhouse.MergeTree(order_by="id"))
    spread = model(
        "Spread",
        dict(fields),
        apps,
        engine=clickhouse.Distributed(
            "analytics", clickhouse.currentDatabase(), "cluster_tests_local", clickhouse.Rand()
        ),
    )
    connection = server()

    def statement(query) -> str:
        sql, params = query.get_compiler(connection=connection).as_sql()
        return parsed(substitute(sql, params))

    update = UpdateQuery(spread)
    update.add_update_values({"name": "it's", "score": F("score") + 1})
    update.add_q(Q(pk__in=[1, 2]) & Q(score__gt=0))
    assert statement(update) == parsed(
        "ALTER TABLE cluster_tests_local ON CLUSTER analytics UPDATE name = 'it\\'s', "
        "score = (cluster_tests_local.score + 1) WHERE ((cluster_tests_local.id IN (1, 2)) "
        "AND (cluster_tests_local.score > 0))"
    )
    delete = DeleteQuery(spread)
    delete.add_q(Q(name__startswith="a%"))
    assert statement(delete) == (
        "DELETE FROM cluster_tests_local ON CLUSTER analytics "
        "WHERE cluster_tests_local.name LIKE 'a\\\\%%'"
    )
    assert (
        statement(DeleteQuery(spread)) == "TRUNCATE TABLE cluster_tests_local ON CLUSTER analytics"
    )


def test_a_distributed_model_is_checked_against_its_local_model(embedded):
    """Its local table must be a model's of this database (else W007), with every column
    it reads (else E002), of the same type (else W008); leaving columns out is fine, and
    a table in another database is not this database's to check."""
    apps = Apps()
    over_local = clickhouse.Distributed(
        "analytics", clickhouse.currentDatabase(), "cluster_tests_local"
    )
    local = model(
        "Local",
        {
            "name": models.CharField(max_length=20),
            "score": clickhouse.Int8Field(),
            "address": models.CharField(max_length=20),
        },
        apps,
    )
    fields = {"name": models.CharField(max_length=20), "score": clickhouse.Int8Field()}
    spread = model("Spread", fields, apps, engine=over_local)
    validation = embedded.validation
    assert validation.check_distributed([local, spread]) == []  # no address: a subset
    (alone,) = validation.check_distributed([spread])
    assert alone.id == "clickhouse_backend.W007"
    assert "over table cluster_tests_local, which no model" in alone.msg

    fields = {"name": models.TextField(), "score": clickhouse.Int16Field()}
    fields["grade"] = clickhouse.UInt8Field()
    wrong = model("Wrong", fields, apps, engine=over_local)
    problems = validation.check_distributed([local, wrong])
    assert [message.id for message in problems] == [
        "clickhouse_backend.W008",  # converted on reads
        "clickhouse_backend.E002",  # fails every read
    ]
    assert "Wrong.score is Int16, but the column of cluster_tests.Local's" in problems[0].msg
    assert "cluster_tests.Local's table, but that has no column grade" in problems[1].msg

    elsewhere = clickhouse.Distributed("analytics", "system", "one")
    assert validation.check_distributed([model("Elsewhere", {}, apps, engine=elsewhere)]) == []

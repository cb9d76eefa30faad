"""Table engines, data-skipping indexes and Meta.cluster: the DDL ClickHouse really ran,
migrations that carry them, the checks that guard them, and inspectdb writing them back."""

import datetime
import io
import re

import pytest
from django.apps.registry import Apps
from django.core.management import call_command
from django.db import DatabaseError, connections, migrations, models
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.graph import MigrationGraph
from django.db.migrations.questioner import MigrationQuestioner
from django.db.migrations.state import ModelState, ProjectState
from django.db.migrations.writer import MigrationWriter
from django.db.models.functions import Lower
from testapp import routers

from clickhouse_backend import models as clickhouse

UTC = datetime.timezone.utc
TEST_APPS = Apps()
APP = "engine_tests"


def meta(**options):
    """A Meta class for a test model in the registry of this module."""
    return type("Meta", (), {"app_label": APP, "apps": TEST_APPS, **options})


def model(name, fields, base=clickhouse.ClickhouseModel, **options):
    """A model of this module's registry, made fresh for one test."""
    TEST_APPS.all_models[APP].pop(name.lower(), None)
    attrs = {"__module__": __name__, "Meta": meta(**options), **fields}
    return type(name, (base,), attrs)


@pytest.fixture(autouse=True)
def routed_to_clickhouse(monkeypatch):
    """Migration operations of this module's apps run on ClickHouse, as testapp's do."""
    monkeypatch.setattr(routers, "CLICKHOUSE_APPS", {*routers.CLICKHOUSE_APPS, APP, "inspected"})


@pytest.fixture
def tables(clickhouse_db):
    """Creates models' tables; every table the test made is dropped after it."""
    made = set()

    def create(*models_):
        with clickhouse_db.schema_editor() as editor:
            for model_ in models_:
                editor.create_model(model_)
                made.add(model_._meta.db_table)

    create.made = made
    yield create
    with clickhouse_db.cursor() as cursor:
        for table in made:
            cursor.execute(f"DROP TABLE IF EXISTS {clickhouse_db.ops.quote_name(table)}")


def query(connection, sql, params=()):
    """The rows of a statement (None for one that returns none)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def table_engine(connection, table):
    """What ClickHouse says about the table: engine, keys and the full engine clause."""
    (row,) = query(
        connection,
        "SELECT engine, sorting_key, partition_key, primary_key, sampling_key, engine_full "
        "FROM system.tables WHERE database = currentDatabase() AND name = %s",
        [table],
    )
    return dict(
        zip(("engine", "sorting", "partition", "primary", "sampling", "full"), row, strict=True)
    )


def skip_indexes(connection, table):
    return {
        name: (type_full, expression, granularity)
        for name, type_full, expression, granularity in query(
            connection,
            "SELECT name, type_full, expr, granularity FROM system.data_skipping_indices "
            "WHERE database = currentDatabase() AND table = %s",
            [table],
        )
    }


# -- engines ----------------------------------------------------------------------------


def test_engine_keys_settings_and_indexes_are_created(clickhouse_db, tables):
    """Every clause of a MergeTree reaches ClickHouse, with field names as their columns."""
    sample = model(
        "Sample",
        {
            "user": models.PositiveBigIntegerField(db_column="user id"),
            "moment": models.DateTimeField(),
            "kind": models.CharField(max_length=10),
        },
        engine=clickhouse.MergeTree(
            order_by=["moment", models.Func("user", function="intHash32"), "kind"],
            partition_by=models.Func("moment", function="toYYYYMMDD"),
            primary_key=["moment", models.Func("user", function="intHash32")],
            sample_by=models.Func("user", function="intHash32"),
            index_granularity=512,
            min_bytes_for_wide_part=0,
        ),
        indexes=[
            clickhouse.Index(fields=["kind"], name="kind_set", type=clickhouse.Set(100)),
            clickhouse.Index(
                Lower("kind"), "user", name="pair", type=clickhouse.MinMax(), granularity=3
            ),
        ],
    )
    tables(sample)
    engine = table_engine(clickhouse_db, "engine_tests_sample")
    assert engine["engine"] == "MergeTree"
    assert engine["sorting"] == "moment, intHash32(`user id`), kind"
    assert engine["partition"] == "toYYYYMMDD(moment)"
    assert engine["primary"] == "moment, intHash32(`user id`)"
    assert engine["sampling"] == "intHash32(`user id`)"
    assert engine["full"].endswith(
        "SETTINGS enable_block_number_column = 1, enable_block_offset_column = 1, "
        "index_granularity = 512, min_bytes_for_wide_part = 0"
    )
    assert skip_indexes(clickhouse_db, "engine_tests_sample") == {
        "kind_set": ("set(100)", "kind", 1),
        "pair": ("minmax", "lowerUTF8(kind), `user id`", 3),
    }


def test_the_default_engine_is_a_mergetree_sorted_by_the_primary_key(clickhouse_db, tables):
    """A plain Django model, or a ClickhouseModel without an engine, is sorted by its pk;
    a composite primary key is the sorting key; order_by=() leaves the table unsorted."""
    plain = model("Plain", {"name": models.CharField(max_length=5)}, base=models.Model)
    bare = model("Bare", {"name": models.CharField(max_length=5)})
    pair = model(
        "Pair",
        {
            "pk": models.CompositePrimaryKey("left", "right"),
            "left": models.IntegerField(),
            "right": models.IntegerField(),
        },
    )
    unsorted = model(
        "Unsorted",
        {"name": models.CharField(max_length=5)},
        engine=clickhouse.MergeTree(order_by=()),
    )
    tables(plain, bare, pair, unsorted)
    keys = {
        table: table_engine(clickhouse_db, f"engine_tests_{table}")["sorting"]
        for table in ("plain", "bare", "pair", "unsorted")
    }
    assert keys == {"plain": "id", "bare": "id", "pair": "left, right", "unsorted": ""}
    assert table_engine(clickhouse_db, "engine_tests_plain")["engine"] == "MergeTree"


def test_meta_options_are_registered_once_and_serve_any_model(clickhouse_db, tables):
    """Importing clickhouse_backend.models lets any model's Meta name engine and cluster
    (registering again changes nothing); a plain Django model may set an engine too."""
    from django.db.migrations import state
    from django.db.models import options

    from clickhouse_backend.models.base import register_meta_options

    register_meta_options()
    assert options.DEFAULT_NAMES.count("engine") == options.DEFAULT_NAMES.count("cluster") == 1
    assert state.DEFAULT_NAMES is options.DEFAULT_NAMES
    plain = model(
        "PlainSorted",
        {"name": models.CharField(max_length=5)},
        base=models.Model,
        engine=clickhouse.MergeTree(order_by="name"),
    )
    tables(plain)
    assert table_engine(clickhouse_db, "engine_tests_plainsorted")["sorting"] == "name"


def test_replacing_mergetree_keeps_the_latest_version(clickhouse_db, tables):
    """Rows with one sorting key collapse to the highest version under FINAL; a newest
    row marked is_deleted removes its key."""
    price = model(
        "Price",
        {
            "item": models.CharField(max_length=10),
            "amount": models.IntegerField(),
            "version": models.PositiveIntegerField(),
            "deleted": models.BooleanField(default=False),
        },
        engine=clickhouse.ReplacingMergeTree("version", "deleted", order_by="item"),
    )
    tables(price)
    assert table_engine(clickhouse_db, "engine_tests_price")["full"].startswith(
        "ReplacingMergeTree(version, deleted) ORDER BY item"
    )
    for item, amount, version, deleted in [
        ("tea", 3, 2, False),
        ("tea", 1, 1, False),
        ("tea", 5, 3, False),
        ("cake", 7, 1, False),
        ("cake", 7, 2, True),
    ]:
        query(
            clickhouse_db,
            "INSERT INTO engine_tests_price (id, item, amount, version, deleted) "
            "VALUES (%s, %s, %s, %s, %s)",
            [version, item, amount, version, deleted],
        )
    assert query(clickhouse_db, "SELECT count() FROM engine_tests_price") == [(5,)]
    assert query(
        clickhouse_db, "SELECT item, amount FROM engine_tests_price FINAL ORDER BY item"
    ) == [("tea", 5)]


def test_partition_by_an_expression_splits_parts_by_month(clickhouse_db, tables):
    log = model(
        "Log",
        {"moment": models.DateTimeField()},
        engine=clickhouse.MergeTree(
            order_by="moment", partition_by=models.Func("moment", function="toYYYYMM")
        ),
    )
    tables(log)
    for month in (1, 1, 2, 3):
        query(
            clickhouse_db,
            "INSERT INTO engine_tests_log (id, moment) VALUES (1, %s)",
            [datetime.datetime(2024, month, 5, tzinfo=UTC)],
        )
    partitions = query(
        clickhouse_db,
        "SELECT DISTINCT partition FROM system.parts WHERE database = currentDatabase() "
        "AND table = 'engine_tests_log' AND active ORDER BY partition",
    )
    assert partitions == [("202401",), ("202402",), ("202403",)]


def test_settings_cannot_inject_sql(clickhouse_db, tables):
    """Setting names must be identifiers; values are literals, whatever they contain."""
    with pytest.raises(ValueError, match="not a ClickHouse setting name"):
        clickhouse.MergeTree(**{"index_granularity = 1) ENGINE = Log --": 1})
    with pytest.raises(TypeError, match="must be a str, int, float or bool"):
        clickhouse.MergeTree(index_granularity=[1])
    with pytest.raises(ValueError, match="finite"):
        clickhouse.MergeTree(index_granularity=float("nan"))
    victim = model("Victim", {"name": models.CharField(max_length=5)})
    tables(victim)
    hostile = "default'; DROP TABLE engine_tests_victim; --"
    attack = model(
        "Attack",
        {"name": models.CharField(max_length=5)},
        engine=clickhouse.MergeTree(storage_policy=hostile),
    )
    with pytest.raises(DatabaseError, match="Unknown storage policy"):
        tables(attack)
    assert "engine_tests_victim" in clickhouse_db.introspection.table_names()
    assert "engine_tests_attack" not in clickhouse_db.introspection.table_names()


def test_engine_arguments_are_checked():
    with pytest.raises(ValueError, match=r"is_deleted=\.\.\.\) needs ver"):
        clickhouse.ReplacingMergeTree(is_deleted="deleted")
    with pytest.raises(TypeError, match="order_by takes field names or Django expressions"):
        clickhouse.MergeTree(order_by=[1])
    with pytest.raises(TypeError):
        clickhouse.MergeTree("positional")


def test_engines_compare_by_arguments_and_deconstruct():
    """Equal arguments make equal engines (a name or a one-item list is the same key);
    migrations write them as clickhouse_backend.models.<Name>(...) and read them back."""
    assert clickhouse.MergeTree(order_by="id") == clickhouse.MergeTree(order_by=["id"])
    assert clickhouse.MergeTree(order_by="id") != clickhouse.MergeTree(order_by="other")
    assert clickhouse.MergeTree(order_by="id") != clickhouse.ReplacingMergeTree(order_by="id")
    assert clickhouse.MergeTree(index_granularity=1) != clickhouse.MergeTree()
    assert hash(clickhouse.MergeTree(order_by="id")) == hash(
        clickhouse.MergeTree(order_by=("id",))
    )
    engine = clickhouse.ReplacingMergeTree(
        "version",
        order_by=("a", models.Func("b", function="toDate")),
        index_granularity=64,
    )
    path, args, _ = engine.deconstruct()
    assert path == "clickhouse_backend.models.ReplacingMergeTree"
    assert args == ("version",)
    text, imports = MigrationWriter.serialize(engine)
    assert "import clickhouse_backend.models" in imports
    namespace = {}
    exec("\n".join([*sorted(imports), f"value = {text}"]), namespace)
    assert namespace["value"] == engine
    index = clickhouse.Index(fields=["a"], name="a_set", type=clickhouse.Set(10), granularity=2)
    text, imports = MigrationWriter.serialize(index)
    exec("\n".join([*sorted(imports), f"value = {text}"]), namespace)
    assert namespace["value"] == index
    assert namespace["value"] != index.clone().__class__(
        fields=["a"], name="a_set", type=clickhouse.Set(11), granularity=2
    )


# -- data-skipping indexes --------------------------------------------------------------


def test_index_arguments_are_checked():
    with pytest.raises(ValueError, match="needs a name"):
        clickhouse.Index(fields=["a"], type=clickhouse.MinMax())
    with pytest.raises(TypeError, match="needs type=MinMax"):
        clickhouse.Index(fields=["a"], name="a")
    with pytest.raises(ValueError, match="granularity must be a positive int"):
        clickhouse.Index(fields=["a"], name="a", type=clickhouse.MinMax(), granularity=0)
    with pytest.raises(ValueError, match="no ordering"):
        clickhouse.Index(fields=["-a"], name="a", type=clickhouse.MinMax())
    with pytest.raises(ValueError, match="at least 0"):
        clickhouse.Set(-1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        clickhouse.BloomFilter(1.5)
    with pytest.raises(TypeError, match="must be of type int"):
        clickhouse.TokenbfV1("512", 3, 0)


def test_every_index_type_is_created(clickhouse_db, tables):
    text = model(
        "Text",
        {"body": models.TextField(), "size": models.IntegerField()},
        indexes=[
            clickhouse.Index(fields=["size"], name="i_minmax", type=clickhouse.MinMax()),
            clickhouse.Index(fields=["size"], name="i_set", type=clickhouse.Set(0)),
            clickhouse.Index(fields=["body"], name="i_bloom", type=clickhouse.BloomFilter()),
            clickhouse.Index(
                fields=["body"], name="i_ngram", type=clickhouse.NgrambfV1(3, 256, 2, 7)
            ),
            clickhouse.Index(
                fields=["body"], name="i_token", type=clickhouse.TokenbfV1(256, 2, 0)
            ),
        ],
    )
    tables(text)
    assert {
        name: type_full
        for name, (type_full, _, _) in skip_indexes(clickhouse_db, "engine_tests_text").items()
    } == {
        "i_minmax": "minmax",
        "i_set": "set(0)",
        "i_bloom": "bloom_filter",
        "i_ngram": "ngrambf_v1(3, 256, 2, 7)",
        "i_token": "tokenbf_v1(256, 2, 0)",
    }


def apply(connection, operations, state, app_label=APP):
    """Run migration operations forwards from state, as migrate does; the new state."""
    with connection.schema_editor() as editor:
        for operation in operations:
            new_state = state.clone()
            operation.state_forwards(app_label, new_state)
            operation.database_forwards(app_label, editor, state, new_state)
            state = new_state
    return state


def test_add_and_remove_index_operations_cover_existing_rows(clickhouse_db, tables):
    """AddIndex adds and materializes the index over rows already there; RemoveIndex
    drops it; the models that migrations build from their state carry Meta.engine."""
    tables.made.add("engine_tests_metric")
    state = apply(
        clickhouse_db,
        [
            migrations.CreateModel(
                "Metric",
                [("id", models.BigAutoField(primary_key=True)), ("name", models.TextField())],
                options={"engine": clickhouse.MergeTree(order_by="name", index_granularity=64)},
            )
        ],
        ProjectState(),
    )
    assert table_engine(clickhouse_db, "engine_tests_metric")["sorting"] == "name"
    query(
        clickhouse_db,
        "INSERT INTO engine_tests_metric SELECT number, toString(number) FROM numbers(5000)",
    )
    index = clickhouse.Index(fields=["name"], name="name_bloom", type=clickhouse.BloomFilter())
    state = apply(clickhouse_db, [migrations.AddIndex("Metric", index)], state)
    ((bytes_on_disk,),) = query(
        clickhouse_db,
        "SELECT data_compressed_bytes FROM system.data_skipping_indices "
        "WHERE database = currentDatabase() AND table = 'engine_tests_metric'",
    )
    assert bytes_on_disk > 0  # materialized for the 5000 rows inserted before it
    apply(clickhouse_db, [migrations.RemoveIndex("Metric", "name_bloom")], state)
    assert skip_indexes(clickhouse_db, "engine_tests_metric") == {}


def test_a_plain_django_index_creates_nothing(clickhouse_db, tables):
    tagged = model(
        "Tagged",
        {"tag": models.CharField(max_length=5)},
        indexes=[models.Index(fields=["tag"], name="tag_idx")],
    )
    tables(tagged)
    with clickhouse_db.schema_editor(collect_sql=True) as editor:
        editor.add_index(tagged, tagged._meta.indexes[0])
        editor.remove_index(tagged, tagged._meta.indexes[0])
    assert editor.collected_sql == []
    assert skip_indexes(clickhouse_db, "engine_tests_tagged") == {}


# -- Meta.cluster -----------------------------------------------------------------------


def test_every_statement_of_a_clustered_model_runs_on_its_cluster(clickhouse_db):
    member = model("Member", {"name": models.CharField(max_length=5)})
    team = model(
        "Team",
        {
            "name": models.CharField(max_length=5),
            "members": models.ManyToManyField(member),
        },
        cluster='main "east"',
        db_table_comment="teams",
        indexes=[clickhouse.Index(fields=["name"], name="name_set", type=clickhouse.Set(5))],
    )
    size = models.IntegerField(default=0)
    size.set_attributes_from_name("size")
    wider = models.BigIntegerField(default=0)
    wider.set_attributes_from_name("size")
    check = models.CheckConstraint(condition=models.Q(name__gt=""), name="named")
    with clickhouse_db.schema_editor(collect_sql=True) as editor:
        editor.create_model(member)
        editor.create_model(team)
        editor.add_field(team, size)
        editor.alter_field(team, size, wider)
        editor.add_constraint(team, check)
        editor.remove_constraint(team, check)
        editor.remove_index(team, team._meta.indexes[0])
        editor.add_index(team, team._meta.indexes[0])
        editor.alter_db_table(team, "engine_tests_team", "teams")
        editor.remove_field(team, wider)
        editor.delete_model(team)
    statements = [sql for sql in editor.collected_sql if 'engine_tests_member"' not in sql]
    on_cluster = ' ON CLUSTER "main \\"east\\""'
    # add_field writes size's default into the rows and removes it: two statements more.
    assert len(statements) == 15
    for sql in statements:
        if sql.startswith("RENAME"):
            assert sql == f'RENAME TABLE "engine_tests_team" TO "teams"{on_cluster};'
        else:
            assert re.match(r'(CREATE|ALTER|DROP) TABLE "[^"]+"' + re.escape(on_cluster), sql)
    # The many-to-many table goes with its model; the unclustered model stays local.
    assert sum('"engine_tests_team_members"' in sql for sql in statements) == 2
    assert 'CREATE TABLE "engine_tests_member" (' in "\n".join(editor.collected_sql)


# -- system checks ----------------------------------------------------------------------


def check_ids(connection, model_):
    return [message.id for message in connection.validation.check_model(model_)]


def test_checks_on_engines_clusters_and_indexes(clickhouse_db):
    def checked(**options):
        return check_ids(
            clickhouse_db, model(f"M{next(names)}", {"a": models.IntegerField()}, **options)
        )

    names = iter(range(100))
    assert checked(engine=clickhouse.MergeTree(order_by="a")) == []
    assert checked(engine="MergeTree") == ["clickhouse_backend.E001"]
    assert checked(engine=clickhouse.MergeTree(order_by="missing")) == ["clickhouse_backend.E001"]
    assert checked(cluster=5) == ["clickhouse_backend.E001"]
    assert checked(
        indexes=[clickhouse.Index(fields=["missing"], name="m", type=clickhouse.MinMax())]
    ) == ["clickhouse_backend.E001"]
    assert checked(indexes=[models.Index(fields=["a"], name="plain")]) == [
        "clickhouse_backend.W004"
    ]
    message = clickhouse_db.validation.check_model(
        model("Wrong", {"a": models.IntegerField()}, engine=clickhouse.MergeTree(order_by="b"))
    )[0]
    assert "Meta.engine of engine_tests.Wrong" in message.msg and "'b'" in message.msg


def test_a_changed_engine_is_reported_not_ignored(clickhouse_db, tables):
    """Check (and migrate) warn when Meta.engine and the table differ and no migration
    changes it, and stay quiet when they agree, however either is spelt."""
    kept = model(
        "Kept",
        {"a": models.IntegerField(), "b": models.IntegerField()},
        engine=clickhouse.MergeTree(order_by=("a", "b"), index_granularity=256),
    )
    tables(kept)

    def declared(engine):
        fields = {"a": models.IntegerField(), "b": models.IntegerField()}
        return model("Declared", fields, engine=engine, db_table="engine_tests_kept")

    same = declared(clickhouse.MergeTree(order_by=["a", models.F("b")], index_granularity=256))
    assert clickhouse_db.validation.check_tables_match([kept, same]) == []
    for changed in [
        clickhouse.MergeTree(order_by="a", index_granularity=256),
        clickhouse.ReplacingMergeTree(order_by=("a", "b"), index_granularity=256),
        clickhouse.MergeTree(order_by=("a", "b"), index_granularity=128),
        clickhouse.MergeTree(order_by=("a", "b"), partition_by="a", index_granularity=256),
    ]:
        (warning,) = clickhouse_db.validation.check_tables_match([declared(changed)])
        assert warning.id == "clickhouse_backend.W005"
        assert warning.msg.endswith("and no migration changes it.")


# -- migrations of testapp --------------------------------------------------------------

migrated = pytest.mark.django_db(databases=["clickhouse"], transaction=True)
# The autodetector writes a first migration for apps that have none.
NEW_APPS = MigrationQuestioner(defaults={"ask_initial": True})


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db(databases=["default", "clickhouse"], transaction=True)
def test_makemigrations_writes_the_engine_and_a_second_run_changes_nothing():
    from django.db.migrations.loader import MigrationLoader
    from testapp.models import Reading, Visit

    assert "No changes detected" in run("makemigrations", "testapp", "--check", "--dry-run")
    loader = MigrationLoader(None)
    state = loader.project_state(("testapp", "0003_engines"))
    assert state.models["testapp", "reading"].options["engine"] == Reading._meta.engine
    assert state.models["testapp", "visit"].options["engine"] == Visit._meta.engine
    # A new model gets a CreateModel carrying its engine and indexes.
    fresh = model(
        "Fresh",
        {"a": models.IntegerField()},
        engine=clickhouse.ReplacingMergeTree(order_by="a"),
        indexes=[clickhouse.Index(fields=["a"], name="a_mm", type=clickhouse.MinMax())],
    )
    changes = MigrationAutodetector(
        ProjectState(),
        ProjectState(real_apps=set(), models={(APP, "fresh"): ModelState.from_model(fresh)}),
        questioner=NEW_APPS,
    ).changes(graph=loader.graph)
    (create,) = changes[APP][0].operations
    assert create.options["engine"] == fresh._meta.engine
    assert create.options["indexes"] == fresh._meta.indexes
    written = MigrationWriter(changes[APP][0]).as_string()
    assert "clickhouse_backend.models.ReplacingMergeTree(order_by='a')" in written


DEFAULTS = "enable_block_number_column = 1, enable_block_offset_column = 1, "


@migrated
def test_migrate_creates_engines_and_unapplies_them():
    connection = connections["clickhouse"]
    reading = table_engine(connection, "testapp_reading")
    assert reading["full"] == (
        "ReplacingMergeTree(version) PARTITION BY toYYYYMM(timestamp) "
        "ORDER BY (sensor, timestamp) SETTINGS enable_block_number_column = 1, "
        "enable_block_offset_column = 1, index_granularity = 1024"
    )
    assert table_engine(connection, "testapp_visit")["sampling"] == "intHash32(user_id)"
    assert skip_indexes(connection, "testapp_visit") == {
        "visit_url": ("tokenbf_v1(512, 3, 0)", "page", 1)
    }
    run("migrate", "testapp", "0002", database="clickhouse", verbosity=0)
    assert "testapp_reading" not in connection.introspection.table_names()
    run("migrate", "testapp", database="clickhouse", verbosity=0)
    assert table_engine(connection, "testapp_reading") == reading
    assert "No migrations to apply." in run("migrate", "testapp", database="clickhouse")


@migrated
def test_replacing_mergetree_through_the_orm():
    from testapp.models import Reading

    moment = datetime.datetime(2024, 3, 1, 12, tzinfo=UTC)
    Reading.objects.create(sensor="s1", timestamp=moment, value=1.0, version=1)
    Reading.objects.create(sensor="s1", timestamp=moment, value=2.5, version=2)
    assert Reading.objects.count() == 2  # until parts merge
    connection = connections["clickhouse"]
    assert query(connection, "SELECT value FROM testapp_reading FINAL") == [(2.5,)]


@migrated
def test_the_database_checks_pass_for_the_migrated_models():
    """check --database clickhouse (what migrate runs first): the engines match the
    tables, and indexes on expressions raise no warning."""
    output = run("check", databases=["clickhouse"])
    assert "System check identified no issues" in output


@migrated
def test_migrate_warns_that_a_changed_engine_is_not_applied(monkeypatch):
    from testapp.models import Reading

    changed = clickhouse.MergeTree(order_by="sensor")
    monkeypatch.setattr(Reading._meta, "engine", changed)
    errors = io.StringIO()
    output = run("migrate", "testapp", database="clickhouse", stderr=errors, skip_checks=False)
    assert "No migrations to apply." in output
    assert "testapp.Reading: (clickhouse_backend.W005) Table testapp_reading has" in (
        errors.getvalue()
    )
    assert table_engine(connections["clickhouse"], "testapp_reading")["engine"] == (
        "ReplacingMergeTree"
    )


# -- inspectdb --------------------------------------------------------------------------


@migrated
def test_inspectdb_writes_models_that_recreate_the_tables():
    """inspectdb prints ClickhouseModel classes whose Meta.engine and Meta.indexes, once
    migrated under new table names, give tables identical to the originals."""
    connection = connections["clickhouse"]
    query(connection, 'CREATE TABLE "log table" ("id" Int64, "line" String) ENGINE = Log')
    query(connection, "CREATE TABLE noise (id Int64) ENGINE = GenerateRandom(1, 5, 3)")
    query(
        connection,
        "CREATE TABLE mixed (id UInt64, at DateTime, `odd name` String, "
        "INDEX pair (id, `odd name`) TYPE minmax GRANULARITY 2, "
        "INDEX shifted id + 1 TYPE set(3) GRANULARITY 1, "
        "INDEX hashed (cityHash64(id), lower(`odd name`)) TYPE set(100) GRANULARITY 1) "
        "ENGINE = MergeTree PARTITION BY (toYYYYMM(at), id %% 4) ORDER BY (at, `odd name`) "
        "SETTINGS index_granularity = 128",
    )
    source = run(
        "inspectdb",
        "testapp_reading",
        "testapp_visit",
        "mixed",
        "log table",
        "noise",
        database="clickhouse",
    )
    assert "import clickhouse_backend.models\n" in source
    assert "class TestappReading(clickhouse_backend.models.ClickhouseModel):" in source
    assert (
        "engine = clickhouse_backend.models.ReplacingMergeTree('version', "
        "order_by=('sensor', 'timestamp'), "
        "partition_by=models.Func('timestamp', function='toYYYYMM'), index_granularity=1024)"
    ) in source
    assert "engine = clickhouse_backend.models.Log()" in source
    assert (
        "# engine: GenerateRandom(1, 5, 3) (clickhouse_backend.models has no class for it yet)"
    ) in source
    inspected = Apps()
    source = source.replace(
        "        managed = False", "        app_label = 'inspected'\n        apps = APPS"
    )
    source = re.sub(r"db_table = '([^']+)'", r"db_table = 'copy_\1'", source)
    namespace = {"APPS": inspected, "__name__": "inspected.models"}
    exec(compile(source, "inspected", "exec"), namespace)
    copies = ["testapp_reading", "testapp_visit", "mixed", "log table"]
    printed = {
        ("inspected", name): ModelState.from_model(model_)
        for name, model_ in inspected.all_models["inspected"].items()
    }
    changes = MigrationAutodetector(
        ProjectState(), ProjectState(models=printed), questioner=NEW_APPS
    ).changes(graph=MigrationGraph())
    try:
        apply(connection, changes["inspected"][0].operations, ProjectState(), "inspected")
        for table in copies:
            # A table made by raw SQL lacks the settings a new MergeTree gets by default.
            copy = table_engine(connection, f"copy_{table}")
            original = table_engine(connection, table)
            if DEFAULTS not in original["full"]:
                copy["full"] = copy["full"].replace(DEFAULTS, "")
            assert copy == original
            assert skip_indexes(connection, f"copy_{table}") == skip_indexes(connection, table)
    finally:
        for table in ["mixed", "log table", "noise"]:
            query(connection, f'DROP TABLE "{table}"')
        for table in [*copies, "noise"]:
            query(connection, f'DROP TABLE IF EXISTS "copy_{table}"')

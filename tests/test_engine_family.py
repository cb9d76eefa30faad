"""Every table engine: the DDL it writes, with and without Meta.cluster, as ClickHouse's
documented syntax spells it and as ClickHouse's own parser reads it; on the embedded
engine, a table of each engine that can exist there created, written and read; and each
engine carried through makemigrations, inspectdb and the engine checks."""

import importlib
import io
import re
import sys
from typing import NamedTuple

import pytest
from django.apps.registry import Apps
from django.core.management import call_command
from django.db import connections, models
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.graph import MigrationGraph
from django.db.migrations.state import ModelState, ProjectState
from django.db.migrations.writer import MigrationWriter
from django.db.models import Func, Value
from django.utils import timezone
from test_engines import NEW_APPS, apply, query, table_engine
from testapp import routers

from clickhouse_backend import models as clickhouse
from clickhouse_backend.backend.introspection import TableEngine
from clickhouse_backend.backend.sqltext import engine_call
from clickhouse_backend.backend.validation import _same_engine
from clickhouse_backend.driver.escape import quote_string
from clickhouse_backend.management.commands.inspectdb import _Source

APPS = Apps()
APP = "engine_family"
CURRENT_DATABASE = Func(function="currentDatabase")
RAND = Func(function="rand")


class Case(NamedTuple):
    """One engine: what the schema editor writes after ``ENGINE =``, and what
    system.tables reports once the embedded engine created it (None where it cannot:
    Replicated, Distributed and Graphite tables need a server's configuration).
    ``{db}`` stands for the current database, which ClickHouse writes for
    ``currentDatabase()``."""

    name: str
    engine: clickhouse.Engine
    ddl: str
    stored: str | None


CASES = [
    Case(
        "MergeTree",
        clickhouse.MergeTree(
            primary_key="moment",
            order_by=("moment", "id"),
            partition_by=Func("moment", function="toYYYYMMDD"),
            index_granularity=1024,
            index_granularity_bytes=1 << 20,
            enable_mixed_granularity_parts=1,
        ),
        'MergeTree ORDER BY ("moment", "id") PARTITION BY toYYYYMMDD("moment") '
        'PRIMARY KEY "moment" SETTINGS index_granularity = 1024, '
        "index_granularity_bytes = 1048576, enable_mixed_granularity_parts = 1",
        "MergeTree PARTITION BY toYYYYMMDD(moment) PRIMARY KEY moment ORDER BY (moment, id) "
        "SETTINGS index_granularity = 1024, index_granularity_bytes = 1048576, "
        "enable_mixed_granularity_parts = 1",
    ),
    Case(
        "SampledMergeTree",
        clickhouse.MergeTree(
            order_by=("key", Func("id", function="intHash32")),
            sample_by=Func("id", function="intHash32"),
            ttl="moment + INTERVAL 1 YEAR",
        ),
        'MergeTree ORDER BY ("key", intHash32("id")) SAMPLE BY intHash32("id") '
        "TTL moment + INTERVAL 1 YEAR",
        "MergeTree ORDER BY (key, intHash32(id)) SAMPLE BY intHash32(id) "
        "TTL moment + toIntervalYear(1) SETTINGS index_granularity = 8192",
    ),
    Case(
        "KeyedMergeTree",
        clickhouse.MergeTree(primary_key=("key", "moment")),
        'MergeTree ORDER BY ("key", "moment") PRIMARY KEY ("key", "moment")',
        "MergeTree PRIMARY KEY (key, moment) ORDER BY (key, moment) "
        "SETTINGS index_granularity = 8192",
    ),
    Case(
        "ReplacingMergeTree",
        clickhouse.ReplacingMergeTree(
            "version", order_by="key", ttl=Func("moment", 30, function="addDays")
        ),
        'ReplacingMergeTree("version") ORDER BY "key" TTL addDays("moment", 30)',
        "ReplacingMergeTree(version) ORDER BY key TTL addDays(moment, 30) "
        "SETTINGS index_granularity = 8192",
    ),
    Case(
        "SummingMergeTree",
        clickhouse.SummingMergeTree(["amount", "version"], order_by="key"),
        'SummingMergeTree(("amount", "version")) ORDER BY "key"',
        "SummingMergeTree((amount, version)) ORDER BY key SETTINGS index_granularity = 8192",
    ),
    Case(
        "AggregatingMergeTree",
        clickhouse.AggregatingMergeTree(
            order_by="key", partition_by=Func("moment", function="toYYYYMM")
        ),
        'AggregatingMergeTree ORDER BY "key" PARTITION BY toYYYYMM("moment")',
        "AggregatingMergeTree PARTITION BY toYYYYMM(moment) ORDER BY key "
        "SETTINGS index_granularity = 8192",
    ),
    Case(
        "CollapsingMergeTree",
        clickhouse.CollapsingMergeTree("sign", order_by="key"),
        'CollapsingMergeTree("sign") ORDER BY "key"',
        "CollapsingMergeTree(sign) ORDER BY key SETTINGS index_granularity = 8192",
    ),
    Case(
        "VersionedCollapsingMergeTree",
        clickhouse.VersionedCollapsingMergeTree("sign", "version", order_by="key"),
        'VersionedCollapsingMergeTree("sign", "version") ORDER BY "key"',
        "VersionedCollapsingMergeTree(sign, version) ORDER BY key "
        "SETTINGS index_granularity = 8192",
    ),
    Case(
        "GraphiteMergeTree",
        clickhouse.GraphiteMergeTree("graphite_rollup", order_by="key"),
        "GraphiteMergeTree('graphite_rollup') ORDER BY \"key\"",
        None,
    ),
    Case(
        "ReplicatedMergeTree",
        clickhouse.ReplicatedMergeTree(
            "/clickhouse/tables/{uuid}/{shard}", "{replica}", order_by="id"
        ),
        "ReplicatedMergeTree('/clickhouse/tables/{uuid}/{shard}', '{replica}') ORDER BY \"id\"",
        None,
    ),
    Case(
        "ReplicatedReplacingMergeTree",
        clickhouse.ReplicatedReplacingMergeTree(other_parameters=("version",), order_by="key"),
        'ReplicatedReplacingMergeTree("version") ORDER BY "key"',
        None,
    ),
    Case(
        "ReplicatedSummingMergeTree",
        clickhouse.ReplicatedSummingMergeTree(
            "/clickhouse/tables/{shard}/sums", "{replica}", "amount", order_by="key"
        ),
        "ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/sums', '{replica}', "
        '"amount") ORDER BY "key"',
        None,
    ),
    Case(
        "ReplicatedAggregatingMergeTree",
        clickhouse.ReplicatedAggregatingMergeTree(order_by="key", ttl="moment + INTERVAL 1 MONTH"),
        'ReplicatedAggregatingMergeTree ORDER BY "key" TTL moment + INTERVAL 1 MONTH',
        None,
    ),
    Case(
        "ReplicatedCollapsingMergeTree",
        clickhouse.ReplicatedCollapsingMergeTree(
            sign="sign", order_by="key", index_granularity=2048
        ),
        'ReplicatedCollapsingMergeTree("sign") ORDER BY "key" SETTINGS index_granularity = 2048',
        None,
    ),
    Case(
        "ReplicatedVersionedCollapsingMergeTree",
        clickhouse.ReplicatedVersionedCollapsingMergeTree(
            "/clickhouse/tables/{shard}/{database}/{table}",
            "{replica}",
            "sign",
            "version",
            order_by="key",
        ),
        "ReplicatedVersionedCollapsingMergeTree('/clickhouse/tables/{shard}/{database}/{table}',"
        ' \'{replica}\', "sign", "version") ORDER BY "key"',
        None,
    ),
    Case(
        "ReplicatedGraphiteMergeTree",
        clickhouse.ReplicatedGraphiteMergeTree(
            "/clickhouse/tables/{shard}/graphite", "{replica}", "graphite_rollup", order_by="key"
        ),
        "ReplicatedGraphiteMergeTree('/clickhouse/tables/{shard}/graphite', '{replica}', "
        "'graphite_rollup') ORDER BY \"key\"",
        None,
    ),
    Case(
        "Distributed",
        clickhouse.Distributed("cluster", CURRENT_DATABASE, "engine_family_mergetree", RAND),
        "Distributed('cluster', currentDatabase(), 'engine_family_mergetree', rand())",
        None,
    ),
    Case(
        "DistributedByKey",
        clickhouse.Distributed(
            "main", "analytics", "events", "id", "hot_and_cold", fsync_after_insert=1
        ),
        "Distributed('main', 'analytics', 'events', \"id\", 'hot_and_cold') "
        "SETTINGS fsync_after_insert = 1",
        None,
    ),
    Case(
        "Buffer",
        clickhouse.Buffer(
            CURRENT_DATABASE, "engine_family_mergetree", 1, 100, 100, 1000, 1000, 10**6, 10**6
        ),
        "Buffer(currentDatabase(), 'engine_family_mergetree', "
        "1, 100, 100, 1000, 1000, 1000000, 1000000)",
        "Buffer('{db}', 'engine_family_mergetree', 1, 100, 100, 1000, 1000, 1000000, 1000000)",
    ),
    Case(
        "BufferFlushing",
        clickhouse.Buffer(
            "analytics", "events", 16, 10, 100, 10**4, 10**6, 10**7, 10**8, 5, 1000, 10**6
        ),
        "Buffer('analytics', 'events', 16, 10, 100, 10000, 1000000, 10000000, 100000000, "
        "5, 1000, 1000000)",
        "Buffer('analytics', 'events', 16, 10, 100, 10000, 1000000, 10000000, 100000000, "
        "5, 1000, 1000000)",
    ),
    Case(
        "Merge",
        clickhouse.Merge(CURRENT_DATABASE, "^engine_family_"),
        "Merge(currentDatabase(), '^engine_family_')",
        "Merge('{db}', '^engine_family_')",
    ),
    Case(
        "MergeByRegexp",
        clickhouse.Merge(Func(Value("^engine_"), function="REGEXP"), "^t"),
        "Merge(REGEXP('^engine_'), '^t')",
        "Merge(REGEXP('^engine_'), '^t')",
    ),
    Case(
        "Join",
        clickhouse.Join("any", "left", "key"),
        'Join(ANY, LEFT, "key")',
        "Join(ANY, LEFT, key)",
    ),
    Case(
        "JoinAll",
        clickhouse.Join("ALL", "INNER", "key", "id", join_use_nulls=1),
        'Join(ALL, INNER, "key", "id") SETTINGS join_use_nulls = 1',
        "Join(`ALL`, INNER, key, id) SETTINGS join_use_nulls = 1",
    ),
    Case(
        "SetEngine",
        clickhouse.SetEngine(persistent=0),
        "Set SETTINGS persistent = 0",
        "Set SETTINGS persistent = 0",
    ),
    Case(
        "Memory",
        clickhouse.Memory(min_rows_to_keep=10, max_rows_to_keep=100),
        "Memory SETTINGS min_rows_to_keep = 10, max_rows_to_keep = 100",
        "Memory SETTINGS min_rows_to_keep = 10, max_rows_to_keep = 100",
    ),
    Case("Null", clickhouse.Null(), "Null", "`Null`"),
    Case("Log", clickhouse.Log(), "Log", "Log"),
    Case("TinyLog", clickhouse.TinyLog(), "TinyLog", "TinyLog"),
    Case("StripeLog", clickhouse.StripeLog(), "StripeLog", "StripeLog"),
]
RUNNABLE = [case for case in CASES if case.stored is not None]


def created(engine: clickhouse.Engine, clause: str) -> str:
    """An engine clause as a new table has it: the engine's default settings (what
    lightweight updates need) before the settings Meta.engine gives."""
    if not engine.default_settings:
        return clause
    defaults = ", ".join(f"{name} = {value}" for name, value in engine.default_settings.items())
    head, has_settings, settings = clause.partition(" SETTINGS ")
    return f"{head} SETTINGS {defaults}" + (f", {settings}" if has_settings else "")


# The columns every case's model has, as ClickHouse's CREATE TABLE writes them.
COLUMNS = (
    '"id" Int64 NOT NULL, "key" String NOT NULL, "moment" DateTime64(6, \'UTC\') NOT NULL, '
    '"amount" Int32 NOT NULL, "sign" Int8 NOT NULL, "version" UInt32 NOT NULL'
)


def row_fields() -> dict[str, models.Field]:
    return {
        "key": models.CharField(max_length=10),
        "moment": models.DateTimeField(),
        "amount": models.IntegerField(),
        "sign": clickhouse.Int8Field(),
        "version": models.PositiveIntegerField(),
    }


def engine_model(case: Case, apps: Apps = APPS, module: str = __name__, **meta):
    """A model of the case's engine, whose table is engine_family_<name>."""
    apps.all_models[APP].pop(case.name.lower(), None)
    options = {"app_label": APP, "apps": apps, "engine": case.engine, **meta}
    attrs = {"__module__": module, "Meta": type("Meta", (), options), **row_fields()}
    return type(case.name, (clickhouse.ClickhouseModel,), attrs)


def table_of(case: Case) -> str:
    return f"{APP}_{case.name.lower()}"


@pytest.fixture(autouse=True)
def routed_to_clickhouse(monkeypatch):
    """The ORM sends this module's models to ClickHouse, as testapp's."""
    apps = {*routers.CLICKHOUSE_APPS, APP, "engine_zoo", "inspected"}
    monkeypatch.setattr(routers, "CLICKHOUSE_APPS", apps)


@pytest.fixture
def create(clickhouse_db):
    """Creates the tables of models; every table made is dropped after the test."""
    made = []

    def create_tables(*models_):
        with clickhouse_db.schema_editor() as editor:
            for model_ in models_:
                editor.create_model(model_)
                made.append(model_._meta.db_table)

    create_tables.made = made
    yield create_tables
    with clickhouse_db.cursor() as cursor:
        for table in reversed(made):
            cursor.execute(f"DROP TABLE IF EXISTS {clickhouse_db.ops.quote_name(table)}")


def current_database(connection) -> str:
    ((name,),) = query(connection, "SELECT currentDatabase()")
    return name


# -- DDL --------------------------------------------------------------------------------


@pytest.mark.parametrize("cluster", [None, "main"], ids=["local", "on_cluster"])
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_ddl_statement_matches_its_snapshot_and_clickhouse_parses_it(
    clickhouse_db, case, cluster
):
    """CREATE and DROP of each engine's table as the documented syntax has them, and
    the embedded engine's parser (formatQuery) reads each one."""
    engine_table = engine_model(case, cluster=cluster)
    with clickhouse_db.schema_editor(collect_sql=True) as editor:
        editor.create_model(engine_table)
        editor.delete_model(engine_table)
    on_cluster = ' ON CLUSTER "main"' if cluster else ""
    table = f'"{table_of(case)}"'
    assert editor.collected_sql == [
        f"CREATE TABLE {table}{on_cluster} ({COLUMNS}) ENGINE = {created(case.engine, case.ddl)};",
        f"DROP TABLE {table}{on_cluster};",
    ]
    for statement in editor.collected_sql:
        ((formatted,),) = query(clickhouse_db, "SELECT formatQuery(%s)", [statement])
        assert formatted.startswith(("CREATE TABLE", "DROP TABLE"))


@pytest.mark.parametrize("case", RUNNABLE, ids=[case.name for case in RUNNABLE])
def test_each_engine_the_embedded_engine_can_hold_is_created_and_dropped(
    clickhouse_db, create, case
):
    """The snapshot's statements run: the table ClickHouse made is the one written."""
    engine_table = engine_model(case)
    create(engine_table)
    stored = table_engine(clickhouse_db, table_of(case))
    assert stored["full"] == created(case.engine, case.stored).replace(
        "{db}", current_database(clickhouse_db)
    )
    assert stored["engine"] == case.engine.name
    with clickhouse_db.schema_editor() as editor:
        editor.delete_model(engine_table)
    assert table_of(case) not in clickhouse_db.introspection.table_names()


# -- data in each engine --------------------------------------------------------------


def case_named(name: str) -> Case:
    return next(case for case in CASES if case.name == name)


def rows(model_, *values):
    """Saves rows of (key, amount, sign, version) through the ORM."""
    moment = timezone.now()
    model_.objects.bulk_create(
        model_(key=key, moment=moment, amount=amount, sign=sign, version=version)
        for key, amount, sign, version in values
    )


def merged(connection, model_) -> None:
    """Merges every part now, as ClickHouse would in the background."""
    query(connection, f'OPTIMIZE TABLE "{model_._meta.db_table}" FINAL')


def test_summing_aggregating_and_collapsing_engines_merge_rows(clickhouse_db, create):
    summing, aggregating, collapsing, versioned = (
        engine_model(case_named(name))
        for name in (
            "SummingMergeTree",
            "AggregatingMergeTree",
            "CollapsingMergeTree",
            "VersionedCollapsingMergeTree",
        )
    )
    create(summing, aggregating, collapsing, versioned)
    rows(summing, ("a", 1, 1, 10), ("a", 2, 1, 20), ("b", 5, 1, 1))
    rows(aggregating, ("a", 1, 1, 1), ("a", 2, 1, 1), ("b", 5, 1, 1))
    rows(collapsing, ("a", 1, 1, 1), ("a", 1, -1, 1), ("b", 5, 1, 1))
    rows(versioned, ("a", 1, 1, 1), ("a", 1, -1, 1), ("a", 2, 1, 2), ("b", 5, 1, 1))
    for model_ in (summing, aggregating, collapsing, versioned):
        merged(clickhouse_db, model_)
    assert list(summing.objects.order_by("key").values_list("key", "amount", "version")) == [
        ("a", 3, 30),
        ("b", 5, 1),
    ]
    assert list(aggregating.objects.order_by("key").values_list("key", flat=True)) == ["a", "b"]
    assert list(collapsing.objects.values_list("key", flat=True)) == ["b"]
    assert list(versioned.objects.order_by("key").values_list("key", "amount")) == [
        ("a", 2),
        ("b", 5),
    ]


@pytest.mark.parametrize("name", ["Log", "TinyLog", "StripeLog", "Memory", "MergeTree"])
def test_log_memory_and_mergetree_tables_keep_what_is_written(clickhouse_db, create, name):
    kept = engine_model(case_named(name))
    create(kept)
    rows(kept, ("a", 1, 1, 1), ("b", 2, 1, 1), ("c", 3, -1, 1))
    assert list(kept.objects.order_by("amount").values_list("key", "amount")) == [
        ("a", 1),
        ("b", 2),
        ("c", 3),
    ]
    assert kept.objects.filter(sign=-1).count() == 1


def test_a_null_table_discards_writes(clickhouse_db, create):
    discarding = engine_model(case_named("Null"))
    create(discarding)
    rows(discarding, ("a", 1, 1, 1))
    assert discarding.objects.count() == 0


def test_a_buffer_holds_rows_until_it_flushes_them_to_its_table(clickhouse_db, create):
    destination = engine_model(case_named("MergeTree"))
    buffer = engine_model(case_named("Buffer"))
    create(destination, buffer)
    rows(buffer, ("a", 1, 1, 1), ("b", 2, 1, 1))
    assert (buffer.objects.count(), destination.objects.count()) == (2, 0)
    query(clickhouse_db, f'OPTIMIZE TABLE "{table_of(case_named("Buffer"))}"')  # flushes
    assert sorted(destination.objects.values_list("key", flat=True)) == ["a", "b"]


def test_a_merge_table_reads_every_table_its_regexp_names(clickhouse_db, create):
    first = engine_model(case_named("MergeTree"))
    second = engine_model(case_named("SampledMergeTree"))
    union = engine_model(case_named("Merge"))
    create(first, second, union)
    rows(first, ("a", 1, 1, 1))
    rows(second, ("b", 2, 1, 1), ("c", 3, 1, 1))
    assert sorted(union.objects.values_list("key", flat=True)) == ["a", "b", "c"]


def test_a_set_table_answers_in(clickhouse_db, create):
    """A Set table is written like any other and read only on the right of IN."""
    members = type(
        "Members",
        (clickhouse.ClickhouseModel,),
        {
            "__module__": __name__,
            "Meta": type(
                "Meta", (), {"app_label": APP, "apps": Apps(), "engine": clickhouse.SetEngine()}
            ),
            "key": models.CharField(max_length=10, primary_key=True),
        },
    )
    create(members)
    members.objects.bulk_create([members(key="a"), members(key="b")])
    assert query(
        clickhouse_db, "SELECT 'a' IN engine_family_members, 'z' IN engine_family_members"
    ) == [(1, 0)]


def test_a_join_table_serves_joinget(clickhouse_db, create):
    prepared = engine_model(case_named("Join"))
    create(prepared)
    rows(prepared, ("a", 7, 1, 1), ("b", 8, 1, 1))
    assert query(clickhouse_db, "SELECT joinGet('engine_family_join', 'amount', 'b')") == [(8,)]
    assert sorted(prepared.objects.values_list("key", "amount")) == [("a", 7), ("b", 8)]


# -- arguments --------------------------------------------------------------------------


def test_engine_arguments_are_checked():
    column = models.F("key")
    with pytest.raises(ValueError, match="both zoo_path and replica, or neither"):
        clickhouse.ReplicatedMergeTree("/clickhouse/tables/{shard}/t")
    with pytest.raises(TypeError, match="zoo_path must be a str"):
        clickhouse.ReplicatedMergeTree(CURRENT_DATABASE, "{replica}")
    with pytest.raises(TypeError):
        clickhouse.ReplicatedMergeTree("/p", "r", "extra")  # MergeTree takes no arguments
    with pytest.raises(TypeError, match="config_section must be a str"):
        clickhouse.GraphiteMergeTree(column)
    with pytest.raises(ValueError, match="sums nothing"):
        clickhouse.SummingMergeTree(())
    with pytest.raises(TypeError, match="sign takes field names"):
        clickhouse.CollapsingMergeTree(1)
    with pytest.raises(ValueError, match="needs sharding_key"):
        clickhouse.Distributed("c", "d", "t", policy_name="p")
    with pytest.raises(TypeError, match="cluster takes a str or a Django expression"):
        clickhouse.Distributed(1, "d", "t")
    with pytest.raises(ValueError, match="num_layers must be at least 1"):
        clickhouse.Buffer("d", "t", 0, 1, 1, 1, 1, 1, 1)
    with pytest.raises(TypeError, match="max_rows must be an int"):
        clickhouse.Buffer("d", "t", 1, 1, 1, 1, "1", 1, 1)
    with pytest.raises(ValueError, match="go in this order"):
        clickhouse.Buffer("d", "t", 1, 1, 1, 1, 1, 1, 1, flush_rows=5)
    with pytest.raises(TypeError, match="table_regexp must be a str"):
        clickhouse.Merge("d", column)
    with pytest.raises(ValueError, match="strictness must be one of ANY, ALL, SEMI, ANTI"):
        clickhouse.Join("ASOF", "LEFT", "key")
    with pytest.raises(ValueError, match="join_type must be one of"):
        clickhouse.Join("ANY", "CROSS", "key")
    with pytest.raises(TypeError, match="at least one key"):
        clickhouse.Join("ANY", "LEFT")
    with pytest.raises(TypeError, match="ttl takes SQL text or a Django expression"):
        clickhouse.MergeTree(ttl=30)
    with pytest.raises(TypeError):
        clickhouse.Log("positional")


def test_literal_arguments_cannot_carry_sql(clickhouse_db):
    """Names, paths and regexps are string literals, whatever they hold (ClickHouse's
    parser reads one CREATE statement with the text inside them); Join's words come from
    a closed list."""
    hostile = "x'); DROP TABLE t; --"
    engines = [
        clickhouse.ReplicatedMergeTree(hostile, hostile),
        clickhouse.Distributed(hostile, hostile, hostile, "id", hostile),
        clickhouse.Merge(hostile, hostile),
        clickhouse.GraphiteMergeTree(hostile),
        clickhouse.Buffer(hostile, hostile, 1, 1, 1, 1, 1, 1, 1),
    ]
    for engine in engines:
        with clickhouse_db.schema_editor(collect_sql=True) as editor:
            clause = editor.engine_sql(engine_model(Case("Hostile", engine, "", None)))
        statement = f"CREATE TABLE t (id Int8) ENGINE = {clause}"
        ((formatted,),) = query(clickhouse_db, "SELECT formatQuerySingleLine(%s)", [statement])
        _, arguments, _ = engine_call(formatted.partition(" ENGINE = ")[2])
        assert quote_string(hostile) in arguments
        assert all(a == quote_string(hostile) for a in arguments if "DROP" in a)


def test_ttl_text_is_written_as_given(clickhouse_db, create):
    """TTL text is SQL: a % in it reaches ClickHouse as it was written."""
    case = Case("Expiring", clickhouse.MergeTree(ttl="moment + toIntervalDay(id % 3)"), "", "")
    create(engine_model(case))
    assert table_engine(clickhouse_db, "engine_family_expiring")["full"] == (
        "MergeTree ORDER BY id TTL moment + toIntervalDay(id % 3) SETTINGS "
        "enable_block_number_column = 1, enable_block_offset_column = 1, "
        "index_granularity = 8192"
    )


def test_engine_arguments_must_name_fields_of_the_model(clickhouse_db):
    """An argument naming no field is the model check's error E001, with the model's name."""
    for engine in [
        clickhouse.CollapsingMergeTree("missing"),
        clickhouse.SummingMergeTree(["amount", "missing"]),
        clickhouse.Join("ANY", "LEFT", "missing"),
        clickhouse.Distributed("c", "d", "t", "missing"),
        clickhouse.MergeTree(ttl=Func("missing", 1, function="addDays")),
    ]:
        (error,) = clickhouse_db.validation.check_model(
            engine_model(Case("Wrong", engine, "", None))
        )
        assert error.id == "clickhouse_backend.E001"
        assert "Meta.engine of engine_family.Wrong" in error.msg and "missing" in error.msg


def test_a_misspelt_table_setting_is_the_check_error_e003_with_the_right_name(clickhouse_db):
    """ClickHouse would refuse it only when migrate runs the migration, with a bare
    "Unknown setting"; the check names the model and the setting it meant."""
    wrong = engine_model(
        Case("Misspelt", clickhouse.MergeTree(merge_with_ttl_timout=600), "", None)
    )
    right = engine_model(Case("Spelt", clickhouse.MergeTree(merge_with_ttl_timeout=600), "", None))
    (error,) = clickhouse_db.validation.check_settings([wrong, right])
    assert error.id == "clickhouse_backend.E003"
    assert error.obj is wrong
    assert error.msg == (
        "Meta.engine of engine_family.Misspelt: merge_with_ttl_timout is not a table "
        "setting of ClickHouse's MergeTree engines (did you mean merge_with_ttl_timeout?)."
    )


def test_replicated_engines_take_django_clickhouse_backends_spellings():
    """Path and replica positionally then the engine's own arguments, by keyword, or as
    other_parameters: one engine."""
    spellings = [
        clickhouse.ReplicatedReplacingMergeTree("/p/{shard}", "{replica}", "version", "sign"),
        clickhouse.ReplicatedReplacingMergeTree(
            "/p/{shard}", "{replica}", ver="version", is_deleted="sign"
        ),
        clickhouse.ReplicatedReplacingMergeTree(
            "/p/{shard}", "{replica}", other_parameters=("version", "sign")
        ),
    ]
    assert spellings[0] == spellings[1] == spellings[2]
    assert spellings[0] != clickhouse.ReplacingMergeTree("version", "sign")
    assert clickhouse.ReplicatedMergeTree() != clickhouse.ReplicatedMergeTree("/p", "r")


# -- migrations -------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_engine_deconstructs_to_its_public_name_and_back(case):
    path, _, _ = case.engine.deconstruct()
    assert path == f"clickhouse_backend.models.{type(case.engine).__name__}"
    text, imports = MigrationWriter.serialize(case.engine)
    namespace = {}
    exec("\n".join([*sorted(imports), f"value = {text}"]), namespace)
    assert namespace["value"] == case.engine
    assert hash(namespace["value"]) == hash(case.engine)


ZOO_MODELS = """
from test_engine_family import CASES, engine_model
from django.apps import apps

for case in CASES:
    globals()[case.name] = engine_model(case, apps, __name__)
"""


@pytest.mark.django_db(databases=["default", "clickhouse"], transaction=True)
def test_makemigrations_writes_every_engine_and_a_second_run_changes_nothing(
    tmp_path, monkeypatch, settings
):
    package = tmp_path / "engine_zoo"
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "migrations" / "__init__.py").write_text("")
    (package / "models.py").write_text(ZOO_MODELS)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys.modules[__name__], "APP", "engine_zoo")
    try:
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "engine_zoo"]
        out = io.StringIO()
        call_command("makemigrations", "engine_zoo", stdout=out)
        assert out.getvalue().count("+ Create model") == len(CASES)
        written = (package / "migrations" / "0001_initial.py").read_text()
        for case in CASES:
            assert f"clickhouse_backend.models.{type(case.engine).__name__}(" in written
        importlib.invalidate_caches()
        out = io.StringIO()
        call_command("makemigrations", "engine_zoo", "--check", "--dry-run", stdout=out)
        assert "No changes detected" in out.getvalue()
    finally:
        for module in [name for name in sys.modules if name.startswith("engine_zoo")]:
            del sys.modules[module]


# -- inspectdb and the engine checks ----------------------------------------------------


def test_inspectdb_writes_engines_that_recreate_each_table(create):
    """For a table of each engine the embedded engine can hold, inspectdb's Meta.engine,
    migrated under another name, gives the same engine_full back."""
    connection = connections["clickhouse"]
    create(*(engine_model(case) for case in RUNNABLE))
    tables = [table_of(case) for case in RUNNABLE]
    out = io.StringIO()
    call_command("inspectdb", *tables, database="clickhouse", stdout=out)
    source = out.getvalue()
    assert "# engine:" not in source
    assert "engine = clickhouse_backend.models.SetEngine(persistent=0)" in source
    assert "engine = clickhouse_backend.models.Join('ANY', 'LEFT', 'key')" in source
    source = source.replace(
        "        managed = False", "        app_label = 'inspected'\n        apps = APPS"
    )
    source = re.sub(r"db_table = '([^']+)'", r"db_table = 'copy_\1'", source)
    inspected = Apps()
    namespace = {"APPS": inspected, "__name__": "inspected.models"}
    exec(compile(source, "inspected", "exec"), namespace)
    printed = {
        ("inspected", name): ModelState.from_model(model_)
        for name, model_ in inspected.all_models["inspected"].items()
    }
    changes = MigrationAutodetector(
        ProjectState(), ProjectState(models=printed), questioner=NEW_APPS
    ).changes(graph=MigrationGraph())
    create.made.extend(f"copy_{table}" for table in tables)
    apply(connection, changes["inspected"][0].operations, ProjectState(), "inspected")
    for table in tables:
        assert (
            table_engine(connection, f"copy_{table}")["full"]
            == (table_engine(connection, table)["full"])
        )


def test_inspectdb_writes_engines_read_from_a_server():
    """Replicated and Distributed tables exist only on servers: their engine_full, as a
    server reports it, becomes the engine that wrote it."""
    fields = {name: name for name in ["id", "key", "moment", "amount", "sign", "version"]}
    reported = [
        (
            TableEngine(
                "ReplicatedReplacingMergeTree",
                ["'/clickhouse/tables/{uuid}/{shard}'", "'{replica}'", "version", "sign"],
                ["key"],
                [],
                ["key"],
                [],
                "moment + toIntervalDay(1)",
                [("index_granularity", "8192")],
                "",
            ),
            clickhouse.ReplicatedReplacingMergeTree(
                "/clickhouse/tables/{uuid}/{shard}",
                "{replica}",
                "version",
                "sign",
                order_by="key",
                ttl="moment + toIntervalDay(1)",
                index_granularity=8192,
            ),
        ),
        (
            TableEngine(
                "Distributed",
                ["'main'", "'analytics'", "'events'", "rand()"],
                [],
                [],
                [],
                [],
                None,
                [],
                "",
            ),
            clickhouse.Distributed(
                "main", "analytics", "events", models.expressions.RawSQL("rand()", [])
            ),
        ),
        (
            TableEngine(
                "ReplicatedSummingMergeTree",
                ["'/p'", "'r'", "(amount, version)"],
                ["key"],
                [],
                ["key"],
                [],
                None,
                [],
                "",
            ),
            clickhouse.ReplicatedSummingMergeTree(
                "/p", "r", ("amount", "version"), order_by="key"
            ),
        ),
    ]
    for table_engine_, engine in reported:
        line = _Source(fields).engine(table_engine_)
        namespace = {"models": models}
        exec(f"import clickhouse_backend.models\n{line}", namespace)
        assert namespace["engine"] == engine


def test_the_engine_check_is_quiet_for_every_engine_as_created(create):
    """ClickHouse writes currentDatabase() as the name it stood for, backquotes Null and
    rewrites TTL intervals: none of that is a changed engine (W005)."""
    connection = connections["clickhouse"]
    made = [engine_model(case) for case in RUNNABLE]
    create(*made)
    assert connection.validation.check_tables_match(made) == []


def test_the_engine_check_allows_what_a_server_fills_in(clickhouse_db):
    """A server writes its default path and replica into a Replicated engine, the value of
    currentDatabase(), and the database and table into a path's {database}/{table}."""

    def same(wanted: str, actual: str) -> bool:
        statements = [f"CREATE TABLE _ (_ Int8) ENGINE = {text}" for text in (wanted, actual)]
        formatted = [
            query(clickhouse_db, "SELECT formatQuerySingleLine(%s)", [statement])[0][0]
            for statement in statements
        ]
        return _same_engine(*formatted)

    assert same(
        "ReplicatedMergeTree ORDER BY id",
        "ReplicatedMergeTree('/clickhouse/tables/{uuid}/{shard}', '{replica}') ORDER BY id",
    )
    assert same(
        "ReplicatedMergeTree('/t/{database}/{table}', '{replica}') ORDER BY id",
        "ReplicatedMergeTree('/t/shop/orders', '{replica}') ORDER BY id",
    )
    assert not same(
        "ReplicatedMergeTree('/t/{database}/{table}', '{replica}') ORDER BY id",
        "ReplicatedMergeTree('/u/shop/orders', '{replica}') ORDER BY id",
    )
    assert same(
        "Distributed('c', currentDatabase(), 't', rand())", "Distributed('c', 'shop', 't', rand())"
    )
    assert not same(
        "Distributed('c', currentDatabase(), 't', rand())", "Distributed('c', 'shop', 'u', rand())"
    )
    assert not same(
        "Distributed('c', 'shop', 't', rand())", "Distributed('c', 'shop', 't', cityHash64(id))"
    )
    assert not same("ReplacingMergeTree(a) ORDER BY id", "ReplacingMergeTree(b) ORDER BY id")
    assert not same("Log", "TinyLog")

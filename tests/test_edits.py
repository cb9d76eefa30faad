"""Edits that take milliseconds: save() of a loaded object and filter(pk=...).update() are
a lightweight UPDATE (patch parts) where the table allows it, in two round trips; any
other update, and any table that does not allow it, is an ALTER TABLE ... UPDATE mutation.
Counts stay honest (save() of a row that is gone inserts it), key columns are refused or
left out, and what an update needs of its table is read once and forgotten when the
schema editor changes tables. Real SQL on the suite's ClickHouse; round trips counted
with Django's CaptureQueriesContext (each statement the driver ran).
"""

from __future__ import annotations

import datetime

import pytest
from django.apps.registry import Apps
from django.db import DataError, NotSupportedError, ProgrammingError, connections, models
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from field_helpers import raw, table_for

from clickhouse_backend import models as clickhouse
from clickhouse_backend.backend.introspection import DatabaseIntrospection, EditFacts
from clickhouse_backend.models.engines import LIGHTWEIGHT_UPDATE_SETTINGS
from clickhouse_backend.models.sql.edits import LIGHTWEIGHT_MAX_KEYS

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)

APPS = Apps()
UTC = datetime.timezone.utc
MOMENT = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
TABLE = "edit_tests_item"


def item_model(name: str, engine: clickhouse.Engine, db_table: str = TABLE):
    """A model of the edit tests' table: sorted by moment, then id."""
    APPS.all_models["edit_tests"].pop(name.lower(), None)
    meta = type("Meta", (), {"app_label": "edit_tests", "apps": APPS, "db_table": db_table})
    meta.engine = engine
    fields = {
        "name": models.CharField(max_length=20),
        "moment": models.DateTimeField(),
        "count": clickhouse.UInt32Field(default=0),
        "tags": clickhouse.ArrayField(clickhouse.StringField(), default=list),
        "data": models.JSONField(default=dict),
    }
    return type(
        name, (clickhouse.ClickhouseModel,), {"__module__": __name__, "Meta": meta, **fields}
    )


Item = item_model(
    "Item", clickhouse.MergeTree(order_by=("moment", "id"), **LIGHTWEIGHT_UPDATE_SETTINGS)
)


@pytest.fixture
def items(django_db_blocker):
    with django_db_blocker.unblock(), table_for(Item) as items:
        items.bulk_create([Item(name=f"n{i}", moment=MOMENT, count=i) for i in range(3)])
        yield items


@pytest.fixture
def clickhouse_db(django_db_blocker):
    with django_db_blocker.unblock():
        yield connections["clickhouse"]


def statements(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


def shapes(captured: CaptureQueriesContext) -> list[str]:
    """Each statement's kind: a count (with or without the table's mutations), the
    table's facts, a lightweight UPDATE, a mutation, a listing of mutations, an INSERT."""
    kinds = []
    for sql in statements(captured):
        if sql.startswith("SELECT (SELECT [count()"):
            kinds.append("count+mutations")
        elif sql.startswith("SELECT [count()"):
            kinds.append("count")
        elif sql.startswith("SELECT engine, engine_full, (SELECT groupArray(name)"):
            kinds.append("facts")
        elif sql.startswith(f'UPDATE "{TABLE}" SET '):
            kinds.append("UPDATE")
        elif sql.startswith(f'ALTER TABLE "{TABLE}" UPDATE '):
            kinds.append("ALTER UPDATE")
        elif sql.startswith("SELECT groupArray((mutation_id"):
            kinds.append("mutations")
        elif sql.startswith("INSERT INTO"):
            kinds.append("INSERT")
        else:
            kinds.append(sql)
    return kinds


def mutations() -> int:
    return raw("SELECT count() FROM system.mutations WHERE table = %s", [TABLE])[0][0]


# -- the lightweight form ---------------------------------------------------------------


def test_save_of_a_loaded_object_is_a_lightweight_update_in_two_round_trips(items):
    connection = connections["clickhouse"]
    row = items.get(name="n1")
    row.name = "renamed"
    with CaptureQueriesContext(connection) as first:
        row.save()
    assert shapes(first) == ["facts", "count", "UPDATE"]  # the table's facts, read once
    row.tags = ["a", "b"]
    row.data = {"edited": True, "n": [1, 2]}
    row.count = 7
    with CaptureQueriesContext(connection) as second:
        row.save()
    assert shapes(second) == ["count", "UPDATE"]
    update = statements(second)[1]
    # The sorting key's moment keeps its value: left out (ClickHouse refuses to SET it).
    assert '"moment"' not in update.partition(" WHERE ")[0]
    assert f'WHERE "{TABLE}"."id" = {row.pk}' in update
    fetched = items.get(pk=row.pk)
    assert (fetched.name, fetched.tags, fetched.data, fetched.count, fetched.moment) == (
        "renamed",
        ["a", "b"],
        {"edited": True, "n": [1, 2]},
        7,
        MOMENT,
    )
    assert items.count() == 3  # changed in place, nothing inserted
    assert mutations() == 0  # no mutation was started


def test_filter_by_pk_update_is_lightweight_with_honest_counts(items):
    connection = connections["clickhouse"]
    first, second, third = items.order_by("count")
    with CaptureQueriesContext(connection) as captured:
        assert items.filter(pk=first.pk).update(name="one") == 1
        assert items.filter(pk__in=[second.pk, third.pk]).update(count=F("count") + 10) == 2
        assert items.filter(pk=first.pk, name="one").update(tags=["x"]) == 1
        assert items.filter(pk=first.pk + third.pk).update(name="nobody") == 0
    assert shapes(captured) == [
        "facts",
        *(["count", "UPDATE"] * 3),
        "count",  # nothing matched: nothing is sent
    ]
    assert sorted(items.values_list("name", "count", "tags")) == [
        ("n1", 11, []),
        ("n2", 12, []),
        ("one", 0, ["x"]),
    ]
    assert mutations() == 0


def test_rows_sharing_a_primary_key_are_all_counted_and_changed(items):
    """ClickHouse does not enforce keys: an update says how many rows it changed."""
    row = items.get(name="n0")
    items.bulk_create([Item(id=row.pk, name="twin", moment=MOMENT)])
    assert items.filter(pk=row.pk).update(count=5) == 2
    assert list(items.filter(pk=row.pk).values_list("count", flat=True)) == [5, 5]


def test_an_expression_out_of_the_columns_range_is_refused_in_the_count(items):
    """The range check is part of the one count: nothing else runs, nothing changes."""
    row = items.get(name="n1")
    with (
        CaptureQueriesContext(connections["clickhouse"]) as captured,
        pytest.raises(DataError, match=r"outside the range of its column \(0 to 4294967295\)"),
    ):
        items.filter(pk=row.pk).update(count=F("count") - 2)
    assert shapes(captured)[-1] == "count"
    assert items.get(pk=row.pk).count == 1


class Counter(models.Model):
    """Django's own fields, which leave the range to the database."""

    small = models.PositiveSmallIntegerField(default=0)
    number = models.IntegerField(default=0)
    day = models.DateField(default=datetime.date(2000, 1, 1))

    class Meta:
        app_label = "edit_tests"
        apps = APPS


@pytest.mark.parametrize(
    "field, value, column",
    [
        ("small", -1, "UInt16"),
        ("small", 2**16, "UInt16"),
        ("number", 2**31, "Int32"),
        ("day", datetime.date(1, 1, 1), "Date32"),
    ],
)
def test_a_value_its_column_cannot_hold_is_refused_by_save_and_update(
    django_db_blocker, field, value, column
):
    """ClickHouse would store -1 in a UInt16 as 65535: the value is refused naming the
    field, as an insert refuses it, and nothing changes."""
    with django_db_blocker.unblock(), table_for(Counter) as counters:
        row = counters.create()
        setattr(row, field, value)
        refused = rf"Counter\.{field}: .*{column}.*; nothing was written"
        with pytest.raises(DataError, match=refused):
            row.save()
        with pytest.raises(DataError, match=refused):
            counters.filter(pk=row.pk).update(**{field: value})
        assert counters.values_list(field, flat=True).get() == getattr(Counter(), field)


def test_save_of_a_row_that_is_gone_inserts_it(items):
    """Django inserts when an update says it changed nothing: the count is honest."""
    row = items.get(name="n2")
    items.filter(pk=row.pk).delete()
    row.name = "back"
    with CaptureQueriesContext(connections["clickhouse"]) as captured:
        row.save()
    assert shapes(captured)[-2:] == ["count", "INSERT"]
    assert items.get(pk=row.pk).name == "back"


def test_changing_a_key_column_is_refused_and_changes_nothing(items):
    row = items.get(name="n1")
    row.moment = MOMENT + datetime.timedelta(days=1)
    row.name = "moved"
    with pytest.raises(NotSupportedError, match=f"cannot change moment: a key of table {TABLE}"):
        row.save()
    assert items.get(pk=row.pk).name == "n1"
    assert items.filter(pk=row.pk).update(moment=MOMENT) == 1  # its own value: nothing to do


# -- when it is a mutation --------------------------------------------------------------


def test_an_update_of_rows_not_picked_by_key_is_a_mutation(items):
    """QuerySet.update() of many rows is an ALTER TABLE ... UPDATE, as it always was."""
    connection = connections["clickhouse"]
    ids = list(items.values_list("pk", flat=True))
    too_many = ids + list(range(1, LIGHTWEIGHT_MAX_KEYS))
    with CaptureQueriesContext(connection) as captured:
        assert items.filter(count__gte=1).update(name="many") == 2
        assert items.filter(pk__in=too_many).update(count=F("count") + 1) == 3
        assert items.exclude(pk=ids[0]).update(tags=["not"]) == 2
        assert items.update(data={"all": 1}) == 3
    assert shapes(captured) == ["facts", *(["count+mutations", "ALTER UPDATE"] * 4)]
    assert sorted(items.values_list("name", "count", "tags", "data")) == [
        ("many", 2, ["not"], {"all": 1}),
        ("many", 3, ["not"], {"all": 1}),
        ("n0", 1, [], {"all": 1}),
    ]


NOT_LIGHTWEIGHT = {
    "without the settings": clickhouse.MergeTree(
        order_by=("moment", "id"), enable_block_number_column=0
    ),
    "an engine that refuses them": clickhouse.SummingMergeTree(
        ["count"], order_by=("moment", "id"), **LIGHTWEIGHT_UPDATE_SETTINGS
    ),
}


@pytest.mark.parametrize("engine", NOT_LIGHTWEIGHT.values(), ids=NOT_LIGHTWEIGHT)
def test_a_table_that_does_not_take_lightweight_updates_gets_a_mutation(django_db_blocker, engine):
    model = item_model("Plain", engine)
    with django_db_blocker.unblock(), table_for(model) as plain:
        row = plain.create(name="a", moment=MOMENT, count=1)
        row.name = "b"
        with CaptureQueriesContext(connections["clickhouse"]) as captured:
            row.save()  # no lightweight UPDATE is even tried
        assert shapes(captured) == ["facts", "count+mutations", "ALTER UPDATE"]
        assert plain.get(pk=row.pk).name == "b"


def test_a_lightweight_update_the_session_refuses_becomes_a_mutation(items, clickhouse_db):
    """ClickHouse refuses it (here: the session's enable_lightweight_update is off): the
    update runs as a mutation, and the table is remembered as one that needs them."""
    row = items.get(name="n1")
    row.save()  # the table's facts: it takes lightweight updates
    with clickhouse_db.cursor() as cursor:
        cursor.execute("SET enable_lightweight_update = 0")
    try:
        row.name = "refused"
        with CaptureQueriesContext(clickhouse_db) as refused:
            row.save()
        row.name = "remembered"
        with CaptureQueriesContext(clickhouse_db) as remembered:
            row.save()
    finally:
        with clickhouse_db.cursor() as cursor:
            cursor.execute("SET enable_lightweight_update = 1")
        DatabaseIntrospection.forget_edit_facts()
    assert shapes(refused) == ["count", "UPDATE", "mutations", "ALTER UPDATE"]
    assert shapes(remembered) == ["count+mutations", "ALTER UPDATE"]
    assert items.get(pk=row.pk).name == "remembered"
    assert (
        raw(f"SELECT count() FROM system.mutations WHERE table = '{TABLE}' AND is_done")[0][0] == 2
    )


# -- what an update knows of its table ----------------------------------------------------


def test_the_schema_editor_forgets_what_it_changed(django_db_blocker):
    """A table made again by the schema editor (here without the settings) is read
    again: its first save() is a mutation, not a refused lightweight UPDATE."""
    with django_db_blocker.unblock():
        with table_for(Item) as items:
            row = items.create(name="a", moment=MOMENT)
            row.save()  # cached: the table takes lightweight updates
        with table_for(item_model("Remade", NOT_LIGHTWEIGHT["without the settings"])) as remade:
            again = remade.create(name="a", moment=MOMENT)
            again.name = "b"
            with CaptureQueriesContext(connections["clickhouse"]) as captured:
                again.save()
    assert shapes(captured) == ["facts", "count+mutations", "ALTER UPDATE"]


def remake(order_by: str, row: models.Model) -> None:
    """The table dropped and created again by raw SQL (the schema editor knows nothing),
    sorted by ``order_by``, holding ``row`` as it is."""
    raw(f'DROP TABLE "{TABLE}"')
    raw(
        f"CREATE TABLE \"{TABLE}\" (id Int64, name String, moment DateTime64(6, 'UTC'), "
        "count UInt32, tags Array(String), data JSON) ENGINE = MergeTree "
        f"ORDER BY ({order_by}) "
        "SETTINGS enable_block_number_column = 1, enable_block_offset_column = 1"
    )
    raw(
        f'INSERT INTO "{TABLE}" (id, name, moment, count) VALUES (%s, %s, %s, %s)',
        [row.pk, row.name, row.moment, row.count],
    )


def test_a_table_changed_behind_the_cache_is_read_again(items):
    """A table remade outside the schema editor with another sorting key: what was
    cached is forgotten when it no longer holds (ClickHouse refuses a column, or a column
    is refused that is no key any more), and the update runs with what is true."""
    connection = connections["clickhouse"]
    row = items.get(name="n1")
    row.save()  # cached: the keys are moment and id
    remake("name, id", row)
    row.count = 9  # name, now a key, keeps its value: ClickHouse refuses to SET it
    with CaptureQueriesContext(connection) as refused_by_clickhouse:
        row.save()
    assert shapes(refused_by_clickhouse) == ["count", "UPDATE", "facts", "count", "UPDATE"]
    remake("moment, id", row)
    row.name = "renamed"  # cached as a key, which it no longer is
    with CaptureQueriesContext(connection) as refused_here:
        row.save()
    assert shapes(refused_here) == ["count", "facts", "count", "UPDATE"]
    assert items.filter(pk=row.pk).values_list("name", "count", "moment").get() == (
        "renamed",
        9,
        MOMENT,
    )
    row.moment = MOMENT + datetime.timedelta(days=1)  # a key now: refused, read afresh
    with pytest.raises(NotSupportedError, match="cannot change moment"):
        row.save()


def test_what_an_update_needs_of_a_table(clickhouse_db, django_db_blocker):
    """The columns ClickHouse will not UPDATE and whether it takes lightweight updates,
    read from system tables in one query and cached until the schema editor runs."""
    cases = {
        "light": (
            clickhouse.ReplacingMergeTree(
                "count", order_by="moment", **LIGHTWEIGHT_UPDATE_SETTINGS
            ),
            EditFacts(
                frozenset({"moment", "count"}), lightweight_update=True, lightweight_delete=True
            ),
        ),
        "offsetless": (
            clickhouse.MergeTree(
                partition_by="name", enable_block_number_column=1, enable_block_offset_column=0
            ),
            EditFacts(
                frozenset({"id", "name"}), lightweight_update=False, lightweight_delete=True
            ),
        ),
        "summed": (
            clickhouse.SummingMergeTree(order_by="id", **LIGHTWEIGHT_UPDATE_SETTINGS),
            EditFacts(frozenset({"id"}), lightweight_update=False, lightweight_delete=True),
        ),
        "memory": (
            clickhouse.Memory(),
            EditFacts(frozenset(), lightweight_update=False, lightweight_delete=False),
        ),
    }
    introspection = clickhouse_db.introspection
    for name, (engine, facts) in cases.items():
        model = item_model(f"Facts{name}", engine, db_table=f"edit_tests_{name}")
        with django_db_blocker.unblock(), table_for(model), clickhouse_db.cursor() as cursor:
            assert introspection.get_edit_facts(cursor, model._meta.db_table) == facts
            with CaptureQueriesContext(clickhouse_db) as captured:
                keys = introspection.get_key_columns(cursor, model._meta.db_table)
            assert keys == set(facts.key_columns)
            assert captured.captured_queries == []  # cached
    with clickhouse_db.cursor() as cursor:  # nothing is known, or kept, of a missing table
        missing = introspection.get_edit_facts(cursor, "edit_tests_missing")
    assert missing == EditFacts(frozenset(), lightweight_update=False, lightweight_delete=True)


# -- the settings of new tables -----------------------------------------------------------


class LightweightMergeTree(clickhouse.MergeTree):
    """A MergeTree whose new tables get the settings lightweight updates need."""

    engine_name = "MergeTree"
    default_settings = LIGHTWEIGHT_UPDATE_SETTINGS


def test_new_tables_get_their_engines_default_settings(clickhouse_db, django_db_blocker):
    """Before Meta.engine's own (which win); not in the DDL the system check compares
    with the table (so tables made before them are no difference); not on a
    many-to-many table, whose rows Django never updates."""
    model = item_model(
        "Defaulted", LightweightMergeTree(order_by="id", index_granularity=256), "edit_tests_d"
    )
    tag = models.ManyToManyField(Item)
    tag.contribute_to_class(model, "items")
    overridden = item_model(
        "Overridden",
        LightweightMergeTree(order_by="id", enable_block_offset_column=0),
        "edit_tests_o",
    )
    with django_db_blocker.unblock(), table_for(model) as defaulted, table_for(overridden):
        full = dict(
            raw(
                "SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() "
                "AND name LIKE 'edit_tests_%%'"
            )
        )
        assert full["edit_tests_d"] == (
            "MergeTree ORDER BY id SETTINGS enable_block_number_column = 1, "
            "enable_block_offset_column = 1, index_granularity = 256"
        )
        assert full["edit_tests_o"] == (
            "MergeTree ORDER BY id SETTINGS enable_block_number_column = 1, "
            "enable_block_offset_column = 0, index_granularity = 8192"
        )
        assert (
            full["edit_tests_d_items"] == "MergeTree ORDER BY id SETTINGS index_granularity = 8192"
        )
        with clickhouse_db.schema_editor(collect_sql=True) as editor:
            assert (
                editor.engine_sql(model)
                == 'MergeTree ORDER BY "id" SETTINGS index_granularity = 256'
            )
        assert clickhouse_db.validation.check_tables_match([model, overridden]) == []
        row = defaulted.create(name="a", moment=MOMENT)
        row.name = "b"
        with CaptureQueriesContext(clickhouse_db) as captured:
            row.save()
        assert [sql.split(" ")[0] for sql in statements(captured)] == [
            "SELECT",
            "SELECT",
            "UPDATE",
        ]


def test_a_new_merge_tree_takes_lightweight_updates_and_inspectdb_leaves_that_out(
    clickhouse_db, django_db_blocker
):
    """MergeTree (and Replacing, Collapsing, VersionedCollapsing) give new tables what
    lightweight updates need; SummingMergeTree, which cannot take them, does not."""
    plain = item_model("Default", clickhouse.MergeTree(order_by="id"), "edit_tests_default")
    summed = item_model("Summed", clickhouse.SummingMergeTree(order_by="id"), "edit_tests_s")
    with django_db_blocker.unblock(), table_for(plain) as rows, table_for(summed):
        full = dict(
            raw(
                "SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() "
                "AND name IN ('edit_tests_default', 'edit_tests_s')"
            )
        )
        assert (
            "enable_block_number_column = 1, enable_block_offset_column = 1"
            in full["edit_tests_default"]
        )
        assert "enable_block" not in full["edit_tests_s"]
        with clickhouse_db.cursor() as cursor:
            engine = clickhouse_db.introspection.get_table_engine(cursor, "edit_tests_default")
        assert engine.settings == [("index_granularity", "8192")]
        row = rows.create(name="a", moment=MOMENT)
        row.name = "b"
        with CaptureQueriesContext(clickhouse_db) as captured:
            row.save()
        assert [sql.split(" ")[0] for sql in statements(captured)] == [
            "SELECT",
            "SELECT",
            "UPDATE",
        ]


def test_settings_reach_the_update_and_the_delete(items, clickhouse_db):
    """QuerySet.settings() before update()/delete() ends their statement with SETTINGS,
    on the lightweight UPDATE, the mutation and the DELETE; a misspelled name changes
    nothing."""
    with CaptureQueriesContext(clickhouse_db) as captured:
        assert items.filter(pk=items.get(count=0).pk).settings(max_threads=1).update(name="a") == 1
        assert items.filter(count__gte=1).settings(max_threads=2).update(name="b") == 2
        assert items.filter(count=2).settings(max_threads=3).delete() == (
            1,
            {"edit_tests.Item": 1},
        )
    edits = [sql for sql in statements(captured) if sql.startswith(("UPDATE", "ALTER", "DELETE"))]
    assert [sql.rsplit(" SETTINGS ", 1)[1] for sql in edits] == [
        "max_threads = 1",
        "max_threads = 2",
        "max_threads = 3",
    ]
    assert sorted(items.values_list("name", "count")) == [("a", 0), ("b", 1)]
    with pytest.raises(ProgrammingError, match="Unknown setting 'mutations_snc'") as caught:
        items.settings(mutations_snc=1).update(name="c")
    assert caught.value.__cause__ is not caught.value  # a chain that ends
    assert sorted(items.values_list("name", flat=True)) == ["a", "b"]


@pytest.mark.parametrize(
    "engine, deletes",
    [
        (clickhouse.Memory(), True),
        (clickhouse.Join("ANY", "LEFT", "id"), True),
        (clickhouse.Log(), False),
        (clickhouse.StripeLog(), False),
    ],
    ids=["Memory", "Join", "Log", "StripeLog"],
)
def test_delete_outside_the_merge_tree_family(clickhouse_db, django_db_blocker, engine, deletes):
    """Memory and Join tables take no lightweight DELETE: delete() of some rows is an
    ALTER TABLE ... DELETE there, with the count. A Log table takes neither deletes nor
    updates, and says so for both alike; delete() of every row (TRUNCATE) works on all."""
    name = f"Deleted{type(engine).__name__}"
    APPS.all_models["edit_tests"].pop(name.lower(), None)
    meta = type("Meta", (), {"app_label": "edit_tests", "apps": APPS, "engine": engine})
    fields = {"name": models.CharField(max_length=20), "count": clickhouse.UInt32Field(default=0)}
    model = type(
        name, (clickhouse.ClickhouseModel,), {"__module__": __name__, "Meta": meta, **fields}
    )
    with django_db_blocker.unblock(), table_for(model) as rows:
        rows.bulk_create(model(name=name) for name in ("a", "b", "c"))
        if deletes:
            assert rows.filter(name="b").delete() == (1, {model._meta.label: 1})
            assert rows.filter(name="z").delete() == (0, {})
            assert rows.count() == 2
        else:
            for edit in (lambda: rows.filter(name="b").delete(), lambda: rows.update(count=1)):
                with pytest.raises(NotSupportedError, match=f"{type(engine).__name__} doesn't"):
                    edit()
        assert rows.all().delete()[0] == (2 if deletes else 3)
        with clickhouse_db.cursor() as cursor:
            cursor.execute(f"SELECT count() FROM {model._meta.db_table}")
            assert cursor.fetchone() == (0,)

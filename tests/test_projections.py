"""Projections in Meta.indexes: created with the table, added (and materialized for the
rows already there) and dropped by the migrations makemigrations writes, both ways;
queries, updates and deletes on a table that has them; inspectdb's round trip."""

import pytest
from django.apps.registry import Apps
from django.db import migrations
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.graph import MigrationGraph
from django.db.migrations.questioner import MigrationQuestioner
from django.db.migrations.state import ModelState, ProjectState
from django.db.migrations.writer import MigrationWriter
from field_helpers import clickhouse, created_as, inspected, raw, table_for

from clickhouse_backend import models

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)

BY_NAME = models.Projection(name="by_name", query="SELECT * ORDER BY name")
TOTALS = models.Projection(name="totals", query="SELECT name, sum(value) GROUP BY name")


def projections(table: str) -> dict[str, str]:
    """{name: query} of the table's projections, as ClickHouse has them."""
    rows = raw(
        "SELECT name, query FROM system.projections "
        "WHERE database = currentDatabase() AND table = %s",
        [table],
    )
    return dict(rows)


def materialized(table: str) -> set[str]:
    """The projections every active part of the table holds (that cover its rows)."""
    parts = raw(
        "SELECT projections FROM system.parts "
        "WHERE database = currentDatabase() AND table = %s AND active",
        [table],
    )
    return set.intersection(*(set(names) for (names,) in parts))


def sales_model(*indexes):
    meta = type(
        "Meta",
        (),
        {"app_label": "testapp", "apps": Apps(), "db_table": "testapp_sale", "indexes": indexes},
    )
    return type(
        "Sale",
        (models.ClickhouseModel,),
        {
            "__module__": __name__,
            "Meta": meta,
            "name": models.StringField(),
            "value": models.Float64Field(),
        },
    )


def test_a_new_table_has_its_projections():
    with table_for(sales_model(BY_NAME, TOTALS)) as objects:
        assert projections("testapp_sale") == {
            "by_name": "SELECT * ORDER BY name",
            "totals": "SELECT name, sum(value) GROUP BY name",
        }
        objects.create(name="a", value=1.0)
        assert materialized("testapp_sale") == {"by_name", "totals"}


def test_makemigrations_adds_a_projection_that_covers_existing_rows_and_reverses():
    plain, with_projection = sales_model(), sales_model(TOTALS)
    before, after = ProjectState(), ProjectState()
    before.add_model(ModelState.from_model(plain))
    after.add_model(ModelState.from_model(with_projection))
    questioner = MigrationQuestioner(specified_apps={"testapp"})
    changes = MigrationAutodetector(before, after, questioner).changes(graph=MigrationGraph())
    (migration,) = changes["testapp"]
    text = MigrationWriter(migration).as_string()
    assert "clickhouse_backend.models.Projection(" in text
    namespace: dict = {}
    exec(compile(text, "migration.py", "exec"), namespace)
    written: migrations.Migration = namespace["Migration"]("0002_totals", "testapp")
    assert [type(op).__name__ for op in written.operations] == ["AddIndex"]
    with table_for(plain) as objects:
        objects.create(name="a", value=1.0)
        objects.create(name="a", value=2.0)
        with clickhouse().schema_editor() as editor:
            written.apply(before.clone(), editor)
        assert projections("testapp_sale") == {"totals": TOTALS.query}
        assert materialized("testapp_sale") == {"totals"}  # rows written before it, too
        with clickhouse().schema_editor() as editor:
            written.unapply(before, editor)
        assert projections("testapp_sale") == {}
        assert list(objects.values_list("value", flat=True).order_by("value")) == [1.0, 2.0]


def test_rows_of_a_table_with_projections_can_be_updated_and_deleted():
    """A lightweight DELETE is refused on such a table by default; delete() then runs as
    a mutation, which rebuilds the projections."""
    with table_for(sales_model(BY_NAME, TOTALS)) as objects:
        first = objects.create(name="a", value=1.0)
        objects.create(name="b", value=2.0)
        first.value = 5.0
        first.save()
        assert objects.filter(name="b").update(value=3.0) == 1
        assert objects.filter(name="a").delete()[0] == 1
        assert list(objects.values_list("name", "value")) == [("b", 3.0)]
        assert raw("SELECT name, sum(value) FROM testapp_sale GROUP BY name") == [("b", 3.0)]


def test_inspectdb_writes_the_projections_back():
    with table_for(sales_model(BY_NAME, TOTALS)):
        source, model = inspected("testapp_sale")
        assert "clickhouse_backend.models.Projection(name='totals'" in source
        with created_as(model, "inspected_sale"):
            assert projections("inspected_sale") == projections("testapp_sale")


@pytest.mark.parametrize(
    "options, message",
    [
        ({"name": "p", "query": "ORDER BY name"}, "query= takes the projection's SELECT"),
        ({"name": "", "query": "SELECT *"}, "needs a name"),
    ],
)
def test_mistakes_are_refused_when_the_projection_is_made(options, message):
    with pytest.raises(ValueError, match=message):
        models.Projection(**options)


def test_a_projection_is_not_reported_as_an_index_that_creates_nothing():
    model = sales_model(BY_NAME)
    warnings = [message.id for message in model.check(databases=["clickhouse"])]
    assert "clickhouse_backend.W004" not in warnings


def test_projections_and_column_ttls_on_an_engine_without_them_fail_the_check():
    class Buffered(models.ClickhouseModel):
        name = models.StringField()
        day = models.DateField()
        value = models.Float64Field(ttl="day + INTERVAL 1 DAY")

        class Meta:
            app_label = "testapp"
            apps = Apps()
            engine = models.Log()
            indexes = [BY_NAME]

    messages = clickhouse().validation.check_model(Buffered)
    errors = [m.msg for m in messages if m.id == "clickhouse_backend.E004"]
    assert errors == [
        "testapp.Buffered has ttl= on field 'value', but its Log engine has no TTL or "
        "projections: only the MergeTree family has them.",
        "testapp.Buffered has projection 'by_name', but its Log engine has no TTL or "
        "projections: only the MergeTree family has them.",
    ]
    assert clickhouse().validation.check_model(sales_model(BY_NAME)) == []

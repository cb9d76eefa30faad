"""ClickHouse's geo types (PointField, RingField, PolygonField, MultiPolygonField) on the
suite's ClickHouse, through testapp.Typed: round trips, validation that writes nothing,
lookups, forms, fixtures, system checks and inspectdb."""

import io
import json

import pytest
from django.apps.registry import Apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DataError, connections, models
from django.forms import modelform_factory
from field_helpers import alter, raw
from testapp.models import Typed

import clickhouse_backend.models as ch

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)

SQUARE = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)]
HOLE = [(1.0, 1.0), (2.0, 1.0), (2.0, 2.0)]
FAR = [(10.0, 10.0), (11.0, 10.0), (11.0, 11.0)]


def query():
    return Typed.objects.using("clickhouse")


def test_ddl():
    types = dict(
        raw(
            "SELECT name, type FROM system.columns "
            "WHERE database = currentDatabase() AND table = 'testapp_typed'"
        )
    )
    assert [types[name] for name in ("location", "ring", "polygon", "multipolygon")] == [
        "Point",
        "Ring",
        "Polygon",
        "MultiPolygon",
    ]


def test_round_trip_as_tuples_and_lists():
    created = query().create(
        location=(1.5, -2),
        ring=SQUARE,
        polygon=[SQUARE, HOLE],
        multipolygon=[[SQUARE, HOLE], [FAR]],
    )
    loaded = query().get(pk=created.pk)
    assert loaded.location == (1.5, -2.0) and type(loaded.location) is tuple
    assert loaded.ring == SQUARE
    assert loaded.polygon == [SQUARE, HOLE]
    assert loaded.multipolygon == [[SQUARE, HOLE], [FAR]]
    assert raw(
        f"SELECT pointInPolygon((2., 3.), polygon) FROM testapp_typed WHERE id = {created.pk}"
    ) == [(1,)]
    assert raw(
        f"SELECT pointInPolygon((1.5, 1.2), polygon) FROM testapp_typed WHERE id = {created.pk}"
    ) == [(0,)]


def test_empty_geometries_and_defaults():
    created = query().create()
    loaded = query().get(pk=created.pk)
    assert (loaded.location, loaded.ring, loaded.polygon, loaded.multipolygon) == (
        (0.0, 0.0),
        [],
        [],
        [],
    )


@pytest.mark.parametrize(
    "field, value, problem",
    [
        ("location", (1.0,), "is not a point"),
        ("location", (1.0, "2"), "'2' is not a number"),
        ("location", (True, 1.0), "True is not a number"),
        ("location", (float("nan"), 0.0), "nan is not finite"),
        ("location", "1 2", "is not a point"),
        ("ring", (1.0, 2.0), "is not a ring"),
        ("ring", [(0.0, 0.0), (1.0,)], "is not a point"),
        ("polygon", SQUARE, "is not a polygon|is not a ring"),
        ("multipolygon", [SQUARE], "is not a ring|is not a polygon|is not a point"),
    ],
)
def test_bad_shapes_are_refused_and_nothing_is_written(field, value, problem):
    with pytest.raises(DataError, match=rf"Typed\.{field}: .*({problem})"):
        query().bulk_create([Typed(), Typed(**{field: value})])
    assert query().count() == 0
    with pytest.raises(ValidationError, match=problem):
        Typed._meta.get_field(field).clean(value, None)


def test_exact_lookup_and_update():
    a = query().create(location=(1, 2), ring=SQUARE)
    query().create(location=(3, 4))
    assert list(query().filter(location=(1.0, 2.0)).values_list("pk", flat=True)) == [a.pk]
    assert list(query().filter(ring=SQUARE).values_list("pk", flat=True)) == [a.pk]
    assert query().filter(pk=a.pk).update(location=(5, 6), ring=[(0, 0), (1, 1), (1, 0)]) == 1
    loaded = query().get(pk=a.pk)
    assert (loaded.location, loaded.ring) == ((5.0, 6.0), [(0.0, 0.0), (1.0, 1.0), (1.0, 0.0)])


def test_forms_take_text_in_python_notation():
    form_class = modelform_factory(Typed, fields=["location", "ring", "polygon"])
    form = form_class(
        data={"location": "(1.5, 2)", "ring": "[(0, 0), (1, 0), (1, 1)]", "polygon": "[]"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["location"] == (1.5, 2.0)
    assert form.cleaned_data["ring"] == [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]
    shown = form_class(instance=Typed(location=(1.5, 2.0), ring=SQUARE))
    assert 'value="(1.5, 2.0)"' in str(shown["location"])
    bad = form_class(data={"location": "__import__('os')", "ring": "[(0, 0)]", "polygon": "[]"})
    assert not bad.is_valid()
    assert "is not a point" in bad.errors["location"][0]


@pytest.mark.parametrize("form", ["json", "xml"])
def test_dumpdata_and_loaddata_round_trip(tmp_path, form):
    created = query().create(
        location=(1.5, 2.5), ring=SQUARE, polygon=[SQUARE, HOLE], multipolygon=[[FAR]]
    )
    out = io.StringIO()
    call_command("dumpdata", "testapp.Typed", database="clickhouse", format=form, stdout=out)
    if form == "json":
        assert json.loads(out.getvalue())[0]["fields"]["location"] == "(1.5, 2.5)"
    fixture = tmp_path / f"typed.{form}"
    fixture.write_text(out.getvalue())
    query().all().delete()
    call_command("loaddata", str(fixture), database="clickhouse", verbosity=0)
    loaded = query().get(pk=created.pk)
    assert (loaded.location, loaded.ring, loaded.polygon, loaded.multipolygon) == (
        (1.5, 2.5),
        SQUARE,
        [SQUARE, HOLE],
        [[FAR]],
    )


def test_null_geometry_is_refused_by_a_check():
    class Located(models.Model):
        where = ch.PointField(null=True)

        class Meta:
            app_label = "testapp"
            apps = Apps()

    ids = [message.id for message in Located._meta.get_field("where").check()]
    assert ids == ["clickhouse_backend.E150"]


def test_deconstruct_names_the_public_path():
    _, path, _, kwargs = Typed._meta.get_field("location").deconstruct()
    assert (path, kwargs["default"]) == ("clickhouse_backend.models.PointField", (0.0, 0.0))


def test_inspectdb_maps_geo_types_to_their_fields():
    raw(
        "CREATE TABLE located (id UInt64, p Point, r Ring, pg Polygon, mp MultiPolygon, "
        "l LineString) ENGINE = MergeTree ORDER BY id"
    )
    try:
        out = io.StringIO()
        call_command("inspectdb", "located", database="clickhouse", stdout=out)
        source = out.getvalue()
    finally:
        raw("DROP TABLE located")
    for line in (
        "p = clickhouse_backend.models.PointField()",
        "r = clickhouse_backend.models.RingField()",
        "pg = clickhouse_backend.models.PolygonField()",
        "mp = clickhouse_backend.models.MultiPolygonField()",
        "# l: LineString — clickhouse-driver cannot read this type",
    ):
        assert line in source


MIGRATION_APPS = Apps()


class Place(models.Model):
    spot = models.TextField()

    class Meta:
        app_label = "geo_migrations"
        apps = MIGRATION_APPS


def test_alter_field_text_to_point_keeps_the_data():
    """AlterField is one MODIFY COLUMN; ClickHouse converts "(x,y)" text to a Point."""
    connection = connections["clickhouse"]
    with connection.schema_editor() as editor:
        editor.create_model(Place)
    try:
        Place.objects.using("clickhouse").create(spot="(1.5,2)")
        new_field = ch.PointField(default=(0.0, 0.0))
        (statement,) = alter(Place, Place._meta.get_field("spot"), new_field)
        assert statement.startswith(
            'ALTER TABLE "geo_migrations_place" MODIFY COLUMN "spot" Point'
        )
        assert raw("SELECT spot FROM geo_migrations_place") == [((1.5, 2.0),)]
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Place)


def test_a_column_of_shaped_values_goes_as_it_is_and_any_other_is_checked():
    """bulk_create() passes a column of float tuples in lists through; integers are
    taken as floats; one point that is not finite, anywhere, refuses the whole batch."""
    polygons = [[SQUARE, HOLE], [[(0, 0), (1, 0), (1, 1)]], []]
    query().bulk_create(
        [Typed(location=(float(i), -1.5), polygon=p) for i, p in enumerate(polygons)]
    )
    rows = list(query().order_by("location").values_list("location", "polygon"))
    assert rows == [
        ((0.0, -1.5), [SQUARE, HOLE]),
        ((1.0, -1.5), [[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]]),
        ((2.0, -1.5), []),
    ]
    late = [Typed(location=(1.0, 2.0)) for _ in range(3)] + [Typed(location=(1e308, 1e308))]
    query().bulk_create(late)  # finite, though their sum is not
    bad = [Typed(polygon=[SQUARE]), Typed(polygon=[[(0.0, 0.0), (float("inf"), 1.0)]])]
    with pytest.raises(DataError, match=r"Typed\.polygon: .*inf is not finite"):
        query().bulk_create(bad)
    assert query().count() == 7

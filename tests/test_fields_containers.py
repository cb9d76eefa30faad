"""ClickHouse's container types (Array, Map, Tuple) as fields: DDL, round trips of boundary
values, validation that keeps bad values out, lookups, forms, serialization, migrations
and inspectdb — on the suite's ClickHouse, through testapp.Typed and its migration."""

import datetime
import decimal
import io
import json
import pickle
import zoneinfo

import pytest
from django import forms
from django.apps.registry import Apps
from django.contrib.admin import AdminSite, ModelAdmin
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, models
from django.forms import modelform_factory
from django.test import RequestFactory
from field_helpers import (
    alter,
    check_ids,
    clickhouse,
    column_types,
    created_as,
    inspected,
    raw,
    refused,
)
from testapp.models import Typed

import clickhouse_backend.models as ch

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)

UTC = datetime.timezone.utc
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
CONTAINERS = [
    "tags",
    "numbers",
    "grid",
    "optional_texts",
    "labels",
    "addresses",
    "stamps",
    "actions",
    "attrs",
    "point",
    "pair",
]
# One value of each container column at the edges of what its elements hold.
EDGES = {
    "tags": ["", "żółć 中文 🚀", "a\x00b", 'it\'s \\ "quoted"'],
    "numbers": [0, 255, 0, 255],
    "grid": [[2**255 - 1, -(2**255)], [], [0]],
    "optional_texts": [None, "", "x", None],
    "labels": ["tcp", "udp", "tcp"],
    "addresses": ["1.2.3.4", "2001:db8::1", "::"],
    "stamps": [
        datetime.datetime(1900, 1, 1, tzinfo=UTC),
        datetime.datetime(2024, 1, 1, 9, 0, 1, 125000, tzinfo=TOKYO),
    ],
    "actions": [Typed.Action.ALERT, Typed.Action.PASS],
    "attrs": {"": 0, "max": 2**64 - 1, "żółć": 1},
    "point": (-(2**31), "y"),
    "pair": (255, None),
}
EMPTY = {
    "tags": [],
    "numbers": [],
    "grid": [],
    "optional_texts": [],
    "labels": [],
    "addresses": [],
    "stamps": [],
    "actions": [],
    "attrs": {},
    "point": (0, ""),
    "pair": (0, None),
}


def values_of(obj) -> dict:
    return {name: getattr(obj, name) for name in CONTAINERS}


# -- DDL -------------------------------------------------------------------------------


def test_each_container_creates_its_clickhouse_type():
    types = column_types("testapp_typed")
    assert {name: types[name] for name in CONTAINERS if name != "point"} == {
        "tags": "Array(String)",
        "numbers": "Array(UInt8)",
        "grid": "Array(Array(Int256))",
        "optional_texts": "Array(Nullable(String))",
        "labels": "Array(LowCardinality(String))",
        "addresses": "Array(IPv6)",
        "stamps": "Array(DateTime64(3, 'Asia/Tokyo'))",
        "actions": "Array(Enum8('Alert!' = -3, 'Pass' = 1, 'Drop' = 2))",
        "attrs": "Map(String, UInt64)",
        "pair": "Tuple(UInt8, Nullable(String))",
    }
    # ClickHouse writes a named tuple's type over several lines.
    assert "".join(types["point"].split()) == "Tuple(xInt32,yString)"


def test_migrations_name_the_public_module_and_the_element_fields():
    _, path, _, kwargs = Typed._meta.get_field("grid").deconstruct()
    assert path == "clickhouse_backend.models.ArrayField"
    inner = kwargs["base_field"]
    assert inner.deconstruct()[1] == "clickhouse_backend.models.ArrayField"
    assert inner.base_field.deconstruct()[1] == "clickhouse_backend.models.Int256Field"
    _, path, _, kwargs = Typed._meta.get_field("numbers").deconstruct()
    assert kwargs["size"] == 4
    _, path, _, kwargs = Typed._meta.get_field("point").deconstruct()
    assert path == "clickhouse_backend.models.TupleField"
    assert [name for name, _ in kwargs["base_fields"]] == ["x", "y"]
    _, path, _, kwargs = Typed._meta.get_field("attrs").deconstruct()
    assert (path, type(kwargs["key_field"]), type(kwargs["value_field"])) == (
        "clickhouse_backend.models.MapField",
        ch.StringField,
        ch.UInt64Field,
    )


# -- round trips -----------------------------------------------------------------------


def test_edge_values_round_trip_through_create_bulk_create_get_and_values():
    created = Typed.objects.create(**EDGES)
    bulk = Typed.objects.bulk_create([Typed(**EDGES), Typed()])
    expected = {**EDGES, "actions": [-3, 1]}
    for pk in (created.pk, bulk[0].pk):
        assert values_of(Typed.objects.get(pk=pk)) == expected
        assert Typed.objects.values(*CONTAINERS).get(pk=pk) == expected
    assert values_of(Typed.objects.get(pk=bulk[1].pk)) == EMPTY
    got = Typed.objects.get(pk=created.pk)
    # Elements read as their own fields read: text addresses, aware datetimes in the
    # column's zone, choice values, namedtuples for named tuples.
    assert got.addresses == ["1.2.3.4", "2001:db8::1", "::"]
    assert str(got.stamps[1].tzinfo) == "Asia/Tokyo" and got.stamps[0] == EDGES["stamps"][0]
    assert (got.point.x, got.point.y) == (-(2**31), "y")
    assert type(got.pair) is tuple
    assert list(Typed.objects.values_list("grid", flat=True).filter(pk=created.pk)) == [
        EDGES["grid"]
    ]


class Nesting(models.Model):
    """Containers in containers (created by the test that uses it)."""

    lists = ch.MapField(ch.StringField(), ch.ArrayField(ch.UInt8Field()))
    record = ch.TupleField([ch.ArrayField(ch.StringField(null=True)), ch.Int8Field()])
    records = ch.ArrayField(ch.TupleField([("k", ch.StringField()), ("at", ch.DateField())]))

    class Meta:
        app_label = "container_nesting"
        apps = Apps()


def test_containers_nest_in_each_other():
    connection = clickhouse()
    with connection.schema_editor() as editor:
        editor.create_model(Nesting)
    try:
        assert column_types("container_nesting_nesting")["lists"] == "Map(String, Array(UInt8))"
        day = datetime.date(2149, 6, 6)
        objects = Nesting.objects.using("clickhouse")
        objects.bulk_create(
            [
                Nesting(lists={"a": [1, 255], "b": []}, record=([None, "x"], -128),
                        records=[("k", day)]),
                Nesting(lists={}, record=([], 127), records=[]),
            ]
        )  # fmt: skip
        assert list(objects.order_by("record__1").values_list("lists", "record", "records")) == [
            ({"a": [1, 255], "b": []}, ([None, "x"], -128), [("k", day)]),
            ({}, ([], 127), []),
        ]
        assert objects.get(lists__a__1=255).records[0].at == day
        assert objects.filter(lists__b=[]).count() == 2  # a missing key is empty too
        assert objects.filter(lists__zz__len=0).count() == 2
        assert objects.filter(record__0__has="x").count() == 1
        with refused(r"Nesting\.lists: \{'a': \[256\]\} cannot be stored: at \['a'\]\[0\]"):
            objects.create(lists={"a": [256]}, record=([], 0))
        with refused(r"at \[0\]\.at, datetime\.date\(2149, 6, 7\) is outside"):
            objects.create(record=([], 0), records=[("k", datetime.date(2149, 6, 7))])
        assert objects.count() == 2
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Nesting)


def test_bulk_update_writes_containers():
    first, second = Typed.objects.bulk_create(
        [Typed(tags=["x"], attrs={"a": 1}), Typed(tags=["y", "z"], point=(1, "a"))]
    )
    first.tags, second.tags = ["new"], []
    first.attrs, second.point = {"z": 3}, (9, "nine")
    Typed.objects.bulk_update([first, second], ["tags", "attrs", "point"])
    # An empty array has no first element: NULL, which sorts last (as on PostgreSQL).
    assert list(Typed.objects.order_by("tags__0").values_list("tags", "attrs", "point")) == [
        (["new"], {"z": 3}, (0, "")),
        ([], {}, (9, "nine")),
    ]


def test_model_instances_with_containers_pickle():
    """As Django's cache stores them: named tuples come back with their names."""
    Typed.objects.create(**EDGES)
    loaded = pickle.loads(pickle.dumps(Typed.objects.get()))
    assert values_of(loaded) == {**EDGES, "actions": [-3, 1]}
    assert loaded.point.x == -(2**31)


def test_update_writes_whole_containers():
    obj = Typed.objects.create(**EDGES)
    changed = {
        "tags": [],
        "numbers": [255],
        "grid": [[1, 2**200], [-(2**255)]],
        "optional_texts": [None],
        "labels": ["x"],
        "addresses": ["::ffff:10.0.0.1"],
        "stamps": [datetime.datetime(2299, 12, 31, tzinfo=UTC)],
        "actions": [2],
        "attrs": {},
        "point": (2**31 - 1, "żółć"),
        "pair": (0, "set"),
    }
    assert Typed.objects.filter(pk=obj.pk).update(**changed) == 1
    got = values_of(Typed.objects.get(pk=obj.pk))
    assert got == {**changed, "addresses": ["10.0.0.1"]}
    obj = Typed.objects.get(pk=obj.pk)
    obj.attrs = {"a": 1, "b": 2}
    obj.point = {"x": 5, "y": "by name"}
    obj.save()
    assert Typed.objects.values_list("attrs", "point").get(pk=obj.pk) == (
        {"a": 1, "b": 2},
        (5, "by name"),
    )


# -- validation ------------------------------------------------------------------------

BAD = [
    # (field, value, what full_clean() says, what save() says)
    (
        "numbers",
        [1, 300],
        r"Element \[1\] \(300\)",
        r"Typed\.numbers: \[1, 300\] cannot be stored: at \[1\], 300 ",
    ),
    (
        "numbers",
        [1, "x"],
        r"Element \[1\] \('x'\)",
        r"Typed\.numbers: \[1, 'x'\] cannot be stored: at \[1\], 'x': .*expected a number",
    ),
    (
        "numbers",
        [1, 2, 3, 4, 5],
        "at most 4 elements",
        r"Typed\.numbers: \[1, 2, 3, 4, 5\] has 5 elements; size=4",
    ),
    ("numbers", "1,2", "Enter a list", r"Typed\.numbers: '1,2' is not a list"),
    (
        "grid",
        [[1], [2**255]],
        r"Element \[1\]\[0\]",
        r"Typed\.grid: \[\[1\], \[\d+\]\] cannot be stored: at \[1\]\[0\], \d+ is outside "
        "the range of ClickHouse's Int256",
    ),
    (
        "tags",
        ["a", None],
        r"Element \[1\] \(None\)",
        r"Typed\.tags: \['a', None\] cannot be stored: at \[1\], None: the elements are "
        "not nullable",
    ),
    ("attrs", ["a"], "Enter a dict", r"Typed\.attrs: \['a'\] is not a dict"),
    (
        "attrs",
        {"k": -1},
        r"Element \['k'\] \(-1\)",
        r"Typed\.attrs: \{'k': -1\} cannot be stored: at \['k'\], -1 ",
    ),
    (
        "pair",
        (1,),
        "Enter a tuple of 2 elements",
        r"Typed\.pair: \(1,\) is not a tuple of 2 elements",
    ),
    (
        "pair",
        (256, "a"),
        r"Element \[0\] \(256\)",
        r"Typed\.pair: \(256, 'a'\) cannot be stored: at \[0\], 256 ",
    ),
    ("point", {"x": 1}, "Enter a tuple of 2 elements", r"Typed\.point: \{'x': 1\} is not a tuple"),
    (
        "addresses",
        ["::1", "nope"],
        r"Element \[1\] \('nope'\)",
        r"Typed\.addresses: \['::1', 'nope'\] cannot be stored: at \[1\], 'nope' is not an "
        "IP address",
    ),
]


@pytest.mark.parametrize(("name", "bad", "invalid", "refusal"), BAD)
def test_bad_values_are_refused_before_anything_is_written(name, bad, invalid, refusal):
    """full_clean() says which element; save() and bulk_create() raise a DataError naming
    the field and the value, and nothing of the batch is written."""
    with pytest.raises(ValidationError, match=invalid) as caught:
        Typed(**{name: bad}).full_clean()
    assert list(caught.value.message_dict) == [name]
    with refused(refusal):
        Typed.objects.bulk_create([Typed(), Typed(**{name: bad}), Typed()])
    with refused(refusal):
        Typed(**{name: bad}).save()
    assert Typed.objects.count() == 0
    kept = Typed.objects.create()
    with refused(refusal):
        Typed.objects.filter(pk=kept.pk).update(**{name: bad})
    assert values_of(Typed.objects.get()) == EMPTY


def test_none_is_refused_for_a_container():
    """ClickHouse has no NULL array, map or tuple: an IntegrityError says to store an
    empty one, before anything is written."""
    with pytest.raises(IntegrityError, match=r"Typed\.tags: None cannot be stored.*empty one"):
        Typed.objects.bulk_create([Typed(), Typed(tags=None)])
    with pytest.raises(IntegrityError, match=r"Typed\.attrs: None"):
        Typed.objects.create(attrs=None)
    assert Typed.objects.count() == 0


def test_good_values_pass_full_clean_and_are_cleaned_by_their_fields():
    obj = Typed(numbers=["1", 2], point=["3", "y"], attrs={"k": "5"}, stamps=["2024-01-01T00:00Z"])
    obj.full_clean()
    assert (obj.numbers, obj.point, obj.attrs) == ([1, 2], (3, "y"), {"k": 5})
    assert obj.stamps == [datetime.datetime(2024, 1, 1, tzinfo=UTC)]


# -- lookups ---------------------------------------------------------------------------


@pytest.fixture
def rows():
    """Three rows to look up."""
    first, second, third = Typed.objects.bulk_create(
        [
            Typed(
                tags=["a", "b"],
                numbers=[1, 2, 3],
                grid=[[1, 2], [3]],
                optional_texts=["x", None],
                addresses=["10.0.0.1"],
                attrs={"color": 1, "size": 10},
                point=(1, "one"),
                pair=(1, None),
                text="first",
            ),
            Typed(
                tags=["b", "c"],
                numbers=[3],
                attrs={"color": 0},
                point=(2, "two"),
                pair=(2, "b"),
                text="second",
            ),
            Typed(text="third"),
        ]
    )
    return first, second, third


def texts(queryset) -> list[str]:
    return sorted(queryset.values_list("text", flat=True))


def test_array_lookups(rows):
    found = Typed.objects.filter
    assert texts(found(tags__contains=["b"])) == ["first", "second"]
    assert texts(found(tags__contains=["a", "b"])) == ["first"]
    assert texts(found(tags__contains=[])) == ["first", "second", "third"]
    assert texts(found(tags__contained_by=["a", "b"])) == ["first", "third"]
    assert texts(found(tags__overlap=["a", "c"])) == ["first", "second"]
    assert texts(found(tags__overlap=[])) == []
    assert texts(found(tags__has="c")) == ["second"]
    assert texts(found(numbers__has=3)) == ["first", "second"]
    assert texts(found(addresses__has="10.0.0.1")) == ["first"]
    assert texts(found(optional_texts__has=None)) == ["first"]
    assert texts(found(tags__len=2)) == ["first", "second"]
    assert texts(found(numbers__len__gt=1)) == ["first"]
    assert texts(found(tags=["b", "c"])) == ["second"]
    assert texts(found(tags=[])) == ["third"]
    assert texts(found(tags__in=[["b", "c"], []])) == ["second", "third"]
    assert texts(found(tags__isnull=True)) == []
    assert texts(found(grid=[[1, 2], [3]])) == ["first"]


def test_array_positions_are_zero_based_and_miss_past_the_end(rows):
    found = Typed.objects.filter
    assert texts(found(tags__0="b")) == ["second"]
    assert texts(found(tags__1="b")) == ["first"]
    assert texts(found(numbers__2=3)) == ["first"]
    # Past the end there is no element: no match, not ClickHouse's default (0 or '').
    assert texts(found(numbers__5=0)) == []
    assert texts(found(tags__5="")) == []
    assert texts(found(tags__5__isnull=True)) == ["first", "second", "third"]
    assert texts(found(tags__0__startswith="a")) == ["first"]
    assert texts(found(grid__0__1=2)) == ["first"]
    assert texts(found(tags__0_1=["a"])) == ["first"]
    assert texts(found(numbers__1_3=[2, 3])) == ["first"]
    assert texts(found(numbers__1_3=[])) == ["second", "third"]
    values = Typed.objects.filter(text="first").values_list("tags__1", "numbers__0_2", "grid__1")
    assert list(values) == [("b", [1, 2], [3])]


def test_element_lookups_are_the_element_fields(rows):
    """Positions and has() compare as the element field does: addresses as addresses
    (and as text), enum values, datetimes, LowCardinality strings."""
    Typed.objects.create(
        text="typed",
        labels=["tcp"],
        addresses=["10.0.0.1", "2001:db8::1"],
        actions=[Typed.Action.ALERT],
        stamps=[datetime.datetime(2024, 5, 6, 1, tzinfo=UTC)],
    )
    found = Typed.objects.filter
    assert texts(found(labels__0="tcp")) == ["typed"]
    assert texts(found(addresses__0="10.0.0.1")) == ["first", "typed"]
    assert texts(found(addresses__1__startswith="2001:")) == ["typed"]
    assert texts(found(addresses__has="2001:db8:0::1")) == ["typed"]
    assert texts(found(actions__has=Typed.Action.ALERT)) == ["typed"]
    assert texts(found(actions__0=-3)) == ["typed"]
    assert texts(found(stamps__0__year=2024)) == ["typed"]
    assert texts(found(stamps__0__hour=1)) == ["typed"]  # in the current zone, as Django
    assert list(found(text="typed").values_list("addresses__1", "actions__0")) == [
        ("2001:db8::1", -3)
    ]


def test_map_lookups(rows):
    found = Typed.objects.filter
    assert texts(found(attrs__color=1)) == ["first"]
    assert texts(found(attrs__color=0)) == ["second"]  # the key is there, with 0
    assert texts(found(attrs__size__gte=5)) == ["first"]
    assert texts(found(attrs__missing=0)) == []  # no key: no value, not the default 0
    assert texts(found(attrs__missing__isnull=True)) == ["first", "second", "third"]
    assert texts(found(attrs__has_key="size")) == ["first"]
    assert texts(found(attrs__keys__contains=["color"])) == ["first", "second"]
    assert texts(found(attrs__values__has=10)) == ["first"]
    assert texts(found(attrs__len=0)) == ["third"]
    assert texts(found(attrs={"color": 0})) == ["second"]
    # Maps are equal as dicts are, whatever the order of their keys.
    assert texts(found(attrs={"size": 10, "color": 1})) == ["first"]
    assert texts(found(attrs__in=[{"size": 10, "color": 1}])) == ["first"]
    assert texts(found(attrs={"color": 1})) == []
    assert texts(found(attrs={})) == ["third"]
    assert texts(found(attrs__in=[{"color": 0}, {}])) == ["second", "third"]
    values = Typed.objects.filter(text="first").values_list("attrs__size", "attrs__keys")
    assert list(values) == [(10, ["color", "size"])]


def test_tuple_lookups(rows):
    found = Typed.objects.filter
    assert texts(found(point__0=2)) == ["second"]
    assert texts(found(point__x__gte=1)) == ["first", "second"]
    assert texts(found(point__y__startswith="t")) == ["second"]
    assert texts(found(point__1="one")) == ["first"]
    assert texts(found(pair__1__isnull=True)) == ["first", "third"]
    assert texts(found(point=(1, "one"))) == ["first"]
    pairs = dict(found().values_list("text", "pair"))
    assert texts(found(pair=pairs["first"])) == ["first"]  # with its NULL element
    assert texts(found(point__in=[(1, "one"), (0, "")])) == ["first", "third"]
    assert list(found(text="second").values_list("point__y", "pair__0")) == [("two", 2)]
    with pytest.raises(Exception, match="Unsupported lookup 'z'"):
        list(found(point__z=1))


def test_lookup_values_are_escaped_by_the_driver(rows):
    """Elements and map keys travel as parameters: quotes and backslashes in them match
    as text and never end their literal."""
    attack = "x') OR 1=1 OR has(tags, 'a"
    Typed.objects.create(tags=[attack], attrs={attack: 7}, text="attack")
    found = Typed.objects.filter
    assert texts(found(tags__has=attack)) == ["attack"]
    assert texts(found(tags__contains=[attack])) == ["attack"]
    assert texts(found(tags=[attack])) == ["attack"]
    assert texts(found(**{f"attrs__{attack}": 7})) == ["attack"]
    assert texts(found(attrs__has_key=attack)) == ["attack"]
    key = "k'] OR 1 OR ['"
    assert texts(found(**{f"attrs__{key}": 0})) == []
    assert texts(found(attrs__has_key="\\'")) == []


# -- forms -----------------------------------------------------------------------------


def test_model_form_edits_containers_as_json_checked_element_by_element():
    form_class = modelform_factory(Typed, fields=["tags", "numbers", "attrs", "point", "grid"])
    form = form_class(
        {
            "tags": '["a", "żółć"]',
            "numbers": "[1, 255]",
            "attrs": '{"k": 5}',
            "point": '[3, "y"]',
            "grid": "[[1], []]",
        }
    )
    assert form.is_valid(), form.errors
    obj = form.save()
    assert values_of(Typed.objects.get(pk=obj.pk)) == {
        **EMPTY,
        "tags": ["a", "żółć"],
        "numbers": [1, 255],
        "attrs": {"k": 5},
        "point": (3, "y"),
        "grid": [[1], []],
    }
    html = str(form_class(instance=obj)["attrs"])
    assert "<textarea" in html and "{&quot;k&quot;: 5}" in html
    bad = form_class(
        {
            "tags": '["a"',
            "numbers": '[1, 256, "x"]',
            "attrs": '{"k": -1}',
            "point": "[1]",
            "grid": '[["x"]]',
        }
    )
    assert not bad.is_valid()
    assert bad.errors["tags"] == ["Enter a list as JSON."]
    assert "Element [1] (256)" in bad.errors["numbers"][0]
    assert "less than or equal to 255" in bad.errors["numbers"][0]
    assert "Element ['k'] (-1)" in bad.errors["attrs"][0]
    assert bad.errors["point"] == ["Enter a tuple of 2 elements."]
    assert "Element [0][0] ('x')" in bad.errors["grid"][0]


def test_the_admin_edits_containers_in_a_textarea():
    form_class = ModelAdmin(Typed, AdminSite()).get_form(
        RequestFactory().get("/"), fields=["tags", "attrs", "point"]
    )
    assert isinstance(form_class.base_fields["tags"].widget, forms.Textarea)
    form = form_class({"tags": '["a"]', "attrs": '{"k": 1}', "point": '{"x": 1, "y": "z"}'})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["attrs"], form.cleaned_data["point"]) == ({"k": 1}, (1, "z"))
    assert not form_class({"tags": "[]", "attrs": '{"k": "many"}', "point": "[1, 2]"}).is_valid()


# -- serialization ---------------------------------------------------------------------


@pytest.mark.parametrize("format", ["json", "xml"])
def test_dumpdata_and_loaddata_round_trip(tmp_path, format):
    created = Typed.objects.create(**EDGES)
    out = io.StringIO()
    call_command("dumpdata", "testapp.Typed", format=format, database="clickhouse", stdout=out)
    if format == "json":
        fields = json.loads(out.getvalue())[0]["fields"]
        assert json.loads(fields["grid"]) == EDGES["grid"]
        assert json.loads(fields["addresses"]) == EDGES["addresses"]
    fixture = tmp_path / f"typed.{format}"
    fixture.write_text(out.getvalue())
    raw("TRUNCATE TABLE testapp_typed")
    call_command("loaddata", str(fixture), database="clickhouse", verbosity=0)
    loaded = Typed.objects.get()
    assert loaded.pk == created.pk
    assert values_of(loaded) == {**EDGES, "actions": [-3, 1]}


def test_text_form_round_trips_through_to_python():
    for name, value in EDGES.items():
        field = Typed._meta.get_field(name)
        text = field.value_to_string(Typed(**{name: value}))
        assert field.to_python(text) == field.to_python(value), name


# -- system checks ---------------------------------------------------------------------


def test_checks_refuse_what_clickhouse_refuses():
    assert check_ids(ch.ArrayField(ch.StringField(), null=True)) == ["clickhouse_backend.E120"]
    assert check_ids(ch.MapField(ch.StringField(), ch.UInt8Field(), null=True)) == [
        "clickhouse_backend.E120"
    ]
    assert check_ids(ch.TupleField([ch.StringField()], null=True)) == ["clickhouse_backend.E120"]
    assert check_ids(ch.ArrayField(ch.StringField(), low_cardinality=True)) == [
        "clickhouse_backend.E121"
    ]
    assert check_ids(ch.ArrayField("text")) == ["clickhouse_backend.E122"]
    assert check_ids(ch.ArrayField(ch.StringField(), size=-1)) == ["clickhouse_backend.E123"]
    assert check_ids(ch.MapField(ch.StringField(null=True), ch.UInt8Field())) == [
        "clickhouse_backend.E124"
    ]
    assert check_ids(ch.TupleField([])) == ["clickhouse_backend.E125"]
    assert check_ids(ch.TupleField([("x", ch.StringField()), ch.StringField()])) == [
        "clickhouse_backend.E125"
    ]
    assert check_ids(ch.TupleField([("not a name", ch.StringField())])) == [
        "clickhouse_backend.E125"
    ]
    # The element fields' own checks, on the container.
    assert check_ids(ch.ArrayField(ch.DateTime64Field(low_cardinality=True))) == [
        "clickhouse_backend.E101"
    ]
    assert check_ids(ch.ArrayField(ch.ArrayField(ch.StringField(), null=True))) == [
        "clickhouse_backend.E120"
    ]
    # A list or dict default would be shared by every instance (Django's warning).
    assert check_ids(ch.ArrayField(ch.StringField(), default=[])) == ["fields.E010"]
    assert check_ids(ch.MapField(ch.StringField(), ch.UInt8Field(), default={})) == ["fields.E010"]
    allowed = ch.ArrayField(ch.StringField(null=True, low_cardinality=True))
    assert check_ids(allowed) == []
    assert allowed.db_type(clickhouse()) == "Array(LowCardinality(Nullable(String)))"


def test_null_hint_says_what_to_do_instead():
    class Checked(models.Model):
        value = ch.ArrayField(ch.StringField(), null=True)

        class Meta:
            app_label = "testapp"
            apps = Apps()

    (error,) = Checked._meta.get_field("value").check()
    assert "no Nullable(Array)" in error.msg
    assert "empty" in error.hint and "null=True on the element field" in error.hint


# -- migrations ------------------------------------------------------------------------

MIGRATION_APPS = Apps()


class Holding(models.Model):
    """Created, altered and dropped by the migration tests."""

    values = ch.ArrayField(ch.UInt8Field(), default=list)

    class Meta:
        app_label = "container_migrations"
        apps = MIGRATION_APPS


@pytest.fixture
def holding():
    connection = clickhouse()
    with connection.schema_editor() as editor:
        editor.create_model(Holding)
    Holding.objects.using("clickhouse").bulk_create([Holding(values=[1, 255]), Holding(values=[])])
    yield connection
    with connection.schema_editor() as editor:
        editor.delete_model(Holding)


def test_altering_elements_modifies_the_column_and_keeps_the_data(holding):
    steps = [
        (ch.ArrayField(ch.UInt16Field(), default=list), "Array(UInt16)"),
        (ch.ArrayField(ch.UInt16Field(null=True), default=list), "Array(Nullable(UInt16))"),
        (ch.ArrayField(ch.StringField(), default=list), "Array(String)"),
        (
            ch.ArrayField(ch.StringField(low_cardinality=True), default=list),
            "Array(LowCardinality(String))",
        ),
    ]
    field = Holding._meta.get_field("values")
    for new_field, column_type in steps:
        (statement,) = alter(Holding, field, new_field)
        assert statement.startswith(
            'ALTER TABLE "container_migrations_holding" MODIFY COLUMN "values"'
        )
        assert column_types("container_migrations_holding")["values"] == column_type
        field = new_field
    stored = raw("SELECT values FROM container_migrations_holding ORDER BY length(values)")
    assert stored == [([],), (["1", "255"],)]


def test_adding_a_container_fills_existing_rows_with_its_default(holding):
    field = ch.MapField(ch.StringField(), ch.Int8Field(), default=dict)
    field.set_attributes_from_name("extra")
    with holding.schema_editor() as editor:
        editor.add_field(Holding, field)
    assert column_types("container_migrations_holding")["extra"] == "Map(String, Int8)"
    assert raw("SELECT extra FROM container_migrations_holding") == [({},), ({},)]


# -- inspectdb -------------------------------------------------------------------------

INSPECTED_TABLE = """
CREATE TABLE inspected_containers (
    id UInt64,
    words Array(Nullable(String)),
    labels Array(LowCardinality(String)),
    grid Array(Array(UInt8)),
    counts Map(String, UInt64),
    nested Map(LowCardinality(String), Array(Nullable(Int32))),
    pair Tuple(UInt8, String),
    point Tuple(at DateTime64(3, 'Asia/Tokyo'), kind Enum8('a,b' = 1, 'c' = 2)),
    rows Array(Tuple(k FixedString(2), v Decimal(10, 2))),
    oddity Array(Int128)
) ENGINE = MergeTree ORDER BY id
"""


def test_type_names_parse_nested_and_named_types():
    from clickhouse_backend.backend.type_names import parse

    parsed = parse("Map(LowCardinality(String), Array(Nullable(Int32)))")
    assert (parsed.name, parsed.elements()) == (
        "Map",
        [(None, "LowCardinality(String)"), (None, "Array(Nullable(Int32))")],
    )
    named = parse("Tuple(\n    at DateTime64(3, 'Asia/Tokyo'),\n    `odd name` Enum8('a,b' = 1))")
    assert named.elements() == [
        ("at", "DateTime64(3, 'Asia/Tokyo')"),
        ("odd name", "Enum8('a,b' = 1)"),
    ]
    assert parse("Tuple(UInt8, String)").elements() == [(None, "UInt8"), (None, "String")]
    assert parse("DateTime64(3, 'UTC')").elements() == []
    # A container of a type that has no field is guessed as a whole (a TextField).
    introspection = clickhouse().introspection
    with pytest.raises(KeyError):
        introspection.get_field_type("Map(String, Array(NoSuchType))", None)


def test_inspectdb_writes_nested_fields_that_create_the_same_table():
    raw(INSPECTED_TABLE)
    try:
        source, model = inspected("inspected_containers")
        assert (
            "words = clickhouse_backend.models.ArrayField(base_field=models.TextField(null=True, "
            "blank=True))" in source
        )
        assert (
            "counts = clickhouse_backend.models.MapField(key_field=models.TextField(), "
            "value_field=models.PositiveBigIntegerField())" in source
        )
        assert "base_fields=[('at', clickhouse_backend.models.DateTime64Field(" in source
        with created_as(model, "inspected_again"):
            assert column_types("inspected_again") == column_types("inspected_containers")
            model.objects.using("clickhouse").create(
                id=1,
                words=[None, "a"],
                counts={"k": 1},
                pair=(1, "x"),
                point=(datetime.datetime(2024, 1, 1, tzinfo=UTC), 1),
                rows=[("ab", "1.50")],
            )
            got = model.objects.using("clickhouse").get()
            assert (got.words, got.counts, got.pair) == ([None, "a"], {"k": 1}, (1, "x"))
            assert got.point == (datetime.datetime(2024, 1, 1, tzinfo=UTC), 1)
            assert (got.grid, got.nested) == ([], {})
            assert got.rows == [("ab", decimal.Decimal("1.50"))]
    finally:
        raw("DROP TABLE inspected_containers")


# -- both transports -------------------------------------------------------------------


def test_both_transports_give_containers_the_same_values(native, connect):
    """The native transport (clickhouse-server over TCP; 18.16 here, which knows Array
    and Tuple but not Map) decodes containers as the embedded one does: arrays as lists,
    tuples as tuples; so the fields' read converters see the same values. Columns
    prepared by the fields insert on the native transport too."""
    embedded = connect()
    query = (
        "SELECT [toUInt8(0), 255], [[toInt64(-1)], []], [NULL, 'a'], "
        "CAST(['Pass', 'Alert!'] AS Array(Enum8('Alert!' = -3, 'Pass' = 1))), "
        "tuple(toUInt8(1), 'x'), [tuple(toUInt8(2), 'y')]"
    )
    rows = []
    for connection in (native, embedded):
        cursor = connection.cursor()
        cursor.execute(query)
        rows.append(cursor.fetchall())
    assert (
        rows[0]
        == rows[1]
        == [([0, 255], [[-1], []], [None, "a"], ["Pass", "Alert!"], (1, "x"), [(2, "y")])]
    )
    actions = Typed._meta.get_field("actions")
    convert = actions.get_db_converters(clickhouse())[-1]
    assert convert(rows[0][0][3], None, clickhouse()) == [1, -3]
    # With allow_experimental_object_type, clickhouse-driver reads named tuples as dicts.
    point = Typed._meta.get_field("point").get_db_converters(clickhouse())[-1]
    assert point({"x": 1, "y": "a"}, None, clickhouse()).y == "a"

    table = "t_containers_native"
    cursor = native.cursor()
    cursor.execute(f"CREATE TABLE {table} (numbers Array(UInt8), grid Array(Array(Int64))) "
                   "ENGINE = Memory")  # fmt: skip
    try:
        numbers = ch.ArrayField(ch.UInt8Field())
        grid = ch.ArrayField(ch.ArrayField(ch.Int64Field()))
        columns = [
            numbers.get_db_prep_column([[0, 255], []], clickhouse()),
            grid.get_db_prep_column([[[1, -(2**63)]], [[], [2]]], clickhouse()),
        ]
        cursor.executemany(f"INSERT INTO {table} (numbers, grid) VALUES", columns, columnar=True)
        cursor.execute(f"SELECT numbers, grid FROM {table}")
        assert cursor.fetchall() == [([0, 255], [[1, -(2**63)]]), ([], [[], [2]])]
    finally:
        cursor.execute(f"DROP TABLE {table}")

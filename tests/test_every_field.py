"""One model with a column of every ClickHouse field (testapp.Typed): boundary values
round-trip through create, bulk_create, get, values, filter and update, and inspectdb
gives back a model that creates the same table and reads the same values.

Runs on the suite's ClickHouse: the embedded engine, or the server that
CLICKHOUSE_TEST_DSN names. Each family's own behaviour (validation, lookups, forms,
migrations) is tested in tests/test_fields*.py.
"""

import datetime
import decimal
import math
import uuid
import zoneinfo

import pytest
from django import forms
from django.apps.registry import Apps
from django.db import connections, models
from django.db.models.functions import Now
from django.forms import modelform_factory
from field_helpers import column_types, created_as, inspected
from testapp.models import Typed

from clickhouse_backend import models as ch
from clickhouse_backend.models import fields as clickhouse_fields
from clickhouse_backend.models.sql.insert_values import prepare_column

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)

UTC = datetime.timezone.utc
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")

_INTEGER_LOWS = {
    f"{'u' if unsigned else ''}int{bits}": 0 if unsigned else -(2 ** (bits - 1))
    for unsigned in (False, True)
    for bits in (8, 16, 32, 64, 128, 256)
}
_INTEGER_HIGHS = {
    f"{'u' if unsigned else ''}int{bits}": 2**bits - 1 if unsigned else 2 ** (bits - 1) - 1
    for unsigned in (False, True)
    for bits in (8, 16, 32, 64, 128, 256)
}

# Per column: the values at one end of its range (or empty, or None) ...
LOW = {
    **_INTEGER_LOWS,
    "text": "",
    "name": "",
    "protocol": "",
    "label": None,
    "code": "",
    "ipv4": "0.0.0.0",
    "ipv6": "::",
    "address": None,
    "address_v4": None,
    "day": datetime.date(1970, 1, 1),
    "day32": datetime.date(1900, 1, 1),
    "moment": datetime.datetime(1970, 1, 1, tzinfo=UTC),
    "moment_berlin": None,
    "stamp": datetime.datetime(1900, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
    "stamp_tokyo": datetime.datetime(1969, 12, 31, 23, 59, 59, 125000, tzinfo=TOKYO),
    "action": Typed.Action.ALERT,
    "kind": None,
    "severity": -128,
    "float32": -3.4028234663852886e38,
    "float64": -math.inf,
    "dec9": decimal.Decimal("-9999999.99"),
    "dec18": decimal.Decimal("-0.999999999999999999"),
    "dec38": decimal.Decimal("-" + "9" * 38),
    "dec76": decimal.Decimal("-" + "9" * 56 + "." + "9" * 20),
    "flag": False,
    "maybe": None,
    "ident": uuid.UUID(int=0),
    "key": None,
    "clock": datetime.time(0, 0),
    "duration": datetime.timedelta(microseconds=-(2**63)),
    "tags": [],
    "numbers": [],
    "grid": [[]],
    "optional_texts": [None],
    "labels": [],
    "addresses": ["::ffff:0.0.0.0"],
    "stamps": [],
    "actions": [],
    "attrs": {},
    "point": (-(2**31), ""),
    "pair": (0, None),
    "data": {},
    "tuned": None,
    "location": (-1.7976931348623157e308, -0.0),
    "ring": [],
    "polygon": [],
    "multipolygon": [],
}
# ... and at the other end (or full, unicode, sub-second, IPv4-mapped).
HIGH = {
    **_INTEGER_HIGHS,
    "text": "żółć \U0001f600 'quoted' \\ \0 end",
    "name": "12345",
    "protocol": "ünïcode",
    "label": "x",
    "code": "żż",
    "ipv4": "255.255.255.255",
    "ipv6": "::ffff:10.1.2.3",
    "address": "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    "address_v4": "10.0.0.1",
    "day": datetime.date(2149, 6, 6),
    "day32": datetime.date(2299, 12, 31),
    "moment": datetime.datetime(2106, 2, 7, 6, 28, 15, tzinfo=UTC),
    "moment_berlin": datetime.datetime(2024, 3, 31, 3, 0, 1, tzinfo=BERLIN),
    "stamp": datetime.datetime(2200, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    "stamp_tokyo": datetime.datetime(2024, 1, 1, 0, 0, 0, 123000, tzinfo=TOKYO),
    "action": Typed.Action.DROP,
    "kind": Typed.Protocol.ICMP,
    "severity": 127,
    "float32": math.nan,
    "float64": 1.7976931348623157e308,
    "dec9": decimal.Decimal("9999999.99"),
    "dec18": decimal.Decimal("0.000000000000000001"),
    "dec38": decimal.Decimal("9" * 38),
    "dec76": decimal.Decimal("9" * 56 + "." + "9" * 20),
    "flag": True,
    "maybe": False,
    "ident": uuid.UUID(int=2**128 - 1),
    "key": uuid.UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
    "clock": datetime.time(23, 59, 59, 999999),
    "duration": datetime.timedelta(days=7, microseconds=1),
    "tags": ["", "żółć", "it's", "\\"],
    "numbers": [0, 1, 254, 255],
    "grid": [[-(2**255), 2**255 - 1], []],
    "optional_texts": ["", None, "x"],
    "labels": ["a", "a", "b"],
    "addresses": ["::ffff:10.0.0.1", "2001:db8::1"],
    "stamps": [datetime.datetime(1969, 12, 31, 23, 59, 59, 125000, tzinfo=TOKYO)],
    "actions": [Typed.Action.ALERT, Typed.Action.PASS],
    "attrs": {"": 0, "ключ": 2**64 - 1},
    "point": (2**31 - 1, "y \U0001f600"),
    "pair": (255, "z"),
    "data": {
        "user": {"name": "żółć 'x'", "tags": ["a", "b"]},
        "n": 2**63 - 1,
        "m": -(2**63),
        "f": 1.5,
        "ok": True,
    },
    "tuned": {"secret": {"token": "x", "kept": 1}, "tmp_cache": 2, "kept": "y"},
    "location": (13.4, 52.5),
    "ring": [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)],
    "polygon": [[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0)], [(1.0, 1.0), (2.0, 1.0), (2.0, 2.0)]],
    "multipolygon": [
        [[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]],
        [[(5.0, 5.0), (6.0, 5.0), (6.0, 6.0)]],
    ],
}


def _without_skipped_paths(document: dict | None) -> dict | None:
    """What Typed.tuned keeps: skip_paths=["secret.token"], skip_regexps=["^tmp_"]."""
    if document is None:
        return None
    kept = {key: value for key, value in document.items() if not key.startswith("tmp_")}
    if "secret" in kept:
        kept["secret"] = {k: v for k, v in kept["secret"].items() if k != "token"}
    return kept


# How ClickHouse gives some values back: IPv4-mapped addresses as IPv4, JSON without
# the paths the type skips.
READ_BACK = {
    "ipv6": lambda value: value.removeprefix("::ffff:"),
    "addresses": lambda value: [address.removeprefix("::ffff:") for address in value],
    "tuned": _without_skipped_paths,
}


def expected(values: dict) -> dict:
    return {name: READ_BACK.get(name, _same)(value) for name, value in values.items()}


def _same(value):
    return value


def comparable(values: dict) -> dict:
    """Values with NaN made equal to itself, so that rows can be compared with ==."""
    return {name: _comparable(value) for name, value in values.items()}


def _comparable(value):
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, list):
        return list(map(_comparable, value))
    if isinstance(value, tuple):  # named tuples too
        return tuple(map(_comparable, value))
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    return value


def column_names() -> list[str]:
    return [field.name for field in Typed._meta.concrete_fields if not field.primary_key]


def test_the_model_has_a_column_of_every_field_and_both_ends_of_each():
    used = {type(field) for field in Typed._meta.concrete_fields}
    missing = [
        name for name in clickhouse_fields.__all__ if getattr(clickhouse_fields, name) not in used
    ]
    assert missing == []
    assert sorted(LOW) == sorted(HIGH) == sorted(column_names())


def test_boundary_values_round_trip_through_the_orm():
    low = Typed.objects.bulk_create([Typed(**LOW)])[0]
    high = Typed.objects.create(**HIGH)
    names = column_names()

    fetched = Typed.objects.get(pk=high.pk)
    assert comparable({name: getattr(fetched, name) for name in names}) == comparable(
        expected(HIGH)
    )
    assert comparable(Typed.objects.values(*names).get(pk=low.pk)) == comparable(expected(LOW))

    # Each column's value, as it reads back, finds its own row and only it.
    for values, row in ((LOW, low), (HIGH, high)):
        for name, value in expected(values).items():
            lookup = {f"{name}__isnull": True} if value is None else {name: value}
            found = list(Typed.objects.filter(**lookup).values_list("pk", flat=True))
            assert found == [row.pk], (name, value)

    # update() writes each column of one row with the other row's values.
    assert Typed.objects.filter(pk=low.pk).update(**HIGH) == 1
    assert comparable(Typed.objects.values(*names).get(pk=low.pk)) == comparable(expected(HIGH))
    assert Typed.objects.filter(pk=high.pk).update(**LOW) == 1
    assert comparable(Typed.objects.values(*names).get(pk=high.pk)) == comparable(expected(LOW))


def test_inspectdb_gives_a_model_that_creates_and_reads_the_same_table():
    Typed.objects.bulk_create([Typed(**LOW), Typed(**HIGH)])
    _, model = inspected("testapp_typed")
    connection = connections["clickhouse"]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE inspected_copy AS testapp_typed")
    try:
        copy_types = column_types("inspected_copy")
        with created_as(model, "inspected_again"):
            assert column_types("inspected_again") == copy_types
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE inspected_copy")
    model._meta.db_table = "testapp_typed"
    names = column_names()
    read = model.objects.using("clickhouse").order_by("int8").values(*names)
    for row, values in zip(read, (LOW, HIGH), strict=True):
        wanted = expected(values)
        # An inspected Enum has ClickHouse's numbers as its values (the labels are text
        # choices of Typed.kind, numbered from 1 in their order).
        if wanted["kind"] is not None:
            wanted["kind"] = Typed.Protocol.values.index(wanted["kind"]) + 1
        # Django's TimeField and DurationField are stored as text and microseconds,
        # which is what a model inspected from the table reads.
        wanted["clock"] = wanted["clock"].isoformat("microseconds")
        wanted["duration"] //= datetime.timedelta(microseconds=1)
        assert _differences(comparable(row), comparable(wanted)) == {}


def _differences(read: dict, wanted: dict) -> dict:
    return {name: (read[name], value) for name, value in wanted.items() if read[name] != value}


# Typed's columns whose types Debian's clickhouse-server 18.16 also has (it lacks
# Int128/256, Bool, Date32, DateTime64, IPv4/IPv6, Map, JSON, named tuples, geo types).
OLD_SERVER_COLUMNS = [
    *(name for name in _INTEGER_LOWS if name[-3:] not in ("128", "256")),
    *("text", "name", "protocol", "label", "code", "day", "moment", "moment_berlin"),
    *("action", "kind", "severity", "float32", "float64", "dec9", "dec18", "dec38"),
    *("ident", "clock", "duration", "tags", "numbers", "optional_texts", "labels"),
    *("actions", "pair"),
]


@pytest.mark.parametrize("use_tz", [True, False])
def test_both_transports_give_the_same_python_values(native, connect, settings, use_tz):
    """Columns prepared by the fields, inserted and read on a server over TCP and on the
    embedded engine, give the same Python values after the fields' converters; with
    USE_TZ on, the values that were written."""
    settings.USE_TZ = use_tz
    fields = [Typed._meta.get_field(name) for name in OLD_SERVER_COLUMNS]
    connection = connections["clickhouse"]
    definition = ", ".join(f"`{field.column}` {_full_type(field, connection)}" for field in fields)
    rows = [LOW, HIGH]
    read = []
    for transport in (native, connect()):
        cursor = transport.cursor()
        if transport is native:  # 18.16 wants it for LowCardinality
            cursor.execute("SET allow_experimental_low_cardinality_type = 1")
        cursor.execute(f"CREATE TABLE IF NOT EXISTS across ({definition}) ENGINE = Memory")
        try:
            columns = [
                prepare_column(field, [row[field.name] for row in rows], connection)
                for field in fields
            ]
            names = ", ".join(f"`{field.column}`" for field in fields)
            cursor.executemany(f"INSERT INTO across ({names}) VALUES", columns, columnar=True)
            cursor.execute(f"SELECT {names} FROM across ORDER BY int8")
            read.append([_converted(fields, row, connection) for row in cursor.fetchall()])
        finally:
            cursor.execute("DROP TABLE across")
    native_rows, embedded_rows = read
    assert [comparable(row) for row in native_rows] == [comparable(row) for row in embedded_rows]
    if use_tz:
        wanted = [{field.name: expected(row)[field.name] for field in fields} for row in rows]
        assert [comparable(row) for row in native_rows] == [comparable(row) for row in wanted]


def _full_type(field, connection) -> str:
    """The column's type in the spelling every server reads (``Nullable(T)``)."""
    column_type = field.db_type(connection)
    if field.null and not column_type.startswith(("Nullable(", "LowCardinality(")):
        return f"Nullable({column_type})"
    return column_type


def _converted(fields: list, row: tuple, connection) -> dict:
    """A row as the ORM gives it: each value through its column's converters."""
    values = {}
    for field, value in zip(fields, row, strict=True):
        column = field.get_col(Typed._meta.db_table)
        converters = connection.ops.get_db_converters(column)
        converters += column.get_db_converters(connection)
        for convert in converters:
            value = convert(value, column, connection)
        values[field.name] = value
    return values


# HIGH as a form takes it back: Django refuses NUL in text and an empty element where
# the element field is not blank=True; its TimeField widget shows whole seconds; a
# nullable text field's form gives None for "".
VALID_HIGH = {
    **HIGH,
    "clock": HIGH["clock"].replace(microsecond=0),
    "optional_texts": [text for text in HIGH["optional_texts"] if text != ""],
    "text": HIGH["text"].replace("\0", ""),
    "tags": [tag for tag in HIGH["tags"] if tag],
    "attrs": {key: value for key, value in HIGH["attrs"].items() if key},
}


def test_the_valid_values_pass_full_clean():
    Typed(**LOW).full_clean()
    Typed(**VALID_HIGH).full_clean()


@pytest.mark.parametrize("values", [LOW, VALID_HIGH], ids=["low", "high"])
def test_a_model_form_shows_and_takes_back_every_value(values):
    """What a ModelForm (and so the admin) shows for each field, posted back unchanged,
    cleans to the same values, and saving the form changes nothing."""
    saved = Typed.objects.create(**values)
    instance = Typed.objects.get(pk=saved.pk)
    form_class = modelform_factory(Typed, fields=column_names())
    shown = form_class(instance=instance)
    assert str(shown)  # every widget renders
    data = {}
    for name in column_names():
        value = shown[name].value()
        widget = shown.fields[name].widget
        if isinstance(widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif isinstance(widget, forms.Select):
            data[name] = "" if value is None else str(value)
        else:
            data[name] = "" if value is None else widget.format_value(value)
    posted = form_class(data, instance=instance)
    assert posted.is_valid(), posted.errors
    posted.save()
    assert comparable(Typed.objects.values(*column_names()).get(pk=saved.pk)) == comparable(
        expected(values)
    )


DEFAULTS_APPS = Apps()


class Defaults(models.Model):
    """A db_default on a field of each family (ClickHouse computes the value)."""

    array = ch.ArrayField(ch.StringField(), db_default=["x", "it's"])
    map = ch.MapField(ch.StringField(), ch.UInt64Field(), db_default={"k": 2**64 - 1})
    pair = ch.TupleField([ch.UInt8Field(), ch.StringField()], db_default=(1, "z"))
    document = ch.JSONField(db_default={"a": {"b": 1}})
    location = ch.PointField(db_default=(1.5, -2.0))
    ident = ch.UUIDField(db_default=uuid.UUID(int=5))
    amount = ch.DecimalField(max_digits=40, decimal_places=2, db_default=decimal.Decimal("1.50"))
    ratio = ch.Float32Field(db_default=0.5)
    flag = ch.BoolField(db_default=True)
    stamp = ch.DateTime64Field(precision=3, timezone="Asia/Tokyo", db_default=Now())
    day = ch.Date32Field(db_default=datetime.date(1901, 2, 3))
    action = ch.EnumField(choices=[(1, "A"), (-2, "B")], db_default=-2)
    address = ch.IPv6Field(db_default="10.0.0.1")
    big = ch.UInt256Field(db_default=2**256 - 1)
    code = ch.FixedStringField(max_bytes=3, low_cardinality=True, db_default="ab")

    class Meta:
        app_label = "every_field"
        apps = DEFAULTS_APPS


@pytest.fixture
def defaults():
    connection = connections["clickhouse"]
    with connection.schema_editor() as editor:
        editor.create_model(Defaults)
    yield Defaults.objects.using("clickhouse")
    with connection.schema_editor() as editor:
        editor.delete_model(Defaults)


def test_db_defaults_of_every_family_are_written_by_clickhouse(defaults):
    """create() and bulk_create() without values: each column holds its db_default."""
    before = datetime.datetime.now(UTC).replace(microsecond=0)
    defaults.create()
    defaults.bulk_create([Defaults(), Defaults(ratio=0.25)])
    names = [field.name for field in Defaults._meta.fields if field.name not in ("id", "stamp")]
    wanted = {name: Defaults._meta.get_field(name).db_default for name in names}
    wanted["address"] = "10.0.0.1"
    rows = list(defaults.order_by("ratio").values(*names, "stamp"))
    assert [row.pop("ratio") for row in rows] == [0.25, 0.5, 0.5]
    del wanted["ratio"]
    for row in rows:
        assert before <= row.pop("stamp") <= datetime.datetime.now(UTC)
        assert row == wanted

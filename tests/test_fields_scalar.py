"""ClickHouse's scalar types as fields: Float32Field, Float64Field, DecimalField, BoolField
and UUIDField, LowCardinality of every field type checked against real DDL, and Django's
own TimeField and DurationField sorting and comparing correctly — on the suite's
ClickHouse, through testapp.Typed and its migration."""

import datetime
import decimal
import io
import json
import math
import re
import struct
import uuid
from unittest import mock

import pytest
from django import forms
from django.apps.registry import Apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, models
from django.db.models import F, Max, Min, Sum
from django.forms import modelform_factory
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
from clickhouse_backend.models.fields.base import LowCardinality
from clickhouse_backend.models.sql.insert_values import prepare_column

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)

D = decimal.Decimal
NAN, INF = math.nan, math.inf
FLOAT32_MAX = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]  # 3.4028234663852886e+38
# Boundary values of each Decimal column: the largest magnitude with every place used.
DECIMALS = {
    "dec9": D("9999999.99"),  # Decimal(9, 2): Decimal32
    "dec18": D("0." + "9" * 18),  # Decimal(18, 18): Decimal64
    "dec38": D("9" * 38),  # Decimal(38, 0): Decimal128
    "dec76": D("9" * 56 + "." + "9" * 20),  # Decimal(76, 20): Decimal256
}


def float32(value: float) -> float:
    """The value a Float32 column holds for it."""
    return struct.unpack("<f", struct.pack("<f", value))[0]


def same_float(a: float | None, b: float | None) -> bool:
    """Equal as stored: NaN is NaN, and -0.0 is not 0.0."""
    if a is None or b is None:
        return a is b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1, a) == math.copysign(1, b)


# -- DDL -------------------------------------------------------------------------------


def test_each_scalar_field_creates_its_clickhouse_type():
    """The documented types, Nullable and LowCardinality(Nullable(...)) in ClickHouse's
    order, the db_default in the DDL, and Decimal's storage width chosen by precision."""
    types = column_types("testapp_typed")
    assert {name: types[name] for name in ("float32", "float64", "flag", "maybe")} == {
        "float32": "Float32",
        "float64": "Nullable(Float64)",
        "flag": "Bool",
        "maybe": "Nullable(Bool)",
    }
    assert [types[name] for name in DECIMALS] == [
        "Decimal(9, 2)",
        "Nullable(Decimal(18, 18))",
        "Nullable(Decimal(38, 0))",
        "Nullable(Decimal(76, 20))",
    ]
    assert (types["ident"], types["key"]) == ("UUID", "LowCardinality(Nullable(UUID))")
    assert (types["clock"], types["duration"]) == ("Nullable(String)", "Nullable(Int64)")
    ((default,),) = raw(
        "SELECT default_expression FROM system.columns WHERE database = currentDatabase() "
        "AND table = 'testapp_typed' AND name = 'flag'"
    )
    assert default == "true"
    Typed.objects.create(dec18=0, dec38=0, dec76=0)
    # Decimal32, Decimal64, Decimal128, Decimal256: 4, 8, 16 and 32 bytes a value.
    assert raw(
        "SELECT byteSize(dec9), byteSize(assumeNotNull(dec18)), byteSize(assumeNotNull(dec38)), "
        "byteSize(assumeNotNull(dec76)) FROM testapp_typed"
    ) == [(4, 8, 16, 32)]


def test_scalar_fields_deconstruct_to_the_public_module():
    assert Typed._meta.get_field("dec76").deconstruct()[1:] == (
        "clickhouse_backend.models.DecimalField",
        [],
        {"max_digits": 76, "decimal_places": 20, "null": True, "blank": True},
    )
    for name, path in [
        ("float32", "Float32Field"),
        ("float64", "Float64Field"),
        ("flag", "BoolField"),
        ("key", "UUIDField"),
    ]:
        assert Typed._meta.get_field(name).deconstruct()[1] == f"clickhouse_backend.models.{path}"
    assert Typed._meta.get_field("key").deconstruct()[3]["low_cardinality"] is True


def test_the_fields_are_django_fields_and_django_s_own_still_work():
    """The names shadow Django's in clickhouse_backend.models; each is a subclass of
    Django's field, and Django's own fields keep their ClickHouse types."""
    assert issubclass(ch.DecimalField, models.DecimalField) and ch.DecimalField is not (
        models.DecimalField
    )
    assert issubclass(ch.UUIDField, models.UUIDField)
    assert issubclass(ch.BoolField, models.BooleanField)
    assert issubclass(ch.Float32Field, models.FloatField)
    assert issubclass(ch.Float64Field, models.FloatField)
    connection = clickhouse()
    assert models.DecimalField(max_digits=5, decimal_places=1).db_type(connection) == (
        "Decimal(5, 1)"
    )
    assert models.UUIDField().db_type(connection) == "UUID"
    assert models.BooleanField().db_type(connection) == "Bool"
    assert models.FloatField().db_type(connection) == "Float64"


# -- floats ----------------------------------------------------------------------------

SPECIAL_FLOATS = [NAN, INF, -INF, -0.0, 0.0]


def test_nan_infinities_and_negative_zero_round_trip():
    """Through bulk_create, create, get, values and update, in both widths."""
    created = Typed.objects.bulk_create(
        [Typed(float32=value, float64=value) for value in SPECIAL_FLOATS[:3]]
    )
    created += [Typed.objects.create(float32=value, float64=value) for value in SPECIAL_FLOATS[3:]]
    for obj, value in zip(created, SPECIAL_FLOATS, strict=True):
        row = Typed.objects.values("float32", "float64").get(pk=obj.pk)
        assert same_float(row["float32"], value) and same_float(row["float64"], value), row
        fetched = Typed.objects.get(pk=obj.pk)
        assert same_float(fetched.float32, value) and same_float(fetched.float64, value)
    Typed.objects.filter(pk=created[4].pk).update(float32=-0.0, float64=NAN)
    row = Typed.objects.values_list("float32", "float64").get(pk=created[4].pk)
    assert same_float(row[0], -0.0) and math.isnan(row[1])
    assert Typed.objects.filter(float64=INF).count() == 1
    nans = Typed.objects.filter(float64=NAN).values_list("pk", flat=True)  # isNaN(), not =
    assert sorted(nans) == sorted([created[0].pk, created[4].pk])
    assert Typed.objects.filter(float32__lt=-FLOAT32_MAX).get().pk == created[2].pk
    assert Typed.objects.filter(float64__isnull=True).count() == 0


def test_float32_stores_the_nearest_float32_and_lookups_find_it():
    """0.1 is stored as float32's 0.1 (0.10000000149011612) and read back so; a lookup
    with 0.1 finds it (ClickHouse alone would compare it with the double 0.1)."""
    first = Typed.objects.create(float32=0.1, float64=0.1)
    Typed.objects.bulk_create([Typed(float32=FLOAT32_MAX), Typed(float32=-FLOAT32_MAX)])
    assert Typed.objects.get(pk=first.pk).float32 == float32(0.1) == 0.10000000149011612
    assert Typed.objects.get(pk=first.pk).float64 == 0.1
    assert Typed.objects.filter(float32=0.1).get().pk == first.pk
    assert Typed.objects.filter(float32__in=[0.1, 0.2]).count() == 1
    assert Typed.objects.filter(float32__gt=0.1).count() == 1
    assert Typed.objects.filter(float32__gte=0.1).count() == 2
    assert Typed.objects.filter(float32__range=(0.1, 1)).count() == 1
    assert Typed.objects.filter(float32=FLOAT32_MAX).count() == 1
    # A bound beyond float32's range still compares: every finite value is below it.
    assert Typed.objects.filter(float32__lt=1e39).count() == 3
    Typed.objects.filter(pk=first.pk).update(float32=1 / 3)
    assert Typed.objects.values_list("float32", flat=True).get(pk=first.pk) == float32(1 / 3)


@pytest.mark.parametrize("bad", [1e39, -1e39, 3.5e38, 10**39])
def test_float32_refuses_values_beyond_its_range(bad):
    """Float32 would store them as infinity: refused before anything is written."""
    with pytest.raises(ValidationError) as caught:
        Typed(float32=bad).full_clean()
    assert list(caught.value.message_dict) == ["float32"]
    with refused(rf"Typed\.float32: {re.escape(repr(bad))} is outside the range of .*Float32"):
        Typed.objects.bulk_create([Typed(), Typed(float32=bad)])
    with refused(rf"Typed\.float32: {re.escape(repr(bad))} is outside the range"):
        Typed.objects.create(float32=bad)
    assert Typed.objects.count() == 0
    kept = Typed.objects.create(float32=1.5)
    with refused(r"Typed\.float32: .* is outside the range"):
        Typed.objects.filter(pk=kept.pk).update(float32=bad)
    assert Typed.objects.values_list("float32", flat=True).get() == 1.5


def test_values_that_are_not_numbers_are_refused_naming_the_field():
    with pytest.raises(ValidationError) as caught:
        Typed(float64="many").full_clean()
    assert list(caught.value.message_dict) == ["float64"]
    with refused(r"Typed\.float64: 'many' is not a number"):
        Typed.objects.bulk_create([Typed(), Typed(float64="many")])
    with refused(r"Typed\.float64: 10{400} is too large for ClickHouse's Float64"):
        Typed.objects.bulk_create([Typed(float64=1), Typed(float64=10**400)])
    with refused(r"Typed\.float32: 'many' is not a number"):
        Typed.objects.create(float32="many")
    assert Typed.objects.count() == 0
    kept = Typed.objects.create(float64=1)
    with refused(r"Typed\.float64: 10{400} is too large for ClickHouse's Float64"):
        Typed.objects.filter(pk=kept.pk).update(float64=10**400)
    kept.delete()
    Typed.objects.bulk_create([Typed(float64="2.5", float32=True)])  # converted as Django does
    assert Typed.objects.values_list("float64", "float32").get() == (2.5, 1.0)


def test_inserts_prepare_float32_and_decimal256_columns_at_once():
    """The columnar path: values already of the column's type are checked as a column,
    never prepared one by one."""
    connection = clickhouse()
    float32_field = Typed._meta.get_field("float32")
    dec76 = Typed._meta.get_field("dec76")
    values = [1.5, FLOAT32_MAX, NAN, -INF]
    decimals = [DECIMALS["dec76"], DECIMALS["dec76"].copy_negate(), None, D("1.50")]
    with (
        mock.patch.object(ch.Float32Field, "get_db_prep_save", side_effect=AssertionError),
        mock.patch.object(ch.DecimalField, "get_db_prep_save", side_effect=AssertionError),
    ):
        assert prepare_column(float32_field, list(values), connection) == values
        assert prepare_column(dec76, list(decimals), connection) == decimals
    # A value refused column-wise is refused in the words save() uses.
    with refused(r"Typed\.float32: 1e\+39 is outside the range of ClickHouse's Float32"):
        prepare_column(float32_field, [1.0, 1e39], connection)
    with refused(r"Typed\.dec76: Decimal\('0\.1{21}'\) has more than 20 decimal places"):
        prepare_column(dec76, [D("1"), D("0." + "1" * 21)], connection)
    # Django's own DecimalField takes the same path: 76 digits fit (abs() would round).
    builtin = models.DecimalField(max_digits=76, decimal_places=20, null=True)
    builtin.set_attributes_from_name("amount")
    assert prepare_column(builtin, list(decimals), connection) == decimals


# -- decimals --------------------------------------------------------------------------


def test_decimal_boundaries_round_trip_exactly():
    """The largest and smallest value of every width, 76 digits included, through
    create, bulk_create, get, values, lookups and update."""
    highs = Typed.objects.create(**DECIMALS)
    # copy_negate(), not -value: minus rounds to the context's 28 digits.
    lows = Typed.objects.bulk_create(
        [Typed(**{name: v.copy_negate() for name, v in DECIMALS.items()})]
    )[0]
    assert Typed.objects.values(*DECIMALS).get(pk=highs.pk) == DECIMALS
    low_obj = Typed.objects.get(pk=lows.pk)
    assert {name: getattr(low_obj, name) for name in DECIMALS} == {
        name: value.copy_negate() for name, value in DECIMALS.items()
    }
    for name, value in DECIMALS.items():
        assert Typed.objects.filter(**{name: value}).get().pk == highs.pk
        assert Typed.objects.filter(**{f"{name}__in": [value, 1]}).get().pk == highs.pk
        assert Typed.objects.filter(**{f"{name}__lt": value}).get().pk == lows.pk
        bounds = (value.copy_negate(), value)
        assert Typed.objects.filter(**{f"{name}__range": bounds}).count() == 2
    one_step_below = D("9" * 56 + "." + "9" * 19 + "8")
    assert Typed.objects.filter(dec76__gt=one_step_below).get().pk == highs.pk
    smallest_step = D("1e-20")
    Typed.objects.filter(pk=highs.pk).update(dec76=smallest_step, dec9=D("-0.01"))
    assert Typed.objects.values_list("dec76", "dec9").get(pk=highs.pk) == (
        smallest_step,
        D("-0.01"),
    )
    assert Typed.objects.filter(dec38__isnull=False).count() == 2


def test_decimal_keeps_values_with_trailing_zeros():
    """1.500 is 1.5: it fits Decimal(9, 2), whatever its written precision."""
    with pytest.raises(ValidationError):  # Django's validator counts the zeros
        Typed(dec9=D("1.500")).full_clean()
    Typed.objects.bulk_create([Typed(dec9=D("1.500"), dec18=D("0.10"))])
    Typed.objects.create(dec9=D("1E+2"), dec38=D("1.000"))
    assert sorted(Typed.objects.values_list("dec9", "dec18", "dec38")) == [
        (D("1.5"), D("0.1"), None),
        (D("100"), None, D("1")),
    ]


@pytest.mark.parametrize(
    ("name", "bad", "problem"),
    [
        ("dec9", D("10000000"), "more than 7 digits before the point"),
        ("dec9", D("-10000000.00"), "more than 7 digits before the point"),
        ("dec9", D("1.005"), "more than 2 decimal places"),
        ("dec18", D("1"), "more than 0 digits before the point"),
        ("dec38", D("0.5"), "more than 0 decimal places"),
        ("dec38", D("1" + "0" * 38), "more than 38 digits before the point"),
        ("dec76", D("1" + "0" * 56), "more than 56 digits before the point"),
        ("dec76", D("1e-21"), "more than 20 decimal places"),
    ],
)
def test_decimals_with_too_many_digits_are_refused(name, bad, problem):
    """Django's validator in full_clean(); a DataError naming field and value on
    save, bulk_create and update, with nothing written (the driver would drop the
    extra places, ClickHouse refuse the extra digits)."""
    with pytest.raises(ValidationError) as caught:
        Typed(**{name: bad}).full_clean()
    assert list(caught.value.message_dict) == [name]
    with refused(rf"Typed\.{name}: Decimal\('.*'\) has {problem}"):
        Typed.objects.bulk_create([Typed(), Typed(**{name: bad})])
    with refused(rf"Typed\.{name}: .* has {problem}"):
        Typed.objects.create(**{name: bad})
    assert Typed.objects.count() == 0
    kept = Typed.objects.create()
    with refused(rf"Typed\.{name}: .* has {problem}"):
        Typed.objects.filter(pk=kept.pk).update(**{name: bad})
    assert Typed.objects.values_list(name, flat=True).get() in (D(0), None)


def test_floats_become_decimals_of_max_digits_significant_digits():
    """As Django converts them: 0.1 fits Decimal(9, 2); in Decimal(76, 20) it is
    0.1000000000000000055... and has too many places."""
    Typed.objects.create(dec9=0.1)
    assert Typed.objects.values_list("dec9", flat=True).get() == D("0.1")
    with refused(
        r"Typed\.dec76: 0\.1 becomes Decimal\('0\.1000000000000000055.*'\), which has "
        "more than 20 decimal places"
    ):
        Typed.objects.create(dec76=0.1)


def test_values_that_are_not_decimals_are_refused():
    for bad in ("ten", D("NaN"), D("-Infinity")):
        with refused(rf"Typed\.dec9: {re.escape(repr(bad))} is not a decimal number"):
            Typed.objects.bulk_create([Typed(dec9=bad)])
    assert Typed.objects.count() == 0


def test_decimal_checks():
    """P > 76 is ClickHouse's limit (E110); S > P is Django's own check (fields.E134)."""
    assert check_ids(ch.DecimalField(max_digits=77, decimal_places=2)) == [
        "clickhouse_backend.E110"
    ]
    assert check_ids(ch.DecimalField(max_digits=5, decimal_places=6)) == ["fields.E134"]
    assert check_ids(ch.DecimalField(max_digits=76, decimal_places=76)) == []
    assert check_ids(ch.DecimalField(max_digits=9, decimal_places=2, low_cardinality=True)) == [
        "clickhouse_backend.E101"
    ]


# -- Bool and UUID ---------------------------------------------------------------------


def test_bools_round_trip_with_null_and_db_default():
    """True, False and None; a row that leaves flag out gets its db_default (true)."""
    Typed.objects.bulk_create(
        [Typed(flag=False, maybe=True), Typed(maybe=False), Typed(flag=True, maybe=None)]
    )
    made = Typed.objects.create(maybe="False")  # Django's conversion of text
    rows = sorted(Typed.objects.values_list("flag", "maybe"), key=repr)
    assert rows == [(False, True), (True, False), (True, False), (True, None)]
    assert all(type(flag) is bool for flag, _ in rows)
    assert Typed.objects.filter(flag=False).count() == 1
    assert Typed.objects.filter(maybe__isnull=True).count() == 1
    assert Typed.objects.filter(maybe__in=[True, None]).count() == 1
    assert Typed.objects.filter(flag__gt=False).count() == 3
    Typed.objects.filter(pk=made.pk).update(flag=False, maybe=None)
    assert Typed.objects.values_list("flag", "maybe").get(pk=made.pk) == (False, None)


def test_values_that_are_not_booleans_are_refused():
    with pytest.raises(ValidationError) as caught:
        Typed(maybe="perhaps").full_clean()
    assert list(caught.value.message_dict) == ["maybe"]
    with refused(r"Typed\.maybe: 'perhaps' is not True, False or None"):
        Typed.objects.bulk_create([Typed(), Typed(maybe="perhaps")])
    with refused(r"Typed\.flag: 'perhaps' is not True, False or None"):
        Typed.objects.create(flag="perhaps")
    assert Typed.objects.count() == 0


def test_uuids_round_trip_and_sort_as_clickhouse_does():
    """UUID objects and their text are stored alike; ClickHouse orders UUIDs by their
    last 8 bytes, then their first 8 (not as Python compares them)."""
    low = uuid.UUID("00000000-0000-0001-0000-000000000000")
    high = uuid.UUID("00000000-0000-0000-0000-000000000001")
    assert low > high  # in Python
    Typed.objects.bulk_create([Typed(ident=high, key=str(low)), Typed(ident=low, key=None)])
    created = Typed.objects.create(ident=str(uuid.UUID(int=2**128 - 1)), key=high)
    assert created.ident == str(uuid.UUID(int=2**128 - 1))  # as given, like Django
    idents = list(Typed.objects.order_by("ident").values_list("ident", flat=True))
    assert idents == [low, high, uuid.UUID(int=2**128 - 1)]
    assert Typed.objects.get(ident=high).key == low
    assert Typed.objects.filter(ident=str(high)).count() == 1
    assert Typed.objects.filter(key__in=[low, high]).count() == 2
    assert Typed.objects.filter(key__isnull=True).get().ident == low
    assert Typed.objects.filter(ident__gt=low).count() == 2
    assert Typed.objects.filter(key__startswith="00000000-0000-0001").count() == 1
    Typed.objects.filter(ident=low).update(key=uuid.UUID(int=0))
    assert Typed.objects.get(ident=low).key == uuid.UUID(int=0)


def test_values_that_are_not_uuids_are_refused():
    with pytest.raises(ValidationError) as caught:
        Typed(ident="not-a-uuid").full_clean()
    assert list(caught.value.message_dict) == ["ident"]
    with refused(r"Typed\.ident: 'not-a-uuid' is not a UUID"):
        Typed.objects.bulk_create([Typed(), Typed(ident="not-a-uuid")])
    with refused(r"Typed\.key: 'abc' is not a UUID"):
        Typed.objects.create(key="abc")
    assert Typed.objects.count() == 0


# -- LowCardinality: what ClickHouse allows, checked with real DDL --------------------

LOW_CARDINALITY_FIELDS = {
    "String": ch.StringField(),
    "FixedString": ch.FixedStringField(max_bytes=3),
    "UUID": ch.UUIDField(),
    "Int8": ch.Int8Field(),
    "UInt256": ch.UInt256Field(),
    "Float32": ch.Float32Field(),
    "Float64": ch.Float64Field(),
    "Bool": ch.BoolField(),
    "Date": ch.DateField(),
    "Date32": ch.Date32Field(),
    "DateTime": ch.DateTimeField(),
    "IPv4": ch.IPv4Field(),
    "IPv6": ch.IPv6Field(),
    "Decimal": ch.DecimalField(max_digits=9, decimal_places=2),
    "Decimal256": ch.DecimalField(max_digits=76, decimal_places=10),
    "DateTime64": ch.DateTime64Field(),
    "Enum8": ch.EnumField(choices=[(1, "a")]),
}


def creates(column_type: str, suspicious_allowed: bool) -> bool:
    """Whether ClickHouse creates a column of this type (with the setting or not)."""
    raw(f"SET allow_suspicious_low_cardinality_types = {int(suspicious_allowed)}")
    try:
        raw(f"CREATE TABLE lc_probe (x {column_type}) ENGINE = Memory")
    except DatabaseError as error:
        assert "LowCardinality" in str(error)
        return False
    finally:
        raw("SET allow_suspicious_low_cardinality_types = 0")
    raw("DROP TABLE lc_probe")
    return True


@pytest.mark.parametrize("name", list(LOW_CARDINALITY_FIELDS))
def test_low_cardinality_support_is_what_clickhouse_does(name):
    """Every field class's claim, plain and Nullable, against ClickHouse's own answer:
    allowed (strings, UUID), only with allow_suspicious_low_cardinality_types (numbers,
    Bool, dates, addresses), never (Decimal, DateTime64, Enum)."""
    field = LOW_CARDINALITY_FIELDS[name]
    expected = {
        LowCardinality.ALLOWED: (True, True),
        LowCardinality.SUSPICIOUS: (False, True),
        LowCardinality.REFUSED: (False, False),
    }[field.low_cardinality_support]
    for null in (False, True):
        _, _, args, kwargs = field.deconstruct()
        lc_field = type(field)(*args, **kwargs, low_cardinality=True, null=null)
        column_type = lc_field.db_type(clickhouse())
        assert column_type.startswith("LowCardinality(")
        assert (creates(column_type, False), creates(column_type, True)) == expected, column_type


@pytest.mark.parametrize(
    ("field", "ids"),
    [
        (ch.UUIDField(low_cardinality=True, null=True), []),
        (ch.Float32Field(low_cardinality=True), ["E102"]),
        (ch.Float64Field(low_cardinality=True), ["E102"]),
        (ch.BoolField(low_cardinality=True), ["E102"]),
        (ch.DecimalField(max_digits=5, decimal_places=1, low_cardinality=True), ["E101"]),
    ],
)
def test_low_cardinality_checks_of_the_scalar_fields(field, ids):
    """Checked for the ClickHouse database, whose settings do not allow suspicious types."""
    expected = [f"clickhouse_backend.{id_}" for id_ in ids]
    assert check_ids(field, databases=["clickhouse"]) == expected


def test_suspicious_low_cardinality_scalars_are_created_with_the_setting():
    class Flags(models.Model):
        ratio = ch.Float32Field(low_cardinality=True)
        share = ch.Float64Field(low_cardinality=True, null=True)
        on = ch.BoolField(low_cardinality=True, null=True)

        class Meta:
            app_label = "scalar_checks"
            apps = Apps()

    connection = clickhouse()
    raw("SET allow_suspicious_low_cardinality_types = 1")
    with connection.schema_editor() as editor:
        editor.create_model(Flags)
    try:
        assert column_types("scalar_checks_flags") == {
            "id": "Int64",
            "ratio": "LowCardinality(Float32)",
            "share": "LowCardinality(Nullable(Float64))",
            "on": "LowCardinality(Nullable(Bool))",
        }
        Flags.objects.using("clickhouse").bulk_create(
            [Flags(ratio=0.5, share=None, on=True), Flags(ratio=NAN, share=-0.0, on=None)]
        )
        rows = sorted(
            Flags.objects.using("clickhouse").values_list("on", "share", "ratio"), key=repr
        )
        assert rows[0][:2] == (None, -0.0) and math.isnan(rows[0][2])
        assert rows[1] == (True, None, 0.5)
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Flags)
        raw("SET allow_suspicious_low_cardinality_types = 0")


# -- Django's TimeField and DurationField --------------------------------------------

TIMES = [
    datetime.time(0, 0),
    datetime.time(9, 0),
    datetime.time(9, 0, 0, 500000),
    datetime.time(9, 0, 1),
    datetime.time(10, 0),
    datetime.time(23, 59, 59, 999999),
]
DURATIONS = [
    datetime.timedelta(days=-400),
    datetime.timedelta(hours=-1),
    datetime.timedelta(microseconds=-1),
    datetime.timedelta(0),
    datetime.timedelta(microseconds=1),
    datetime.timedelta(seconds=9),
    datetime.timedelta(seconds=10),
    datetime.timedelta(days=1, microseconds=5),
    datetime.timedelta(microseconds=2**63 - 1),  # the largest Int64
]


def test_times_are_fixed_width_text_that_sorts_and_compares():
    """9:00 before 10:00, with and without microseconds, via bulk_create and create."""
    Typed.objects.bulk_create([Typed(clock=t) for t in reversed(TIMES[1:])])
    Typed.objects.create(clock=TIMES[0])
    assert raw("SELECT clock FROM testapp_typed WHERE clock LIKE '09%%' ORDER BY clock") == [
        ("09:00:00.000000",),
        ("09:00:00.500000",),
        ("09:00:01.000000",),
    ]
    assert list(Typed.objects.order_by("clock").values_list("clock", flat=True)) == TIMES
    assert list(Typed.objects.order_by("-clock").values_list("clock", flat=True)) == TIMES[::-1]
    nine = datetime.time(9)
    assert Typed.objects.filter(clock=nine).count() == 1
    assert Typed.objects.filter(clock="9:00").count() == 1  # text is parsed first
    assert Typed.objects.filter(clock__gt=nine).count() == 4
    assert Typed.objects.filter(clock__lt=datetime.time(10)).count() == 4
    assert Typed.objects.filter(clock__range=("9:00:00.1", "10:00")).count() == 3
    assert Typed.objects.filter(clock__in=[nine, datetime.time(10)]).count() == 2
    assert Typed.objects.aggregate(first=Min("clock"), last=Max("clock")) == {
        "first": TIMES[0],
        "last": TIMES[-1],
    }
    Typed.objects.filter(clock=nine).update(clock=datetime.time(8, 59, 59, 1))
    assert Typed.objects.order_by("clock").values_list("clock", flat=True)[1] == (
        datetime.time(8, 59, 59, 1)
    )


def test_durations_are_microseconds_that_sort_and_compare():
    """Negative, zero, microseconds and the largest timedelta, in order."""
    Typed.objects.bulk_create([Typed(duration=d) for d in reversed(DURATIONS[3:])])
    for duration in DURATIONS[:3]:
        Typed.objects.create(duration=duration)
    assert raw("SELECT min(duration), max(duration) FROM testapp_typed") == [
        (-400 * 86400 * 10**6, DURATIONS[-1] // datetime.timedelta(microseconds=1))
    ]
    assert list(Typed.objects.order_by("duration").values_list("duration", flat=True)) == (
        DURATIONS
    )
    zero = datetime.timedelta(0)
    assert Typed.objects.filter(duration__lt=zero).count() == 3
    assert Typed.objects.filter(duration__gte=zero).count() == 6
    assert Typed.objects.filter(duration__range=(DURATIONS[2], DURATIONS[4])).count() == 3
    assert Typed.objects.filter(duration=datetime.timedelta(seconds=9)).count() == 1
    small = Typed.objects.filter(duration__range=(DURATIONS[1], DURATIONS[6]))
    assert small.aggregate(total=Sum("duration"))["total"] == sum(DURATIONS[1:7], zero)
    with refused(r"Typed\.duration: datetime\.timedelta\(days=999999999, .* out of range"):
        Typed.objects.create(duration=datetime.timedelta.max)  # beyond Int64 microseconds
    Typed.objects.filter(duration=zero).update(duration=F("duration") - datetime.timedelta(1))
    assert Typed.objects.order_by("duration").values_list("duration", flat=True)[1] == (
        datetime.timedelta(days=-1)
    )


# -- forms, serialization, migrations, inspectdb --------------------------------------


def test_model_form_fields_and_widgets():
    form_class = modelform_factory(
        Typed, fields=["float32", "float64", "dec9", "dec76", "flag", "maybe", "ident"]
    )
    value = "-" + "9" * 56 + "." + "9" * 20
    ident = uuid.uuid4()
    data = {
        "float32": "0.5",
        "float64": "-1e300",
        "dec9": "1234567.89",
        "dec76": value,
        "flag": "on",
        "maybe": "unknown",
        "ident": str(ident),
    }
    form = form_class(data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["dec76"] == D(value)
    assert (form.cleaned_data["flag"], form.cleaned_data["maybe"]) == (True, None)
    assert form.cleaned_data["ident"] == ident
    saved = form.save()
    assert Typed.objects.values_list("dec76", "ident", "float64").get(pk=saved.pk) == (
        D(value),
        ident,
        -1e300,
    )
    # 76 digits are edited as text: a number box would round them.
    assert 'inputmode="decimal"' in str(form["dec76"]) and value in str(form["dec76"])
    assert 'type="number"' in str(form["dec9"]) and 'step="0.01"' in str(form["dec9"])
    assert 'type="checkbox"' in str(form["flag"])
    assert isinstance(form.fields["maybe"].widget, forms.NullBooleanSelect)
    assert isinstance(form.fields["ident"], forms.UUIDField)
    bad = form_class({**data, "float32": "1e39", "dec9": "1.001", "ident": "x"})
    assert set(bad.errors) == {"float32", "dec9", "ident"}


def test_dumpdata_and_loaddata_round_trip_scalars(tmp_path):
    values = {
        "float32": -INF,
        "float64": -0.0,
        "dec9": D("-9999999.99"),
        "dec18": D("0.000000000000000001"),
        "dec38": D("9" * 38),
        "dec76": DECIMALS["dec76"],
        "flag": False,
        "maybe": None,
        "ident": uuid.UUID(int=2**128 - 1),
        "key": uuid.UUID(int=1),
        "clock": datetime.time(9, 0, 0, 125000),  # Django's JSON keeps milliseconds
        "duration": datetime.timedelta(days=-1, microseconds=1),
    }
    created = Typed.objects.create(**values)
    out = io.StringIO()
    call_command("dumpdata", "testapp.Typed", database="clickhouse", stdout=out)
    assert json.loads(out.getvalue())[0]["fields"]["dec76"] == str(DECIMALS["dec76"])
    fixture = tmp_path / "typed.json"
    fixture.write_text(out.getvalue())
    raw("TRUNCATE TABLE testapp_typed")
    call_command("loaddata", str(fixture), database="clickhouse", verbosity=0)
    loaded = Typed.objects.get()
    assert loaded.pk == created.pk
    assert {name: getattr(loaded, name) for name in values} == values
    assert math.copysign(1, loaded.float64) == -1


MIGRATION_APPS = Apps()


class Rescaled(models.Model):
    """Created, altered and dropped by the migration test."""

    ratio = ch.Float32Field()
    amount = ch.DecimalField(max_digits=9, decimal_places=2)
    on = ch.BoolField()
    ident = ch.UUIDField()

    class Meta:
        app_label = "scalar_migrations"
        apps = MIGRATION_APPS


def test_type_null_and_low_cardinality_changes_modify_the_column_and_keep_the_data():
    connection = clickhouse()
    with connection.schema_editor() as editor:
        editor.create_model(Rescaled)
    ident = uuid.uuid4()
    table = "scalar_migrations_rescaled"
    Rescaled.objects.using("clickhouse").create(ratio=0.5, amount=D("12.34"), on=True, ident=ident)
    steps = [
        ("ratio", ch.Float64Field(), "Float64"),
        ("ratio", ch.Float64Field(null=True), "Nullable(Float64)"),
        ("amount", ch.DecimalField(max_digits=40, decimal_places=5), "Decimal(40, 5)"),
        (
            "amount",
            ch.DecimalField(max_digits=40, decimal_places=5, null=True),
            "Nullable(Decimal(40, 5))",
        ),
        ("on", ch.BoolField(null=True), "Nullable(Bool)"),
        ("ident", ch.UUIDField(low_cardinality=True), "LowCardinality(UUID)"),
        ("ident", ch.UUIDField(low_cardinality=True, null=True), "LowCardinality(Nullable(UUID))"),
        ("ident", ch.UUIDField(default=uuid.UUID(int=0)), "UUID"),
    ]
    fields = {field.name: field for field in Rescaled._meta.get_fields()}
    try:
        for name, new_field, column_type in steps:
            old_field, fields[name] = fields[name], new_field
            statement, *rest = alter(Rescaled, old_field, new_field)
            assert statement.startswith(f'ALTER TABLE "{table}" MODIFY COLUMN "{name}"')
            # The DEFAULT that gave NULL rows the field's default is removed after.
            filled = old_field.null and not new_field.null
            assert (
                rest == [f'ALTER TABLE "{table}" MODIFY COLUMN "{name}" REMOVE DEFAULT'] * filled
            )
            assert column_types(table)[name] == column_type
            assert raw(f"SELECT ratio, amount, on, ident FROM {table}") == [
                (0.5, D("12.34"), True, ident)
            ]
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Rescaled)


INSPECTED_SCALARS = """
CREATE TABLE inspected_scalars (
    id UInt64, f32 Float32, f64 Nullable(Float64), d9 Decimal(9, 2), d76 Decimal(76, 20),
    d38 Nullable(Decimal(38, 0)), ok Bool, maybe Nullable(Bool), ident UUID,
    key LowCardinality(Nullable(UUID))
) ENGINE = MergeTree ORDER BY id
"""


def test_inspectdb_maps_scalar_types_to_these_fields():
    raw(INSPECTED_SCALARS)
    try:
        source, model = inspected("inspected_scalars")
        for line in [
            "f32 = clickhouse_backend.models.Float32Field()",
            "f64 = models.FloatField(blank=True, null=True)",
            "d9 = models.DecimalField(max_digits=9, decimal_places=2)",
            "d76 = models.DecimalField(max_digits=76, decimal_places=20)",
            "ok = models.BooleanField()",
            "ident = models.UUIDField()",
            "key = clickhouse_backend.models.UUIDField(low_cardinality=True, blank=True, "
            "null=True)",
        ]:
            assert line in source, source
        with created_as(model, "inspected_scalars_again"):
            assert column_types("inspected_scalars_again") == column_types("inspected_scalars")
    finally:
        raw("DROP TABLE inspected_scalars")


def test_float_form_fields_take_nan_and_infinities():
    """A form (and the admin) shows and takes back every value a float column holds;
    Float32's form refuses finite values beyond its range."""
    form_class = modelform_factory(Typed, fields=["float32", "float64"])
    form = form_class({"float32": "nan", "float64": "-inf"})
    assert form.is_valid(), form.errors
    assert math.isnan(form.cleaned_data["float32"]) and form.cleaned_data["float64"] == -INF
    assert 'inputmode="decimal"' in str(form["float64"])
    too_large = form_class({"float32": "1e39", "float64": "1e39"})
    assert list(too_large.errors) == ["float32"]

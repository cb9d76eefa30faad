"""ClickHouse field types (clickhouse_backend.models): DDL, round trips of boundary values,
validation that keeps bad values out, lookups, forms, serialization, migrations and
inspectdb — on the suite's ClickHouse, through testapp.Typed and its migration."""

import datetime
import io
import json
import zoneinfo

import pytest
from django import forms
from django.apps.registry import Apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DataError, models
from django.db.models.functions import ExtractHour, TruncDay
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

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)

UTC = datetime.timezone.utc
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")

INTEGERS = {
    f"{'u' if unsigned else ''}int{bits}": (
        (0, 2**bits - 1) if unsigned else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    )
    for unsigned in (False, True)
    for bits in (8, 16, 32, 64, 128, 256)
}


# -- DDL -------------------------------------------------------------------------------


def test_each_field_creates_its_clickhouse_type():
    """The migration makes each column the documented ClickHouse type, with
    LowCardinality(Nullable(...)) in the order ClickHouse accepts."""
    types = column_types("testapp_typed")
    assert {name: types[name] for name in INTEGERS} == {
        name: name.replace("uint", "UInt").replace("int", "Int") for name in INTEGERS
    }
    assert types["text"] == types["name"] == "String"
    assert types["protocol"] == "LowCardinality(String)"
    assert types["label"] == "LowCardinality(Nullable(String))"
    assert types["code"] == "FixedString(4)"
    assert (types["ipv4"], types["ipv6"]) == ("IPv4", "IPv6")
    assert (types["address"], types["address_v4"]) == ("Nullable(IPv6)", "Nullable(IPv4)")
    assert (types["day"], types["day32"]) == ("Date", "Nullable(Date32)")
    assert types["moment"] == "Nullable(DateTime('UTC'))"
    assert types["moment_berlin"] == "Nullable(DateTime('Europe/Berlin'))"
    assert types["stamp"] == "Nullable(DateTime64(6, 'UTC'))"
    assert types["stamp_tokyo"] == "Nullable(DateTime64(3, 'Asia/Tokyo'))"
    assert types["action"] == "Enum8('Alert!' = -3, 'Pass' = 1, 'Drop' = 2)"
    assert types["kind"] == "Nullable(Enum16('tcp' = 1, 'udp' = 2, 'icmp' = 3))"


def test_migrations_import_fields_from_the_public_module():
    """deconstruct() names clickhouse_backend.models, with only the arguments given."""
    assert Typed._meta.get_field("uint16").deconstruct()[1:] == (
        "clickhouse_backend.models.UInt16Field",
        [],
        {"default": 0},
    )
    _, path, _, kwargs = Typed._meta.get_field("stamp_tokyo").deconstruct()
    assert path == "clickhouse_backend.models.DateTime64Field"
    assert (kwargs["precision"], kwargs["timezone"]) == (3, "Asia/Tokyo")
    _, path, _, kwargs = Typed._meta.get_field("address_v4").deconstruct()
    assert (path, kwargs["protocol"]) == (
        "clickhouse_backend.models.GenericIPAddressField",
        "ipv4",
    )
    assert "protocol" not in ch.IPv4Field().deconstruct()[3]
    assert ch.StringField(low_cardinality=True).deconstruct()[3] == {"low_cardinality": True}


# -- integers --------------------------------------------------------------------------


def test_integer_boundaries_round_trip():
    """The smallest and largest value of every width come back exactly, through
    bulk_create, create, get, values, filter and update."""
    lows = Typed.objects.bulk_create([Typed(**{name: low for name, (low, _) in INTEGERS.items()})])
    highs = Typed.objects.create(**{name: high for name, (_, high) in INTEGERS.items()})
    low_row = Typed.objects.values(*INTEGERS).get(pk=lows[0].pk)
    assert low_row == {name: low for name, (low, _) in INTEGERS.items()}
    high_obj = Typed.objects.get(pk=highs.pk)
    assert {name: getattr(high_obj, name) for name in INTEGERS} == {
        name: high for name, (_, high) in INTEGERS.items()
    }
    for name, (_, high) in INTEGERS.items():
        assert list(Typed.objects.filter(**{name: high}).values_list("pk", flat=True)) == [
            highs.pk
        ]
        assert Typed.objects.filter(**{f"{name}__lt": high}).count() == 1
    Typed.objects.filter(pk=highs.pk).update(uint256=0, int128=-(2**127))
    assert Typed.objects.values_list("uint256", "int128").get(pk=highs.pk) == (0, -(2**127))


def test_updates_computed_beyond_the_range_are_refused_before_anything_changes():
    """``F("uint8") - 1`` on a row holding 0 would wrap around to 255 in ClickHouse: the
    update is refused naming the field, and no row changes; in range it runs."""
    Typed.objects.bulk_create([Typed(uint8=0, int8=5), Typed(uint8=7, int8=127)])
    with refused(r"Typed\.uint8: .* would be outside the range of its column \(0 to 255\)"):
        Typed.objects.update(uint8=models.F("uint8") - 1)
    with refused(r"Typed\.int8: .*outside the range .* in 1 row"):
        Typed.objects.update(int8=models.F("int8") + 1)
    assert sorted(Typed.objects.values_list("uint8", "int8")) == [(0, 5), (7, 127)]
    assert Typed.objects.filter(uint8__gt=0).update(uint8=models.F("uint8") - 1) == 1
    obj = Typed.objects.get(int8=5)
    obj.uint8 = models.F("uint8") - 1
    with refused(r"Typed\.uint8"):
        obj.save()
    assert sorted(Typed.objects.values_list("uint8", flat=True)) == [0, 6]


@pytest.mark.parametrize("name", list(INTEGERS))
def test_out_of_range_integers_are_refused_before_anything_is_written(name):
    """full_clean() names the field; bulk_create() and update() raise a DataError naming
    field and value, and nothing of the batch is written."""
    low, high = INTEGERS[name]
    for bad in (low - 1, high + 1):
        with pytest.raises(ValidationError) as caught:
            Typed(**{name: bad}).full_clean()
        assert list(caught.value.message_dict) == [name]
        with refused(rf"Typed\.{name}: {bad} is outside the range of ClickHouse's"):
            Typed.objects.bulk_create([Typed(), Typed(**{name: bad})])
        assert Typed.objects.count() == 0
    kept = Typed.objects.create(**{name: high})
    with refused(rf"Typed\.{name}: {high + 1} is outside"):
        Typed.objects.filter(pk=kept.pk).update(**{name: high + 1})
    assert Typed.objects.values_list(name, flat=True).get() == high


def test_lookups_beyond_the_range_match_nothing():
    """A value no column of the type can hold matches no row, without an error."""
    Typed.objects.create(uint8=255)
    assert Typed.objects.filter(uint8=256).count() == 0
    assert Typed.objects.filter(uint8__gte=-1).count() == 1
    assert Typed.objects.filter(int256=2**300).count() == 0


def test_integer_form_fields_keep_every_digit():
    """Wide integers are edited as text (a number box rounds past 2**53) and parsed
    exactly; the type's range is the form field's range."""
    form_class = modelform_factory(Typed, fields=["uint256", "int64", "uint16", "action"])
    form = form_class(
        {"uint256": str(2**256 - 1), "int64": str(-(2**63)), "uint16": "65535", "action": "-3"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["uint256"] == 2**256 - 1
    assert form.cleaned_data["int64"] == -(2**63)
    assert form.cleaned_data["action"] == Typed.Action.ALERT
    html = str(form["uint256"])
    assert 'type="text"' in html and 'inputmode="numeric"' in html
    assert str(2**256 - 1) in html
    assert 'type="number"' in str(form["uint16"]) and 'max="65535"' in str(form["uint16"])
    too_big = form_class({"uint256": str(2**256), "int64": "0", "uint16": "65536", "action": "1"})
    assert set(too_big.errors) == {"uint256", "uint16"}
    # The admin passes a number widget; wide integers still get the text box.
    field = Typed._meta.get_field("uint64").formfield(widget=forms.NumberInput)
    assert isinstance(field.widget, ch.fields.integer.WideIntegerInput)


# -- strings ---------------------------------------------------------------------------


def test_strings_round_trip_and_filter_on_low_cardinality():
    """Unicode, empty and NUL-containing text; LowCardinality columns filter like any
    string; LowCardinality(Nullable(String)) holds NULL."""
    Typed.objects.bulk_create(
        [
            Typed(text="żółć 中文 🚀", protocol="tcp", label="a", name="abcde"),
            Typed(text="", protocol="udp", label=None),
            Typed(text="a\x00b", protocol="TCP", label=""),
        ]
    )
    assert sorted(Typed.objects.values_list("text", flat=True)) == ["", "a\x00b", "żółć 中文 🚀"]
    assert Typed.objects.filter(protocol__iexact="tcp").count() == 2
    assert Typed.objects.filter(protocol__startswith="u").count() == 1
    assert Typed.objects.filter(protocol__in=["tcp", "udp"]).count() == 2
    assert Typed.objects.filter(label__isnull=True).count() == 1
    assert Typed.objects.filter(label="").count() == 1
    Typed.objects.filter(protocol="udp").update(protocol="icmp", label="set")
    assert Typed.objects.values_list("protocol", "label").get(text="") == ("icmp", "set")


def test_string_max_length_is_checked_in_python():
    """ClickHouse strings have no limit; max_length is enforced before saving."""
    with pytest.raises(ValidationError) as caught:
        Typed(name="abcdef").full_clean()
    assert list(caught.value.message_dict) == ["name"]
    with refused(r"Typed\.name: 'abcdef' is longer than max_length=5"):
        Typed.objects.bulk_create([Typed(name="abc"), Typed(name="abcdef")])
    assert Typed.objects.count() == 0
    assert ch.StringField().check() == []  # no max_length is fine


def test_fixed_string_counts_bytes_and_drops_the_padding():
    """FixedString(4) holds 4 bytes: 'żż' fits, 'żżż' does not; text reads back without
    ClickHouse's NUL padding, bytes that are not UTF-8 read back as bytes, padded."""
    Typed.objects.bulk_create([Typed(code="ab"), Typed(code="żż"), Typed(code=b"\xff\x00")])
    assert sorted(Typed.objects.values_list("code", flat=True), key=repr) == [
        "ab",
        "żż",
        b"\xff\x00\x00\x00",
    ]
    assert Typed.objects.filter(code="ab").count() == 1
    with pytest.raises(ValidationError, match="at most 4 bytes"):
        Typed(code="żżż").full_clean()
    with refused(r"Typed\.code: 'żżż' is longer than FixedString\(4\) bytes"):
        Typed.objects.create(code="żżż")
    assert Typed.objects.count() == 3


# -- IP addresses ----------------------------------------------------------------------


def test_addresses_round_trip_as_strings():
    """IPv4 and IPv6 columns give strings; an IPv4 address in an IPv6 column, however
    it was written, reads back as dotted IPv4 (as the built-in field does here)."""
    Typed.objects.bulk_create(
        [
            Typed(ipv4="255.255.255.255", ipv6="2001:db8::ff00:42:8329", address="::ffff:1.2.3.4"),
            Typed(ipv4="0.0.0.0", ipv6="10.1.2.3", address="::", address_v4="192.168.0.1"),
        ]
    )
    rows = sorted(Typed.objects.values_list("ipv4", "ipv6", "address", "address_v4"))
    assert rows == [
        ("0.0.0.0", "10.1.2.3", "::", "192.168.0.1"),
        ("255.255.255.255", "2001:db8::ff00:42:8329", "1.2.3.4", None),
    ]
    assert Typed.objects.filter(address="1.2.3.4").count() == 1
    assert Typed.objects.filter(address="::ffff:1.2.3.4").count() == 1
    assert Typed.objects.filter(ipv6__in=["10.1.2.3", "2001:db8::1"]).count() == 1
    assert Typed.objects.filter(ipv4__gt="10.0.0.0").get().ipv4 == "255.255.255.255"
    Typed.objects.filter(ipv4="0.0.0.0").update(ipv4="10.0.0.1", ipv6="fe80::1")
    assert Typed.objects.values_list("ipv4", "ipv6").get(address="::") == ("10.0.0.1", "fe80::1")


def test_in_subnet_and_text_lookups_on_addresses():
    """in_subnet takes a network (an IPv4 one matches the IPv4-mapped addresses of an
    IPv6 column); text lookups see the address as Python shows it."""
    Typed.objects.bulk_create(
        [
            Typed(ipv4="10.1.2.3", ipv6="10.1.2.3"),
            Typed(ipv4="192.168.0.1", ipv6="2001:db8::1"),
            Typed(ipv4="10.255.255.255", ipv6="2001:db9::1"),
        ]
    )
    assert Typed.objects.filter(ipv4__in_subnet="10.0.0.0/8").count() == 2
    assert Typed.objects.filter(ipv6__in_subnet="10.0.0.0/8").count() == 1
    assert Typed.objects.filter(ipv6__in_subnet="2001:db8::/32").count() == 1
    assert Typed.objects.filter(ipv6__startswith="10.").count() == 1
    assert Typed.objects.filter(ipv6__icontains="DB8").count() == 1
    assert Typed.objects.filter(ipv4__endswith=".255").count() == 1
    assert Typed.objects.filter(ipv4__regex=r"^192\.").count() == 1
    with pytest.raises(ValueError, match="in_subnet needs a network"):
        list(Typed.objects.filter(ipv4__in_subnet="10.0.0.1/8"))
    with refused(r"is an IPv6 address; this column holds IPv4"):
        list(Typed.objects.filter(ipv4__in_subnet="2001:db8::/32"))


def test_invalid_addresses_are_refused():
    """An IPv4 field refuses IPv6 input; anything that is not an address is a
    ValidationError from full_clean() and a DataError on save."""
    with pytest.raises(ValidationError) as caught:
        Typed(ipv4="2001:db8::1").full_clean()
    assert list(caught.value.message_dict) == ["ipv4"]
    with pytest.raises(ValidationError):
        Typed(ipv6="not an address").full_clean()
    with refused(r"Typed\.ipv6: 'not an address' is not an IP address"):
        Typed.objects.bulk_create([Typed(), Typed(ipv6="not an address")])
    with refused(r"Typed\.address_v4: '2001:db8::1' is an IPv6 address"):
        Typed.objects.create(address_v4="2001:db8::1")
    assert Typed.objects.count() == 0
    form = modelform_factory(Typed, fields=["ipv4"])({"ipv4": "::1"})
    assert not form.is_valid() and "ipv4" in form.errors
    ipv6_only = ch.GenericIPAddressField(protocol="ipv6")
    assert ipv6_only.db_type(clickhouse()) == "IPv6"
    with pytest.raises(ValidationError):
        ipv6_only.clean("10.1.2.3", None)


# -- dates and times -------------------------------------------------------------------


def test_dates_at_the_ends_of_their_range():
    """Date holds 1970-01-01..2149-06-06, Date32 1900-01-01..2299-12-31; outside them
    ClickHouse would clamp silently, so they are refused."""
    first = Typed.objects.create(day=datetime.date(1970, 1, 1), day32=datetime.date(1900, 1, 1))
    Typed.objects.bulk_create(
        [Typed(day=datetime.date(2149, 6, 6), day32=datetime.date(2299, 12, 31))]
    )
    assert sorted(Typed.objects.values_list("day", "day32")) == [
        (datetime.date(1970, 1, 1), datetime.date(1900, 1, 1)),
        (datetime.date(2149, 6, 6), datetime.date(2299, 12, 31)),
    ]
    assert Typed.objects.get(day32__year=1900).pk == first.pk
    Typed.objects.filter(pk=first.pk).update(day=datetime.date(2149, 6, 6))
    assert Typed.objects.filter(day=datetime.date(2149, 6, 6)).count() == 2
    for field, bad in [
        ("day", datetime.date(1969, 12, 31)),
        ("day", datetime.date(2149, 6, 7)),
        ("day32", datetime.date(1899, 12, 31)),
        ("day32", datetime.date(2300, 1, 1)),
    ]:
        with pytest.raises(ValidationError) as caught:
            Typed(**{field: bad}).full_clean()
        assert list(caught.value.message_dict) == [field]
        with refused(rf"Typed\.{field}: datetime\.date\({bad.year}, .* is outside the range"):
            Typed.objects.bulk_create([Typed(), Typed(**{field: bad})])
    assert Typed.objects.count() == 2


def test_aware_datetimes_keep_their_instant():
    """An aware datetime in any zone comes back as the same instant, aware, in the
    column's zone; DateTime keeps seconds, DateTime64(3) milliseconds."""
    noon_berlin = datetime.datetime(2024, 7, 1, 12, 0, 0, 123456, tzinfo=BERLIN)
    created = Typed.objects.create(
        moment=noon_berlin, moment_berlin=noon_berlin, stamp=noon_berlin, stamp_tokyo=noon_berlin
    )
    row = Typed.objects.get(pk=created.pk)
    assert row.stamp == noon_berlin and row.stamp.utcoffset() == datetime.timedelta(0)
    assert row.moment == row.moment_berlin == noon_berlin.replace(microsecond=0)
    assert row.moment_berlin.utcoffset() == datetime.timedelta(hours=2)
    assert row.stamp_tokyo == noon_berlin.replace(microsecond=123000)
    assert row.stamp_tokyo.utcoffset() == datetime.timedelta(hours=9)
    assert Typed.objects.filter(stamp=noon_berlin.astimezone(TOKYO)).count() == 1
    assert Typed.objects.filter(stamp__date=datetime.date(2024, 7, 1), stamp__hour=10).count() == 1
    whole_second = noon_berlin.replace(microsecond=0)
    assert Typed.objects.filter(moment_berlin__lt=whole_second).count() == 0
    assert Typed.objects.filter(moment_berlin__lte=whole_second).count() == 1


def test_datetime_boundaries_round_trip():
    """DateTime from 1970 to 2106-02-07 06:28:15 UTC; DateTime64 from 1900 to 2299 UTC,
    pre-1970 and sub-second values included."""
    first = Typed.objects.create(
        moment=datetime.datetime(1970, 1, 1, tzinfo=UTC),
        stamp=datetime.datetime(1900, 1, 1, tzinfo=UTC),
    )
    last = Typed.objects.create(
        moment=datetime.datetime(2106, 2, 7, 6, 28, 15, tzinfo=UTC),
        stamp=datetime.datetime(2299, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
    )
    Typed.objects.bulk_create(
        [Typed(stamp=datetime.datetime(1969, 7, 20, 20, 17, 40, tzinfo=UTC), stamp_tokyo=None)]
    )
    assert Typed.objects.values_list("moment", "stamp").get(pk=first.pk) == (
        datetime.datetime(1970, 1, 1, tzinfo=UTC),
        datetime.datetime(1900, 1, 1, tzinfo=UTC),
    )
    assert Typed.objects.values_list("moment", "stamp").get(pk=last.pk) == (
        datetime.datetime(2106, 2, 7, 6, 28, 15, tzinfo=UTC),
        datetime.datetime(2299, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
    )
    assert Typed.objects.filter(stamp__year=1969).count() == 1
    before_1970 = datetime.datetime(1969, 12, 31, 23, 59, 59, tzinfo=BERLIN)
    Typed.objects.filter(pk=first.pk).update(stamp=before_1970, moment=last.moment)
    assert Typed.objects.values_list("stamp", "moment").get(pk=first.pk) == (
        before_1970,
        last.moment,
    )


@pytest.mark.xfail(
    strict=True,
    reason="clickhouse-driver reads DateTime64 through a float: from 2242 on the "
    "microseconds may be up to 2 off",
)
def test_read_of_the_last_microsecond_of_2299():
    value = datetime.datetime(2299, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    created = Typed.objects.create(stamp=value)
    assert Typed.objects.get(pk=created.pk).stamp == value


def test_fractions_of_a_second_before_1970_are_stored_exactly():
    """The ORM writes DateTime64 ticks itself: clickhouse-driver's own conversion
    would store these values a second late."""
    before = datetime.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC)
    oldest = datetime.datetime(1900, 1, 1, 0, 0, 0, 1, tzinfo=UTC)
    Typed.objects.bulk_create([Typed(stamp=before, stamp_tokyo=before)])
    Typed.objects.create(stamp=oldest, stamp_tokyo=oldest)
    assert raw(
        "SELECT toString(stamp), toString(stamp_tokyo, 'UTC') FROM testapp_typed ORDER BY stamp"
    ) == [
        ("1900-01-01 00:00:00.000001", "1900-01-01 00:00:00.000"),
        ("1969-12-31 23:59:59.500000", "1969-12-31 23:59:59.500"),
    ]


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("moment", datetime.datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("moment", datetime.datetime(2106, 2, 7, 6, 28, 16, tzinfo=UTC)),
        ("stamp", datetime.datetime(1899, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("stamp", datetime.datetime(2300, 1, 1, tzinfo=UTC)),
        # In Berlin, but before 1970 in UTC.
        ("moment_berlin", datetime.datetime(1970, 1, 1, 0, 30, tzinfo=BERLIN)),
        # Before year 1 and after 9999 in UTC: Python cannot even convert them.
        ("stamp", datetime.datetime.min.replace(tzinfo=zoneinfo.ZoneInfo("Etc/GMT-14"))),
        ("stamp", datetime.datetime.max.replace(tzinfo=zoneinfo.ZoneInfo("Etc/GMT+12"))),
    ],
)
def test_datetimes_outside_their_range_are_refused(field, bad):
    with pytest.raises(ValidationError) as caught:
        Typed(**{field: bad}).full_clean()
    assert list(caught.value.message_dict) == [field]
    with refused(rf"Typed\.{field}: datetime\.datetime\({bad.year}, .* is outside the range"):
        Typed.objects.bulk_create([Typed(), Typed(**{field: bad})])
    assert Typed.objects.count() == 0
    if not 1900 <= bad.year <= 2299:  # a query compares any value ClickHouse can hold
        with pytest.raises(DataError, match="is outside 1900-01-01 to 2299-12-31"):
            Typed.objects.filter(**{field: bad}).count()


def test_naive_datetimes_are_wall_clock_in_the_column_zone(settings):
    """USE_TZ = False: a naive value is a time in the column's zone, stored as that
    instant and read back unchanged; date lookups and Trunc count in that zone."""
    settings.USE_TZ = False
    noon = datetime.datetime(2024, 1, 15, 12, 30)
    created = Typed.objects.create(moment_berlin=noon, stamp=noon, stamp_tokyo=noon)
    row = Typed.objects.get(pk=created.pk)
    assert (row.moment_berlin, row.stamp, row.stamp_tokyo) == (noon, noon, noon)
    (stored,) = raw(
        "SELECT toString(moment_berlin, 'UTC'), toString(stamp_tokyo, 'UTC') FROM testapp_typed"
    )
    assert stored == ("2024-01-15 11:30:00", "2024-01-15 03:30:00.000")
    assert Typed.objects.filter(moment_berlin=noon, stamp_tokyo=noon).count() == 1
    assert Typed.objects.filter(moment_berlin__hour=12, stamp_tokyo__hour=12).count() == 1
    annotated = Typed.objects.annotate(
        midnight=TruncDay("moment_berlin"), hour=ExtractHour("stamp_tokyo")
    ).get()
    assert (annotated.midnight, annotated.hour) == (datetime.datetime(2024, 1, 15), 12)
    with refused(r"Typed\.moment: datetime\.datetime\(1969"):
        Typed.objects.create(moment=datetime.datetime(1969, 12, 31, 23))


# -- enums -----------------------------------------------------------------------------


def test_enums_give_the_choice_values():
    """An integer Enum gives its values, a text Enum its strings; filters take values,
    members and lists; update() and get_FOO_display() work."""
    Typed.objects.bulk_create(
        [
            Typed(action=Typed.Action.PASS, kind=Typed.Protocol.TCP),
            Typed(action=-3, kind="icmp"),
            Typed(action=Typed.Action.DROP, kind=None),
        ]
    )
    rows = sorted(Typed.objects.values_list("action", "kind"))
    assert rows == [(-3, "icmp"), (1, "tcp"), (2, None)]
    assert all(type(action) is int for action, _ in rows)
    assert Typed.objects.filter(action=Typed.Action.ALERT).get().kind == "icmp"
    assert Typed.objects.filter(action__in=[1, 2]).count() == 2
    assert Typed.objects.filter(action__gt=1).count() == 1  # ClickHouse compares numbers
    assert Typed.objects.filter(kind="udp").count() == 0
    assert Typed.objects.filter(action=99).count() == 0
    Typed.objects.filter(kind="tcp").update(action=Typed.Action.DROP, kind="udp")
    changed = Typed.objects.get(kind="udp")
    assert changed.action == 2 and changed.get_action_display() == "Drop"


def test_enums_filter_and_read_by_label():
    """``__label`` is ClickHouse's label: the choice's label for integer choices, the
    value for text choices; every string lookup works on it."""
    Typed.objects.bulk_create(
        [Typed(action=Typed.Action.ALERT, kind="icmp"), Typed(action=Typed.Action.PASS)]
    )
    assert Typed.objects.get(action__label="Alert!").kind == "icmp"
    assert Typed.objects.filter(action__label__in=["Pass", "Drop"]).count() == 1
    assert Typed.objects.filter(kind__label__startswith="ic").count() == 1
    assert list(
        Typed.objects.order_by("action__label").values_list("action__label", flat=True)
    ) == [
        "Alert!",
        "Pass",
    ]
    assert Typed.objects.filter(action__label="it' OR 1=1 --").count() == 0


def test_unknown_enum_values_are_refused():
    with pytest.raises(ValidationError) as caught:
        Typed(action=5).full_clean()
    assert list(caught.value.message_dict) == ["action"]
    with refused(r"Typed\.action: 5 is not one of the choices \(1, 2, -3\)"):
        Typed.objects.bulk_create([Typed(), Typed(action=5)])
    with refused(r"Typed\.kind: 'sctp' is not one of the choices"):
        Typed.objects.create(kind="sctp")
    assert Typed.objects.count() == 0
    form = modelform_factory(Typed, fields=["action", "kind"])({"action": "5", "kind": "udp"})
    assert set(form.errors) == {"action"}


# -- serialization ---------------------------------------------------------------------


def test_dumpdata_and_loaddata_round_trip(tmp_path):
    """Every field survives dumpdata and loaddata (JSON keeps milliseconds of a datetime,
    as Django's encoder does everywhere)."""
    values = {
        **{name: high for name, (_, high) in INTEGERS.items()},
        "text": "żółć",
        "protocol": "tcp",
        "label": None,
        "code": "ab",
        "ipv4": "255.255.255.255",
        "ipv6": "1.2.3.4",
        "address": "2001:db8::1",
        "day": datetime.date(2149, 6, 6),
        "day32": datetime.date(1900, 1, 1),
        "moment_berlin": datetime.datetime(2024, 7, 1, 12, tzinfo=BERLIN),
        "stamp": datetime.datetime(1950, 1, 1, 0, 0, 1, tzinfo=UTC),
        "stamp_tokyo": datetime.datetime(2024, 1, 1, 0, 0, 1, 125000, tzinfo=TOKYO),
        "action": -3,
        "kind": "icmp",
    }
    created = Typed.objects.create(**values)
    out = io.StringIO()
    call_command("dumpdata", "testapp.Typed", database="clickhouse", stdout=out)
    dumped = json.loads(out.getvalue())
    assert dumped[0]["fields"]["uint256"] == 2**256 - 1
    fixture = tmp_path / "typed.json"
    fixture.write_text(out.getvalue())
    raw("TRUNCATE TABLE testapp_typed")
    call_command("loaddata", str(fixture), database="clickhouse", verbosity=0)
    loaded = Typed.objects.get()
    assert loaded.pk == created.pk
    assert {name: getattr(loaded, name) for name in values} == values


# -- migrations ------------------------------------------------------------------------

MIGRATION_APPS = Apps()


class Changing(models.Model):
    """Created, altered and dropped by the migration tests."""

    tag = ch.StringField()
    action = ch.EnumField(choices=Typed.Action.choices[:2])

    class Meta:
        app_label = "field_migrations"
        apps = MIGRATION_APPS


@pytest.fixture
def changing():
    connection = clickhouse()
    with connection.schema_editor() as editor:
        editor.create_model(Changing)
    Changing.objects.using("clickhouse").bulk_create(
        [Changing(tag="a", action=1), Changing(tag="b", action=2)]
    )
    yield connection
    with connection.schema_editor() as editor:
        editor.delete_model(Changing)


def test_low_cardinality_and_null_changes_modify_the_column_and_keep_the_data(changing):
    remove_default = 'ALTER TABLE "field_migrations_changing" MODIFY COLUMN "tag" REMOVE DEFAULT'
    steps = [
        (ch.StringField(low_cardinality=True), "LowCardinality(String)", []),
        (
            ch.StringField(low_cardinality=True, null=True),
            "LowCardinality(Nullable(String))",
            [],
        ),
        (ch.StringField(null=True), "Nullable(String)", []),
        # makemigrations asks for a default here; ClickHouse needs it for the NULLs, and
        # it is removed once they have it.
        (ch.StringField(default=""), "String", [remove_default]),
    ]
    field = Changing._meta.get_field("tag")
    for new_field, column_type, after in steps:
        statement, *rest = alter(Changing, field, new_field)
        assert statement.startswith('ALTER TABLE "field_migrations_changing" MODIFY COLUMN')
        assert rest == after
        assert column_types("field_migrations_changing")["tag"] == column_type
        assert sorted(raw("SELECT tag FROM field_migrations_changing")) == [("a",), ("b",)]
        field = new_field


def test_adding_an_enum_choice_modifies_the_column(changing):
    """choices are part of an Enum's type, so changing them alters the column."""
    old_field = Changing._meta.get_field("action")
    statements = alter(Changing, old_field, ch.EnumField(choices=Typed.Action.choices))
    assert statements == [
        'ALTER TABLE "field_migrations_changing" MODIFY COLUMN "action" '
        "Enum8('Alert!' = -3, 'Pass' = 1, 'Drop' = 2) NOT NULL"
    ]
    assert sorted(raw("SELECT action FROM field_migrations_changing")) == [("Drop",), ("Pass",)]


# -- system checks ---------------------------------------------------------------------


def test_checks_refuse_what_clickhouse_refuses():
    assert check_ids(ch.DateTime64Field(low_cardinality=True)) == ["clickhouse_backend.E101"]
    assert check_ids(ch.EnumField(choices=[(1, "a")], low_cardinality=True)) == [
        "clickhouse_backend.E101"
    ]
    assert check_ids(ch.FixedStringField()) == ["clickhouse_backend.E103"]
    assert check_ids(ch.DateTimeField(timezone="Mars/Olympus")) == ["clickhouse_backend.E104"]
    assert check_ids(ch.DateTime64Field(precision=10)) == ["clickhouse_backend.E105"]
    assert check_ids(ch.EnumField()) == ["clickhouse_backend.E106"]
    assert check_ids(ch.EnumField(choices=[(1, "a"), ("b", "b")])) == ["clickhouse_backend.E106"]
    assert check_ids(ch.Enum8Field(choices=[(200, "a")])) == ["clickhouse_backend.E106"]
    assert check_ids(ch.EnumField(choices=[(1, "a"), (2, "a")])) == ["clickhouse_backend.E106"]
    assert check_ids(ch.StringField(low_cardinality=True, null=True)) == []


def test_suspicious_low_cardinality_needs_the_setting(monkeypatch):
    """LowCardinality of numbers, dates and addresses: ClickHouse refuses it unless the
    session allows it, and the check says how (for the databases checked)."""
    field = ch.UInt16Field(low_cardinality=True)
    assert check_ids(field) == []  # no database named: nothing to say
    message = check_ids(ch.UInt16Field(low_cardinality=True), databases=["clickhouse"])
    assert message == ["clickhouse_backend.E102"]
    options = clickhouse().settings_dict["OPTIONS"]
    monkeypatch.setitem(options, "settings", {"allow_suspicious_low_cardinality_types": 1})
    assert check_ids(ch.UInt16Field(low_cardinality=True), databases=["clickhouse"]) == []


def test_with_the_setting_suspicious_low_cardinality_is_created():
    class Counted(models.Model):
        port = ch.UInt16Field(low_cardinality=True)
        day = ch.DateField(low_cardinality=True, null=True)

        class Meta:
            app_label = "field_checks"
            apps = Apps()

    connection = clickhouse()
    with connection.cursor() as cursor:
        cursor.execute("SET allow_suspicious_low_cardinality_types = 1")
    with connection.schema_editor() as editor:
        editor.create_model(Counted)
    try:
        types = column_types("field_checks_counted")
        assert types == {
            "id": "Int64",
            "port": "LowCardinality(UInt16)",
            "day": "LowCardinality(Nullable(Date))",
        }
        Counted.objects.using("clickhouse").create(port=443)
        assert Counted.objects.using("clickhouse").get().port == 443
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Counted)
        with connection.cursor() as cursor:
            cursor.execute("SET allow_suspicious_low_cardinality_types = 0")


# -- inspectdb -------------------------------------------------------------------------

INSPECTED_TABLE = """
CREATE TABLE inspected (
    id UInt64, i8 Int8, i256 Int256, u128 UInt128, n Nullable(Int32),
    s String, lc LowCardinality(String), lcn LowCardinality(Nullable(String)),
    fs FixedString(3), v4 IPv4, v6 Nullable(IPv6), d Date, d32 Date32,
    dt DateTime('Europe/Berlin'), dtu DateTime('UTC'), dt64 DateTime64(3, 'Asia/Tokyo'),
    dt64u DateTime64(6, 'UTC'), e8 Enum8('it''s' = -1, 'back\\\\slash' = 2),
    e16 Nullable(Enum16('x' = 1000)), price Decimal(12, 3), ok Bool
) ENGINE = MergeTree ORDER BY id
"""


def test_inspectdb_gives_fields_that_create_the_same_table():
    """Each ClickHouse type maps to its field with the parameters that create the same
    column again: the inspected model, created under another name, has the same types."""
    raw(INSPECTED_TABLE)
    try:
        source, model = inspected("inspected")
        assert "import clickhouse_backend.models" in source
        assert "lcn = clickhouse_backend.models.StringField(low_cardinality=True, " in source
        assert 'e8 = clickhouse_backend.models.Enum8Field(choices=[(-1, "it\'s"), ' in source
        with created_as(model, "inspected_again"):
            assert column_types("inspected_again") == column_types("inspected")
    finally:
        raw("DROP TABLE inspected")


def test_inspectdb_notes_a_datetime_without_a_zone():
    raw("CREATE TABLE zoneless (id UInt8, at DateTime) ENGINE = MergeTree ORDER BY id")
    try:
        out = io.StringIO()
        call_command("inspectdb", "zoneless", database="clickhouse", stdout=out)
        assert (
            "at = clickhouse_backend.models.DateTimeField()  # The column follows the server"
            in (out.getvalue())
        )
    finally:
        raw("DROP TABLE zoneless")


def test_datetime64_widgets_show_the_fraction_of_a_second():
    """ModelForm's and the admin's widgets show microseconds, so saving the form keeps
    them (Django's widgets would drop them)."""
    from django.contrib import admin

    value = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    form = modelform_factory(Typed, fields=["stamp"])(instance=Typed(stamp=value))
    assert "2024-05-06 07:08:09.123456" in str(form["stamp"])
    field = Typed._meta.get_field("stamp")
    admin_field = admin.ModelAdmin(Typed, admin.site).formfield_for_dbfield(field, request=None)
    _, time = admin_field.widget.decompress(admin_field.prepare_value(value))
    assert admin_field.widget.widgets[1].format_value(time) == "07:08:09.123456"
    assert admin_field.clean(["2024-05-06", "07:08:09.123456"]) == value

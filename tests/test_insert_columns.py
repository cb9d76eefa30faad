"""Our scalar fields prepare an INSERT column at once: a column of the Python type the
ClickHouse column takes is checked as a whole and never prepared value by value; other
values are converted one by one as save() converts them, and only those; a bad value is
refused with save()'s error, naming it, before anything is written — on the suite's
ClickHouse, through testapp.Typed."""

import datetime
import ipaddress
import zoneinfo
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import IntegrityError
from django.utils.translation import gettext_lazy
from field_helpers import clickhouse, raw, refused
from test_fields import INTEGERS
from testapp.models import Typed

import clickhouse_backend.models as ch
from clickhouse_backend.models.sql.insert_values import prepare_column

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)

UTC = datetime.timezone.utc
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NOON = datetime.datetime(2024, 1, 15, 12, 30, 15, 250000, tzinfo=UTC)

# A column of each field, of exactly the Python type its ClickHouse column takes.
EXACT = {
    **{name: [low, 0, high] for name, (low, high) in INTEGERS.items()},
    "text": ["", "naïve", "x" * 1000],
    "name": ["abcde", "", "żółw"],
    "protocol": ["tcp", "udp", "tcp"],
    "label": ["a", None, "b"],
    "code": ["abcd", "żż", b"\x00\xff"],
    "ipv4": ["0.0.0.0", "10.1.2.3", "255.255.255.255"],
    "ipv6": ["::", "2001:db8::1", "1.2.3.4"],
    "address": ["::1", None, "::ffff:10.0.0.1"],
    "address_v4": ["192.168.0.1", None, "8.8.8.8"],
    "day": [datetime.date(1970, 1, 1), datetime.date(2024, 2, 29), datetime.date(2149, 6, 6)],
    "day32": [datetime.date(1900, 1, 1), None, datetime.date(2299, 12, 31)],
    "moment": [datetime.datetime(1970, 1, 1, tzinfo=UTC), None, NOON],
    "moment_berlin": [NOON.astimezone(BERLIN), NOON, None],
    "stamp": [datetime.datetime(1900, 1, 1, tzinfo=UTC), NOON, None],
    "stamp_tokyo": [NOON, datetime.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC), None],
    "action": [1, 2, -3],
    "kind": ["tcp", None, "icmp"],
}
# What each reads back as.
READ = {
    **EXACT,
    "code": ["abcd", "żż", b"\x00\xff\x00\x00"],
    "ipv6": ["::", "2001:db8::1", "1.2.3.4"],
    "address": ["::1", None, "10.0.0.1"],
    "moment": [datetime.datetime(1970, 1, 1, tzinfo=UTC), None, NOON.replace(microsecond=0)],
    "moment_berlin": [NOON.replace(microsecond=0), NOON.replace(microsecond=0), None],
    "stamp_tokyo": [
        NOON.replace(microsecond=250000),
        datetime.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
        None,
    ],
}


def field(name: str):
    return Typed._meta.get_field(name)


@contextmanager
def prepared_per_value(*names: str):
    """The values each named field's get_db_prep_save() is called with."""
    calls = {name: [] for name in names}
    patches = []
    for name in names:
        cls = type(field(name))
        original = cls.get_db_prep_save

        def spy(self, value, connection, original=original):
            calls.setdefault(self.name, []).append(value)
            return original(self, value, connection)

        patches.append(mock.patch.object(cls, "get_db_prep_save", spy))
    for patch in patches:
        patch.start()
    try:
        yield calls
    finally:
        for patch in reversed(patches):
            patch.stop()


def stored(*names: str) -> list[tuple]:
    return list(Typed.objects.order_by("pk").values_list(*names))


def insert_rows(**columns: list) -> None:
    """One object per row, the columns given, inserted in one bulk_create()."""
    length = len(next(iter(columns.values())))
    Typed.objects.bulk_create(
        [Typed(**{name: values[row] for name, values in columns.items()}) for row in range(length)]
    )


@pytest.mark.parametrize("name", list(EXACT))
def test_columns_of_the_type_they_take_are_not_prepared_value_by_value(name):
    """Every value comes back as given (or as ClickHouse holds it), and the field's
    per-value preparation never ran."""
    with prepared_per_value(name) as calls:
        insert_rows(**{name: EXACT[name]})
    assert calls[name] == []
    assert [value for (value,) in stored(name)] == READ[name]


def test_other_values_are_converted_one_by_one_and_only_they():
    """A bool or a numeric string in an integer column, a lazy translation in a string
    column, a datetime in a date column, an enum member: converted as save() converts
    them; the values of the column's own type are left alone."""
    columns = {
        "int32": [5, True, "-7", 2.9],
        "uint256": [2**256 - 1, False, str(2**200), 3],
        "text": ["plain", gettext_lazy("Hello"), "again", 42],
        "day": [
            datetime.date(2024, 1, 1),
            datetime.datetime(2024, 3, 1, 23, 59, tzinfo=UTC),
            datetime.date(2024, 1, 2),
            "2024-05-06",
        ],
        "action": [1, Typed.Action.DROP, True, "-3"],
        "kind": ["udp", Typed.Protocol.TCP, "icmp", Typed.Protocol.ICMP],
        "ipv4": ["1.2.3.4", ipaddress.IPv4Address("5.6.7.8"), "::ffff:9.9.9.9", 16909060],
    }
    with prepared_per_value(*columns) as calls:
        insert_rows(**columns)
    assert {name: calls[name] for name in columns} == {
        "int32": [True, "-7", 2.9],
        "uint256": [False, str(2**200)],
        "text": [columns["text"][1], 42],
        "day": columns["day"][1::2],
        "action": [Typed.Action.DROP, True, "-3"],
        "kind": [Typed.Protocol.TCP, Typed.Protocol.ICMP],
        "ipv4": [columns["ipv4"][1], "::ffff:9.9.9.9", 16909060],
    }
    assert stored(*columns) == list(
        zip(
            [5, 1, -7, 2],
            [2**256 - 1, 0, 2**200, 3],
            ["plain", "Hello", "again", "42"],
            [
                datetime.date(2024, 1, 1),
                datetime.date(2024, 3, 1),
                datetime.date(2024, 1, 2),
                datetime.date(2024, 5, 6),
            ],
            [1, 2, 1, -3],
            ["udp", "tcp", "icmp", "icmp"],
            ["1.2.3.4", "5.6.7.8", "9.9.9.9", "1.2.3.4"],
            strict=True,
        )
    )


@pytest.mark.parametrize("position", [0, -1])
@pytest.mark.parametrize(
    ("name", "good", "bad", "message"),
    [
        ("int8", 1, 128, r"128 is outside the range of ClickHouse's Int8 \(-128 to 127\)"),
        ("uint8", 1, -1, r"-1 is outside the range of ClickHouse's UInt8"),
        ("int128", 1, 2**127, rf"{2**127} is outside the range of ClickHouse's Int128"),
        ("uint256", 1, 2**256, rf"{2**256} is outside the range of ClickHouse's UInt256"),
        ("int16", 1, "40000", r"'40000' is outside the range of ClickHouse's Int16"),
        ("name", "abc", "abcdef", r"'abcdef' is longer than max_length=5"),
        ("name", "abc", gettext_lazy("abcdef"), r"'abcdef' is longer than max_length=5"),
        ("code", "abcd", "żżż", r"'żżż' is longer than FixedString\(4\) bytes"),
        ("code", "abcd", b"abcde", r"b'abcde' is longer than FixedString\(4\) bytes"),
        ("ipv4", "1.2.3.4", "1.2.3.256", r"'1\.2\.3\.256' is not an IP address"),
        ("ipv4", "1.2.3.4", "2001:db8::1", r"'2001:db8::1' is an IPv6 address; this column"),
        ("ipv6", "::1", "::g", r"'::g' is not an IP address"),
        (
            "day",
            datetime.date(2000, 1, 1),
            datetime.date(1969, 12, 31),
            r"datetime\.date\(1969, 12, 31\) is outside",
        ),
        (
            "moment",
            NOON,
            datetime.datetime(2106, 2, 7, 6, 28, 15, 1, tzinfo=UTC),
            r"datetime\.datetime\(2106, .* is outside the range",
        ),
        ("action", 1, 5, r"5 is not one of the choices \(1, 2, -3\)"),
        ("kind", "tcp", "sctp", r"'sctp' is not one of the choices"),
        ("kind", "tcp", 1, r"'1' is not one of the choices"),
    ],
)
def test_a_bad_value_at_either_end_is_refused_with_the_error_save_gives(
    name, good, bad, message, position
):
    values = [good] * 5
    values[position] = bad
    with refused(rf"Typed\.{name}: {message}"):
        insert_rows(**{name: values})
    with refused(rf"Typed\.{name}: {message}"):
        Typed.objects.create(**{name: bad})
    assert Typed.objects.count() == 0


def test_the_first_bad_value_is_named_whichever_path_finds_it():
    """A value of the column's type out of range before a converted one: the first."""
    with refused(r"Typed\.int8: 200 is outside the range"):
        insert_rows(int8=[1, 200, "300"])
    with refused(r"Typed\.int8: '300' is outside the range"):
        insert_rows(int8=[1, "300", 200])
    assert Typed.objects.count() == 0


def test_text_in_an_integer_column_is_refused_as_django_refuses_it():
    with pytest.raises(ValueError, match=r"Field 'int32' expected a number but got 'many'"):
        insert_rows(int32=[1, "many"])
    assert Typed.objects.count() == 0


def test_none_where_the_column_is_not_nullable():
    """None is an IntegrityError, unless a value before or after it does not fit."""
    for name, good in [("int64", 1), ("text", "a"), ("ipv4", "1.2.3.4"), ("action", 1)]:
        with pytest.raises(IntegrityError, match=rf"Typed\.{name} is not nullable"):
            insert_rows(**{name: [good, None]})
    with refused(r"Typed\.int8: 300 is outside the range"):
        insert_rows(int8=[None, 300])
    with refused(r"Typed\.name: 'abcdef' is longer"):
        insert_rows(name=[None, "abcdef"])
    assert Typed.objects.count() == 0


def test_an_empty_address_is_none():
    insert_rows(address=["", "::1"], address_v4=["", "1.2.3.4"])
    assert stored("address", "address_v4") == [(None, None), ("::1", "1.2.3.4")]


def test_aware_and_naive_datetimes_in_one_column(settings):
    """USE_TZ = True: a naive value is in the default zone (UTC here), with Django's
    warning; aware ones are their instants."""
    naive = datetime.datetime(2024, 1, 15, 12, 30)
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        insert_rows(
            moment_berlin=[NOON, naive, NOON.astimezone(BERLIN)],
            stamp_tokyo=[naive, NOON, None],
        )
    assert stored("moment_berlin", "stamp_tokyo") == [
        (NOON.replace(microsecond=0), naive.replace(tzinfo=UTC)),
        (naive.replace(tzinfo=UTC), NOON),
        (NOON.replace(microsecond=0), None),
    ]


def test_naive_datetimes_without_time_zone_support_are_in_the_column_zone(settings):
    """USE_TZ = False: naive values are wall-clock times in the column's zone, whether
    the whole column is naive or aware values are mixed in."""
    settings.USE_TZ = False
    naive = datetime.datetime(2024, 1, 15, 12, 30)
    insert_rows(moment_berlin=[naive, naive], stamp_tokyo=[naive, naive], stamp=[naive, None])
    insert_rows(moment_berlin=[naive, NOON], stamp_tokyo=[NOON, naive], stamp=[NOON, naive])
    assert raw(
        "SELECT toString(moment_berlin, 'UTC'), toString(stamp_tokyo, 'UTC'), "
        "toString(stamp, 'UTC') FROM testapp_typed ORDER BY id"
    ) == [
        ("2024-01-15 11:30:00", "2024-01-15 03:30:00.000", "2024-01-15 12:30:00.000000"),
        ("2024-01-15 11:30:00", "2024-01-15 03:30:00.000", None),
        ("2024-01-15 11:30:00", "2024-01-15 12:30:15.250", "2024-01-15 12:30:15.250000"),
        ("2024-01-15 12:30:15", "2024-01-15 03:30:00.000", "2024-01-15 12:30:00.000000"),
    ]


def test_nanosecond_columns_end_where_an_int64_of_nanoseconds_does():
    """DateTime64(9) holds 2262-04-11 23:47:16.854775 and refuses the next microsecond."""
    nanos = ch.DateTime64Field(precision=9)
    nanos.set_attributes_from_name("nanos")
    last = datetime.datetime(2262, 4, 11, 23, 47, 16, 854775, tzinfo=UTC)
    assert prepare_column(nanos, [last], clickhouse()) == [9_223_372_036_854_775_000]
    with refused(r"nanos: datetime\.datetime\(2262, .* is outside the range"):
        prepare_column(nanos, [last, last + datetime.timedelta(microseconds=1)], clickhouse())

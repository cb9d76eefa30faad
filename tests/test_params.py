"""Parameters: every supported Python type reaches ClickHouse as itself, and no value
can escape its literal."""

import datetime
import decimal
import enum
import ipaddress
import math
import uuid
from zoneinfo import ZoneInfo

import pytest

from clickhouse_backend.driver import DataError, ProgrammingError

HOSTILE_STRINGS = [
    "",
    "'",
    "''",
    "\\",
    "\\'",
    "ends with a backslash \\",
    "'; DROP TABLE sentinel; --",
    "' OR 1=1 --",
    "\\'; DROP TABLE sentinel; --",
    "quote ' and \" and ` and $$ heredoc $$",
    "NUL \x00 inside",
    "control \a\b\t\n\v\f\r characters",
    "/* comment */ -- not a comment",
    "%s %(name)s %% percent signs",
    "unicode: żółć 中文 🚀 \u200b",
    "\U0010ffff last code point",
]


@pytest.fixture
def sentinel(cursor):
    cursor.execute("CREATE TABLE sentinel (x UInt8) ENGINE = Memory")
    yield
    cursor.execute("EXISTS TABLE sentinel")
    assert cursor.fetchone() == (1,), "a parameter dropped the sentinel table"


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
def test_hostile_strings_round_trip_verbatim(cursor, sentinel, value):
    """A string parameter comes back byte for byte, and never runs as SQL."""
    cursor.execute("SELECT %(v)s, length(%(v)s)", {"v": value})
    assert cursor.fetchone() == (value, len(value.encode()))
    cursor.execute("SELECT %s = %s", [value, value])
    assert cursor.fetchone() == (True,)


def test_every_byte_value_round_trips(cursor, sentinel):
    """Bytes 0..255 reach the server exactly, whatever their encoding."""
    value = bytes(range(256)) + b"'; DROP TABLE sentinel; --\\"
    cursor.execute("SELECT hex(%(v)s), length(%(v)s)", {"v": value})
    assert cursor.fetchone() == (value.hex().upper(), len(value))


def test_surrogate_escaped_text_becomes_its_original_bytes(cursor):
    """Text decoded with surrogateescape is sent as the bytes it came from."""
    raw = b"caf\xe9 \xff"
    cursor.execute("SELECT hex(%s)", [raw.decode("utf-8", "surrogateescape")])
    assert cursor.fetchone() == (raw.hex().upper(),)


def test_hostile_values_inside_containers(cursor, sentinel):
    """Strings nested in arrays, tuples and maps are escaped too."""
    value = "'); DROP TABLE sentinel; --"
    cursor.execute(
        "SELECT %(a)s, %(t)s, %(m)s", {"a": [value, "x"], "t": (value, 1), "m": {value: value}}
    )
    assert cursor.fetchone() == ([value, "x"], (value, 1), {value: value})


class Colour(enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    LARGE = 3


@pytest.mark.parametrize(
    ("value", "type_name"),
    [
        (None, "Nullable(Nothing)"),
        (True, "Bool"),
        (False, "Bool"),
        (0, "UInt8"),
        (-1, "Int8"),
        (2**63 - 1, "UInt64"),
        (-(2**63), "Int64"),
        (2**64 - 1, "UInt64"),
        (2**127 - 1, "Int128"),
        (-(2**127), "Int128"),
        (2**128 - 1, "UInt128"),
        (-(2**255), "Int256"),
        (2**256 - 1, "UInt256"),
        (1.5, "Float64"),
        (-2.25e-300, "Float64"),
        (decimal.Decimal("12.340"), "Decimal(9, 3)"),
        (decimal.Decimal("-0.000001"), "Decimal(9, 6)"),
        (decimal.Decimal("123456789012345678901234567890.12"), "Decimal(38, 2)"),
        (decimal.Decimal("1" * 50 + ".5"), "Decimal(76, 1)"),
        ("text", "String"),
        (b"\x00\xff", "String"),
        (datetime.date(2024, 2, 29), "Date"),
        (datetime.date(1900, 1, 1), "Date32"),
        (datetime.date(2299, 12, 31), "Date32"),
        (datetime.datetime(2024, 2, 29, 23, 59, 59, 999999), "DateTime64(6)"),
        (datetime.datetime(1950, 1, 1, tzinfo=datetime.timezone.utc), "DateTime64(6, 'UTC')"),
        (uuid.UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"), "UUID"),
        (ipaddress.IPv4Address("192.168.0.1"), "IPv4"),
        (ipaddress.IPv6Address("2001:db8::1"), "IPv6"),
        ([1, 2, 3], "Array(UInt8)"),
        ([], "Array(Nothing)"),
        ([[1], [2, 3]], "Array(Array(UInt8))"),
        ((1, "a"), "Tuple(UInt8, String)"),
        ({"a": 1, "b": 2}, "Map(String, UInt8)"),
        (Colour.RED, "String"),
        (Size.LARGE, "UInt8"),
    ],
)
def test_each_type_arrives_as_itself(cursor, value, type_name):
    """A parameter keeps its type: it compares and inserts as what it is in Python."""
    cursor.execute("SELECT %(v)s AS v, toTypeName(v)", {"v": value})
    returned, returned_type = cursor.fetchone()
    assert returned_type == type_name
    expected = value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        assert returned == value
    elif isinstance(value, bytes):
        assert returned in (value, value.decode("latin-1"))
    else:
        assert returned == expected


def test_floats_that_are_not_numbers(cursor):
    """NaN and the infinities are sent as ClickHouse's nan and inf."""
    cursor.execute("SELECT %s, %s, %s", [math.nan, math.inf, -math.inf])
    nan, inf, negative_inf = cursor.fetchone()
    assert math.isnan(nan) and inf == math.inf and negative_inf == -math.inf


def test_negative_numbers_cannot_start_a_comment(cursor):
    """``1-%s`` with -1 is 2, not ``1--1`` (which would comment out the rest)."""
    cursor.execute("SELECT 1-%s, 1-%s", [-1, -1.5])
    assert cursor.fetchone() == (2, 2.5)


def test_aware_datetimes_are_the_same_instant(cursor):
    """An aware datetime in any zone arrives as the same instant."""
    zone = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    value = datetime.datetime(2024, 1, 1, 12, 0, 0, 123456, tzinfo=zone)
    cursor.execute("SELECT %s", [value])
    assert cursor.fetchone()[0] == value


def test_time_is_sent_as_text(cursor):
    """A time of day is its ISO text with microseconds, so times compare as text."""
    cursor.execute("SELECT %s, %s", [datetime.time(13, 5, 7, 250), datetime.time(9, 0)])
    assert cursor.fetchone() == ("13:05:07.000250", "09:00:00.000000")
    cursor.execute("SELECT %s < %s", [datetime.time(9, 0), datetime.time(9, 0, 0, 1)])
    assert cursor.fetchone() == (True,)


def test_tuple_parameter_feeds_in(cursor):
    """``IN %s`` takes a tuple, the usual DB-API idiom."""
    cursor.execute("SELECT number FROM numbers(10) WHERE number IN %s ORDER BY number", [(2, 5)])
    assert cursor.fetchall() == [(2,), (5,)]


def test_percent_signs(cursor):
    """Without parameters SQL is sent as written; with them, %% is a literal %."""
    cursor.execute("SELECT 'a%b' LIKE 'a%'")
    assert cursor.fetchone() == (True,)
    cursor.execute("SELECT 'a%%b' LIKE %s", ["a%"])
    assert cursor.fetchone() == (True,)


def test_unsupported_type_is_named(cursor):
    """A value of a type the driver cannot render is refused, naming its type."""
    with pytest.raises(ProgrammingError, match="cannot pass a set"):
        cursor.execute("SELECT %s", [{1, 2}])


def test_a_value_posing_as_a_supported_type_is_refused(cursor):
    """isinstance() believes a __class__ property; the renderer goes by the real type."""

    class Posing:
        __class__ = property(lambda self: int)

    with pytest.raises(ProgrammingError, match=r"parameter 1 \(%s\): cannot pass a Posing"):
        cursor.execute("SELECT %s", [Posing()])


def test_missing_named_parameter_is_named(cursor):
    """A placeholder without a value names the missing parameter."""
    with pytest.raises(ProgrammingError, match="no parameter 'b'"):
        cursor.execute("SELECT %(a)s, %(b)s", {"a": 1})


def test_positional_placeholder_with_mapping_is_refused(cursor):
    """A mapping is never pasted whole into a %s placeholder."""
    with pytest.raises(ProgrammingError, match="mapping"):
        cursor.execute("SELECT %s", {"a": "'; DROP TABLE x; --"})


def test_wrong_number_of_parameters(cursor):
    """Too many or too few positional values is a clear error."""
    with pytest.raises(ProgrammingError, match="placeholders"):
        cursor.execute("SELECT %s", [1, 2])
    with pytest.raises(ProgrammingError, match="placeholders"):
        cursor.execute("SELECT %s, %s", [1])


def test_values_that_cannot_exist_in_clickhouse(cursor):
    """Decimal NaN, over-wide decimals and integers are DataErrors before anything is sent."""
    with pytest.raises(DataError, match="NaN"):
        cursor.execute("SELECT %s", [decimal.Decimal("NaN")])
    with pytest.raises(DataError, match="76 digits"):
        cursor.execute("SELECT %s", [decimal.Decimal("1" * 80)])
    with pytest.raises(DataError, match="256 bits"):
        cursor.execute("SELECT %s", [2**256])


BIG = decimal.Decimal("170141183460469231732")  # 21 digits before the point
FINE = decimal.Decimal("9.999999900E-9")  # 18 after it


@pytest.mark.parametrize(
    "value",
    [
        [BIG, FINE],
        {"big": BIG, "fine": FINE},
        [(BIG, 1), (FINE, 2)],
        [[BIG], [FINE]],
        [decimal.Decimal("999999999999999999"), decimal.Decimal("0.1")],
    ],
    ids=["array", "map", "array-of-tuples", "nested-arrays", "decimal64-and-decimal32"],
)
def test_decimals_of_one_array_or_map_keep_their_values(cursor, value):
    """ClickHouse gives an array's Decimals one type, the widest of theirs with the finest
    scale: 21 integer digits and 18 decimals overflowed it (silently, into a negative
    number, for Decimal128). Each is written in a type wide enough for both."""
    cursor.execute("SELECT %s", [value])
    assert cursor.fetchall() == [(value,)]


def test_decimals_of_one_array_too_wide_together_are_refused(cursor):
    with pytest.raises(DataError, match=r"need 81 digits together \(41 before the point, 40"):
        cursor.execute("SELECT %s", [[decimal.Decimal("1e40"), decimal.Decimal("1e-40")]])


def test_an_ipv6_scope_id_cannot_reach_the_sql(cursor):
    """The scope id of an IPv6Address is free text; it is refused, never pasted."""
    cursor.execute("CREATE TABLE secrets (k String) ENGINE = Memory")
    cursor.execute("INSERT INTO secrets VALUES ('the secret')")
    payload = ipaddress.IPv6Address(
        "::1%') AS v, 'x' AS w UNION ALL SELECT toIPv6('::'), k FROM secrets "
        "SETTINGS cast_ipv4_ipv6_default_on_conversion_error = 1 --"
    )
    with pytest.raises(DataError, match=r"query parameter %\(p\)s: IPv6 address .* scope id"):
        cursor.execute("SELECT %(p)s AS v, 'sentinel' AS w", {"p": payload})
    with pytest.raises(DataError, match=r"query parameter 1 \(%s\): .* scope id"):
        cursor.execute("SELECT %s", [[ipaddress.IPv6Address("fe80::1%eth0")]])


def test_subclasses_cannot_print_their_way_out_of_a_literal(cursor, sentinel):
    """What a subclass's __str__, __format__ or isoformat() prints never reaches the SQL:
    each value is written by its base type's own code, through the one escaper."""
    escape = "') UNION ALL SELECT 'injected' --"

    class Int(int):
        def __str__(self):
            return escape

        __repr__ = __format__ = __str__

    class Text(str):
        def translate(self, table):
            return escape

    class Id(uuid.UUID):
        def __str__(self):
            return escape

    class Number(decimal.Decimal):
        def __format__(self, spec):
            return escape

    class Moment(datetime.datetime):
        def isoformat(self, *args, **kwargs):
            return escape

    values = [
        (Int(7), 7),
        (Int(2**100), 2**100),
        (Text("plain"), "plain"),
        (Id(int=5), uuid.UUID(int=5)),
        (Number("1.50"), decimal.Decimal("1.5")),
        (Moment(2024, 1, 2, 3, 4, 5), datetime.datetime(2024, 1, 2, 3, 4, 5)),
    ]
    for value, expected in values:
        cursor.execute("SELECT %(p)s AS v, 'sentinel' AS w", {"p": value})
        assert cursor.fetchall() == [(expected, "sentinel")]


def test_lone_surrogates_are_a_data_error(cursor):
    """Text that is not valid Unicode cannot be sent as UTF-8: a DataError naming the
    parameter, not the embedded engine's TypeError."""
    with pytest.raises(DataError, match=r"query parameter %\(p\)s: .*lone surrogate"):
        cursor.execute("SELECT %(p)s", {"p": "a\ud800b"})
    with pytest.raises(DataError, match="lone surrogate"):
        cursor.execute("SELECT '\ud800'")


@pytest.mark.parametrize(
    "value",
    [
        datetime.date(1899, 12, 31),
        datetime.date(2300, 1, 1),
        datetime.datetime(1899, 12, 31, 23, 59, 59),
        datetime.datetime(2300, 1, 1, tzinfo=datetime.timezone.utc),
    ],
)
def test_dates_outside_clickhouse_range_are_a_data_error(cursor, value):
    """Outside 1900..2299 ClickHouse's Date32/DateTime64 hold nothing (and the driver's
    reader has no entry for the day): refused, naming the parameter."""
    with pytest.raises(DataError, match=r"query parameter %\(p\)s: .* outside 1900-01-01"):
        cursor.execute("SELECT %(p)s", {"p": value})


def test_a_result_value_the_reader_cannot_convert_is_a_data_error(cursor):
    """ClickHouse 26 stores Date32 before 1900; clickhouse-driver has no entry for it."""
    with pytest.raises(DataError, match=r"result column 'd' of type Date32 .* toString"):
        cursor.execute("SELECT toDate32('1899-01-01') AS d")
    cursor.execute("SELECT 1")  # the connection is still usable
    assert cursor.fetchall() == [(1,)]


def zone(hours: int) -> datetime.timezone:
    return datetime.timezone(datetime.timedelta(hours=hours))


PYTHON_EXTREMES = [
    datetime.datetime.min.replace(tzinfo=datetime.timezone.utc),
    datetime.datetime.min.replace(tzinfo=zone(14)),
    datetime.datetime.min.replace(tzinfo=ZoneInfo("Asia/Tokyo")),
    datetime.datetime.max.replace(tzinfo=ZoneInfo("Pacific/Kiritimati")),
    datetime.datetime.max.replace(tzinfo=zone(-12)),
    datetime.datetime.max.replace(tzinfo=ZoneInfo("America/New_York")),
]


def test_aware_datetimes_are_range_checked_as_instants_without_overflow(cursor, native):
    """Converting datetime.min/max to UTC would overflow: the range is checked first, the
    error naming the parameter and the range of the server at hand (18.16: legacy). The
    range is that of the instant: 1900-01-01 03:00 at UTC+3 is the first one."""
    for value in PYTHON_EXTREMES:
        with pytest.raises(DataError, match=r"%\(p\)s: datetime .* outside 1900-01-01 to 2299"):
            cursor.execute("SELECT %(p)s", {"p": value})
        with pytest.raises(DataError, match=r"%\(p\)s: datetime .* outside 1970-01-01 to 2105"):
            native.cursor().execute("SELECT %(p)s", {"p": value})
    cursor.execute("SELECT %s", [datetime.datetime(1900, 1, 1, 3, tzinfo=zone(3))])
    assert cursor.fetchone() == (datetime.datetime(1900, 1, 1, tzinfo=datetime.timezone.utc),)
    with pytest.raises(DataError, match="outside 1900-01-01 to 2299-12-31"):
        cursor.execute("SELECT %s", [datetime.datetime(1900, 1, 1, 2, 59, tzinfo=zone(3))])
    last = datetime.datetime(2299, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)
    cursor.execute("SELECT %s", [last.astimezone(zone(-12))])
    assert cursor.fetchone() == (last,)
    with pytest.raises(DataError, match="outside 1900-01-01 to 2299-12-31"):
        cursor.execute("SELECT %s", [datetime.datetime(2299, 12, 31, 12, tzinfo=zone(-12))])

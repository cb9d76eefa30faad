"""Every ClickHouse type the driver can read round-trips through INSERT and SELECT, and
both transports give the same Python values for the same data."""

import datetime
import decimal
import ipaddress
import math
import uuid
import zoneinfo

import pytest

from clickhouse_backend import driver

UTC = datetime.timezone.utc
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def _integer_cases():
    for bits in (8, 16, 32, 64, 128, 256):
        yield f"Int{bits}", [-(2 ** (bits - 1)), 0, 2 ** (bits - 1) - 1]
        yield f"UInt{bits}", [0, 1, 2**bits - 1]


# (column type, values inserted; read back equal unless a third item says otherwise)
CASES = [
    *_integer_cases(),
    ("Float32", [0.0, 1.5, -2.25, math.inf]),
    ("Float64", [0.0, 1e-300, -1.7976931348623157e308, math.inf, -math.inf]),
    ("Decimal32(4)", [decimal.Decimal("-99999.9999"), decimal.Decimal("0.0001")]),
    ("Decimal64(8)", [decimal.Decimal("1234567890.12345678")]),
    ("Decimal128(20)", [decimal.Decimal("-123456789012345678.12345678901234567890")]),
    ("Decimal256(40)", [decimal.Decimal("1" * 36 + "." + "2" * 40)]),
    ("Bool", [True, False]),
    ("String", ["", "plain", "żółć 中文 🚀", "'\\\x00\n"]),
    ("FixedString(4)", ["abcd", "ab"], ["abcd", "ab"]),
    ("LowCardinality(String)", ["a", "b", "a", ""]),
    ("LowCardinality(Nullable(String))", ["a", None, ""]),
    ("Nullable(Int32)", [None, -5, None]),
    ("Nullable(String)", [None, "x"]),
    ("Date", [datetime.date(1970, 1, 1), datetime.date(2149, 6, 6)]),
    ("Date32", [datetime.date(1900, 1, 1), datetime.date(2299, 12, 31)]),
    ("DateTime", [datetime.datetime(1970, 1, 1, 0, 0, 1), datetime.datetime(2106, 2, 7)]),
    ("DateTime('UTC')", [datetime.datetime(2024, 2, 29, 12, 30, tzinfo=UTC)]),
    (
        "DateTime('Asia/Tokyo')",
        [datetime.datetime(2024, 1, 1, 9, 0, tzinfo=TOKYO)],
    ),
    (
        "DateTime64(6)",
        [datetime.datetime(2024, 1, 1, 0, 0, 0, 123456), datetime.datetime(1969, 12, 31, 23)],
    ),
    (
        "DateTime64(6, 'UTC')",
        [datetime.datetime(2024, 1, 1, 0, 0, 0, 999999, tzinfo=UTC)],
    ),
    (
        "DateTime64(3, 'Europe/Berlin')",
        [datetime.datetime(2024, 7, 1, 12, 0, 0, 5000, tzinfo=BERLIN)],
    ),
    ("DateTime64(9, 'UTC')", [datetime.datetime(2262, 4, 11, tzinfo=UTC)]),
    ("UUID", [uuid.UUID(int=0), uuid.UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")]),
    ("IPv4", [ipaddress.IPv4Address("0.0.0.0"), ipaddress.IPv4Address("255.255.255.255")]),
    (
        "IPv6",
        [ipaddress.IPv6Address("::"), ipaddress.IPv6Address("2001:db8::ff00:42:8329")],
    ),
    ("IPv6", [ipaddress.IPv6Address("::ffff:1.2.3.4")]),
    ("Enum8('a' = -128, 'b' = 127)", ["a", "b"]),
    ("Enum16('x' = -32768, 'y' = 32767)", ["x", "y"]),
    ("Array(Int64)", [[], [1, 2, 3]]),
    ("Array(Nullable(Int32))", [[None, 1], []]),
    ("Array(Array(String))", [[["a"], [], ["b", "c"]]]),
    ("Array(LowCardinality(String))", [["x", "y", "x"]]),
    ("Tuple(Int32, String)", [(1, "a")]),
    ("Tuple(id UInt8, name String)", [(1, "named")]),
    ("Map(String, UInt64)", [{}, {"a": 1, "b": 2}]),
    ("Map(String, Array(Nullable(Int8)))", [{"k": [1, None]}]),
    ("Point", [(1.5, -2.0)]),
    ("Ring", [[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]]),
    ("JSON", [{"a": 1, "b": {"c": "text"}}, {}]),
]


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_type_round_trips(cursor, case):
    """Values inserted as Native blocks come back as the same Python values."""
    column_type, values, *expected = case
    expected = expected[0] if expected else values
    cursor.execute(f"CREATE TABLE t (n UInt32, v {column_type}) ENGINE = MergeTree ORDER BY n")
    cursor.executemany("INSERT INTO t (n, v) VALUES", list(enumerate(values)))
    assert cursor.rowcount == len(values)
    cursor.execute("SELECT v, toTypeName(v) FROM t ORDER BY n")
    rows = cursor.fetchall()
    assert [row[0] for row in rows] == expected
    assert "".join(cursor.description[0][1].split()) == "".join(rows[0][1].split())


def test_zoned_datetime_keeps_its_zone(cursor):
    """A ``DateTime('Zone')`` column decodes as aware datetimes in that zone."""
    cursor.execute("SELECT toDateTime('2024-01-01 00:00:00', 'Europe/Berlin') AS b")
    (value,) = cursor.fetchone()
    assert value == datetime.datetime(2024, 1, 1, tzinfo=BERLIN)
    assert value.utcoffset() == datetime.timedelta(hours=1)
    assert cursor.description[0][1] == "DateTime('Europe/Berlin')"


def test_nan_round_trips(cursor):
    """NaN is stored and read back as NaN."""
    cursor.execute("CREATE TABLE f (v Float64) ENGINE = Memory")
    cursor.executemany("INSERT INTO f (v) VALUES", [(math.nan,)])
    cursor.execute("SELECT v FROM f")
    assert math.isnan(cursor.fetchone()[0])


def test_nested_columns_flatten_to_arrays(cursor):
    """``Nested`` columns read as one array per field, as ClickHouse flattens them."""
    cursor.execute("CREATE TABLE nest (id UInt8, n Nested(x Int32, y String)) ENGINE = Memory")
    cursor.executemany("INSERT INTO nest (id, n.x, n.y) VALUES", [(1, [1, 2], ["a", "b"])])
    cursor.execute("SELECT n.x, n.y FROM nest")
    assert cursor.fetchall() == [([1, 2], ["a", "b"])]
    assert [column[0] for column in cursor.description] == ["n.x", "n.y"]


@pytest.mark.parametrize("type_name", ["BFloat16", "Time", "Dynamic"])
def test_unreadable_types_say_which_and_why(cursor, type_name):
    """A type clickhouse-driver cannot decode is a NotSupportedError naming it."""
    with pytest.raises(driver.NotSupportedError, match=f"type {type_name}: clickhouse-driver"):
        cursor.execute(f"SELECT CAST(1 AS {type_name}) AS x")
    cursor.execute("SELECT 1")  # the connection is still usable
    assert cursor.fetchone() == (1,)


def test_empty_result_still_describes_its_columns(cursor):
    """An empty result has a description (ClickHouse sends no header for it in process)."""
    cursor.execute("SELECT 1 AS a, 'x' AS b WHERE 0")
    assert cursor.fetchall() == []
    assert [column[:2] for column in cursor.description] == [("a", "UInt8"), ("b", "String")]
    cursor.execute("SHOW TABLES LIKE 'no_such_table%'")
    assert cursor.fetchall() == []
    assert cursor.description[0][0] == "name"


def test_description_details(cursor):
    """Decimal precision/scale and nullability are in the description."""
    cursor.execute("SELECT toDecimal64(1, 3) AS d, CAST(NULL AS Nullable(Int8)) AS n")
    (d, n) = cursor.description
    assert d[1] == "Decimal(18, 3)" and d[4:] == (18, 3, False)
    assert n[1] == "Nullable(Int8)" and n[6] is True
    assert d[1] == driver.NUMBER and n[1] == driver.NUMBER and d[1] != driver.STRING


# Types Debian's 18.16 server has too: the same SQL on both transports, compared.
SHARED_SQL = """
SELECT
    toInt8(-128) AS i8, toUInt64(18446744073709551615) AS u64,
    toFloat32(1.5) AS f32, toFloat64(-0.1) AS f64,
    toDecimal32('-12.3456', 4) AS d32, toDecimal128('1234567890.0987654321', 10) AS d128,
    'żółć' AS s, toFixedString('ab', 4) AS fs, CAST(NULL AS Nullable(Int32)) AS n,
    toDate('2024-02-29') AS d, toDateTime('2024-02-29 12:30:00', 'UTC') AS dt_utc,
    toDateTime('2024-02-29 12:30:00', 'Asia/Tokyo') AS dt_tokyo,
    toUUID('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b') AS u,
    CAST('b' AS Enum8('a' = 1, 'b' = 2)) AS e8, CAST('y' AS Enum16('x' = 1, 'y' = 300)) AS e16,
    [1, 2, 3] AS arr, [[toNullable('a'), NULL]] AS nested_arr, tuple(1, 'x') AS tup
"""


def test_every_transport_gives_the_same_values(connect, native, local_server):
    """The embedded engine, a server over TCP and the same server over HTTP decode the
    same data identically."""
    embedded = connect().cursor()
    embedded.execute(SHARED_SQL)
    over_tcp = native.cursor()
    over_tcp.execute(SHARED_SQL)
    with driver.connect(
        host=local_server.host, port=local_server.http_port, interface="http"
    ) as http:
        over_http = http.cursor()
        over_http.execute(SHARED_SQL)
        rows = over_http.fetchall()
        described = over_http.description
    assert embedded.fetchall() == over_tcp.fetchall() == rows
    assert [c[0] for c in embedded.description] == [c[0] for c in over_tcp.description]
    assert described == over_tcp.description

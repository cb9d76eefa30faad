"""No parameter can change a statement's shape: property-based tests of the one escaper.

Each example sends one value of any parameter type the driver takes — hostile text,
bytes, huge integers, NaN, Decimals, dates in and out of range, UUIDs, IP addresses with
scope ids, nested lists, tuples and dicts, and subclasses of each that lie about
their value — in ``SELECT %(p)s AS v, 'sentinel' AS w``.
Either the statement keeps its shape (one row, the sentinel intact) and the value reads
back as itself, or a PEP 249 error is raised. Both renderings run: the modern one on the
embedded engine, the legacy one (servers before 21.9) on Debian's 18.16 server.
"""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import math
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clickhouse_backend import driver

# Text an attacker would try: quotes, backslashes, comment and statement ends, percent
# signs, NUL and control characters, non-ASCII and lone surrogates.
ATTACKS = st.sampled_from(
    [
        "'",
        "\\",
        "\\'",
        "') --",
        "' OR 1 --",
        "'; SELECT 1; --",
        "/*",
        "%s",
        "%(p)s",
        "%%",
        "\x00",
        "\n",
        "`",
        '"',
        "$$",
        "' UNION ALL SELECT 'x', 'y' --",
        " SETTINGS cast_ipv4_ipv6_default_on_conversion_error = 1 --",
    ]
)
TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(ATTACKS, st.text(max_size=3)), max_size=6).map("".join),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1),
)
ZONES = st.sampled_from(
    [
        None,
        datetime.timezone.utc,
        datetime.timezone(datetime.timedelta(hours=-10, minutes=-30)),
        datetime.timezone(datetime.timedelta(hours=14)),
        ZoneInfo("Pacific/Kiritimati"),
        ZoneInfo("America/New_York"),
    ]
)
SCOPED_IPV6 = st.builds(
    lambda address, scope: ipaddress.IPv6Address(f"{address}%{scope}"),
    st.ip_addresses(v=6),
    st.one_of(ATTACKS, st.text(min_size=1)).filter(lambda s: "%" not in s and "/" not in s),
)
SCALAR_KINDS = [
    st.booleans(),
    st.integers(min_value=-(2**260), max_value=2**260),
    st.floats(),
    st.decimals(),
    TEXT,
    st.binary(),
    st.datetimes(datetime.datetime(1850, 1, 1), datetime.datetime(2350, 1, 1), timezones=ZONES),
    # The last day before datetime.max and the first after datetime.min, in any zone.
    st.datetimes(datetime.datetime.max - datetime.timedelta(days=1), timezones=ZONES),
    st.datetimes(max_value=datetime.datetime.min + datetime.timedelta(days=1), timezones=ZONES),
    st.dates(datetime.date(1850, 1, 1), datetime.date(2350, 1, 1)),
    st.times(),
    st.uuids(),
    st.ip_addresses(v=4),
    st.ip_addresses(v=6),
    SCOPED_IPV6,
]
SCALARS = st.one_of(st.none(), *SCALAR_KINDS)
KEYS = st.one_of(st.integers(-(2**63), 2**64 - 1), TEXT, st.uuids(), st.dates())


def nested(kind: st.SearchStrategy) -> st.SearchStrategy:
    """Lists, tuples and dicts of one kind of value (and None): a list of several kinds
    has no faithful ClickHouse type (ClickHouse converts them to a common one)."""
    return st.recursive(
        st.one_of(st.none(), kind),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.lists(inner, max_size=4).map(tuple),
            st.dictionaries(KEYS, inner, max_size=3),
        ),
        max_leaves=8,
    ).filter(lambda value: isinstance(value, (list, tuple, dict)))


NESTED = st.one_of(*map(nested, SCALAR_KINDS))
EXAMPLES = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def as_bytes(text: str | bytes) -> bytes:
    """Text and bytes alike as the bytes ClickHouse stores (String is bytes; the driver
    gives str for UTF-8 and bytes otherwise; surrogateescape text stands for its bytes)."""
    return text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")


def comparable(value: Any, legacy: bool) -> Any:
    """A value, sent or read back, in a form where the two compare equal."""
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, (list, tuple)):
        return type(value)(comparable(item, legacy) for item in value)
    if isinstance(value, dict):
        return {comparable(k, legacy): comparable(v, legacy) for k, v in value.items()}
    if isinstance(value, (str, bytes)):
        return as_bytes(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.replace(microsecond=0) if legacy else value  # 18.16: no DateTime64
    if isinstance(value, datetime.time):  # sent as text
        return as_bytes(value.isoformat(timespec="microseconds"))
    if isinstance(value, decimal.Decimal):
        return value.normalize()
    if legacy and isinstance(value, (uuid.UUID, ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return as_bytes(str(value))  # sent as text: 18.16 has no toUUID, toIPv6, ...
    return value


def check_round_trip(cursor: driver.Cursor, value: Any, legacy: bool) -> None:
    """The statement keeps its shape and the value comes back, or a PEP 249 error."""
    try:
        cursor.execute("SELECT %(p)s AS v, 'sentinel' AS w", {"p": value})
        rows = cursor.fetchall()
    except driver.Error:
        return
    assert len(rows) == 1, f"{value!r} changed the statement: {rows!r}"
    got, sentinel = rows[0]
    assert sentinel == "sentinel", f"{value!r} changed the statement: {rows!r}"
    assert same(comparable(got, legacy), comparable(value, legacy)), f"{value!r} read as {got!r}"


def same(got: Any, sent: Any) -> bool:
    """Equal, but for the 2 microseconds clickhouse-driver may lose on a DateTime64 from
    2242 on (it divides by a million in floating point; docs/limitations.md)."""
    if isinstance(got, datetime.datetime) and isinstance(sent, datetime.datetime):
        late = sent.year >= 2242
        return abs(got - sent) <= datetime.timedelta(microseconds=2 if late else 0)
    if isinstance(got, (list, tuple)) and isinstance(sent, (list, tuple)):
        return type(got) is type(sent) and len(got) == len(sent) and all(map(same, got, sent))
    if isinstance(got, dict) and isinstance(sent, dict):
        return got.keys() == sent.keys() and all(same(got[k], sent[k]) for k in sent)
    return got == sent


@pytest.fixture(scope="module")
def embedded_cursor():
    connection = driver.connect(embedded=":memory:", settings={"session_timezone": "UTC"})
    yield connection.cursor()
    connection.close()


@pytest.fixture(scope="module")
def legacy_cursor(local_server):
    connection = driver.connect(host=local_server.host, port=local_server.tcp_port)
    yield connection.cursor()
    connection.close()


@given(SCALARS)
@EXAMPLES
def test_modern_rendering_of_scalars(embedded_cursor, value):
    assert not embedded_cursor.connection.transport.legacy
    check_round_trip(embedded_cursor, value, legacy=False)


@given(NESTED)
@EXAMPLES
def test_modern_rendering_of_nested_values(embedded_cursor, value):
    check_round_trip(embedded_cursor, value, legacy=False)


@given(SCALARS)
@EXAMPLES
def test_legacy_rendering_of_scalars(legacy_cursor, value):
    assert legacy_cursor.connection.transport.legacy
    check_round_trip(legacy_cursor, value, legacy=True)


@given(NESTED)
@EXAMPLES
def test_legacy_rendering_of_nested_values(legacy_cursor, value):
    check_round_trip(legacy_cursor, value, legacy=True)


# -- Subclasses that lie: every method the renderer could call answers something else --

LIE = "') UNION ALL SELECT 'injected', 'x' --"


def lies(*names: str, answer: Any = LIE) -> dict[str, Any]:
    """Methods ``names`` that ignore their arguments and return ``answer``."""
    return {name: lambda self, *args, **kwargs: answer for name in names}


PRINTING = ("__str__", "__repr__", "__format__")
COMPARING = ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__")
LYING_TYPES = {
    int: type("LyingInt", (int,), lies(*PRINTING) | lies("__index__", "__int__", answer=1)),
    float: type(
        "LyingFloat",
        (float,),
        lies(*PRINTING) | lies(*COMPARING, answer=True) | lies("__float__", answer=1.0),
    ),
    decimal.Decimal: type(
        "LyingDecimal",
        (decimal.Decimal,),
        lies(*PRINTING, "to_eng_string")
        | lies("is_finite", answer=True)
        | lies("as_tuple", answer=decimal.DecimalTuple(0, (1,), 0)),
    ),
    str: type(
        "LyingStr",
        (str,),
        lies(*PRINTING, "translate", "replace") | lies("isascii", answer=True),
    ),
    bytes: type(
        "LyingBytes",
        (bytes,),
        lies("decode", "translate") | lies("__bytes__", answer=LIE.encode()),
    ),
    bytearray: type(
        "LyingBytearray",
        (bytearray,),
        lies("decode", "translate") | lies("__bytes__", answer=LIE.encode()),
    ),
    datetime.datetime: type(
        "LyingDatetime",
        (datetime.datetime,),
        lies(*PRINTING, "isoformat", "strftime")
        | lies(*COMPARING, answer=True)
        | lies("utcoffset", "tzname", answer=None)
        | lies("date", answer=datetime.date(2000, 1, 1))
        | lies("time", answer=datetime.time(1))
        | lies("astimezone", "replace", answer=datetime.datetime(2000, 1, 1))
        | lies("timetuple", "utctimetuple", answer=datetime.datetime(2000, 1, 1).timetuple())
        | {"microsecond": property(lambda self: 1)},
    ),
    datetime.date: type(
        "LyingDate",
        (datetime.date,),
        lies(*PRINTING, "isoformat", "strftime")
        | lies(*COMPARING, answer=True)
        | lies("toordinal", answer=730120)
        | lies("timetuple", answer=datetime.date(2000, 1, 1).timetuple()),
    ),
    datetime.time: type(
        "LyingTime",
        (datetime.time,),
        lies(*PRINTING, "isoformat", "strftime") | lies("utcoffset", "tzname", answer=None),
    ),
    uuid.UUID: type(
        "LyingUUID",
        (uuid.UUID,),
        lies(*PRINTING)
        | lies("__int__", answer=1)
        | {
            # Construction stores the real value in the base class's slot; reads lie.
            "int": property(lambda self: 1, uuid.UUID.int.__set__),
            "hex": property(lambda self: LIE),
        },
    ),
    ipaddress.IPv4Address: type(
        "LyingIPv4Address",
        (ipaddress.IPv4Address,),
        lies(*PRINTING) | lies("__int__", answer=1) | {"compressed": property(lambda s: LIE)},
    ),
    ipaddress.IPv6Address: type(
        "LyingIPv6Address",
        (ipaddress.IPv6Address,),
        lies(*PRINTING)
        | lies("__int__", answer=1)
        | {"compressed": property(lambda s: LIE), "scope_id": property(lambda s: None)},
    ),
}
# Every scalar kind but None and bool (bool cannot be subclassed).
LIABLE = st.one_of(*SCALAR_KINDS[1:], st.binary().map(bytearray))


def lying(value: Any) -> Any:
    """The same value as an instance of its lying subclass."""
    liar = LYING_TYPES[type(value)]
    if isinstance(value, datetime.datetime):
        fields = value.timetuple()[:6]
        return liar(*fields, value.microsecond, value.tzinfo, fold=value.fold)
    if isinstance(value, datetime.date):
        return liar(value.year, value.month, value.day)
    if isinstance(value, datetime.time):
        return liar(value.hour, value.minute, value.second, value.microsecond, value.tzinfo)
    if isinstance(value, uuid.UUID):
        return liar(int=value.int)
    if isinstance(value, ipaddress.IPv6Address):
        return liar(str(value))
    return liar(value)


def outcome(cursor: driver.Cursor, value: Any) -> Any:
    """The rows the statement returns (NaN as "nan"), or the PEP 249 error it raises."""
    try:
        cursor.execute("SELECT %(p)s AS v, 'sentinel' AS w", {"p": value})
        return comparable(cursor.fetchall(), legacy=False)
    except driver.Error as error:
        return type(error), error.message


@given(LIABLE)
@EXAMPLES
def test_a_lying_subclass_is_rendered_as_its_value_modern(embedded_cursor, value):
    assert outcome(embedded_cursor, lying(value)) == outcome(embedded_cursor, value)


@given(LIABLE)
@EXAMPLES
def test_a_lying_subclass_is_rendered_as_its_value_legacy(legacy_cursor, value):
    assert outcome(legacy_cursor, lying(value)) == outcome(legacy_cursor, value)


# -- The same through the ORM's lookups on text and IP address fields -----------------

ROW_TEXTS = ["alpha", "it's", "back\\slash", "%percent%", "nul\x00byte", "", "ünï 🚀"]
ROW_ADDRESSES = ["10.0.0.1", "::1", "2001:db8::7", "::", None]
TEXT_LOOKUPS = {
    "exact": lambda text, value: text == value,
    "contains": lambda text, value: value in text,
    "startswith": lambda text, value: text.startswith(value),
    "endswith": lambda text, value: text.endswith(value),
}
ADDRESSES = st.one_of(
    st.ip_addresses().map(str),
    SCOPED_IPV6.map(str),
    TEXT,
    st.sampled_from(
        [
            "::1%') OR 1 SETTINGS cast_ipv4_ipv6_default_on_conversion_error = 1 --",
            "10.0.0.1' OR 1 --",
            "::1",
            "10.0.0.1",
        ]
    ),
)
ORM_EXAMPLES = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def rows():
    """Typed rows, one per text and one per address: {pk: (text, address, ipv6)}."""
    from testapp.models import Typed

    query = Typed.objects.using("clickhouse")
    made = [query.create(text=text) for text in ROW_TEXTS]
    made += [query.create(address=address) for address in ROW_ADDRESSES]
    return query, {row.pk: (row.text, row.address, "::") for row in made}


def matching(query, **lookup) -> set[int] | None:
    """The ids a filter finds, or None when the backend refused the value."""
    from django.db import DatabaseError

    try:
        return set(query.filter(**lookup).values_list("pk", flat=True))
    except DatabaseError:
        return None


def as_ipv6(text: str) -> ipaddress.IPv6Address | None:
    """The IPv6 column value of an address (IPv4 mapped), None if text is none."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 4:
        return ipaddress.IPv6Address(f"::ffff:{address}")
    return None if address.scope_id is not None else address


@pytest.mark.django_db(databases=["clickhouse"], transaction=True)
@given(TEXT)
@ORM_EXAMPLES
def test_text_lookups_find_exactly_the_matching_rows(rows, value):
    from django.db.models.expressions import RawSQL

    query, table = rows
    texts = {pk: text for pk, (text, _, _) in table.items()}
    for name, matches in TEXT_LOOKUPS.items():
        found = matching(query, **{f"text__{name}": value})
        expected = {pk for pk, text in texts.items() if matches(text, value)}
        assert found in (None, expected), f"text__{name}={value!r} found {found}"
    expected = {pk for pk, text in texts.items() if text in (value, "alpha")}
    assert matching(query, text__in=[value, "alpha"]) in (None, expected)
    found = matching(query, text__regex=value)  # re2 is not Python's re: only the shape
    assert found is None or found <= set(texts)
    raw = RawSQL("SELECT id FROM testapp_typed WHERE text = %s", [value])
    expected = {pk for pk, text in texts.items() if text == value}
    assert matching(query, pk__in=raw) in (None, expected), f"RawSQL with {value!r}"


@pytest.mark.django_db(databases=["clickhouse"], transaction=True)
@given(ADDRESSES)
@ORM_EXAMPLES
def test_address_lookups_find_exactly_the_matching_rows(rows, value):
    query, table = rows
    wanted = as_ipv6(value)
    for field, position in (("address", 1), ("ipv6", 2)):
        values = {pk: row[position] for pk, row in table.items()}
        expected = {pk for pk, address in values.items() if address and as_ipv6(address) == wanted}
        if value == "":  # the field's empty value is NULL, as Django has it
            expected = {pk for pk, address in values.items() if address is None}
        elif wanted is None:
            expected = set()  # not an address: refused, or nothing found
        found = matching(query, **{field: value})
        assert found in (None, expected), f"{field}={value!r} found {found}"
        in_expected = set() if value == "" else expected  # __in drops NULL, as SQL does
        assert matching(query, **{f"{field}__in": [value]}) in (None, in_expected)
    stored = {pk: row[1] for pk, row in table.items() if row[1] is not None}
    found = matching(query, address__contains=value)
    expected = {pk for pk, address in stored.items() if value in address}
    assert found in (None, expected), f"address__contains={value!r} found {found}"
    found = matching(query, address__startswith=value)
    expected = {pk for pk, address in stored.items() if address.startswith(value)}
    assert found in (None, expected), f"address__startswith={value!r} found {found}"

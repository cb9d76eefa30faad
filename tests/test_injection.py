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
import re
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


# -- Schema features: names, keywords and numbers that reach DDL ----------------------
#
# Identifiers go through quote_name, values through the one renderer; what is written
# bare (a setting's name, a layout, a keyword, a number) is checked and then written as
# the plain str or int that was checked. A subclass that prints, upper-cases or
# replaces as something else must change nothing.

VICTIM = "injection_victim"
DROP_VICTIM = f"; DROP TABLE {VICTIM}; --"


class Disguised(str):
    """A str whose every method that makes text makes this text: replace() returns
    ``text`` unescaped (a str whose replace() returns itself), upper() and formatting
    return it."""

    def __new__(cls, value: str, text: str = ""):
        disguised = super().__new__(cls, value)
        disguised.text = text
        return disguised

    def replace(self, *args):
        return _Stuck(self.text)

    def upper(self):
        return self.text

    def __str__(self):
        return self.text

    def __format__(self, spec):
        return self.text


class _Stuck(str):
    """Text that no replace() changes."""

    def replace(self, *args):
        return self


class DisguisedInt(int):
    """An int that prints as SQL."""

    def __str__(self):
        return f"1{DROP_VICTIM}"

    __repr__ = __str__

    def __format__(self, spec):
        return str(self)


@pytest.fixture
def victim(clickhouse_db):
    """A table that a second statement would drop; it must exist after the test."""
    with clickhouse_db.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {VICTIM} (id Int8) ENGINE = Memory")
    yield
    with clickhouse_db.cursor() as cursor:
        cursor.execute(
            "SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = %s",
            [VICTIM],
        )
        assert cursor.fetchone() == (1,), "the victim table was dropped"
        cursor.execute(f"DROP TABLE {VICTIM}")


def schema_model(name: str, fields: dict | None = None, **meta):
    """A throwaway testapp model (routed to ClickHouse) in an app registry of its own."""
    from django.apps.registry import Apps
    from django.db import models

    meta = {"app_label": "testapp", "apps": Apps(), **meta}
    body = {"id": models.BigIntegerField(primary_key=True), **(fields or {})}
    body |= {"Meta": type("Meta", (), meta), "__module__": __name__}
    return type(name, (models.Model,), body)


def ch_rows(clickhouse_db, sql: str, params=None) -> list[tuple]:
    with clickhouse_db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def created(clickhouse_db, model) -> None:
    """Create the model's table (the test drops it with ``dropped``)."""
    with clickhouse_db.schema_editor() as editor:
        editor.create_model(model)


def dropped(clickhouse_db, model) -> None:
    with clickhouse_db.schema_editor() as editor:
        editor.delete_model(model)


def test_a_disguised_identifier_is_quoted_as_the_text_it_holds(clickhouse_db, victim):
    """quote_name reads a str subclass with str's own methods: an index named by one is
    the index of that name, whatever its replace() returns."""
    from clickhouse_backend import models as ch

    name = Disguised('idx"1', f'x" "id" TYPE minmax GRANULARITY 1) ENGINE = Memory{DROP_VICTIM}')
    assert clickhouse_db.ops.quote_name(name) == '"idx\\"1"'
    index = ch.Index(fields=["id"], name=name, type=ch.MinMax())
    model = schema_model("DisguisedIndex", indexes=[index])
    created(clickhouse_db, model)
    try:
        found = ch_rows(
            clickhouse_db,
            "SELECT name FROM system.data_skipping_indices WHERE database = "
            "currentDatabase() AND table = %s",
            [model._meta.db_table],
        )
        assert found == [('idx"1',)]
    finally:
        dropped(clickhouse_db, model)


def test_a_disguised_table_setting_name_is_written_as_the_name_checked(clickhouse_db, victim):
    from clickhouse_backend import models as ch

    name = Disguised("index_granularity", f"index_granularity = 1{DROP_VICTIM}")
    model = schema_model("DisguisedSetting", engine=ch.MergeTree(**{name: 1024}))
    created(clickhouse_db, model)
    try:
        ((engine,),) = ch_rows(
            clickhouse_db,
            "SELECT engine_full FROM system.tables WHERE database = currentDatabase() "
            "AND name = %s",
            [model._meta.db_table],
        )
        assert "index_granularity = 1024" in engine
    finally:
        dropped(clickhouse_db, model)


def test_a_table_setting_name_that_is_not_a_name_is_refused():
    from clickhouse_backend import models as ch

    for name in ("max_threads = 1; DROP TABLE t", "a b", "1a", "a-b", "ü", "a\n", ""):
        with pytest.raises(ValueError, match="is not a ClickHouse setting name"):
            ch.MergeTree(**{name: 1})


def test_a_disguised_granularity_is_written_as_its_value(clickhouse_db, victim):
    from clickhouse_backend import models as ch

    index = ch.Index(fields=["id"], name="idx", type=ch.MinMax(), granularity=DisguisedInt(3))
    model = schema_model("DisguisedGranularity", indexes=[index])
    with clickhouse_db.schema_editor(collect_sql=True) as editor:
        editor.create_model(model)
    assert "GRANULARITY 3)" in editor.collected_sql[0]
    created(clickhouse_db, model)
    try:
        found = ch_rows(
            clickhouse_db,
            "SELECT granularity FROM system.data_skipping_indices WHERE database = "
            "currentDatabase() AND table = %s",
            [model._meta.db_table],
        )
        assert found == [(3,)]
    finally:
        dropped(clickhouse_db, model)


class Fickle(str):
    """A str whose upper() answers as checked the first time and SQL afterwards."""

    calls = 0

    def upper(self):
        type(self).calls += 1
        return "ANY" if type(self).calls == 1 else f"ANY, LEFT, id) ENGINE = Memory{DROP_VICTIM}"


def test_a_join_keyword_is_the_allowed_word_not_the_text_given(clickhouse_db, victim):
    from clickhouse_backend import models as ch

    engine = ch.Join(Fickle("any"), Disguised("left", f"LEFT{DROP_VICTIM}"), "id")
    assert (engine.strictness, engine.join_type) == ("ANY", "LEFT")
    model = schema_model("FickleJoin", engine=engine)
    created(clickhouse_db, model)
    try:
        ((engine_full,),) = ch_rows(
            clickhouse_db,
            "SELECT engine_full FROM system.tables WHERE database = currentDatabase() "
            "AND name = %s",
            [model._meta.db_table],
        )
        assert engine_full == "Join(ANY, LEFT, id)"
    finally:
        dropped(clickhouse_db, model)
    with pytest.raises(ValueError, match="strictness must be one of ANY, ALL, SEMI, ANTI"):
        ch.Join(f"ANY{DROP_VICTIM}", "LEFT", "id")


def test_a_dictionary_layout_name_and_lifetime_are_written_as_checked(clickhouse_db, victim):
    """CreateDictionary writes its layout bare and its lifetime as digits: a layout that
    upper-cases, or an int that prints, as SQL changes neither. Its name is quoted."""
    from django.db import models
    from django.db.migrations.state import ModelState, ProjectState

    from clickhouse_backend.models.migrations import CreateDictionary

    source = ModelState(
        "testapp",
        "InjectionSource",
        [("id", models.BigIntegerField(primary_key=True)), ("label", models.TextField())],
    )
    state = ProjectState(models={("testapp", "injectionsource"): source})
    name = f"dict'\"`{DROP_VICTIM}\n*/ü"
    operation = CreateDictionary(
        name,
        source="testapp.InjectionSource",
        primary_key="id",
        layout=Disguised("flat", f"FLAT()) LIFETIME(1){DROP_VICTIM}"),
        lifetime=(DisguisedInt(5), DisguisedInt(60)),
    )
    with clickhouse_db.schema_editor() as editor:
        operation.database_forwards("testapp", editor, state, state)
    try:
        ((create,),) = ch_rows(
            clickhouse_db,
            "SELECT create_table_query FROM system.tables WHERE database = "
            "currentDatabase() AND name = %s",
            [name],
        )
        assert "LAYOUT(FLAT())" in create
        assert "LIFETIME(MIN 5 MAX 60)" in create
    finally:
        with clickhouse_db.schema_editor() as editor:
            operation.database_backwards("testapp", editor, state, state)
    names = ch_rows(
        clickhouse_db,
        "SELECT name FROM system.tables WHERE database = currentDatabase() AND name = %s",
        [name],
    )
    assert names == []


class DisguisedRational:
    """A Rational whose numerator is an int that prints as SQL."""

    numerator = DisguisedInt(1)
    denominator = 2


@pytest.mark.django_db(databases=["clickhouse"], transaction=True)
def test_a_sample_fraction_is_written_from_its_int_parts(clickhouse_db, victim):
    import numbers

    from testapp.models import Visit

    numbers.Rational.register(DisguisedRational)
    visits = Visit.objects.using("clickhouse")
    sql, _ = visits.sample(DisguisedRational()).query.get_compiler("clickhouse").as_sql()
    assert " SAMPLE 1/2" in sql
    assert list(visits.sample(DisguisedRational())) == []

    class NotInts:
        numerator, denominator = "1; DROP TABLE t", 2

    numbers.Rational.register(NotInts)
    with pytest.raises(TypeError, match="sample\\(\\) ratio must be a number"):
        visits.sample(NotInts())


@pytest.mark.django_db(databases=["clickhouse"], transaction=True)
def test_a_disguised_explain_option_is_written_as_the_name_checked(clickhouse_db, victim):
    from testapp.models import Visit

    option = Disguised("indexes", f"indexes = 1 SELECT 1{DROP_VICTIM}")
    plan = Visit.objects.using("clickhouse").explain(**{option: True})
    assert "Read" in plan  # a plan; the disguise would have sent two statements


def test_a_rebuild_copies_a_partition_of_a_table_whose_names_hold_percent(clickhouse_db, victim):
    """The partition a rebuild copies is a literal of the driver's escaping in the
    statement, not a parameter: with one, the driver would read the statement's names
    (a column "a%b", a table "pct%stable") as placeholders."""
    from django.db import models

    from clickhouse_backend import models as ch

    def reading(engine):
        fields = {
            "value": models.IntegerField(db_column="a%b"),
            "day": models.IntegerField(),  # a key's "%" column: see docs/limitations.md
        }
        return schema_model("PercentNames", fields, db_table="pct%stable", engine=engine)

    old = reading(ch.MergeTree(order_by="id", partition_by="day"))
    new = reading(ch.MergeTree(order_by=("id", "day"), partition_by="day"))
    created(clickhouse_db, old)
    try:
        ch_rows(clickhouse_db, """INSERT INTO "pct%stable" VALUES (1, 2, 3), (4, 5, 6)""")
        with clickhouse_db.schema_editor() as editor:
            editor.alter_model_engine(old, new)
        rows = ch_rows(clickhouse_db, 'SELECT * FROM "pct%stable" ORDER BY id')
        assert rows == [(1, 2, 3), (4, 5, 6)]
    finally:
        dropped(clickhouse_db, new)


@pytest.mark.parametrize("codec", ["ZSTD(\u0663)", "ZSTD(3)\u00a0", "Delta,\u2003ZSTD"])
def test_a_codec_takes_ascii_digits_and_spaces_only(codec):
    from clickhouse_backend import models as ch

    with pytest.raises(ValueError, match="is not a chain of codecs"):
        ch.StringField(codec=codec)


# -- Schema features that were safe already: hostile text stays one literal or name ---

HOSTILE = "x'\\'); DROP TABLE injection_victim; --\n*/ /* %s %(p)s \x00 ü 🚀 \"`"


def test_values_in_column_options_defaults_and_comments_stay_literals(clickhouse_db, victim):
    """A Value() in materialized=/ttl=, a db_default, a Python default and a comment
    are literals of the one renderer: each reads back as the text itself."""
    from django.db import models
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    from clickhouse_backend import models as ch

    fields = {
        "name": ch.StringField(),
        "computed": ch.StringField(materialized=Concat(F("name"), Value(HOSTILE))),
        "moment": models.DateTimeField(),
        "expiring": ch.StringField(  # moment plus as many seconds as HOSTILE has bytes
            ttl=ch.Func(
                F("moment"), ch.Func(Value(HOSTILE), function="length"), function="addSeconds"
            )
        ),
        "fixed": models.TextField(db_default=HOSTILE, db_comment=HOSTILE),
    }
    model = schema_model("HostileColumns", fields)
    created(clickhouse_db, model)
    try:
        added = models.TextField(default=HOSTILE)
        added.set_attributes_from_name("added")
        table = model._meta.db_table
        ch_rows(clickhouse_db, f"INSERT INTO {table} (id, name, moment) VALUES (1, 'n', now())")
        with clickhouse_db.schema_editor() as editor:
            editor.add_field(model, added)
        rows = ch_rows(clickhouse_db, f"SELECT computed, fixed, added, expiring FROM {table}")
        assert rows == [("n" + HOSTILE, HOSTILE, HOSTILE, "")]
        ((create,),) = ch_rows(
            clickhouse_db,
            "SELECT create_table_query FROM system.tables WHERE database = currentDatabase() "
            "AND name = %s",
            [table],
        )
        assert "TTL addSeconds(moment, length(" in create
        comments = ch_rows(
            clickhouse_db,
            "SELECT comment FROM system.columns WHERE database = currentDatabase() "
            "AND table = %s AND name = 'fixed'",
            [model._meta.db_table],
        )
        assert comments == [(HOSTILE,)]
    finally:
        dropped(clickhouse_db, model)


def one_statement(clickhouse_db, sql: str) -> str:
    """The statement as ClickHouse's parser reads it: one statement, or an error."""
    ((formatted,),) = ch_rows(clickhouse_db, "SELECT formatQuerySingleLine(%s)", [sql])
    return formatted


def test_hostile_names_of_projections_views_dictionaries_and_clusters_are_quoted(
    clickhouse_db, victim
):
    """Each name is one quoted identifier of one statement, as ClickHouse parses it."""
    from django.db.migrations.state import ModelState, ProjectState

    from clickhouse_backend import models as ch
    from clickhouse_backend.models import migrations as ch_migrations

    # No NUL: formatQuerySingleLine's text takes none.
    name = HOSTILE.replace("\x00", "")
    # No % (Django fills an index name's in) and no / (ClickHouse refuses it there).
    projection_name = name.replace("%", "").replace("/", "")
    projection = ch.Projection(name=projection_name, query="SELECT * ORDER BY id")
    model = schema_model("HostileNames", indexes=[projection])
    created(clickhouse_db, model)
    try:
        found = ch_rows(
            clickhouse_db,
            "SELECT name FROM system.projections WHERE database = currentDatabase() "
            "AND table = %s",
            [model._meta.db_table],
        )
        assert found == [(projection_name,)]
    finally:
        dropped(clickhouse_db, model)

    clustered = schema_model("HostileCluster", cluster=name)
    state = ProjectState()
    state.add_model(ModelState.from_model(clustered))
    operations = [
        ch_migrations.CreateMaterializedView(name, to="testapp.HostileCluster", query="SELECT 1"),
        ch_migrations.CreateDictionary(name, source="testapp.HostileCluster", primary_key="id"),
    ]
    with clickhouse_db.schema_editor(collect_sql=True) as editor:
        editor.create_model(clustered)
        for operation in operations:
            operation.database_forwards("testapp", editor, state, state)
            operation.database_backwards("testapp", editor, state, state)
    quoted = clickhouse_db.ops.quote_name(name)
    for sql in editor.collected_sql:
        formatted = one_statement(clickhouse_db, sql.rstrip(";"))
        assert " ON CLUSTER " in formatted, formatted
        outside_names = re.sub(r"`(?:[^`\\]|\\.)*`", "``", formatted)
        assert "DROP" not in outside_names.replace("DROP VIEW", "").replace(
            "DROP DICTIONARY", ""
        ), formatted
        assert f" ON CLUSTER {quoted}" in sql


@pytest.mark.django_db(databases=["clickhouse"], transaction=True)
def test_queryset_settings_keep_hostile_values_literal_and_refuse_hostile_names(victim):
    from django.db import DatabaseError
    from testapp.models import Visit

    visits = Visit.objects.using("clickhouse")
    with pytest.raises(DatabaseError):  # a string where a number is wanted
        list(visits.settings(max_threads=HOSTILE))
    assert list(visits.settings(log_comment=HOSTILE)) == []  # a string setting takes it
    for name in ("max_threads = 1; DROP TABLE injection_victim; --", "a b", "1a", "ü"):
        with pytest.raises(ValueError, match="is not a valid ClickHouse setting name"):
            visits.settings(**{name: 1})


@pytest.mark.django_db(databases=["clickhouse"], transaction=True)
def test_dictionary_functions_take_hostile_names_and_keys_as_literals(victim):
    from django.core.exceptions import FieldError
    from django.db import DatabaseError
    from django.db.models import Value
    from testapp.models import Visit

    from clickhouse_backend import models as ch

    visits = Visit.objects.using("clickhouse")
    visits.create(user_id=1, url="u", day="2024-01-01")
    lookups = [
        ch.dictGet(HOSTILE, HOSTILE, Value(HOSTILE), output_field=ch.StringField()),
        ch.dictGetOrDefault(
            HOSTILE, "a", Value(HOSTILE), Value(HOSTILE), output_field=ch.StringField()
        ),
        ch.dictHas(HOSTILE, Value(HOSTILE)),
    ]
    for lookup in lookups:
        with pytest.raises(DatabaseError, match=r"not found|doesn't exist|UNKNOWN"):
            list(visits.annotate(found=lookup).values_list("found"))
    with pytest.raises(FieldError, match="Cannot resolve keyword"):  # a str key is a field
        list(visits.annotate(found=ch.dictHas("d", HOSTILE)).values_list("found"))


def test_an_engine_key_on_a_column_named_with_percent_is_refused_by_name(clickhouse_db):
    from django.core.exceptions import FieldError
    from django.db import models

    from clickhouse_backend import models as ch

    model = schema_model(
        "PercentKey",
        {"value": models.IntegerField(db_column="a%sb")},
        engine=ch.MergeTree(order_by="value"),
    )
    refused = pytest.raises(FieldError, match=r"Meta.engine of testapp.PercentKey: .* a % in it")
    with refused, clickhouse_db.schema_editor(collect_sql=True) as editor:
        editor.create_model(model)

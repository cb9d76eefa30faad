"""bulk_create() prepares values a column at a time; reads convert only what needs it.

Values of the types Django passes through are checked and converted per column, others
go through Django's own per-value preparation: either way the stored value is the one
Django means, and a value that does not fit its column fails before anything is sent.
"""

import datetime
import decimal
import ipaddress
import json
import uuid
import zoneinfo

import pytest
from django.apps.registry import Apps
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, NotSupportedError, connections, models
from django.db.models import Count, F, Value

UTC = datetime.timezone.utc
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
TEST_APPS = Apps()


class Sample(models.Model):
    small = models.SmallIntegerField(null=True)
    positive_small = models.PositiveSmallIntegerField(null=True)
    number = models.IntegerField(null=True)
    big = models.BigIntegerField(null=True)
    positive_big = models.PositiveBigIntegerField(null=True)
    ratio = models.FloatField(null=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    name = models.CharField(max_length=30, default="")
    slug = models.SlugField(null=True)
    text = models.TextField(null=True)
    flag = models.BooleanField(null=True)
    day = models.DateField(null=True)
    moment = models.DateTimeField(null=True)
    time = models.TimeField(null=True)
    duration = models.DurationField(null=True)
    key = models.UUIDField(null=True)
    address = models.GenericIPAddressField(null=True)
    document = models.JSONField(null=True)

    class Meta:
        app_label = "bulk_tests"
        apps = TEST_APPS


class LowerCaseField(models.CharField):
    """A custom field whose own preparation must still run."""

    def get_prep_value(self, value):
        return super().get_prep_value(value).lower()


class ReversedField(models.CharField):
    """A custom field that prepares whole columns (the get_db_prep_column hook)."""

    def get_db_prep_column(self, values, connection):
        if "bad" in values:
            raise DataError("bulk_tests.Stamped.reversed: 'bad' is refused")
        return [value[::-1] for value in values]


class StampField(models.CharField):
    """A custom field whose pre_save() computes the value."""

    def pre_save(self, model_instance, add):
        value = f"{model_instance.label}-stamp"
        setattr(model_instance, self.attname, value)
        return value


class Stamped(models.Model):
    label = models.CharField(max_length=20)
    lower = LowerCaseField(max_length=20, default="")
    reversed = ReversedField(max_length=20, default="")
    stamp = StampField(max_length=40, default="")
    created = models.DateTimeField(auto_now_add=True)
    touched = models.DateField(auto_now=True)
    origin = models.GenericIPAddressField(db_default="::ffff:127.0.0.1")
    tags = models.JSONField(db_default=Value({"new": True}, models.JSONField()))
    sample = models.ForeignKey(Sample, models.CASCADE, db_constraint=False, null=True)

    class Meta:
        app_label = "bulk_tests"
        apps = TEST_APPS


class UpperDecoder(json.JSONDecoder):
    """Decodes JSON with every string upper-cased: proves the decoder saw the text."""

    def __init__(self, **kwargs):
        super().__init__(object_hook=self.upper, **kwargs)

    @staticmethod
    def upper(mapping):
        return {k: v.upper() if isinstance(v, str) else v for k, v in mapping.items()}


class Decoded(models.Model):
    document = models.JSONField(decoder=UpperDecoder)

    class Meta:
        app_label = "bulk_tests"
        apps = TEST_APPS


@pytest.fixture
def tables(django_db_blocker):
    """The models' tables on the suite's ClickHouse, dropped after the test."""
    with django_db_blocker.unblock():
        connection = connections["clickhouse"]
        with connection.schema_editor() as editor:
            for model in (Sample, Stamped, Decoded):
                editor.create_model(model)
        yield
        with connection.schema_editor() as editor:
            for model in (Sample, Stamped, Decoded):
                editor.delete_model(model)
        connection.close()


def samples():
    return Sample.objects.using("clickhouse")


EDGES = {
    "small": (-(2**15), 2**15 - 1),
    "positive_small": (0, 2**16 - 1),
    "number": (-(2**31), 2**31 - 1),
    "big": (-(2**63), 2**63 - 1),
    "positive_big": (0, 2**64 - 1),
    "ratio": (-1.5, float("inf")),
    "price": (decimal.Decimal("-999999.99"), decimal.Decimal("999999.99")),
    "name": ("", "Zürich ✓ \x00 '\"\\"),
    "slug": ("a-b", "x" * 50),
    "text": ("line\nbreak", "ü" * 1000),
    "flag": (False, True),
    "day": (datetime.date(1900, 1, 1), datetime.date(2299, 12, 31)),
    "moment": (
        datetime.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
        # Whole seconds: clickhouse-driver's reader can be 1 µs off from 2242 (limitations.md).
        datetime.datetime(2299, 12, 31, 8, 59, 59, tzinfo=TOKYO),
    ),
    "time": (datetime.time(0, 0), datetime.time(23, 59, 59, 999999)),
    "duration": (datetime.timedelta(days=-1, microseconds=1), datetime.timedelta(days=10**6)),
    "key": (uuid.UUID(int=0), uuid.UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")),
    "address": ("10.1.2.3", "2001:db8::ff00:42:8329"),
    "document": ({"a": [1, 2]}, {"nested": {"list": ["x", "y"], "n": 1.5}}),
}


def test_every_field_round_trips_through_bulk_create(tables):
    """Edge values of every built-in field come back as given, and NULLs as None."""
    low = Sample(**{name: edge[0] for name, edge in EDGES.items()})
    high = Sample(**{name: edge[1] for name, edge in EDGES.items()})
    empty = Sample()
    samples().bulk_create([low, high, empty])
    names = list(EDGES)
    rows = {row[0]: row[1:] for row in samples().values_list("pk", *names)}
    assert rows[low.pk] == tuple(edge[0] for edge in EDGES.values())
    assert rows[high.pk] == tuple(edge[1] for edge in EDGES.values())
    assert rows[empty.pk] == (None,) * 7 + ("",) + (None,) * 10
    fetched = samples().get(pk=high.pk)
    assert {name: getattr(fetched, name) for name in names} == {
        name: edge[1] for name, edge in EDGES.items()
    }


def test_a_datetime_before_1970_keeps_its_fraction(tables):
    """Stored to the microsecond (clickhouse-driver's own writer is a second off here)."""
    moment = datetime.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC)
    samples().bulk_create([Sample(moment=moment)])
    with connections["clickhouse"].cursor() as cursor:
        cursor.execute('SELECT toString("moment") FROM "bulk_tests_sample"')
        assert cursor.fetchall() == [("1969-12-31 23:59:59.500000",)]


def test_values_django_converts_arrive_converted(tables):
    """Values of other types get Django's own conversion, also mixed into a column."""
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        samples().bulk_create(
            [
                Sample(number="12", ratio=3, price="1.5", flag=1, day="2024-02-29",
                       moment=datetime.datetime(2024, 1, 1, 12), time="10:30",
                       key="0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
                       address="fe80::1%eth0", name=7),
                Sample(number=13, ratio=2.5, price=decimal.Decimal("2"), flag=False,
                       day=datetime.datetime(2024, 3, 1, 23, tzinfo=UTC),
                       moment=datetime.datetime(2024, 1, 1, 12, tzinfo=TOKYO),
                       time=datetime.time(11), key=uuid.UUID(int=1),
                       address="::ffff:10.0.0.1", name="plain"),
            ]
        )  # fmt: skip
    fields = ("number", "ratio", "price", "flag", "day", "moment", "time", "key", "address",
              "name")  # fmt: skip
    assert sorted(samples().values_list(*fields)) == [
        (12, 3.0, decimal.Decimal("1.50"), True, datetime.date(2024, 2, 29),
         datetime.datetime(2024, 1, 1, 12, tzinfo=UTC), datetime.time(10, 30),
         uuid.UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"), "fe80::1", "7"),
        (13, 2.5, decimal.Decimal("2.00"), False, datetime.date(2024, 3, 1),
         datetime.datetime(2024, 1, 1, 3, tzinfo=UTC), datetime.time(11), uuid.UUID(int=1),
         "10.0.0.1", "plain"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "error", "message"),
    [
        ("small", 2**15, DataError, r"Sample\.small: 32768 is out of range for its Int16"),
        ("positive_small", -1, DataError, r"positive_small: -1 is out of range for its UInt16"),
        ("number", 2**31, DataError, r"number: 2147483648 is out of range for its Int32"),
        ("positive_big", 2**64, DataError, r"positive_big: 18446744073709551616 is out of"),
        ("day", datetime.date(1899, 12, 31), DataError, r"day: datetime\.date\(1899, 12, 31\)"),
        ("moment", datetime.datetime(2300, 1, 1, tzinfo=UTC), DataError, r"moment: .*2300"),
        ("price", decimal.Decimal("1000000"), DataError, r"price: .* more than 6 digits"),
        ("duration", datetime.timedelta.max, DataError, r"duration: .* out of range"),
        ("address", "10.0.0.256", DataError, r"address: '10\.0\.0\.256' is not an IP address"),
        ("name", None, IntegrityError, r"Sample\.name is not nullable"),
        ("number", "many", ValueError, r"Field 'number' expected a number but got 'many'"),
        ("key", "not-a-uuid", ValidationError, r"is not a valid UUID"),
    ],
)
def test_a_bad_value_writes_nothing_and_says_which(tables, field, value, error, message):
    """A bad value among good ones: an error naming the field and value; no row written."""
    good = [Sample(**{name: edge[0] for name, edge in EDGES.items()}) for _ in range(3)]
    with pytest.raises(error, match=message):
        samples().bulk_create([*good, Sample(**{field: value})])
    assert samples().count() == 0


def stamped():
    return Stamped.objects.using("clickhouse")


def test_custom_fields_prepare_their_own_values(tables):
    """A field's own get_prep_value(), pre_save() and get_db_prep_column() are used."""
    objs = stamped().bulk_create(
        [Stamped(label="one", lower="MiXeD", reversed="abc"), Stamped(label="two")]
    )
    assert [obj.stamp for obj in objs] == ["one-stamp", "two-stamp"]
    assert sorted(stamped().values_list("label", "lower", "reversed", "stamp")) == [
        ("one", "mixed", "cba", "one-stamp"),
        ("two", "", "", "two-stamp"),
    ]
    with pytest.raises(DataError, match="'bad' is refused"):
        stamped().bulk_create([Stamped(label="three"), Stamped(label="four", reversed="bad")])
    assert stamped().count() == 2


def test_auto_now_fields_are_set_on_the_objects_and_stored(tables):
    before = datetime.datetime.now(UTC)
    objs = stamped().bulk_create([Stamped(label="a"), Stamped(label="b")])
    assert all(before <= obj.created <= datetime.datetime.now(UTC) for obj in objs)
    assert {obj.touched for obj in objs} == {datetime.date.today()}
    assert sorted(stamped().values_list("created", flat=True)) == sorted(o.created for o in objs)


def test_db_defaults_come_back_converted(tables):
    """Fields left to db_default are read back as their Python values, not raw ones."""
    objs = stamped().bulk_create(
        [Stamped(label="default"), Stamped(label="given", origin="2001:db8::1", tags={"n": 1})]
    )
    assert [(obj.origin, obj.tags) for obj in objs] == [
        ("127.0.0.1", {"new": True}),
        ("2001:db8::1", {"n": 1}),
    ]
    every = stamped().bulk_create([Stamped(label="all"), Stamped(label="defaults")])
    assert [(obj.origin, obj.tags) for obj in every] == [("127.0.0.1", {"new": True})] * 2
    assert stamped().filter(origin="127.0.0.1").count() == 3


def test_expressions_are_refused_as_before(tables):
    with pytest.raises(ValueError, match="F\\(\\) expressions can only be used to update"):
        stamped().bulk_create([Stamped(label=F("lower"))])
    with pytest.raises(NotSupportedError, match="compute the values before saving"):
        stamped().bulk_create([Stamped(label="x"), Stamped(label=Value("y"))])
    assert stamped().count() == 0


def test_keys_take_objects_ids_and_none(tables):
    target = samples().create(name="target")
    stamped().bulk_create([Stamped(label="a", sample=target), Stamped(label="b")])
    assert sorted(stamped().values_list("label", "sample__name")) == [
        ("a", "target"),
        ("b", None),
    ]


ADDRESSES = [
    "10.0.0.1",
    "0.0.0.0",
    "255.255.255.255",
    "::",
    "::1",
    "::1:0",
    "::ffff:1:2:3",
    "::ffff:0:1.2.3.4",
    "2001:db8::1",
    "2001:db8:0:0:1:0:0:1",
    "fe80::1:0:0:0:0",
    "64:ff9b::c000:221",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
]


def expected_text(address: str) -> str:
    """What Django gives back: IPv4 as given, IPv6 in ipaddress's compressed form."""
    parsed = ipaddress.ip_address(address)
    return str(parsed) if parsed.version == 4 else str(ipaddress.IPv6Address(address))


def test_ip_addresses_read_back_as_django_writes_them(tables):
    """The same text from every read path: ClickHouse formats a plain query's column,
    Python a union's, a subquery's and a raw query's."""
    samples().bulk_create([Sample(name=address, address=address) for address in ADDRESSES])
    expected = sorted((address, expected_text(address)) for address in ADDRESSES)
    assert sorted(samples().values_list("name", "address")) == expected
    assert sorted((s.name, s.address) for s in samples().all()) == expected
    union = samples().filter(number__isnull=True).values_list("name", "address")
    assert sorted(union.union(union)) == expected
    raw = samples().raw('SELECT "id", "name", "address" FROM "bulk_tests_sample"')
    assert sorted((s.name, s.address) for s in raw) == expected
    inner = samples().filter(name__in=["10.0.0.1", "::1"]).values("address")
    assert sorted(samples().filter(address__in=inner).values_list("address", flat=True)) == [
        "10.0.0.1",
        "::1",
    ]


def test_ip_addresses_group_and_sort_as_addresses(tables):
    samples().bulk_create(
        [Sample(address=a) for a in ("10.0.0.9", "10.0.0.10", "10.0.0.10", "2001:db8::1")]
    )
    assert list(samples().values("address").annotate(n=Count("id")).order_by("address")) == [
        {"address": "10.0.0.9", "n": 1},
        {"address": "10.0.0.10", "n": 2},
        {"address": "2001:db8::1", "n": 1},
    ]


def test_json_with_a_custom_decoder_still_decodes_text(tables):
    Decoded.objects.using("clickhouse").create(document={"word": "quiet", "n": 1})
    assert Decoded.objects.using("clickhouse").get().document == {"word": "QUIET", "n": 1}


def test_ip_address_reads_around_other_queries(tables):
    """Text addresses also when ordering DISTINCT values, in a filter on a window function,
    and in a related model's columns."""
    from django.db.models import Window
    from django.db.models.functions import RowNumber

    target = samples().create(address="2001:db8::1", name="target")
    samples().bulk_create([Sample(address=a) for a in ("10.0.0.10", "10.0.0.9", "10.0.0.10")])
    distinct = samples().values_list("address", flat=True).distinct().order_by("-address")
    assert list(distinct) == ["2001:db8::1", "10.0.0.10", "10.0.0.9"]
    first = samples().annotate(rank=Window(RowNumber(), order_by="address"))
    assert list(first.filter(rank=1).values_list("address", flat=True)) == ["10.0.0.9"]
    stamped().create(label="related", sample=target)
    assert stamped().select_related("sample").get().sample.address == "2001:db8::1"


def test_naive_datetimes_without_time_zone_support(tables, settings):
    """With USE_TZ off, naive datetimes are stored as UTC wall-clock time and read back
    naive; an aware one is converted to UTC first."""
    settings.USE_TZ = False
    naive = datetime.datetime(1969, 7, 20, 20, 17, 40, 250000)
    aware = datetime.datetime(2024, 1, 1, 9, tzinfo=TOKYO)
    samples().bulk_create([Sample(name="naive", moment=naive), Sample(name="aware", moment=aware)])
    assert sorted(samples().values_list("name", "moment")) == [
        ("aware", datetime.datetime(2024, 1, 1, 0)),
        ("naive", naive),
    ]


def test_db_defaults_of_many_objects_come_back(tables):
    """Read back in batches: one IN of 60,000 ids is more than ClickHouse parses."""
    objs = stamped().bulk_create([Stamped(label=str(n)) for n in range(60_000)])
    assert {(obj.origin, obj.tags["new"]) for obj in objs} == {("127.0.0.1", True)}
    assert len({obj.pk for obj in objs}) == 60_000

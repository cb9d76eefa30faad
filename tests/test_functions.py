"""ClickHouse functions from clickhouse_backend.models (dates and times, tuples, random
numbers and ids, server information) on real rows: in annotate(), filter(), values()
and order_by(), in an engine's partition key and a skip index, and in migrations.
Every expected value is derived in Python from the rows, not read back from ClickHouse.
Hash functions are in test_functions_hashes.py."""

import datetime
import socket
import time
import uuid
import zoneinfo

import pytest
from django.apps.registry import Apps
from django.core.exceptions import FieldError
from django.db import DatabaseError, connections, models
from django.db.migrations.writer import MigrationWriter
from django.db.models import Count, Value
from django.utils import timezone

import clickhouse_backend.models
from clickhouse_backend import models as ch
from clickhouse_backend.models import functions
from clickhouse_backend.models.deconstruct import public_path

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)

TEST_APPS = Apps()
UTC = datetime.timezone.utc
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


class Measurement(ch.ClickhouseModel):
    name = models.CharField(max_length=40)
    moment = models.DateTimeField()
    stamp = ch.DateTime64Field(precision=3, timezone="Asia/Tokyo")
    day = models.DateField()
    number = models.IntegerField()
    point = ch.TupleField([("x", ch.Int32Field()), ("y", ch.StringField())])

    class Meta:
        app_label = "function_tests"
        apps = TEST_APPS
        engine = ch.MergeTree(partition_by=ch.toYYYYMMDD("moment"), order_by=("name",))
        indexes = [
            ch.Index(ch.cityHash64("name"), name="name_hash", type=ch.Set(100), granularity=1),
            ch.Index(
                ch.toStartOfHour("moment", "Asia/Tokyo"),
                name="moment_hour",
                type=ch.MinMax(),
                granularity=1,
            ),
        ]


MOMENTS = {
    "alpha": datetime.datetime(2023, 11, 30, 16, 12, 15, tzinfo=UTC),
    "beta": datetime.datetime(2023, 11, 30, 16, 59, 59, 500000, tzinfo=UTC),  # Dec 1 in Tokyo
    "gamma": datetime.datetime(2023, 12, 31, 23, 30, tzinfo=UTC),  # a Sunday, ISO week 52
    "delta": datetime.datetime(2024, 2, 29, 0, 7, 41, 123000, tzinfo=UTC),  # Feb 28 in Chicago
}
NAMES = sorted(MOMENTS, key=MOMENTS.get)  # in the order of their moments


@pytest.fixture
def rows(django_db_blocker):
    """The four measurements, one per name, through Measurement.objects."""
    with django_db_blocker.unblock():
        connection = connections["clickhouse"]
        with connection.schema_editor() as editor:
            editor.create_model(Measurement)
        objects = Measurement.objects.using("clickhouse")
        objects.bulk_create(
            Measurement(
                name=name,
                moment=moment,
                stamp=moment,
                day=moment.date(),
                number=NAMES.index(name),
                point=(NAMES.index(name), name.upper()),
            )
            for name, moment in MOMENTS.items()
        )
        yield objects
        with connection.schema_editor() as editor:
            editor.delete_model(Measurement)
        connection.close()


def column(rows, expression):
    """The values of an expression, one per row in the order of their moments."""
    return list(rows.annotate(v=expression).order_by("moment").values_list("v", flat=True))


def expected(derive, zone=UTC):
    """What ``derive`` makes of each moment seen in ``zone``, in the order of moments."""
    return [derive(MOMENTS[name].astimezone(zone)) for name in NAMES]


def quarter(moment):
    return (moment.month - 1) // 3 + 1


def yyyymmdd(moment):
    return (moment.year * 100 + moment.month) * 100 + moment.day


def query(sql, params=()):
    with connections["clickhouse"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def function_exists(name):
    return bool(
        query(
            "SELECT 1 FROM system.functions WHERE name = %s OR (case_insensitive AND "
            "lower(name) = lower(%s))",
            [name, name],
        )
    )


# Functions of servers built with more libraries than the embedded engine.
NOT_EMBEDDED = {"BLAKE3", "ULIDStringToDateTime"}


# -- parts of dates and times ---------------------------------------------------------------

PARTS = [
    (ch.toYear, lambda t: t.year),
    (ch.toISOYear, lambda t: t.isocalendar().year),
    (ch.toQuarter, quarter),
    (ch.toMonth, lambda t: t.month),
    (ch.toISOWeek, lambda t: t.isocalendar().week),
    (ch.toDayOfYear, lambda t: t.timetuple().tm_yday),
    (ch.toDayOfMonth, lambda t: t.day),
    (ch.toHour, lambda t: t.hour),
    (ch.toMinute, lambda t: t.minute),
    (ch.toSecond, lambda t: t.second),
    (ch.toYYYYMM, lambda t: t.year * 100 + t.month),
    (ch.toYYYYMMDD, yyyymmdd),
    (
        ch.toYYYYMMDDhhmmss,
        lambda t: int(f"{t.year:04}{t.month:02}{t.day:02}{t.hour:02}{t.minute:02}{t.second:02}"),
    ),
    (ch.toUnixTimestamp, lambda t: int(t.timestamp())),
]


@pytest.mark.parametrize(("function", "derive"), PARTS, ids=lambda p: getattr(p, "__name__", ""))
def test_parts_of_a_datetime_in_utc_and_in_a_zone(rows, function, derive):
    values = column(rows, function("moment"))
    assert values == expected(derive)
    assert all(type(value) is int for value in values)
    assert column(rows, function("moment", "Asia/Tokyo")) == expected(derive, TOKYO)
    assert column(rows, function("moment", timezone="Asia/Tokyo")) == expected(derive, TOKYO)


def test_parts_count_in_the_zone_of_the_column_whatever_time_zone_is_current(rows):
    """As ClickHouse counts: an engine key does not depend on TIME_ZONE at migrate."""
    with timezone.override("America/Chicago"):
        assert column(rows, ch.toYYYYMMDD("moment")) == expected(yyyymmdd)
        assert column(rows, ch.toYYYYMMDD("stamp")) == expected(yyyymmdd, TOKYO)
        assert column(rows, ch.toStartOfDay("stamp")) == expected(
            lambda t: t.replace(hour=0, minute=0, second=0, microsecond=0), TOKYO
        )


def test_parts_of_a_date_are_given_no_zone(rows):
    """A date has no zone; ClickHouse would refuse one for toStartOfMonth(date)."""
    with timezone.override("Asia/Tokyo"):
        assert column(rows, ch.toYYYYMM("day")) == expected(lambda t: t.year * 100 + t.month)
        assert column(rows, ch.toStartOfMonth("day")) == expected(
            lambda t: t.date().replace(day=1)
        )


def test_weeks_and_days_of_the_week_by_mode(rows):
    assert column(rows, ch.toDayOfWeek("moment")) == expected(lambda t: t.isoweekday())
    assert column(rows, ch.toDayOfWeek("moment", 2)) == expected(lambda t: t.isoweekday() % 7)
    # Mode 0: weeks start on Sunday, days before the year's first Sunday are week 0.
    assert column(rows, ch.toWeek("moment")) == expected(lambda t: int(t.strftime("%U")))
    # Mode 1 (and 3) are ISO 8601 weeks.
    assert column(rows, ch.toYearWeek("moment", 1)) == expected(
        lambda t: t.isocalendar().year * 100 + t.isocalendar().week
    )
    assert column(rows, ch.toWeek("moment", 3, "Asia/Tokyo")) == expected(
        lambda t: t.isocalendar().week, TOKYO
    )
    # 2023 began on a Sunday, so its Sunday-first weeks are 1 to 53 and Dec 31 is in 53.
    gamma = rows.filter(name="gamma").annotate(v=ch.toYearWeek("moment")).get().v
    assert gamma == 202353


@pytest.mark.parametrize(
    ("function", "mode"),
    [(ch.toWeek, 10), (ch.toDayOfWeek, 4), (ch.toYearWeek, -1), (ch.toStartOfWeek, "1")],
)
def test_week_modes_are_checked_numbers(function, mode):
    with pytest.raises(ValueError, match="mode must be a whole number"):
        function("moment", mode)


# -- starts of periods -----------------------------------------------------------------------


def monday(t):
    return t.date() - datetime.timedelta(days=t.weekday())


def sunday(t):
    return t.date() - datetime.timedelta(days=(t.weekday() + 1) % 7)


def floor(t, **step):
    """The moment truncated to a multiple of ``step`` since the Unix epoch, in its zone."""
    epoch = datetime.datetime(1970, 1, 1, tzinfo=t.tzinfo)
    size = datetime.timedelta(**step)
    return epoch + (t - epoch) // size * size


START_DATES = [
    (ch.toStartOfYear, lambda t: datetime.date(t.year, 1, 1)),
    (ch.toStartOfISOYear, lambda t: datetime.date.fromisocalendar(t.isocalendar().year, 1, 1)),
    (ch.toStartOfQuarter, lambda t: datetime.date(t.year, 3 * quarter(t) - 2, 1)),
    (ch.toStartOfMonth, lambda t: datetime.date(t.year, t.month, 1)),
    (ch.toMonday, monday),
]
START_TIMES = [
    (ch.toStartOfDay, lambda t: t.replace(hour=0, minute=0, second=0, microsecond=0)),
    (ch.toStartOfHour, lambda t: t.replace(minute=0, second=0, microsecond=0)),
    (ch.toStartOfMinute, lambda t: t.replace(second=0, microsecond=0)),
    (ch.toStartOfFiveMinutes, lambda t: floor(t, minutes=5)),
    (ch.toStartOfTenMinutes, lambda t: floor(t, minutes=10)),
    (ch.toStartOfFifteenMinutes, lambda t: floor(t, minutes=15)),
]


@pytest.mark.parametrize(
    ("function", "derive"), START_DATES, ids=lambda p: getattr(p, "__name__", "")
)
def test_starts_of_days_and_longer_are_dates(rows, function, derive):
    values = column(rows, function("moment"))
    assert values == expected(derive)
    assert all(type(value) is datetime.date for value in values)
    assert column(rows, function("moment", "Asia/Tokyo")) == expected(derive, TOKYO)


@pytest.mark.parametrize(
    ("function", "derive"), START_TIMES, ids=lambda p: getattr(p, "__name__", "")
)
def test_starts_of_times_are_aware_in_the_zone_counted_in(rows, function, derive):
    values = column(rows, function("moment"))
    assert values == expected(derive)
    assert all(value.utcoffset() == datetime.timedelta(0) for value in values)
    in_tokyo = column(rows, function("moment", "Asia/Tokyo"))
    assert in_tokyo == expected(derive, TOKYO)
    assert all(value.utcoffset() == datetime.timedelta(hours=9) for value in in_tokyo)


def test_start_of_week_by_mode_and_of_a_second(rows):
    assert column(rows, ch.toStartOfWeek("moment")) == expected(sunday)
    assert column(rows, ch.toStartOfWeek("moment", 1)) == expected(monday)
    # stamp is a DateTime64(3, 'Asia/Tokyo'): the milliseconds go, the zone stays.
    seconds = column(rows, ch.toStartOfSecond("stamp"))
    assert seconds == expected(lambda t: t.replace(microsecond=0))
    assert {value.utcoffset() for value in seconds} == {datetime.timedelta(hours=9)}


def test_start_of_a_day_of_a_date_is_midnight_in_the_current_zone(rows):
    with timezone.override("Asia/Tokyo"):
        midnights = column(rows, ch.toStartOfDay("day"))
    assert midnights == expected(
        lambda t: datetime.datetime.combine(t.date(), datetime.time(), TOKYO)
    )


@pytest.mark.parametrize(
    ("number", "unit", "derive"),
    [
        (15, "minute", lambda t: floor(t, minutes=15)),
        (2, "HOUR", lambda t: floor(t, hours=2)),
        (1, "day", lambda t: floor(t, days=1)),
        (1, "month", lambda t: datetime.date(t.year, t.month, 1)),
        (1, "year", lambda t: datetime.date(t.year, 1, 1)),
        (100, "millisecond", lambda t: floor(t, milliseconds=100)),
    ],
)
def test_start_of_interval(rows, number, unit, derive):
    assert column(rows, ch.toStartOfInterval("moment", number, unit)) == expected(derive)


def test_start_of_interval_in_a_zone_and_of_a_datetime64(rows):
    days = column(rows, ch.toStartOfInterval("moment", 1, "day", timezone="Asia/Tokyo"))
    assert days == expected(lambda t: t.replace(hour=0, minute=0, second=0, microsecond=0), TOKYO)
    assert {value.utcoffset() for value in days} == {datetime.timedelta(hours=9)}
    tenths = column(rows, ch.toStartOfInterval("stamp", 100, "millisecond"))
    assert tenths == expected(lambda t: floor(t, milliseconds=100))


@pytest.mark.parametrize(
    ("number", "unit", "message"),
    [
        (0, "minute", "number must be a whole number"),
        (1.5, "minute", "number must be a whole number"),
        (15, "minutes", "unit must be one of"),
        (15, "minute) + 1 --", "unit must be one of"),
        (15, None, "unit must be one of"),
    ],
)
def test_start_of_interval_refuses_what_is_not_an_interval(number, unit, message):
    with pytest.raises(ValueError, match=message):
        ch.toStartOfInterval("moment", number, unit)


# -- conversions and the current time ------------------------------------------------------


def test_conversions_to_dates_and_datetimes(rows):
    assert column(rows, ch.toDate("moment")) == expected(lambda t: t.date())
    assert column(rows, ch.toDate("moment", "Asia/Tokyo")) == expected(lambda t: t.date(), TOKYO)
    assert column(rows, ch.toDateTime("day")) == expected(
        lambda t: datetime.datetime.combine(t.date(), datetime.time(), UTC)
    )
    assert column(rows, ch.toDateTime("moment")) == expected(lambda t: t.replace(microsecond=0))
    in_tokyo = column(rows, ch.toDateTime64("moment", 3, "Asia/Tokyo"))
    assert in_tokyo == expected(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000))
    assert {value.utcoffset() for value in in_tokyo} == {datetime.timedelta(hours=9)}


def test_text_is_read_as_a_wall_clock_time_in_the_zone(rows):
    text = Value("2023-11-30 16:12:15.123456")
    row = rows.annotate(
        utc=ch.toDateTime(text),
        tokyo=ch.toDateTime(text, "Asia/Tokyo"),
        fine=ch.toDateTime64(text, 6, "Asia/Tokyo"),
        date=ch.toDate(text),
    ).first()
    assert row.utc == datetime.datetime(2023, 11, 30, 16, 12, 15, tzinfo=UTC)
    assert row.tokyo == datetime.datetime(2023, 11, 30, 16, 12, 15, tzinfo=TOKYO)
    assert row.fine == datetime.datetime(2023, 11, 30, 16, 12, 15, 123456, tzinfo=TOKYO)
    assert row.date == datetime.date(2023, 11, 30)


def test_without_use_tz_datetimes_are_wall_clock_times_in_the_columns_zone(rows, settings):
    settings.USE_TZ = False
    hours = column(rows, ch.toStartOfHour("stamp"))
    assert hours == expected(
        lambda t: t.replace(minute=0, second=0, microsecond=0, tzinfo=None), TOKYO
    )
    assert column(rows, ch.toStartOfDay("moment")) == expected(
        lambda t: t.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    )


@pytest.mark.parametrize("precision", [-1, 10, 2.0, "3", True])
def test_datetime64_precision_is_a_checked_number(precision):
    with pytest.raises(ValueError, match="precision must be a whole number from 0 to 9"):
        ch.toDateTime64("moment", precision)


def test_now_and_today_are_the_current_time(rows):
    before = datetime.datetime.now(UTC).replace(microsecond=0)
    row = rows.annotate(now=ch.now(), tokyo=ch.now("Asia/Tokyo"), today=ch.today()).first()
    after = datetime.datetime.now(UTC)
    assert before <= row.now <= after
    assert row.now.utcoffset() == datetime.timedelta(0)
    assert before <= row.tokyo <= after
    assert row.tokyo.utcoffset() == datetime.timedelta(hours=9)
    # The server's zone: UTC on the embedded engine.
    assert row.today in {before.date(), after.date()}
    assert type(row.today) is datetime.date
    assert rows.filter(moment__lt=ch.now()).count() == len(MOMENTS)


def test_timezone_is_a_zone_name():
    with pytest.raises(TypeError, match="timezone must be a zone name"):
        ch.toYear("moment", TOKYO)


def test_ulid_time_stamp(rows):
    """A ULID's first 10 characters are its milliseconds since 1970 in Crockford's base 32."""
    if not function_exists("ULIDStringToDateTime"):
        pytest.skip("this ClickHouse has no ULIDStringToDateTime")
    ulid = "01HGFXR5Y0" + "0" * 16
    digits = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    milliseconds = 0
    for character in ulid[:10]:
        milliseconds = milliseconds * 32 + digits.index(character)
    moment = datetime.datetime.fromtimestamp(milliseconds / 1000, UTC)
    value = rows.annotate(v=ch.ULIDStringToDateTime(Value(ulid))).first().v
    assert value == moment


# -- in filter(), values(), order_by() -------------------------------------------------------


def test_functions_filter_group_and_order(rows):
    months = rows.values(month=ch.toYYYYMM("moment")).annotate(n=Count("id")).order_by("month")
    assert list(months) == [
        {"month": 202311, "n": 2},
        {"month": 202312, "n": 1},
        {"month": 202402, "n": 1},
    ]
    late = rows.alias(hour=ch.toHour("moment")).filter(hour__gte=16).order_by("name")
    assert list(late.values_list("name", flat=True)) == ["alpha", "beta", "gamma"]
    by_minute = rows.order_by(ch.toMinute("moment").desc(), "name").values_list("name", flat=True)
    assert list(by_minute) == sorted(MOMENTS, key=lambda name: (-MOMENTS[name].minute, name))
    a_day_later_in_tokyo = rows.filter(day__lt=ch.toDate("moment", "Asia/Tokyo"))
    assert set(a_day_later_in_tokyo.values_list("name", flat=True)) == {
        name for name, moment in MOMENTS.items() if moment.astimezone(TOKYO).day != moment.day
    }


# -- tuples ----------------------------------------------------------------------------------


def test_tuple_converts_each_element(rows):
    values = column(rows, ch.Tuple("name", "moment", "number"))
    assert values == [(name, MOMENTS[name], NAMES.index(name)) for name in NAMES]
    assert all(type(value) is tuple for value in values)


def test_tuple_element_counts_from_zero_and_takes_names(rows):
    pairs = ch.Tuple("name", "number")
    assert column(rows, ch.tupleElement(pairs, 0)) == NAMES
    assert column(rows, ch.tupleElement(pairs, 1)) == list(range(len(NAMES)))
    assert column(rows, ch.tupleElement("point", "y")) == [name.upper() for name in NAMES]
    positive = rows.alias(x=ch.tupleElement("point", "x")).filter(x__gt=0)
    assert positive.count() == len(MOMENTS) - 1
    beyond = ch.tupleElement(pairs, 5, Value(-1), output_field=ch.Int32Field())
    assert column(rows, beyond) == [-1] * len(MOMENTS)


def test_tuple_element_without_a_known_type_asks_for_one(rows):
    with pytest.raises(FieldError, match="give output_field"):
        column(rows, ch.tupleElement(ch.Tuple("name", "number"), 7))
    with pytest.raises(ValueError, match="counts from 0"):
        ch.tupleElement("point", -1)


# -- random numbers, ids, the server --------------------------------------------------------


def test_random_numbers_in_their_ranges(rows):
    values = list(
        rows.annotate(a=ch.Rand(1), b=ch.Rand(2), c=ch.rand64()).values_list("a", "b", "c")
    )
    assert all(0 <= a < 2**32 and 0 <= b < 2**32 and 0 <= c < 2**64 for a, b, c in values)
    assert any(a != b for a, b, _ in values)  # distinct calls, not one value computed once
    assert len({c for _, _, c in values}) == len(values)


def test_generated_ids(rows):
    started = time.time()
    ids = list(
        rows.annotate(u=ch.generateUUIDv4(), s=ch.generateSnowflakeID()).values_list("u", "s")
    )
    uuids, snowflakes = zip(*ids, strict=True)
    assert all(isinstance(value, uuid.UUID) and value.version == 4 for value in uuids)
    assert len(set(uuids)) == len(uuids)
    # A Snowflake id's top 41 bits are milliseconds since 1970.
    assert all(abs((value >> 22) / 1000 - started) < 60 for value in snowflakes)
    assert len(set(snowflakes)) == len(snowflakes)


def test_serial_ids_need_keeper(rows):
    try:
        values = column(rows, ch.generateSerialID("function_tests"))
    except DatabaseError as error:
        if "keeper" in str(error).lower() or "zookeeper" in str(error).lower():
            pytest.skip("this ClickHouse has no Keeper for generateSerialID")
        raise
    assert all(type(value) is int for value in values) and len(set(values)) == len(values)


def test_server_information(rows):
    connection = connections["clickhouse"]
    assert column(rows, ch.currentDatabase()) == [connection.settings_dict["NAME"]] * len(NAMES)
    host = rows.annotate(v=ch.hostName()).first().v
    if "embedded" in connection.settings_dict["OPTIONS"]:
        assert host == socket.gethostname()
    assert isinstance(host, str) and host


# -- engine keys, indexes and migrations -----------------------------------------------------


def test_functions_in_a_partition_key_and_skip_indexes(rows):
    table = Measurement._meta.db_table
    [(partition_key,)] = query(
        "SELECT partition_key FROM system.tables WHERE database = currentDatabase() AND name = %s",
        [table],
    )
    assert partition_key == "toYYYYMMDD(moment)"
    indexes = query(
        "SELECT name, expr, type FROM system.data_skipping_indices "
        "WHERE database = currentDatabase() AND table = %s ORDER BY name",
        [table],
    )
    assert indexes == [
        ("moment_hour", "toStartOfHour(moment, 'Asia/Tokyo')", "minmax"),
        ("name_hash", "cityHash64(name)", "set"),
    ]
    partitions = query(
        "SELECT DISTINCT partition FROM system.parts WHERE database = currentDatabase() "
        "AND table = %s AND active ORDER BY partition",
        [table],
    )
    assert [partition for (partition,) in partitions] == sorted(
        {moment.strftime("%Y%m%d") for moment in MOMENTS.values()}
    )


def test_functions_deconstruct_to_the_path_users_import(rows):
    engine = Measurement._meta.engine
    text, imports = MigrationWriter.serialize(engine)
    assert "clickhouse_backend.models.toYYYYMMDD('moment')" in text
    assert "import clickhouse_backend.models" in imports
    namespace = {}
    for line in imports:
        exec(line, namespace)
    assert eval(text, namespace) == engine
    index_text, _ = MigrationWriter.serialize(Measurement._meta.indexes[0])
    assert "clickhouse_backend.models.cityHash64('name')" in index_text


@pytest.mark.parametrize("name", functions.__all__)
def test_every_function_is_public_under_its_clickhouse_name(name):
    """Importable from clickhouse_backend.models, written there by migrations, and
    calling the ClickHouse function of its name (Rand and Tuple: rand and tuple)."""
    function = getattr(clickhouse_backend.models, name)
    assert name in clickhouse_backend.models.__all__
    assert public_path(function) == f"clickhouse_backend.models.{name}"
    assert function.function == {"Rand": "rand", "Tuple": "tuple"}.get(name, name)
    assert function_exists(function.function) or name in NOT_EMBEDDED


def test_expressions_compare_by_arguments():
    """Django tells annotations apart by their arguments (toYear in two zones is two)."""
    assert ch.toYear("moment") == ch.toYear("moment")
    assert ch.toYear("moment") != ch.toYear("moment", "Asia/Tokyo")
    assert ch.toStartOfInterval("moment", 15, "minute") != ch.toStartOfInterval(
        "moment", 15, "second"
    )

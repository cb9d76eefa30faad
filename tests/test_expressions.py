"""Expressions Django builds that ClickHouse spells differently: text lookups on any
column, the SQL shown in connection.queries, random order, times of datetimes,
durations, bitwise operators and mixed-type COALESCE."""

import datetime
import decimal
import hashlib

import pytest
from django.apps.registry import Apps
from django.db import connections, models
from django.db.models import (
    BooleanField,
    CharField,
    DateTimeField,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    TimeField,
    Value,
)
from django.db.models.functions import (
    MD5,
    SHA1,
    SHA256,
    SHA512,
    Cast,
    Coalesce,
    Concat,
    ExtractHour,
    Left,
    Length,
    Lower,
    LPad,
    Pi,
    Random,
    Reverse,
    Right,
    RPad,
    StrIndex,
    Substr,
    TruncHour,
    TruncTime,
    Upper,
)
from django.test.utils import CaptureQueriesContext

TEST_APPS = Apps()
START = datetime.datetime(2005, 7, 28, 9, 30, 15, 250000, tzinfo=datetime.timezone.utc)


class Span(models.Model):
    name = models.CharField(max_length=30)
    start = models.DateTimeField()
    end = models.DateTimeField(null=True)
    day = models.DateField()
    length = models.DurationField(null=True)
    flags = models.IntegerField()
    amount = models.DecimalField(max_digits=6, decimal_places=2, null=True)

    class Meta:
        app_label = "expression_tests"
        apps = TEST_APPS


@pytest.fixture(scope="module")
def spans(django_db_blocker):
    """Three spans: an hour and a half, two days, and one without an end."""
    with django_db_blocker.unblock():
        connection = connections["clickhouse"]
        with connection.schema_editor() as editor:
            editor.create_model(Span)
        objects = Span.objects.using("clickhouse")
        objects.bulk_create(
            [
                Span(
                    id=12,
                    name="short",
                    start=START,
                    end=START + datetime.timedelta(hours=1, minutes=30),
                    day=datetime.date(2005, 7, 28),
                    length=datetime.timedelta(minutes=90),
                    flags=0b0101,
                    amount=decimal.Decimal("12.50"),
                ),
                Span(
                    id=345,
                    name="long",
                    start=START.replace(year=2010),
                    end=START.replace(year=2010) + datetime.timedelta(days=2),
                    day=datetime.date(2010, 1, 2),
                    length=datetime.timedelta(days=2, microseconds=7),
                    flags=0b0110,
                    amount=decimal.Decimal("3.00"),
                ),
                Span(
                    id=6,
                    name="open",
                    start=START.replace(year=2012),
                    end=None,
                    day=datetime.date(2012, 12, 31),
                    length=None,
                    flags=0,
                    amount=None,
                ),
            ]
        )
        yield objects
        with connection.schema_editor() as editor:
            editor.delete_model(Span)
        connection.close()


def names(queryset):
    return sorted(queryset.values_list("name", flat=True))


@pytest.mark.parametrize(
    ("lookup", "expected"),
    [
        ({"start__startswith": "2005"}, ["short"]),
        ({"start__contains": "09:30:15.25"}, ["long", "open", "short"]),
        ({"day__endswith": "-31"}, ["open"]),
        ({"day__istartswith": "2010-01"}, ["long"]),
        ({"id__contains": "4"}, ["long"]),
        ({"id__iexact": "12"}, ["short"]),
        ({"flags__regex": r"^[56]$"}, ["long", "short"]),
        ({"amount__startswith": "12.5"}, ["short"]),
        ({"end__iregex": r"^2005"}, ["short"]),
        ({"end__regex": r"^$"}, []),  # NULL matches nothing, as in SQL
    ],
)
def test_text_lookups_on_non_text_columns(spans, lookup, expected):
    """Text lookups compare the value's text, on numbers and dates too."""
    assert names(spans.filter(**lookup)) == expected


def test_random_order(spans):
    """order_by("?") returns every row, in some order."""
    assert sorted(spans.order_by("?").values_list("id", flat=True)) == [6, 12, 345]
    values = spans.annotate(r=Random()).values_list("r", flat=True)
    assert all(0 <= value < 1 for value in values)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (F("flags").bitand(0b0100), {12: 4, 345: 4, 6: 0}),
        (F("flags").bitor(0b1000), {12: 13, 345: 14, 6: 8}),
        (F("flags").bitxor(0b0011), {12: 6, 345: 5, 6: 3}),
        (F("flags").bitleftshift(2), {12: 20, 345: 24, 6: 0}),
        (F("flags").bitrightshift(1), {12: 2, 345: 3, 6: 0}),
        (F("flags") ** 2, {12: 25, 345: 36, 6: 0}),
    ],
)
def test_bitwise_operators_and_power(spans, expression, expected):
    """Django's bitwise operators and ** give what Python's would."""
    assert dict(spans.annotate(x=expression).values_list("id", "x")) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (F("flags") / 2, {12: 2, 345: 3, 6: 0}),
        ((F("flags") - 8) / 3, {12: -1, 345: 0, 6: -2}),  # towards zero, as PostgreSQL
        (F("flags") / 2.0, {12: 2.5, 345: 3.0, 6: 0.0}),
    ],
)
def test_integer_division_is_integer_division(spans, expression, expected):
    """An integer divided by an integer is an integer in Django; with a float, a float."""
    result = dict(spans.annotate(x=expression).values_list("id", "x"))
    assert result == expected
    assert {type(value) for value in result.values()} == {type(next(iter(expected.values())))}


def test_decimal_division_keeps_the_digits_of_the_quotient(spans):
    """A decimal quotient is not cut to the dividend's scale, as on PostgreSQL
    (ClickHouse's / would give 12.50 / 3 = 4.16), by an integer or a decimal."""
    rows = {
        name: rest
        for name, *rest in spans.filter(name__in=["short", "long"])
        .annotate(third=F("amount") / 3, by_decimal=F("amount") / Value(decimal.Decimal("0.4")))
        .values_list("name", "third", "by_decimal")
    }
    third, by_decimal = rows["short"]
    assert abs(third - decimal.Decimal("12.50") / 3) < decimal.Decimal("1e-15")
    assert by_decimal == decimal.Decimal("31.25")
    assert rows["long"] == [1, decimal.Decimal("7.5")]


def test_temporal_subtraction_and_durations(spans):
    """end - start is a timedelta; datetimes and dates move by durations."""
    spans = spans.annotate(took=F("end") - F("start"))
    assert dict(spans.values_list("name", "took")) == {
        "short": datetime.timedelta(minutes=90),
        "long": datetime.timedelta(days=2),
        "open": None,
    }
    assert names(spans.filter(took__gt=datetime.timedelta(hours=2))) == ["long"]
    assert names(spans.filter(end=F("start") + F("length"))) == ["short"]
    moved = spans.annotate(
        later=F("start") + datetime.timedelta(days=1, microseconds=5),
        earlier=F("start") - F("length"),
        day_after=ExpressionWrapper(F("day") + datetime.timedelta(days=1), DateTimeField()),
        twice=ExpressionWrapper(F("length") * 2, DurationField()),
        half=ExpressionWrapper(F("length") / decimal.Decimal("2"), DurationField()),
        days=F("day") - Value(datetime.date(2005, 7, 1)),
    ).get(name="short")
    assert moved.later == START + datetime.timedelta(days=1, microseconds=5)
    assert moved.earlier == START - datetime.timedelta(minutes=90)
    assert moved.day_after == datetime.datetime(2005, 7, 29, tzinfo=datetime.timezone.utc)
    assert moved.twice == datetime.timedelta(hours=3)
    assert moved.half == datetime.timedelta(minutes=45)
    assert moved.days == datetime.timedelta(days=27)
    spans.filter(name="long").update(end=F("end") - datetime.timedelta(days=1))
    assert spans.get(name="long").took == datetime.timedelta(days=1)
    spans.filter(name="long").update(end=F("end") + datetime.timedelta(days=1))


def test_coalesce_of_a_decimal_sum_and_a_float(spans):
    """A decimal aggregate with a float default comes back as a Decimal."""
    money = DecimalField(max_digits=6, decimal_places=2)
    totals = spans.aggregate(
        some=Coalesce(Sum("amount"), 1.5, output_field=money),
        none=Sum("amount", default=1.5),
        nothing=Sum("amount", filter=Q(name="open"), default=1.5),
        exact=Sum("amount", filter=Q(name="open"), default=decimal.Decimal("0.125")),
        pi=Sum("amount", filter=Q(name="open"), default=Pi()),
    )
    pi = totals.pop("pi")
    assert pi == decimal.Decimal("3.14159265358979")  # a float's 15 digits, as on SQLite
    assert totals == {
        "some": decimal.Decimal("15.50"),
        "none": decimal.Decimal("15.50"),
        "nothing": decimal.Decimal("1.50"),
        "exact": decimal.Decimal("0.12"),  # the column's two places
    }
    # Values of other types are cast to the result's; NULLs stay NULL.
    labels = spans.annotate(
        label=Coalesce("end", Value(None), "flags", output_field=CharField())
    ).values_list("name", "label")
    assert dict(labels) == {
        "short": "2005-07-28 11:00:15.250000",
        "long": "2010-07-30 09:30:15.250000",
        "open": "0",
    }


def test_logged_sql_is_what_ran(spans):
    """connection.queries shows the statement with its values, and running that text
    gives the same rows."""
    connection = connections["clickhouse"]
    queryset = spans.filter(
        name__in=["short", "it's 100%"],
        start__lt=START + datetime.timedelta(days=1),
        amount__gte=decimal.Decimal("1.25"),
    ).values_list("id", "name")
    with CaptureQueriesContext(connection) as captured:
        rows = list(queryset)
    assert rows == [(12, "short")]
    logged = captured.captured_queries[-1]["sql"]
    assert "%s" not in logged
    assert "'it\\'s 100%'" in logged
    assert "toDateTime64('2005-07-29 09:30:15.250000', 6, 'UTC')" in logged
    with connection.cursor() as cursor:
        cursor.execute(logged)
        assert cursor.fetchall() == rows


def test_time_of_a_datetime(spans):
    """The time of a datetime is a time, whether truncated, cast or looked up."""
    short = spans.annotate(
        truncated=TruncTime("start"),
        cast=Cast("start", TimeField()),
        hour=ExtractHour(Cast("start", TimeField())),
    ).get(name="short")
    assert short.truncated == short.cast == datetime.time(9, 30, 15, 250000)
    assert short.hour == 9
    hour = spans.annotate(hour=TruncHour("start", output_field=TimeField())).get(name="short")
    assert hour.hour == datetime.time(9)
    assert names(spans.filter(start__time=datetime.time(9, 30, 15, 250000))) == [
        "long",
        "open",
        "short",
    ]
    assert names(spans.filter(end__time__gt=datetime.time(10))) == ["short"]


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (Length(Value("héllo")), 5),
        (Upper(Value("héllo")), "HÉLLO"),
        (Lower(Value("ÉCOLE")), "école"),
        (Substr(Value("héllo"), 2, 3), "éll"),
        (Left(Value("héllo"), 2), "hé"),
        (Right(Value("héllo"), 4), "éllo"),
        (StrIndex(Value("héllo"), Value("l")), 3),
        (Reverse(Value("héllo")), "olléh"),
        (LPad(Value("hé"), 4, Value("*")), "**hé"),
        (RPad(Value("hé"), 4, Value("*")), "hé**"),
        (MD5(Value("a")), hashlib.md5(b"a").hexdigest()),
        (SHA1(Value("a")), hashlib.sha1(b"a").hexdigest()),
        (SHA256(Value("héllo")), hashlib.sha256("héllo".encode()).hexdigest()),
        (SHA512(Value("a")), hashlib.sha512(b"a").hexdigest()),
        (Concat(Value("a"), Value(None, output_field=models.CharField()), Value("b")), "ab"),
    ],
)
def test_text_functions_count_characters_as_django_does(spans, function, expected):
    """Django's text functions work on characters (ClickHouse's plain ones on bytes),
    hash to lowercase hex, and Concat() skips NULLs."""
    assert spans.annotate(x=function).values_list("x", flat=True).first() == expected


def test_conditions_in_annotations_are_booleans(spans):
    """A Q() annotation is True or False, not ClickHouse's 1 or 0."""
    has_end = ExpressionWrapper(Q(end__isnull=False), output_field=BooleanField())
    rows = dict(spans.annotate(has_end=has_end).values_list("id", "has_end"))
    assert rows == {12: True, 345: True, 6: False}
    assert {type(value) for value in rows.values()} == {bool}

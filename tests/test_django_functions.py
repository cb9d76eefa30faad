"""Django's own functions and window functions on ClickHouse: the answers Django (and
PostgreSQL) give, where ClickHouse's functions of the same name would give another
one or none: NULL past a window's frame, counts from SUM of conditions, rounding
casts, FixedString text, fixed-offset time zones, JSON built by JSONArray/JSONObject.
Every expected value is worked out in Python from the rows."""

import datetime
import decimal
import math
import re
import zoneinfo

import pytest
from django.apps.registry import Apps
from django.db import DataError, connections, models
from django.db.models import (
    Avg,
    BooleanField,
    ExpressionWrapper,
    F,
    Q,
    RowRange,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import (
    Cast,
    Chr,
    Concat,
    Cot,
    CumeDist,
    ExtractDay,
    ExtractHour,
    FirstValue,
    JSONArray,
    JSONObject,
    Lag,
    LastValue,
    Lead,
    Length,
    Log,
    Lower,
    Mod,
    Now,
    NthValue,
    Trunc,
    TruncDate,
    TruncDay,
    TruncTime,
    Upper,
)
from django.utils import timezone

from clickhouse_backend import models as ch

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)

TEST_APPS = Apps()
UTC = datetime.timezone.utc


class Score(models.Model):
    name = models.CharField(max_length=20)
    team = models.CharField(max_length=20)
    points = models.IntegerField()
    bonus = models.IntegerField(null=True)
    ratio = models.FloatField()
    amount = models.DecimalField(max_digits=8, decimal_places=3)
    rate = models.DecimalField(max_digits=9, decimal_places=7)
    code = ch.FixedStringField(max_bytes=8)
    moment = models.DateTimeField()

    class Meta:
        app_label = "django_function_tests"
        apps = TEST_APPS


FIELDS = ("name", "team", "points", "bonus", "ratio", "amount", "rate", "code", "moment")
ROWS = [
    ("ann", "red", 10, 1, 0.29, "2.345", "0.7000001", "äb", (2015, 6, 15, 23, 30)),
    ("bob", "red", 20, None, 3.467, "-1.935", "1.1", "cd", (2016, 1, 1, 1, 5)),
    ("cy", "red", 30, 3, -1.934, "7.000", "2.2500001", "ef", (2016, 12, 31, 14, 0)),
    ("dan", "blue", 5, None, 0.285, "0.125", "0.0999999", "gh", (2017, 3, 1, 9, 45)),
]
BY_NAME = {
    row[0]: {
        **dict(zip(FIELDS, row, strict=True)),
        "amount": decimal.Decimal(row[5]),
        "rate": decimal.Decimal(row[6]),
        "moment": datetime.datetime(*row[8], tzinfo=UTC),
    }
    for row in ROWS
}


@pytest.fixture(scope="module")
def scores(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        connection = connections["clickhouse"]
        with connection.schema_editor() as editor:
            editor.create_model(Score)
        objects = Score.objects.using("clickhouse")
        objects.bulk_create(Score(**row) for row in BY_NAME.values())
        yield objects
        with connection.schema_editor() as editor:
            editor.delete_model(Score)
        connection.close()


def by_name(queryset, *fields):
    """``{name: value}`` (a tuple of values for several fields) for each row."""
    rows = queryset.values_list("name", *fields)
    return {row[0]: row[1] if len(fields) == 1 else row[1:] for row in rows}


def expected(derive):
    """What ``derive`` makes of each row (a dict of its fields), by name."""
    return {name: derive(row) for name, row in BY_NAME.items()}


def in_team(expression, frame=None):
    return Window(expression, partition_by="team", order_by="points", frame=frame)


# -- window functions: NULL where the row they name is not there ---------------------------


def test_lag_and_lead_are_null_outside_the_partition(scores):
    """Django (and SQL) give NULL where there is no previous or next row; ClickHouse's
    own lag/lead give 0 for a column that is not Nullable."""
    rows = scores.annotate(
        before=in_team(Lag("points")),
        after=in_team(Lead("points")),
        two_after=in_team(Lead("points", offset=2)),
        before_or=in_team(Lag("points", default=-1)),
    )
    assert by_name(rows, "before", "after", "two_after", "before_or") == {
        "ann": (None, 20, 30, -1),
        "bob": (10, 30, None, 10),
        "cy": (20, None, None, 20),
        "dan": (None, None, None, -1),
    }


def test_nth_value_is_null_before_the_nth_row(scores):
    """NthValue over the default frame (the rows up to the current one)."""
    rows = scores.annotate(second=in_team(NthValue("points", 2)))
    assert by_name(rows, "second") == {"ann": None, "bob": 20, "cy": 20, "dan": None}


def test_first_and_last_value_keep_nulls_and_empty_frames(scores):
    """FIRST_VALUE/LAST_VALUE give the frame's first/last row's value even when it is
    NULL (ClickHouse's skip NULLs), and NULL for an empty frame (not 0)."""
    rows = scores.annotate(
        first_on=in_team(FirstValue("bonus"), frame=RowRange(start=0, end=None)),
        last_so_far=in_team(LastValue("bonus"), frame=RowRange(start=None, end=0)),
        next_points=in_team(FirstValue("points"), frame=RowRange(start=1, end=1)),
    )
    own_bonus = expected(lambda row: row["bonus"])
    assert by_name(rows, "first_on") == own_bonus
    assert by_name(rows, "last_so_far") == own_bonus
    assert by_name(rows, "next_points") == {"ann": 20, "bob": 30, "cy": None, "dan": None}


def test_cume_dist(scores):
    rows = scores.annotate(share=Window(CumeDist(), order_by="points"))
    points = [row["points"] for row in BY_NAME.values()]
    assert by_name(rows, "share") == expected(
        lambda row: sum(p <= row["points"] for p in points) / len(points)
    )


# -- SUM of conditions --------------------------------------------------------------------


def test_sum_of_a_boolean_counts_the_true_rows(scores):
    """SUM over a condition is a count, not True."""
    every = ExpressionWrapper(~Q(pk__in=[]), output_field=BooleanField())
    big = ExpressionWrapper(Q(points__gt=10), output_field=BooleanField())
    totals = scores.annotate(every=every, big=big).aggregate(Sum("every"), Sum("big"))
    assert totals == {"every__sum": 4, "big__sum": 2}
    per_team = scores.annotate(big=big).annotate(in_team=Window(Sum("big"), partition_by="team"))
    assert by_name(per_team, "in_team") == {"ann": 2, "bob": 2, "cy": 2, "dan": 0}


# -- casts ---------------------------------------------------------------------------------


def half_away(value, places):
    return decimal.Decimal(value).quantize(
        decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP
    )


def test_cast_to_decimal_rounds(scores):
    """As on PostgreSQL: half away from zero at the target's scale, a float taken as the
    shortest decimal that reads back as it (0.29, not 0.28999...)."""
    target = models.DecimalField(max_digits=8, decimal_places=2)
    rows = scores.annotate(
        from_float=Cast("ratio", target),
        from_decimal=Cast("amount", target),
        from_text=Cast(Value("3.14159"), target),
        from_integer=Cast("points", target),
    )
    assert by_name(rows, "from_float") == expected(lambda row: half_away(repr(row["ratio"]), 2))
    assert by_name(rows, "from_decimal") == expected(lambda row: half_away(row["amount"], 2))
    assert set(by_name(rows, "from_text").values()) == {decimal.Decimal("3.14")}
    assert by_name(rows, "from_integer") == expected(lambda row: decimal.Decimal(row["points"]))


def test_cast_to_char_field_keeps_max_length_characters(scores):
    rows = scores.annotate(
        short=Cast("name", models.CharField(max_length=2)),
        code_text=Cast("code", models.CharField()),
        code_initial=Cast("code", models.CharField(max_length=1)),
        number=Cast("points", models.CharField(max_length=1)),
    )
    assert by_name(rows, "short", "code_text", "code_initial", "number") == expected(
        lambda row: (row["name"][:2], row["code"], row["code"][:1], str(row["points"])[:1])
    )


# -- FixedString text -----------------------------------------------------------------------


def test_text_functions_see_a_fixed_string_without_its_padding(scores):
    """A FixedString(8) holding 'äb' is the text 'äb' (2 characters) to Django's text
    functions, as it reads back, not 'äb' and five NUL bytes."""
    rows = scores.annotate(
        length=Length("code"),
        upper=Upper("code"),
        lower=Lower(Upper("code")),
        joined=Concat("code", Value("!")),
    )
    assert by_name(rows, "length", "upper", "lower", "joined") == expected(
        lambda row: (len(row["code"]), row["code"].upper(), row["code"], row["code"] + "!")
    )


# -- mathematics, characters, the time -------------------------------------------------------


def test_cot_log_and_mod(scores):
    rows = scores.annotate(cot=Cot("ratio"), log=Log(2, "points"), remainder=Mod("amount", "rate"))
    values = by_name(rows, "cot", "log", "remainder")
    for name, row in BY_NAME.items():
        cot, log, remainder = values[name]
        assert cot == pytest.approx(1 / math.tan(row["ratio"]))
        assert log == pytest.approx(math.log(row["points"], 2))
        assert remainder == row["amount"] % row["rate"]  # with the dividend's sign, as MOD


def test_chr_gives_the_character_of_a_code_point(scores):
    rows = scores.annotate(character=Chr(F("points") + 8350), euro=Chr(Value(8364)))
    assert by_name(rows, "character", "euro") == expected(
        lambda row: (chr(row["points"] + 8350), "€")
    )


def test_now_has_microseconds(scores):
    now, text = scores.annotate(now=Now(), text=Cast(Now(), models.TextField())).values_list(
        "now", "text"
    )[0]
    assert abs(now - datetime.datetime.now(UTC)) < datetime.timedelta(minutes=1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", text)


# -- JSON built by a query -------------------------------------------------------------------


def test_json_array_and_object(scores):
    rows = scores.annotate(
        array=JSONArray("name", "points", "bonus", "ratio", "amount", "code", JSONArray()),
        document=JSONObject(
            name="name", nested=JSONObject(bonus="bonus"), items=JSONArray(F("points") * 2)
        ),
        quoted=JSONObject(**{'say "hi"\n': Upper("name")}),
    )

    def built(row):
        array = [row["name"], row["points"], row["bonus"], row["ratio"], float(row["amount"])]
        document = {"name": row["name"], "nested": {"bonus": row["bonus"]}}
        return (
            [*array, row["code"], []],
            {**document, "items": [row["points"] * 2]},
            {'say "hi"\n': row["name"].upper()},
        )

    assert by_name(rows, "array", "document", "quoted") == expected(built)


def test_keys_of_json_built_by_the_query(scores):
    """Key lookups read the built text's keys, as on a JSON column."""
    rows = scores.annotate(
        document=JSONObject(name="name", nested=JSONObject(points="points")),
        array=JSONArray("points", JSONArray("name")),
    )
    keys = rows.annotate(deep=F("document__nested__points"), first=F("array__1__0"))
    assert by_name(keys, "deep", "first") == expected(lambda row: (row["points"], row["name"]))
    first = min(BY_NAME)
    assert [row.name for row in rows.filter(document__name=first)] == [first]
    assert [row.name for row in rows.filter(array__1__0=first)] == [first]
    assert sorted(rows.order_by("document__name").values_list("name", flat=True)) == sorted(
        BY_NAME
    )


def test_the_average_of_decimals_has_their_digits(scores):
    """ClickHouse's avg() is a Float64: the Decimal read back is the decimal the float
    stands for (15 significant digits, as Django's SQLite backend reads it), not the
    float's binary expansion (1.88375000000000003552713678800500929355621337890625)."""
    amounts = [row["amount"] for row in BY_NAME.values()]
    assert scores.aggregate(average=Avg("amount"))["average"] == sum(amounts) / len(amounts)
    fifteen_digits = decimal.Context(prec=15)
    by_team = dict(scores.values_list("team").annotate(average=Avg("rate")))
    for team in ("red", "blue"):
        rates = [row["rate"] for row in BY_NAME.values() if row["team"] == team]
        assert by_team[team] == fifteen_digits.create_decimal(sum(rates) / len(rates))


# -- time zones -------------------------------------------------------------------------------

FIXED_ZONES = [
    datetime.timezone(datetime.timedelta(hours=5, minutes=30)),  # Django names it "UTC+05:30"
    datetime.timezone(datetime.timedelta(hours=-3, minutes=-30)),  # "UTC-03:30"
    zoneinfo.ZoneInfo("Etc/GMT+10"),  # "-10"
    zoneinfo.ZoneInfo("Etc/GMT-14"),  # "+14"
]


@pytest.mark.parametrize("zone", FIXED_ZONES, ids=str)
def test_extract_and_trunc_in_a_fixed_offset_zone(scores, zone):
    """Django names a fixed-offset zone by its offset, which ClickHouse cannot load as
    a zone; the values are those of the offset's wall clock."""
    rows = scores.annotate(
        hour=ExtractHour("moment", tzinfo=zone),
        day=ExtractDay("moment", tzinfo=zone),
        date=TruncDate("moment", tzinfo=zone),
        start_of_day=TruncDay("moment", tzinfo=zone),
        start_of_month=Trunc("moment", "month", output_field=models.DateField(), tzinfo=zone),
        time=TruncTime("moment", tzinfo=zone),
    )

    def local(row):
        moment = row["moment"].astimezone(zone)
        midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        first = moment.date().replace(day=1)
        return moment.hour, moment.day, moment.date(), midnight, first, moment.time()

    values = by_name(rows, "hour", "day", "date", "start_of_day", "start_of_month", "time")
    assert values == expected(local)
    hour = values["ann"][0]
    with timezone.override(zone):  # the current zone, in a lookup
        found = set(scores.filter(moment__hour=hour).values_list("name", flat=True))
    assert found == {name for name, row in BY_NAME.items() if local(row)[0] == hour}


def test_trunc_to_a_date_is_the_date_in_the_zone(scores):
    """Trunc(datetime, kind, output_field=DateField(), tzinfo=...) is a date there."""
    zone = zoneinfo.ZoneInfo("Australia/Melbourne")
    rows = scores.annotate(
        day=Trunc("moment", "day", output_field=models.DateField(), tzinfo=zone),
        week=Trunc("moment", "week", output_field=models.DateField(), tzinfo=zone),
    )

    def local(row):
        date = row["moment"].astimezone(zone).date()
        return date, date - datetime.timedelta(days=date.weekday())

    assert by_name(rows, "day", "week") == expected(local)


def test_an_unknown_truncation_or_date_part_is_refused_by_name(scores):
    """Refused before any SQL runs: a ValueError, and a DataError as a database's own
    error for it would be (Django's callers catch either)."""
    with pytest.raises(DataError, match="'fortnight' is not a datetime truncation"):
        list(scores.annotate(t=Trunc("moment", "fortnight")))
    with pytest.raises(ValueError, match="'fortnight' is not a date truncation"):
        list(scores.annotate(t=Trunc("moment", "fortnight", output_field=models.DateField())))

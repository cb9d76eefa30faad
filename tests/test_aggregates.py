"""ClickHouse aggregates through annotate() and aggregate(): uniq and its variants, any,
argMax, groupArray, topK and the quantiles, with filter= and distinct=, against values
derived in Python from the rows."""

import collections
import datetime
import decimal
import math
import statistics

import pytest
from django.apps.registry import Apps
from django.db import connections, models
from django.db.models import Q, Window

import clickhouse_backend.models
from clickhouse_backend.models import (
    Quantile,
    Uniq,
    aggregates,
    any,
    anyLast,
    argMax,
    argMin,
    groupArray,
    groupUniqArray,
    quantile,
    quantileExact,
    quantiles,
    topK,
    uniq,
    uniqCombined,
    uniqCombined64,
    uniqExact,
    uniqHLL12,
    uniqTheta,
)
from clickhouse_backend.models.deconstruct import public_path

TEST_APPS = Apps()


class Sample(models.Model):
    group = models.CharField(max_length=10)
    value = models.IntegerField()
    name = models.CharField(max_length=10, default="")
    moment = models.DateTimeField(null=True)
    amount = models.DecimalField(max_digits=9, decimal_places=2, null=True)

    class Meta:
        app_label = "aggregate_tests"
        apps = TEST_APPS


@pytest.fixture
def samples(django_db_blocker):
    with django_db_blocker.unblock():
        connection = connections["clickhouse"]
        with connection.schema_editor() as editor:
            editor.create_model(Sample)
        yield Sample.objects.using("clickhouse")
        with connection.schema_editor() as editor:
            editor.delete_model(Sample)
        connection.close()


def test_quantile_per_group_matches_python(samples):
    """ClickHouse's quantile() is approximate in general but exact below its reservoir
    size (8192 values), so small groups can be compared with Python's median."""
    values = {"a": list(range(1, 102)), "b": [5, 1, 9, 7, 3]}
    samples.bulk_create(
        Sample(group=group, value=value) for group, row in values.items() for value in row
    )
    medians = dict(
        samples.values_list("group").annotate(median=Quantile("value", 0.5)).order_by("group")
    )
    assert medians == {group: statistics.median(row) for group, row in values.items()}
    top = samples.filter(group="a").aggregate(p90=Quantile("value", 0.9))["p90"]
    assert top == pytest.approx(91.0)


def test_quantile_and_uniq_over_no_rows(samples):
    """Like Django's aggregates: a quantile of nothing is None, a count of nothing 0."""
    result = samples.aggregate(p=Quantile("value", 0.95), distinct=Uniq("group"))
    assert result == {"p": None, "distinct": 0}


def test_uniq_counts_distinct_values(samples):
    samples.bulk_create(Sample(group=f"g{i % 7}", value=i) for i in range(100))
    assert samples.aggregate(groups=Uniq("group"))["groups"] == 7


@pytest.mark.parametrize("level", [-0.1, 1.5, "0.5); DROP TABLE x; --", True, None])
def test_quantile_level_is_a_checked_number(level):
    """The level is written into the SQL, so only a number from 0 to 1 gets there."""
    with pytest.raises(ValueError, match="Quantile level must be a number from 0 to 1"):
        Quantile("value", level)


# -- the aggregates of django-clickhouse-backend and the issue, under ClickHouse's names ----

UTC = datetime.timezone.utc
START = datetime.datetime(2024, 3, 1, 12, tzinfo=UTC)
# (group, name, value): values are distinct, so that argMax/argMin have one answer.
ROWS = [
    ("a", "ann", 5),
    ("a", "bob", 3),
    ("a", "ann", 9),
    ("a", "cid", 1),
    ("a", "bob", 11),
    ("a", "bob", 6),
    ("b", "bob", 7),
    ("b", "bob", 2),
    ("b", "dan", 8),
    ("c", "eve", 4),
]
GROUPS = sorted({group for group, _, _ in ROWS})
UNIQS = [uniq, uniqExact, uniqCombined, uniqCombined64, uniqHLL12, uniqTheta]


def moment(value):
    return START + datetime.timedelta(hours=value)


@pytest.fixture
def rows(samples):
    samples.bulk_create(
        Sample(
            group=group,
            name=name,
            value=value,
            moment=moment(value),
            amount=decimal.Decimal(value) / 4,
        )
        for group, name, value in ROWS
    )
    return samples


def per_group(queryset, **aggregates):
    """{group: {alias: value}} of aggregates grouped by Sample.group."""
    rows = queryset.values("group").annotate(**aggregates).order_by("group")
    return {row.pop("group"): row for row in rows}


def of_group(group, position=None):
    """The rows of a group, or one column of them (1: name, 2: value)."""
    members = [row for row in ROWS if row[0] == group]
    return members if position is None else [row[position] for row in members]


def engine_has(function):
    with connections["clickhouse"].cursor() as cursor:
        cursor.execute("SELECT 1 FROM system.functions WHERE name = %s", [function])
        return bool(cursor.fetchall())


@pytest.mark.parametrize("function", UNIQS, ids=lambda f: f.__name__)
def test_uniq_family_counts_distinct_values(rows, function):
    """Exact for so few values, whichever sketch each uses."""
    if not engine_has(function.__name__):
        pytest.skip(f"this ClickHouse has no {function.__name__}")
    counts = per_group(
        rows,
        names=function("name"),
        pairs=function("name", "value"),
        whole_rows=function("*"),
        large=function("name", filter=Q(value__gt=4)),
        distinct=function("name", distinct=True),
    )
    assert counts == {
        group: {
            "names": len(set(of_group(group, 1))),
            "pairs": len({(name, value) for _, name, value in of_group(group)}),
            "whole_rows": len(of_group(group)),  # each row has its own id
            "large": len({name for _, name, value in of_group(group) if value > 4}),
            "distinct": len(set(of_group(group, 1))),
        }
        for group in GROUPS
    }
    assert all(type(value) is int for row in counts.values() for value in row.values())


def test_uniq_over_no_rows_is_zero_and_names_its_result(rows):
    assert rows.aggregate(uniq("name")) == {"name__uniq": len({name for _, name, _ in ROWS})}
    assert rows.filter(pk__in=[]).aggregate(n=uniqExact("name")) == {"n": 0}
    assert rows.filter(value__gt=100).aggregate(n=uniqCombined("name")) == {"n": 0}


def test_any_and_any_last_are_values_of_their_group(rows):
    values = per_group(rows, first=any("name"), last=anyLast("name"))
    for group, row in values.items():
        assert {row["first"], row["last"]} <= set(of_group(group, 1))
    assert values["c"] == {"first": "eve", "last": "eve"}
    assert rows.filter(value__gt=100).aggregate(v=any("name")) == {"v": None}


@pytest.mark.parametrize("argument", [[True, False], (x for x in [1]), {1}])
def test_any_refuses_what_only_pythons_any_takes(argument):
    """``from clickhouse_backend.models import *`` hides the built-in any()."""
    with pytest.raises(TypeError, match="Python's built-in any"):
        any(argument)


def test_arg_max_and_arg_min_give_the_argument_of_the_extreme_row(rows):
    values = per_group(
        rows,
        top=argMax("name", "value"),
        bottom=argMin("name", "value"),
        latest=argMax("moment", "value"),
        top_bob=argMax("value", "value", filter=Q(name="bob")),
    )
    assert values == {
        group: {
            "top": max(of_group(group), key=lambda row: row[2])[1],
            "bottom": min(of_group(group), key=lambda row: row[2])[1],
            "latest": moment(max(of_group(group, 2))),
            "top_bob": max(
                (value for _, name, value in of_group(group) if name == "bob"), default=None
            ),
        }
        for group in GROUPS
    }


def test_group_arrays(rows):
    values = per_group(
        rows,
        all=groupArray("value"),
        two=groupArray("value", 2),
        names=groupArray("name", distinct=True),
        unique=groupUniqArray("name"),
        moments=groupArray("moment", filter=Q(value__lt=5)),
    )
    for group, row in values.items():
        assert sorted(row["all"]) == sorted(of_group(group, 2))
        assert len(row["two"]) == min(2, len(of_group(group))) and set(row["two"]) <= set(
            row["all"]
        )
        assert sorted(row["names"]) == sorted(row["unique"]) == sorted(set(of_group(group, 1)))
        assert sorted(row["moments"]) == sorted(moment(v) for v in of_group(group, 2) if v < 5)
    assert rows.filter(pk__in=[]).aggregate(v=groupArray("value")) == {"v": []}
    assert rows.filter(value__gt=100).aggregate(v=groupUniqArray("name")) == {"v": []}


def test_top_k_most_frequent_first(rows):
    counts = collections.Counter(name for _, name, _ in ROWS)
    assert rows.aggregate(top=topK("name", 2))["top"] == [
        name for name, _ in counts.most_common(2)
    ]
    by_group = per_group(rows, top=topK("name", 1))
    assert by_group == {
        group: {"top": [collections.Counter(of_group(group, 1)).most_common(1)[0][0]]}
        for group in GROUPS
    }


def test_parameters_keep_filter_and_distinct(rows):
    """A parametric aggregate (``topK(1)(x)``, ``groupArray(5)(x)``) takes filter= and
    distinct= as any aggregate does, on every Django version's aggregate template."""
    result = rows.aggregate(
        top=topK("name", 1, filter=Q(group="b")),
        names=groupArray("name", 5, distinct=True, filter=Q(group="a")),
        few=groupArray("value", 2, filter=Q(value__gt=100)),
        q=quantile("value", 0.5, distinct=True, filter=Q(group="b")),
    )
    assert result["top"] == ["bob"]
    assert sorted(result["names"]) == ["ann", "bob", "cid"]
    assert result["few"] == []
    assert result["q"] == 7


def interpolated(values, level):
    """The quantile of sorted values at ``level``, interpolated between neighbours."""
    values = sorted(values)
    position = level * (len(values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def test_quantiles_exact_and_several_at_once(rows):
    levels = (0.25, 0.5, 0.75)
    values = per_group(
        rows,
        exact=quantileExact("value", 0.5),
        several=quantiles("value", *levels),
        bobs=quantile("value", 0.5, filter=Q(name="bob")),
        middle=quantile("moment", 0.5),
        money=quantileExact("amount", 1),
    )
    for group, row in values.items():
        numbers = sorted(of_group(group, 2))
        assert row["exact"] == numbers[len(numbers) // 2] and type(row["exact"]) is int
        assert row["several"] == pytest.approx([interpolated(numbers, q) for q in levels])
        bobs = [value for _, name, value in of_group(group) if name == "bob"]
        assert row["bobs"] == (interpolated(bobs, 0.5) if bobs else None)
        assert row["money"] == decimal.Decimal(numbers[-1]) / 4
        assert type(row["money"]) is decimal.Decimal
    # An odd number of moments has one in the middle.
    assert values["b"]["middle"] == moment(7)
    assert values["b"]["middle"].utcoffset() == datetime.timedelta(0)


def test_quantile_of_distinct_values(rows):
    """quantile(DISTINCT x): each value counted once (5 and 9 of ann's, not weighted)."""
    rows.bulk_create(Sample(group="d", name="z", value=1) for _ in range(9))
    rows.create(group="d", name="z", value=3)
    assert rows.filter(group="d").aggregate(q=quantile("value", 0.5))["q"] == 1
    assert rows.filter(group="d").aggregate(q=quantile("value", 0.5, distinct=True))["q"] == 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: topK("name", 0), "k must be a whole number"),
        (lambda: topK("name", "10)(name"), "k must be a whole number"),
        (lambda: groupArray("name", 0), "max_size must be a whole number"),
        (lambda: quantileExact("value", 2), "Quantile level must be a number from 0 to 1"),
        (lambda: quantiles("value", 0.5, float("nan")), "Quantile level must be a number"),
        (lambda: quantiles("value"), "needs at least one level"),
    ],
)
def test_literal_parameters_are_checked(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "make",
    [
        lambda: argMax("name", "value", distinct=True),
        lambda: any("name", distinct=True),
        lambda: topK("name", distinct=True),
        lambda: groupUniqArray("name", distinct=True),
    ],
)
def test_distinct_is_refused_where_it_means_nothing(make):
    with pytest.raises(TypeError, match="does not allow distinct"):
        make()


def test_aggregates_are_public_under_their_clickhouse_names():
    for name in aggregates.__all__:
        function = getattr(clickhouse_backend.models, name)
        assert public_path(function) == f"clickhouse_backend.models.{function.__name__}"
    assert Quantile is quantile and Uniq is uniq
    assert uniq("name").deconstruct() == ("clickhouse_backend.models.uniq", ("name",), {})


def test_uniq_in_a_window_and_the_counts_that_cannot_be(rows):
    """uniq(x) OVER (...) is a window function; ifNull(uniqCombined(x), 0) is not."""
    counted = rows.annotate(n=Window(uniq("name"), partition_by="group")).values_list("group", "n")
    assert set(counted) == {(group, len(set(of_group(group, 1)))) for group in GROUPS}
    with pytest.raises(ValueError, match="isn't compatible with OVER clauses"):
        Window(uniqCombined("name"), partition_by="group")

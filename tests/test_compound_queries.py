"""union(), intersection() and difference() ordered and sliced as a whole, as Django
means: ClickHouse reads a LIMIT written after a compound query as its last part's, so
the compound query is sliced from around it. Each result is compared with the default
database's (SQLite or PostgreSQL) for the same rows."""

from __future__ import annotations

import pytest
from django.apps.registry import Apps
from django.db import connections, models

pytestmark = pytest.mark.django_db(databases=["default", "clickhouse"], transaction=True)

APPS = Apps()
DATABASES = ("default", "clickhouse")


class Number(models.Model):
    name = models.CharField(max_length=20)
    n = models.IntegerField()

    class Meta:
        app_label = "compound_tests"
        apps = APPS


ROWS = {1: ("one", 1), 2: ("two", 2), 3: ("three", 3), 4: ("four", 4), 5: ("five", 5)}


@pytest.fixture
def db(django_db_blocker):
    for alias in DATABASES:
        with connections[alias].schema_editor() as editor:
            editor.create_model(Number)
        Number.objects.using(alias).bulk_create(
            Number(id=pk, name=name, n=n) for pk, (name, n) in ROWS.items()
        )
    yield
    for alias in DATABASES:
        with connections[alias].schema_editor() as editor:
            editor.delete_model(Number)


def on_both(make_query) -> list:
    results = []
    for alias in DATABASES:
        result = make_query(Number.objects.using(alias))
        results.append(list(result) if isinstance(result, models.QuerySet) else result)
    return results


def small(numbers):
    return numbers.filter(n__lte=2).values_list("name", "n")


def large(numbers):
    return numbers.filter(n__gte=4).values_list("name", "n")


def middle_up(numbers):
    return numbers.filter(n__gte=2).values_list("name", "n")


@pytest.mark.parametrize(
    "make_query",
    [
        lambda numbers: small(numbers).union(large(numbers)).order_by("-n")[:2],
        lambda numbers: small(numbers).union(large(numbers)).order_by("n")[1:],
        lambda numbers: small(numbers).union(large(numbers)).order_by("n")[1:3],
        lambda numbers: small(numbers).union(middle_up(numbers), all=True).order_by("n")[:4],
        lambda numbers: middle_up(numbers).intersection(large(numbers)).order_by("n")[:1],
        lambda numbers: middle_up(numbers).difference(large(numbers)).order_by("-n")[:2],
        lambda numbers: small(numbers).union(large(numbers)).order_by("n")[0],
        lambda numbers: small(numbers).union(large(numbers)).order_by("n").first(),
        lambda numbers: small(numbers).union(large(numbers)).order_by("n").last(),
        lambda numbers: small(numbers).union(large(numbers)).exists(),
        lambda numbers: small(numbers).intersection(large(numbers)).exists(),
        lambda numbers: small(numbers).union(large(numbers))[:3].count(),
        # Model instances, ordered by a field the parts select.
        lambda numbers: [
            number.name
            for number in numbers.filter(n=1).union(numbers.filter(n__gt=3)).order_by("-n")[:2]
        ],
        # A sliced compound query as a subquery.
        lambda numbers: sorted(
            numbers.filter(
                pk__in=numbers.filter(n=1)
                .values("pk")
                .union(numbers.filter(n__gt=3).values("pk"))
                .order_by("-pk")[:2]
            ).values_list("name", flat=True)
        ),
    ],
)
def test_ordered_and_sliced_compound_query_gives_djangos_rows(db, make_query):
    expected, got = on_both(make_query)
    assert got == expected


def test_a_slice_without_ordering_takes_rows_of_the_whole(db):
    """Unordered, any rows of the compound query may come, but from all its parts and as
    many as the slice asks (not a LIMIT on the last part alone)."""
    numbers = Number.objects.using("clickhouse")
    whole = set(small(numbers).union(large(numbers)))
    assert len(whole) == 4
    for size in (1, 3, 4):
        rows = list(small(numbers).union(large(numbers))[:size])
        assert len(rows) == size and set(rows) <= whole
    assert set(small(numbers).union(large(numbers))[1:]) < whole
    assert len(list(small(numbers).union(large(numbers))[1:])) == 3

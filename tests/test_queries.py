"""ClickHouse's clauses as QuerySet methods (settings, prewhere, final, sample, limit_by,
array_join, with_totals/with_rollup/with_cube, explain), Django's aggregates with
filter=/distinct= as -If/uniqExact/-Distinct, and IPv6 columns grouped by the address:
results against the same computation in Python, and the SQL as ClickHouse's own parser
writes it (formatQuerySingleLine)."""

from __future__ import annotations

import collections
import datetime
import ipaddress
import itertools
import json
import pickle
from decimal import Decimal
from fractions import Fraction

import pytest
from django.apps.registry import Apps
from django.db import NotSupportedError, ProgrammingError, connections, models
from django.db.models import Avg, Count, F, Func, Max, Min, Q, StdDev, Sum, Value
from django.db.models.sql import UpdateQuery
from django.test.utils import CaptureQueriesContext

from clickhouse_backend import models as clickhouse
from clickhouse_backend.driver.escape import substitute
from clickhouse_backend.models import ClickhouseManager, QuerySet

TEST_APPS = Apps()
# Models of their own registry, labelled testapp so that the suite's router sends them
# to ClickHouse; their tables are named apart from testapp's.


class Page(clickhouse.ClickhouseModel):
    name = models.CharField(max_length=20)

    class Meta:
        app_label = "testapp"
        apps = TEST_APPS
        db_table = "queries_page"


class Hit(clickhouse.ClickhouseModel):
    """Sampled by user (intHash32), with arrays and an IPv6 column."""

    user_id = clickhouse.UInt64Field()
    url = models.CharField(max_length=20)
    day = models.DateField()
    size = models.IntegerField()
    tags = clickhouse.ArrayField(clickhouse.StringField(), default=list)
    scores = clickhouse.ArrayField(clickhouse.UInt8Field(), default=list)
    source = models.GenericIPAddressField()
    page = models.ForeignKey(Page, models.DO_NOTHING, null=True, db_constraint=False)

    class Meta:
        app_label = "testapp"
        apps = TEST_APPS
        db_table = "queries_hit"
        engine = clickhouse.MergeTree(
            order_by=("day", Func("user_id", function="intHash32")),
            sample_by=Func("user_id", function="intHash32"),
        )


class Version(clickhouse.ClickhouseModel):
    """Rows of one name and key replaced by the highest version (FINAL), and sampled."""

    name = models.CharField(max_length=20)
    key = clickhouse.UInt32Field()
    version = clickhouse.UInt32Field()
    value = models.IntegerField()
    labels = clickhouse.ArrayField(clickhouse.StringField(), default=list)

    class Meta:
        app_label = "testapp"
        apps = TEST_APPS
        db_table = "queries_version"
        engine = clickhouse.ReplacingMergeTree(
            "version",
            order_by=("name", Func("key", function="intHash32")),
            sample_by=Func("key", function="intHash32"),
        )


class Plain(models.Model):
    """A plain Django model routed to ClickHouse, which opts in to the clauses."""

    name = models.CharField(max_length=20)
    size = models.IntegerField(default=0)
    tags = clickhouse.ArrayField(clickhouse.StringField(), default=list)

    objects = ClickhouseManager()

    class Meta:
        app_label = "testapp"
        apps = TEST_APPS
        db_table = "queries_plain"


ADDRESSES = ["10.0.0.1", "2001:db8::1", "10.0.0.2", "::1:0", "2001:db8::a", "fe80::1", "::2"]
DAYS = [datetime.date(2024, 1, 1) + datetime.timedelta(days=n) for n in range(3)]


def hit_rows() -> list[dict]:
    rows = []
    for i in range(60):
        length = i % 4
        rows.append(
            {
                "user_id": i * 7 + 1,
                "url": f"/p{i % 4}",
                "day": DAYS[i % 3],
                "size": (i * 5) % 11,
                "tags": [f"t{(i + j) % 5}" for j in range(length)],
                "scores": [(i + j) % 7 for j in range(length)],
                "source": ADDRESSES[(i * i) % len(ADDRESSES)],
                "page": i % 3 if i % 5 else None,
            }
        )
    return rows


ROWS = hit_rows()


@pytest.fixture(scope="module")
def db(django_db_blocker):
    with django_db_blocker.unblock():
        connection = connections["clickhouse"]
        with connection.schema_editor() as editor:
            for model in (Page, Hit):
                editor.create_model(model)
        pages = Page.objects.bulk_create(Page(name=f"page{n}") for n in range(3))
        Hit.objects.bulk_create(
            Hit(**{**row, "page": None if row["page"] is None else pages[row["page"]]})
            for row in ROWS
        )
        yield connection
        with connection.schema_editor() as editor:
            for model in (Page, Hit):
                editor.delete_model(model)
        connection.close()


@pytest.fixture
def table(db):
    """A function's own table of a model: ``table(Model)``, dropped afterwards."""
    made = []

    def make(model):
        with db.schema_editor() as editor:
            editor.create_model(model)
        made.append(model)
        return model.objects

    yield make
    with db.schema_editor() as editor:
        for model in made:
            editor.delete_model(model)


def one_line(db, sql: str) -> str:
    with db.cursor() as cursor:
        cursor.execute("SELECT formatQuerySingleLine(%s)", [sql])
        return cursor.fetchone()[0]


def sql_of(db, queryset) -> str:
    """The SELECT the queryset runs, as ClickHouse's parser writes it."""
    sql, params = queryset.query.get_compiler(using="clickhouse").as_sql()
    return one_line(db, substitute(sql, params))


def ran(db, action) -> list[str]:
    """The statements ``action()`` runs, as ClickHouse's parser writes them."""
    with CaptureQueriesContext(db) as queries:
        action()
    return [one_line(db, query["sql"]) for query in queries]


def hits(**match) -> list[dict]:
    return [row for row in ROWS if all(row[name] == value for name, value in match.items())]


# -- the manager ----------------------------------------------------------------------


def test_clickhouse_models_and_their_related_managers_have_the_clauses(db):
    assert isinstance(Hit.objects, ClickhouseManager)
    assert isinstance(Hit.objects.all(), QuerySet)
    page = Page.objects.get(name="page1")
    related = page.hit_set.prewhere(size__gte=5).order_by("user_id")
    expected = sorted(r["user_id"] for r in hits(page=1) if r["size"] >= 5)
    assert [hit.user_id for hit in related] == expected
    assert clickhouse.ClickhouseManager is ClickhouseManager


def test_a_plain_model_opts_in_with_the_manager(table):
    plain = table(Plain)
    plain.bulk_create(Plain(name=name, size=n, tags=["x"] * n) for n, name in enumerate("abc"))
    assert list(plain.prewhere(size__gte=1).settings(max_threads=1).values_list("name")) in (
        [("b",), ("c",)],
        [("c",), ("b",)],
    )
    assert sorted(plain.array_join(tag="tags").values_list("name", "tag")) == [
        ("b", "x"),
        ("c", "x"),
        ("c", "x"),
    ]


def test_clauses_refuse_a_database_that_is_not_clickhouse(db):
    """A query with ClickHouse's clauses compiled for another database would silently
    lose them: refused by name."""
    queryset = Plain.objects.using("default").settings(max_threads=1)
    with pytest.raises(NotSupportedError, match="has no ClickHouse clauses"):
        list(queryset)
    # Without clauses, the manager's querysets are Django's on any database.
    assert str(Plain.objects.using("default").filter(name="a").query)


# -- SETTINGS -----------------------------------------------------------------------------


def test_settings_are_written_after_limit_and_applied(db):
    queryset = (
        Hit.objects.filter(size__gt=3)
        .settings(max_threads=3, max_block_size=1000)
        .annotate(threads=Func(Value("max_threads"), function="getSetting"))
        .order_by("user_id")
        .values_list("user_id", "threads")[:5]
    )
    ordered = sorted(ROWS, key=lambda r: r["user_id"])
    assert list(queryset) == [(r["user_id"], 3) for r in ordered if r["size"] > 3][:5]
    assert sql_of(db, queryset) == (
        "SELECT queries_hit.user_id AS user_id, getSetting('max_threads') AS threads "
        "FROM queries_hit WHERE queries_hit.size > 3 ORDER BY 1 ASC LIMIT 5 "
        "SETTINGS max_threads = 3, max_block_size = 1000"
    )


def test_settings_merge_along_the_chain_and_none_drops_one(db):
    queryset = Hit.objects.settings(max_threads=2, max_block_size=100).settings(
        max_threads=4, max_block_size=None
    )
    assert queryset.query.clickhouse_settings == {"max_threads": 4}
    assert sql_of(db, queryset).endswith("SETTINGS max_threads = 4")
    assert Hit.objects.all().query.clickhouse_settings == {}


def test_settings_reach_count_and_aggregate(db):
    queryset = Hit.objects.values("url").annotate(n=Count("id")).settings(max_threads=1)
    statements = ran(db, queryset.count)
    assert statements[-1].endswith("SETTINGS max_threads = 1")
    assert queryset.count() == 4
    plain = Hit.objects.settings(max_threads=1)
    assert ran(db, plain.count)[-1].endswith("SETTINGS max_threads = 1")
    assert plain.aggregate(total=Sum("size"))["total"] == sum(r["size"] for r in ROWS)


def test_an_unknown_setting_is_refused_by_name(db):
    with pytest.raises(ProgrammingError, match=r"Unknown setting 'max_thread'.*max_threads"):
        list(Hit.objects.settings(max_thread=1))


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"max threads": 1}, "not a valid ClickHouse setting name"),
        ({"x = 1; DROP TABLE queries_hit; --": 1}, "not a valid ClickHouse setting name"),
        ({"insert_block_size": 1}, "client option"),
    ],
)
def test_a_bad_setting_name_is_refused_at_once(settings, message):
    with pytest.raises(ValueError, match=message):
        Hit.objects.settings(**settings)


def test_update_and_delete_carry_settings_and_prewhere(table):
    """PREWHERE conditions go into the mutation's WHERE (a mutation has none), settings
    stay on the query for the statement; the rows changed are those a read matches."""
    plain = table(Plain)
    plain.bulk_create(Plain(name=f"n{n % 3}", size=n) for n in range(12))
    changed = plain.prewhere(size__gte=6).filter(name="n0").settings(max_threads=1)
    assert changed.update(size=100) == 2
    assert sorted(plain.values_list("size", flat=True)) == sorted(
        [100 if n >= 6 and n % 3 == 0 else n for n in range(12)]
    )
    assert plain.prewhere(size=100).settings(max_threads=1).delete()[0] == 2
    assert plain.count() == 10
    # What the update and delete compilers read the settings from.
    update = plain.settings(mutations_sync=2).filter(size=1).query.chain(UpdateQuery)
    assert update.clickhouse_settings == {"mutations_sync": 2}


@pytest.mark.parametrize(
    "shape, name",
    [
        (lambda qs: qs.limit_by(1, "url"), "limit_by()"),
        (lambda qs: qs.sample(Fraction(1, 2)), "sample()"),
        (lambda qs: qs.array_join(tag="tags"), "array_join()"),
        (lambda qs: qs.values("url").annotate(n=Count("id")).with_totals(), "with_totals()"),
    ],
)
def test_update_and_delete_refuse_clauses_that_shape_reads(db, shape, name):
    with pytest.raises(NotSupportedError, match=rf"update\(\) changes .*{name}"):
        shape(Hit.objects.all()).update(size=1)
    with pytest.raises(NotSupportedError, match=rf"delete\(\) changes .*{name}"):
        shape(Hit.objects.all()).delete()


# -- PREWHERE ---------------------------------------------------------------------------


def test_prewhere_with_filter_values_annotate_order_and_slice(db):
    queryset = (
        Hit.objects.prewhere(url__in=["/p1", "/p2"], size__gte=2)
        .filter(day__gte=DAYS[1])
        .exclude(page=None)
        .values("url")
        .annotate(n=Count("id"), biggest=Max("size"))
        .order_by("-n", "url")[:2]
    )
    kept = [
        r
        for r in ROWS
        if r["url"] in ("/p1", "/p2")
        and r["size"] >= 2
        and r["day"] >= DAYS[1]
        and r["page"] is not None
    ]
    groups = collections.defaultdict(list)
    for row in kept:
        groups[row["url"]].append(row["size"])
    expected = sorted(
        ({"url": url, "n": len(sizes), "biggest": max(sizes)} for url, sizes in groups.items()),
        key=lambda g: (-g["n"], g["url"]),
    )[:2]
    assert list(queryset) == expected
    assert sql_of(db, queryset) == (
        "SELECT queries_hit.url AS url, COUNT(queries_hit.id) AS n, "
        "MAX(queries_hit.size) AS biggest FROM queries_hit "
        "PREWHERE ((queries_hit.size >= 2) AND (queries_hit.url IN ('/p1', '/p2'))) "
        "WHERE ((queries_hit.day >= toDate('2024-01-02')) "
        "AND (NOT (queries_hit.page_id IS NULL))) "
        "GROUP BY 1 ORDER BY 2 DESC, 1 ASC LIMIT 2"
    )


def test_prewhere_takes_q_objects_and_ands_calls(db):
    queryset = Hit.objects.prewhere(Q(size__lt=2) | ~Q(url="/p0")).prewhere(size__lte=8)
    expected = {
        r["user_id"] for r in ROWS if (r["size"] < 2 or r["url"] != "/p0") and r["size"] <= 8
    }
    assert set(queryset.values_list("user_id", flat=True)) == expected
    assert sql_of(db, queryset).endswith(
        "FROM queries_hit PREWHERE (((queries_hit.size < 2) OR (NOT (queries_hit.url = '/p0'))) "
        "AND (queries_hit.size <= 8))"
    )


def test_prewhere_in_a_subquery_and_of_nothing(db):
    pages = Page.objects.prewhere(name__in=["page0", "page2"]).values("id")
    queryset = Hit.objects.filter(page__in=pages)
    assert queryset.count() == len([r for r in ROWS if r["page"] in (0, 2)])
    assert sql_of(db, queryset).endswith(
        "WHERE queries_hit.page_id IN (SELECT U0.id AS id FROM queries_page AS U0 "
        "PREWHERE (U0.name IN ('page0', 'page2')))"
    )
    assert list(Hit.objects.prewhere(pk__in=[])) == []
    nothing = Page.objects.prewhere(pk__in=[]).values("id")
    assert not Hit.objects.filter(Q(page__in=nothing) | Q(size=-1)).exists()


def test_prewhere_refuses_aggregates(db):
    with pytest.raises(NotSupportedError, match=r"prewhere.*aggregate"):
        Hit.objects.values("url").annotate(n=Count("id")).prewhere(n__gt=1)


def test_prewhere_of_or_combined_querysets_moves_to_where(db):
    left = Hit.objects.prewhere(url="/p0")
    right = Hit.objects.filter(size=10).prewhere(day=DAYS[0])
    combined = left | right
    expected = {
        r["user_id"]
        for r in ROWS
        if r["url"] == "/p0" or (r["size"] == 10 and r["day"] == DAYS[0])
    }
    assert set(combined.values_list("user_id", flat=True)) == expected
    assert "PREWHERE" not in sql_of(db, combined)
    both = left & right
    assert set(both.values_list("user_id", flat=True)) == {
        r["user_id"] for r in hits(url="/p0", size=10, day=DAYS[0])
    }
    with pytest.raises(NotSupportedError, match=r"right one has limit_by\(\)"):
        left | Hit.objects.limit_by(1, "url")


# -- FINAL --------------------------------------------------------------------------------


def versions(manager):
    """Three inserts, three parts: replaced rows stay until the parts merge."""
    for version in range(3):
        manager.bulk_create(
            Version(name=f"n{key % 2}", key=key, version=version, value=key * 10 + version)
            for key in range(6)
        )


def test_final_reads_the_latest_version_of_each_row(db, table):
    manager = table(Version)
    versions(manager)
    assert manager.count() == 18
    queryset = manager.final().filter(key__lt=5).values("name").annotate(total=Sum("value"))
    expected = collections.Counter()
    for key in range(5):
        expected[f"n{key % 2}"] += key * 10 + 2
    assert dict(queryset.values_list("name", "total")) == dict(expected)
    assert manager.final().count() == 6
    assert sql_of(db, manager.final().filter(key=1)) == (
        "SELECT queries_version.id, queries_version.name, queries_version.key, "
        "queries_version.version, queries_version.value, queries_version.labels "
        "FROM queries_version FINAL WHERE queries_version.key = 1"
    )


@pytest.mark.parametrize("model, engine", [(Hit, "MergeTree"), (Plain, "MergeTree")])
def test_final_is_refused_by_name_where_nothing_merges(model, engine):
    with pytest.raises(
        NotSupportedError, match=rf"{model._meta.label} cannot be read with FINAL: .* {engine}"
    ):
        model.objects.final()


# -- SAMPLE -------------------------------------------------------------------------------


def sampled(ratio: Fraction, offset: Fraction = Fraction(0)) -> set[int]:
    """The users SAMPLE keeps: those whose sampling key, intHash32(user_id), is in
    [offset, offset + ratio) of its range (hashes read from ClickHouse)."""
    hashes = dict(
        Hit.objects.annotate(h=Func("user_id", function="intHash32")).values_list("user_id", "h")
    )
    low, high = offset * 2**32, (offset + ratio) * 2**32
    return {user for user, key in hashes.items() if low <= key < high}


@pytest.mark.parametrize(
    "ratio, offset, written",
    [
        (Fraction(1, 2), None, "SAMPLE 1 / 2"),
        (0.25, 0.5, "SAMPLE 25 / 100 OFFSET 5 / 10"),
        (Decimal("0.3"), Decimal("0.6"), "SAMPLE 3 / 10 OFFSET 3 / 5"),
        (1, None, "SAMPLE 1"),
    ],
)
def test_sample_keeps_the_part_of_the_key_range(db, ratio, offset, written):
    queryset = Hit.objects.sample(ratio, offset).filter(size__gte=1)
    expected = sampled(Fraction(ratio), Fraction(offset or 0)) & {
        r["user_id"] for r in ROWS if r["size"] >= 1
    }
    assert set(queryset.values_list("user_id", flat=True)) == expected
    assert f"FROM queries_hit {written} WHERE queries_hit.size >= 1" in sql_of(db, queryset)


def test_sample_of_a_number_of_rows_and_with_joins(db):
    queryset = (
        Hit.objects.sample(10000).filter(page__name="page1").values_list("user_id", flat=True)
    )
    assert set(queryset) == {r["user_id"] for r in hits(page=1)}  # fewer rows than asked
    assert "FROM queries_hit SAMPLE 10000 INNER JOIN queries_page" in sql_of(db, queryset)


def test_sample_is_refused_by_name_without_a_sampling_key(db):
    with pytest.raises(
        NotSupportedError, match=r"testapp\.Plain cannot be sampled: .*no SAMPLE BY"
    ):
        Plain.objects.sample(0.5)
    with pytest.raises(NotSupportedError, match=r"testapp\.Page cannot be sampled"):
        Page.objects.sample(0.5)


@pytest.mark.parametrize(
    "ratio, offset, error",
    [
        (0, None, ValueError),
        (1.5, None, ValueError),
        (-0.5, None, ValueError),
        (float("nan"), None, ValueError),
        (0.5, 1, ValueError),
        (0.5, -0.1, ValueError),
        (100, 0.5, ValueError),
        (True, None, TypeError),
        ("0.5", None, TypeError),
        (0.5, "0", TypeError),
    ],
)
def test_sample_takes_checked_numbers(ratio, offset, error):
    with pytest.raises(error, match=r"sample\(\)"):
        Hit.objects.sample(ratio, offset)


# -- LIMIT BY ------------------------------------------------------------------------------


def first_by(rows, key, limit, offset=0):
    taken = collections.defaultdict(int)
    kept = []
    for row in rows:
        taken[key(row)] += 1
        if offset < taken[key(row)] <= offset + limit:
            kept.append(row)
    return kept


def test_limit_by_keeps_the_first_rows_of_each_group(db):
    queryset = Hit.objects.order_by("url", "-size", "user_id").limit_by(2, "url")
    ordered = sorted(ROWS, key=lambda r: (r["url"], -r["size"], r["user_id"]))
    expected = first_by(ordered, lambda r: r["url"], 2)
    assert [h.user_id for h in queryset] == [r["user_id"] for r in expected]
    offset = queryset.limit_by(2, "url", offset=1)  # replaces the first
    assert [h.user_id for h in offset] == [
        r["user_id"] for r in first_by(ordered, lambda r: r["url"], 2, 1)
    ]
    assert sql_of(db, offset.values("user_id")[:3]) == (
        "SELECT queries_hit.user_id AS user_id FROM queries_hit "
        "ORDER BY queries_hit.url ASC, queries_hit.size DESC, 1 ASC "
        "LIMIT 1, 2 BY queries_hit.url LIMIT 3"
    )


def test_limit_by_top_n_per_group_of_an_aggregate(db):
    """The two biggest days of each url: grouped, ordered, LIMIT 2 BY url."""
    queryset = (
        Hit.objects.limit_by(1, "url")
        .values("url", "day")
        .annotate(total=Sum("size"))
        .order_by("url", "-total", "day")
    )
    totals = collections.Counter()
    for row in ROWS:
        totals[row["url"], row["day"]] += row["size"]
    ordered = sorted(totals.items(), key=lambda item: (item[0][0], -item[1], item[0][1]))
    expected = first_by(ordered, lambda item: item[0][0], 1)
    assert [(r["url"], r["day"], r["total"]) for r in queryset] == [
        (url, day, total) for (url, day), total in expected
    ]
    # A name is resolved when the query runs: limit_by() may come first.
    by_annotation = Hit.objects.limit_by(1, "total").values("url", "day")
    by_annotation = by_annotation.annotate(total=Sum("size")).order_by("-total", "url", "day")
    assert "LIMIT 1 BY total" in sql_of(db, by_annotation)
    seen = [r["total"] for r in by_annotation]
    assert seen == sorted(set(totals.values()), reverse=True)


def test_limit_by_an_expression_and_a_related_field(db):
    queryset = (
        Hit.objects.exclude(page=None)
        .order_by("page__name", "user_id")
        .limit_by(1, "page__name", F("day"))
        .values_list("page__name", "day", "user_id")
    )
    ordered = sorted(
        (r for r in ROWS if r["page"] is not None), key=lambda r: (r["page"], r["user_id"])
    )
    expected = first_by(ordered, lambda r: (r["page"], r["day"]), 1)
    assert list(queryset) == [(f"page{r['page']}", r["day"], r["user_id"]) for r in expected]
    assert "LIMIT 1 BY queries_page.name, queries_hit.day" in sql_of(db, queryset)


def test_count_and_aggregate_over_limit_by_take_the_rows_it_keeps(db):
    queryset = Hit.objects.order_by("-size", "user_id").limit_by(3, "day")
    ordered = sorted(ROWS, key=lambda r: (-r["size"], r["user_id"]))
    kept = first_by(ordered, lambda r: r["day"], 3)
    assert queryset.count() == len(kept) == 9
    assert queryset.aggregate(total=Sum("size"))["total"] == sum(r["size"] for r in kept)
    assert queryset.exists()
    assert not Hit.objects.filter(size=-1).limit_by(1, "day").exists()


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        ((-1, "url"), {}, ValueError, "limit must be 0 or more"),
        ((1, "url"), {"offset": -2}, ValueError, "offset must be 0 or more"),
        ((True, "url"), {}, TypeError, "limit must be an int"),
        ((1.5, "url"), {}, TypeError, "limit must be an int"),
        ((1,), {}, TypeError, "at least one field"),
        ((1, 2), {}, TypeError, "field names or expressions"),
    ],
)
def test_limit_by_refuses_misuse(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        Hit.objects.limit_by(*args, **kwargs)


def test_limit_by_of_an_unknown_name_says_so(db):
    with pytest.raises(Exception, match="Cannot resolve keyword 'nope'"):
        list(Hit.objects.limit_by(1, "nope"))


# -- ARRAY JOIN ---------------------------------------------------------------------------


def test_array_join_makes_a_row_of_each_element(db):
    queryset = (
        Hit.objects.array_join(tag="tags")
        .filter(tag__in=["t1", "t3"], size__gte=1)
        .values("tag")
        .annotate(n=Count("id"), users=Count("user_id", distinct=True))
        .order_by("-n", "tag")
    )
    counts = collections.Counter()
    users = collections.defaultdict(set)
    for row in ROWS:
        for tag in row["tags"]:
            if tag in ("t1", "t3") and row["size"] >= 1:
                counts[tag] += 1
                users[tag].add(row["user_id"])
    expected = sorted(
        ({"tag": t, "n": n, "users": len(users[t])} for t, n in counts.items()),
        key=lambda g: (-g["n"], g["tag"]),
    )
    assert list(queryset) == expected
    assert sql_of(db, queryset) == (
        "SELECT tag AS tag, COUNT(queries_hit.id) AS n, uniqExact(queries_hit.user_id) AS users "
        "FROM queries_hit ARRAY JOIN queries_hit.tags AS tag "
        "WHERE ((queries_hit.size >= 1) AND (tag IN ('t1', 't3'))) "
        "GROUP BY 1 ORDER BY 2 DESC, 1 ASC"
    )


def test_array_join_by_field_name_counts_and_model_instances(db):
    flat = [(r["user_id"], tag) for r in ROWS for tag in r["tags"]]
    queryset = Hit.objects.array_join("tags")
    assert queryset.count() == len(flat)
    assert sorted(queryset.values_list("user_id", "tags_element")) == sorted(flat)
    first = Hit.objects.array_join(tag="tags").order_by("user_id", "tag").first()
    row = min((r for r in ROWS if r["tags"]), key=lambda r: r["user_id"])
    assert (first.user_id, first.tag, first.tags) == (
        row["user_id"],
        min(row["tags"]),
        row["tags"],
    )


def test_left_array_join_keeps_empty_arrays(db):
    queryset = Hit.objects.array_join(tag="tags", left=True).order_by("user_id", "tag")
    expected = [
        (r["user_id"], tag)
        for r in sorted(ROWS, key=lambda r: r["user_id"])
        for tag in sorted(r["tags"]) or [""]
    ]
    assert list(queryset.values_list("user_id", "tag")) == expected
    assert "LEFT ARRAY JOIN queries_hit.tags AS tag" in sql_of(db, queryset)


def test_arrays_of_one_call_zip_and_calls_multiply(db):
    zipped = Hit.objects.array_join(tag="tags", score="scores").values_list(
        "user_id", "tag", "score"
    )
    assert sorted(zipped) == sorted(
        (r["user_id"], tag, score)
        for r in ROWS
        for tag, score in zip(r["tags"], r["scores"], strict=True)
    )
    multiplied = Hit.objects.array_join(tag="tags").array_join(score="scores")
    assert multiplied.count() == sum(len(r["tags"]) * len(r["scores"]) for r in ROWS)
    assert "ARRAY JOIN queries_hit.tags AS tag, queries_hit.scores AS score" in sql_of(db, zipped)
    assert "ARRAY JOIN queries_hit.tags AS tag ARRAY JOIN queries_hit.scores AS score" in sql_of(
        db, multiplied
    )


def test_array_join_of_an_expression_and_an_annotation_of_the_element(db):
    queryset = (
        Hit.objects.array_join(n=Func("scores", function="arraySort"))
        .annotate(double=F("n") * 2)
        .filter(double__gte=10)
        .values_list("user_id", "double")
    )
    expected = [(r["user_id"], s * 2) for r in ROWS for s in r["scores"] if s * 2 >= 10]
    assert sorted(queryset) == sorted(expected)


def test_array_join_refuses_misuse(db):
    with pytest.raises(TypeError, match=r"array_join\(\) unrolls arrays; .* is CharField"):
        Hit.objects.array_join(x="url")
    with pytest.raises(TypeError, match="field names, or expressions by keyword"):
        Hit.objects.array_join(F("tags"))
    with pytest.raises(TypeError, match="at least one array"):
        Hit.objects.array_join()
    with pytest.raises(ValueError, match="'tag' is already an annotation"):
        Hit.objects.annotate(tag=F("url")).array_join(tag="tags")
    for name in ("tags", "page_id"):
        with pytest.raises(ValueError, match=f"'{name}' is a field of testapp.Hit"):
            Hit.objects.array_join(**{name: "scores"})


# -- WITH TOTALS, ROLLUP, CUBE ----------------------------------------------------------


def groups_of(rows, *keys):
    groups = collections.defaultdict(list)
    for row in rows:
        groups[tuple(row[key] for key in keys)].append(row)
    return groups


def test_with_totals_gives_the_groups_and_their_totals(db):
    queryset = (
        Hit.objects.filter(size__gte=1)
        .values("url")
        .annotate(n=Count("id"), total=Sum("size"))
        .with_totals()
        .order_by("-total", "url")
    )
    kept = [r for r in ROWS if r["size"] >= 1]
    groups = sorted(
        (
            {"url": url, "n": len(rows), "total": sum(r["size"] for r in rows)}
            for (url,), rows in groups_of(kept, "url").items()
        ),
        key=lambda g: (-g["total"], g["url"]),
    )
    assert list(queryset) == groups
    assert queryset.totals == {"n": len(kept), "total": sum(r["size"] for r in kept)}
    assert sql_of(db, queryset) == (
        "SELECT queries_hit.url AS url, COUNT(queries_hit.id) AS n, "
        "SUM(queries_hit.size) AS total "
        "FROM queries_hit WHERE queries_hit.size >= 1 "
        "GROUP BY GROUPING SETS ((1), ()) "
        "ORDER BY grouping(queries_hit.url) DESC, 3 DESC, 1 ASC"
    )
    page = queryset.all()[1:3]
    assert list(page) == groups[1:3]
    assert page.totals == queryset.totals  # over every group, not the slice
    assert "LIMIT 4" in sql_of(db, page)  # the totals row, and the offset's rows


def test_with_totals_over_having_iterator_count_and_no_rows(db):
    queryset = Hit.objects.values("day").annotate(n=Count("id")).filter(n__gt=100).with_totals()
    assert list(queryset) == []
    assert queryset.totals == {"n": len(ROWS)}  # every row, whatever HAVING keeps
    grouped = Hit.objects.values("day").annotate(n=Count("id")).with_totals().order_by("day")
    assert list(grouped.iterator()) == [{"day": d, "n": 20} for d in DAYS]
    assert grouped.count() == 3
    assert grouped.exists()
    empty = Hit.objects.filter(size=-1).values("day").annotate(n=Count("id"), s=Sum("size"))
    empty = empty.with_totals()
    assert list(empty) == []
    assert empty.totals == {"n": 0, "s": None}
    assert not empty.exists()
    assert empty.count() == 0
    nothing = Hit.objects.filter(pk__in=[]).values("day").annotate(n=Count("id")).with_totals()
    assert list(nothing) == [] and nothing.totals == {"n": 0}


def test_with_totals_of_model_instances(db):
    """Grouped by every column of the model: a group a row, and the totals of all."""
    queryset = Hit.objects.filter(day=DAYS[0]).annotate(total=Sum("size")).with_totals()
    queryset = queryset.order_by("user_id")
    rows = sorted(hits(day=DAYS[0]), key=lambda r: r["user_id"])
    assert [(hit.user_id, hit.total) for hit in queryset] == [
        (r["user_id"], r["size"]) for r in rows
    ]
    assert queryset.totals == {"total": sum(r["size"] for r in rows)}


def test_with_totals_refuses_misuse(db):
    with pytest.raises(TypeError, match="made with with_totals"):
        Hit.objects.values("url").annotate(n=Count("id")).totals  # noqa: B018
    with pytest.raises(NotSupportedError, match="with_totals\\(\\) needs a query that groups"):
        list(Hit.objects.with_totals())
    with pytest.raises(NotSupportedError, match="totals the aggregates of annotate"):
        list(Hit.objects.values("url").annotate(n=Count("id")).values("url").with_totals())
    with pytest.raises(ValueError, match="with_rollup\\(\\) cannot follow with_totals"):
        Hit.objects.with_totals().with_rollup()
    with pytest.raises(NotSupportedError, match=r"with_totals\(\) cannot be used with limit_by"):
        list(Hit.objects.values("url").annotate(n=Count("id")).with_totals().limit_by(1, "url"))
    part = Hit.objects.values("url").annotate(n=Count("id")).with_totals()
    with pytest.raises(NotSupportedError, match="outermost query"):
        list(part.union(Hit.objects.values("url").annotate(n=Count("id"))))


def test_with_rollup_adds_subtotals_with_none_keys(db):
    queryset = (
        Hit.objects.values("url", "day").annotate(n=Count("id"), total=Sum("size")).with_rollup()
    )
    expected = []
    for keys in [("url", "day"), ("url",), ()]:
        for values, rows in groups_of(ROWS, *keys).items():
            group = dict(zip(keys, values, strict=True))
            expected.append(
                {
                    "url": group.get("url"),
                    "day": group.get("day"),
                    "n": len(rows),
                    "total": sum(r["size"] for r in rows),
                }
            )
    key = lambda g: (g["url"] is None, g["url"] or "", g["day"] is None, g["day"] or DAYS[0])  # noqa: E731
    assert sorted(queryset, key=key) == sorted(expected, key=key)
    assert "GROUP BY 1, 2 WITH ROLLUP" in sql_of(db, queryset)
    assert sql_of(db, queryset).endswith("SETTINGS group_by_use_nulls = 1")


def test_with_cube_adds_every_combination(db):
    queryset = Hit.objects.values("url", "day").annotate(n=Count("id")).with_cube()
    expected = collections.Counter()
    for row in ROWS:
        for url, day in itertools.product((row["url"], None), (row["day"], None)):
            expected[url, day] += 1
    assert collections.Counter({(r["url"], r["day"]): r["n"] for r in queryset}) == expected
    assert "GROUP BY 1, 2 WITH CUBE" in sql_of(db, queryset)


# -- EXPLAIN -----------------------------------------------------------------------------------


def test_explain_gives_clickhouse_plans(db):
    queryset = Hit.objects.prewhere(size__gt=5).filter(url="/p1")
    plan = queryset.explain()
    assert "ReadFromMergeTree" in plan and "Prewhere" in plan
    assert "Indexes:" in queryset.explain("plan", indexes=True)
    assert "MergeTreeSelect" in queryset.explain("PIPELINE")
    assert queryset.explain(type="pipeline") == queryset.explain("pipeline")
    syntax = queryset.explain("syntax")
    assert "PREWHERE" in syntax and syntax.startswith("SELECT")
    estimate = queryset.explain("estimate")
    assert "table: queries_hit" in estimate and "rows: " in estimate
    assert "SelectWithUnionQuery" in queryset.explain("ast")
    assert "QUERY id: 0" in queryset.explain("query_tree")
    (document,) = json.loads(queryset.explain(format="json"))
    assert "Plan" in document
    statements = ran(
        db, lambda: Hit.objects.settings(max_threads=1).explain("pipeline", header=True)
    )
    assert statements[-1].startswith("EXPLAIN PIPELINE header = 1 SELECT queries_hit.id, ")
    assert statements[-1].endswith(" FROM queries_hit SETTINGS max_threads = 1")


def test_explain_refuses_misuse(db):
    with pytest.raises(ValueError, match="not a kind of ClickHouse EXPLAIN"):
        Hit.objects.explain("analyze")
    with pytest.raises(ValueError, match="not a format of ClickHouse EXPLAIN"):
        Hit.objects.explain(format="yaml")
    with pytest.raises(ValueError, match="Invalid option name"):
        Hit.objects.explain(**{"indexes=1 SELECT 1; --": True})
    with pytest.raises(ValueError, match="takes True/False or 1/0"):
        Hit.objects.explain(indexes="yes")
    with pytest.raises(ProgrammingError, match='Unknown setting "nope" for EXPLAIN PLAN'):
        Hit.objects.explain(nope=True)


# -- Django's aggregates: filter= as -If, distinct= as uniqExact/-Distinct -------------------


def test_aggregate_filter_and_distinct_are_clickhouse_combinators(db):
    queryset = (
        Hit.objects.values("url")
        .annotate(
            big=Count("id", filter=Q(size__gte=5)),
            users=Count("user_id", distinct=True),
            big_users=Count("user_id", distinct=True, filter=Q(size__gte=5)),
            sizes=Sum("size", distinct=True),
            early=Sum("size", filter=Q(day=DAYS[0])),
            mean=Avg("size", distinct=True, filter=Q(size__gt=0)),
            low=Min("size", filter=Q(page=None)),
            spread=StdDev("size", filter=Q(size__lt=11)),
        )
        .order_by("url")
    )
    expected = []
    for (url,), rows in sorted(groups_of(ROWS, "url").items()):
        big = [r for r in rows if r["size"] >= 5]
        early = [r["size"] for r in rows if r["day"] == DAYS[0]]
        positive = {r["size"] for r in rows if r["size"] > 0}
        no_page = [r["size"] for r in rows if r["page"] is None]
        sizes = [r["size"] for r in rows]
        mean = sum(sizes) / len(sizes)
        expected.append(
            {
                "url": url,
                "big": len(big),
                "users": len({r["user_id"] for r in rows}),
                "big_users": len({r["user_id"] for r in big}),
                "sizes": sum({r["size"] for r in rows}),
                "early": sum(early) if early else None,
                "mean": sum(positive) / len(positive) if positive else None,
                "low": min(no_page) if no_page else None,
                "spread": (sum((s - mean) ** 2 for s in sizes) / len(sizes)) ** 0.5,
            }
        )
    for row in expected:
        row["spread"] = pytest.approx(row["spread"])
    assert list(queryset) == expected
    sql = sql_of(db, queryset)
    for spelling in (
        "countIf(queries_hit.id, queries_hit.size >= 5) AS big",
        "uniqExact(queries_hit.user_id) AS users",
        "uniqExactIf(queries_hit.user_id, queries_hit.size >= 5) AS big_users",
        "sumDistinct(queries_hit.size) AS sizes",
        "sumIf(queries_hit.size, queries_hit.day = toDate('2024-01-01')) AS early",
        "avgDistinctIf(queries_hit.size, queries_hit.size > 0) AS mean",
        "minIf(queries_hit.size, queries_hit.page_id IS NULL) AS low",
        "stddevPopIf(queries_hit.size, queries_hit.size < 11) AS spread",
    ):
        assert spelling in sql


def test_aggregate_filter_over_no_rows_and_filters_of_everything_or_nothing(db):
    none = Hit.objects.filter(size=-1).aggregate(
        n=Count("id", filter=Q(size__gt=1)),
        users=Count("user_id", distinct=True),
        total=Sum("size", filter=Q(size__gt=1)),
        mean=Avg("size", distinct=True),
    )
    assert none == {"n": 0, "users": 0, "total": None, "mean": None}
    every = Hit.objects.aggregate(n=Count("id", filter=Q()), m=Count("id", filter=Q(pk__in=[])))
    assert every == {"n": len(ROWS), "m": 0}
    assert (
        "count(queries_hit.id)"
        in ran(db, lambda: Hit.objects.aggregate(n=Count("id", filter=Q())))[-1]
    )


def test_count_distinct_stays_exact_whatever_the_session_says(db):
    queryset = Hit.objects.settings(count_distinct_implementation="uniqHLL12")
    statement = ran(db, lambda: queryset.aggregate(n=Count("user_id", distinct=True)))[-1]
    assert "uniqExact(queries_hit.user_id)" in statement


# -- IPv6 columns: grouped and sorted by the address, formatted once per row returned --------


def address_sort_key(text):
    return int(ipaddress.IPv6Address(text if ":" in text else f"::ffff:{text}"))


def test_ipv6_top_sources_group_by_the_column(db):
    queryset = Hit.objects.values("source").annotate(n=Count("id")).order_by("-n", "source")[:4]
    counts = collections.Counter(r["source"] for r in ROWS)
    expected = sorted(counts.items(), key=lambda item: (-item[1], address_sort_key(item[0])))[:4]
    assert [(r["source"], r["n"]) for r in queryset] == expected
    sql = sql_of(db, queryset)
    assert "GROUP BY queries_hit.source ORDER BY 2 DESC, queries_hit.source ASC LIMIT 4" in sql
    assert sql.startswith("SELECT if(") and "IPv6NumToString(queries_hit.source)" in sql


def test_ipv6_sorted_by_the_address_with_totals_and_instances(db):
    queryset = (
        Hit.objects.values("source").annotate(n=Count("id")).with_totals().order_by("source")
    )
    counts = collections.Counter(r["source"] for r in ROWS)
    assert [(r["source"], r["n"]) for r in queryset] == sorted(
        counts.items(), key=lambda item: address_sort_key(item[0])
    )
    assert queryset.totals == {"n": len(ROWS)}
    assert "GROUPING SETS ((queries_hit.source), ())" in sql_of(db, queryset)
    instances = Hit.objects.order_by("source", "user_id")
    assert [h.source for h in instances] == sorted(
        (r["source"] for r in ROWS), key=address_sort_key
    )


# -- composition ---------------------------------------------------------------------------


def test_every_clause_in_one_query(db, table):
    manager = table(Version)
    versions(manager)
    manager.filter(key=3).update(labels=["a", "b"])
    queryset = (
        manager.settings(max_threads=2)
        .final()
        .sample(Fraction(1, 1))
        .array_join(label="labels", left=True)
        .prewhere(key__lt=5)
        .filter(value__gt=0)
        .values("name", "label")
        .annotate(n=Count("id"), highest=Max("value"))
        .order_by("name", "-highest", "label")
        .limit_by(1, "name")
    )
    latest = {key: key * 10 + 2 for key in range(5)}
    rows = []
    for key, value in latest.items():
        for label in ["a", "b"] if key == 3 else [""]:
            rows.append({"name": f"n{key % 2}", "label": label, "value": value})
    grouped = groups_of(rows, "name", "label")
    ordered = sorted(
        (
            {"name": name, "label": label, "n": len(rs), "highest": max(r["value"] for r in rs)}
            for (name, label), rs in grouped.items()
        ),
        key=lambda g: (g["name"], -g["highest"], g["label"]),
    )
    expected = first_by(ordered, lambda g: g["name"], 1)
    assert list(queryset) == expected
    assert sql_of(db, queryset) == (
        "SELECT queries_version.name AS name, label AS label, COUNT(queries_version.id) AS n, "
        "MAX(queries_version.value) AS highest FROM queries_version FINAL SAMPLE 1 "
        "LEFT ARRAY JOIN queries_version.labels AS label PREWHERE queries_version.key < 5 "
        "WHERE queries_version.value > 0 GROUP BY 1, 2 ORDER BY 1 ASC, 4 DESC, 2 ASC "
        "LIMIT 1 BY queries_version.name SETTINGS max_threads = 2"
    )


def test_the_order_of_the_calls_does_not_matter(db):
    one = (
        Hit.objects.settings(max_threads=1)
        .prewhere(size__gt=1)
        .sample(0.5)
        .limit_by(1, "url")
        .filter(day=DAYS[0])
        .order_by("url")
    )
    other = (
        Hit.objects.order_by("url")
        .filter(day=DAYS[0])
        .limit_by(1, "url")
        .sample(0.5)
        .prewhere(size__gt=1)
        .settings(max_threads=1)
    )
    assert sql_of(db, one) == sql_of(db, other)
    assert list(one) == list(other)


def test_each_clause_stays_with_its_queryset(db):
    base = Hit.objects.filter(size__gt=1)
    with_prewhere = base.prewhere(url="/p1")
    with_settings = base.settings(max_threads=1)
    with_sample = base.sample(0.5)
    array_joined = base.array_join(tag="tags")
    assert sql_of(db, base) == sql_of(db, Hit.objects.filter(size__gt=1))
    assert "PREWHERE" in sql_of(db, with_prewhere) and "SETTINGS" not in sql_of(db, with_prewhere)
    assert "SETTINGS" in sql_of(db, with_settings) and "PREWHERE" not in sql_of(db, with_settings)
    assert "SAMPLE" in sql_of(db, with_sample) and "SAMPLE" not in sql_of(db, with_prewhere)
    assert "tag" not in base.query.annotations and "tag" in array_joined.query.annotations
    # A query pickles with its clauses (a model of the project's registry: unpickling
    # finds models there).
    from testapp.models import Visit

    visits = Visit.objects.sample(0.5).prewhere(day=DAYS[0]).settings(max_threads=1)
    visits = visits.limit_by(1, "url").with_rollup().values("url").annotate(n=Count("id"))
    restored = pickle.loads(pickle.dumps(visits.query))
    assert sql_of(db, QuerySet(Visit, query=restored)) == sql_of(db, visits)


def test_clauses_in_a_subquery_follow_its_aliases(db):
    inner = (
        Hit.objects.sample(0.5)
        .prewhere(size__gte=3)
        .array_join(tag="tags")
        .filter(tag="t2")
        .values("page")
    )
    queryset = Page.objects.filter(pk__in=inner).order_by("name")
    users = sampled(Fraction(1, 2))
    expected = sorted(
        {
            f"page{r['page']}"
            for r in ROWS
            if r["user_id"] in users
            and r["size"] >= 3
            and "t2" in r["tags"]
            and r["page"] is not None
        }
    )
    assert list(queryset.values_list("name", flat=True)) == expected
    sql = sql_of(db, queryset)
    assert (
        "FROM queries_hit AS U0 SAMPLE 5 / 10 ARRAY JOIN U0.tags AS tag PREWHERE (U0.size >= 3) "
        "WHERE tag = 't2'"
    ) in sql


def test_methods_after_slicing_or_union_are_refused(db):
    with pytest.raises(TypeError, match="Cannot call prewhere\\(\\) once a slice"):
        Hit.objects.all()[:3].prewhere(size=1)
    with pytest.raises(TypeError, match="Cannot call limit_by\\(\\) once a slice"):
        Hit.objects.all()[:3].limit_by(1, "url")
    union = Hit.objects.filter(size=1).union(Hit.objects.filter(size=2))
    with pytest.raises(NotSupportedError, match=r"Calling QuerySet.final\(\) after union"):
        union.final()
    settings = union.settings(max_threads=1).values_list("user_id", flat=True)
    assert sorted(settings) == sorted(r["user_id"] for r in ROWS if r["size"] in (1, 2))
    assert sql_of(db, settings).endswith("SETTINGS max_threads = 1")
    assert "Union" in union.explain()

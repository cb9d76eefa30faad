"""Subqueries on the table the query around them reads: ClickHouse takes a column written
by that table's name inside the subquery for the subquery's own, so the outer query is
written under aliases of its own (an UPDATE/DELETE picks its rows by key instead), and
each shape gives the rows the default database (SQLite or PostgreSQL) gives for the
same query on the same rows. What ClickHouse cannot answer right is refused."""

from __future__ import annotations

import re
import sys

import pytest
from django.apps import AppConfig
from django.apps.registry import Apps
from django.db import DatabaseError, NotSupportedError, connections, models
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery, Sum
from django.test.utils import CaptureQueriesContext

from clickhouse_backend.models import ClickhouseManager

pytestmark = pytest.mark.django_db(databases=["default", "clickhouse"], transaction=True)


class SubqueryTestsConfig(AppConfig):
    name = label = "subquery_tests"
    path = "/"


# An installed app of its own, so that reverse relations (children, node_set) resolve.
APPS = Apps([SubqueryTestsConfig("subquery_tests", sys.modules[__name__])])


class Label(models.Model):
    name = models.CharField(max_length=20)

    class Meta:
        app_label = "subquery_tests"
        apps = APPS


class Node(models.Model):
    name = models.CharField(max_length=20)
    n = models.IntegerField()
    parent = models.ForeignKey(
        "self", models.DO_NOTHING, null=True, related_name="children", db_constraint=False
    )
    labels = models.ManyToManyField(Label)
    friends = models.ManyToManyField("self", symmetrical=False)

    objects = ClickhouseManager()

    class Meta:
        app_label = "subquery_tests"
        apps = APPS


class Leaf(models.Model):
    """Nothing refers to it, so delete() runs as one statement."""

    n = models.IntegerField()
    node = models.ForeignKey(Node, models.DO_NOTHING, null=True, db_constraint=False)

    class Meta:
        app_label = "subquery_tests"
        apps = APPS


MODELS = (Label, Node, Leaf)  # Node brings its many-to-many tables
DATABASES = ("default", "clickhouse")

#            id: (name, n, parent)
NODES = {
    1: ("a", 10, None),
    2: ("b", 20, 1),
    3: ("c", 5, 1),
    4: ("d", 30, 2),
    5: ("e", 30, 4),
    6: ("f", 7, None),
}
LABELS = {1: "x", 2: "y"}
NODE_LABELS = [(1, 1), (2, 1), (2, 2), (5, 2)]
FRIENDS = [(1, 2), (2, 4), (6, 1)]
LEAVES = {1: (3, 1), 2: (40, 2), 3: (8, 6), 4: (9, 1)}


@pytest.fixture
def db(django_db_blocker):
    """The same rows on the default database and on ClickHouse: ``db(alias)`` gives a
    model's manager there."""
    for alias in DATABASES:
        with connections[alias].schema_editor() as editor:
            for model in MODELS:
                editor.create_model(model)
        Label.objects.using(alias).bulk_create(Label(id=i, name=s) for i, s in LABELS.items())
        Node.objects.using(alias).bulk_create(
            Node(id=i, name=name, n=n, parent_id=parent) for i, (name, n, parent) in NODES.items()
        )
        Node.labels.through.objects.using(alias).bulk_create(
            Node.labels.through(node_id=node, label_id=label) for node, label in NODE_LABELS
        )
        Node.friends.through.objects.using(alias).bulk_create(
            Node.friends.through(from_node_id=a, to_node_id=b) for a, b in FRIENDS
        )
        Leaf.objects.using(alias).bulk_create(
            Leaf(id=i, n=n, node_id=node) for i, (n, node) in LEAVES.items()
        )
    yield
    for alias in DATABASES:
        with connections[alias].schema_editor() as editor:
            for model in reversed(MODELS):
                editor.delete_model(model)


def on_both(make_query):
    """``make_query(nodes)``'s rows on the default database and on ClickHouse, each
    sorted (ClickHouse keeps no insertion order)."""
    results = []
    for alias in DATABASES:
        result = make_query(Node.objects.using(alias))
        if isinstance(result, models.QuerySet):
            result = sorted(result, key=repr)
        results.append(result)
    return results


def names(queryset):
    return queryset.values_list("name", flat=True)


def same_on_both(make_query):
    expected, got = on_both(make_query)
    assert got == expected
    return got


# -- Shapes that were refused and now run ----------------------------------------------


@pytest.mark.parametrize(
    "make_query",
    [
        # exclude() across a reverse foreign key to the same table: NOT EXISTS, correlated.
        lambda nodes: names(nodes.exclude(children__n__gt=15)),
        # ... across a many-to-many to the same table, and to another one.
        lambda nodes: names(nodes.exclude(friends__name="b")),
        lambda nodes: names(nodes.exclude(labels__name="x")),
        lambda nodes: names(nodes.exclude(children__labels__name="y")),
        # Exists() and ~Exists() correlated on the primary key and on another column.
        lambda nodes: names(nodes.filter(Exists(nodes.filter(parent=OuterRef("pk"))))),
        lambda nodes: names(nodes.filter(~Exists(nodes.filter(parent=OuterRef("pk"))))),
        lambda nodes: names(
            nodes.filter(Exists(nodes.filter(parent=OuterRef("pk"), n__gt=OuterRef("n"))))
        ),
        lambda nodes: names(
            nodes.filter(Exists(nodes.exclude(pk=OuterRef("pk")).filter(n=OuterRef("n"))))
        ),
        # Exists() in the select list and in a condition of its own.
        lambda nodes: nodes.annotate(has=Exists(nodes.filter(parent=OuterRef("pk")))).values_list(
            "name", "has"
        ),
        lambda nodes: names(
            nodes.filter(Q(Exists(nodes.filter(parent=OuterRef("pk")))) | Q(n__lt=6))
        ),
        # A correlated aggregate per group (NULL where there is no child).
        lambda nodes: nodes.annotate(
            top=Subquery(
                nodes.filter(parent=OuterRef("pk"))
                .values("parent")
                .annotate(top=Max("n"))
                .values("top")
            )
        ).values_list("name", "top"),
        # The outer row's parent, reached through a join of the same table.
        lambda nodes: names(
            nodes.filter(
                Exists(nodes.filter(parent=OuterRef("parent"), n__gt=OuterRef("parent__n")))
            )
        ),
        # Two levels: nodes with a grandchild.
        lambda nodes: names(
            nodes.filter(
                Exists(nodes.filter(parent=OuterRef("pk"), pk__in=nodes.values("parent")))
            )
        ),
        lambda nodes: names(
            nodes.filter(
                Exists(
                    nodes.filter(
                        parent=OuterRef("pk"),
                        n__gte=OuterRef("n"),
                    ).filter(Exists(nodes.filter(parent=OuterRef("pk"))))
                )
            )
        ),
        # Uncorrelated subqueries on the same table.
        lambda nodes: names(nodes.filter(pk__in=nodes.filter(n__gt=10).values("pk"))),
        lambda nodes: names(nodes.filter(n__in=Subquery(nodes.filter(parent=1).values("n")))),
        lambda nodes: names(nodes.exclude(pk__in=nodes.filter(parent__gt=1).values("parent"))),
        # A related model's subquery that reads this table again.
        lambda nodes: names(
            nodes.filter(Exists(Leaf.objects.using(nodes.db).filter(node__parent=OuterRef("pk"))))
        ),
    ],
)
def test_subquery_on_the_same_table_gives_djangos_rows(db, make_query):
    same_on_both(make_query)


def test_ordered_sliced_and_related_reads_of_an_aliased_query(db):
    """The outer query under aliases of its own still orders, slices, follows
    select_related() and builds model objects."""
    with_children = Exists(Node.objects.filter(parent=OuterRef("pk")))

    def read(nodes):
        found = nodes.filter(with_children).select_related("parent").order_by("-n", "name")
        return [(node.name, node.parent and node.parent.name) for node in found[:2]]

    assert same_on_both(read) == [("d", "b"), ("b", "a")]


def test_counts_and_aggregates_over_an_aliased_query(db):
    """count(), exists() and aggregate() (over the query as a subquery when it is
    grouped) on a query whose subquery reads its table."""
    larger_child = Exists(Node.objects.filter(parent=OuterRef("pk"), n__gt=OuterRef("n")))
    assert same_on_both(lambda nodes: nodes.filter(larger_child).count()) == 2
    assert same_on_both(lambda nodes: nodes.filter(larger_child).exists())
    assert same_on_both(
        lambda nodes: (
            nodes.annotate(leaves=Count("leaf"))
            .filter(larger_child)
            .aggregate(total=Sum("leaves"), top=Max("n"))
        )
    ) == {"total": 3, "top": 20}


def test_grouping_by_a_subquery_over_a_multivalued_relation_is_not_by_its_columns(db):
    """A subquery referring to a many-valued relation of the outer row (its labels) is
    a key of the GROUP BY itself (Django groups by it, not by the columns it refers
    to, which would count one group per label). ClickHouse cannot group by a
    correlated subquery: it says so, rather than counting other groups."""

    def grouped(nodes):
        same_label = nodes.filter(pk=OuterRef("pk"), labels__name=OuterRef("labels__name"))
        return nodes.annotate(twin=Subquery(same_label.values("pk"))).annotate(
            leaves=Count("leaf")
        )

    assert grouped(Node.objects.using("default")).count() == len(NODES)
    with pytest.raises(DatabaseError, match="correlated scalar subquery"):
        grouped(Node.objects.using("clickhouse")).count()


def test_with_totals_of_an_aliased_query(db):
    """with_totals() keeps its totals on the queryset the rows were read from, also
    when the statement was written under other aliases."""
    queryset = (
        Node.objects.using("clickhouse")
        .filter(Exists(Node.objects.filter(parent=OuterRef("pk"))))
        .values("parent")
        .annotate(total=Sum("n"))
        .order_by("parent")
        .with_totals()
    )
    rows = list(queryset)
    with_children = {parent for *_, parent in NODES.values() if parent is not None}
    expected: dict = {}
    for pk in with_children:
        _, n, parent = NODES[pk]
        expected[parent] = expected.get(parent, 0) + n
    assert sorted(rows, key=repr) == sorted(
        ({"parent": parent, "total": total} for parent, total in expected.items()), key=repr
    )
    assert queryset.totals == {"total": sum(expected.values())}


def test_the_statement_names_the_outer_table_by_an_alias(db):
    """What ClickHouse runs: the correlated column is the outer query's alias, not the
    table's name, which ClickHouse would read as the subquery's table."""
    nodes = Node.objects.using("clickhouse")
    with CaptureQueriesContext(connections["clickhouse"]) as captured:
        list(nodes.filter(Exists(nodes.filter(parent=OuterRef("pk")))))
    (sql,) = [query["sql"] for query in captured.captured_queries]
    table = Node._meta.db_table
    assert f'"{table}"."' not in sql  # every column qualified by an alias
    # The outer table has an alias of its own (Django 6.1 quotes aliases, 5.2 does not).
    assert re.search(rf'FROM "{table}" "?V0"? WHERE EXISTS', sql), sql


def test_queries_without_such_a_subquery_keep_the_table_name(db):
    """Queries that need no alias are written as Django writes them."""
    nodes = Node.objects.using("clickhouse")
    table = Node._meta.db_table
    with CaptureQueriesContext(connections["clickhouse"]) as captured:
        list(nodes.filter(n__gt=1))
        list(nodes.filter(pk__in=nodes.values("pk")))  # no reference to the outer row
    for query in captured.captured_queries:
        assert f'FROM "{table}" WHERE' in query["sql"]


# -- update() and delete() ----------------------------------------------------------------


def rows_of(alias):
    return sorted(Node.objects.using(alias).values_list("name", "n"))


@pytest.mark.parametrize(
    "condition",
    [
        Exists(Node.objects.filter(parent=OuterRef("pk"))),
        ~Exists(Node.objects.filter(parent=OuterRef("pk"), n__gt=OuterRef("n"))),
        Q(children__n__gt=15),  # over a join: Django's own pk IN (...)
        ~Q(children__n__gt=15),
    ],
)
def test_update_of_rows_picked_by_a_subquery_on_the_same_table(db, condition):
    counts = on_both(lambda nodes: nodes.filter(condition).update(n=F("n") + 100))
    assert counts[0] == counts[1] > 0
    assert rows_of("clickhouse") == rows_of("default")


def test_delete_of_rows_picked_by_a_subquery_on_the_same_table(db):
    leaves = {alias: Leaf.objects.using(alias) for alias in DATABASES}
    for queryset in leaves.values():
        larger = queryset.filter(node=OuterRef("node"), n__gt=OuterRef("n"))
        queryset.filter(~Exists(larger), n__lt=10).delete()
    remaining = {alias: sorted(qs.values_list("n", flat=True)) for alias, qs in leaves.items()}
    assert remaining["clickhouse"] == remaining["default"] == [3, 40]


def test_update_value_from_an_uncorrelated_subquery_on_the_same_table(db):
    top = Subquery(Node.objects.filter(parent=None).order_by("-n").values("n")[:1])
    counts = on_both(lambda nodes: nodes.filter(parent=1).update(n=top))
    assert counts == [2, 2]
    assert rows_of("clickhouse") == rows_of("default")


# -- Refused: what ClickHouse would answer wrongly -----------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        # On the same table ClickHouse reads it as correlated with itself (all children
        # of no one: 0 everywhere); on another it refuses correlated mutations.
        Subquery(
            Node.objects.filter(parent=OuterRef("pk"))
            .values("parent")
            .annotate(m=Max("n"))
            .values("m")
        ),
        Subquery(
            Leaf.objects.filter(node=OuterRef("pk"))
            .values("node")
            .annotate(m=Max("n"))
            .values("m")
        ),
    ],
)
def test_update_to_a_subquery_correlated_with_the_updated_rows_is_refused(db, value):
    nodes = Node.objects.using("clickhouse")
    before = rows_of("clickhouse")
    with pytest.raises(NotSupportedError, match="bulk_update"):
        nodes.update(n=value)
    assert rows_of("clickhouse") == before

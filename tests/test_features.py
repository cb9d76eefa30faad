"""DatabaseFeatures: what a flag promises works through the ORM, what it refuses is refused
with a clear error."""

import pytest
from django.apps.registry import Apps
from django.core.checks import Error
from django.db import DatabaseError, DataError, NotSupportedError, connections, models
from django.db.models import Count, F, Q, Sum, Value, Window
from django.db.models.functions import Greatest, JSONObject, Least
from testapp.models import Author

TEST_APPS = Apps()


class Score(models.Model):
    player = models.CharField(max_length=10)
    points = models.IntegerField()
    bonus = models.IntegerField(null=True)
    notes = models.JSONField(default=dict)

    class Meta:
        app_label = "features_tests"
        apps = TEST_APPS


class Label(models.Model):
    name = models.CharField()

    class Meta:
        app_label = "features_tests"
        apps = TEST_APPS


class Badge(models.Model):
    title = models.CharField(max_length=10)
    scores = models.ManyToManyField(Score)

    class Meta:
        app_label = "features_tests"
        apps = TEST_APPS


@pytest.fixture
def scores(django_db_blocker):
    """Score and friends on the suite's ClickHouse, with five rows; dropped after."""
    models_ = (Score, Label, Badge)  # Badge brings its many-to-many table
    with django_db_blocker.unblock():
        connection = connections["clickhouse"]
        with connection.schema_editor() as editor:
            for model in models_:
                editor.create_model(model)
        Score.objects.using("clickhouse").bulk_create(
            Score(player=player, points=points, bonus=bonus)
            for player, points, bonus in [
                ("ann", 1, None),
                ("ann", 2, 10),
                ("bob", 3, None),
                ("bob", 4, 20),
                ("cid", 5, 30),
            ]
        )
        yield Score.objects.using("clickhouse")
        with connection.schema_editor() as editor:
            for model in models_:
                editor.delete_model(model)
        connection.close()


def test_aggregate_filter_clause(scores):
    """supports_aggregate_filter_clause: filter= on aggregates, grouped or not, and a
    filter that keeps no row gives NULL for sum and 0 for count, as Django documents."""
    totals = scores.aggregate(
        ann=Sum("points", filter=Q(player="ann")),
        nobody=Sum("points", filter=Q(player="zed")),
        big=Count("id", filter=Q(points__gte=4)),
        none=Count("id", filter=Q(points__gt=99)),
    )
    assert totals == {"ann": 3, "nobody": None, "big": 2, "none": 0}
    per_player = scores.values("player").annotate(
        with_bonus=Count("id", filter=Q(bonus__isnull=False))
    )
    assert {row["player"]: row["with_bonus"] for row in per_player} == {
        "ann": 1,
        "bob": 1,
        "cid": 1,
    }


def test_union_of_sliced_ordered_parts(scores):
    """supports_slicing_ordering_in_compound: each part keeps its own ORDER BY/LIMIT."""
    top = scores.order_by("-points").values_list("points", flat=True)[:2]
    bottom = scores.order_by("points").values_list("points", flat=True)[:1]
    assert sorted(top.union(bottom)) == [1, 4, 5]


def test_ordering_a_union_orders_all_of_it(scores):
    """requires_compound_order_by_subquery: ClickHouse would apply an ORDER BY written
    after the last part of a UNION to that part only."""
    low = scores.filter(points__lte=2).values_list("points", flat=True)
    high = scores.filter(points__gte=4).values_list("points", flat=True)
    assert list(high.union(low).order_by("-points")) == [5, 4, 2, 1]
    assert list(low.union(high).order_by("points")[1:3]) == [2, 4]


def test_union_intersection_difference_drop_duplicates(scores):
    players = scores.values_list("player", flat=True)
    assert sorted(players.union(players)) == ["ann", "bob", "cid"]
    assert sorted(players.union(players, all=True)) == sorted(list(players) * 2)
    assert sorted(players.intersection(players.filter(points__gte=3))) == ["bob", "cid"]
    assert sorted(players.difference(players.filter(points__gte=3))) == ["ann"]


def test_window_range_frame_with_fixed_distance(scores):
    """supports_frame_range_fixed_distance: RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING."""
    rows = scores.annotate(
        near=Window(Sum("points"), order_by=F("points").asc(), frame=models.ValueRange(-1, 1))
    ).order_by("points")
    assert [row.near for row in rows] == [3, 6, 9, 12, 9]


def test_window_frame_exclusion_is_refused(scores):
    """supports_frame_exclusion is False: ClickHouse has no EXCLUDE in a frame."""
    frame = models.RowRange(-1, 1, exclusion=models.WindowFrameExclusion.CURRENT_ROW)
    with pytest.raises(NotSupportedError, match="exclusion"):
        list(scores.annotate(near=Window(Sum("points"), order_by="points", frame=frame)))


def test_bulk_create_ignore_conflicts_is_refused(scores):
    """supports_ignore_conflicts is False: nothing conflicts in ClickHouse, so ignoring
    conflicts would silently insert the duplicates."""
    with pytest.raises(NotSupportedError, match="ignoring conflicts"):
        scores.bulk_create([Score(player="dan", points=6)], ignore_conflicts=True)
    assert scores.count() == 5


def test_adding_a_related_object_twice_stores_one_link(scores):
    """With supports_ignore_conflicts False, a many-to-many add() looks up the links
    that exist instead of inserting a duplicate row for them."""
    badge = Badge.objects.using("clickhouse").create(title="gold")
    ann, bob = scores.filter(player="ann")[:2]
    badge.scores.add(ann)
    badge.scores.add(ann, bob)
    assert Badge.scores.through.objects.using("clickhouse").count() == 2


def test_greatest_and_least_with_null_follow_the_flag(scores):
    """greatest_least_ignores_nulls is True from ClickHouse 24.12 on: a NULL argument is
    skipped rather than making the result NULL."""
    row = scores.annotate(high=Greatest("points", "bonus"), low=Least("points", "bonus")).get(
        points=1
    )
    if connections["clickhouse"].features.greatest_least_ignores_nulls:
        assert (row.high, row.low) == (1, 1)
    else:
        assert (row.high, row.low) == (None, None)


def test_regex_backreference_is_refused(scores):
    """supports_regex_backreferencing is False: re2 refuses \\1, naming itself."""
    with pytest.raises(DatabaseError, match="re2"):
        list(scores.filter(player__regex=r"(b)o\1"))


def test_json_object_and_contains_work(scores):
    """JSONObject builds an object; supports_json_field_contains is True (but not
    contained_by)."""
    scores.create(player="e", points=3)
    built = scores.filter(player="e").annotate(doc=JSONObject(name=Value("x"), points="points"))
    assert [row.doc for row in built] == [{"name": "x", "points": 3}]
    scores.filter(player="e").delete()
    scores.create(player="c", points=1, notes={"a": 1, "b": [1, 2]})
    scores.create(player="d", points=1, notes={"a": 2})
    assert list(scores.filter(notes__contains={"b": [2]}).values_list("player", flat=True)) == [
        "c"
    ]
    with pytest.raises(NotSupportedError, match="contained_by"):
        list(scores.filter(notes__contained_by={"a": 1}))


def test_json_field_holds_objects_only(scores):
    """supports_primitives_in_json_field is False: ClickHouse's JSON type takes objects."""
    scores.create(player="obj", points=7, notes={"level": 2})
    assert scores.get(player="obj").notes == {"level": 2}
    with pytest.raises(DataError, match=r"features_tests.Score.notes: 1 is not a JSON object"):
        scores.create(player="num", points=8, notes=1)
    assert scores.filter(player="num").count() == 0


def test_char_field_without_max_length(scores):
    """supports_unlimited_charfield: CharField() is a String of any length."""
    Label.objects.using("clickhouse").create(name="x" * 10_000)
    assert len(Label.objects.using("clickhouse").get().name) == 10_000
    assert Label._meta.get_field("name").check(databases=["clickhouse"]) == []


def test_collation_on_char_field_is_refused_by_the_check_framework():
    """supports_collation_on_charfield is False: ClickHouse columns have no collation."""
    field = models.CharField(max_length=10, db_collation="de")
    field.set_attributes_from_name("name")
    field.model = Author  # a model the router sends to ClickHouse
    errors = field.check(databases=["clickhouse"])
    assert [(type(error), error.id) for error in errors] == [(Error, "fields.E190")]

"""Generated ids (64-bit, about 2.5e17) in the columns that hold them: contenttypes'
object_id, whatever integer field it is, and keys to an AutoField, also through a
multi-table child's parent link."""

import contextlib

import pytest
from django.apps.registry import Apps
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models
from field_helpers import table_for

TEST_APPS = Apps()


@contextlib.contextmanager
def tables_for(*models_):
    """The models' tables on ClickHouse for the body, dropped after."""
    with contextlib.ExitStack() as stack:
        for model in models_:
            stack.enter_context(table_for(model))
        yield


class Entry(models.Model):
    text = models.CharField(max_length=20)

    class Meta:
        app_label = "generic_ids"
        apps = TEST_APPS


def tag_model(name, object_id):
    """A model tagging any object, as contenttypes' documentation writes it."""
    attrs = {
        "__module__": __name__,
        "content_type": models.ForeignKey(ContentType, models.CASCADE, db_constraint=False),
        "object_id": object_id,
        "content_object": GenericForeignKey("content_type", "object_id"),
        "Meta": type("Meta", (), {"app_label": "generic_ids", "apps": TEST_APPS}),
    }
    return type(name, (models.Model,), attrs)


NarrowTag = tag_model("NarrowTag", models.PositiveIntegerField())
NullableNarrowTag = tag_model("NullableNarrowTag", models.IntegerField(null=True))
WideTag = tag_model("WideTag", models.PositiveBigIntegerField())
TextTag = tag_model("TextTag", models.TextField())


def column_types(model) -> dict[str, str]:
    with connections["clickhouse"].cursor() as cursor:
        cursor.execute(
            "SELECT name, type FROM system.columns WHERE database = currentDatabase() "
            "AND table = %s",
            [model._meta.db_table],
        )
        return dict(cursor.fetchall())


@pytest.fixture
def tables(django_db_blocker):
    with (
        django_db_blocker.unblock(),
        tables_for(Entry, NarrowTag, NullableNarrowTag, WideTag, TextTag),
    ):
        yield


@pytest.mark.parametrize(
    "model, column",
    [
        (NarrowTag, "UInt64"),
        (NullableNarrowTag, "Nullable(Int64)"),
        (WideTag, "UInt64"),
        (TextTag, "String"),
    ],
)
def test_an_object_id_holds_a_generated_id(tables, model, column):
    """contenttypes' usual PositiveIntegerField object_id gets a 64-bit column."""
    assert column_types(model)["object_id"] == column
    entry = Entry.objects.using("clickhouse").create(text="x")
    assert entry.pk > 2**32  # the premise: a generated id does not fit 32 bits
    tag = model.objects.using("clickhouse").create(content_type_id=1, object_id=entry.pk)
    tagged = model.objects.using("clickhouse").filter(object_id=entry.pk)
    object_id = model._meta.get_field("object_id").to_python(entry.pk)  # "..." for TextTag
    assert list(tagged.values_list("pk", "object_id")) == [(tag.pk, object_id)]
    assert tagged.filter(object_id__gte=entry.pk, object_id__lt=entry.pk + 1).count() == 1


class Place(models.Model):
    id = models.AutoField(primary_key=True)  # a key to it is an IntegerField to Django
    name = models.CharField(max_length=20)

    class Meta:
        app_label = "generic_ids"
        apps = TEST_APPS


class Restaurant(Place):  # multi-table: its pk is the parent link to Place's id
    class Meta:
        app_label = "generic_ids"
        apps = TEST_APPS


class Review(models.Model):
    restaurant = models.ForeignKey(Restaurant, models.CASCADE, db_constraint=False)
    also = models.OneToOneField(
        Restaurant, models.CASCADE, db_constraint=False, null=True, related_name="+"
    )

    class Meta:
        app_label = "generic_ids"
        apps = TEST_APPS


@pytest.fixture
def restaurants(django_db_blocker):
    with django_db_blocker.unblock(), tables_for(Place, Restaurant, Review):
        yield


def test_a_key_to_a_multi_table_child_holds_a_generated_id(restaurants):
    """The key ends at the parent's 64-bit id through the child's parent link."""
    restaurant = Restaurant.objects.using("clickhouse").create(name="x")
    assert restaurant.pk > 2**32
    Review.objects.using("clickhouse").create(restaurant=restaurant, also=restaurant)
    review = Review.objects.using("clickhouse").select_related("restaurant").get()
    assert (review.restaurant.name, review.also_id) == ("x", restaurant.pk)
    with connections["clickhouse"].cursor() as cursor:
        cursor.execute(
            "SELECT name, type FROM system.columns WHERE table = %s AND name LIKE %s",
            [Review._meta.db_table, "%_id"],
        )
        assert dict(cursor.fetchall()) == {"restaurant_id": "Int64", "also_id": "Nullable(Int64)"}


class Comment(models.Model):
    content_type = models.ForeignKey(ContentType, models.CASCADE, db_constraint=False)
    object_pk = models.CharField(max_length=40)  # text, like the admin's LogEntry
    content_object = GenericForeignKey("content_type", "object_pk")
    text = models.CharField(max_length=20)

    class Meta:
        app_label = "generic_ids"
        apps = TEST_APPS


class Post(models.Model):
    title = models.CharField(max_length=20)
    comments = GenericRelation(Comment, object_id_field="object_pk")

    class Meta:
        app_label = "generic_ids"
        apps = TEST_APPS


@pytest.fixture
def posts(django_db_blocker):
    with django_db_blocker.unblock(), tables_for(Post, Comment):
        yield


@pytest.mark.django_db(databases=["default", "clickhouse"], transaction=True)
def test_a_relation_through_a_text_object_id_joins_the_ids(posts):
    """ClickHouse joins keys of one type only: the text side is cast to the id's."""
    db = "clickhouse"
    kind = ContentType.objects.get_for_model(Post).pk
    first, second = (Post.objects.using(db).create(title=title) for title in ("a", "b"))
    for post, text in ((first, "x"), (second, "y")):
        Comment.objects.using(db).create(content_type_id=kind, object_pk=str(post.pk), text=text)
    assert list(Post.objects.using(db).filter(comments__text="y")) == [second]
    assert Post.objects.using(db).filter(comments__text__in=["x", "y"]).count() == 2

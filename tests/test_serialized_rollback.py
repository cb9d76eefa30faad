"""serialized_rollback when the tables still hold the rows: the first test of a run
(or a test run alone) reloads the serialized rows over the rows migrations made, and
must not store them twice."""

import pytest
from django.db import connections
from testapp.models import Article, Author, Tag

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)


def rows() -> dict:
    return {
        "authors": sorted(Author.objects.values_list("pk", "name")),
        "articles": sorted(Article.objects.values_list("pk", "title", "author_id")),
        "links": sorted(Article.tags.through.objects.values_list("article_id", "tag_id")),
        "tags": sorted(Tag.objects.values_list("pk", "label")),
    }


def make_rows() -> None:
    ann = Author.objects.create(name="ann")
    Author.objects.create(name="bob")
    article = Article.objects.create(title="first", author=ann)
    article.tags.add(Tag.objects.create(label="x"), Tag.objects.create(label="y"))


def test_reloading_over_the_same_rows_stores_each_once():
    connection = connections["clickhouse"]
    make_rows()
    before = rows()
    data = connection.creation.serialize_db_to_string()

    connection.creation.deserialize_db_from_string(data)  # nothing flushed first
    assert rows() == before


def test_a_reloaded_row_has_its_serialized_values_again():
    """As Django's saves would, a serialized row replaces the row of its primary key;
    rows the serialized data does not name are left alone."""
    connection = connections["clickhouse"]
    make_rows()
    before = rows()
    data = connection.creation.serialize_db_to_string()
    Author.objects.filter(name="ann").update(name="changed")
    Author.objects.filter(name="bob").delete()
    extra = Author.objects.create(name="extra")

    connection.creation.deserialize_db_from_string(data)
    after = rows()
    assert after["authors"] == sorted([*before["authors"], (extra.pk, "extra")])
    assert {key: after[key] for key in ("articles", "links", "tags")} == {
        key: before[key] for key in ("articles", "links", "tags")
    }

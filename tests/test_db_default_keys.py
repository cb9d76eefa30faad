"""A primary key left to its db_default: ClickHouse returns nothing from an INSERT, so the
values are computed first (the expression once for each row) and given to the objects,
which can then be read back, saved again and referred to, as on a database with
RETURNING."""

from __future__ import annotations

import uuid

import pytest
from django.apps.registry import Apps
from django.db import connections, models
from django.db.models import Func

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)

APPS = Apps()


class Language(models.Model):
    code = models.CharField(primary_key=True, max_length=2, db_default="en")
    name = models.CharField(max_length=20, default="")

    class Meta:
        app_label = "db_default_key_tests"
        apps = APPS


class Token(models.Model):
    key = models.UUIDField(primary_key=True, db_default=Func(function="generateUUIDv4"))
    label = models.CharField(max_length=20)

    class Meta:
        app_label = "db_default_key_tests"
        apps = APPS


@pytest.fixture
def tables(django_db_blocker):
    connection = connections["clickhouse"]
    with connection.schema_editor() as editor:
        editor.create_model(Language)
        editor.create_model(Token)
    yield
    with connection.schema_editor() as editor:
        editor.delete_model(Language)
        editor.delete_model(Token)


def test_create_gives_the_object_its_default_key(tables):
    languages = Language.objects.using("clickhouse")
    english = languages.create(name="English")
    assert english.pk == "en"
    german = languages.create(code="de", name="German")
    assert german.pk == "de"
    english.name = "British English"
    english.save()
    assert sorted(languages.values_list("code", "name")) == [
        ("de", "German"),
        ("en", "British English"),
    ]


def test_each_row_gets_its_own_value_of_an_expression(tables):
    """generateUUIDv4() is evaluated for each object, and the object holds the value
    its row was stored with."""
    tokens = Token.objects.using("clickhouse")
    given = uuid.UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
    created = tokens.bulk_create([Token(label="a"), Token(key=given, label="b"), Token(label="c")])
    keys = [token.key for token in created]
    assert all(isinstance(key, uuid.UUID) for key in keys)
    assert keys[1] == given and len(set(keys)) == 3
    assert dict(tokens.values_list("key", "label")) == {
        token.key: token.label for token in created
    }
    one = tokens.create(label="d")
    one.refresh_from_db()
    assert one.label == "d" and isinstance(one.key, uuid.UUID)

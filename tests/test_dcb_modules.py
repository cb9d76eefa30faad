"""Modules that projects written for django-clickhouse-backend import, under its paths:
``clickhouse_backend.compat``, ``clickhouse_backend.utils.timezone``,
``clickhouse_backend.validators``, ``models.fields.map.KeyTransform`` and
``models.indexes.IndexExpression``."""

import datetime

import django
import pytest
from django.apps.registry import Apps
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.indexes import IndexExpression as DjangoIndexExpression
from django.utils import timezone
from field_helpers import raw, table_for

import clickhouse_backend.models as ch
from clickhouse_backend import compat
from clickhouse_backend.models.fields.map import KeyTransform
from clickhouse_backend.models.indexes import IndexExpression
from clickhouse_backend.utils.timezone import get_timezone
from clickhouse_backend.validators import MaxBytesValidator

APPS = Apps()


class Commented(models.Model):
    code = ch.FixedStringField(max_bytes=4, db_comment="ISO code")
    plain = ch.StringField(db_default="")
    hour = ch.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "testapp"  # routed to ClickHouse
        apps = APPS
        db_table_comment = "Commented things"


def test_compat_flags_follow_the_django_version():
    version = django.VERSION[:2]
    assert (compat.dj3, compat.dj4, compat.dj_ge4, compat.dj_ge42, compat.dj_ge52) == (
        False,
        False,
        True,
        True,
        True,
    )
    assert compat.dj_ge5 and compat.dj_ge51
    assert compat.dj_ge6 == (version >= (6, 0))


def test_compat_helpers_read_comments_and_database_defaults():
    code, plain, hour = (Commented._meta.get_field(name) for name in ("code", "plain", "hour"))
    assert compat.db_table_comment(Commented) == "Commented things"
    assert (compat.field_db_comment(code), compat.field_db_comment(plain)) == ("ISO code", "")
    assert (compat.field_has_db_default(plain), compat.field_has_db_default(hour)) == (
        True,
        False,
    )


@pytest.mark.django_db(databases=["clickhouse"], transaction=True)
def test_get_timezone_names_the_zone_a_date_function_needs(settings, django_db_blocker):
    """toDate(t, get_timezone()) counts days where Django's __date lookup does."""
    assert get_timezone() == "UTC"
    with django_db_blocker.unblock(), table_for(Commented) as rows:
        rows.create(
            code="DE", hour=datetime.datetime(2024, 1, 1, 23, 30, tzinfo=datetime.timezone.utc)
        )
        with timezone.override("Asia/Tokyo"):
            assert get_timezone() == "Asia/Tokyo"
            (day,) = raw("SELECT toDate(hour, %s) FROM testapp_commented", [get_timezone()])
            assert rows.filter(hour__date=day[0]).exists()
            assert day == (datetime.date(2024, 1, 2),)
        settings.USE_TZ = False
        settings.TIME_ZONE = "Europe/Berlin"  # Django sets the process's zone from it
        assert get_timezone() == "Europe/Berlin"


def test_max_bytes_validator_counts_utf8_bytes_under_its_path():
    validator = MaxBytesValidator(4)
    assert validator.deconstruct() == ("clickhouse_backend.validators.MaxBytesValidator", (4,), {})
    validator("żż")
    validator(b"abcd")
    with pytest.raises(ValidationError, match=r"at most 4 bytes \(it has 6\)") as error:
        validator("żżż")
    assert error.value.code == "max_bytes"
    with pytest.raises(ValidationError, match=r"at most 1 byte \(it has 2\)"):
        MaxBytesValidator(1)("ż")
    field = Commented._meta.get_field("code")
    assert MaxBytesValidator(4) in field.validators
    with pytest.raises(ValidationError, match="at most 4 bytes"):
        Commented(code="żżż").full_clean()


def test_key_transform_and_index_expression_are_where_it_has_them():
    assert KeyTransform.__module__ == "clickhouse_backend.models.fields.map"
    assert IndexExpression is DjangoIndexExpression

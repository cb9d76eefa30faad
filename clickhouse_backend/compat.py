"""Django version flags and helpers under django-clickhouse-backend's names.

Its projects and third-party apps import them (``from clickhouse_backend import
compat``; ``compat.dj_ge42``). This backend needs Django 5.2 or later, so the flags of
older versions are False and the helpers read Django's own attributes.
"""

from __future__ import annotations

import django
from django.db import models

__all__ = [
    "db_table_comment",
    "dj3",
    "dj4",
    "dj_ge4",
    "dj_ge5",
    "dj_ge6",
    "dj_ge41",
    "dj_ge42",
    "dj_ge51",
    "dj_ge52",
    "field_db_comment",
    "field_has_db_default",
]

_VERSION = django.VERSION[:2]

dj3 = (3, 0) <= _VERSION < (4, 0)
dj4 = (4, 0) <= _VERSION < (5, 0)
dj_ge4 = _VERSION >= (4, 0)
dj_ge41 = _VERSION >= (4, 1)
dj_ge42 = _VERSION >= (4, 2)
dj_ge5 = _VERSION >= (5, 0)
dj_ge51 = _VERSION >= (5, 1)
dj_ge52 = _VERSION >= (5, 2)
dj_ge6 = _VERSION >= (6, 0)


def db_table_comment(model: type[models.Model]) -> str:
    """The model's ``Meta.db_table_comment``, "" when it has none."""
    return model._meta.db_table_comment or ""


def field_db_comment(field: models.Field) -> str:
    """The field's ``db_comment``, "" when it has none."""
    return field.db_comment or ""


def field_has_db_default(field: models.Field) -> bool:
    """Whether the field has a ``db_default``."""
    return field.has_db_default()

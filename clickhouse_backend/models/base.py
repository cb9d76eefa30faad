"""``ClickhouseModel``, and the two ``Meta`` options it may carry: ``engine`` and ``cluster``.

Django's ``Options`` refuses a ``Meta`` attribute it does not know, and migrations carry
only the options named in ``django.db.models.options.DEFAULT_NAMES``. Importing this
package adds ``engine`` and ``cluster`` to that tuple (in ``options`` and in
``migrations.state``, which imported it by name): the one change this package makes to
Django when it is imported. With it, ``makemigrations`` writes ``options={"engine": ...}``
into ``CreateModel``, and the models that migrations rebuild from their state have
``_meta.engine``, so that ``migrate`` creates the table the model describes.

Importing it also registers one system check (W009, run by ``manage.py check`` and
every command that checks): a later change of ``Meta.engine`` becomes a migration only
through the backend's ``makemigrations``, which exists only when ``"clickhouse_backend"``
is in ``INSTALLED_APPS``. The check lives here, not in an ``AppConfig.ready()``, because
it is about the case where that app is not installed, and every model that sets
``Meta.engine`` has imported this module.
"""

from __future__ import annotations

from django.apps import apps
from django.core import checks
from django.db import models
from django.db.migrations import state
from django.db.models import options

from .query import ClickhouseManager

CLICKHOUSE_META_OPTIONS = ("engine", "cluster")


def register_meta_options() -> None:
    """Let ``class Meta`` name ``engine`` and ``cluster``; running it again changes nothing."""
    missing = tuple(name for name in CLICKHOUSE_META_OPTIONS if name not in options.DEFAULT_NAMES)
    if missing:
        options.DEFAULT_NAMES = (*options.DEFAULT_NAMES, *missing)
    state.DEFAULT_NAMES = options.DEFAULT_NAMES


register_meta_options()


class ClickhouseModel(models.Model):
    """Base class of models stored in ClickHouse.

    ``Meta.engine`` is the table's engine (``MergeTree(order_by=...)`` and family); without
    one the table is a ``MergeTree`` sorted by the primary key. ``Meta.cluster`` names a
    cluster: every DDL statement for the model then runs ``ON CLUSTER`` it. A plain
    ``models.Model`` routed to ClickHouse gets the same default engine, and may set the
    same two options once this package is imported.

    ``objects`` is a ``ClickhouseManager``: querysets with ClickHouse's clauses
    (``settings()``, ``prewhere()``, ``final()``, ``sample()`` ...; docs/queries.md). A plain
    model gets them by declaring ``objects = ClickhouseManager()``.
    """

    objects = ClickhouseManager()

    class Meta:
        abstract = True


@checks.register(checks.Tags.models)
def check_engine_changes_are_seen(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """W009: models set ``Meta.engine``, but the ``makemigrations`` that runs is Django's,
    which ignores the option: a changed engine gives "No changes detected" and the table
    keeps its old engine, with nothing said until the database check W005."""
    if apps.is_installed("clickhouse_backend"):
        return []
    labels = [
        model._meta.label
        for app_config in app_configs or apps.get_app_configs()
        for model in app_config.get_models()
        if getattr(model._meta, "engine", None) is not None
    ]
    if not labels:
        return []
    more = f" and {len(labels) - 3} more" if len(labels) > 3 else ""
    subject = f"{', '.join(labels[:3])}{more} {'sets' if len(labels) == 1 else 'set'}"
    return [
        checks.Warning(
            f'{subject} Meta.engine, but "clickhouse_backend" is not in INSTALLED_APPS: '
            "Django's own makemigrations does not see a change of Meta.engine (it says "
            "'No changes detected' and the table keeps its engine).",
            hint='Add "clickhouse_backend" to INSTALLED_APPS: its makemigrations writes '
            "AlterModelEngine when Meta.engine changes (docs/engines.md).",
            id="clickhouse_backend.W009",
        )
    ]

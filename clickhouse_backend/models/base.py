"""``ClickhouseModel``, and the two ``Meta`` options it may carry: ``engine`` and ``cluster``.

Django's ``Options`` refuses a ``Meta`` attribute it does not know, and migrations carry
only the options named in ``django.db.models.options.DEFAULT_NAMES``. Importing this
package adds ``engine`` and ``cluster`` to that tuple (in ``options`` and in
``migrations.state``, which imported it by name): the one change this package makes to
Django when it is imported. With it, ``makemigrations`` writes ``options={"engine": ...}``
into ``CreateModel``, and the models that migrations rebuild from their state have
``_meta.engine``, so that ``migrate`` creates the table the model describes.
"""

from __future__ import annotations

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

"""``makemigrations`` that writes ``AlterModelEngine`` when a model's ``Meta.engine``
changes (active when ``"clickhouse_backend"`` is in ``INSTALLED_APPS``)."""

from django.core.management.commands import makemigrations

from clickhouse_backend.management.autodetector import ClickhouseAutodetector


class Command(makemigrations.Command):
    autodetector = ClickhouseAutodetector

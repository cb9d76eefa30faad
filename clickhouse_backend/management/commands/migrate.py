"""``migrate`` with the backend's autodetector (Django requires the one makemigrations
has), printing a line per block a table rebuild copies (verbosity 1 and up)."""

from __future__ import annotations

import logging
from contextlib import contextmanager

from django.core.management.base import OutputWrapper
from django.core.management.commands import migrate

from clickhouse_backend.backend.engine_changes import logger as rebuild_logger
from clickhouse_backend.management.autodetector import ClickhouseAutodetector


class Command(migrate.Command):
    autodetector = ClickhouseAutodetector

    def handle(self, *args, **options):
        with rebuild_progress(self.stdout, options["verbosity"]):
            return super().handle(*args, **options)


@contextmanager
def rebuild_progress(stream, verbosity: int):
    """Send the rebuild's progress lines to ``stream`` while migrate runs."""
    if verbosity < 1:
        yield
        return
    handler = ProgressLines(stream)
    level = rebuild_logger.level
    rebuild_logger.addHandler(handler)
    rebuild_logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        rebuild_logger.removeHandler(handler)
        rebuild_logger.setLevel(level)


class ProgressLines(logging.Handler):
    """Each line on a line of its own under migrate's ``Applying <migration>...``,
    indented, the last one left open for migrate's `` OK``."""

    def __init__(self, stream):
        super().__init__()
        self.stream = stream if isinstance(stream, OutputWrapper) else OutputWrapper(stream)

    def emit(self, record: logging.LogRecord) -> None:
        self.stream.write(f"\n    {record.getMessage()}", ending="")
        self.stream.flush()

"""Load synthetic events into ClickHouse through ``bulk_create``, then print the report."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from events.models import Event
from events.report import Table, build_report
from events.synthetic import synthetic_events


class Command(BaseCommand):
    help = "Load N synthetic network events into ClickHouse and print an analytic report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--events", type=int, default=1_000_000, help="default 1,000,000")
        parser.add_argument("--batch-size", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--append", action="store_true", help="keep the events already loaded")

    def handle(self, *args, events: int, batch_size: int, seed: int, append: bool, **options):
        if events < 0 or batch_size < 1:
            self.stderr.write("--events must be 0 or more and --batch-size at least 1.")
            return
        if not append:
            Event.objects.all().delete()
        started = time.perf_counter()
        loaded = 0
        for batch in synthetic_events(events, batch_size, seed):
            Event.objects.bulk_create(batch)
            loaded += len(batch)
            self._progress(loaded, events, time.perf_counter() - started)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"\nLoaded {loaded:,} events in {elapsed:.1f} s "
            f"({loaded / elapsed if elapsed else 0:,.0f} events/s, generation included)."
        )
        started = time.perf_counter()
        tables = build_report()
        for table in tables:
            self._print_table(table)
        self.stdout.write(
            f"\nReport over {Event.objects.count():,} events computed by ClickHouse in "
            f"{time.perf_counter() - started:.2f} s."
        )

    def _progress(self, done: int, total: int, elapsed: float) -> None:
        width = 30
        filled = width * done // total if total else width
        rate = done / elapsed if elapsed else 0
        self.stdout.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} events, {rate:,.0f}/s",
            ending="",
        )
        self.stdout.flush()

    def _print_table(self, table: Table) -> None:
        """Numbers right-aligned under their right-aligned header, text left-aligned."""
        headers = [(column.header, column.numeric) for column in table.columns]
        cells = [headers, *table.cells()]
        widths = [max(len(row[i][0]) for row in cells) for i in range(len(headers))]
        self.stdout.write(f"\n{table.title}")
        for row in cells:
            self.stdout.write(
                "  "
                + "  ".join(
                    text.rjust(width) if numeric else text.ljust(width)
                    for (text, numeric), width in zip(row, widths, strict=True)
                ).rstrip()
            )

"""The Django ORM on ClickHouse against the driver underneath it, on the same rows.

    python benchmarks/orm.py [--rows 200000] [--repeat 3]

Prints rows/s for bulk_create against the driver's columnar insert, and for fetching
model instances, values_list() and iterator() against the driver's fetchall, with the
ratios ORM/driver, on the embedded engine.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import time

import django
from django.conf import settings

settings.configure(
    DATABASES={
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
        "clickhouse": {
            "ENGINE": "clickhouse_backend.backend",
            "OPTIONS": {"embedded": ":memory:"},
        },
    },
    USE_TZ=True,
    INSTALLED_APPS=[],
)
django.setup()

from django.apps.registry import Apps  # noqa: E402
from django.db import connections, models  # noqa: E402

REGISTRY = Apps()
COLUMNS = ["id", "timestamp", "protocol", "port", "source", "size", "note"]


class Event(models.Model):
    timestamp = models.DateTimeField()
    protocol = models.CharField(max_length=10)
    port = models.PositiveIntegerField()
    source = models.GenericIPAddressField()
    size = models.BigIntegerField()
    note = models.TextField(null=True)

    class Meta:
        app_label = "bench"
        apps = REGISTRY


def make_rows(count: int) -> list[tuple]:
    """Rows as the driver takes them (ids made up front, like the ORM's)."""
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    return [
        (
            index + 1,
            start + datetime.timedelta(seconds=index),
            ("http", "https", "dns")[index % 3],
            (80, 443, 53)[index % 3],
            f"::ffff:10.0.{index % 256}.{index % 250}",
            index * 7,
            None if index % 5 else "flagged",
        )
        for index in range(count)
    ]


def median_seconds(work, repeat: int, reset=None) -> float:
    timings = []
    for _ in range(repeat):
        if reset:
            reset()
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    connection = connections["clickhouse"]
    with connection.schema_editor() as editor:
        editor.create_model(Event)
    raw = connection.cursor().cursor  # the driver's own cursor
    table = Event._meta.db_table
    rows = make_rows(args.rows)
    columns = [list(column) for column in zip(*rows, strict=True)]
    objects = Event.objects.using("clickhouse")

    def truncate():
        raw.execute(f"TRUNCATE TABLE {table}")

    def driver_insert():
        raw.executemany(
            f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES", columns, columnar=True
        )

    def orm_insert():
        objects.bulk_create(
            [Event(**dict(zip(COLUMNS[1:], row[1:], strict=True))) for row in rows],
            batch_size=100_000,
        )

    results = [
        (
            "bulk_create",
            median_seconds(driver_insert, args.repeat, truncate),
            median_seconds(orm_insert, args.repeat, truncate),
        ),
    ]
    select = f"SELECT {', '.join(COLUMNS)} FROM {table}"

    def driver_fetch():
        raw.execute(select)
        raw.fetchall()

    results += [
        ("fetch model instances", median_seconds(driver_fetch, args.repeat),
         median_seconds(lambda: list(objects.all()), args.repeat)),
        ("fetch values_list()", median_seconds(driver_fetch, args.repeat),
         median_seconds(lambda: list(objects.values_list(*COLUMNS)), args.repeat)),
        ("fetch iterator()", median_seconds(driver_fetch, args.repeat),
         median_seconds(lambda: sum(1 for _ in objects.iterator(chunk_size=10_000)),
                        args.repeat)),
    ]  # fmt: skip
    print(f"{args.rows:,} rows, median of {args.repeat}, embedded ClickHouse (chDB)")
    print(f"{'operation':<24}{'driver rows/s':>15}{'ORM rows/s':>14}{'ORM/driver':>12}")
    for name, driver_seconds, orm_seconds in results:
        print(
            f"{name:<24}{args.rows / driver_seconds:>15,.0f}{args.rows / orm_seconds:>14,.0f}"
            f"{driver_seconds / orm_seconds:>12.2f}"
        )
    with connection.schema_editor() as editor:
        editor.delete_model(Event)


if __name__ == "__main__":
    main()

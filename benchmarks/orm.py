"""The Django ORM on ClickHouse against the driver underneath it, on the same rows.

    python benchmarks/orm.py [--rows 200000] [--repeat 5] [--table events|wide|all]

Two tables: ``events`` (a timestamp, a protocol, a port, an IPv6 address, a size, a
nullable note: the shape of most analytics tables) and ``wide`` (one column of every
ClickHouse field type). For each it prints rows/s for bulk_create against the driver's
columnar insert, for fetching model instances and values_list() against the driver's
fetchall(), and for iterator() against iterating the driver's streaming cursor, with the
ratios ORM/driver, on the embedded engine. Each side starts from the same Python values,
made before the clock starts: columns of values for the driver, model objects for
bulk_create. Runs are paired (the driver's, then the ORM's) so that a ratio compares runs
under the same machine load; the range is that of the pairs' ratios.

    python benchmarks/orm.py --memory [--memory-rows 100000,300000,1000000]

prints instead what iterator() costs in memory: the peak growth of the process's resident
set while ``Event.objects.iterator(chunk_size=10_000)`` (and ``values_list().iterator()``)
reads the whole events table, and the time to its first row, at each size. A streaming
iterator stays flat as the table grows. Each figure comes from its own process, on an
engine directory the sizes share, so that one measurement's peak cannot hide another's.

    python benchmarks/orm.py --edits [--edit-rows 1000000] [--repeat 5]

prints instead what editing one row costs on a table of ``--edit-rows`` rows shaped like
the example project's network events (a JSON column, sorted by protocol and time,
partitioned by day): ``save()`` of a loaded object and ``filter(pk=...).update(...)``,
each against the driver sending the same statements the ORM sent (captured from that
run, parameters rendered), with the round trips the ORM made; on a table with what
lightweight updates need, and on one without (where every update is a mutation).
"""

from __future__ import annotations

import argparse
import datetime
import decimal
import gc
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import django
from django.conf import settings

ENGINE_PATH_VARIABLE = "ORM_BENCHMARK_ENGINE_PATH"

settings.configure(
    DATABASES={
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
        "clickhouse": {
            "ENGINE": "clickhouse_backend.backend",
            # The memory figures' processes share an engine directory (see measure_memory).
            "OPTIONS": {"embedded": os.environ.get(ENGINE_PATH_VARIABLE, ":memory:")},
        },
    },
    USE_TZ=True,
    INSTALLED_APPS=[],
)
django.setup()

from django.apps.registry import Apps  # noqa: E402
from django.db import connections, models  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from clickhouse_backend import models as ch  # noqa: E402
from clickhouse_backend.models.engines import LIGHTWEIGHT_UPDATE_SETTINGS  # noqa: E402

REGISTRY = Apps()


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


def event_row(index: int) -> tuple:
    """One row as the driver takes it: the model's columns after the id, in order."""
    return (
        START + datetime.timedelta(seconds=index),
        ("http", "https", "dns")[index % 3],
        (80, 443, 53)[index % 3],
        f"::ffff:10.0.{index % 256}.{index % 250}",
        index * 7,
        None if index % 5 else "flagged",
    )


START = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


@dataclass
class Table:
    """A model, and how to make its ``index``-th row as the driver and the ORM take it."""

    model: type[models.Model]
    driver_row: Callable[[int], tuple]
    # The same row as keyword arguments of the model, when the driver's values differ.
    orm_values: Callable[[tuple], tuple] = tuple

    @property
    def columns(self) -> list[str]:
        return [field.column for field in self.model._meta.concrete_fields]


class Wide(models.Model):
    """One column of every ClickHouse field type."""

    class Action(models.IntegerChoices):
        PASS = 1
        DROP = 2

    int8 = ch.Int8Field()
    int16 = ch.Int16Field()
    int32 = ch.Int32Field()
    int64 = ch.Int64Field()
    int128 = ch.Int128Field()
    int256 = ch.Int256Field()
    uint8 = ch.UInt8Field()
    uint16 = ch.UInt16Field()
    uint32 = ch.UInt32Field()
    uint64 = ch.UInt64Field()
    uint128 = ch.UInt128Field()
    uint256 = ch.UInt256Field()
    float32 = ch.Float32Field()
    float64 = ch.Float64Field()
    amount = ch.DecimalField(max_digits=18, decimal_places=4)
    flag = ch.BoolField()
    ident = ch.UUIDField()
    text = ch.StringField()
    protocol = ch.StringField(low_cardinality=True)
    note = ch.StringField(null=True)
    country = ch.FixedStringField(max_bytes=2)
    ipv4 = ch.IPv4Field()
    ipv6 = ch.IPv6Field()
    day = ch.DateField()
    day32 = ch.Date32Field()
    moment = ch.DateTimeField()
    stamp = ch.DateTime64Field(precision=3)
    action = ch.EnumField(choices=Action.choices)
    clock = models.TimeField()
    duration = models.DurationField()
    tags = ch.ArrayField(ch.StringField())
    attrs = ch.MapField(ch.StringField(), ch.UInt64Field())
    pair = ch.TupleField([ch.UInt8Field(), ch.StringField()])
    content = ch.JSONField()
    location = ch.PointField()
    area = ch.PolygonField()

    class Meta:
        app_label = "bench"
        apps = REGISTRY


def wide_row(index: int) -> tuple:
    """One Wide row as a clickhouse-driver user passes it (Enum as its label, a time as
    text, a duration as microseconds: the storage docs/fields.md gives them)."""
    moment = START + datetime.timedelta(seconds=index)
    return (
        index % 128 - 64, index % 30000, index * 3, index * 2**40, index * 2**100, -index,
        index % 256, index % 65536, index, index * 2**33, index * 2**90, index * 2**200,
        index / 7, index / 3, decimal.Decimal(index).scaleb(-4), index % 2 == 0,
        uuid.UUID(int=index), f"text {index}", ("http", "https", "dns")[index % 3],
        None if index % 5 else "flagged", ("DE", "FR", "PL")[index % 3],
        f"10.{index % 256}.{index // 256 % 256}.1", f"2001:db8::{index % 65536:x}",
        moment.date(), moment.date(), moment, moment, ("Pass", "Drop")[index % 2],
        f"{index % 24:02}:{index % 60:02}:00.000000", index * 1_000_000,
        ["a", "b"][: index % 3], {"k": index}, (index % 256, "x"),
        {"user": {"id": index}, "ok": True}, (index / 3, -index / 3),
        [[(0.0, 0.0), (float(index), 0.0), (0.0, 1.0)]],
    )  # fmt: skip


def wide_orm_values(row: tuple) -> tuple:
    """The same row as the model's Python values (the choice's value, time, timedelta)."""
    values = list(row)
    values[27] = Wide.Action[values[27].upper()]
    values[28] = datetime.time.fromisoformat(values[28])
    values[29] = datetime.timedelta(microseconds=values[29])
    return tuple(values)


TABLES = {
    "events": Table(Event, event_row),
    "wide": Table(Wide, wide_row, wide_orm_values),
}


class Pairs:
    """``repeat`` paired runs: the driver's work, then the ORM's, each after its own
    untimed setup, so that both sides of a ratio see the same load on the machine."""

    def __init__(self, name: str, rows: int, driver: Work, orm: Work, repeat: int):
        self.name = name
        self.rows = rows
        self.driver: list[float] = []
        self.orm: list[float] = []
        for _ in range(repeat):
            self.driver.append(driver.seconds())
            self.orm.append(orm.seconds())

    def line(self) -> str:
        ratios = [driver / orm for driver, orm in zip(self.driver, self.orm, strict=True)]
        return (
            f"{self.name:<24}{self.rows / statistics.median(self.driver):>15,.0f}"
            f"{self.rows / statistics.median(self.orm):>14,.0f}"
            f"{statistics.median(ratios):>12.2f}{min(ratios):>8.2f}-{max(ratios):.2f}"
        )


class Work:
    """A piece of work to time, with an untimed setup whose result it takes."""

    def __init__(self, run, setup=None):
        self.run = run
        self.setup = setup

    def seconds(self) -> float:
        if self.setup is None:
            started = time.perf_counter()
            self.run()
        else:
            argument = self.setup()
            started = time.perf_counter()
            self.run(argument)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--table", choices=[*TABLES, "all"], default="all")
    parser.add_argument(
        "--memory",
        action="store_true",
        help="print iterator()'s peak memory growth and time to first row instead",
    )
    parser.add_argument(
        "--memory-rows",
        type=lambda text: [int(size) for size in text.split(",")],
        default=[100_000, 300_000, 1_000_000],
        help="table sizes of --memory, comma-separated (default 100000,300000,1000000)",
    )
    parser.add_argument(
        "--edits",
        action="store_true",
        help="print what save() and filter(pk=...).update() of one row cost instead",
    )
    parser.add_argument("--edit-rows", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)  # see run_child()
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(*args.child)))
        return
    if args.memory:
        measure_memory(args.memory_rows)
        return
    if args.edits:
        measure_edits(args.edit_rows, args.repeat)
        return
    names = list(TABLES) if args.table == "all" else [args.table]
    print(f"{args.rows:,} rows, embedded ClickHouse (chDB); median of {args.repeat} paired runs")
    for name in names:
        measure(name, TABLES[name], args.rows, args.repeat)


def measure(name: str, table: Table, count: int, repeat: int) -> None:
    connection = connections["clickhouse"]
    model = table.model
    with connection.schema_editor() as editor:
        editor.create_model(model)
    raw = connection.cursor().cursor  # the driver's own cursor
    db_table = model._meta.db_table
    columns = table.columns
    rows = [(index + 1, *table.driver_row(index)) for index in range(count)]
    objects = model.objects.using("clickhouse")
    insert = f"INSERT INTO {db_table} ({', '.join(columns)}) VALUES"
    select = f"SELECT {', '.join(columns)} FROM {db_table}"
    attnames = [field.attname for field in model._meta.concrete_fields][1:]

    def fresh_columns():
        raw.execute(f"TRUNCATE TABLE {db_table}")
        return [list(column) for column in zip(*rows, strict=True)]

    def fresh_objects():
        raw.execute(f"TRUNCATE TABLE {db_table}")
        return [
            model(**dict(zip(attnames, table.orm_values(row[1:]), strict=True))) for row in rows
        ]

    def driver_fetch():
        raw.execute(select)
        raw.fetchall()

    def driver_stream():
        with connection.connection.cursor(stream=True) as cursor:
            cursor.execute(select)
            for _ in cursor:
                pass

    cases = [
        ("bulk_create",
         Work(lambda columns: raw.executemany(insert, columns, columnar=True), fresh_columns),
         Work(lambda made: objects.bulk_create(made, batch_size=100_000), fresh_objects)),
        ("fetch model instances", Work(driver_fetch), Work(lambda: list(objects.all()))),
        ("fetch values_list()", Work(driver_fetch),
         Work(lambda: list(objects.values_list(*attnames)))),
        ("fetch iterator()", Work(driver_stream),
         Work(lambda: sum(1 for _ in objects.iterator(chunk_size=10_000)))),
    ]  # fmt: skip
    print(f"\n{name} table: {len(columns)} columns")
    print(
        f"{'operation':<24}{'driver rows/s':>15}{'ORM rows/s':>14}{'ORM/driver':>12}{'range':>10}"
    )
    # The fetches read the rows of the last bulk_create().
    for case, driver, orm in cases:
        print(Pairs(case, count, driver, orm, repeat).line(), flush=True)
    with connection.schema_editor() as editor:
        editor.delete_model(model)


# -- memory: what iterator() holds while it reads a whole table ----------------------

# The events table made by ClickHouse itself (the rows event_row() makes), so that the
# process that measures has built no Python rows of its own.
POPULATE_EVENTS = """
    INSERT INTO {table} (id, timestamp, protocol, port, source, size, note)
    SELECT number + 1,
           toDateTime64('2026-01-01 00:00:00', 6, 'UTC') + number,
           ['http', 'https', 'dns'][number %% 3 + 1],
           [80, 443, 53][number %% 3 + 1],
           toIPv6(concat('::ffff:10.0.', toString(number %% 256), '.', toString(number %% 250))),
           number * 7,
           if(number %% 5 = 0, 'flagged', NULL)
    FROM numbers(%s)
"""

MEMORY_CASES: dict[str, Callable[[models.QuerySet], object]] = {
    "iterator(chunk_size=10_000)": lambda objects: objects.iterator(chunk_size=10_000),
    "values_list().iterator()": lambda objects: objects.values_list(
        "timestamp", "protocol", "port", "source", "size", "note"
    ).iterator(chunk_size=10_000),
}


def measure_memory(sizes: list[int]) -> None:
    """Print peak RSS growth and time to first row of each case at each table size."""
    if not os.path.exists("/proc/self/clear_refs"):
        sys.exit("--memory reads the peak resident set from /proc (Linux only)")
    print("events table, embedded ClickHouse (chDB) in a directory; one process per figure")
    figures: dict[str, dict[int, dict[str, float]]] = {case: {} for case in MEMORY_CASES}
    directory = tempfile.mkdtemp(prefix="orm-benchmark-")
    try:
        for size in sizes:
            in_child(directory, "populate", size)
            for case in MEMORY_CASES:
                figures[case][size] = in_child(directory, case, size)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print_figures("peak RSS growth (MiB)", figures, sizes, "growth_mib", "{:,.0f}")
    print_figures("time to first row (s)", figures, sizes, "first_row_s", "{:.3f}")
    print_figures("whole iteration (s)", figures, sizes, "total_s", "{:.2f}")


def in_child(directory: str, action: str, size: int) -> dict[str, float]:
    """Run ``action`` in a new process on the engine in ``directory``; its figures."""
    environment = {**os.environ, ENGINE_PATH_VARIABLE: directory}
    done = subprocess.run(
        [sys.executable, __file__, "--child", action, str(size)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.exit(f"{action} at {size:,} rows failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def print_figures(
    title: str,
    figures: dict[str, dict[int, dict[str, float]]],
    sizes: list[int],
    key: str,
    spec: str,
) -> None:
    print(f"\n{title:<30}" + "".join(f"{size:>13,}" for size in sizes))
    for case, by_size in figures.items():
        print(f"{case:<30}" + "".join(f"{spec.format(by_size[s][key]):>13}" for s in sizes))


def run_child(action: str, size: str) -> dict[str, float]:
    """One figure in this process: fill the table, or read it through one case."""
    objects = Event.objects.using("clickhouse")
    if action == "populate":
        populate_events(int(size))
        return {}
    objects.count()  # the engine and the table's parts are loaded before measuring
    return peak_while(lambda: MEMORY_CASES[action](objects))


def populate_events(size: int) -> None:
    connection = connections["clickhouse"]
    table = Event._meta.db_table
    if table not in connection.introspection.table_names():
        with connection.schema_editor() as editor:
            editor.create_model(Event)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE TABLE {table}")
        cursor.execute(POPULATE_EVENTS.format(table=table), [size])


def peak_while(make_iterator: Callable[[], object]) -> dict[str, float]:
    """Read an iterator to its end: the peak growth of the resident set meanwhile, the
    seconds to its first item, and to its end."""
    gc.collect()
    baseline = resident_kib("VmRSS")
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")  # the peak (VmHWM) starts again from the resident set now
    started = time.perf_counter()
    iterator = iter(make_iterator())
    next(iterator)
    first_row = time.perf_counter() - started
    for _ in iterator:
        pass
    total = time.perf_counter() - started
    growth = resident_kib("VmHWM") - baseline
    return {"growth_mib": growth / 1024, "first_row_s": first_row, "total_s": total}


def resident_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        return int(re.search(rf"{field}:\s+(\d+) kB", status.read()).group(1))


# -- edits: one row changed in a big table ------------------------------------------


def network_event(name: str, **settings) -> type[models.Model]:
    """The example project's events (sorted by protocol and time, partitioned by day),
    with these table settings."""

    class Meta:
        app_label = "bench"
        apps = REGISTRY
        engine = ch.MergeTree(
            order_by=["protocol", "timestamp"],
            partition_by=models.Func("timestamp", function="toYYYYMMDD"),
            **settings,
        )

    fields = {
        "timestamp": ch.DateTime64Field(precision=6),
        "src_ip": models.GenericIPAddressField(),
        "dst_ip": ch.IPv4Field(),
        "port": ch.UInt16Field(),
        "protocol": ch.StringField(low_cardinality=True),
        "action": ch.EnumField(choices=[(1, "ALLOW"), (2, "DENY"), (3, "ALERT")], default=1),
        "content": ch.JSONField(default=dict),
    }
    return type(name, (models.Model,), {"__module__": __name__, "Meta": Meta, **fields})


# What lightweight updates need, and a table without it (every update a mutation).
EDITED_TABLES = {
    "lightweight UPDATE": network_event("NetworkEvent", **LIGHTWEIGHT_UPDATE_SETTINGS),
    "mutation": network_event("MutatedNetworkEvent", enable_block_number_column=0),
}

POPULATE_NETWORK_EVENTS = """
    INSERT INTO {table} (id, timestamp, src_ip, dst_ip, port, protocol, action, content)
    SELECT number + 1,
           toDateTime64('2026-01-01 00:00:00', 6, 'UTC') + number,
           toIPv6(concat('::ffff:10.0.', toString(number %% 256), '.', toString(number %% 250))),
           toIPv4(concat('192.168.', toString(number %% 200), '.1')),
           [80, 443, 53][number %% 3 + 1],
           ['TCP', 'UDP', 'ICMP'][number %% 3 + 1],
           number %% 3 + 1,
           concat('{{"user": ', toString(number %% 1000),
                  ', "path": "/p/', toString(number), '"}}')
    FROM numbers(%s)
"""


def measure_edits(count: int, repeat: int) -> None:
    """Time save() and filter(pk=...).update() of one row, each paired with the driver
    running the statements the ORM just ran, on tables of ``count`` rows."""
    print(
        f"one row of {count:,} (the example project's events: a JSON column, sorted by "
        f"protocol and time, partitioned by day), embedded ClickHouse (chDB); "
        f"median of {repeat} paired runs; ORM/driver is a ratio of times"
    )
    print(
        f"{'operation':<28}{'table takes':>20}{'driver ms':>11}{'ORM ms':>10}"
        f"{'ORM/driver':>12}{'round trips':>13}"
    )
    shown = []
    for form, model in EDITED_TABLES.items():
        shown.append(measure_edits_of(model, form, count, repeat))
    for form, statements in zip(EDITED_TABLES, shown, strict=True):
        print(f"\nthe statements of the last update(), {form}:")
        for statement in statements:
            print(f"  {statement[:150]}")


def measure_edits_of(model: type[models.Model], form: str, count: int, repeat: int) -> list:
    connection = connections["clickhouse"]
    objects = model.objects.using("clickhouse")
    with connection.schema_editor() as editor:
        editor.create_model(model)
    try:
        with connection.cursor() as cursor:
            cursor.execute(POPULATE_NETWORK_EVENTS.format(table=model._meta.db_table), [count])
        raw = connection.cursor().cursor  # the driver's own cursor
        ids = iter(range(count // 7, count, max(1, count // (4 * repeat + 8))))

        def save():
            row = objects.get(pk=next(ids))
            row.port = 8080
            row.content = {"user": 1, "edited": True}
            return lambda: row.save()

        def update():
            pk = next(ids)
            return lambda: objects.filter(pk=pk).update(port=8080, content={"edited": True})

        for name, make in (
            ("save() of a loaded object", save),
            ("filter(pk=...).update()", update),
        ):
            make()()  # once untimed: what the ORM reads once per table is read
            orm_times, driver_times, trips = [], [], set()
            for _ in range(repeat):
                run = make()
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    run()
                    orm_times.append(time.perf_counter() - started)
                statements = [query["sql"] for query in captured.captured_queries]
                trips.add(len(statements))
                started = time.perf_counter()
                for statement in statements:
                    raw.execute(statement)
                driver_times.append(time.perf_counter() - started)
            driver_ms = statistics.median(driver_times) * 1000
            orm_ms = statistics.median(orm_times) * 1000
            print(
                f"{name:<28}{form:>20}{driver_ms:>11.1f}{orm_ms:>10.1f}"
                f"{orm_ms / driver_ms:>12.2f}{'/'.join(map(str, sorted(trips))):>13}",
                flush=True,
            )
        return statements
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(model)


if __name__ == "__main__":
    main()

"""A table rebuilt by a migration that changes its sorting key: time and memory.

    python benchmarks/rebuild.py [--rows 1000000] [--sizes 100000,1000000]

Each size runs in its own process on the embedded engine (chDB): a MergeTree of
``--rows`` sensor readings (id, sensor, moment, value) sorted by (sensor, moment) and
partitioned by month (12 partitions), then ``AlterModelEngine`` changes the sorting key
to (moment, sensor), as ``migrate`` applies it (a rebuild: new table, rows copied
inside ClickHouse a partition at a time, EXCHANGE TABLES, old table dropped), and back.
Printed: the progress lines migrate shows, the seconds each way, the seconds of the same
rebuild written by hand (one INSERT ... SELECT of the whole table) and the ratio of the
two, and the peak growth of
the process's resident set during each (the embedded engine runs in this process, so
this includes ClickHouse's own buffers: it stays flat as the table grows, because no
row passes through Python). The rows are checked to be the same after each way.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import django
from django.conf import settings

ENGINE_DIRECTORY = tempfile.mkdtemp(prefix="rebuild-benchmark-")
atexit.register(shutil.rmtree, ENGINE_DIRECTORY, ignore_errors=True)
settings.configure(
    DATABASES={
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
        "clickhouse": {
            "ENGINE": "clickhouse_backend.backend",
            "OPTIONS": {"embedded": ENGINE_DIRECTORY},
        },
    },
    USE_TZ=True,
    INSTALLED_APPS=[],
)
django.setup()

from django.db import connections, models  # noqa: E402
from django.db.migrations.state import ModelState, ProjectState  # noqa: E402

from clickhouse_backend import models as ch  # noqa: E402
from clickhouse_backend.management.commands.migrate import rebuild_progress  # noqa: E402

APP = "bench"
TABLE = "bench_reading"
MONTHLY = ch.Func("moment", function="toYYYYMM")
BEFORE = ch.MergeTree(order_by=("sensor", "moment"), partition_by=MONTHLY)
AFTER = ch.MergeTree(order_by=("moment", "sensor"), partition_by=MONTHLY)
# ``rows`` readings of 500 sensors spread evenly over 2024's 12 months.
POPULATE = (
    f"INSERT INTO {TABLE} SELECT number, concat('sensor-', toString(number %% 500)), "
    "toDateTime64('2024-01-01 00:00:00', 6, 'UTC') + intDiv(number * 31536000, %s), "
    "number / 7 FROM numbers(%s)"
)
# The same rebuild by hand, as one would write it without the backend: the whole table
# copied in one INSERT ... SELECT (the yardstick the ratio compares with).
BY_HAND = (
    f"CREATE TABLE {TABLE}__hand AS {TABLE} ENGINE = MergeTree "
    "PARTITION BY toYYYYMM(moment) ORDER BY (moment, sensor)",
    f"INSERT INTO {TABLE}__hand SELECT * FROM {TABLE}",
    f"EXCHANGE TABLES {TABLE} AND {TABLE}__hand",
    f"DROP TABLE {TABLE}__hand",
)
# Every row, order-independent: equal before and after when no row is lost or changed.
CHECKSUM = f"SELECT count(), sum(cityHash64(id, sensor, moment, value)) FROM {TABLE}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="table sizes, comma-separated")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        figures = measure(arguments.child)
        connections.close_all()  # before atexit removes the engine's directory
        print(json.dumps(figures))
        return
    if not os.path.exists("/proc/self/clear_refs"):
        sys.exit("rebuild.py reads the peak resident set from /proc (Linux only)")
    print(f"load average {os.getloadavg()[0]:.2f}; embedded ClickHouse (chDB), one process a size")
    for size in (int(size) for size in arguments.sizes.split(",")):
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(size)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            sys.exit(f"{size:,} rows failed:\n{done.stderr}")
        *progress, figures = done.stdout.splitlines()
        print("\n".join(progress))
        figures = json.loads(figures)
        print(
            f"{size:>10,} rows: forwards {figures['forwards_s']:.2f} s, peak RSS growth "
            f"{figures['forwards_mib']:.0f} MiB; backwards {figures['backwards_s']:.2f} s, "
            f"{figures['backwards_mib']:.0f} MiB; table {figures['table_mib']:.0f} MiB "
            f"uncompressed; by hand (one INSERT ... SELECT) {figures['by_hand_s']:.2f} s, "
            f"ratio forwards/by hand {figures['forwards_s'] / figures['by_hand_s']:.2f}\n"
        )


def measure(rows: int) -> dict[str, float]:
    """Create and fill the table, rebuild it forwards and back; the figures."""
    connection = connections["clickhouse"]
    fields = [
        ("id", models.BigIntegerField(primary_key=True)),
        ("sensor", ch.StringField(low_cardinality=True)),
        ("moment", models.DateTimeField()),
        ("value", models.FloatField()),
    ]
    state = ProjectState(
        models={(APP, "reading"): ModelState(APP, "Reading", fields, {"engine": BEFORE})}
    )
    with connection.schema_editor() as editor:
        editor.create_model(state.apps.get_model(APP, "Reading"))
    with connection.cursor() as cursor:
        cursor.execute(POPULATE, [rows, rows])
        cursor.execute(CHECKSUM)
        before = cursor.fetchone()
        cursor.execute(
            "SELECT sum(data_uncompressed_bytes) FROM system.parts WHERE active AND "
            "database = currentDatabase() AND table = %s",
            [TABLE],
        )
        table_bytes = cursor.fetchone()[0]
    operation = ch.AlterModelEngine("Reading", AFTER)
    after_state = state.clone()
    operation.state_forwards(APP, after_state)
    figures = {"table_mib": table_bytes / 2**20}
    for way, old, new in (("forwards", state, after_state), ("backwards", after_state, state)):
        gc.collect()
        baseline = resident_kib("VmRSS")
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")  # the peak (VmHWM) starts again from the resident set now
        started = time.perf_counter()
        with rebuild_progress(sys.stdout, verbosity=1), connection.schema_editor() as editor:
            editor.alter_model_engine(
                old.apps.get_model(APP, "Reading"), new.apps.get_model(APP, "Reading")
            )
        figures[f"{way}_s"] = time.perf_counter() - started
        print()  # the progress lines leave their last line open, as for migrate's " OK"
        figures[f"{way}_mib"] = (resident_kib("VmHWM") - baseline) / 1024
        with connection.cursor() as cursor:
            cursor.execute(CHECKSUM)
            if cursor.fetchone() != before:
                sys.exit(f"the rows differ after the rebuild {way}")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in BY_HAND:
            cursor.execute(statement)
        figures["by_hand_s"] = time.perf_counter() - started
        cursor.execute(CHECKSUM)
        if cursor.fetchone() != before:
            sys.exit("the rows differ after the rebuild by hand")
    sys.stdout.flush()
    return figures


def resident_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        return int(re.search(rf"{field}:\s+(\d+) kB", status.read()).group(1))


if __name__ == "__main__":
    main()

"""The same Django ORM code on ClickHouse (this backend, embedded chDB) and on PostgreSQL.

    python benchmarks/vs_postgresql.py [--rows 1000000] [--repeat 5]
    python benchmarks/vs_postgresql.py --quick        # 100k rows, 3 runs

One model, ``WebEvent`` (a timestamp, source and destination addresses in
GenericIPAddressFields, protocol, port, action, path, HTTP status, bytes, and a
JSONField ``content`` with a ``kind`` key, a user agent, a session object and a
duration), is created on both databases and filled with the same generated rows by
``bulk_create()``. Then each workload runs on both, untimed once and then ``--repeat``
times, the two databases alternating so that both see the same load on the machine:

- the report of the example project (example/events/report.py): events per protocol
  and action, per day, per hour of the day, the top source addresses, and the 95th
  percentile of the port per protocol (ClickHouse's quantile, PostgreSQL's
  percentile_cont: the one line that differs);
- ``values("src_ip").annotate(n=Count("id")).order_by("-n")[:10]``;
- JSON key filters: ``filter(content__kind="click").count()`` and
  ``filter(content__duration_ms__gt=1000).count()``;
- one ``save()`` of a loaded object (a different row each run).

It prints the median seconds on each side and PostgreSQL's time over ClickHouse's
(above 1: ClickHouse is faster), the size of the table on disk, and the machine's load
average (other work skews both sides; compare ratios). PostgreSQL is the one on
127.0.0.1:5432 (``--postgres`` to change it: trust authentication, the database must
exist); when it cannot be reached, ClickHouse's figures are printed alone, with a note.
The ClickHouse engine lives in a temporary directory, removed at the end; the
PostgreSQL table (``bench_webevent``) is dropped at the end.

After the load, and before any timing, both databases are given their usual
maintenance: ``VACUUM ANALYZE`` on PostgreSQL, ``OPTIMIZE TABLE ... FINAL`` (one part)
on ClickHouse.
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import os
import random
import shutil
import socket
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator

import django
from django.conf import settings

ENGINE_PATH = tempfile.mkdtemp(prefix="vs_postgresql_")
CLICKHOUSE, POSTGRES = "clickhouse", "postgresql"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each workload")
    parser.add_argument("--quick", action="store_true", help="100k rows, 3 runs")
    parser.add_argument(
        "--postgres",
        default="127.0.0.1:5432/test",
        help="host:port/database of PostgreSQL, user postgres (default %(default)s)",
    )
    parser.add_argument("--batch", type=int, default=100_000, help="objects per bulk_create()")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.repeat = 100_000, 3
    if args.rows < 1000 or args.repeat < 1 or args.batch < 1:
        parser.error("--rows must be at least 1000, --repeat and --batch at least 1")
    return args


ARGS = parse_args()
PG_ADDRESS, PG_NAME = ARGS.postgres.split("/", 1)
PG_HOST, PG_PORT = PG_ADDRESS.rsplit(":", 1)


def postgres_reachable() -> str | None:
    """None when PostgreSQL can be used, else why not."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]')"
    try:
        socket.create_connection((PG_HOST, int(PG_PORT)), timeout=1).close()
    except OSError as error:
        return f"nothing answers on {PG_ADDRESS} ({error})"
    return None


PG_PROBLEM = postgres_reachable()
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
    CLICKHOUSE: {"ENGINE": "clickhouse_backend.backend", "OPTIONS": {"embedded": ENGINE_PATH}},
}
if PG_PROBLEM is None:
    DATABASES[POSTGRES] = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": PG_HOST,
        "PORT": int(PG_PORT),
        "NAME": PG_NAME,
        "USER": "postgres",
    }
settings.configure(DATABASES=DATABASES, USE_TZ=True, TIME_ZONE="UTC", INSTALLED_APPS=[])
django.setup()

from django.apps.registry import Apps  # noqa: E402
from django.db import connections, models  # noqa: E402
from django.db.models import Aggregate, Count, FloatField, QuerySet  # noqa: E402
from django.db.models.functions import ExtractHour, TruncDay  # noqa: E402

from clickhouse_backend.models import MergeTree  # noqa: E402
from clickhouse_backend.models.engines import LIGHTWEIGHT_UPDATE_SETTINGS  # noqa: E402


class WebEvent(models.Model):
    """A web server's event; the same model on both databases. PostgreSQL ignores
    ``Meta.engine``: the ClickHouse table's sorting key, as example/events has it, and
    the settings that let save() be a lightweight UPDATE (docs/backend.md)."""

    class Action(models.IntegerChoices):
        ALLOW = 1
        DENY = 2
        ALERT = 3

    timestamp = models.DateTimeField()
    src_ip = models.GenericIPAddressField()
    dst_ip = models.GenericIPAddressField()
    protocol = models.CharField(max_length=8)
    port = models.PositiveIntegerField()
    action = models.PositiveSmallIntegerField(choices=Action.choices)
    path = models.CharField(max_length=200)
    status = models.PositiveSmallIntegerField()
    bytes = models.BigIntegerField()
    content = models.JSONField()

    class Meta:
        app_label = "bench"
        apps = Apps()
        engine = MergeTree(order_by=["protocol", "timestamp"], **LIGHTWEIGHT_UPDATE_SETTINGS)


class Percentile95(Aggregate):
    """The 95th percentile: PostgreSQL's percentile_cont, ClickHouse's quantile (the
    example uses clickhouse_backend.models.Quantile, which PostgreSQL does not have)."""

    function = "percentile_cont"
    template = "%(function)s(0.95) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def as_clickhouse(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="quantile(0.95)(%(expressions)s)")


# -- the rows ---------------------------------------------------------------------------

START = datetime.datetime(2026, 11, 16, tzinfo=datetime.timezone.utc)
PORTS = {"http": 80, "https": 443, "dns": 53, "ssh": 22, "smtp": 25, "ntp": 123}
KINDS = (["page_view"] * 12) + (["click"] * 4) + ["api_call", "api_call", "download", "error"]
PATHS = ["/", "/login", "/search", "/cart", "/checkout"] + [f"/item/{n}" for n in range(200)]
AGENTS = [
    f"Mozilla/5.0 ({system}) {browser}/{version}"
    for system in ("X11; Linux x86_64", "Windows NT 10.0; Win64; x64", "Macintosh")
    for browser in ("Firefox", "Chrome", "Safari")
    for version in (120, 121, 122)
]


def web_events(count: int, batch: int, seed: int = 7) -> Iterator[list[WebEvent]]:
    """``count`` events in lists of ``batch``, the same for the same seed."""
    rng = random.Random(seed)
    noisy = [f"10.0.0.{n}" for n in range(1, 6)] + ["2001:db8::bad"]
    servers = [str(ipaddress.IPv4Address(0xC0A80000 + n)) for n in range(1, 50)]
    protocols = list(PORTS)
    made = 0
    while made < count:
        events = []
        for _ in range(min(batch, count - made)):
            protocol = rng.choice(protocols)
            source = (
                rng.choice(noisy)
                if rng.random() < 0.3
                else str(ipaddress.IPv4Address(rng.getrandbits(32)))
            )
            status = rng.choices((200, 301, 404, 500), weights=(85, 5, 8, 2))[0]
            events.append(
                WebEvent(
                    timestamp=START + datetime.timedelta(seconds=rng.randrange(7 * 86_400)),
                    src_ip=source,
                    dst_ip=rng.choice(servers),
                    protocol=protocol,
                    port=rng.randrange(1024, 65536) if rng.random() < 0.1 else PORTS[protocol],
                    action=rng.choices((1, 2, 3), weights=(90, 8, 2))[0],
                    path=rng.choice(PATHS),
                    status=status,
                    bytes=int(rng.expovariate(1 / 1500)),
                    content={
                        "kind": rng.choice(KINDS),
                        "user_agent": rng.choice(AGENTS),
                        "session": {
                            "id": f"{rng.getrandbits(48):012x}",
                            "new": rng.random() < 0.2,
                        },
                        "duration_ms": int(rng.expovariate(1 / 300)),
                    },
                )
            )
        made += len(events)
        yield events


# -- the workloads ----------------------------------------------------------------------


def by_protocol_action(events: QuerySet) -> list:
    return list(
        events.values_list("protocol", "action")
        .annotate(events=Count("id"))
        .order_by("protocol", "action")
    )


def per_day(events: QuerySet) -> list:
    return list(
        events.annotate(day=TruncDay("timestamp"))
        .values_list("day")
        .annotate(events=Count("id"))
        .order_by("day")
    )


def per_hour(events: QuerySet) -> list:
    return list(
        events.annotate(hour=ExtractHour("timestamp"))
        .values_list("hour")
        .annotate(events=Count("id"))
        .order_by("hour")
    )


def report_top_sources(events: QuerySet) -> list:
    return list(
        events.values_list("src_ip")
        .annotate(events=Count("id"))
        .order_by("-events", "src_ip")[:10]
    )


def port_p95(events: QuerySet) -> list:
    return list(
        events.values_list("protocol")
        .annotate(p95_port=Percentile95("port"), events=Count("id"))
        .order_by("protocol")
    )


REPORT = [
    ("events per protocol and action", by_protocol_action),
    ("events per day", per_day),
    ("events per hour of the day", per_hour),
    ("top 10 source addresses", report_top_sources),
    ("95th percentile of the port per protocol", port_p95),
]


def report(events: QuerySet) -> list:
    """example/events/report.py's five queries, on this model."""
    return [query(events) for _, query in REPORT]


def top_sources(events: QuerySet) -> list:
    return list(events.values("src_ip").annotate(n=Count("id")).order_by("-n")[:10])


def json_kind(events: QuerySet) -> int:
    return events.filter(content__kind="click").count()


def json_duration(events: QuerySet) -> int:
    return events.filter(content__duration_ms__gt=1000).count()


class Saver:
    """save() of one loaded object, a different one each run (loaded untimed)."""

    def __init__(self, alias: str, pks: list):
        self.alias, self.pks = alias, iter(pks)

    def prepare(self) -> WebEvent:
        event = WebEvent.objects.using(self.alias).get(pk=next(self.pks))
        event.status = 418
        return event


def timed(run: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def load(alias: str) -> float:
    """bulk_create() of every row, in lists of --batch; the objects are made untimed."""
    total = 0.0
    for batch in web_events(ARGS.rows, ARGS.batch):
        seconds, _ = timed(lambda batch=batch: WebEvent.objects.using(alias).bulk_create(batch))
        total += seconds
    return total


def maintain(alias: str) -> None:
    table = connections[alias].ops.quote_name(WebEvent._meta.db_table)
    with connections[alias].cursor() as cursor:
        if alias == POSTGRES:
            cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute(f"OPTIMIZE TABLE {table} FINAL")


def disk_bytes(alias: str) -> int:
    with connections[alias].cursor() as cursor:
        if alias == POSTGRES:
            cursor.execute("SELECT pg_total_relation_size(%s)", [WebEvent._meta.db_table])
        else:
            cursor.execute(
                "SELECT sum(bytes_on_disk) FROM system.parts "
                "WHERE database = currentDatabase() AND table = %s AND active",
                [WebEvent._meta.db_table],
            )
        return int(cursor.fetchone()[0])


def create(alias: str) -> None:
    with connections[alias].schema_editor() as editor:
        if alias == POSTGRES:
            with connections[alias].cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {WebEvent._meta.db_table}")
        editor.create_model(WebEvent)


def drop(alias: str) -> None:
    with connections[alias].schema_editor() as editor:
        editor.delete_model(WebEvent)


def comparable(label: str, result: object) -> object:
    """What both databases must agree on: not the order of tied rows (the top sources
    past the noisy ones), nor the 95th percentile (ClickHouse's quantile() samples)."""
    if label.startswith('values("src_ip")'):
        return [row["n"] for row in result]
    if label.startswith("top 10"):
        return [n for _, n in result]
    if label.startswith("95th"):
        return [(protocol, n) for protocol, _, n in result]
    if label.startswith("report"):
        return [comparable(name, rows) for (name, _), rows in zip(REPORT, result, strict=True)]
    return result


def compare(
    label: str, aliases: list[str], runs: dict[str, Callable[[], object]]
) -> dict[str, float]:
    """Median seconds of each database's run; untimed once first (the results must
    agree), then alternating."""
    results = {alias: comparable(label, runs[alias]()) for alias in aliases}
    if len(aliases) == 2 and results[CLICKHOUSE] != results[POSTGRES]:
        raise AssertionError(f"{label}: the databases disagree: {results}")
    times: dict[str, list[float]] = {alias: [] for alias in aliases}
    for _ in range(ARGS.repeat):
        for alias in aliases:
            times[alias].append(timed(runs[alias])[0])
    return {alias: statistics.median(values) for alias, values in times.items()}


def compare_saves(aliases: list[str]) -> dict[str, float]:
    """One save() per run on each database, of rows loaded (untimed) just before."""
    pks = {
        alias: list(
            WebEvent.objects.using(alias)
            .order_by("timestamp", "src_ip", "path", "bytes")
            .values_list("pk", flat=True)[: ARGS.repeat]
        )
        for alias in aliases
    }
    savers = {alias: Saver(alias, pks[alias]) for alias in aliases}
    times: dict[str, list[float]] = {alias: [] for alias in aliases}
    for _ in range(ARGS.repeat):
        for alias in aliases:
            event = savers[alias].prepare()
            times[alias].append(timed(event.save)[0])
    for alias in aliases:  # the saves were written
        assert WebEvent.objects.using(alias).filter(status=418).count() == ARGS.repeat
    return {alias: statistics.median(values) for alias, values in times.items()}


def line(label: str, seconds: dict[str, float]) -> None:
    ours = seconds[CLICKHOUSE]
    if POSTGRES in seconds:
        theirs = seconds[POSTGRES]
        ratio = theirs / ours if ours else float("inf")
        print(f"{label:<48} {ours:>10.4f} {theirs:>10.4f} {ratio:>8.1f}", flush=True)
    else:
        print(f"{label:<48} {ours:>10.4f}", flush=True)


def main() -> None:
    aliases = [CLICKHOUSE] if PG_PROBLEM else [CLICKHOUSE, POSTGRES]
    print(
        f"{ARGS.rows:,} rows, median of {ARGS.repeat} runs; load average "
        f"{' '.join(f'{load:.2f}' for load in os.getloadavg())}"
    )
    if PG_PROBLEM:
        print(f"PostgreSQL skipped: {PG_PROBLEM}")
    else:
        with connections[POSTGRES].cursor() as cursor:
            cursor.execute("SHOW server_version")
            print(f"PostgreSQL {cursor.fetchone()[0]} on {ARGS.postgres}")
    with connections[CLICKHOUSE].cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"ClickHouse {cursor.fetchone()[0]} (embedded chDB)")
    created = []
    try:
        for alias in aliases:
            create(alias)
            created.append(alias)
        header = f"{'workload':<48} {'ClickHouse':>10}"
        print(header + (f" {'PostgreSQL':>10} {'PG/CH':>8}" if len(aliases) == 2 else ""))
        print(f"{'(seconds)':<48}")
        line("bulk_create (all rows)", {alias: load(alias) for alias in aliases})
        for alias in aliases:
            maintain(alias)
        sizes = {alias: disk_bytes(alias) for alias in aliases}

        def events(alias: str) -> QuerySet:
            return WebEvent.objects.using(alias).all()

        workloads = [
            ("report (5 queries)", report),
            ('values("src_ip")...Count...[:10]', top_sources),
            ('filter(content__kind="click").count()', json_kind),
            ("filter(content__duration_ms__gt=1000).count()", json_duration),
        ]
        for label, workload in workloads:
            runs = {alias: (lambda alias=alias, w=workload: w(events(alias))) for alias in aliases}
            line(label, compare(label, aliases, runs))
        for label, query in REPORT:
            runs = {alias: (lambda alias=alias, q=query: q(events(alias))) for alias in aliases}
            line(f"  {label}", compare(label, aliases, runs))
        line("save() of one loaded object", compare_saves(aliases))
        print("table on disk (MiB)".ljust(48), end="")
        print(" ".join(f"{sizes[alias] / 2**20:>10.1f}" for alias in aliases), end="")
        if len(aliases) == 2:
            print(f" {sizes[POSTGRES] / sizes[CLICKHOUSE]:>8.1f}", end="")
        print()
    finally:
        for alias in created:
            drop(alias)
        for connection in connections.all():
            connection.close()
        shutil.rmtree(ENGINE_PATH, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Load a million network events into ClickHouse running in this process, then ask it
questions: the zero-setup path (chDB) through this project's DB-API driver.

    bash scripts/demo.sh [--rows N]
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import random
import time

from clickhouse_backend import driver

PORTS = {"http": 80, "https": 443, "dns": 53, "ssh": 22, "smtp": 25, "ntp": 123}
PROTOCOLS = list(PORTS)
ACTIONS = ["allow", "deny", "reject"]


def synthetic_events(rows: int, seed: int = 7) -> list[list]:
    """Columns of ``rows`` events spread over one day, with a few noisy source hosts."""
    rng = random.Random(seed)
    start = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
    noisy = [ipaddress.IPv4Address(f"10.0.0.{i}") for i in range(1, 6)]
    ids = list(range(1, rows + 1))
    timestamps = [start + datetime.timedelta(seconds=rng.random() * 86_400) for _ in range(rows)]
    sources = [
        rng.choice(noisy) if rng.random() < 0.3 else ipaddress.IPv4Address(rng.getrandbits(32))
        for _ in range(rows)
    ]
    protocols = [rng.choice(PROTOCOLS) for _ in range(rows)]
    ports = [
        rng.randrange(1024, 65536) if rng.random() < 0.1 else PORTS[protocol]
        for protocol in protocols
    ]
    actions = [rng.choices(ACTIONS, weights=(90, 8, 2))[0] for _ in range(rows)]
    sizes = [int(rng.expovariate(1 / 1500)) for _ in range(rows)]
    return [ids, timestamps, sources, ports, protocols, actions, sizes]


def show(title: str, cursor: driver.Cursor) -> None:
    print(f"\n{title}")
    names = [column[0] for column in cursor.description]
    rows = cursor.fetchall()
    widths = [
        max(len(str(v)) for v in [name, *(row[i] for row in rows)]) for i, name in enumerate(names)
    ]
    print("  " + "  ".join(name.ljust(width) for name, width in zip(names, widths, strict=True)))
    for row in rows:
        print(
            "  "
            + "  ".join(str(value).ljust(width) for value, width in zip(row, widths, strict=True))
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    with driver.connect(embedded=":memory:") as connection:
        cursor = connection.cursor()
        cursor.execute(
            """
            CREATE TABLE events (
                id UInt64,
                timestamp DateTime64(6, 'UTC'),
                src_ip IPv4,
                port UInt16,
                protocol LowCardinality(String),
                action Enum8('allow' = 1, 'deny' = 2, 'reject' = 3),
                bytes UInt32,
                INDEX port_index port TYPE minmax GRANULARITY 4
            )
            ENGINE = MergeTree
            PARTITION BY toStartOfHour(timestamp)
            ORDER BY (protocol, timestamp)
            """
        )
        print(f"Generating {args.rows:,} synthetic events...")
        columns = synthetic_events(args.rows)

        started = time.perf_counter()
        cursor.executemany(
            "INSERT INTO events (id, timestamp, src_ip, port, protocol, action, bytes) VALUES",
            columns,
            columnar=True,
        )
        elapsed = time.perf_counter() - started
        print(
            f"Inserted {cursor.rowcount:,} rows in {elapsed:.2f}s "
            f"({cursor.rowcount / elapsed:,.0f} rows/s, Native blocks)"
        )

        cursor.execute(
            "SELECT protocol, action, count() AS events, formatReadableSize(sum(bytes)) AS "
            "traffic FROM events GROUP BY protocol, action ORDER BY events DESC LIMIT 8"
        )
        show("Busiest protocol/action pairs", cursor)

        cursor.execute(
            "SELECT toHour(timestamp) AS hour, count() AS events, countIf(action != 'allow')"
            " AS blocked FROM events GROUP BY hour ORDER BY hour LIMIT 6"
        )
        show("Events per hour (first six hours)", cursor)

        cursor.execute(
            "SELECT src_ip, count() AS events, uniqExact(port) AS ports FROM events "
            "GROUP BY src_ip ORDER BY events DESC LIMIT %(top)s",
            {"top": 5},
        )
        show("Top source addresses", cursor)

        cursor.execute(
            "SELECT protocol, quantileExact(0.5)(port) AS median_port, "
            "quantileExact(0.95)(bytes) AS p95_bytes, max(bytes) AS max_bytes FROM events "
            "WHERE timestamp >= %(since)s GROUP BY protocol ORDER BY protocol",
            {"since": datetime.datetime(2026, 11, 1, 12, tzinfo=datetime.timezone.utc)},
        )
        show("Ports and payload sizes per protocol, afternoon only", cursor)

        started = time.perf_counter()
        streamed = connection.cursor(stream=True)
        streamed.execute("SELECT id, timestamp, src_ip, bytes FROM events")
        total = sum(row[3] for row in streamed)
        elapsed = time.perf_counter() - started
        print(
            f"\nStreamed all rows back in {elapsed:.2f}s "
            f"({streamed.rowcount / elapsed:,.0f} rows/s); {total:,} bytes in total"
        )


if __name__ == "__main__":
    main()

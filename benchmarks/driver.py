"""Throughput of ``clickhouse_backend.driver`` against the libraries it is built on.

The driver is a thin PEP 249 layer over chDB (embedded), clickhouse-driver (TCP) and
urllib3 with clickhouse-driver's codecs (HTTP). This
script measures what that layer costs: each operation runs once through the bare library
("raw", written here the way its users would call it) and once through our driver, on the
same generated rows, the same MergeTree table, truncated before every insert, and reports
rows/s and the ratio ours/raw (above 1: ours is faster).

    python benchmarks/driver.py [--rows 1000000] [--repeat 3] [--transport all|http|...]

Python's cyclic garbage collector stays on, as it is for users. Our driver pauses it while
it decodes results (``clickhouse_backend/driver/gcpause.py``); that is part of the driver,
so it is measured as such, and the output says so. The generated data set is frozen out of
the collector's sight (``gc.freeze()``) so that no contender pays for scanning the harness's
own million rows.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import pathlib
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any
from urllib.parse import urlencode

from clickhouse_driver import Client
from clickhouse_driver import __version__ as driver_version
from clickhouse_driver.block import ColumnOrientedBlock, RowOrientedBlock
from clickhouse_driver.bufferedreader import BufferedReader
from clickhouse_driver.bufferedwriter import BufferedSocketWriter
from clickhouse_driver.compression import get_compressor_cls
from clickhouse_driver.connection import ServerInfo
from clickhouse_driver.context import Context
from clickhouse_driver.streams.native import BlockInputStream, BlockOutputStream
from clickhouse_driver.util.helpers import chunks, column_chunks

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from clickhouse_server import LocalServer, find_server_binary  # noqa: E402

from clickhouse_backend import driver  # noqa: E402
from clickhouse_backend.driver.connection import DEFAULT_INSERT_BLOCK_SIZE  # noqa: E402

TABLE = "bench"
SELECT_SQL = f"SELECT * FROM {TABLE}"
#: Our driver's default block size; the raw embedded path uses the same, for like with like.
BLOCK_SIZE = DEFAULT_INSERT_BLOCK_SIZE
SEED = 20240601

Row = tuple
Columns = list[list]


@dataclass(frozen=True)
class Schema:
    """The benchmark table's columns, as one transport's ClickHouse version can hold them."""

    columns: tuple[tuple[str, str], ...]

    @property
    def names(self) -> str:
        return ", ".join(name for name, _ in self.columns)

    def create_sql(self) -> str:
        """MergeTree ordered by the Int64 key on both transports, so storage costs match."""
        body = ", ".join(f"{name} {column_type}" for name, column_type in self.columns)
        return f"CREATE TABLE {TABLE} ({body}) ENGINE = MergeTree ORDER BY id"

    def insert_sql(self) -> str:
        return f"INSERT INTO {TABLE} ({self.names}) VALUES"


EMBEDDED_SCHEMA = Schema(
    (
        ("id", "Int64"),
        ("name", "String"),
        ("category", "LowCardinality(String)"),
        ("created", "DateTime64(6, 'UTC')"),
        ("amount", "Float64"),
        ("quantity", "Nullable(Int32)"),
        ("uid", "UUID"),
        ("tags", "Array(String)"),
    )
)

# Debian's clickhouse-server 18.16 has no DateTime64 and no LowCardinality (without an
# experimental setting): DateTime('UTC') and String are the closest types it has. The
# Python values inserted are the same; the server keeps whole seconds only.
_ON_18_16 = {"LowCardinality(String)": "String", "DateTime64(6, 'UTC')": "DateTime('UTC')"}
SERVER_SCHEMA = Schema(
    tuple((name, _ON_18_16.get(type_, type_)) for name, type_ in EMBEDDED_SCHEMA.columns)
)


# -- data ------------------------------------------------------------------------------


def generate_rows(count: int, seed: int = SEED) -> list[Row]:
    """Deterministic mixed rows: every contender inserts exactly these Python objects.

    Repeated strings (categories, tags) share objects, as values from a real application
    often do; names, timestamps, amounts and UUIDs are all distinct.
    """
    rng = random.Random(seed)
    categories = [f"category-{index:02d}" for index in range(40)]
    words = [f"tag{index}" for index in range(500)]
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    microsecond = datetime.timedelta(microseconds=1)
    rows = []
    for index in range(count):
        rows.append(
            (
                index,
                f"user-{rng.getrandbits(40):010x}",
                categories[rng.randrange(40)],
                start + rng.getrandbits(45) * microsecond,
                rng.random() * 1000.0,
                None if index % 7 == 0 else rng.randrange(-(2**31), 2**31),
                uuid.UUID(int=rng.getrandbits(128)),
                rng.sample(words, index % 4),
            )
        )
    return rows


def to_columns(rows: Sequence[Row]) -> Columns:
    """The same rows, column by column, for columnar inserts."""
    return [list(column) for column in zip(*rows, strict=True)]


def prepare_data(count: int) -> tuple[list[Row], Columns]:
    """Rows and columns, built once with the GC off, then frozen out of its sight.

    Building millions of tracked objects with the GC on makes it rescan them over and over
    (slow, and none of any contender's business); frozen, they cost no contender's
    collections anything either.
    """
    gc.disable()
    try:
        rows = generate_rows(count)
        data = (rows, to_columns(rows))
    finally:
        gc.enable()
    gc.collect()
    gc.freeze()
    return data


# -- timing ----------------------------------------------------------------------------


@dataclass
class Contender:
    """One way to do an operation: ``run`` is timed, ``prepare`` (if any) is not."""

    run: Callable[[], Any]
    prepare: Callable[[], None] | None = None


@dataclass
class Measurement:
    transport: str
    operation: str
    raw_rps: float
    ours_rps: float

    @property
    def ratio(self) -> float:
        return self.ours_rps / self.raw_rps


def time_once(contender: Contender) -> tuple[float, Any]:
    """Seconds one run takes, and what it returned (freed by the caller, outside the clock).

    Garbage left from an earlier run is collected first, so no run pays for another's.
    """
    if contender.prepare is not None:
        contender.prepare()
    gc.collect()
    begin = time.perf_counter()
    result = contender.run()
    return time.perf_counter() - begin, result


@dataclass
class Comparison:
    """Seconds per run of each contender, and the last result of each (for checks)."""

    raw_seconds: list[float]
    ours_seconds: list[float]
    raw_result: Any
    ours_result: Any

    def measurement(self, transport: str, operation: str, rows: int) -> Measurement:
        """Median rows/s, printed with every run's time so noisy runs show up."""
        raw = ", ".join(f"{seconds:.3f}" for seconds in self.raw_seconds)
        ours = ", ".join(f"{seconds:.3f}" for seconds in self.ours_seconds)
        print(f"  {transport} {operation}: raw {raw} s; ours {ours} s", flush=True)
        raw_rps = rows / statistics.median(self.raw_seconds)
        return Measurement(
            transport, operation, raw_rps, rows / statistics.median(self.ours_seconds)
        )


def compare(raw: Contender, ours: Contender, repeat: int) -> Comparison:
    """Time both ``repeat`` times, interleaved so drift in the machine hits both alike."""
    outcome = Comparison([], [], None, None)
    for _ in range(repeat):
        outcome.raw_result = None
        seconds, outcome.raw_result = time_once(raw)
        outcome.raw_seconds.append(seconds)
        outcome.ours_result = None
        seconds, outcome.ours_result = time_once(ours)
        outcome.ours_seconds.append(seconds)
    return outcome


def count(iterable: Iterable) -> int:
    """The consumer of every streaming read: touch each row once, keep none."""
    total = 0
    for _ in iterable:
        total += 1
    return total


def counted(rows: Iterable[Row]) -> tuple[int, Iterable[Row]]:
    """``count(rows)``, and the rows themselves, kept alive past the clock."""
    return count(rows), rows


# -- the raw embedded path: chDB + clickhouse-driver's Native codecs, nothing of ours ---


class _BytesReader(BufferedReader):
    """clickhouse-driver's reader over one bytes object (it normally reads a socket)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(0)
        self.buffer = bytearray(data)
        self.current_buffer_size = len(data)

    def read_into_buffer(self) -> None:
        raise EOFError("the Native data ended in the middle of a block")


class _Sink:
    """What clickhouse-driver's writer flushes to instead of a socket."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.parts.append(bytes(data))


def native_context(timezone: str) -> Context:
    """The codec context the Native *format* needs: revision 0 means no block info."""
    context = Context()
    context.server_info = ServerInfo("chDB", 0, 0, 0, 0, timezone, "chDB", 0)
    context.settings = {}
    context.client_settings = Client("localhost").client_settings
    return context


def decode_blocks(data: bytes, context: Context) -> Iterator[ColumnOrientedBlock]:
    """Every block of a Native result: one result of many rows holds several."""
    reader = _BytesReader(data)
    stream = BlockInputStream(reader, context)
    while reader.position < reader.current_buffer_size:
        yield stream.read()


class RawEmbedded:
    """The minimal raw path ENGINE-FACTS describes, as a chDB user would write it."""

    def __init__(self, connection: Any, schema: Schema) -> None:
        self.connection = connection
        self.schema = schema
        self.context = native_context("UTC")

    def _encode(self, block: Any) -> bytes:
        sink = _Sink()
        writer = BufferedSocketWriter(sink, 1 << 20)
        BlockOutputStream(writer, self.context).write(block)
        return b"".join(sink.parts)

    def _insert(self, blocks: Iterable[Any]) -> None:
        inserter = self.connection.send_insert(
            f"INSERT INTO {TABLE} ({self.schema.names})", "Native"
        )
        for block in blocks:
            inserter.append(self._encode(block))
        inserter.finish()

    def insert_rows(self, rows: list[Row]) -> None:
        """Slices of rows, transposed by RowOrientedBlock: what ``Client.execute`` does."""
        columns = list(self.schema.columns)
        self._insert(RowOrientedBlock(columns, chunk) for chunk in chunks(rows, BLOCK_SIZE))

    def insert_columns(self, data: Columns) -> None:
        """Column slices (copies, so the writers' in-place rewrites spare the caller's data)."""
        columns = list(self.schema.columns)
        self._insert(
            ColumnOrientedBlock(columns, chunk) for chunk in column_chunks(data, BLOCK_SIZE)
        )

    def fetchall(self) -> list[Row]:
        rows: list[Row] = []
        data = self.connection.query(SELECT_SQL, "Native").bytes()
        for block in decode_blocks(data, self.context):
            rows.extend(block.get_rows())
        return rows

    def iterate(self) -> Iterator[Row]:
        """Streamed: chDB hands out whole Native blocks, decoded as they come."""
        for chunk in self.connection.send_query(SELECT_SQL, "Native"):
            for block in decode_blocks(chunk.bytes(), self.context):
                yield from block.get_rows()


# -- our driver, on either transport ----------------------------------------------------


class Ours:
    """The same operations through ``clickhouse_backend.driver``'s public API."""

    def __init__(self, connection: driver.Connection, schema: Schema) -> None:
        self.connection = connection
        self.schema = schema

    def insert_rows(self, rows: list[Row]) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(self.schema.insert_sql(), rows)

    def insert_columns(self, data: Columns) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(self.schema.insert_sql(), data, columnar=True)

    def fetchall(self) -> list[Row]:
        with self.connection.cursor() as cursor:
            cursor.execute(SELECT_SQL)
            return cursor.fetchall()

    def executed(self) -> driver.Cursor:
        """A cursor with the whole result read, its rows to be iterated."""
        cursor = self.connection.cursor()
        cursor.execute(SELECT_SQL)
        return cursor

    def iterate(self) -> Iterator[Row]:
        with self.connection.cursor(stream=True) as cursor:
            cursor.execute(SELECT_SQL)
            yield from cursor


class RawServer:
    """clickhouse-driver's ``Client`` called the usual way, with its default settings."""

    def __init__(self, client: Client, schema: Schema) -> None:
        self.client = client
        self.schema = schema

    def insert_rows(self, rows: list[Row]) -> None:
        self.client.execute(self.schema.insert_sql(), rows)

    def insert_columns(self, data: Columns) -> None:
        self.client.execute(self.schema.insert_sql(), data, columnar=True)

    def fetchall(self) -> list[Row]:
        return self.client.execute(SELECT_SQL)

    def iterate(self) -> Iterator[Row]:
        return self.client.execute_iter(SELECT_SQL)


class RawHttp(RawEmbedded):
    """urllib3 and clickhouse-driver's Native codecs over ClickHouse's HTTP interface, as
    a user of both would write it: one keep-alive connection, a POST a statement. Blocks
    are built and encoded as on the raw embedded path; only the carrier differs."""

    def __init__(self, host: str, port: int, schema: Schema, compression: str = "") -> None:
        import urllib3

        super().__init__(None, schema)
        self.pool = urllib3.HTTPConnectionPool(host, port, maxsize=1)
        self.compression = compression

    def _encode(self, block: Any) -> bytes:
        """With a compression method, each block as one of ClickHouse's compressed
        frames, written by clickhouse-driver's CompressedBlockOutputStream."""
        if not self.compression:
            return super()._encode(block)
        from clickhouse_driver.streams.compressed import CompressedBlockOutputStream

        sink = _Sink()
        writer = BufferedSocketWriter(sink, 1 << 20)
        compressor = get_compressor_cls(self.compression)
        CompressedBlockOutputStream(compressor, 1 << 20, writer, self.context).write(block)
        return b"".join(sink.parts)

    def run(self, sql: str, **params: str) -> bytes:
        response = self.pool.request_encode_url("POST", "/", fields=params, body=sql.encode())
        if response.status != 200:
            raise RuntimeError(response.data.decode())
        return response.data

    def _insert(self, blocks: Iterable[Any]) -> None:
        query = f"INSERT INTO {TABLE} ({self.schema.names}) FORMAT Native"
        params = {"query": query, **({"decompress": "1"} if self.compression else {})}
        url = "/?" + urlencode(params)
        body = (self._encode(block) for block in blocks)
        response = self.pool.urlopen("POST", url, body=body, chunked=True)
        if response.status != 200:
            raise RuntimeError(response.data.decode())

    def fetchall(self) -> list[Row]:
        rows: list[Row] = []
        for block in decode_blocks(self.run(SELECT_SQL, default_format="Native"), self.context):
            rows.extend(block.get_rows())
        return rows

    def iterate(self) -> Iterator[Row]:
        """Read whole, then decoded: urllib3 streams bytes, not Native blocks."""
        return iter(self.fetchall())


# -- one transport's round of comparisons ---------------------------------------------


def by_id(rows: list[Row]) -> list[Row]:
    """Rows in key order: MergeTree reads parts in parallel, so order is not guaranteed."""
    return sorted(rows, key=itemgetter(0))


def bench_transport(
    transport: str,
    raw: RawEmbedded | RawServer,
    ours: Ours,
    run_sql: Callable[[str], Any],
    data: tuple[list[Row], Columns],
    repeat: int,
    inserts_only: bool = False,
) -> list[Measurement]:
    """Insert (rows, columns) then read (fetchall, row iteration, streamed) on one transport.

    The table is truncated before each insert run; the reads see what the last insert left.
    """
    rows, columns = data
    n = len(rows)

    def truncate() -> None:
        run_sql(f"TRUNCATE TABLE {TABLE}")

    operations = [
        ("insert rows", raw.insert_rows, ours.insert_rows, rows, truncate),
        ("insert columnar", raw.insert_columns, ours.insert_columns, columns, truncate),
    ]
    results = []
    for name, raw_run, ours_run, argument, prepare in operations:
        outcome = compare(
            Contender(lambda f=raw_run, a=argument: f(a), prepare),
            Contender(lambda f=ours_run, a=argument: f(a), prepare),
            repeat,
        )
        results.append(outcome.measurement(transport, name, n))
    if inserts_only:
        return results

    outcome = compare(Contender(raw.fetchall), Contender(ours.fetchall), repeat)
    results.append(outcome.measurement(transport, "select fetchall", n))
    inserted = rows if transport == "embedded" else None
    check_same(transport, outcome.raw_result, outcome.ours_result, inserted)
    del outcome

    # Rows already in memory (read, untimed, by ``prepare``): only the loop over them is
    # timed, the per-row cost of iterating our cursor against a plain list's. The rows
    # are returned with the count, to be freed outside the clock.
    read: list[Iterable[Row]] = []
    outcome = compare(
        Contender(lambda: counted(read.pop()), lambda: read.append(raw.fetchall())),
        Contender(lambda: counted(read.pop()), lambda: read.append(ours.executed())),
        repeat,
    )
    check_count(transport, "row iteration", outcome.raw_result[0], outcome.ours_result[0], n)
    results.append(outcome.measurement(transport, "row iteration", n))

    outcome = compare(
        Contender(lambda: count(raw.iterate())), Contender(lambda: count(ours.iterate())), repeat
    )
    check_count(transport, "select streaming", outcome.raw_result, outcome.ours_result, n)
    results.append(outcome.measurement(transport, "select streaming", n))
    return results


def check_count(transport: str, operation: str, raw_count: int, ours_count: int, n: int) -> None:
    if raw_count != n or ours_count != n:
        raise SystemExit(
            f"{transport}: {operation} read {raw_count} and {ours_count} rows, not {n}"
        )


def check_same(
    transport: str, raw_rows: list[Row], ours_rows: list[Row], inserted: list[Row] | None
) -> None:
    """Fast is worthless if wrong: both must read the same values (and what was written)."""
    raw_sorted, ours_sorted = by_id(raw_rows), by_id(ours_rows)
    if transport == "http":
        # The Native format over HTTP writes DateTime('UTC') as a bare DateTime: the raw
        # path reads naive datetimes, ours asks for the zone (see driver/http.py).
        ours_sorted = [
            tuple(v.replace(tzinfo=None) if isinstance(v, datetime.datetime) else v for v in row)
            for row in ours_sorted
        ]
    if raw_sorted != ours_sorted:
        raise SystemExit(f"{transport}: our driver read different rows from the raw path")
    checked = "ours == raw"
    if inserted is not None:
        if inserted != ours_sorted:
            raise SystemExit(f"{transport}: the rows read back differ from the rows inserted")
        checked += " == rows inserted"
    print(f"  {transport} select fetchall: values checked ({checked})", flush=True)


# -- transports -------------------------------------------------------------------------


def run_embedded(data: tuple[list[Row], Columns], repeat: int) -> list[Measurement]:
    """Both contenders share the process's one in-memory chDB engine and its table."""
    import chdb
    import chdb.state.sqlitelike as chdb_connections

    ours_connection = driver.connect(embedded=":memory:")
    raw_connection = chdb_connections.connect(":memory:")
    try:
        raw_connection.query(f"DROP TABLE IF EXISTS {TABLE}")
        raw_connection.query(EMBEDDED_SCHEMA.create_sql())
        version = ".".join(map(str, ours_connection.server_version))
        print(f"embedded: chDB {chdb.__version__} (ClickHouse {version}), in process")
        results = bench_transport(
            "embedded",
            RawEmbedded(raw_connection, EMBEDDED_SCHEMA),
            Ours(ours_connection, EMBEDDED_SCHEMA),
            raw_connection.query,
            data,
            repeat,
        )
        raw_connection.query(f"DROP TABLE {TABLE}")
    finally:
        raw_connection.close()
        ours_connection.close()
    return results


def run_native(data: tuple[list[Row], Columns], repeat: int) -> list[Measurement]:
    """A throwaway Debian clickhouse-server on loopback; nothing if it is not installed."""
    if find_server_binary() is None:
        print("native: skipped, clickhouse-server is not installed")
        return []
    with tempfile.TemporaryDirectory(prefix="bench-ch-") as workdir:
        server = LocalServer(pathlib.Path(workdir))
        server.start()
        client = Client(server.host, port=server.tcp_port)
        ours_connection = driver.connect(host=server.host, port=server.tcp_port)
        try:
            client.execute(SERVER_SCHEMA.create_sql())
            version = ".".join(map(str, ours_connection.server_version))
            print(f"native: clickhouse-server {version} (Debian) over TCP on {server.host}")
            results = bench_transport(
                "native",
                RawServer(client, SERVER_SCHEMA),
                Ours(ours_connection, SERVER_SCHEMA),
                client.execute,
                data,
                repeat,
            )
        finally:
            ours_connection.close()
            client.disconnect()  # an idle connection slows the server's shutdown to ~10 s
            server.stop()
    return results


def run_http(
    data: tuple[list[Row], Columns], repeat: int, compression: str = ""
) -> list[Measurement]:
    """The same Debian server as run_native, over its HTTP interface. With a compression
    method, inserts only: both sides send ClickHouse's compressed frames, while 18.16's
    answers come uncompressed to our driver (see docs/driver.md) and a raw reader would
    compare different work."""
    transport = f"http+{compression}" if compression else "http"
    if find_server_binary() is None:
        print(f"{transport}: skipped, clickhouse-server is not installed")
        return []
    with tempfile.TemporaryDirectory(prefix="bench-ch-") as workdir:
        server = LocalServer(pathlib.Path(workdir))
        server.start()
        raw = RawHttp(server.host, server.http_port, SERVER_SCHEMA, compression)
        options = {"compression": compression} if compression else {}
        ours_connection = driver.connect(
            host=server.host, port=server.http_port, interface="http", **options
        )
        try:
            raw.run(SERVER_SCHEMA.create_sql())
            version = ".".join(map(str, ours_connection.server_version))
            print(f"{transport}: clickhouse-server {version} (Debian) over HTTP on {server.host}")
            results = bench_transport(
                transport,
                raw,
                Ours(ours_connection, SERVER_SCHEMA),
                raw.run,
                data,
                repeat,
                inserts_only=bool(compression),
            )
        finally:
            ours_connection.close()
            raw.pool.close()
            server.stop()
    return results


def run_http_zstd(data: tuple[list[Row], Columns], repeat: int) -> list[Measurement]:
    return run_http(data, repeat, "zstd")


def run_http_lz4(data: tuple[list[Row], Columns], repeat: int) -> list[Measurement]:
    return run_http(data, repeat, "lz4")


# -- output -----------------------------------------------------------------------------

RAW_PATHS = {
    "embedded": {
        "insert rows": "send_insert + BlockOutputStream(RowOrientedBlock), 100k-row blocks",
        "insert columnar": "send_insert + BlockOutputStream(ColumnOrientedBlock), 100k rows",
        "select fetchall": "query(sql, 'Native') + BlockInputStream + get_rows, to a list",
        "row iteration": "for row in <the list fetchall returned>  (only the loop is timed)",
        "select streaming": "send_query(sql, 'Native') + BlockInputStream per chunk, iterated",
    },
    "http": {
        "insert rows": "urllib3 POST INSERT ... FORMAT Native, RowOrientedBlock, 100k rows",
        "insert columnar": "urllib3 POST INSERT ... FORMAT Native, ColumnOrientedBlock",
        "select fetchall": "urllib3 POST (default_format=Native) + BlockInputStream, to a list",
        "row iteration": "for row in <the list fetchall returned>  (only the loop is timed)",
        "select streaming": "the raw path reads whole, then iterates (no streaming decoder)",
    },
    "http+lz4": {
        "insert rows": "as http, each block one lz4 frame (CompressedBlockOutputStream)",
        "insert columnar": "as http, each block one lz4 frame (decompress=1)",
    },
    "http+zstd": {
        "insert rows": "as http, each block one zstd frame (CompressedBlockOutputStream)",
        "insert columnar": "as http, each block one zstd frame (decompress=1)",
    },
    "native": {
        "insert rows": "Client.execute(insert, rows), its default block size (1,048,576)",
        "insert columnar": "Client.execute(insert, columns, columnar=True)",
        "select fetchall": "Client.execute(select)",
        "row iteration": "for row in <the list Client.execute returned>  (only the loop)",
        "select streaming": "Client.execute_iter(select), iterated",
    },
}
OURS_PATHS = {
    "insert rows": "cursor.executemany(insert, rows)  (100k-row blocks)",
    "insert columnar": "cursor.executemany(insert, columns, columnar=True)",
    "select fetchall": "cursor.execute(select); cursor.fetchall()",
    "row iteration": "cursor.execute(select) (not timed); for row in cursor",
    "select streaming": "conn.cursor(stream=True); execute; for row in cursor",
}


def print_table(results: list[Measurement]) -> None:
    header = f"{'transport':<10} {'operation':<17} {'raw rows/s':>12} {'ours rows/s':>12}"
    print(f"{header} {'ours/raw':>9}")
    print("-" * (len(header) + 10))
    for m in results:
        flag = "  <- ours >10% slower" if m.ratio < 0.9 else ""
        print(
            f"{m.transport:<10} {m.operation:<17} {m.raw_rps:>12,.0f} {m.ours_rps:>12,.0f}"
            f" {m.ratio:>9.2f}{flag}"
        )


def print_legend(transports: Sequence[str]) -> None:
    print("\nWhat each contender runs:")
    for transport in transports:
        for operation, raw_path in RAW_PATHS[transport].items():
            print(f"  {transport:<9} {operation:<17} raw:  {raw_path}")
    for operation, ours_path in OURS_PATHS.items():
        print(f"  {'both':<9} {operation:<17} ours: {ours_path}")


def print_preamble(args: argparse.Namespace) -> None:
    print(
        f"django-clickhouse-db driver benchmark: {args.rows:,} rows, median of {args.repeat}"
        f" runs; Python {platform.python_version()}, clickhouse-driver {driver_version},"
        f" {os.cpu_count()} CPUs"
    )
    print(
        "Table: MergeTree ORDER BY id, (id Int64, name String, category LowCardinality(String),"
        " created DateTime64(6, 'UTC'), amount Float64, quantity Nullable(Int32), uid UUID,"
        " tags Array(String)); on server 18.16: category String, created DateTime('UTC')."
    )
    print(
        "GC: on, as users run it; the raw libraries never pause it. Our driver pauses the"
        " cyclic GC while it builds result rows (clickhouse_backend/driver/gcpause.py:"
        " fetchall, and the decoding of each streamed block, on both transports): part of"
        " the driver, measured as such. The generated data is gc.freeze()-d, outside every timing."
    )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Load average before the run: {load} (other work on the machine skews figures)")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (median)")
    parser.add_argument(
        "--transport",
        choices=("embedded", "native", "http", "http+lz4", "http+zstd", "all"),
        default="all",
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    print_preamble(args)
    began = time.perf_counter()
    data = prepare_data(args.rows)
    print(f"(data generated in {time.perf_counter() - began:.1f} s, not timed)", flush=True)

    results: list[Measurement] = []
    runners = {
        "embedded": run_embedded,
        "native": run_native,
        "http": run_http,
        "http+lz4": run_http_lz4,
        "http+zstd": run_http_zstd,
    }
    for transport, runner in runners.items():
        if args.transport in (transport, "all"):
            results.extend(runner(data, args.repeat))
    if results:
        print()
        print_table(results)
        print_legend(list(dict.fromkeys(m.transport for m in results)))
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nTotal wall time {time.perf_counter() - began:.0f} s; load average after: {load}.")


if __name__ == "__main__":
    main()

"""DB-API behaviour on the suite's engine: cursors, inserts, streaming, settings, errors."""

import datetime
import gc
import os
import sys
import tracemalloc

import pytest

from clickhouse_backend import driver

UTC = datetime.timezone.utc


def test_module_globals():
    """The PEP 249 module attributes are what the driver does."""
    assert driver.apilevel == "2.0"
    assert driver.paramstyle == "pyformat"
    assert driver.threadsafety == 1
    assert issubclass(driver.ProgrammingError, driver.DatabaseError)
    assert issubclass(driver.DatabaseError, driver.Error)
    assert issubclass(driver.InterfaceError, driver.Error)


def test_fetch_methods(cursor):
    """fetchone, fetchmany (arraysize and explicit) and fetchall walk the rows in order."""
    cursor.execute("SELECT number FROM numbers(10)")
    assert cursor.rowcount == 10
    assert cursor.fetchone() == (0,)
    assert cursor.fetchmany() == [(1,)]
    cursor.arraysize = 3
    assert cursor.fetchmany() == [(2,), (3,), (4,)]
    assert cursor.fetchmany(2) == [(5,), (6,)]
    assert cursor.fetchall() == [(7,), (8,), (9,)]
    assert cursor.fetchone() is None
    assert cursor.fetchall() == []


def test_iteration_and_context_manager(conn):
    """A cursor iterates its rows and closes at the end of a with block."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT number * 2 FROM numbers(4)")
        assert [row for row in cursor] == [(0,), (2,), (4,), (6,)]
    assert cursor.closed
    with pytest.raises(driver.InterfaceError, match="closed"):
        cursor.execute("SELECT 1")


@pytest.mark.parametrize("stream", [False, True], ids=["buffered", "streaming"])
def test_iterating_and_fetching_share_one_position(conn, stream):
    """A cursor is its own iterator (PEP 249): fetching inside a for loop takes the next
    rows, and the loop goes on after them; no row comes twice or is skipped, across
    blocks too."""
    cursor = conn.cursor(stream=stream)
    cursor.execute("SELECT number FROM numbers(20)", settings={"max_block_size": 3})
    seen = []
    for (number,) in cursor:
        seen.append(number)
        if number in (2, 10):
            seen.append(cursor.fetchone()[0])
            seen.extend(number for (number,) in cursor.fetchmany(4))
    assert seen == list(range(20))
    assert next(cursor, None) is None
    assert iter(cursor) is cursor


@pytest.mark.parametrize("stream", [False, True], ids=["buffered", "streaming"])
def test_a_statement_ending_in_a_line_comment(conn, stream):
    """A query whose last line is a -- comment is described like any other: its
    rows, or its columns when it has no rows."""
    cursor = conn.cursor(stream=stream)
    cursor.execute("SELECT 1 AS one -- the answer")
    assert cursor.fetchall() == [(1,)]
    cursor.execute("SELECT 1 AS one WHERE 0 -- no rows")
    assert cursor.fetchall() == []
    assert cursor.description[0][:2] == ("one", "UInt8")


def test_statements_without_rows(cursor):
    """DDL has no description, and fetching from it says why."""
    cursor.execute("CREATE TABLE t (a Int8) ENGINE = Memory")
    assert cursor.description is None
    with pytest.raises(driver.ProgrammingError, match="no rows"):
        cursor.fetchall()


def test_inline_insert_counts_rows(cursor):
    """An INSERT with its own VALUES or SELECT reports the rows it wrote."""
    cursor.execute("CREATE TABLE t (a Int64) ENGINE = MergeTree ORDER BY a")
    cursor.execute("INSERT INTO t VALUES (1), (2)")
    assert cursor.rowcount == 2
    cursor.execute("INSERT INTO t SELECT number FROM numbers(5)")
    assert cursor.rowcount == 5


def test_executemany_rows_in_blocks(cursor):
    """Rows are sent in blocks of block_size, all of them, in order."""
    cursor.execute("CREATE TABLE t (a Int64, b String) ENGINE = MergeTree ORDER BY a")
    rows = [(i, f"row {i}") for i in range(1000)]
    cursor.executemany("INSERT INTO t (a, b) VALUES", iter(rows), block_size=128)
    assert cursor.rowcount == 1000
    cursor.execute("SELECT a, b FROM t ORDER BY a")
    assert cursor.fetchall() == rows


def test_executemany_columnar(cursor):
    """Columns of values insert as they are, without building rows."""
    cursor.execute("CREATE TABLE t (a Int64, b Nullable(String)) ENGINE = Memory")
    cursor.executemany(
        "INSERT INTO t (b, a) VALUES", [["x", None, "z"], [1, 2, 3]], columnar=True, block_size=2
    )
    assert cursor.rowcount == 3
    cursor.execute("SELECT a, b FROM t ORDER BY a")
    assert cursor.fetchall() == [(1, "x"), (2, None), (3, "z")]


@pytest.mark.parametrize("columnar", [False, True], ids=["rows", "columns"])
@pytest.mark.parametrize("size", [10**30, 1.5, 0, True])
def test_a_block_size_no_insert_could_use_is_refused(cursor, size, columnar):
    """executemany's block_size takes what insert_block_size takes: not a bare ValueError
    from slicing the rows, nor 1.5 or True taken as 1 row, nor 0 as the default."""
    cursor.execute("CREATE TABLE t (x UInt8) ENGINE = Memory")
    data = [[1, 2]] if columnar else [(1,), (2,)]
    message = rf"^block_size must be at least 1 and at most {sys.maxsize} rows \(an int\)"
    with pytest.raises(driver.ProgrammingError, match=message):
        cursor.executemany("INSERT INTO t (x) VALUES", data, columnar=columnar, block_size=size)
    cursor.execute("SELECT count() FROM t")
    assert cursor.fetchone() == (0,)


def test_insert_does_not_change_the_callers_data(cursor):
    """Encoding a block leaves the caller's lists as they were."""
    cursor.execute("CREATE TABLE t (d DateTime64(6, 'UTC'), n Nullable(Int8)) ENGINE = Memory")
    moment = datetime.datetime(2024, 1, 1, tzinfo=UTC)
    columns = [[moment, moment], [None, 1]]
    cursor.executemany("INSERT INTO t (d, n) VALUES", columns, columnar=True)
    assert columns == [[moment, moment], [None, 1]]


def test_insert_without_column_list_skips_computed_columns(cursor):
    """``INSERT INTO t VALUES`` writes the columns a plain INSERT would."""
    cursor.execute(
        "CREATE TABLE t (a Int64, doubled Int64 MATERIALIZED a * 2, b String DEFAULT 'd')"
        " ENGINE = Memory"
    )
    cursor.executemany("INSERT INTO t VALUES", [(1, "x")])
    cursor.execute("SELECT a, doubled, b FROM t")
    assert cursor.fetchall() == [(1, 2, "x")]


def test_executemany_runs_other_statements_per_parameter_set(cursor):
    """A non-INSERT statement runs once for each parameter set."""
    cursor.execute("CREATE TABLE t (a Int64) ENGINE = MergeTree ORDER BY a")
    cursor.executemany("INSERT INTO t SELECT %(n)s", [{"n": 1}, {"n": 2}])
    cursor.execute("SELECT a FROM t ORDER BY a")
    assert cursor.fetchall() == [(1,), (2,)]


def test_wrong_value_for_a_column_is_a_data_error(cursor):
    """A value that cannot be encoded names the column, and nothing of the block is written."""
    cursor.execute("CREATE TABLE t (a Int64, b Int32) ENGINE = MergeTree ORDER BY a")
    with pytest.raises(driver.DataError, match="Column b: required argument is not an integer"):
        cursor.executemany("INSERT INTO t (a, b) VALUES", [(1, 2), (3, "not a number")])
    with pytest.raises(driver.DataError):
        cursor.executemany("INSERT INTO t (a, b) VALUES", [(1, 2**40)])
    cursor.execute("SELECT count() FROM t")
    assert cursor.fetchone() == (0,)


def test_rows_of_the_wrong_width(cursor):
    """Rows must have one value per column."""
    cursor.execute("CREATE TABLE t (a Int64, b Int64) ENGINE = Memory")
    with pytest.raises(driver.ProgrammingError, match="2 values"):
        cursor.executemany("INSERT INTO t (a, b) VALUES", [(1, 2), (3,)])


def test_error_classes_and_codes(cursor):
    """ClickHouse errors arrive as the right PEP 249 class, with code, name and message."""
    with pytest.raises(driver.ProgrammingError) as syntax:
        cursor.execute("SELEC 1")
    assert (syntax.value.code, syntax.value.name) == (62, "SYNTAX_ERROR")
    with pytest.raises(driver.ProgrammingError) as unknown:
        cursor.execute("SELECT * FROM no_such_table")
    assert (unknown.value.code, unknown.value.name) == (60, "UNKNOWN_TABLE")
    assert "no_such_table" in unknown.value.message
    with pytest.raises(driver.DataError) as parse:
        cursor.execute("SELECT toInt32('abc')")
    assert parse.value.code == 6 and parse.value.name == "CANNOT_PARSE_TEXT"
    with pytest.raises(driver.DataError) as enum_value:
        cursor.execute("SELECT CAST('c' AS Enum8('a' = 1))")
    assert enum_value.value.code in (36, 691)


def test_check_constraint_is_an_integrity_error(cursor):
    """A violated CHECK constraint is an IntegrityError and writes nothing."""
    cursor.execute(
        "CREATE TABLE t (a Int64, CONSTRAINT positive CHECK a > 0) ENGINE = MergeTree ORDER BY a"
    )
    with pytest.raises(driver.IntegrityError) as violated:
        cursor.executemany("INSERT INTO t (a) VALUES", [(1,), (-1,)])
    assert violated.value.name == "VIOLATED_CONSTRAINT"
    cursor.execute("SELECT count() FROM t")
    assert cursor.fetchone() == (0,)


def test_transactions(conn):
    """commit() is accepted (writes are final); rollback() says there are no transactions."""
    conn.commit()
    with pytest.raises(driver.NotSupportedError, match="no transactions"):
        conn.rollback()


def test_session_settings(connect, database):
    """Connection settings hold for the session; per-statement ones for one statement."""
    conn = connect(database=database, settings={"max_threads": 1})
    cursor = conn.cursor()
    cursor.execute("SELECT getSetting('max_threads')")
    assert cursor.fetchone() == (1,)
    cursor.execute("SELECT getSetting('max_threads')", settings={"max_threads": 3})
    assert cursor.fetchone() == (3,)
    cursor.execute("SELECT getSetting('max_threads')")
    assert cursor.fetchone() == (1,)
    cursor.execute("SELECT getSetting('max_block_size')", settings={"max_block_size": 1000})
    assert cursor.fetchone() == (1000,)
    cursor.execute("SELECT getSetting('max_block_size') != 1000")
    assert cursor.fetchone() == (True,)


def test_setting_changes_behaviour(cursor):
    """A per-statement setting changes what the statement does."""
    with pytest.raises(driver.DatabaseError) as too_many:
        cursor.execute(
            "SELECT number FROM numbers(10)",
            settings={"max_result_rows": 5, "result_overflow_mode": "throw"},
        )
    assert too_many.value.code == 396
    cursor.execute("SELECT count() FROM (SELECT number FROM numbers(10))")
    assert cursor.fetchone() == (10,)


def test_unknown_or_malformed_settings(connect, cursor):
    """An unknown setting name is refused clearly, on the connection or one statement."""
    with pytest.raises(driver.ProgrammingError) as unknown:
        connect(settings={"no_such_setting": 1})
    assert unknown.value.name == "UNKNOWN_SETTING"
    with pytest.raises(driver.ProgrammingError) as per_statement:
        cursor.execute("SELECT 1", settings={"max_threads": 7, "no_such_setting": 1})
    assert per_statement.value.code == 115
    cursor.execute("SELECT value FROM system.settings WHERE name = 'max_threads'")
    assert cursor.fetchone() != ("7",), "a refused statement's settings stayed in force"
    with pytest.raises(driver.ProgrammingError, match="not a valid ClickHouse setting"):
        cursor.execute("SELECT 1", settings={"max_threads = 1; DROP TABLE t; --": 1})


def test_multiple_statements_are_refused(cursor):
    """A text with two statements never reaches the engine."""
    cursor.execute("CREATE TABLE keep (a Int8) ENGINE = Memory")
    with pytest.raises(driver.ProgrammingError, match="more than one statement"):
        cursor.execute("SELECT 1; DROP TABLE keep")
    cursor.execute("EXISTS TABLE keep")
    assert cursor.fetchone() == (1,)


def test_streaming_cursor_reads_block_by_block(conn):
    """A streaming cursor yields every row in order, without holding the whole result."""
    cursor = conn.cursor(stream=True)
    cursor.execute("SELECT number, toString(number) FROM numbers(1000000)")
    assert cursor.description[0][:2] == ("number", "UInt64")
    gc.collect()
    tracemalloc.start()
    try:
        expected = 0
        for number, text in cursor:
            assert number == expected and text == str(expected)
            expected += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert expected == 1_000_000
    assert cursor.rowcount == 1_000_000
    # A whole million (int, str) rows take well over 100 MB; a block, a few MB.
    assert peak < 40 * 1024 * 1024, f"streaming held {peak / 2**20:.0f} MiB"


def test_another_statement_buffers_an_open_stream(conn):
    """Starting a statement mid-stream keeps the streamed rows: they are buffered."""
    streaming = conn.cursor(stream=True)
    streaming.execute("SELECT number FROM numbers(200000)")
    assert streaming.fetchmany(5) == [(0,), (1,), (2,), (3,), (4,)]
    other = conn.cursor()
    other.execute("SELECT 42")
    assert other.fetchone() == (42,)
    rest = streaming.fetchall()
    assert rest == [(n,) for n in range(5, 200000)]


def test_closing_a_stream_early_frees_the_connection(conn):
    """A stream abandoned half-way leaves the connection ready for the next statement."""
    streaming = conn.cursor(stream=True)
    streaming.execute("SELECT number FROM numbers(10000000)")
    assert streaming.fetchone() == (0,)
    streaming.close()
    cursor = conn.cursor()
    cursor.execute("SELECT 7")
    assert cursor.fetchall() == [(7,)]
    assert conn.ping()


def test_streaming_an_empty_result(conn):
    """An empty streamed result still describes its columns."""
    cursor = conn.cursor(stream=True)
    cursor.execute("SELECT number AS n FROM numbers(10) WHERE n > 100")
    assert cursor.fetchall() == []
    assert cursor.description[0][:2] == ("n", "UInt64")


def test_dsn_parsing():
    """A DSN carries the address, credentials, database, options and settings."""
    from clickhouse_backend.driver.dsn import parse_dsn

    options = parse_dsn(
        "clickhouses://us%40er:p%3Ass@db.example:9440/analytics"
        "?connect_timeout=2.5&compression=lz4&verify=0&max_threads=4"
    )
    assert options == {
        "host": "db.example",
        "port": 9440,
        "user": "us@er",
        "password": "p:ss",
        "database": "analytics",
        "secure": True,
        "connect_timeout": 2.5,
        "compression": "lz4",
        "verify": False,
        "settings": {"max_threads": "4"},
    }
    with pytest.raises(driver.InterfaceError, match="clickhouse://"):
        parse_dsn("postgres://localhost/db")
    with pytest.raises(driver.InterfaceError, match=r"secure='maybe'.* true/false or yes/no"):
        parse_dsn("clickhouse://localhost/db?secure=maybe")
    assert parse_dsn("clickhouse://localhost/db?secure=Yes&verify=no")["verify"] is False


def test_unknown_connect_option_is_named():
    """A misspelt connect() option is refused by name."""
    with pytest.raises(driver.InterfaceError, match="conect_timeout"):
        driver.connect(host="127.0.0.1", conect_timeout=1)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"connect_timeout": -1}, "connect_timeout must be a number of seconds more than 0"),
        ({"send_receive_timeout": float("nan")}, "send_receive_timeout must be"),
        ({"sync_request_timeout": "5"}, "sync_request_timeout must be"),
        ({"compression": "gzip"}, "compression must be True, False or one of lz4, lz4hc, zstd"),
        ({"insert_block_size": 0}, "insert_block_size must be at least 1"),
        ({"dsn": "clickhouse://127.0.0.1/?connect_timeout=0"}, "connect_timeout must be"),
    ],
)
def test_option_values_no_connection_could_use_are_named(options, message):
    """Checked before connecting: no socket ValueError or clickhouse-driver error later."""
    dsn = options.pop("dsn", None)
    address = {} if dsn else {"host": "127.0.0.1", "port": 1}
    with pytest.raises(driver.ProgrammingError, match=message):
        driver.connect(dsn, **address, **options)
    with pytest.raises(driver.ProgrammingError, match=message):
        driver.create_pool(dsn, **address, **options, min_size=0)


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ({"min_size": 5, "max_size": 2}, "min_size <= max_size"),
        ({"max_size": 0, "min_size": 0}, "max_size >= 1"),
        ({"max_size": 2.5}, "max_size must be an int"),
        ({"timeout": -1}, "pool timeout must be a number of seconds at least 0"),
        ({"check_idle_after": float("inf")}, "check_idle_after must be"),
    ],
)
def test_pool_sizes_are_checked_before_connecting(sizes, message):
    with pytest.raises(driver.ProgrammingError, match=message):
        driver.create_pool(host="127.0.0.1", port=1, **sizes)


@pytest.mark.skipif(bool(os.environ.get("CLICKHOUSE_TEST_DSN")), reason="embedded engine only")
def test_second_embedded_path_is_a_clear_error(conn, tmp_path):
    """chDB runs one engine per process: another path fails clearly while one is open."""
    with pytest.raises(driver.InterfaceError, match="one engine per process"):
        driver.connect(embedded=tmp_path / "other")
    cursor = conn.cursor()
    cursor.execute("SELECT 1")
    assert cursor.fetchone() == (1,)


def test_streaming_cursor_runs_metadata_statements(conn):
    """SHOW and DESCRIBE work on a streaming cursor too (they are read whole)."""
    cursor = conn.cursor(stream=True)
    cursor.execute("CREATE TABLE shown (a Int8) ENGINE = Memory")
    cursor.execute("SHOW TABLES")
    assert ("shown",) in cursor.fetchall()
    cursor.execute("DESCRIBE TABLE shown")
    assert cursor.fetchone()[:2] == ("a", "Int8")


def test_client_side_options_are_not_settings(cursor):
    """clickhouse-driver's own options would change decoded values: refused by name."""
    for name in ("strings_as_bytes", "use_numpy", "insert_block_size"):
        with pytest.raises(driver.ProgrammingError, match=f"'{name}' is a clickhouse-driver"):
            cursor.execute("SELECT 'x'", settings={name: True})


def test_description_nullability_is_the_columns_own(cursor):
    """null_ok and precision describe the column itself, not values nested in it."""
    cursor.execute(
        "SELECT [CAST(NULL AS Nullable(Int8))] AS a, [toDecimal32(1, 2)] AS d, "
        "CAST('x' AS LowCardinality(Nullable(String))) AS l"
    )
    array_of_nullable, array_of_decimal, low_cardinality = cursor.description
    assert array_of_nullable[6] is False
    assert array_of_decimal[4:6] == (None, None)
    assert low_cardinality[6] is True


def test_json_with_typed_paths_reads_as_json_text(cursor):
    """JSON columns travel as JSON text, so typed paths read (clickhouse-driver's reader
    of the JSON type's own encoding gets out of step on them)."""
    cursor.execute("""SELECT CAST('{"a": 1, "b": [1, "x", null]}' AS JSON(a UInt8)) AS j""")
    assert cursor.fetchone() == ({"a": 1, "b": [1, "x", None]},)


@pytest.mark.parametrize("checked", [False, True], ids=["plain", "with a CHECK constraint"])
def test_json_strings_shaped_like_dates_are_inserted_as_written(cursor, checked):
    """A string in an inserted JSON document stays that string: ClickHouse's defaults
    would store "2020/01/01" as a Date and give back "2020-01-01". The session's own
    settings for dates are left as they were."""
    check = ", CONSTRAINT positive CHECK id > 0" if checked else ""
    cursor.execute(f"CREATE TABLE t (id UInt8, j JSON{check}) ENGINE = MergeTree ORDER BY id")
    strings = ["2020/01/01", "2020-1-1", "2020-01-01T10:00:00", "1800-01-01", "2020-02-30"]
    documents = [{"at": at, "all": [at, {"at": at}]} for at in strings]
    cursor.executemany("INSERT INTO t (id, j) VALUES", list(enumerate(documents, 1)))
    cursor.execute("SELECT j, dynamicType(j.at) FROM t ORDER BY id")
    assert cursor.fetchall() == [(document, "String") for document in documents]
    cursor.execute("SELECT value FROM system.settings WHERE name = 'input_format_try_infer_dates'")
    assert cursor.fetchone() == ("1",)


@pytest.mark.parametrize(
    "expression, type_name",
    [
        ("CAST('x' AS Variant(String, UInt64))", "Variant(String, UInt64)"),
        ("CAST(1 AS Dynamic)", "Dynamic"),
        ("CAST(1.5 AS BFloat16)", "BFloat16"),
        ("CAST([(0, 0), (1, 1)] AS LineString)", "LineString"),
        ("tuple()", "Tuple()"),
    ],
)
def test_unreadable_types_fail_naming_column_and_type(cursor, expression, type_name):
    """A type clickhouse-driver cannot read is an error naming the column, its type and
    what to do; the connection stays usable."""
    with pytest.raises(driver.NotSupportedError) as raised:
        cursor.execute(f"SELECT 1 AS ok, {expression} AS payload")
    message = str(raised.value)
    assert f"'payload' of type {type_name}" in message and "cast the column" in message
    cursor.execute("SELECT 1")
    assert cursor.fetchone() == (1,)


HOLD_DIRECTORY = """
import sys, time
from clickhouse_backend import driver
connection = driver.connect(embedded=sys.argv[1])
print("open", flush=True)
time.sleep(60)
"""
OPEN_DIRECTORY = """
import sys
from clickhouse_backend import driver
try:
    driver.connect(embedded=sys.argv[1])
except driver.OperationalError as error:
    print("OperationalError:", error)
"""


def test_directory_in_use_by_another_process(tmp_path):
    """A chDB directory open in another process is an OperationalError saying so."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_DIRECTORY, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        second = subprocess.run(
            [sys.executable, "-c", OPEN_DIRECTORY, str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "OperationalError:" in second.stdout, second.stdout + second.stderr
        assert "in use by another process" in second.stdout
    finally:
        holder.kill()
        holder.wait()


def test_iteration_survives_other_statements_and_breaks(conn):
    """Iterating a stream while running other statements, or breaking and fetching on,
    yields every row exactly once."""
    streaming = conn.cursor(stream=True)
    streaming.execute("SELECT number FROM numbers(250000)")
    other = conn.cursor()
    seen = []
    for (number,) in streaming:
        seen.append(number)
        if number in (10, 70000):
            other.execute("SELECT %s", [number])  # buffers the rest of the stream
            assert other.fetchone() == (number,)
        if number == 100000:
            break
    assert streaming.fetchone() == (100001,)
    seen.append(100001)
    seen.extend(number for (number,) in streaming)
    assert seen == list(range(250000))


def test_threads_each_with_their_own_connection(connect, database):
    """Several threads, each with its own connection to the engine, run side by side."""
    import threading

    results, errors = {}, []

    def work(worker):
        try:
            cursor = connect(database=database).cursor()
            for round_ in range(20):
                cursor.execute("SELECT %s * 100 + %s", [worker, round_])
                results[(worker, round_)] = cursor.fetchone()[0]
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert results == {(w, r): w * 100 + r for w in range(4) for r in range(20)}


LEFT_OPEN = """
import sys
from clickhouse_backend import driver
connection = driver.connect(embedded=sys.argv[1])
cursor = connection.cursor()
cursor.execute("CREATE TABLE t (a Int64) ENGINE = MergeTree ORDER BY a")
cursor.executemany("INSERT INTO t (a) VALUES", [(n,) for n in range(1000)])
streaming = connection.cursor(stream=True)
streaming.execute("SELECT a FROM t")
streaming.fetchone()
print("done")
"""
COUNT = """
import sys
from clickhouse_backend import driver
cursor = driver.connect(embedded=sys.argv[1]).cursor()
cursor.execute("SELECT count() FROM t")
print(cursor.fetchone()[0])
"""


def test_a_process_that_never_closes_exits_cleanly(tmp_path):
    """A script that forgets close() (mid-stream even) exits cleanly, its rows kept."""
    import subprocess
    import sys

    def run(script):
        return subprocess.run(
            [sys.executable, "-c", script, str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )

    finished = run(LEFT_OPEN)
    assert (finished.returncode, finished.stdout.strip(), finished.stderr.strip()) == (
        0,
        "done",
        "",
    )
    assert run(COUNT).stdout.strip() == "1000"


ENGINE_LIFETIME = """
import sys
from clickhouse_backend import driver
with driver.connect(embedded=":memory:") as first:
    first.cursor().execute("CREATE TABLE kept (a Int8) ENGINE = Memory")
    first.cursor().execute("INSERT INTO kept VALUES (1)")
with driver.connect(embedded=":memory:") as second:  # the engine outlived `first`
    cursor = second.cursor()
    cursor.execute("SELECT count() FROM kept")
    print(cursor.fetchone()[0])
with driver.connect(embedded=sys.argv[1]) as other:  # nothing uses :memory: now
    cursor = other.cursor()
    cursor.execute("SELECT 2")
    print(cursor.fetchone()[0])
"""


def test_engine_outlives_its_connections_until_another_path(tmp_path):
    """An in-memory database keeps its tables between connections; once nothing uses it,
    another path can be opened."""
    import subprocess
    import sys

    finished = subprocess.run(
        [sys.executable, "-c", ENGINE_LIFETIME, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.stdout.split() == ["1", "2"], finished.stderr

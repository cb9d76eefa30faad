"""The native transport against a real clickhouse-server 18.16 over TCP.

Every test runs real SQL on a throwaway Debian server: ``local_server`` is shared by the
session, ``own_server`` is started for a test that kills or restarts it.
"""

from __future__ import annotations

import datetime
import decimal
import math
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from clickhouse_backend import driver

THROWS_MID_RESULT = (
    "SELECT number, throwIf(number = 100000) AS boom FROM system.numbers LIMIT 200000"
)
NO_SQUASHING = {"min_insert_block_size_rows": 0, "min_insert_block_size_bytes": 0}


@pytest.fixture
def opened():
    """Connections a test opens; every one is closed after the test."""
    connections: list[driver.Connection] = []
    yield connections
    for connection in connections:
        connection.close()


@pytest.fixture
def open_local(local_server, opened):
    """``open_local(**options)``: a connection to the shared server, closed after the test."""

    def open_connection(**options):
        connection = driver.connect(host=local_server.host, port=local_server.tcp_port, **options)
        opened.append(connection)
        return connection

    return open_connection


@pytest.fixture
def table(native):
    """A fresh table name in the shared server's ``default`` database, dropped after."""
    name = f"t_native_{uuid.uuid4().hex[:12]}"
    yield name
    native.cursor().execute(f"DROP TABLE IF EXISTS {name}")


def level0_parts(cursor: driver.Cursor, table: str) -> int:
    """How many parts inserts wrote into a MergeTree table (merges do not change it)."""
    cursor.execute(
        "SELECT count() FROM system.parts "
        "WHERE database = currentDatabase() AND table = %(t)s AND level = 0",
        {"t": table},
    )
    return cursor.fetchone()[0]


# -- connecting and querying ----------------------------------------------------------


def test_connect_with_keyword_arguments(local_server, open_local):
    """connect(host=..., port=...) reaches the server and reports its version."""
    connection = open_local()
    assert connection.server_version[:2] == (18, 16)
    assert len(connection.server_version) == 3
    cursor = connection.cursor()
    cursor.execute("SELECT 40 + 2")
    assert cursor.fetchall() == [(42,)]


def test_connect_with_dsn(local_server, opened):
    """connect("clickhouse://...") reaches the same server as keyword arguments."""
    connection = driver.connect(local_server.dsn())
    opened.append(connection)
    assert connection.server_version[:2] == (18, 16)
    cursor = connection.cursor()
    cursor.execute("SELECT currentDatabase()")
    assert cursor.fetchall() == [("default",)]


def test_query_rows_and_description(native):
    """A SELECT gives typed rows, and description gives each column's name and type."""
    cursor = native.cursor()
    cursor.execute(
        "SELECT 1 AS a, 'x' AS b, toDate('2020-01-02') AS d, "
        "toDateTime('2020-01-02 03:04:05') AS dt, toDecimal64('1.25', 2) AS dec, "
        "CAST(NULL AS Nullable(Int32)) AS n, [1, 2] AS arr"
    )
    assert [column[0] for column in cursor.description] == ["a", "b", "d", "dt", "dec", "n", "arr"]
    assert [column[1] for column in cursor.description] == [
        "UInt8",
        "String",
        "Date",
        "DateTime",
        "Decimal(18, 2)",
        "Nullable(Int32)",
        "Array(UInt8)",
    ]
    assert cursor.description[4][4:6] == (18, 2)
    assert cursor.description[5][6] is True
    assert cursor.description[0][6] is False
    rows = cursor.fetchall()
    assert rows == [
        (
            1,
            "x",
            datetime.date(2020, 1, 2),
            datetime.datetime(2020, 1, 2, 3, 4, 5),
            decimal.Decimal("1.25"),
            None,
            [1, 2],
        )
    ]
    assert cursor.rowcount == 1


def test_executemany_inserts_rows_in_several_blocks(native, table):
    """executemany(INSERT ... VALUES, rows) sends every row, block by block, and counts them."""
    cursor = native.cursor()
    cursor.execute(
        f"CREATE TABLE {table} (id UInt32, name String, at DateTime, maybe Nullable(Int32)) "
        "ENGINE = MergeTree ORDER BY id"
    )
    expected = [
        (i, f"name {i} ü'\\", datetime.datetime(2020, 1, 1, 0, 0, i), None if i % 2 else -i)
        for i in range(25)
    ]
    rows = [list(row) for row in expected]  # list rows work too, and stay untouched
    cursor.executemany(
        f"INSERT INTO {table} (id, name, at, maybe) VALUES",
        rows,
        block_size=4,
        settings=NO_SQUASHING,
    )
    assert cursor.rowcount == 25
    assert level0_parts(cursor, table) == 7  # ceil(25 / 4) blocks, one part each
    cursor.execute(f"SELECT id, name, at, maybe FROM {table} ORDER BY id")
    assert cursor.fetchall() == expected
    assert [tuple(row) for row in rows] == expected


def test_executemany_columnar_insert_in_several_blocks(native, table):
    """executemany(..., columns, columnar=True) inserts columns exactly, block by block."""
    cursor = native.cursor()
    cursor.execute(
        f"CREATE TABLE {table} (id UInt32, name String, at DateTime, maybe Nullable(Int64)) "
        "ENGINE = MergeTree ORDER BY id"
    )
    ids = list(range(100, 110))
    names = [f"n{i}" for i in ids]
    moments = [datetime.datetime(2021, 5, 6, 7, 8, i) for i in range(10)]
    maybes = [None if i % 3 == 0 else -i for i in range(10)]
    columns = [ids, names, moments, maybes]
    expected = list(zip(ids, names, moments, maybes, strict=True))
    cursor.executemany(
        f"INSERT INTO {table} (id, name, at, maybe) VALUES",
        columns,
        columnar=True,
        block_size=3,
        settings=NO_SQUASHING,
    )
    assert cursor.rowcount == 10
    assert level0_parts(cursor, table) == 4  # ceil(10 / 3)
    cursor.execute(f"SELECT id, name, at, maybe FROM {table} ORDER BY id")
    assert cursor.fetchall() == expected
    assert list(zip(*columns, strict=True)) == expected  # the caller's lists are untouched


def test_executemany_into_log_table(native, table):
    """Rows inserted into a Log table in small blocks read back exactly, in order."""
    cursor = native.cursor()
    cursor.execute(f"CREATE TABLE {table} (id UInt64, payload String) ENGINE = Log")
    rows = [(i, "x" * (i % 7)) for i in range(1000)]
    cursor.executemany(f"INSERT INTO {table} (id, payload) VALUES", rows, block_size=64)
    assert cursor.rowcount == 1000
    cursor.execute(f"SELECT id, payload FROM {table}")
    assert cursor.fetchall() == rows


@pytest.mark.parametrize("size", [1.5, 0])
def test_a_block_size_no_insert_could_use_is_refused(native, table, size):
    """The same rule as insert_block_size: 1.5 rows or 0 rows a block is refused by
    name, not handed to clickhouse-driver."""
    cursor = native.cursor()
    cursor.execute(f"CREATE TABLE {table} (x UInt8) ENGINE = Memory")
    with pytest.raises(driver.ProgrammingError, match=r"^block_size must be at least 1"):
        cursor.executemany(f"INSERT INTO {table} (x) VALUES", [(1,), (2,)], block_size=size)
    cursor.execute(f"SELECT count() FROM {table}")
    assert cursor.fetchone() == (0,)


# -- error mapping --------------------------------------------------------------------


def test_syntax_error_is_programming_error(native):
    """A syntax error raises ProgrammingError with code 62 and name SYNTAX_ERROR."""
    with pytest.raises(driver.ProgrammingError) as caught:
        native.cursor().execute("SELEC 1")
    assert caught.value.code == 62
    assert caught.value.name == "SYNTAX_ERROR"


def test_unknown_table_is_programming_error(native):
    """A missing table raises ProgrammingError with code 60 and name UNKNOWN_TABLE."""
    with pytest.raises(driver.ProgrammingError) as caught:
        native.cursor().execute("SELECT * FROM no_such_table_anywhere")
    assert caught.value.code == 60
    assert caught.value.name == "UNKNOWN_TABLE"
    assert "no_such_table_anywhere" in caught.value.message


def test_unparsable_value_is_data_error(native):
    """A value the server cannot parse raises DataError, not a generic DatabaseError."""
    with pytest.raises(driver.DataError) as caught:
        native.cursor().execute("SELECT toInt32('abc')")
    assert caught.value.code == 6
    assert caught.value.name == "CANNOT_PARSE_TEXT"


def test_error_messages_have_no_server_stack_trace(native):
    """Error messages are the server's sentence, without its C++ stack trace or prefixes."""
    for sql in ("SELEC 1", "SELECT * FROM no_such_table_anywhere", "SELECT toInt32('abc')"):
        with pytest.raises(driver.DatabaseError) as caught:
            native.cursor().execute(sql)
        text = str(caught.value)
        assert "Stack trace" not in text, sql
        assert "DB::Exception" not in text, sql
        assert "libclickhouse" not in text, sql
        assert "\n" not in caught.value.message, sql


def test_connection_usable_after_errors(native):
    """A failed statement leaves the connection ready for the next one."""
    cursor = native.cursor()
    for sql in ("SELEC 1", "SELECT toInt32('abc')"):
        with pytest.raises(driver.DatabaseError):
            cursor.execute(sql)
        cursor.execute("SELECT 7")
        assert cursor.fetchall() == [(7,)]


def test_error_mid_result_leaves_connection_healthy(native):
    """A query that fails part-way through its rows leaves the connection idle and pingable."""
    cursor = native.cursor()
    with pytest.raises(driver.DatabaseError) as caught:
        cursor.execute(THROWS_MID_RESULT)
    assert caught.value.code == 395
    assert caught.value.name == "FUNCTION_THROW_IF_VALUE_IS_NON_ZERO"
    assert native.broken is False
    assert native.ping() is True
    cursor.execute("SELECT 9")
    assert cursor.fetchall() == [(9,)]


def test_error_mid_stream_is_raised_while_fetching(native):
    """A streamed query that fails part-way raises on fetch; the connection then works."""
    streaming = native.cursor(stream=True)
    streaming.execute(THROWS_MID_RESULT)
    fetched = 0
    with pytest.raises(driver.DatabaseError) as caught:
        for row in streaming:
            assert row[0] == fetched
            fetched += 1
    assert caught.value.code == 395
    assert 0 < fetched <= 100_000
    assert native.ping() is True
    cursor = native.cursor()
    cursor.execute("SELECT 10")
    assert cursor.fetchall() == [(10,)]


def test_non_utf8_column_name_raises_driver_error(native):
    """An unaliased expression over non-UTF-8 bytes is a clear error; with AS it works."""
    value = bytes(range(128, 256))
    cursor = native.cursor()
    with pytest.raises(driver.ProgrammingError, match=r"not valid UTF-8.*AS"):
        cursor.execute("SELECT hex(%(v)s)", {"v": value})
    cursor.execute("SELECT hex(%(v)s) AS h", {"v": value})
    assert cursor.fetchall() == [(value.hex().upper(),)]


def test_an_error_message_quoting_raw_bytes_is_mapped(native):
    """A server error whose message quotes bytes that are not UTF-8 raises the mapped
    error with its code, each invalid byte shown as U+FFFD; the session goes on."""
    cursor = native.cursor()
    with pytest.raises(driver.DataError) as caught:
        cursor.execute("SELECT toInt32(unhex('FFFE')) AS n")
    assert (caught.value.code, caught.value.name) == (6, "CANNOT_PARSE_TEXT")
    assert "Cannot parse string '\ufffd\ufffd' as Int32" in caught.value.message
    cursor.execute("SELECT 1")
    assert cursor.fetchall() == [(1,)]


# -- authentication -------------------------------------------------------------------


def who_am_i(connection: driver.Connection) -> str:
    cursor = connection.cursor()
    cursor.execute("SELECT user FROM system.processes WHERE query LIKE '%who-am-i-marker%'")
    return cursor.fetchone()[0]


def test_password_user_connects(local_server, opened):
    """A user with the right password connects and runs queries as that user."""
    by_dsn = driver.connect(local_server.dsn("tester", "secret"))
    opened.append(by_dsn)
    assert who_am_i(by_dsn) == "tester"
    by_keywords = driver.connect(
        host=local_server.host, port=local_server.tcp_port, user="tester", password="secret"
    )
    opened.append(by_keywords)
    assert who_am_i(by_keywords) == "tester"


def test_wrong_password_is_operational_error(local_server):
    """A wrong password raises OperationalError code 193 WRONG_PASSWORD."""
    with pytest.raises(driver.OperationalError) as caught:
        driver.connect(local_server.dsn("tester", "not-the-password"))
    assert caught.value.code == 193
    assert caught.value.name == "WRONG_PASSWORD"


def test_unknown_user_is_operational_error(local_server):
    """An unknown user raises OperationalError code 192 UNKNOWN_USER."""
    with pytest.raises(driver.OperationalError) as caught:
        driver.connect(
            host=local_server.host, port=local_server.tcp_port, user="nobody", password="x"
        )
    assert caught.value.code == 192
    assert caught.value.name == "UNKNOWN_USER"


# -- settings -------------------------------------------------------------------------


def test_unknown_connection_setting_is_refused(local_server):
    """An unknown setting for the session raises ProgrammingError 115 at connect()."""
    with pytest.raises(driver.ProgrammingError) as caught:
        driver.connect(
            host=local_server.host,
            port=local_server.tcp_port,
            settings={"no_such_setting": 1},
        )
    assert caught.value.code == 115
    assert caught.value.name == "UNKNOWN_SETTING"
    assert "no_such_setting" in caught.value.message


def test_unknown_query_setting_is_refused(native):
    """An unknown per-query setting raises ProgrammingError 115 instead of being dropped."""
    cursor = native.cursor()
    with pytest.raises(driver.ProgrammingError) as caught:
        cursor.execute("SELECT 1", settings={"no_such_setting": 1})
    assert caught.value.code == 115
    assert caught.value.name == "UNKNOWN_SETTING"
    cursor.execute("SELECT 1")
    assert cursor.fetchall() == [(1,)]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("max_threads", [1]),
        ("max_threads", None),
        ("max_threads", math.nan),
        ("max_threads", ""),
        ("max_threads", -1),
        ("max_threads", 2**64),
        ("join_use_nulls", []),
        ("readonly", "x"),
    ],
)
def test_setting_values_an_old_server_cannot_take_are_data_errors(native, name, value):
    """18.16 takes each setting in its binary type: a value that has none raises DataError
    naming the setting and what it takes, and the session goes on."""
    cursor = native.cursor()
    with pytest.raises(driver.DataError, match=rf"for the setting '{name}': ClickHouse 18.16"):
        cursor.execute("SELECT 1", settings={name: value})
    cursor.execute("SELECT 1")
    assert cursor.fetchall() == [(1,)]


def test_session_setting_values_an_old_server_cannot_take_are_refused(local_server):
    """The same for the session's settings, at connect()."""
    with pytest.raises(driver.DataError, match=r"'max_threads': ClickHouse 18.16.* an int"):
        driver.connect(
            host=local_server.host, port=local_server.tcp_port, settings={"max_threads": None}
        )


def test_a_setting_clickhouse_driver_cannot_send_is_refused(native):
    """A setting of 18.16 that clickhouse-driver has no binary type for is refused by name
    instead of being dropped."""
    cursor = native.cursor()
    with pytest.raises(driver.ProgrammingError, match="'insert_sample_with_metadata'"):
        cursor.execute("SELECT 1", settings={"insert_sample_with_metadata": 1})


def test_a_setting_name_is_sent_as_its_own_text(native):
    """A setting name of a str subclass that compares as another name is checked and
    sent as its own text."""

    class Disguised(str):
        def __eq__(self, other: object) -> bool:
            return other == "max_threads"

        def __hash__(self) -> int:
            return hash("max_threads")

    cursor = native.cursor()
    cursor.execute(
        "SELECT value FROM system.settings WHERE name = 'max_block_size'",
        settings={Disguised("max_block_size"): 1234},
    )
    assert cursor.fetchall() == [("1234",)]


def test_query_setting_applies_to_that_query_only(native):
    """A per-query setting takes effect for its query and does not leak to the next one."""
    cursor = native.cursor()
    sql = "SELECT number FROM system.numbers LIMIT 10"
    cursor.execute(sql)
    assert len(cursor.fetchall()) == 10
    limits = {"max_result_rows": 5, "result_overflow_mode": "throw"}
    with pytest.raises(driver.DatabaseError) as caught:
        cursor.execute(sql, settings=limits)
    assert caught.value.code == 396
    assert caught.value.name == "TOO_MANY_ROWS_OR_BYTES"
    cursor.execute(sql)
    assert [row[0] for row in cursor.fetchall()] == list(range(10))
    cursor.execute("SELECT value FROM system.settings WHERE name = 'max_result_rows'")
    assert cursor.fetchall() == [("0",)]


def test_connection_setting_applies_to_every_query(open_local):
    """A session setting given to connect() applies to every query of that connection."""
    connection = open_local(settings={"max_result_rows": 5, "result_overflow_mode": "throw"})
    cursor = connection.cursor()
    cursor.execute("SELECT number FROM system.numbers LIMIT 5")
    assert len(cursor.fetchall()) == 5
    for _ in range(2):
        with pytest.raises(driver.DatabaseError) as caught:
            cursor.execute("SELECT number FROM system.numbers LIMIT 10")
        assert caught.value.code == 396


# -- timeouts -------------------------------------------------------------------------


def test_send_receive_timeout_interrupts_slow_query(open_local):
    """A query slower than send_receive_timeout raises OperationalError instead of hanging."""
    connection = open_local(send_receive_timeout=1)
    cursor = connection.cursor()
    started = time.monotonic()
    with pytest.raises(driver.OperationalError) as caught:
        cursor.execute("SELECT sleep(3)")
    elapsed = time.monotonic() - started
    assert elapsed < 2.5, f"waited {elapsed:.1f}s for a 1s timeout"
    assert caught.value.code == 209
    assert caught.value.name == "SOCKET_TIMEOUT"
    assert "send_receive_timeout" in caught.value.message
    assert connection.broken is True


def test_max_execution_time_is_operational_error(native):
    """max_execution_time stops a heavy query with OperationalError code 159."""
    cursor = native.cursor()
    started = time.monotonic()
    with pytest.raises(driver.OperationalError) as caught:
        cursor.execute(
            "SELECT count() FROM system.numbers",
            settings={"max_execution_time": 1},
        )
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"the 1s limit took {elapsed:.1f}s"
    assert caught.value.code == 159
    assert caught.value.name == "TIMEOUT_EXCEEDED"
    cursor.execute("SELECT 1")
    assert cursor.fetchall() == [(1,)]


def test_http_port_gives_clear_error(local_server):
    """Connecting to the HTTP port fails fast with a message pointing at the native port."""
    started = time.monotonic()
    with pytest.raises(driver.OperationalError) as caught:
        driver.connect(
            host=local_server.host,
            port=local_server.http_port,
            connect_timeout=2,
            send_receive_timeout=2,
        )
    elapsed = time.monotonic() - started
    assert elapsed < 6, f"took {elapsed:.1f}s to give up"
    message = caught.value.message
    assert "native" in message
    assert "9000" in message
    assert "HTTP" in message
    assert "packet" not in message.lower()


# -- a server that dies or restarts ---------------------------------------------------


def test_connect_to_killed_server_fails_fast(own_server):
    """connect() to a dead server raises OperationalError 210 within connect_timeout."""
    own_server.kill()
    started = time.monotonic()
    with pytest.raises(driver.OperationalError) as caught:
        driver.connect(host=own_server.host, port=own_server.tcp_port, connect_timeout=2)
    elapsed = time.monotonic() - started
    assert elapsed < 3, f"took {elapsed:.1f}s with connect_timeout=2"
    assert caught.value.code == 210
    assert caught.value.name == "NETWORK_ERROR"
    assert str(own_server.tcp_port) in caught.value.message


def test_connect_to_frozen_server_fails_within_connect_timeout(own_server):
    """A server that accepts TCP but never answers (SIGSTOP) fails connect() in
    connect_timeout, not in send_receive_timeout (300 s): the handshake is bounded too."""
    with ThreadPoolExecutor(1) as background, own_server.frozen():
        started = time.monotonic()
        attempt = background.submit(
            driver.connect, host=own_server.host, port=own_server.tcp_port, connect_timeout=2
        )
        with pytest.raises(driver.OperationalError) as caught:
            attempt.result(timeout=60)  # a hang fails here; SIGCONT then ends the attempt
        elapsed = time.monotonic() - started
    assert 1.5 <= elapsed < 4, f"took {elapsed:.1f}s with connect_timeout=2"
    assert caught.value.code == 209
    assert caught.value.name == "SOCKET_TIMEOUT"
    assert "did not answer within connect_timeout (2s)" in caught.value.message
    assert f"{own_server.host}:{own_server.tcp_port}" in caught.value.message


def test_existing_connection_to_killed_server_breaks(own_server, opened):
    """A statement on a connection whose server died raises OperationalError, marks it broken."""
    connection = driver.connect(host=own_server.host, port=own_server.tcp_port, connect_timeout=2)
    opened.append(connection)
    cursor = connection.cursor()
    cursor.execute("SELECT 1")
    assert connection.broken is False
    own_server.kill()
    started = time.monotonic()
    with pytest.raises(driver.OperationalError) as caught:
        cursor.execute("SELECT 1")
    assert time.monotonic() - started < 5
    assert caught.value.code in (209, 210)
    assert connection.broken is True


def test_connection_survives_server_restart(own_server, opened):
    """After the server restarts, an open connection works again and MergeTree data stays."""
    connection = driver.connect(host=own_server.host, port=own_server.tcp_port)
    opened.append(connection)
    cursor = connection.cursor()
    cursor.execute("CREATE TABLE kept (id UInt32, name String) ENGINE = MergeTree ORDER BY id")
    rows = [(i, f"row {i}") for i in range(100)]
    cursor.executemany("INSERT INTO kept (id, name) VALUES", rows)
    own_server.restart()
    cursor.execute("SELECT id, name FROM kept ORDER BY id")
    assert cursor.fetchall() == rows


# -- streaming ------------------------------------------------------------------------

STREAM_ROWS = 300_000
STREAM_SQL = f"SELECT number FROM system.numbers LIMIT {STREAM_ROWS}"


def test_streaming_cursor_yields_every_row_in_order(native):
    """A streaming cursor yields all rows in order, reading them block by block."""
    cursor = native.cursor(stream=True)
    cursor.execute(STREAM_SQL)
    assert cursor.description[0][:2] == ("number", "UInt64")
    first = next(cursor)
    assert first == (0,)
    assert 0 < cursor.rowcount < STREAM_ROWS  # only the first block is in memory
    numbers = [first[0]] + [row[0] for row in cursor]
    assert numbers == list(range(STREAM_ROWS))
    assert cursor.rowcount == STREAM_ROWS
    assert cursor.fetchone() is None


def test_other_statement_mid_stream_buffers_the_rest(native):
    """Running another statement mid-stream keeps every remaining row of the stream."""
    streaming = native.cursor(stream=True)
    streaming.execute(STREAM_SQL)
    head = [next(streaming)[0] for _ in range(10)]
    other = native.cursor()
    other.execute("SELECT 7")
    assert other.fetchall() == [(7,)]
    other.execute("SELECT 8")
    assert other.fetchall() == [(8,)]
    rest = [row[0] for row in streaming]
    assert head + rest == list(range(STREAM_ROWS))


def test_closing_cursor_mid_stream_keeps_connection_usable(native):
    """Closing a cursor part-way through a stream leaves the connection ready for more."""
    streaming = native.cursor(stream=True)
    streaming.execute(STREAM_SQL)
    assert streaming.fetchmany(5) == [(0,), (1,), (2,), (3,), (4,)]
    streaming.close()
    cursor = native.cursor()
    cursor.execute("SELECT 41 + 1")
    assert cursor.fetchall() == [(42,)]
    again = native.cursor(stream=True)
    again.execute("SELECT number FROM system.numbers LIMIT 3")
    assert list(again) == [(0,), (1,), (2,)]


# -- parameters cannot inject SQL -----------------------------------------------------

HOSTILE_STRINGS = [
    "'",
    "''",
    '"',
    "\\",
    "\\'",
    "\\\\'",
    "end\\",
    "'; DROP TABLE {sentinel}; --",
    "') OR 1=1 --",
    "x' UNION ALL SELECT name FROM system.tables --",
    "a\0b",
    "\0",
    "line\nbreak\r\n",
    "\t\b\f\a\v",
    "%s %(v)s %%",
    "/* comment */ -- comment",
    "ünï©ødé 🎉 日本語",
    "\x7f\x1b[31m",
    "",
]


@pytest.fixture
def sentinel(native):
    """A table that hostile parameters try to drop; it must survive."""
    name = f"sentinel_{uuid.uuid4().hex[:12]}"
    cursor = native.cursor()
    cursor.execute(f"CREATE TABLE {name} (x UInt8) ENGINE = Log")
    cursor.executemany(f"INSERT INTO {name} (x) VALUES", [(1,), (2,)])
    yield name
    cursor.execute(f"DROP TABLE IF EXISTS {name}")


def assert_sentinel_intact(native: driver.Connection, sentinel: str) -> None:
    cursor = native.cursor()
    cursor.execute(f"EXISTS TABLE {sentinel}")
    assert cursor.fetchall() == [(1,)]
    cursor.execute(f"SELECT x FROM {sentinel} ORDER BY x")
    assert cursor.fetchall() == [(1,), (2,)]


def test_hostile_strings_round_trip_verbatim(native, sentinel):
    """A string parameter comes back exactly as given, whatever quotes or escapes it holds."""
    cursor = native.cursor()
    for template in HOSTILE_STRINGS:
        value = template.replace("{sentinel}", sentinel)
        cursor.execute("SELECT %(v)s AS v, hex(%(v)s) AS h", {"v": value})
        assert cursor.fetchall() == [(value, value.encode().hex().upper())], repr(value)
        cursor.execute("SELECT %s AS v, length(%s) AS n", (value, value))
        assert cursor.fetchall() == [(value, len(value.encode()))], repr(value)
    assert_sentinel_intact(native, sentinel)


def test_every_byte_value_round_trips(native, sentinel):
    """A bytes parameter reaches the server byte for byte, for all 256 byte values."""
    cursor = native.cursor()
    everything = bytes(range(256))
    cursor.execute("SELECT hex(%(v)s) AS h, length(%(v)s) AS n", {"v": everything})
    assert cursor.fetchall() == [(everything.hex().upper(), 256)]
    for byte in range(256):
        value = bytes([byte]) + b"\\" + bytes([byte]) + b"'" + bytes([byte])
        cursor.execute("SELECT hex(%(v)s) AS h", {"v": value})
        assert cursor.fetchall() == [(value.hex().upper(),)], f"byte {byte:#04x}"
    tail = b"'; DROP TABLE " + sentinel.encode() + b"; --\\"
    cursor.execute("SELECT hex(%s) AS h", (tail,))
    assert cursor.fetchall() == [(tail.hex().upper(),)]
    assert_sentinel_intact(native, sentinel)


def test_dsn_settings_and_keyword_settings_merge(local_server, opened):
    """Settings from a DSN and from keywords both apply; the keyword wins a conflict."""
    connection = driver.connect(
        local_server.dsn() + "?max_threads=3&max_block_size=1000",
        settings={"max_block_size": 2000},
    )
    opened.append(connection)
    cursor = connection.cursor()
    cursor.execute(
        "SELECT name, value FROM system.settings "
        "WHERE name IN ('max_threads', 'max_block_size') ORDER BY name"
    )
    assert cursor.fetchall() == [("max_block_size", "2000"), ("max_threads", "3")]


def test_alt_hosts_take_over_when_the_first_host_is_down(local_server, opened):
    """With alt_hosts, a connection reaches the next host when the first refuses."""
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        dead_port = unused.getsockname()[1]
    connection = driver.connect(
        host="127.0.0.1",
        port=dead_port,
        alt_hosts=f"127.0.0.1:{local_server.tcp_port}",
        connect_timeout=2,
    )
    opened.append(connection)
    cursor = connection.cursor()
    cursor.execute("SELECT 1")
    assert cursor.fetchone() == (1,)


@pytest.mark.parametrize("method", [True, "lz4", "zstd"])
def test_compressed_sessions_round_trip(open_local, method):
    """With compression on, queries and Native inserts carry the same data."""
    connection = open_local(compression=method)
    cursor = connection.cursor()
    table = f"compressed_{method}".lower()
    cursor.execute(f"CREATE TABLE {table} (id UInt32, text String) ENGINE = Memory")
    rows = [(n, "x" * (n % 50)) for n in range(20000)]
    try:
        cursor.executemany(f"INSERT INTO {table} (id, text) VALUES", rows, block_size=7000)
        cursor.execute(f"SELECT id, text FROM {table} ORDER BY id")
        assert cursor.fetchall() == rows
    finally:
        cursor.execute(f"DROP TABLE {table}")


def test_tls_with_a_verified_certificate(local_server, opened):
    """secure=True with ca_certs verifies the server's certificate and works."""
    connection = driver.connect(
        host="127.0.0.1",
        port=local_server.tls_port,
        secure=True,
        ca_certs=str(local_server.certificate),
    )
    opened.append(connection)
    cursor = connection.cursor()
    cursor.execute("SELECT 1")
    assert cursor.fetchone() == (1,)


def test_tls_refuses_an_unknown_certificate(local_server):
    """Without the issuer's certificate, verification fails with an OperationalError."""
    with pytest.raises(driver.OperationalError, match="ca_certs=") as untrusted:
        driver.connect(host="127.0.0.1", port=local_server.tls_port, secure=True)
    assert str(local_server.tls_port) in untrusted.value.message


def test_tls_to_a_plain_port_says_so(local_server):
    """secure=True against the plain native port explains the mismatch."""
    with pytest.raises(driver.OperationalError, match="does not speak TLS"):
        driver.connect(
            host="127.0.0.1", port=local_server.tcp_port, secure=True, connect_timeout=2
        )


def test_tls_without_verification(local_server, opened):
    """verify=False connects over TLS without checking the certificate."""
    connection = driver.connect(
        f"clickhouses://default:@127.0.0.1:{local_server.tls_port}/default?verify=0"
    )
    opened.append(connection)
    cursor = connection.cursor()
    cursor.execute("SELECT 1")
    assert cursor.fetchone() == (1,)

"""The HTTP(S) transport against Debian's 18.16 server, started by the tests: its HTTP
interface, and HTTPS with the self-signed certificate the tests make."""

from __future__ import annotations

import datetime
import decimal
import re
import sys
import uuid

import pytest
from byte_relay import ByteRelay

from clickhouse_backend import driver
from clickhouse_backend.driver.compressed_frames import CorruptFrameError, read_frames


@pytest.fixture
def http(local_server):
    """A connection to the shared local server over HTTP; closed after."""
    connection = driver.connect(
        host=local_server.host, port=local_server.http_port, interface="http"
    )
    yield connection
    connection.close()


@pytest.fixture
def table(http):
    """A fresh table name on the server, dropped after."""
    name = f"t_http_{uuid.uuid4().hex[:12]}"
    yield name
    http.cursor().execute(f"DROP TABLE IF EXISTS {name}")


def test_rows_decode_as_over_tcp(http, native):
    """Results travel in the Native format and read back as the native transport reads
    them, a zoned DateTime with its zone included (the format writes it bare)."""
    sql = (
        "SELECT number, toString(number) AS s, toDecimal64(number / 4, 2) AS d,"
        " toDateTime('2024-01-01 00:00:00', 'Asia/Tokyo') AS tokyo,"
        " [number, 1] AS arr, CAST(NULL AS Nullable(Int8)) AS n"
        " FROM system.numbers LIMIT 3"
    )
    cursor = http.cursor()
    cursor.execute(sql)
    rows = cursor.fetchall()
    over_tcp = native.cursor()
    over_tcp.execute(sql)
    assert rows == over_tcp.fetchall()
    assert cursor.description == over_tcp.description
    assert rows[1][2] == decimal.Decimal("0.25")
    assert rows[0][3] == datetime.datetime(2023, 12, 31, 15, tzinfo=datetime.timezone.utc)


def test_describing_a_result_while_it_streams_logs_no_warning(http, caplog):
    """A zoned DateTime is described outside the session while its result streams, on a
    second connection to the server: kept for the next time, not dropped with a warning
    from urllib3 on every such statement."""
    cursor = http.cursor()
    for _ in range(3):
        with caplog.at_level("WARNING", logger="urllib3"):
            cursor.execute("SELECT toDateTime('2024-01-01 00:00:00', 'Asia/Tokyo') AS t")
        assert cursor.fetchall()[0][0].tzinfo is not None
    assert [record.getMessage() for record in caplog.records] == []


def test_an_empty_result_still_describes_its_columns(http):
    cursor = http.cursor()
    cursor.execute("SELECT number, toString(number) AS s FROM system.numbers LIMIT 0")
    assert cursor.fetchall() == []
    assert [(c[0], c[1]) for c in cursor.description] == [("number", "UInt64"), ("s", "String")]
    cursor.execute("SHOW TABLES FROM system LIKE 'no_such_table%'")
    assert cursor.fetchall() == [] and cursor.description[0][:2] == ("name", "String")


def test_inserts_go_as_native_blocks(http, table):
    """Rows, dict rows and columns; a plain INSERT leaves MATERIALIZED columns out."""
    cursor = http.cursor()
    cursor.execute(
        f"CREATE TABLE {table} (a Int64, b String, twice Int64 MATERIALIZED a * 2) "
        "ENGINE = MergeTree ORDER BY a"
    )
    cursor.executemany(f"INSERT INTO {table} VALUES", [(1, "x"), (2, "y")], block_size=1)
    assert cursor.rowcount == 2
    cursor.executemany(f"INSERT INTO {table} (b, a) VALUES", [{"a": 3, "b": "z"}])
    cursor.executemany(f"INSERT INTO {table} (a, b) VALUES", [[4, 5], ["v", "w"]], columnar=True)
    cursor.execute(f"INSERT INTO {table} (a, b) VALUES", [])
    assert cursor.rowcount == 0
    cursor.execute(f"SELECT a, b, twice FROM {table} ORDER BY a")
    assert cursor.fetchall() == [(1, "x", 2), (2, "y", 4), (3, "z", 6), (4, "v", 8), (5, "w", 10)]


def test_a_value_that_does_not_fit_is_a_data_error(http, table):
    cursor = http.cursor()
    cursor.execute(f"CREATE TABLE {table} (a UInt8) ENGINE = Memory")
    with pytest.raises(driver.DataError, match="not an integer") as refused:
        cursor.executemany(f"INSERT INTO {table} VALUES", [(1,), ("not a number",)])
    assert refused.value.name == "TYPE_MISMATCH"
    cursor.execute(f"SELECT count() FROM {table}")
    assert cursor.fetchall() == [(0,)]


@pytest.mark.parametrize(
    "value", ["'; DROP TABLE x; --", "back\\slash", "\x00\n\t", "ünï", [1, 2], (1, "a")]
)
def test_parameters_are_rendered_as_on_the_other_transports(http, value):
    cursor = http.cursor()
    cursor.execute("SELECT %(v)s AS v, 'sentinel'", {"v": value})
    assert cursor.fetchall() == [(value, "sentinel")]


def test_server_errors_keep_their_code_and_class(http):
    cursor = http.cursor()
    with pytest.raises(driver.ProgrammingError) as unknown:
        cursor.execute("SELECT * FROM no_such_table_here")
    assert (unknown.value.code, unknown.value.name) == (60, "UNKNOWN_TABLE")
    assert "no_such_table_here" in unknown.value.message
    cursor.execute("SELECT 1")
    assert cursor.fetchall() == [(1,)]


def test_an_error_after_the_first_rows_is_raised_as_itself(http):
    """The status line went out with the first rows; the error is at the body's end."""
    cursor = http.cursor()
    with pytest.raises(driver.DatabaseError) as failed:
        cursor.execute(
            "SELECT throwIf(number = 300000) FROM system.numbers LIMIT 500000",
            settings={"max_block_size": 1000},
        )
    assert failed.value.code == 395
    cursor.execute("SELECT 2")
    assert cursor.fetchall() == [(2,)]


@pytest.mark.parametrize("compression", [False, True])
def test_a_long_error_after_the_first_rows_is_raised_as_itself(local_server, compression):
    """An error whose text is long (it quotes the value that failed) arrives in several
    pieces, gzipped or not: it is the server's error, not a failure to decode its first
    bytes as a column."""
    with driver.connect(
        host=local_server.host,
        port=local_server.http_port,
        interface="http",
        compression=compression,
    ) as connection:
        cursor = connection.cursor()
        bad = "x" + "y" * 6000
        with pytest.raises(driver.DataError) as failed:
            cursor.execute(
                "SELECT toUInt64(if(number = 1000000, %s, toString(number)))"
                " FROM system.numbers LIMIT 2000000",
                [bad],
                settings={"max_block_size": 1000},
            )
        assert (failed.value.code, failed.value.name) == (6, "CANNOT_PARSE_TEXT")
        cursor.execute("SELECT 2")
        assert cursor.fetchall() == [(2,)]


def test_a_session_keeps_its_state_even_after_an_abandoned_stream(http):
    """SET and temporary tables last for the connection, as over TCP; a result left
    half-read is stopped, so the session is free for the next statement."""
    cursor = http.cursor()
    cursor.execute("SET max_threads = 3")
    cursor.execute("CREATE TEMPORARY TABLE scratch (x UInt8) ENGINE = Memory")
    cursor.execute("INSERT INTO scratch VALUES", [(7,)])
    streaming = http.cursor(stream=True)
    streaming.execute(
        "SELECT number FROM system.numbers LIMIT 100000000", settings={"max_block_size": 1000}
    )
    assert streaming.fetchmany(2) == [(0,), (1,)]
    streaming.close()
    cursor.execute("SELECT value FROM system.settings WHERE name = 'max_threads'")
    assert cursor.fetchall() == [("3",)]
    cursor.execute("SELECT x FROM scratch")
    assert cursor.fetchall() == [(7,)]


def test_use_changes_the_database_of_the_next_statements(http):
    """Every request names the connection's database, which outweighs the session's:
    after USE, that is the database USE named."""
    other = f"test_http_use_{uuid.uuid4().hex[:12]}"
    cursor = http.cursor()
    cursor.execute(f"CREATE DATABASE {other}")
    try:
        cursor.execute(f"USE {other}")
        cursor.execute("SELECT currentDatabase()")
        assert cursor.fetchall() == [(other,)]
        cursor.execute("CREATE TABLE here (x UInt8) ENGINE = Memory")
        cursor.execute("SELECT name FROM system.tables WHERE database = %(db)s", {"db": other})
        assert cursor.fetchall() == [("here",)]
    finally:
        cursor.execute(f"DROP DATABASE {other}")


def test_every_statement_carries_a_query_id_of_the_drivers(http, table):
    """The id by which the driver stops a statement it gave up on, from outside the
    session: one the server made up would be unknown to the driver."""
    cursor = http.cursor()
    cursor.execute(f"CREATE TABLE {table} (id String) ENGINE = Memory")
    marker = f"marker_{uuid.uuid4().hex}"
    own_id = f"SELECT query_id FROM system.processes WHERE query LIKE '%{marker}%'"
    cursor.execute(own_id)
    (read,) = cursor.fetchall()
    cursor.execute(f"INSERT INTO {table} {own_id}")
    cursor.execute(f"SELECT id FROM {table}")
    (written,) = cursor.fetchall()
    for (query_id,) in (read, written):
        assert re.fullmatch(r"[0-9a-f]{32}", query_id), query_id  # a server's has dashes
    assert read != written


def _slow_inserts(cursor, table):
    """A table whose inserts keep the server busy 3 s after their body ends: sleep() in a
    MATERIALIZED column runs once a block, and KILL QUERY cannot cut it short."""
    cursor.execute(
        f"CREATE TABLE {table} (n UInt32, slow UInt8 MATERIALIZED sleep(3)) ENGINE = Memory"
    )


def _rows_then(failure):
    """A block of good rows, then ``failure``: a value that fits no UInt32, or the source
    of the rows raising."""
    yield from ((n,) for n in range(100))
    if failure == "bad value":
        yield ("not a number",)
        yield from ((n,) for n in range(99))
    else:
        raise ValueError("the source of the rows failed")


@pytest.mark.parametrize(
    ("failure", "raised"), [("bad value", driver.DataError), ("source raises", ValueError)]
)
def test_a_failed_insert_leaves_the_session_usable(http, table, failure, raised):
    """The server is still inserting the rows it got when the body breaks off: the driver
    stops that statement (KILL QUERY by its query_id) and waits for the session, so the
    next statement runs rather than finding the session locked."""
    cursor = http.cursor()
    _slow_inserts(cursor, table)
    with pytest.raises(raised):
        cursor.executemany(f"INSERT INTO {table} (n) VALUES", _rows_then(failure), block_size=100)
    cursor.execute("SELECT 1")
    assert cursor.fetchall() == [(1,)]
    assert http.broken is False and http.ping()


def test_a_session_still_held_by_a_statement_is_named_and_replaced(local_server, table, http):
    """If the session is still held when connect_timeout has passed, the connection says
    it is busy (a pool or Django replaces it), and a statement on it is refused with an
    error that says why, and marks it broken."""
    _slow_inserts(http.cursor(), table)
    hasty = driver.connect(
        host=local_server.host, port=local_server.http_port, interface="http", connect_timeout=0.5
    )
    with hasty:
        cursor = hasty.cursor()
        with pytest.raises(ValueError):
            cursor.executemany(
                f"INSERT INTO {table} (n) VALUES", _rows_then("source raises"), block_size=100
            )
        assert hasty.ping() is False
        with pytest.raises(
            driver.OperationalError, match="busy with an earlier statement"
        ) as held:
            cursor.execute("SELECT 1")
        assert (held.value.code, held.value.name) == (373, "SESSION_IS_LOCKED")
        assert hasty.broken is True


def test_a_connection_cut_during_the_answer_is_named_and_replaced(local_server):
    with (
        ByteRelay(local_server.host, local_server.http_port) as relay,
        driver.connect(host="127.0.0.1", port=relay.port, interface="http") as connection,
    ):
        cursor = connection.cursor(stream=True)
        cursor.execute(
            "SELECT number FROM system.numbers LIMIT 100000000", settings={"max_block_size": 1000}
        )
        assert cursor.fetchmany(2) == [(0,), (1,)]
        relay.cut()
        with pytest.raises(driver.OperationalError, match="lost during the answer") as lost:
            cursor.fetchall()
        assert (lost.value.code, lost.value.name) == (210, "NETWORK_ERROR")
        assert connection.broken is True and connection.ping() is False


def test_a_server_gone_between_statements_is_named(own_server):
    with driver.connect(
        host=own_server.host, port=own_server.http_port, interface="http"
    ) as connection:
        cursor = connection.cursor()
        cursor.execute("SELECT 1")
        own_server.kill()
        with pytest.raises(driver.OperationalError, match="Is the server still running") as gone:
            cursor.execute("SELECT 1")
        assert gone.value.code == 210 and connection.broken is True


def test_a_session_the_server_lost_with_its_state_is_named(own_server):
    """A server restarted (or a session idle past session_timeout) forgets the session's
    SET and temporary tables: a statement then is refused, and the connection replaced,
    rather than run silently without them. A session that held no state goes on (the
    database USE chose travels with every request)."""
    options = {"host": own_server.host, "port": own_server.http_port, "interface": "http"}
    with driver.connect(**options) as stateful, driver.connect(**options) as stateless:
        stateful.cursor().execute("SET max_threads = 3")
        stateless.cursor().execute("USE system")
        own_server.restart()
        with pytest.raises(driver.OperationalError, match="SET settings") as lost:
            stateful.cursor().execute("SELECT 1")
        assert (lost.value.code, lost.value.name) == (372, "SESSION_NOT_FOUND")
        assert stateful.broken is True and stateful.ping() is False
        cursor = stateless.cursor()
        cursor.execute("SELECT currentDatabase()")
        assert cursor.fetchall() == [("system",)]
        assert stateless.ping() is True


def _running(cursor, tag: str) -> int:
    cursor.execute(
        "SELECT count() FROM system.processes WHERE query LIKE %s AND query NOT LIKE %s",
        [f"%{tag}%", "%system.processes%"],
    )
    return cursor.fetchall()[0][0]


def test_a_statement_past_send_receive_timeout_is_stopped_on_the_server(local_server, http):
    """The server would run it on after the client gave up (an HTTP server learns of a
    closed connection only when it writes): the driver kills it, outside the session."""
    tag = uuid.uuid4().hex
    with driver.connect(
        host=local_server.host,
        port=local_server.http_port,
        interface="http",
        send_receive_timeout=1,
    ) as hasty:
        with pytest.raises(driver.OperationalError, match="did not answer in time") as late:
            hasty.cursor().execute(
                "SELECT sleepEachRow(0.1), %(tag)s FROM system.numbers LIMIT 600",
                {"tag": tag},
                settings={"max_block_size": 1},
            )
        assert (late.value.code, late.value.name) == (209, "SOCKET_TIMEOUT")
        assert hasty.broken is True
    assert _running(http.cursor(), tag) == 0


def test_statement_settings_apply_to_that_statement(http):
    cursor = http.cursor()
    query = "SELECT value FROM system.settings WHERE name = 'max_threads'"
    cursor.execute(query, settings={"max_threads": 1})
    assert cursor.fetchall() == [("1",)]
    cursor.execute(query)
    assert cursor.fetchall() != [("1",)]
    with pytest.raises(driver.ProgrammingError, match="nope") as unknown:
        cursor.execute("SELECT 1", settings={"nope": 1})
    assert unknown.value.name == "UNKNOWN_SETTING"


def test_connection_settings_are_checked_by_name(local_server):
    with pytest.raises(driver.ProgrammingError, match="nope = 1 was refused"):
        driver.connect(
            host=local_server.host,
            port=local_server.http_port,
            interface="http",
            settings={"nope": 1},
        )


def test_gzip_answers_read_the_same(local_server, http):
    """compression=True asks for gzip, HTTP's own encoding."""
    compressed = driver.connect(
        host=local_server.host, port=local_server.http_port, interface="http", compression=True
    )
    sql = "SELECT number, toString(number) FROM system.numbers LIMIT 20000"
    with compressed:
        cursor = compressed.cursor()
        cursor.execute(sql)
        plain = http.cursor()
        plain.execute(sql)
        assert cursor.fetchall() == plain.fetchall()


# Compressible rows: a counter, a repeated text, a date.
COMPRESSIBLE = [(n, f"event-{n % 7}", datetime.date(2024, 1, 1 + n % 28)) for n in range(200_000)]


def _insert_through(relay, table, **options):
    """Insert COMPRESSIBLE through ``relay``; the bytes the client sent."""
    with driver.connect(host="127.0.0.1", port=relay.port, interface="http", **options) as c:
        relay.reset()
        c.cursor().executemany(f"INSERT INTO {table} VALUES", COMPRESSIBLE)
        return relay.sent


@pytest.mark.parametrize("method", ["lz4", "lz4hc", "zstd"])
def test_inserts_travel_in_compressed_frames(local_server, http, table, method):
    """compression="lz4" | "lz4hc" | "zstd" sends insert bodies in ClickHouse's compressed
    frames (``decompress=1``): the server stores the same rows from far fewer bytes."""
    cursor = http.cursor()
    cursor.execute(f"CREATE TABLE {table} (n UInt32, s String, d Date) ENGINE = Memory")
    with ByteRelay(local_server.host, local_server.http_port) as relay:
        plain = _insert_through(relay, table)
        compressed = _insert_through(relay, table, compression=method)
    cursor.execute(f"SELECT n, s, d FROM {table} ORDER BY n, s")
    assert cursor.fetchall() == sorted(COMPRESSIBLE * 2)
    assert compressed < plain / 3, (method, compressed, plain)


def test_the_dsn_takes_a_compression_method(local_server, http, table):
    http.cursor().execute(f"CREATE TABLE {table} (n UInt32) ENGINE = Memory")
    address = f"{local_server.host}:{local_server.http_port}"
    with driver.connect(f"http://{address}/default?compression=zstd") as connection:
        assert connection._transport.frame_method == "zstd"
        cursor = connection.cursor()
        cursor.executemany(f"INSERT INTO {table} VALUES", [(1,), (2,)])
        cursor.execute(f"SELECT sum(n) FROM {table}")
        assert cursor.fetchall() == [(3,)]


def _framed(local_server, sql: str) -> bytes:
    """The server's own answer to ``sql`` in compressed frames (``compress=1``)."""
    import urllib3

    response = urllib3.request(
        "POST",
        f"http://{local_server.host}:{local_server.http_port}/?compress=1",
        body=sql.encode(),
    )
    assert response.status == 200
    return response.data


def test_answers_are_framed_only_where_small_framed_answers_arrive(local_server):
    """Debian's build of 18.16 sends an empty body for a framed answer under 1 MiB
    (ClickHouse issue 1724): on such a server answers come uncompressed instead of empty,
    and inserts stay framed."""
    server_frames_small_answers = _framed(local_server, "SELECT 1") != b""
    with driver.connect(
        host=local_server.host, port=local_server.http_port, interface="http", compression="lz4"
    ) as connection:
        assert connection._transport.framed_answers is server_frames_small_answers
        cursor = connection.cursor()
        cursor.execute("SELECT number FROM system.numbers LIMIT 3")
        assert cursor.fetchall() == [(0,), (1,), (2,)]


# Over 1 MiB; no zoned DateTime, whose zone a small DESCRIBE answer brings.
LARGE_SQL = (
    "SELECT number, toString(number) AS s, toDate(number % 30000) AS d,"
    " toDecimal64(number / 8, 3) AS m FROM system.numbers LIMIT 300000"
)


def test_framed_answers_read_as_plain_ones(local_server, http):
    """Answers in compressed frames (as every server sends them but Debian's 18.16 for
    small ones, so the test reads one over 1 MiB) decode to the same rows, whole or
    streamed, and cost fewer bytes; an error inside them is raised as itself."""
    plain = http.cursor()
    plain.execute(LARGE_SQL)
    expected = plain.fetchall()
    with (
        ByteRelay(local_server.host, local_server.http_port) as relay,
        driver.connect(
            host="127.0.0.1", port=relay.port, interface="http", compression="lz4"
        ) as connection,
    ):
        connection._transport.framed_answers = True  # what a server of upstream's build gets
        cursor = connection.cursor()
        relay.reset()
        cursor.execute(LARGE_SQL)
        assert cursor.fetchall() == expected
        framed_bytes = relay.received
        streamed = connection.cursor(stream=True)
        streamed.execute(LARGE_SQL)
        assert list(streamed) == expected
        with pytest.raises(driver.DatabaseError) as failed:
            cursor.execute(
                "SELECT throwIf(number = 250000) FROM system.numbers LIMIT 300000",
                settings={"max_block_size": 1000},
            )
        assert failed.value.code == 395
    with (
        ByteRelay(local_server.host, local_server.http_port) as relay,
        driver.connect(host="127.0.0.1", port=relay.port, interface="http") as connection,
    ):
        relay.reset()
        connection.cursor().execute(LARGE_SQL)
        assert framed_bytes < relay.received * 0.7


def test_bytes_that_are_not_frames_are_named(local_server):
    framed = _framed(local_server, f"{LARGE_SQL} FORMAT Native")
    assert b"".join(read_frames([framed[:1000], framed[1000:]])) == _plain(local_server)
    flipped = bytearray(framed)
    flipped[len(framed) // 2] ^= 0xFF
    with pytest.raises(CorruptFrameError, match="does not match its checksum"):
        b"".join(read_frames([bytes(flipped)]))
    with pytest.raises(CorruptFrameError, match="ended in the middle of a compressed frame"):
        b"".join(read_frames([framed[:-1]]))
    error_text = b"Code: 60, e.displayText() = DB::Exception: Table default.x doesn't exist"
    with pytest.raises(CorruptFrameError, match="not in ClickHouse's compressed frames") as bare:
        b"".join(read_frames([error_text]))
    assert bare.value.raw == error_text


def _plain(local_server) -> bytes:
    import urllib3

    url = f"http://{local_server.host}:{local_server.http_port}/"
    return urllib3.request("POST", url, body=f"{LARGE_SQL} FORMAT Native".encode()).data


def test_a_wrong_password_is_named(local_server):
    with pytest.raises(driver.OperationalError, match="Wrong password") as refused:
        driver.connect(
            host=local_server.host,
            port=local_server.http_port,
            interface="http",
            user="tester",
            password="wrong",
        )
    assert refused.value.code == 193
    with driver.connect(
        host=local_server.host,
        port=local_server.http_port,
        interface="http",
        user="tester",
        password="secret",
    ) as connection:
        assert connection.ping()


def test_the_wrong_port_says_which_port_is_which(local_server):
    with pytest.raises(driver.OperationalError, match="native TCP port") as http:
        driver.connect(host=local_server.host, port=local_server.tcp_port, interface="http")
    # The native port names the HTTP port in its answer, unless it reset the connection
    # before the answer was read (then the error says what the port probably is).
    if "not its HTTP interface" in http.value.message:
        assert str(local_server.http_port) in http.value.message
    with pytest.raises(driver.OperationalError, match="HTTP ports such as 8123"):
        driver.connect(host=local_server.host, port=local_server.http_port, connect_timeout=2)


def test_a_dead_server_is_an_operational_error(local_server):
    with pytest.raises(driver.OperationalError, match="Is the server running"):
        driver.connect(host="127.0.0.1", port=1, interface="http", connect_timeout=2)


def test_dsn_schemes(local_server):
    address = f"{local_server.host}:{local_server.http_port}"
    for scheme in ("http", "clickhouse+http"):
        with driver.connect(f"{scheme}://default@{address}/system?max_threads=1") as connection:
            cursor = connection.cursor()
            cursor.execute(
                "SELECT currentDatabase(), value FROM system.settings WHERE name = 'max_threads'"
            )
            assert cursor.fetchall() == [("system", "1")]
    with driver.connect(f"http://{address}/system") as connection:
        cursor = connection.cursor()
        cursor.execute("SELECT currentDatabase()")
        assert cursor.fetchall() == [("system",)]


def test_a_pool_of_http_sessions(local_server):
    with driver.create_pool(
        host=local_server.host, port=local_server.http_port, interface="http", max_size=2
    ) as pool:
        with pool.connect() as first:
            session = first.transport
            first.cursor().execute("SELECT 1")
        with pool.connect() as second:
            assert second.transport is session  # kept alive, handed out again
            cursor = second.cursor()
            cursor.execute("SELECT 2")
            assert cursor.fetchall() == [(2,)]


# -- HTTPS ------------------------------------------------------------------------------


def https(local_server, **options):
    return driver.connect(
        host="127.0.0.1", port=local_server.https_port, interface="http", secure=True, **options
    )


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_https_verifies_the_servers_certificate(local_server):
    with https(local_server, ca_certs=str(local_server.certificate)) as connection:
        cursor = connection.cursor()
        cursor.execute("SELECT 1")
        assert cursor.fetchall() == [(1,)]
    with pytest.raises(driver.OperationalError, match="pass ca_certs="):
        https(local_server)
    with https(local_server, verify=False) as unverified:
        assert unverified.ping()


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_https_dsn(local_server):
    dsn = f"https://127.0.0.1:{local_server.https_port}/default?verify=false"
    with driver.connect(dsn) as connection:
        assert connection.ping()


def test_plain_http_to_the_https_port_says_to_pass_secure(local_server):
    """The TLS port drops a plain request: the driver asks it for a TLS handshake, and
    the error says to use TLS."""
    with pytest.raises(driver.OperationalError, match="HTTPS port; pass secure=True"):
        driver.connect(host="127.0.0.1", port=local_server.https_port, interface="http")


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_to_the_http_port_says_it_may_not_speak_tls(local_server):
    """A plain port answers a TLS greeting with an HTTP error ("does not speak TLS"), or
    waits for the rest of what it reads as a request line: which one depends on the
    greeting's random bytes, so only the frozen server's answer is checked word for
    word (it accepts connections and answers nothing)."""
    options = {"interface": "http", "secure": True, "verify": False}
    with pytest.raises(driver.OperationalError, match=r"(does|may) not speak TLS"):
        driver.connect(host="127.0.0.1", port=local_server.http_port, connect_timeout=1, **options)
    with (
        local_server.frozen(),
        pytest.raises(driver.OperationalError, match="may not speak TLS") as hung,
    ):
        driver.connect(
            host="127.0.0.1", port=local_server.http_port, connect_timeout=0.5, **options
        )
    assert (hung.value.code, hung.value.name) == (209, "SOCKET_TIMEOUT")


@pytest.fixture(params=["http", "embedded"])
def any_decoding_transport(request, local_server):
    """A connection of each transport that reads results in the Native format."""
    if request.param == "http":
        options = {"host": local_server.host, "port": local_server.http_port, "interface": "http"}
    else:
        options = {"embedded": ":memory:"}
    with driver.connect(**options) as connection:
        yield connection


@pytest.mark.parametrize(
    ("sql", "clause"),
    [
        ("SELECT 1 FORMAT TSV", "FORMAT TSV"),
        ("SELECT number FROM system.numbers LIMIT 3 FORMAT JSON -- note", "FORMAT JSON"),
        ("SELECT 1 SETTINGS max_threads = 1 FORMAT CSV", "FORMAT CSV"),
        ("SELECT 1 format TabSeparated SETTINGS max_threads = 1", "FORMAT TabSeparated"),
    ],
)
def test_a_format_clause_is_refused_by_name(any_decoding_transport, sql, clause):
    cursor = any_decoding_transport.cursor()
    with pytest.raises(driver.NotSupportedError, match="always read in the Native format") as no:
        cursor.execute(sql)
    assert no.value.message.startswith(f"{clause}:")
    cursor.execute("SELECT 1 FORMAT Native")
    assert cursor.fetchall() == [(1,)]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1 AS format ORDER BY format DESC",
        "SELECT 'FORMAT TSV' AS format",
        "SELECT 1 /* FORMAT TSV */",
        "SELECT concat('a', 'b') AS x -- FORMAT TSV",
    ],
)
def test_format_elsewhere_is_not_a_format_clause(any_decoding_transport, sql):
    cursor = any_decoding_transport.cursor()
    cursor.execute(sql)
    assert len(cursor.fetchall()) == 1


def test_without_urllib3_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "urllib3", None)  # import urllib3 raises ImportError
    with pytest.raises(driver.InterfaceError, match=r"django-clickhouse-db\[http\]"):
        driver.connect(host="127.0.0.1", port=1, interface="http")

"""The driver given careless or hostile input: the error it raises, and what it leaves
behind (no statement smuggled in, no setting left over, the connection still usable)."""

from __future__ import annotations

import gc
import os
import pathlib
import sys
import tempfile

import pytest

from clickhouse_backend import driver

EMBEDDED_ONLY = pytest.mark.skipif(
    bool(os.environ.get("CLICKHOUSE_TEST_DSN")), reason="embedded engine only"
)


def scalar(connection: driver.Connection, sql: str) -> object:
    cursor = connection.cursor()
    cursor.execute(sql)
    return cursor.fetchone()[0]


# -- error messages that are not UTF-8 ------------------------------------------------

# chDB's binding for Python 3.10 raises a message that is not UTF-8 as an empty error:
# the driver can only say that it was lost (docs/limitations.md).
MESSAGE_LOST = sys.version_info < (3, 11) and not os.environ.get("CLICKHOUSE_TEST_DSN")


def raises_for_raw_bytes(mapped: type[driver.DatabaseError]):
    """pytest.raises() for the error a message quoting raw bytes is mapped to."""
    return pytest.raises(driver.DatabaseError if MESSAGE_LOST else mapped)


def assert_lost(error: driver.DatabaseError) -> None:
    assert error.code is None
    assert "its message could not be decoded: it is not valid UTF-8" in error.message


@pytest.mark.parametrize("stream", [False, True], ids=["buffered", "streaming"])
def test_an_error_message_quoting_raw_bytes_is_mapped(conn, stream):
    """ClickHouse quotes the bytes it could not parse: a message that is not UTF-8
    still raises the mapped error, each invalid byte shown as U+FFFD."""
    cursor = conn.cursor(stream=stream)
    with raises_for_raw_bytes(driver.DataError) as caught:
        cursor.execute("SELECT toInt32(unhex('FFFE'))")
    if MESSAGE_LOST:
        assert_lost(caught.value)
    else:
        assert (caught.value.code, caught.value.name) == (6, "CANNOT_PARSE_TEXT")
        assert "Cannot parse string '\ufffd\ufffd' as Int32" in caught.value.message
    assert scalar(conn, "SELECT 1") == 1


def test_an_error_message_quoting_raw_bytes_mid_stream_is_mapped(conn):
    """The same for an error in the middle of a streamed result: it is raised while
    fetching, with its code."""
    cursor = conn.cursor(stream=True)
    cursor.execute(
        "SELECT throwIf(number = 100000, unhex('FF')) FROM numbers(200000)",
        settings={"max_block_size": 1000},
    )
    with raises_for_raw_bytes(driver.DatabaseError) as caught:
        cursor.fetchall()
    if MESSAGE_LOST:
        assert_lost(caught.value)
    else:
        assert caught.value.code == 395
        assert caught.value.message.startswith("\ufffd")
    assert scalar(conn, "SELECT 1") == 1


def test_an_insert_error_message_quoting_raw_bytes_is_mapped(cursor):
    """An INSERT whose CHECK constraint fails on raw bytes raises the mapped error."""
    cursor.execute(
        "CREATE TABLE t (a String, CONSTRAINT number CHECK toInt32(a) > 0) ENGINE = Memory"
    )
    with raises_for_raw_bytes(driver.DataError) as caught:
        cursor.executemany("INSERT INTO t (a) VALUES", [(b"\xff\xfe",)])
    if MESSAGE_LOST:
        assert_lost(caught.value)
    else:
        assert caught.value.code == 6
        assert "'\ufffd\ufffd'" in caught.value.message


# -- per-statement settings -----------------------------------------------------------


def test_a_dropped_stream_leaves_no_setting_behind(conn):
    """A streaming cursor dropped in the middle of its result, with settings of its
    statement: the next statement runs with the session's settings."""
    default = scalar(conn, "SELECT getSetting('max_block_size')")
    cursor = conn.cursor(stream=True)
    cursor.execute("SELECT number FROM numbers(100000)", settings={"max_block_size": 7})
    assert cursor.fetchone() == (0,)
    del cursor
    gc.collect()
    assert scalar(conn, "SELECT getSetting('max_block_size')") == default


def test_a_stream_failing_at_once_leaves_no_setting_behind(conn):
    """A streamed statement whose first block fails, with settings of its own: the next
    statement runs with the session's settings."""
    default = scalar(conn, "SELECT getSetting('max_block_size')")
    with pytest.raises(driver.DatabaseError):
        conn.cursor(stream=True).execute(
            "SELECT throwIf(number = 0) FROM numbers(10)", settings={"max_block_size": 7}
        )
    assert scalar(conn, "SELECT getSetting('max_block_size')") == default


# -- names that print as other text ---------------------------------------------------


def disguised(text: str, printed: str) -> str:
    """A str of ``text`` that str() and f-strings render as ``printed``."""

    class Disguised(str):
        def __str__(self) -> str:
            return printed

        def __format__(self, spec: str) -> str:
            return printed

    return Disguised(text)


def test_a_setting_name_is_sent_as_its_own_text(connect, database):
    """A setting name of a str subclass that prints as other SQL sets the setting its
    text names, per statement and for a session, and runs nothing else."""
    cursor = connect(database=database).cursor()
    cursor.execute("CREATE TABLE victim (a Int8) ENGINE = Memory")
    name = disguised("max_block_size", "max_threads = 1; DROP TABLE victim; SET max_threads")
    cursor.execute("SELECT getSetting('max_block_size')", settings={name: 1234})
    assert cursor.fetchone() == (1234,)
    session = connect(database=database, settings={name: 4321})
    assert scalar(session, "SELECT getSetting('max_block_size')") == 4321
    cursor.execute("EXISTS TABLE victim")
    assert cursor.fetchone() == (1,)


@pytest.mark.parametrize(
    "settings", [{"max_threads": "many"}, {"max_block_size": 100, "max_threads": "many"}]
)
def test_a_session_setting_of_a_wrong_value_is_refused_by_name(connect, settings):
    """A session setting the server cannot take is a DataError naming the setting and
    its value when the connection opens, not an error naming neither at every statement."""
    with pytest.raises(driver.DataError, match=r"max_threads.*'many'|'many'.*max_threads"):
        connect(settings=settings)


@EMBEDDED_ONLY  # over TCP a statement's settings travel with it, and the server names none
def test_a_statement_setting_of_a_wrong_value_is_refused_by_name(conn):
    with pytest.raises(driver.DataError, match=r"max_threads.*'many'|'many'.*max_threads"):
        conn.cursor().execute("SELECT 1", settings={"max_threads": "many"})
    assert scalar(conn, "SELECT getSetting('max_threads') > 0") == 1


def test_a_database_name_is_sent_as_its_own_text(connect, database):
    """A database name of a str subclass that prints as other SQL selects the database
    its text names, and runs nothing else."""
    cursor = connect(database=database).cursor()
    cursor.execute("CREATE TABLE victim (a Int8) ENGINE = Memory")
    name = disguised(database, f"{database}; DROP TABLE {database}.victim")
    assert scalar(connect(database=name), "SELECT currentDatabase()") == database
    cursor.execute("EXISTS TABLE victim")
    assert cursor.fetchone() == (1,)


# -- statements smuggled into an INSERT -----------------------------------------------

SMUGGLED = "CREATE TABLE smuggled (a Int8) ENGINE = Memory"


@pytest.mark.parametrize(
    "operation",
    [
        f"INSERT INTO t (a FROM t); {SMUGGLED}; SELECT (1) VALUES",
        f"INSERT INTO t (a) SETTINGS max_threads = 1 SELECT 5; {SMUGGLED}; VALUES",
    ],
    ids=["in the columns", "in the settings"],
)
def test_executemany_refuses_a_second_statement_in_its_insert(cursor, operation):
    """executemany() checks an INSERT is one statement, as execute() does: a statement
    hidden in its column list or its SETTINGS is refused, and nothing runs."""
    cursor.execute("CREATE TABLE t (a Int64, CONSTRAINT positive CHECK a > 0) ENGINE = Memory")
    with pytest.raises(driver.ProgrammingError, match="more than one statement"):
        cursor.executemany(operation, [(1,)])
    cursor.execute("SELECT count() FROM t")
    assert cursor.fetchone() == (0,)
    cursor.execute("EXISTS TABLE smuggled")
    assert cursor.fetchone() == (0,)


# -- the caller's rows failing mid-INSERT ---------------------------------------------


@pytest.mark.parametrize("transport", ["embedded", "native", "http"])
def test_a_row_generator_that_raises_reaches_the_caller_as_it_is(
    transport, connect, request, block_size
):
    """An exception of the caller's row source is the caller's to see, unchanged, not a
    driver error about a bad value; the INSERT is dropped and the connection still works."""
    if transport == "embedded":
        connection = connect()
    else:
        server = request.getfixturevalue("local_server")
        port = server.tcp_port if transport == "native" else server.http_port
        connection = driver.connect(host=server.host, port=port, interface=transport)
        request.addfinalizer(connection.close)
    cursor = connection.cursor()
    table = f"rows_{transport}_{block_size}_{os.getpid()}"
    cursor.execute(f"CREATE TABLE {table} (x UInt32) ENGINE = Memory")
    request.addfinalizer(lambda: connection.cursor().execute(f"DROP TABLE {table}"))
    # A ValueError, as a parse error of the caller's input file would be: the kind of
    # exception clickhouse-driver raises for a bad value too.
    failure = ValueError("events.csv line 26: 'x' is not a number")

    def rows():
        yield from ((n,) for n in range(25))
        raise failure

    with pytest.raises(ValueError) as raised:
        cursor.executemany(f"INSERT INTO {table} (x) VALUES", rows(), block_size=block_size)
    assert raised.value is failure
    cursor.execute(f"SELECT count() FROM {table}")
    (written,) = cursor.fetchone()
    if block_size > 25:
        assert written == 0
    else:  # whole blocks sent before the failure may be written, never part of one
        assert written in (0, 20)


@pytest.fixture(params=[1000, 10], ids=["one block", "two blocks sent"])
def block_size(request):
    """Rows per block: 25 rows fail inside the first block, or after two whole ones."""
    return request.param


# -- data directories -----------------------------------------------------------------

UNWRITABLE = pathlib.Path("/sys/kernel")  # sysfs: no process may create files here


def can_create_files_in(path: pathlib.Path) -> bool:
    try:
        with tempfile.TemporaryFile(dir=path):
            return True
    except OSError:
        return False


@EMBEDDED_ONLY
@pytest.mark.parametrize("where", ["under a file", "a file", "unwritable"])
def test_an_unusable_data_directory_is_an_operational_error(conn, tmp_path, where):
    """A path chDB cannot keep its data in raises OperationalError naming the path and
    what to pass instead; the engine in use is untouched."""
    if where == "unwritable" and (not UNWRITABLE.is_dir() or can_create_files_in(UNWRITABLE)):
        pytest.skip(f"{UNWRITABLE} is not an unwritable directory here")
    a_file = tmp_path / "file"
    a_file.write_text("")
    path = {"under a file": a_file / "db", "a file": a_file, "unwritable": UNWRITABLE}[where]
    with pytest.raises(driver.OperationalError) as caught:
        driver.connect(embedded=path)
    assert f"cannot use {str(path)!r} as the embedded engine's data directory" in str(caught.value)
    assert "':memory:'" in str(caught.value)
    assert scalar(conn, "SELECT 1") == 1


@EMBEDDED_ONLY
@pytest.mark.parametrize("name", ["db?max_threads=1", ":memory:?verbose"])
def test_a_question_mark_in_the_embedded_path_is_refused(conn, tmp_path, monkeypatch, name):
    """chDB reads what follows '?' as options of its engine: such a path is refused by
    name, before any directory is made; the engine in use is untouched."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(driver.InterfaceError) as caught:
        driver.connect(embedded=name)
    assert f"cannot use {name!r} as the embedded engine's path" in str(caught.value)
    assert "follows '?' as options of the engine" in str(caught.value)
    assert list(tmp_path.iterdir()) == []
    assert scalar(conn, "SELECT 1") == 1


@EMBEDDED_ONLY
@pytest.mark.parametrize("path", [b"db", 1])
def test_an_embedded_path_of_the_wrong_type_is_refused(conn, tmp_path, monkeypatch, path):
    """Not a bare TypeError from joining paths, after a directory was made."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(driver.InterfaceError, match="the embedded path must be a str or a path"):
        driver.connect(embedded=path)
    assert list(tmp_path.iterdir()) == []
    assert scalar(conn, "SELECT 1") == 1

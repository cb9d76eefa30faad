"""One connection and several threads: at once is refused with a clear error, never
with a short result; one thread after another keeps working (pools and Django's test
runner hand connections between threads)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import BinaryIO

import pytest

from clickhouse_backend import driver
from clickhouse_backend.driver.escape import quote_string

ROWS = 200_000
BLOCK = 5_000  # rows per block: a result of ROWS rows streams in many
ROUNDS = 10
MISUSE = (driver.ProgrammingError, driver.InterfaceError)
EMBEDDED_ONLY = pytest.mark.skipif(
    bool(os.environ.get("CLICKHOUSE_TEST_DSN")),
    reason="the engine reads a named pipe of this machine: the embedded engine only",
)


def count_rows(connection: driver.Connection, stream: bool) -> int:
    with connection.cursor(stream=stream) as cursor:
        cursor.execute(f"SELECT number FROM numbers({ROWS})")
        return sum(1 for _ in cursor)


def in_threads(*works: Callable[[], object]) -> list[object]:
    """Run each work in a thread of its own, all released at once; what each returned,
    or the exception it raised."""
    outcomes: list[object] = [None] * len(works)
    start = threading.Barrier(len(works))

    def run(index: int, work: Callable[[], object]) -> None:
        start.wait()
        try:
            outcomes[index] = work()
        except Exception as error:  # the outcome the test looks at
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=item) for item in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive(), "a thread sharing the connection hung"
    return outcomes


@pytest.fixture
def shared(connect) -> driver.Connection:
    return connect(settings={"max_block_size": BLOCK})


@pytest.mark.parametrize("other_streams", [True, False], ids=["two streams", "a query"])
def test_threads_at_once_get_every_row_or_an_error(shared, other_streams):
    """Two threads reading results of one connection at the same time: each gets all
    its rows or a ProgrammingError saying why, never a result cut short."""
    outcomes = []
    for _ in range(ROUNDS):
        outcomes += in_threads(
            lambda: count_rows(shared, stream=True),
            lambda: count_rows(shared, stream=other_streams),
        )
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            assert isinstance(outcome, MISUSE), repr(outcome)
            assert "not thread-safe" in str(outcome)
        else:
            assert outcome == ROWS, f"{outcome} of {ROWS} rows and no error"
    assert any(isinstance(outcome, Exception) for outcome in outcomes), "no overlap was run"
    assert count_rows(shared, stream=True) == ROWS  # and the connection still works


def test_a_statement_from_another_thread_during_a_stream_is_refused(shared):
    """While one thread reads a streamed result, another thread's statement raises and
    the stream goes on to its last row."""
    cursor = shared.cursor(stream=True)
    cursor.execute(f"SELECT number FROM numbers({ROWS})")
    first = cursor.fetchmany(10)
    [refused] = in_threads(lambda: count_rows(shared, stream=False))
    assert isinstance(refused, driver.ProgrammingError), repr(refused)
    assert "one connection per thread" in str(refused)
    assert first + cursor.fetchall() == [(n,) for n in range(ROWS)]


def test_a_statement_while_another_thread_runs_one_is_refused(shared):
    """Two statements at the same moment: the second raises instead of disturbing the
    first, which completes."""
    running = threading.Event()

    def slow() -> list[tuple]:
        running.set()
        with shared.cursor() as cursor:
            cursor.execute("SELECT sleepEachRow(0.15) FROM numbers(10)")  # 1.5 s
            return cursor.fetchall()

    def meanwhile() -> object:
        running.wait()
        time.sleep(0.3)
        return count_rows(shared, stream=False)

    finished, refused = in_threads(slow, meanwhile)
    assert finished == [(0,)] * 10
    assert isinstance(refused, driver.ProgrammingError), repr(refused)
    assert "another thread is running a statement" in str(refused)


def test_closing_from_another_thread_ends_a_stream_with_an_error(shared):
    """A connection closed by another thread mid-stream: the reader gets InterfaceError
    when it needs the next block, not a silently shorter result."""
    cursor = shared.cursor(stream=True)
    cursor.execute(f"SELECT number FROM numbers({ROWS})")
    rows = iter(cursor)
    next(rows)
    assert in_threads(shared.close) == [None]
    with pytest.raises(driver.InterfaceError, match="closed"):
        for _ in rows:
            pass


def test_threads_one_after_another_share_a_connection(shared):
    """Handing a connection from thread to thread works, streams included: a result
    started in one thread may be read on in another, which then runs statements."""
    assert in_threads(lambda: count_rows(shared, stream=True)) == [ROWS]
    assert count_rows(shared, stream=False) == ROWS

    cursor = shared.cursor(stream=True)
    cursor.execute(f"SELECT number FROM numbers({ROWS})")
    first = cursor.fetchmany(5)

    def read_on_then_query() -> tuple[list, int]:
        return cursor.fetchmany(BLOCK), count_rows(shared, stream=False)

    [(more, counted)] = in_threads(read_on_then_query)
    assert counted == ROWS
    assert first + more + cursor.fetchall() == [(n,) for n in range(ROWS)]

    assert in_threads(shared.ping) == [True]
    assert in_threads(shared.close) == [None]
    assert shared.closed


def test_a_statement_on_a_cursor_another_thread_reads_is_refused(shared):
    """A thread running a statement on a cursor whose rows another thread is still
    reading raises ProgrammingError; the reader goes on to its last row, whether it
    fetches or iterates."""
    cursor = shared.cursor()
    reading, tried = threading.Event(), threading.Event()

    def read() -> list[tuple]:
        cursor.execute(f"SELECT number FROM numbers({ROWS})")
        rows = cursor.fetchmany(BLOCK)
        reading.set()
        tried.wait(10)
        return rows + list(cursor)

    def meanwhile() -> None:
        reading.wait(10)
        try:
            cursor.execute("SELECT 1")
        finally:
            tried.set()

    rows, refused = in_threads(read, meanwhile)
    assert isinstance(refused, driver.ProgrammingError), repr(refused)
    assert "not thread-safe" in str(refused)
    assert rows == [(n,) for n in range(ROWS)]


@pytest.fixture
def pipe(tmp_path) -> Iterator[tuple[str, BinaryIO]]:
    """A query of TSV numbers the embedded engine reads from a named pipe as the test
    writes them, and the test's end of the pipe: a read of the engine waits there, for
    real, until the test writes more or closes its end."""
    path = tmp_path / "numbers.tsv"
    os.mkfifo(path)
    # Opened for reading too, so that opening it does not wait for the engine to.
    with os.fdopen(os.open(path, os.O_RDWR), "wb", buffering=0) as end:
        yield f"SELECT n FROM file({quote_string(str(path))}, 'TSV', 'n UInt64')", end


PIPE_SETTINGS = {"max_block_size": 10, "input_format_parallel_parsing": 0}  # read as written


def write_numbers(end: BinaryIO, numbers: range) -> None:
    end.write(b"".join(b"%d\n" % number for number in numbers))


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited 10 s for {what}")
        time.sleep(0.01)


def in_a_call_of_another_thread(connection: driver.Connection) -> bool:
    """Whether another thread is inside a call on ``connection``: ping is refused."""
    try:
        connection.ping()
    except driver.ProgrammingError:
        return True
    return False


@EMBEDDED_ONLY
def test_a_cursor_closed_by_another_thread_while_read_raises(shared, pipe):
    """A read that lands while another thread is closing the cursor raises
    InterfaceError, never returns as if the cursor were still open. The closing thread is
    held inside its close for real: ending the result waits for the engine, and the
    engine waits for rows from a pipe until the test closes it."""
    query, end = pipe
    write_numbers(end, range(20))
    cursor = shared.cursor(stream=True)
    cursor.execute(query, settings=PIPE_SETTINGS)
    assert cursor.fetchmany(5) == [(n,) for n in range(5)]  # rows of this block are left
    closer = threading.Thread(target=cursor.close)
    closer.start()
    try:
        # The closer, ending the result.
        wait_until(lambda: in_a_call_of_another_thread(shared), "the closer's call")
        with pytest.raises(driver.InterfaceError, match="closed"):
            cursor.fetchone()
    finally:
        end.close()  # the engine reads to the end, and the close goes on
        closer.join(10)
    assert not closer.is_alive()
    assert count_rows(shared, stream=True) == ROWS


def started(work: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """``work`` running in a thread of its own, and where its outcome will be: what it
    returned, or the exception it raised."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as error:  # the outcome the test looks at
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@EMBEDDED_ONLY
def test_a_close_waiting_for_a_read_that_ends_the_result(shared, pipe):
    """A close that waits for another thread's read, which meanwhile reaches the end of
    the result: the reader gets the end of the rows, and the close completes (it does
    not trip over the result the reader ended)."""
    query, end = pipe
    write_numbers(end, range(20))
    cursor = shared.cursor(stream=True)
    cursor.execute(query, settings=PIPE_SETTINGS)
    assert cursor.fetchmany(20) == [(n,) for n in range(20)]  # the next row needs a block
    reader, read = started(cursor.fetchone)
    try:
        # The reader, waiting for the engine.
        wait_until(lambda: in_a_call_of_another_thread(shared), "the reader's call")
        closer, closed = started(cursor.close)
        wait_until(lambda: cursor.closed, "the close to begin")
        time.sleep(0.2)  # the closer goes on to wait for the reader's call to end
    finally:
        end.close()  # the engine reaches the end of the rows
        reader.join(10)
    closer.join(10)
    assert read == [None]
    assert closed == [None]
    assert count_rows(shared, stream=True) == ROWS

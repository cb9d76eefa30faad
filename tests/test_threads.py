"""One connection and several threads: at once is refused with a clear error, never
with a short result; one thread after another keeps working (pools and Django's test
runner hand connections between threads)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from clickhouse_backend import driver

ROWS = 200_000
BLOCK = 5_000  # rows per block: a result of ROWS rows streams in many
ROUNDS = 10
MISUSE = (driver.ProgrammingError, driver.InterfaceError)


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


def test_a_cursor_closed_by_another_thread_while_read_raises(shared, monkeypatch):
    """A read that lands while another thread is closing the cursor raises
    InterfaceError, never returns as if the rows had all been read. The closing thread
    is held where its close has ended the result but not yet returned."""
    cursor = shared.cursor(stream=True)
    cursor.execute(f"SELECT number FROM numbers({ROWS})", settings={"max_block_size": BLOCK})
    assert len(cursor.fetchmany(BLOCK)) == BLOCK  # the next row needs the next block
    closing, fetched = threading.Event(), threading.Event()
    closer = threading.Thread(target=cursor.close)
    end_stream = shared.end_stream

    def held_end_stream(ended: driver.Cursor) -> None:
        if threading.current_thread() is closer:
            closing.set()
            fetched.wait(10)
        end_stream(ended)

    monkeypatch.setattr(shared, "end_stream", held_end_stream)
    closer.start()
    assert closing.wait(10)
    try:
        with pytest.raises(driver.InterfaceError, match="closed"):
            cursor.fetchone()
    finally:
        fetched.set()
        closer.join(10)

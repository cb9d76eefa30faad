"""The PEP 249 cursor: statements in, rows out, inserts as Native blocks."""

from __future__ import annotations

import contextlib
import itertools
import operator
import re
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .columnar import columns_of, import_numpy, numpy_columns
from .escape import substitute
from .exceptions import InterfaceError, ProgrammingError
from .options import check_block_size
from .statements import parse_insert
from .transport import Result, Settings, Transport

if TYPE_CHECKING:
    from .connection import Connection, TransportCall

_DECIMAL = re.compile(r"Decimal(?:32|64|128|256)?\((\d+)(?:,\s*(\d+))?\)")
NOT_THREAD_SAFE = (
    "connections are not thread-safe (threadsafety = 1): open one connection per "
    "thread, or take one from a pool in each thread"
)


def describe(columns: list[tuple[str, str]]) -> list[tuple]:
    """PEP 249 ``description``: (name, type_code, display_size, internal_size,
    precision, scale, null_ok); the type code is the ClickHouse type name."""
    described = []
    for name, column_type in columns:
        inner = column_type.removeprefix("LowCardinality(")
        null_ok = inner.startswith("Nullable(")
        precision = scale = None
        match = _DECIMAL.match(inner.removeprefix("Nullable("))
        if match:
            precision = int(match.group(1))
            scale = int(match.group(2) or 0)
        described.append((name, column_type, None, None, precision, scale, null_ok))
    return described


class Cursor:
    """A cursor over one connection.

    By default a result is read whole when executed. A streaming cursor
    (``connection.cursor(stream=True)``) reads it block by block as rows are fetched,
    in memory bounded by one block, however large the result. The result belongs to
    the thread that last read from it (see ``Connection.check_stream_thread``).
    """

    arraysize = 1
    #: PEP 249's optional extension: ClickHouse has no row ids.
    lastrowid = None
    #: clickhouse-driver's result shapes (see :meth:`set_query_execution_args`).
    columnar = False
    use_numpy = False

    def __init__(self, connection: Connection, stream: bool = False):
        self.connection = connection
        self.stream = stream
        self.description: list[tuple] | None = None
        self.rowcount = -1
        self._result: Result | None = None
        self._closed = False
        #: The last statement execute() sent, its parameters filled in (as psycopg's
        #: ``cursor.query``): Django logs it, so what an execute_wrapper changed shows.
        self.query: str | None = None
        self._read_from([])
        #: The thread that last started or read this cursor's result.
        self.reader_thread: int | None = None

    # -- running statements ---------------------------------------------------------

    def execute(
        self,
        operation: str,
        parameters: Mapping | Sequence | None = None,
        *,
        settings: Settings | None = None,
    ) -> None:
        """Run one statement, with ``%(name)s`` / ``%s`` filled from ``parameters``.

        As clickhouse-driver's ``Client.execute`` does, ``INSERT INTO t [(a, b)] VALUES``
        (nothing after VALUES, no ``%`` in it) with a list or tuple of rows inserts the
        rows, as ``executemany`` does.
        """
        self.query = None
        if _is_rows_for_insert(operation, parameters):
            self.executemany(operation, parameters, settings=settings)
            return
        with self._guard():
            transport = self._begin()
            sql = substitute(operation, parameters, transport.legacy)
            self.query = sql
            settings = self.connection.check_settings(settings)
            self._adopt(transport.execute(sql, settings, self.stream))

    def executemany(
        self,
        operation: str,
        seq_of_parameters: Iterable,
        *,
        columnar: bool = False,
        settings: Settings | None = None,
        block_size: int | None = None,
    ) -> None:
        """Insert many rows, or run a statement once per parameter set.

        ``INSERT INTO t (a, b) VALUES`` (nothing after VALUES) takes the rows themselves
        and sends them as Native blocks of ``block_size`` rows; with ``columnar=True``
        it takes a sequence of columns instead. Any other statement runs once for each
        item of ``seq_of_parameters``.
        """
        statement = parse_insert(operation)
        if statement is None:
            if columnar:
                raise ProgrammingError("columnar=True needs an INSERT ... VALUES statement")
            for parameters in seq_of_parameters:
                self.execute(operation, parameters, settings=settings)
            return
        settings = self.connection.check_settings(settings)
        if block_size is None:
            block_size = self.connection.insert_block_size
        else:
            check_block_size("block_size", block_size)
        with self._guard():
            transport = self._begin()
            count = transport.insert(
                statement, operation, seq_of_parameters, columnar, block_size, settings
            )
            self._adopt(Result(None, iter(()), rowcount=count))

    @contextlib.contextmanager
    def set_query_execution_args(
        self, columnar: bool | None = None, use_numpy: bool | None = None
    ) -> Iterator[Cursor]:
        """clickhouse-driver's result shapes for the statements run in the block.

        ``columnar=True``: a result is a list of columns (a tuple each) instead of rows,
        and the fetch methods take columns from it (``fetchmany(2)``: the first two).
        ``use_numpy=True``: the columns are numpy arrays typed from the ClickHouse
        types (rows of numpy values without ``columnar``). Such a result is read whole,
        on a streaming cursor too. ``None`` keeps the current choice.
        """
        if use_numpy:
            import_numpy()  # the error now, rather than at the first statement
        before = self.columnar, self.use_numpy
        if columnar is not None:
            self.columnar = columnar
        if use_numpy is not None:
            self.use_numpy = use_numpy
        try:
            yield self
        finally:
            self.columnar, self.use_numpy = before

    def _begin(self) -> Transport:
        if self._closed:
            raise InterfaceError("the cursor is closed")
        self.connection.check_stream_thread()
        if self.reader_thread != threading.get_ident() and self._unread():
            raise ProgrammingError(
                "another thread is still reading this cursor's rows; " + NOT_THREAD_SAFE
            )
        self._discard_result()
        self.reader_thread = threading.get_ident()
        return self.connection.begin_statement(self)

    def _guard(self) -> TransportCall:
        return self.connection.call()

    def _unread(self) -> bool:
        """Whether rows of the current result are still to be fetched."""
        return self._result is not None or operator.length_hint(self._rows_left) > 0

    def _read_from(self, rows: list[tuple]) -> None:
        """Make ``rows`` the current block, to be read from its first row on."""
        self._rows = rows
        self._rows_left = iter(rows)  # the position in the block
        self._restart()

    def _restart(self) -> None:
        """Chain the rows from the current position on (a chain that raised has ended)."""
        self._row_chain = itertools.chain.from_iterable(_blocks(weakref.ref(self)))
        self._next_row = self._row_chain.__next__  # bound once, not once a row

    @property
    def stream_open(self) -> bool:
        """Whether part of this cursor's result is still to be read from the session."""
        return self._result is not None

    def _adopt(self, result: Result) -> None:
        self._result = result
        self.rowcount = result.rowcount
        self.description = describe(result.columns) if result.columns is not None else None
        if result.columns is not None and (self.columnar or self.use_numpy):
            self._read_from(self._reshaped(result))
        elif not self.stream or result.columns is None:  # nothing to stream
            self._read_from(next(result, []))
            result.close()
            self._result = None

    def _reshaped(self, result: Result) -> list:
        """The whole result in the shape ``set_query_execution_args`` asked for."""
        rows = [row for block in result for row in block]
        self._finish_stream()
        self.rowcount = len(rows)
        columns = columns_of(rows, len(result.columns))
        if self.use_numpy:
            columns = numpy_columns(columns, [column_type for _, column_type in result.columns])
            return columns if self.columnar else list(zip(*columns, strict=True))
        return columns

    def _discard_result(self) -> None:
        if self._result is not None:
            with self.connection.read_call():
                result, self._result = self._result, None
                if result is not None:  # unless a read of another thread ended it meanwhile
                    result.close()
                    self.connection.end_stream(self)
        self._read_from([])
        self.description = None
        self.rowcount = -1

    def _next_block(self) -> bool:
        """Load the next block of a streamed result; False when there is none."""
        with self.connection.read_call():  # another thread may close it meanwhile
            if self._closed:  # closed under an iteration: its rows were not all read
                raise InterfaceError("the cursor was closed while its rows were being read")
            if self._result is None:
                return False
            self.reader_thread = threading.get_ident()
            block = next(self._result, None)
            if block is None:
                self._finish_stream()
                return False
            self._rows, self._rows_left = block, iter(block)  # the row chain reads on in it
            self.rowcount = max(self.rowcount, 0) + len(block)
        return True

    def _finish_stream(self) -> None:
        self._result = None
        self.rowcount = max(self.rowcount, 0)
        self.connection.end_stream(self)

    def buffer_rest(self) -> None:
        """Read what is left of a streamed result into memory, freeing the connection."""
        with self.connection.read_call():
            if self._result is None:
                return
            rows = list(self._rows_left)
            for block in self._result:
                rows.extend(block)
                self.rowcount = max(self.rowcount, 0) + len(block)
            self._finish_stream()
        self._read_from(rows)  # an iteration in progress reads on in these rows

    # -- fetching -------------------------------------------------------------------

    def _check_fetch(self) -> None:
        if self._closed:
            raise InterfaceError("the cursor is closed")
        if self.description is None:
            raise ProgrammingError("the last statement returned no rows to fetch")
        self.reader_thread = threading.get_ident()

    def fetchone(self) -> tuple | None:
        self._check_fetch()
        return next(self._row_chain, None)

    def fetchmany(self, size: int | None = None) -> list[tuple]:
        self._check_fetch()
        size = self.arraysize if size is None else size
        return list(itertools.islice(self._row_chain, size))

    def fetchall(self) -> list[tuple]:
        self._check_fetch()
        if self._result is None and operator.length_hint(self._rows_left) == len(self._rows):
            rows = self._rows  # a whole result not read from yet: taken, not copied
            self._read_from([])
            return rows
        return list(self._row_chain)

    def __iter__(self) -> Cursor:
        """The cursor itself (PEP 249): iterating and fetching share one position."""
        self._check_fetch()
        return self

    # ``next(cursor)`` calls the row chain's own ``__next__``, got from the instance: no
    # Python code runs per row, only once a block (in _blocks).
    __next__ = property(operator.attrgetter("_next_row"))

    # -- the rest of PEP 249 --------------------------------------------------------

    def setinputsizes(self, sizes: Any) -> None:
        """Accepted and ignored, as PEP 249 allows."""

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        """Accepted and ignored, as PEP 249 allows."""

    def close(self) -> None:
        if not self._closed:
            # Closed first: a thread reading on meanwhile gets an error, not a short result.
            self._closed = True
            self._discard_result()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def _is_rows_for_insert(operation: str, parameters: Any) -> bool:
    """Whether ``execute`` was given the rows of an INSERT, clickhouse-driver's way: a
    list or tuple of rows (tuples, lists or dicts; or none) for a statement that ends at
    VALUES and has no placeholders (a ``%`` of any kind), where they could only fail."""
    return (
        isinstance(parameters, (list, tuple))
        and (not parameters or isinstance(parameters[0], (list, tuple, Mapping)))
        and "%" not in operation
        and parse_insert(operation) is not None
    )


def _blocks(cursor: weakref.ref[Cursor]) -> Iterator[Iterator[tuple]]:
    """The rows left of a cursor's current block, then of each next block it loads,
    for its row chain; the cursor's checks run here, once a block. The cursor owns the
    chain, so it is held weakly: a dropped cursor (and its stream) must not live on."""
    try:
        cursor()._check_fetch()
        yield cursor()._rows_left
        while cursor()._next_block():
            yield cursor()._rows_left
    except Exception:
        cursor()._restart()  # so the next read raises again, or reads on
        raise

"""What a transport does for the driver, whichever way it reaches ClickHouse.

A transport runs one statement at a time and hands back a :class:`Result`, a stream of
row blocks; or it inserts blocks of data. The cursor never knows which transport it
talks to, so both must give the same Python values for the same data.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .statements import InsertStatement

Columns = list[tuple[str, str]]
Settings = dict[str, Any]
# Results carry JSON columns as JSON text (servers from 24.10 on): clickhouse-driver's
# reader of the JSON type's own encoding cannot read typed paths, arrays of mixed types
# or the dates ClickHouse infers from strings.
JSON_AS_TEXT: Settings = {"output_format_native_write_json_as_string": 1}

# Servers before 21.9 lack toDate32 and friends: parameters render the old way there.
MODERN_SERVER = (21, 9)


class Result:
    """The rows of one statement, as a stream of blocks (lists of row tuples).

    ``columns`` is ``None`` for statements that return no rows. A result must be
    :meth:`close`\\ d, or read to the end, before the next statement on its connection.
    """

    def __init__(
        self,
        columns: Columns | None,
        blocks: Iterator[list[tuple]],
        on_close: Callable[[], None] | None = None,
        rowcount: int = -1,
    ):
        self.columns = columns
        self._blocks = blocks
        self._on_close = on_close
        self.rowcount = rowcount
        self.finished = False

    def __iter__(self) -> Iterator[list[tuple]]:
        return self

    def __next__(self) -> list[tuple]:
        if self.finished:
            raise StopIteration
        try:
            return next(self._blocks)
        except BaseException:  # the end, or an error: either way nothing more will come
            self.close()
            raise

    def close(self) -> None:
        """Stop reading: cancel what the engine still has in flight."""
        if not self.finished:
            self.finished = True
            if self._on_close is not None:
                self._on_close()


class Transport(abc.ABC):
    """One session with ClickHouse: over TCP to a server, or in process."""

    server_version: tuple[int, int, int]
    #: Whether a result of this transport is being streamed right now.
    busy: bool = False
    #: Whether inserts send JSON columns as JSON text (the server parses it); otherwise
    #: clickhouse-driver's writer of the JSON type's encoding, which changes some values.
    writes_json_as_text: bool = False

    @property
    def legacy(self) -> bool:
        """Whether the server predates the SQL functions that parameters render to."""
        return self.server_version[:2] < MODERN_SERVER

    @abc.abstractmethod
    def execute(self, sql: str, settings: Settings | None, stream: bool) -> Result:
        """Run one statement; with ``stream`` the rows arrive as they are read."""

    @abc.abstractmethod
    def insert(
        self,
        statement: InsertStatement,
        sql: str,
        data: Iterable,
        columnar: bool,
        block_size: int,
        settings: Settings | None,
    ) -> int:
        """Insert rows (or columns) as Native blocks of ``block_size`` rows; return the count."""

    @abc.abstractmethod
    def ping(self) -> bool:
        """Whether the session still answers."""

    @abc.abstractmethod
    def close(self) -> None:
        """End the session; safe to call twice."""

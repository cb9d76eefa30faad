"""ClickHouse's Native format in and out of Python, with clickhouse-driver's column codecs.

The embedded engine answers in Native bytes and accepts Native bytes for inserts, the
same encoding a server sends over TCP. Decoding them with clickhouse-driver's own column
readers gives the same Python values on both transports, and it runs at the driver's
speed instead of a Python parser's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from clickhouse_driver import Client
from clickhouse_driver.block import ColumnOrientedBlock
from clickhouse_driver.bufferedreader import BufferedReader
from clickhouse_driver.bufferedwriter import BufferedSocketWriter
from clickhouse_driver.columns.service import read_column
from clickhouse_driver.connection import ServerInfo
from clickhouse_driver.context import Context
from clickhouse_driver.errors import UnknownTypeError
from clickhouse_driver.reader import read_binary_bytes, read_binary_str
from clickhouse_driver.streams.native import BlockOutputStream
from clickhouse_driver.varint import read_varint

from .errors import unconvertible_value, unreadable_type

# How clickhouse-driver's readers fail on a type they do not know or only partly read.
_UNREADABLE = (UnknownTypeError, EOFError, ValueError, NotImplementedError, IndexError, TypeError)
# How they fail on a value of a type they read, outside the range they convert (a Date32
# before 1900 misses their table of days); the column's bytes were read whole.
UNCONVERTIBLE = (KeyError, OverflowError)

# The client-side options clickhouse-driver's codecs read, with the driver's defaults.
_CLIENT_SETTINGS = Client("localhost").client_settings
_WRITE_BUFFER = 1 << 20


def make_context(version: tuple[int, int, int], timezone: str) -> Context:
    """A codec context for Native data written by an engine of ``version`` in ``timezone``.

    The Native *format* carries neither block info nor custom serialization flags; a
    protocol revision of 0 tells the codecs so.
    """
    context = Context()
    context.server_info = ServerInfo("chDB", *version, 0, timezone, "chDB", 0)
    context.settings = {}
    context.client_settings = _CLIENT_SETTINGS
    return context


class ChunkReader(BufferedReader):
    """Feeds clickhouse-driver's readers from an iterator of byte chunks, one at a time."""

    def __init__(self, chunks: Iterator[bytes | memoryview]):
        super().__init__(0)
        self._chunks = chunks

    def read_into_buffer(self) -> None:
        for chunk in self._chunks:
            if chunk:
                self.buffer = bytearray(chunk)
                self.current_buffer_size = len(self.buffer)
                return
        raise EOFError("the Native stream ended in the middle of a block")

    def at_end(self) -> bool:
        """Whether every chunk has been consumed (loads the next one if needed)."""
        if self.position < self.current_buffer_size:
            return False
        try:
            self.read_into_buffer()
        except EOFError:
            return True
        self.position = 0
        return False


def read_blocks(
    chunks: Iterator[bytes | memoryview],
    context: Context,
    true_types: Callable[[], list[str] | None] | None = None,
) -> Iterator[ColumnOrientedBlock]:
    """Decode the blocks of a Native stream, keeping at most one chunk in memory.

    chDB writes a top-level ``DateTime('Zone')`` column as a bare ``DateTime``, losing its
    zone; when one appears, ``true_types()`` (the result's types from ``DESCRIBE``) is
    asked once for the real type, so the values decode as aware datetimes as they do
    from a server.
    """
    reader = ChunkReader(chunks)
    described: list[str] | None = None
    while not reader.at_end():
        n_columns = read_varint(reader)
        n_rows = read_varint(reader)
        columns_with_types, data = [], []
        for index in range(n_columns):
            # A name is the expression's text when unaliased, and may not be UTF-8.
            name = bytes(read_binary_bytes(reader)).decode("utf-8", "replace")
            column_type = read_binary_str(reader)
            if column_type == "DateTime" and true_types is not None:
                if described is None:
                    described = true_types() or []
                if index < len(described) and described[index].startswith("DateTime("):
                    column_type = described[index]
            columns_with_types.append((name, column_type))
            if n_rows:
                try:
                    data.append(read_column(context, column_type, n_rows, reader))
                except _UNREADABLE as error:
                    # The reader is out of step with the stream: no later column reads.
                    raise unreadable_type(column_type, name) from error
                except UNCONVERTIBLE as error:
                    raise unconvertible_value(error, column_type, name) from None
        yield ColumnOrientedBlock(columns_with_types, data)


class _Sink:
    """The "socket" clickhouse-driver's writer flushes into: a list of byte strings."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.parts.append(bytes(data))


def encode_block(
    context: Context, columns_with_types: Sequence[tuple[str, str]], columns: Sequence[Sequence]
) -> bytes:
    """Encode one block of columns as Native bytes.

    The column writers rewrite the lists they are given (datetimes become integers, None
    becomes 0): pass lists of the block's own, never the caller's data.
    """
    sink = _Sink()
    writer = BufferedSocketWriter(sink, _WRITE_BUFFER)
    block = ColumnOrientedBlock(list(columns_with_types), list(columns))
    BlockOutputStream(writer, context).write(block)
    return b"".join(sink.parts)

"""An INSERT's rows (or columns) as Native blocks, for the transports that send Native
bytes themselves: the embedded engine and HTTP. (Over TCP clickhouse-driver does it.)"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from clickhouse_driver import errors as driver_errors
from clickhouse_driver.context import Context

from . import errors
from .codec import encode_block
from .exceptions import DataError, ProgrammingError
from .statements import InsertStatement, column_blocks

Columns = list[tuple[str, str]]


def insert_columns(statement: InsertStatement, rows_of: Callable[[str], list]) -> Columns:
    """Names and types of the columns an INSERT writes, in its order; ``rows_of`` runs a
    metadata statement (DESCRIBE) and gives its rows."""
    table = rows_of(f"DESCRIBE TABLE {statement.target}")
    if statement.columns is None:
        return [(row[0], row[1]) for row in table if row[2] not in ("MATERIALIZED", "ALIAS")]
    types = {row[0]: row[1] for row in table}
    names = statement.column_names
    if names is not None and all(name in types for name in names):
        return [(name, types[name]) for name in names]
    # A column list such as "* EXCEPT (b)": let ClickHouse expand it. On a line of its
    # own, the parenthesis closes even after a -- comment.
    query = f"DESCRIBE (SELECT {statement.columns} FROM {statement.target}\n)"
    return [(row[0], row[1]) for row in rows_of(query)]


class NativeInsert:
    """The blocks of one INSERT into ``columns`` (names and types, in the INSERT's order).

    A JSON column is sent as String (JSON text), which the server parses into the
    column's types (Native input converts types): clickhouse-driver's writer of the JSON
    type's own encoding turns [1, None] into [1, 0], [1, "a"] into ["1", "a"], and knows
    no typed paths. ``wire_types`` are the types the blocks are encoded in.
    """

    def __init__(self, statement: InsertStatement, columns: Columns, context: Context):
        self.statement = statement
        self.context = context
        self.names = [name for name, _ in columns]
        self.wire_types = [(name, _json_as_text(kind)) for name, kind in columns]
        self.json_columns = {
            position for position, (_, kind) in enumerate(columns) if _json_as_text(kind) != kind
        }

    def blocks(
        self, data: Iterable, columnar: bool, block_size: int
    ) -> Iterator[tuple[bytes, int]]:
        """Native bytes of each block of at most ``block_size`` rows, and its row count;
        a value that does not fit its column is a DataError naming the table."""
        for block in _column_blocks(data, columnar, block_size, self.names):
            if self.json_columns:
                block = [
                    list(map(_json_text, column)) if position in self.json_columns else column
                    for position, column in enumerate(block)
                ]
            yield self._encode(block), len(block[0]) if block else 0

    def _encode(self, block: list[list]) -> bytes:
        try:
            return encode_block(self.context, self.wire_types, block)
        except driver_errors.TypeMismatchError as error:
            raise errors.type_mismatch(str(error.message)) from None
        except (TypeError, ValueError, AttributeError, OverflowError) as error:
            raise DataError(
                f"cannot encode a value for {self.statement.target}: {error}; each value "
                "must fit its column's ClickHouse type"
            ) from None


def _json_as_text(column_type: str) -> str:
    if column_type.startswith("JSON"):
        return "String"
    if column_type.startswith("Nullable(JSON"):
        return "Nullable(String)"
    return column_type


def _json_text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise DataError(f"{value!r} is not JSON: {error}") from None


def _column_blocks(
    data: Iterable, columnar: bool, block_size: int, names: list[str]
) -> Iterator[list[list]]:
    """Cut rows (or columns) into blocks of columns of at most ``block_size`` rows."""
    if columnar:
        width = len(names)
        columns = list(data)
        if len(columns) != width:
            raise ProgrammingError(f"expected {width} columns, got {len(columns)}")
        length = len(columns[0]) if columns else 0
        if any(len(column) != length for column in columns):
            raise ProgrammingError("columns of an INSERT must all have the same length")
        for start in range(0, length, block_size):
            yield [_private_list(column[start : start + block_size]) for column in columns]
        return
    yield from column_blocks(data, block_size, names)  # rows: tuples, lists or dicts


def _private_list(values: Sequence) -> list:
    """A list the encoder may rewrite: a slice of a list is already a fresh one."""
    return values if isinstance(values, list) else list(values)

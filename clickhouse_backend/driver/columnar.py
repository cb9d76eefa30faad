"""Results as columns, and as numpy arrays: clickhouse-driver's ``columnar`` and
``use_numpy`` result shapes (``Cursor.set_query_execution_args``).

The values are those the cursor gives in rows, regrouped: both transports decode them
the same way, so the arrays do not depend on the transport either. numpy is imported
only when asked for, since most projects never do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .exceptions import InterfaceError

# numpy dtypes of the ClickHouse types that have one; any other type (strings, UUIDs,
# decimals, arrays, maps, NULL-able columns, ...) gives an array of Python objects.
_DTYPES = {
    "Bool": "bool",
    "Int8": "int8",
    "Int16": "int16",
    "Int32": "int32",
    "Int64": "int64",
    "UInt8": "uint8",
    "UInt16": "uint16",
    "UInt32": "uint32",
    "UInt64": "uint64",
    "Float32": "float32",
    "Float64": "float64",
    "Date": "datetime64[D]",
    "Date32": "datetime64[D]",
    "DateTime": "datetime64[s]",
    "DateTime64": "datetime64[ns]",
}
_TYPE_NAME = re.compile(r"\w+")


def columns_of(rows: list[tuple], width: int) -> list[tuple]:
    """The rows' columns, one tuple each; ``width`` empty tuples when there is no row."""
    return list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]


def numpy_columns(columns: list[tuple], types: Sequence[str]) -> list[Any]:
    """One numpy array a column, typed from its ClickHouse type as clickhouse-driver's
    numpy mode types it (DateTime as datetime64[s] in the column's own time zone)."""
    numpy = import_numpy()
    return [
        _array(numpy, values, column_type)
        for values, column_type in zip(columns, types, strict=True)
    ]


def import_numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise InterfaceError(
            "use_numpy=True needs numpy: pip install 'django-clickhouse-db[numpy]'"
        ) from None
    return numpy


def _array(numpy: Any, values: tuple, column_type: str) -> Any:
    base = column_type.removeprefix("LowCardinality(")
    dtype = _DTYPES.get(_TYPE_NAME.match(base).group())
    if dtype is None:
        # Element by element: a list or tuple value stays one element.
        return numpy.fromiter(values, dtype=object, count=len(values))
    if base.startswith("DateTime"):
        # The wall clock in the column's time zone, as clickhouse-driver gives it.
        values = [value.replace(tzinfo=None) for value in values]
    return numpy.array(values, dtype=dtype)

"""A PEP 249 (DB-API 2.0) driver for ClickHouse, over TCP or in process.

``connect(embedded=":memory:")`` runs ClickHouse inside this process with chDB;
``connect(host=..., port=...)`` or ``connect("clickhouse://...")`` talks to a server over
the native protocol with clickhouse-driver. Both give the same Python values.
"""

from __future__ import annotations

import datetime
import os
import time
from typing import Any

from .connection import DEFAULT_INSERT_BLOCK_SIZE, Connection, check_settings
from .cursor import Cursor
from .dsn import OPTION_TYPES, parse_dsn
from .exceptions import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)
from .options import POOL_DEFAULTS, check_values
from .pool import ConnectionPool
from .transport import Transport

apilevel = "2.0"
threadsafety = 1  # threads may share the module, not connections: use one per thread
paramstyle = "pyformat"

__all__ = [
    "BINARY",
    "DATETIME",
    "NUMBER",
    "ROWID",
    "STRING",
    "Binary",
    "Connection",
    "ConnectionPool",
    "Cursor",
    "DataError",
    "DatabaseError",
    "Date",
    "DateFromTicks",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
    "Warning",
    "apilevel",
    "connect",
    "create_pool",
    "paramstyle",
    "threadsafety",
]

_NATIVE_OPTIONS = frozenset(OPTION_TYPES) - {"insert_block_size", "interface"}
_HTTP_OPTIONS = (_NATIVE_OPTIONS - {"alt_hosts", "sync_request_timeout"}) | {
    "host",
    "port",
    "user",
    "password",
}


def _transport_factory(
    dsn: str | None,
    embedded: str | os.PathLike | None,
    options: dict[str, Any],
) -> tuple[Any, int]:
    """A function that opens a transport for these arguments, and the insert block size."""
    options = {name: value for name, value in options.items() if value is not None}  # unset
    if dsn is not None:
        if embedded is not None:
            raise InterfaceError("pass either a DSN or embedded=..., not both")
        from_dsn = parse_dsn(dsn)
        settings = {**from_dsn.get("settings", {}), **(options.get("settings") or {})}
        options = {**from_dsn, **options, "settings": settings}
    pool_sizes = sorted({"connections_min", "connections_max"} & set(options))
    if pool_sizes:  # django-clickhouse-backend's connect() opened a pool
        raise InterfaceError(
            f"connect() takes no {', '.join(pool_sizes)}: a pool of sessions is "
            "create_pool(min_size=..., max_size=..., ...) here, with the same other options"
        )
    check_values(options)
    block_size = options.pop("insert_block_size", DEFAULT_INSERT_BLOCK_SIZE)
    settings = check_settings(options.pop("settings", None)) or {}
    database = options.pop("database", "default") or "default"

    if embedded is not None:
        if options:
            raise InterfaceError(
                f"the embedded transport takes no {', '.join(sorted(options))} option; it "
                "takes database, insert_block_size, settings (leave out embedded= to "
                "connect to a server)"
            )
        from .embedded import EmbeddedTransport

        def open_embedded() -> Transport:
            transport = EmbeddedTransport(embedded, database)
            try:
                transport.set_session(settings)
            except BaseException:
                transport.close()
                raise
            return transport

        return open_embedded, block_size

    if options.pop("interface", "native") == "http":
        return _http_factory(database, settings, options), block_size
    unknown = set(options) - _NATIVE_OPTIONS - {"host", "port", "user", "password"}
    if unknown:
        raise InterfaceError(
            f"unknown connect() option {', '.join(sorted(unknown))}; known: "
            f"{', '.join(sorted(_NATIVE_OPTIONS | {'host', 'port', 'user', 'password'}))}"
        )
    from .native import NativeTransport

    def open_native() -> Transport:
        return NativeTransport(database=database, settings=settings, **options)

    return open_native, block_size


def _http_factory(database: str, settings: dict, options: dict[str, Any]) -> Any:
    unknown = set(options) - _HTTP_OPTIONS
    if unknown:
        raise InterfaceError(
            f"the HTTP transport takes no {', '.join(sorted(unknown))} option; it takes "
            f"{', '.join(sorted(_HTTP_OPTIONS))}"
        )
    from .http import HttpTransport

    def open_http() -> Transport:
        return HttpTransport(database=database, settings=settings, **options)

    return open_http


def connect(
    dsn: str | None = None,
    *,
    embedded: str | os.PathLike | None = None,
    **options: Any,
) -> Connection:
    """Open a connection.

    ``connect(embedded=":memory:" | "<directory>", database=..., settings=...)`` runs
    ClickHouse in this process. ``connect(host=..., port=9000, database=..., user=...,
    password=..., secure=..., verify=..., ca_certs=..., compression=...,
    connect_timeout=..., send_receive_timeout=..., settings=..., alt_hosts=...)`` or
    ``connect("clickhouse://user:password@host:9000/database?secure=1")`` reaches a
    server over the native protocol; with ``interface="http"`` (port 8123, or 8443 with
    ``secure=True``), or a DSN ``http://`` / ``https://`` (also ``clickhouse+http://``,
    ``clickhouse+https://``), over its HTTP interface. ``settings`` are ClickHouse
    settings for the whole session; ``insert_block_size`` caps the rows of each Native
    block an insert sends. An option given as None is not set.
    """
    factory, block_size = _transport_factory(dsn, embedded, options)
    return Connection(factory(), insert_block_size=block_size)


def create_pool(
    dsn: str | None = None,
    *,
    min_size: int = POOL_DEFAULTS["min_size"],
    max_size: int = POOL_DEFAULTS["max_size"],
    timeout: float = POOL_DEFAULTS["timeout"],
    check_idle_after: float = POOL_DEFAULTS["check_idle_after"],
    **options: Any,
) -> ConnectionPool:
    """A :class:`ConnectionPool` of sessions opened with ``connect()``'s arguments."""
    if options.get("embedded") is not None:
        raise InterfaceError(
            "the embedded transport needs no pool: its connections are in-process"
        )
    options.pop("embedded", None)
    factory, block_size = _transport_factory(dsn, None, options)
    return ConnectionPool(
        factory,
        min_size=min_size,
        max_size=max_size,
        timeout=timeout,
        check_idle_after=check_idle_after,
        insert_block_size=block_size,
    )


# -- PEP 249 type objects and constructors ----------------------------------------------


class _TypeGroup(frozenset):
    """Equal to a ClickHouse type name (a ``description`` type code) of its group."""

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            name = other
            for wrapper in ("Nullable(", "LowCardinality("):
                while name.startswith(wrapper):
                    name = name[len(wrapper) : -1]
            return name.split("(", 1)[0] in self
        return frozenset.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = frozenset.__hash__


STRING = _TypeGroup({"String", "FixedString", "Enum8", "Enum16", "UUID", "IPv4", "IPv6"})
BINARY = _TypeGroup({"String", "FixedString"})
NUMBER = _TypeGroup(
    {f"{sign}Int{bits}" for sign in ("", "U") for bits in (8, 16, 32, 64, 128, 256)}
    | {"Float32", "Float64", "Decimal", "Decimal32", "Decimal64", "Decimal128", "Decimal256"}
    | {"Bool"}
)
DATETIME = _TypeGroup({"Date", "Date32", "DateTime", "DateTime64"})
ROWID = _TypeGroup()

Date = datetime.date
Time = datetime.time
Timestamp = datetime.datetime
Binary = bytes


def DateFromTicks(ticks: float) -> datetime.date:  # noqa: N802 - PEP 249 name
    return Date(*time.localtime(ticks)[:3])


def TimeFromTicks(ticks: float) -> datetime.time:  # noqa: N802 - PEP 249 name
    return Time(*time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks: float) -> datetime.datetime:  # noqa: N802 - PEP 249 name
    return Timestamp(*time.localtime(ticks)[:6])

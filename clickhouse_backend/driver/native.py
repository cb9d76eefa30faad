"""The native transport: clickhouse-driver over TCP, for servers and clusters."""

from __future__ import annotations

import io
import itertools
import logging
import re
import select
import socket
import ssl
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from clickhouse_driver import Client, defines
from clickhouse_driver import errors as driver_errors
from clickhouse_driver.readhelpers import read_exception
from clickhouse_driver.settings import types as setting_types
from clickhouse_driver.settings.available import settings as binary_settings

from . import errors
from .codec import UNCONVERTIBLE
from .escape import render
from .exceptions import DatabaseError, DataError, OperationalError, ProgrammingError
from .gcpause import paused_gc
from .statements import InsertStatement, row_blocks
from .transport import JSON_AS_TEXT, Result, Settings, Transport

# clickhouse-driver logs a traceback for every failed connect or ping; this driver raises
# an OperationalError that says the same, so the log would only repeat it.
_driver_log = logging.getLogger("clickhouse_driver")
if _driver_log.level == logging.NOTSET:
    _driver_log.setLevel(logging.CRITICAL)

_HTTP_PORTS = {8123: 9000, 8443: 9440}
_NETWORK_ERRORS = (
    driver_errors.NetworkError,
    driver_errors.SocketTimeoutError,
    driver_errors.UnexpectedPacketFromServerError,
    driver_errors.UnknownPacketFromServerError,
    EOFError,
    OSError,
    ssl.SSLError,
)
# Wrong Python values in an INSERT surface from the column writers as these.
_SHAPE_ERROR = re.compile(r"Expected \d+ (columns|rows)|Different rows length")
_ENCODING_ERRORS = (TypeError, ValueError, AttributeError, OverflowError, KeyError)
# What each binary setting type takes, on servers that predate settings sent as text.
_SETTING_VALUES = {
    setting_types.SettingUInt64: "an int (or its digits as a str)",
    setting_types.SettingMaxThreads: "an int or 'auto'",
    setting_types.SettingBool: "a bool (or 0, 1, 'true', 'false')",
    setting_types.SettingFloat: "a float",
    setting_types.SettingString: "a str",
    setting_types.SettingChar: "a one-character str",
}


class _CallerRowsError(Exception):
    """The caller's row iterable raised (its ``__cause__``): clickhouse-driver reads the rows
    while it encodes them, and would otherwise pass the error off as a bad value."""


def _caller_rows(rows: Iterator) -> Iterator:
    try:
        yield from rows
    except Exception as error:
        raise _CallerRowsError from error


class NativeTransport(Transport):
    """A clickhouse-driver ``Client``: one TCP session, reconnected when it drops."""

    def __init__(self, host: str = "localhost", port: int | None = None, **options: Any):
        self.host = host
        self.port = port or (9440 if options.get("secure") else 9000)
        self.client = Client(host=host, port=self.port, **options)
        self._stream_open = False
        self._known_settings: set[str] = set()
        self._connecting = True
        # The session's settings are sent once checked, which needs the server's version.
        session, self.client.settings = self.client.settings, {}
        with self._within_connect_timeout():
            self.client.execute("SELECT 1")
        self._connecting = False
        info = self.client.connection.server_info
        self.server_version = info.version_tuple()
        self._binary_settings = (
            info.used_revision < defines.DBMS_MIN_REVISION_WITH_SETTINGS_SERIALIZED_AS_STRINGS
        )
        self.check_settings(session)
        self._check_setting_values(session)
        self.client.settings = session
        if self.server_version >= (24, 10):  # JSON columns as JSON text (see embedded.py)
            for name, value in JSON_AS_TEXT.items():
                self.client.settings.setdefault(name, value)

    def check_settings(self, settings: Settings | None) -> None:
        """Refuse unknown settings, and values an old server cannot be sent.

        clickhouse-driver silently drops unknown settings on old servers, and sends them
        each setting in its binary type, failing half-way through a query on a value it
        cannot convert.
        """
        self._check_setting_names(settings)
        if self._binary_settings:
            for name, value in (settings or {}).items():
                self._check_binary_setting(name, value)

    def _check_setting_values(self, settings: Settings) -> None:
        """Refuse, by name, a session setting whose value the server refuses: it would
        fail every statement with a message that names no setting."""
        if not settings:
            return
        try:
            with self._errors():
                self.client.execute("SELECT 1", settings=settings)
        except DatabaseError as error:
            for name, value in settings.items():
                try:
                    with self._errors():
                        self.client.execute("SELECT 1", settings={name: value})
                except DatabaseError as alone:
                    raise errors.for_setting(alone, name, value) from None
            raise error from None

    def _check_setting_names(self, settings: Settings | None) -> None:
        unchecked = [
            name
            for name in settings or ()
            if name not in self._known_settings and not name.startswith("custom_")
        ]
        if not unchecked:
            return
        with self._errors():
            rows = self.client.execute(
                f"SELECT name FROM system.settings WHERE name IN {render(tuple(unchecked))}",
                settings={"max_result_rows": 0, "readonly": 0},
            )
        self._known_settings.update(name for (name,) in rows)
        for name in unchecked:
            if name not in self._known_settings:
                raise ProgrammingError(
                    f"unknown ClickHouse setting {name!r} (ClickHouse "
                    f"{'.'.join(map(str, self.server_version))} has no such setting)",
                    code=115,
                    name="UNKNOWN_SETTING",
                )

    def _check_binary_setting(self, name: str, value: object) -> None:
        version = ".".join(map(str, self.server_version))
        kind = binary_settings.get(name)
        if kind is None:
            raise ProgrammingError(
                f"clickhouse-driver cannot send the setting {name!r} to ClickHouse {version}: "
                "it does not know the setting's type; set it in the server's user profile"
            )
        if isinstance(value, (int, float, str)):
            try:
                kind.write(value, io.BytesIO())
                return
            except (TypeError, ValueError, OverflowError, IndexError):
                pass
        raise DataError(
            f"{value!r} is not a value for the setting {name!r}: ClickHouse {version} "
            f"takes {_SETTING_VALUES[kind]} for it"
        )

    @property
    def busy(self) -> bool:
        return self._stream_open

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Translate clickhouse-driver's exceptions into this driver's."""
        try:
            yield
        except driver_errors.ServerException as error:
            raise errors.from_code(error.code, error.message) from None
        except driver_errors.UnknownTypeError as error:
            self.client.disconnect()
            raise errors.unreadable_type(str(error.message)) from None
        except driver_errors.TypeMismatchError as error:
            raise errors.type_mismatch(str(error.message)) from None
        except _NETWORK_ERRORS as error:
            raise self._network_error(error) from None
        except driver_errors.Error as error:
            raise errors.from_code(error.code, str(error.message)) from None
        except UnicodeDecodeError as error:
            self.client.disconnect()
            code = _server_error_code(error)
            if code is not None:
                raise errors.from_code(code, errors.decoded(error)) from None
            raise ProgrammingError(
                "a result column's name is not valid UTF-8 (an expression over raw bytes "
                "without an alias); name the column with AS"
            ) from None

    @contextmanager
    def _decoding(self) -> Iterator[None]:
        """Like ``_errors``, while the packets of a result are read and decoded: there, and
        only there, a KeyError or OverflowError is a value clickhouse-driver cannot turn
        into Python (elsewhere it is a fault of its own, reported as it is)."""
        with self._errors():
            try:
                yield
            except UNCONVERTIBLE as error:
                self.client.disconnect()  # the rest of the result is still on the socket
                raise errors.unconvertible_value(error) from None

    @contextmanager
    def _within_connect_timeout(self) -> Iterator[None]:
        """Wait at most ``connect_timeout`` for each answer, not ``send_receive_timeout``.

        clickhouse-driver reads the handshake with the socket timeout of queries (300 s by
        default) and pings with ``sync_request_timeout``, so a server that accepts TCP but
        does not answer (stopped, overloaded) would hold connect() and the pool's health
        check for minutes. Our own Connection objects get ``connect_timeout`` for the
        duration; their timeouts, and their socket's, are restored after.
        """
        client = self.client
        connections = {id(c): c for c in (client.connection, *client.connections)}.values()
        saved = [(c, c.send_receive_timeout, c.sync_request_timeout) for c in connections]
        for connection in connections:
            connection.send_receive_timeout = connection.connect_timeout
            connection.sync_request_timeout = connection.connect_timeout
            if connection.socket is not None:
                connection.socket.settimeout(connection.connect_timeout)
        try:
            with self._errors():
                yield
        finally:
            for connection, send_receive_timeout, sync_request_timeout in saved:
                connection.send_receive_timeout = send_receive_timeout
                connection.sync_request_timeout = sync_request_timeout
                if connection.socket is not None:
                    connection.socket.settimeout(send_receive_timeout)

    def _network_error(self, error: BaseException) -> OperationalError:
        where = f"{self.host}:{self.port}"
        refused = isinstance(error, (driver_errors.NetworkError, ConnectionRefusedError))
        if isinstance(error, driver_errors.UnexpectedPacketFromServerError) or (
            self.port in _HTTP_PORTS and not refused
        ):
            native = _HTTP_PORTS.get(self.port, 9000)
            return OperationalError(
                f"{where} did not answer in ClickHouse's native protocol; this driver speaks "
                f"the native TCP protocol, not HTTP: use port {native} (9440 with "
                "secure=True)",
                code=102,
                name="UNEXPECTED_PACKET_FROM_SERVER",
            )
        if self._connecting:
            hint = (
                " Is the server running, and is this its native port (9000, or 9440 with "
                "TLS)? HTTP ports such as 8123 do not answer the native protocol."
            )
        else:
            hint = " Is the server still running?"
        if isinstance(error, (driver_errors.SocketTimeoutError, socket.timeout)):
            if self._connecting:
                waited = f"within connect_timeout ({self.client.connection.connect_timeout:g}s)"
            else:
                waited = "in time; raise send_receive_timeout for long queries"
            return OperationalError(
                f"ClickHouse at {where} did not answer {waited}.{hint}",
                code=209,
                name="SOCKET_TIMEOUT",
            )
        detail = getattr(error, "message", None) or str(error) or type(error).__name__
        if "CERTIFICATE_VERIFY_FAILED" in detail:
            hint = (
                " The server's TLS certificate is not trusted: pass ca_certs= the file of its "
                "issuer, or verify=False to skip the check."
            )
        elif "WRONG_VERSION_NUMBER" in detail:
            hint = " This port does not speak TLS: use the TLS port (9440) or secure=False."
        return OperationalError(
            f"cannot reach ClickHouse at {where}: {detail}.{hint}",
            code=210,
            name="NETWORK_ERROR",
        )

    def execute(self, sql: str, settings: Settings | None, stream: bool) -> Result:
        self.check_settings(settings)
        with self._errors():
            progress = self.client.execute_with_progress(
                sql, with_column_types=True, settings=settings
            )
        packets = progress.packet_generator
        with self._decoding():
            columns, first_rows = self._read_header(packets)
        self._stream_open = True
        blocks = self._blocks(packets, first_rows)
        if stream:
            return Result(columns, blocks, on_close=self._end_stream)
        with paused_gc():
            rows: list[tuple] = []
            for block in blocks:
                rows.extend(block)
        self._stream_open = False
        written = self.client.last_query.progress.written_rows if columns is None else 0
        count = len(rows) if columns is not None else (written or -1)
        return Result(columns, iter([rows]), rowcount=count)

    def _read_header(self, packets: Iterator) -> tuple[list | None, list[tuple] | None]:
        """Read up to the first block: its columns, and its rows if it has any."""
        for packet in packets:
            block = getattr(packet, "block", None)
            if block is not None:
                rows = block.get_rows() if block.num_rows else None
                # An INSERT ... SELECT answers with a header of no columns: no rows to fetch.
                return list(block.columns_with_types) or None, rows
        return None, None

    def _blocks(self, packets: Iterator, first_rows: list[tuple] | None) -> Iterator[list]:
        try:
            if first_rows:
                yield first_rows
            while True:
                with paused_gc(), self._decoding():  # not while the caller works
                    rows = _next_rows(packets)
                if rows is None:
                    break
                yield rows
        except BaseException:
            self._end_stream()  # an error mid-result: drop the session's half-read state
            raise
        self._stream_open = False

    def _end_stream(self) -> None:
        """Abandon a result read part-way: dropping the socket stops the query."""
        if self._stream_open:
            self._stream_open = False
            self.client.disconnect()

    def insert(
        self,
        statement: InsertStatement,
        sql: str,
        data: Iterable,
        columnar: bool,
        block_size: int,
        settings: Settings | None,
    ) -> int:
        self.check_settings(settings)
        if not columnar:
            data = self._rows(statement, data, block_size)
        query_settings = dict(settings or {}, insert_block_size=block_size)
        with self._errors():
            try:
                return self.client.execute(sql, data, columnar=columnar, settings=query_settings)
            except _CallerRowsError as error:
                self.client.disconnect()  # the INSERT is half sent: drop it
                raise error.__cause__ from None
            except _ENCODING_ERRORS as error:
                self.client.disconnect()
                if isinstance(error, ValueError) and _SHAPE_ERROR.match(str(error)):
                    raise ProgrammingError(
                        f"the INSERT data has the wrong shape: {error}"
                    ) from None
                raise DataError(
                    f"cannot encode a value for {statement.target}: {error}; each value must "
                    "fit its column's ClickHouse type"
                ) from None

    def _rows(self, statement: InsertStatement, data: Iterable, block_size: int) -> Iterator:
        """The rows, checked as the embedded transport checks them (``row_blocks``): tuples
        and lists as they are, dict rows as tuples in the order of the columns. A
        generator: clickhouse-driver streams generators, and reads any other iterable as
        parameters."""
        rows = iter(data)
        first = list(itertools.islice(rows, 1))
        names = statement.column_names
        if first and isinstance(first[0], Mapping) and names is None:
            names = self._insert_column_names(statement)  # before the INSERT starts
        blocks = row_blocks(itertools.chain(first, _caller_rows(rows)), block_size, names)
        return (row for block in blocks for row in block.tuples())

    def _insert_column_names(self, statement: InsertStatement) -> list[str]:
        """The columns an INSERT without a plain column list writes, in its order."""
        with self._errors():
            if statement.columns is None:
                table = self.client.execute(f"DESCRIBE TABLE {statement.target}")
                return [row[0] for row in table if row[2] not in ("MATERIALIZED", "ALIAS")]
            query = f"SELECT {statement.columns} FROM {statement.target} LIMIT 0"
            _, columns = self.client.execute(query, with_column_types=True)
        return [name for name, _ in columns]

    def ping(self) -> bool:
        """Whether the session answers within ``connect_timeout`` (never while streaming).

        A session the server closed (a restart) reconnects here. A live socket gets the
        protocol's Ping, and is closed, not reconnected, if no Pong comes in time: a server
        that does not answer would not answer a new handshake either, and a pool opens a
        fresh session anyway.
        """
        if self._stream_open:
            return False
        connection = self.client.connection
        try:
            with self._within_connect_timeout():
                if connection.connected and not _closed_by_server(connection.socket):
                    alive = bool(connection.ping())
                else:
                    self.client.disconnect()
                    self.client.execute("SELECT 1")
                    alive = True
        except OperationalError:
            alive = False
        if not alive:
            self.client.disconnect()
        return alive

    def close(self) -> None:
        self._stream_open = False
        self.client.disconnect()


def _next_rows(packets: Iterator) -> list[tuple] | None:
    """The rows of the next block that has any; None at the end of the result."""
    for packet in packets:
        block = getattr(packet, "block", None)
        if block is not None and block.num_rows:
            return block.get_rows()
    return None


def _server_error_code(error: UnicodeDecodeError) -> int | None:
    """The code of the server error whose message failed to decode, if that failed.

    clickhouse-driver reads an error's code, then decodes its message as UTF-8, which
    fails when the message quotes raw bytes; the code is left in that frame.
    """
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code is read_exception.__code__:
            return traceback.tb_frame.f_locals["code"]
        traceback = traceback.tb_next
    return None


def _closed_by_server(sock: socket.socket) -> bool:
    """Whether an idle session's socket has something to read: only its end can be there."""
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)

"""The PEP 249 connection: a transport, its settings, and one statement at a time."""

from __future__ import annotations

import os
import re
import threading
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from clickhouse_driver import Client

from .cursor import NOT_THREAD_SAFE, Cursor
from .exceptions import (
    InterfaceError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)
from .transport import Settings, Transport

if TYPE_CHECKING:
    from .pool import ConnectionPool

DEFAULT_INSERT_BLOCK_SIZE = 100_000
_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Errors after which the session is not reused: the network failed under a statement
# (209 SOCKET_TIMEOUT, 210 NETWORK_ERROR), the server still runs an earlier one
# (373 SESSION_IS_LOCKED, over HTTP), or it lost the session and its state
# (372 SESSION_NOT_FOUND, over HTTP).
_BREAKING_CODES = frozenset({209, 210, 372, 373})
# How long reading one's own streamed result waits for another thread's call: while a
# result streams, another thread's statements are refused at once (see
# check_stream_thread), so such a call ends within milliseconds.
_READ_WAIT_SECONDS = 10.0
# clickhouse-driver reads these from its settings itself; they change what it returns.
_CLIENT_OPTIONS = frozenset(Client.available_client_settings)


def check_settings(settings: Mapping[str, Any] | None) -> Settings | None:
    """Validate ClickHouse setting names (they reach SQL as identifiers).

    The names come back as plain str, the text that was checked: a str subclass could
    print, compare or encode as another.
    """
    if not settings:
        return None
    if not isinstance(settings, Mapping):
        raise ProgrammingError(f"settings must be a mapping, not {type(settings).__name__}")
    checked: Settings = {}
    for name, value in settings.items():
        if not isinstance(name, str) or not _SETTING_NAME.match(name):
            raise ProgrammingError(f"{name!r} is not a valid ClickHouse setting name")
        name = str.__str__(name)
        if name in _CLIENT_OPTIONS:
            raise ProgrammingError(
                f"{name!r} is a clickhouse-driver client option, not a ClickHouse setting; "
                "this driver decodes values itself so that both transports agree"
                + ("; use insert_block_size= or block_size=" if "block" in name else "")
            )
        checked[name] = value
    return checked


class Connection:
    """One session with ClickHouse.

    ClickHouse has no transactions: ``commit()`` does nothing, since every statement is
    final when it returns, and ``rollback()`` raises ``NotSupportedError``.

    A session runs one statement, and streams one result, at a time. Threads may use a
    connection one after another, but two at once would cut each other's results short
    (both engines allow one result in flight), so that raises ``ProgrammingError``.
    """

    def __init__(
        self,
        transport: Transport,
        insert_block_size: int = DEFAULT_INSERT_BLOCK_SIZE,
        pool: ConnectionPool | None = None,
    ):
        self._transport: Transport | None = transport
        #: The process that opened it: a forked child must not talk over its session.
        self._pid = os.getpid()
        self.insert_block_size = insert_block_size
        #: The pool this connection was taken from (``close()`` gives it back), or None.
        self.pool = pool
        self._streaming: weakref.ref[Cursor] | None = None
        # Held by the thread inside a call into the transport; never waited for.
        self._calls = threading.RLock()
        #: Set when the session must not be reused: the network failed under a
        #: statement, an earlier statement still holds it, or it was closed in the
        #: middle of a result. A pool discards it; ``ping()`` is then False.
        self.broken = False

    @property
    def transport(self) -> Transport:
        if self._transport is None:
            raise InterfaceError("the connection is closed")
        if self._pid != os.getpid():
            raise InterfaceError(
                f"this connection was opened by process {self._pid}, which this process "
                "was forked from: its session belongs to that process. Open connections "
                "after the fork, in each process (see docs/deployment.md, forking servers)"
            )
        return self._transport

    @property
    def closed(self) -> bool:
        return self._transport is None

    @property
    def server_version(self) -> tuple[int, int, int]:
        """The ClickHouse version as (major, minor, patch)."""
        return self.transport.server_version

    check_settings = staticmethod(check_settings)

    def cursor(self, stream: bool = False) -> Cursor:
        """A new cursor; ``stream=True`` reads results block by block as they are fetched."""
        self.transport  # noqa: B018 - raises if closed
        return Cursor(self, stream=stream)

    def call(self) -> TransportCall:
        """A block of code that talks to the transport (see :class:`TransportCall`)."""
        return TransportCall(self, 0.0)

    def read_call(self) -> TransportCall:
        """A call that reads (or ends) a result of this thread: it lets a short call of
        another thread finish first, which is one being refused (see TransportCall)."""
        return TransportCall(self, _READ_WAIT_SECONDS)

    def check_stream_thread(self) -> None:
        """Refuse a statement while another thread reads a streamed result: the statement
        would end that result, or read it into memory under the other thread's feet."""
        streaming = self.streaming_cursor()
        if streaming is not None and streaming.reader_thread != threading.get_ident():
            raise ProgrammingError(
                "another thread is still reading a result of this connection; " + NOT_THREAD_SAFE
            )

    def streaming_cursor(self) -> Cursor | None:
        """The cursor whose result is being streamed, if one is."""
        cursor = self._streaming() if self._streaming is not None else None
        return cursor if cursor is not None and cursor.stream_open else None

    def begin_statement(self, cursor: Cursor) -> Transport:
        """Free the session for ``cursor``'s statement: one result streams at a time, so a
        result another cursor of this thread is still streaming is read into memory."""
        transport = self.transport
        other = self.streaming_cursor()
        if other is not None and other is not cursor:
            other.buffer_rest()
        self._streaming = weakref.ref(cursor) if cursor.stream else None
        return transport

    def end_stream(self, cursor: Cursor) -> None:
        if self._streaming is not None and self._streaming() is cursor:
            self._streaming = None

    def ping(self) -> bool:
        """Whether the session still answers (False while a result is being streamed, and
        once the connection is broken: it is to be replaced, not reused)."""
        if self.closed or self.broken:
            return False
        with self.call():
            return self.transport.ping()

    def commit(self) -> None:
        """Nothing to do: ClickHouse writes are final when the statement returns."""
        self.transport  # noqa: B018 - raises if closed

    def rollback(self) -> None:
        raise NotSupportedError(
            "ClickHouse has no transactions: rows already written stay written"
        )

    def close(self) -> None:
        """Close the session, or hand it back to its pool; safe to call twice.

        Another thread may close it (Django's test runner does), but not while that
        thread is inside a statement: that raises ``ProgrammingError``."""
        if self._transport is None:
            return
        if self._pid != os.getpid():  # the parent's session: left to the parent, untouched
            self._transport = None
            return
        with self.call():
            self._close()

    def _close(self) -> None:
        transport, self._transport = self._transport, None
        if transport is None:
            return
        other = self.streaming_cursor()
        if other is not None and not other.closed:
            self.broken = True
            other.close()
        if self.pool is not None:
            self._transport = transport
            try:
                self.pool.give_back(self)
            finally:
                self._transport = None
        else:
            transport.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


class TransportCall:
    """Claims the connection for this thread while it talks to the transport.

    A statement started while another thread is inside a call raises
    ``ProgrammingError`` at once: waiting would only hide the misuse until results came
    out wrong. Reading the next block of a result waits up to ``wait`` seconds, so that
    the thread whose result it is reads on while the other is refused. The same thread
    may nest calls. Also marks the connection broken when the network fails under a
    statement, or the session is still held by an earlier one. (Text that cannot be
    encoded never gets here: the escaper refuses it.)
    """

    __slots__ = ("connection", "wait")

    def __init__(self, connection: Connection, wait: float):
        self.connection = connection
        self.wait = wait

    def __enter__(self) -> None:
        calls = self.connection._calls
        if not (calls.acquire(True, self.wait) if self.wait else calls.acquire(False)):
            raise ProgrammingError(
                "another thread is running a statement on this connection; " + NOT_THREAD_SAFE
            )

    def __exit__(self, kind: type | None, error: BaseException | None, traceback: Any) -> None:
        self.connection._calls.release()
        if isinstance(error, OperationalError) and error.code in _BREAKING_CODES:
            self.connection.broken = True

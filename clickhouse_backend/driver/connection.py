"""The PEP 249 connection: a transport, its settings, and one statement at a time."""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from clickhouse_driver import Client

from .cursor import Cursor
from .exceptions import InterfaceError, NotSupportedError, ProgrammingError
from .transport import Settings, Transport

DEFAULT_INSERT_BLOCK_SIZE = 100_000
_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# clickhouse-driver reads these from its settings itself; they change what it returns.
_CLIENT_OPTIONS = frozenset(Client.available_client_settings)


def check_settings(settings: Mapping[str, Any] | None) -> Settings | None:
    """Validate ClickHouse setting names (they reach SQL as identifiers)."""
    if not settings:
        return None
    if not isinstance(settings, Mapping):
        raise ProgrammingError(f"settings must be a mapping, not {type(settings).__name__}")
    for name in settings:
        if not isinstance(name, str) or not _SETTING_NAME.match(name):
            raise ProgrammingError(f"{name!r} is not a valid ClickHouse setting name")
        if name in _CLIENT_OPTIONS:
            raise ProgrammingError(
                f"{name!r} is a clickhouse-driver client option, not a ClickHouse setting; "
                "this driver decodes values itself so that both transports agree"
                + ("; use insert_block_size= or block_size=" if "block" in name else "")
            )
    return dict(settings)


class Connection:
    """One session with ClickHouse.

    ClickHouse has no transactions: ``commit()`` does nothing, since every statement is
    final when it returns, and ``rollback()`` raises ``NotSupportedError``.
    """

    def __init__(
        self,
        transport: Transport,
        insert_block_size: int = DEFAULT_INSERT_BLOCK_SIZE,
        on_close: Callable[[Connection], None] | None = None,
    ):
        self._transport: Transport | None = transport
        self.insert_block_size = insert_block_size
        self._on_close = on_close
        self._streaming: weakref.ref[Cursor] | None = None
        #: Set when the session must not be reused: the network failed under a
        #: statement, or it was closed in the middle of a result. A pool discards it.
        self.broken = False

    @property
    def transport(self) -> Transport:
        if self._transport is None:
            raise InterfaceError("the connection is closed")
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

    def begin_statement(self, cursor: Cursor) -> Transport:
        """Free the session for ``cursor``'s statement: one result streams at a time, so a
        result another cursor is still streaming is read into memory first."""
        transport = self.transport
        other = self._streaming() if self._streaming is not None else None
        if other is not None and other is not cursor:
            other.buffer_rest()
        self._streaming = weakref.ref(cursor) if cursor.stream else None
        return transport

    def end_stream(self, cursor: Cursor) -> None:
        if self._streaming is not None and self._streaming() is cursor:
            self._streaming = None

    def ping(self) -> bool:
        """Whether the session still answers (False while a result is being streamed)."""
        return not self.closed and self.transport.ping()

    def commit(self) -> None:
        """Nothing to do: ClickHouse writes are final when the statement returns."""
        self.transport  # noqa: B018 - raises if closed

    def rollback(self) -> None:
        raise NotSupportedError(
            "ClickHouse has no transactions: rows already written stay written"
        )

    def close(self) -> None:
        """Close the session, or hand it back to its pool; safe to call twice."""
        transport, self._transport = self._transport, None
        if transport is None:
            return
        other = self._streaming() if self._streaming is not None else None
        if other is not None and not other.closed:
            self.broken = True
            other.close()
        if self._on_close is not None:
            self._transport = transport
            try:
                self._on_close(self)
            finally:
                self._transport = None
        else:
            transport.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

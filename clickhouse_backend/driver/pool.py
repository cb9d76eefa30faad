"""A thread-safe pool of native-protocol sessions.

Configured like Django's PostgreSQL pool: ``min_size`` sessions are opened up front,
at most ``max_size`` exist at once, and a caller waits at most ``timeout`` seconds for a
free one. A session idle for longer than ``check_idle_after`` seconds is pinged before
it is handed out; one that was left mid-result or whose network failed is closed, never
handed out again.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from .connection import Connection
from .exceptions import InterfaceError, OperationalError
from .transport import Transport


class ConnectionPool:
    """Hands out :class:`Connection` objects whose ``close()`` gives the session back."""

    def __init__(
        self,
        factory: Callable[[], Transport],
        *,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 10.0,
        check_idle_after: float = 30.0,
        insert_block_size: int | None = None,
    ):
        if not 0 <= min_size <= max_size or max_size < 1:
            raise InterfaceError(
                f"pool sizes need 0 <= min_size <= max_size and max_size >= 1; got "
                f"min_size={min_size}, max_size={max_size}"
            )
        self._factory = factory
        self.min_size = min_size
        self.max_size = max_size
        self.timeout = timeout
        self.check_idle_after = check_idle_after
        self._connection_options: dict[str, Any] = {}
        if insert_block_size:
            self._connection_options["insert_block_size"] = insert_block_size
        self._idle: deque[tuple[Transport, float]] = deque()
        self._size = 0
        self._closed = False
        self._condition = threading.Condition()
        for _ in range(min_size):
            self._size += 1
            self._idle.append((self._create(), time.monotonic()))

    @property
    def size(self) -> int:
        """Sessions open now, idle or in use."""
        return self._size

    @property
    def idle(self) -> int:
        """Sessions open and free."""
        return len(self._idle)

    def _create(self) -> Transport:
        try:
            return self._factory()
        except BaseException:
            with self._condition:
                self._size -= 1
                self._condition.notify()
            raise

    def connect(self) -> Connection:
        """A connection from the pool; waits up to ``timeout`` for one to be free."""
        deadline = time.monotonic() + self.timeout
        while True:
            transport, idle_since = self._take(deadline)
            if transport is None:
                transport = self._create()
            elif time.monotonic() - idle_since > self.check_idle_after and not transport.ping():
                self._discard(transport)
                continue
            return Connection(transport, on_close=self._give_back, **self._connection_options)

    def _take(self, deadline: float) -> tuple[Transport | None, float]:
        with self._condition:
            while True:
                if self._closed:
                    raise InterfaceError("the connection pool is closed")
                if self._idle:
                    return self._idle.pop()
                if self._size < self.max_size:
                    self._size += 1
                    return None, 0.0
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise OperationalError(
                        f"pool exhausted: {self.max_size} connections busy for "
                        f"{self.timeout:g}s; close connections sooner or raise max_size"
                    )
                self._condition.wait(remaining)

    def _give_back(self, connection: Connection) -> None:
        transport = connection.transport
        if connection.broken or transport.busy or self._closed:
            self._discard(transport)
            return
        with self._condition:
            self._idle.append((transport, time.monotonic()))
            self._condition.notify()

    def _discard(self, transport: Transport) -> None:
        try:
            transport.close()
        finally:
            with self._condition:
                self._size -= 1
                self._condition.notify()

    def close(self) -> None:
        """Close every idle session now, and every busy one when it is given back."""
        with self._condition:
            self._closed = True
            idle, self._idle = list(self._idle), deque()
            self._condition.notify_all()
        for transport, _ in idle:
            self._discard(transport)

    def __enter__(self) -> ConnectionPool:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

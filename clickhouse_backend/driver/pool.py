"""A thread-safe pool of native-protocol sessions.

Configured like Django's PostgreSQL pool: ``min_size`` sessions are opened up front,
at most ``max_size`` exist at once, and a caller waits at most ``timeout`` seconds for a
free one. Callers that wait are served first come, first served. A session idle for
longer than ``check_idle_after`` seconds is pinged before it is handed out (the ping, and
opening a replacement, wait at most the session's ``connect_timeout``); one that was left
mid-result or whose network failed is closed, never handed out again.

ClickHouse has no statement that resets a session, so a session given back after a
statement that changed the session itself (``SET``, ``USE``, ``BEGIN``, ``CREATE
TEMPORARY TABLE``) is closed too: the next borrower gets a new one, with the pool's own
database and settings rather than the last borrower's.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, cast

from .connection import Connection
from .exceptions import InterfaceError, OperationalError
from .options import check_pool
from .statements import InsertStatement, changes_session
from .transport import Result, Settings, Transport


class _PooledTransport(Transport):
    """A session of a pool: notes whether a borrower changed the session itself."""

    def __init__(self, session: Transport):
        self.session = session
        #: Set by a statement that changes the session (see :func:`changes_session`).
        self.changed = False

    @property
    def server_version(self) -> tuple[int, int, int]:
        return self.session.server_version

    @property
    def busy(self) -> bool:
        return self.session.busy

    @property
    def writes_json_as_text(self) -> bool:
        return self.session.writes_json_as_text

    def execute(self, sql: str, settings: Settings | None, stream: bool) -> Result:
        if changes_session(sql):
            self.changed = True  # before running it: it may change the session and fail
        return self.session.execute(sql, settings, stream)

    def insert(
        self,
        statement: InsertStatement,
        sql: str,
        data: Iterable,
        columnar: bool,
        block_size: int,
        settings: Settings | None,
    ) -> int:
        return self.session.insert(statement, sql, data, columnar, block_size, settings)

    def ping(self) -> bool:
        return self.session.ping()

    def close(self) -> None:
        self.session.close()


#: A session as the pool hands it over: the transport and since when it has been idle;
#: ``(None, 0.0)`` is a free slot, for the receiver to open a new session in.
_Session = tuple["_PooledTransport | None", float]
_FREE_SLOT: _Session = (None, 0.0)


class _Waiter:
    """A ``connect()`` waiting in line: the pool fills ``session``, then sets ``ready``."""

    __slots__ = ("ready", "session")

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.session: _Session | None = None


class ConnectionPool:
    """Hands out :class:`Connection` objects whose ``close()`` gives the session back.

    Fairness: a session given back (or the slot of one discarded) goes straight to the
    longest waiter, assigned under the pool's lock before that waiter wakes. So no thread
    can take it in between — not even the one that gave it back and asks again at once:
    it queues behind the others. Each waiter has its own event, so a give-back wakes
    exactly the thread it serves, not every waiter to race for one session.
    """

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
        check_pool(min_size, max_size, timeout, check_idle_after)
        self._factory = factory
        self.min_size = min_size
        self.max_size = max_size
        self.timeout = timeout
        self.check_idle_after = check_idle_after
        self._connection_options: dict[str, Any] = {}
        if insert_block_size:
            self._connection_options["insert_block_size"] = insert_block_size
        self._idle: deque[_Session] = deque()
        self._waiters: deque[_Waiter] = deque()
        self._size = 0
        self._closed = False
        self._lock = threading.Lock()
        _pools.add(self)
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

    @property
    def waiting(self) -> int:
        """``connect()`` calls waiting in line for a session."""
        return len(self._waiters)

    def connect(self) -> Connection:
        """A connection from the pool; waits up to ``timeout`` for one to be free."""
        transport, idle_since = self._take(time.monotonic() + self.timeout)
        if transport is not None and time.monotonic() - idle_since > self.check_idle_after:
            transport = self._checked(transport)
        if transport is None:
            transport = self._create()
        return Connection(transport, pool=self, **self._connection_options)

    def _checked(self, transport: _PooledTransport) -> _PooledTransport | None:
        """The idle session if it still answers; else None, keeping its slot for a new one."""
        try:
            alive = transport.ping()
            if not alive:
                transport.close()
        except BaseException:
            self._discard(transport)  # closes it (again: that is safe) and frees its slot
            raise
        return transport if alive else None

    def _create(self) -> _PooledTransport:
        """Open a session in a slot already counted in ``size``; free the slot if it fails."""
        try:
            return _PooledTransport(self._factory())
        except BaseException:
            with self._lock:
                self._free_slot()
            raise

    def _take(self, deadline: float) -> _Session:
        """An idle session, a free slot, or — when there is neither — a place in line."""
        with self._lock:
            if self._closed:
                raise InterfaceError("the connection pool is closed")
            if self._idle:
                return self._idle.pop()
            if self._size < self.max_size:
                self._size += 1
                return _FREE_SLOT
            waiter = _Waiter()
            self._waiters.append(waiter)
        try:
            waiter.ready.wait(max(0.0, deadline - time.monotonic()))
        except BaseException:  # interrupted (Ctrl-C): pass on what was handed meanwhile
            self._pass_on(self._leave_line(waiter))
            raise
        session = self._leave_line(waiter)
        if session is not None:
            return session
        if self._closed:
            raise InterfaceError("the connection pool is closed")
        raise OperationalError(
            f"pool exhausted: {self.max_size} connections busy for "
            f"{self.timeout:g}s; close connections sooner or raise max_size"
        )

    def _leave_line(self, waiter: _Waiter) -> _Session | None:
        """Take ``waiter`` out of line; what it was handed (even just as its wait ended)."""
        with self._lock:
            if waiter.session is None and waiter in self._waiters:  # close() empties it
                self._waiters.remove(waiter)
            return waiter.session

    def _pass_on(self, session: _Session | None) -> None:
        """Give back a session (or slot) handed to a waiter that can no longer take it."""
        if session is None:
            return
        transport, _ = session
        if transport is None:
            with self._lock:
                self._free_slot()
        else:
            self._release(transport, reusable=True)

    def _hand_to_waiter(self, session: _Session) -> bool:
        """Give ``session`` to the longest waiter, if any. Call with the lock held."""
        if not self._waiters:
            return False
        waiter = self._waiters.popleft()
        waiter.session = session
        waiter.ready.set()
        return True

    def _free_slot(self) -> None:
        """A session is gone: its slot goes to the longest waiter. Call with the lock held."""
        if not self._hand_to_waiter(_FREE_SLOT):
            self._size -= 1

    def give_back(self, connection: Connection) -> None:
        """Take back a connection's session (its ``close()`` calls this); a session left
        mid-result, broken or changed by its borrower is closed instead of kept."""
        transport = cast(_PooledTransport, connection.transport)
        unusable = connection.broken or transport.busy or transport.changed
        self._release(transport, reusable=not unusable)

    def _release(self, transport: _PooledTransport, reusable: bool) -> None:
        """To the longest waiter, else to the idle ones; closed if unusable or pool closed."""
        if reusable:
            with self._lock:
                if not self._closed:
                    session = (transport, time.monotonic())
                    if not self._hand_to_waiter(session):
                        self._idle.append(session)
                    return
        self._discard(transport)

    def _discard(self, transport: _PooledTransport) -> None:
        try:
            transport.close()
        finally:
            with self._lock:
                self._free_slot()

    def close(self) -> None:
        """Close every idle session now, and every busy one when it is given back.

        Every waiting ``connect()`` wakes and raises InterfaceError.
        """
        with self._lock:
            self._closed = True
            idle, self._idle = list(self._idle), deque()
            waiters, self._waiters = list(self._waiters), deque()
        for waiter in waiters:
            waiter.ready.set()
        for transport, _ in idle:
            self._discard(transport)

    def __enter__(self) -> ConnectionPool:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


# Pools of this process, for a forked child to forget their sessions (see below).
_pools: weakref.WeakSet[ConnectionPool] = weakref.WeakSet()


def _forget_the_parents_sessions() -> None:
    """In a forked child: every pool starts empty. Its sessions' sockets belong to the
    parent, which goes on using them; they are dropped unclosed (closing a socket here
    would end the parent's session). A lock held at the fork is replaced, since the
    thread holding it does not exist here."""
    for pool in list(_pools):
        pool._lock = threading.Lock()
        pool._idle.clear()
        pool._waiters.clear()
        pool._size = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_the_parents_sessions)

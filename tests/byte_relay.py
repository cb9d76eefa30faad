"""A loopback TCP relay that counts the bytes passing each way, so a test can see what
compression saves on the wire between a real client and a real server, and that can cut
the connections passing through it, as a network failure would."""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Self


class ByteRelay:
    """Forwards every connection made to ``port`` to ``target``; ``sent`` counts the
    bytes clients sent, ``received`` the bytes the server answered."""

    def __init__(self, host: str, target_port: int):
        self.target = (host, target_port)
        self.sent = 0
        self.received = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server((host, 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> None:
        with self._lock:
            self.sent = self.received = 0

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed
                return
            server = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, "sent"), daemon=True).start()
            threading.Thread(
                target=self._pump, args=(server, client, "received"), daemon=True
            ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, counter: str) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(1 << 16):
                with self._lock:
                    setattr(self, counter, getattr(self, counter) + len(data))
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def cut(self) -> None:
        """Cut every live connection, both ways; new connections are relayed again."""
        with self._lock:
            cut, self._sockets = self._sockets, []
        for sock in cut:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._listener.close()
        self.cut()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

"""Run a private, throwaway ClickHouse server for the test suite.

The tests need a real server, but must not depend on (or disturb) a system-wide one: each
``LocalServer`` gets its own directory, its own free loopback ports and its own ``users.xml``,
so it can be killed and restarted at will to exercise reconnection and crash handling.

It targets Debian's ``clickhouse-server`` package (18.16), whose config format is the old
``<yandex>`` root element; newer servers still accept that format.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING
from urllib.parse import quote
from xml.sax.saxutils import escape

from clickhouse_driver import Client
from clickhouse_driver.errors import Error as DriverError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import TracebackType
    from typing import Self

__all__ = ["LocalServer", "find_server_binary"]

_CANDIDATE_BINARIES = ("/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server")

#: Shutdown can take ~10 s while a client connection sits idle if poll_interval is left at 10.
_STOP_TIMEOUT = 15.0
_LOG_TAIL_LINES = 40

# ``poll_interval`` (default 10 s) is how long an idle connection handler sleeps before it
# notices the server is shutting down; 1 s keeps stop() quick even with pooled connections.
# ``timezone`` is pinned so DateTime results do not depend on the host's zone.
_CONFIG_TEMPLATE = """\
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>information</level>
        <console>1</console>
    </logger>
    <listen_host>{host}</listen_host>
    <tcp_port>{tcp_port}</tcp_port>
    <http_port>{http_port}</http_port>
    <tcp_port_secure>{tls_port}</tcp_port_secure>
    <https_port>{https_port}</https_port>
    <openSSL>
        <server>
            <certificateFile>{certificate}</certificateFile>
            <privateKeyFile>{private_key}</privateKeyFile>
            <verificationMode>none</verificationMode>
            <loadDefaultCAFile>false</loadDefaultCAFile>
            <disableProtocols>sslv2,sslv3</disableProtocols>
        </server>
    </openSSL>
    <path>{data_dir}/</path>
    <tmp_path>{tmp_dir}/</tmp_path>
    <users_config>{users_file}</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mark_cache_size>268435456</mark_cache_size>
    <max_concurrent_queries>100</max_concurrent_queries>
</yandex>
"""

# ``tester`` has a password so tests can provoke (and then avoid) authentication failures.
_USERS_XML = """\
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>2000000000</max_memory_usage>
            <poll_interval>1</poll_interval>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>127.0.0.1</ip>
                <ip>::1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
        <tester>
            <password>secret</password>
            <networks>
                <ip>127.0.0.1</ip>
                <ip>::1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </tester>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
"""


def find_server_binary() -> str | None:
    """Return the path of an installed ``clickhouse-server``, or ``None``.

    Debian puts it in ``/usr/sbin``, which is often missing from a non-root ``PATH``, so the
    usual locations are checked before falling back to ``shutil.which``.
    """
    for candidate in _CANDIDATE_BINARIES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("clickhouse-server")


def _free_ports(count: int) -> list[int]:
    """Ask the kernel for ``count`` distinct free loopback ports.

    All sockets stay bound until every port is read, so the ports differ from each other.
    Another process may still grab one before the server binds it; that rare race surfaces as
    a start() failure mentioning "Address already in use".
    """
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((LocalServer.host, 0))
            ports.append(sock.getsockname()[1])
        return ports


def _make_certificate(certificate: pathlib.Path, private_key: pathlib.Path) -> None:
    """A self-signed certificate for 127.0.0.1 and localhost, so tests can verify TLS."""
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(private_key), "-out", str(certificate),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


def _server_command(binary: str, config_file: pathlib.Path) -> list[str]:
    """Build the command line, wrapped so the server dies with the test process.

    Without the wrapper, a test run killed by SIGKILL (or a CI timeout) would leave a server
    running forever. util-linux's ``setpriv`` sets the parent-death signal and then execs the
    server in place, so the server keeps setpriv's PID and receives our signals directly. Note
    the kernel ties that signal to the *thread* that spawned the server: start servers from a
    thread that outlives them (normally the main thread). Without ``setpriv``, no such guard.
    """
    command = [binary, f"--config-file={config_file}"]
    setpriv = shutil.which("setpriv")
    if setpriv is not None and sys.platform.startswith("linux"):
        command = [setpriv, "--pdeathsig", "KILL", "--", *command]
    return command


class LocalServer:
    """A throwaway Debian clickhouse-server on free loopback ports in a temp dir."""

    host = "127.0.0.1"

    def __init__(self, workdir: pathlib.Path) -> None:
        """Prepare (but do not start) a server whose files all live under ``workdir``."""
        binary = find_server_binary()
        if binary is None:
            raise RuntimeError("clickhouse-server is not installed")
        self.binary = binary
        self.workdir = pathlib.Path(workdir).resolve()
        self.data_dir = self.workdir / "data"
        self.tmp_dir = self.workdir / "tmp"
        self.config_file = self.workdir / "config.xml"
        self.users_file = self.workdir / "users.xml"
        self.log_file = self.workdir / "server.log"
        #: 0 until the first start() picks the ports; later starts reuse them.
        self.tcp_port: int = 0
        self.http_port: int = 0
        #: The native protocol over TLS, with a self-signed certificate for 127.0.0.1.
        self.tls_port: int = 0
        #: The HTTP interface over TLS, with the same certificate.
        self.https_port: int = 0
        self.certificate = self.workdir / "certificate.pem"
        self.private_key = self.workdir / "private-key.pem"
        self._process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the server process is alive (not whether it accepts queries yet)."""
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 30) -> None:
        """Launch the server and return once it answers ``SELECT 1`` over the native protocol.

        Raises ``RuntimeError`` (with the end of the server log) if it exits or does not
        answer within ``timeout`` seconds; the process is then killed, never left behind.
        """
        if self.running:
            raise RuntimeError("server is already running")
        self._reap()
        if not self.tcp_port:
            self.tcp_port, self.http_port, self.tls_port, self.https_port = _free_ports(4)
        self._write_config()

        with self.log_file.open("ab") as log:
            self._log_offset = log.tell()
            self._process = process = subprocess.Popen(
                _server_command(self.binary, self.config_file),
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_until_ready(process, timeout)
        except BaseException:
            self.kill()
            raise

    def stop(self) -> None:
        """Shut down gracefully (SIGTERM), escalating to SIGKILL after 15 s. Idempotent."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
        self._reap()

    def kill(self) -> None:
        """SIGKILL the server, as a crash would, and reap it. Idempotent."""
        if self._process is not None:
            self._process.kill()  # a no-op if it has already exited
        self._reap()

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """Stop the server process (SIGSTOP) for the block, and continue it (SIGCONT) after.

        A stopped server still accepts TCP connections (the kernel completes them) but
        answers nothing: what clients see of a hung or swapped-out server.
        """
        process = self._process
        if process is None or process.poll() is not None:
            raise RuntimeError("server is not running")
        process.send_signal(signal.SIGSTOP)
        try:
            _wait_until_stopped(process.pid)
            yield
        finally:
            process.send_signal(signal.SIGCONT)

    def restart(self) -> None:
        """Crash the server and start it again on the same ports and data directory."""
        self.kill()
        self.start()

    def dsn(self, user: str = "default", password: str = "") -> str:
        """Return a ``clickhouse://`` URL for the ``default`` database of this server."""
        if not self.tcp_port:
            raise RuntimeError("server has never been started, so it has no port yet")
        credentials = f"{quote(user, safe='')}:{quote(password, safe='')}"
        return f"clickhouse://{credentials}@{self.host}:{self.tcp_port}/default"

    def __enter__(self) -> Self:
        """Start the server for the duration of a ``with`` block."""
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server, whatever happened in the block."""
        self.stop()

    # -- helpers -----------------------------------------------------------------------------

    def _reap(self) -> None:
        """Wait for an exited (or killed) process so it never lingers as a zombie."""
        if self._process is not None:
            self._process.wait()
            self._process = None

    def _write_config(self) -> None:
        """Write config.xml and users.xml; rewritten on every start in case ports changed."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.users_file.write_text(_USERS_XML)
        if not self.certificate.exists():
            _make_certificate(self.certificate, self.private_key)
        self.config_file.write_text(
            _CONFIG_TEMPLATE.format(
                host=self.host,
                tcp_port=self.tcp_port,
                http_port=self.http_port,
                data_dir=escape(str(self.data_dir)),
                tmp_dir=escape(str(self.tmp_dir)),
                users_file=escape(str(self.users_file)),
                tls_port=self.tls_port,
                https_port=self.https_port,
                certificate=escape(str(self.certificate)),
                private_key=escape(str(self.private_key)),
            )
        )

    def _wait_until_ready(self, process: subprocess.Popen[bytes], timeout: float) -> None:
        """Poll with a real query: an open port alone does not mean tables are loaded."""
        deadline = time.monotonic() + timeout
        while not self._answers_query():
            if process.poll() is not None:
                raise RuntimeError(
                    f"clickhouse-server exited with code {process.returncode} during"
                    f" startup:\n{self._log_tail()}"
                )
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"clickhouse-server did not answer within {timeout} s:\n{self._log_tail()}"
                )
            time.sleep(0.1)

    def _answers_query(self) -> bool:
        """Return whether ``SELECT 1`` succeeds right now (refused or reset: not yet)."""
        # Probe the port first: clickhouse_driver logs a warning with a full traceback for
        # every refused connection, which would clutter the test output while we wait.
        try:
            socket.create_connection((self.host, self.tcp_port), timeout=0.5).close()
        except OSError:
            return False
        client = Client(
            self.host,
            port=self.tcp_port,
            connect_timeout=0.5,
            send_receive_timeout=5,
            sync_request_timeout=5,
        )
        try:
            client.execute("SELECT 1")
        except (DriverError, OSError, EOFError):
            return False
        finally:
            # An idle open connection would slow down the next SIGTERM shutdown.
            client.disconnect()
        return True

    def _log_tail(self) -> str:
        """Return the last lines the server wrote during the current start."""
        try:
            with self.log_file.open("rb") as log:
                log.seek(self._log_offset)
                text = log.read().decode("utf-8", "replace")
        except OSError as error:
            return f"<cannot read {self.log_file}: {error}>"
        return "\n".join(text.splitlines()[-_LOG_TAIL_LINES:])


def _wait_until_stopped(pid: int, timeout: float = 10.0) -> None:
    """SIGSTOP takes effect when the kernel next schedules each thread, not when
    send_signal() returns: on a busy machine the server could still answer the block's
    first request. Wait until every thread is stopped (or gone)."""
    deadline = time.monotonic() + timeout
    while True:
        states = []
        for stat in pathlib.Path(f"/proc/{pid}/task").glob("*/stat"):
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                states.append(stat.read_text().rsplit(")", 1)[1].split()[0])
        if states and all(state in "TtZX" for state in states):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server (pid {pid}) did not stop: thread states {states}")
        time.sleep(0.01)

"""The HTTP(S) transport: ClickHouse's HTTP interface, for servers only reachable by it
(ClickHouse Cloud on 8443, servers behind a load balancer or proxy).

Results come in the Native format and are decoded by the codecs the embedded transport
uses (``codec.read_blocks``), so every type reads back as over TCP; inserts go as Native
blocks in a chunked request body. ``compression=True`` asks for gzip answers (HTTP's own
encoding, which proxies understand); ``"lz4"``, ``"lz4hc"`` or ``"zstd"`` sends insert
bodies in ClickHouse's compressed frames and asks for answers in them
(``compressed_frames``), which servers of every version read. urllib3 carries the
requests: it keeps the connection alive between statements, streams both ways, and takes
TLS options directly, without pulling in anything else. A transport is one ClickHouse
HTTP session (``session_id``), so ``SET``, ``USE`` and temporary tables last as over
TCP; settings of the connection and of each statement travel with every request.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import ssl
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from . import errors
from .codec import make_context, read_blocks
from .compressed_frames import CorruptFrameError, read_frames, write_frames
from .escape import render
from .exceptions import DatabaseError, InterfaceError, OperationalError
from .gcpause import paused_gc
from .native_blocks import NativeInsert, insert_columns
from .statements import (
    ROW_RETURNING,
    InsertStatement,
    changes_session,
    check_no_format_clause,
    leading_keyword,
    strip_single_statement,
)
from .transport import JSON_AS_TEXT, Result, Settings, Transport

DEFAULT_PORTS = {False: 8123, True: 8443}
_SESSION_IS_LOCKED = 373
# A request that failed with these never reached a server that could answer it.
_UNREACHABLE = frozenset({209, 210})
# How often a session held by a stopped statement is asked whether it is free again.
_SESSION_POLL_SECONDS = 0.05
_NATIVE_PORTS = {9000: 8123, 9440: 8443}
_CHUNK = 1 << 16
# How much of a result's end is kept, to find the error text written there when a
# statement fails part-way (a message can quote long values).
_ERROR_TEXT_LIMIT = 1 << 16
_DESCRIBABLE = frozenset({"SELECT", "WITH"})
# "Code: 60. DB::Exception: ..." (recent servers), "Code: 60, e.displayText() =
# DB::Exception: ..., e.what() = DB::Exception" (older ones): a whole answer, or the tail
# of a result the error cut short.
_SERVER_ERROR = re.compile(
    r"Code: (\d+)[.,]\s*(?:e\.displayText\(\) = )?(DB::Exception:.*?)"
    r"(?:, e\.what\(\) = [\w:]+)?\s*$",
    re.DOTALL,
)


def _urllib3() -> Any:
    try:
        import urllib3
    except ImportError:
        raise InterfaceError(
            "the HTTP transport needs urllib3: pip install 'django-clickhouse-db[http]'"
        ) from None
    return urllib3


class HttpTransport(Transport):
    """One session with a ClickHouse server over HTTP or HTTPS."""

    writes_json_as_text = True

    def __init__(
        self,
        host: str = "localhost",
        port: int | None = None,
        *,
        database: str = "default",
        user: str = "default",
        password: str = "",
        settings: Settings | None = None,
        secure: bool = False,
        verify: bool = True,
        ca_certs: str | None = None,
        certfile: str | None = None,
        keyfile: str | None = None,
        check_hostname: bool = True,
        server_hostname: str | None = None,
        ciphers: str | None = None,
        connect_timeout: float = 10.0,
        send_receive_timeout: float = 300.0,
        compression: bool | str = False,
        client_name: str | None = None,
    ):
        urllib3 = _urllib3()
        #: urllib3's errors, kept: a generator closed at interpreter exit cannot import.
        self._http_error = urllib3.exceptions.HTTPError
        self._connect_timeout_error = urllib3.exceptions.ConnectTimeoutError
        self.host = host
        self.port = port or DEFAULT_PORTS[bool(secure)]
        self.secure = bool(secure)
        self.database = database
        self.session_id = uuid.uuid4().hex
        self.compression = compression is True
        #: The frame method of insert bodies; answers come in frames too while
        #: ``framed_answers`` holds (see ``_check_framed_answers``).
        self.frame_method = compression if isinstance(compression, str) else None
        self.framed_answers = self.frame_method is not None
        self._timeouts = {
            "connect": urllib3.Timeout(connect=connect_timeout, read=connect_timeout),
            "query": urllib3.Timeout(connect=connect_timeout, read=send_receive_timeout),
        }
        self.connect_timeout = connect_timeout
        self._headers = urllib3.util.make_headers(
            basic_auth=f"{user}:{password}",
            accept_encoding="gzip" if self.compression else None,
            user_agent=client_name or "django-clickhouse-db",
        )
        # Two kept-alive connections: the session's, and one for the requests sent outside
        # it while it is busy (DESCRIBE while a result streams, KILL QUERY); with one,
        # urllib3 would drop the second after each use, warning every time.
        options: dict[str, Any] = {"maxsize": 2, "retries": False}
        if self.secure:
            options.update(
                cert_reqs="CERT_REQUIRED" if verify else "CERT_NONE",
                ca_certs=ca_certs,
                cert_file=certfile,
                key_file=keyfile,
                assert_hostname=None if check_hostname and verify else False,
                server_hostname=server_hostname,
                ssl_minimum_version=ssl.TLSVersion.TLSv1_2,
            )
            if ciphers:
                options["ssl_context"] = _cipher_context(ciphers)
            self._pool = urllib3.HTTPSConnectionPool(host, self.port, **options)
        else:
            self._pool = urllib3.HTTPConnectionPool(host, self.port, **options)
        self._response: Any = None
        #: The query_id of the session's last statement, by which it can be stopped.
        self._query_id = ""
        #: The query_id of a stopped statement that still held the session when the
        #: driver stopped waiting for it: the session is busy until the server ends it.
        self._held_by: str | None = None
        #: Set once a statement left state in the session (SET, a temporary table):
        #: requests then ask the server to refuse them if it no longer knows the session
        #: (restarted, or idle past its session_timeout), rather than run without it.
        self._holds_state = False
        self._connecting = True
        self._settings: Settings = {}
        try:
            version = self._check_framed_answers()
            self.server_version = tuple(int(part) for part in version.split(".")[:3])
            self._connecting = False
            self._set_session(dict(settings or {}))
            self.timezone = self._scalar("SELECT timezone()")
        except BaseException:
            self._pool.close()
            raise

    def _check_framed_answers(self) -> str:
        """The server's version, asked in compressed frames when they are wanted. Debian's
        build of 18.16 drops a framed answer shorter than 1 MiB, sending an empty body
        (ClickHouse issue 1724); on such a server answers come uncompressed, and insert
        bodies, which it reads well, stay framed."""
        version = self._scalar("SELECT version()")
        if not version and self.framed_answers:
            self.framed_answers = False
            version = self._scalar("SELECT version()")
        return version

    def _set_session(self, settings: Settings) -> None:
        """Keep the connection's settings, each checked: a value the server refuses would
        fail every statement with a message that names no setting."""
        if self.server_version >= (24, 10):  # JSON columns as JSON text (see embedded.py)
            settings = {**JSON_AS_TEXT, **settings}
        for name, value in settings.items():
            try:
                self._scalar("SELECT 1", {name: value})
            except DatabaseError as error:
                raise errors.for_setting(error, name, value) from None
        self._settings = settings

    @property
    def busy(self) -> bool:
        """Streaming a result, or held by a stopped statement the server has not ended."""
        return self._response is not None or self._held_by is not None

    # -- requests -------------------------------------------------------------------

    def _params(self, settings: Settings | None, session: bool = True, **extra: str | None) -> str:
        params = {"database": self.database}
        if session:
            params["session_id"] = self.session_id
            if self._holds_state:
                params["session_check"] = "1"
        if self.compression:
            params["enable_http_compression"] = "1"
        if self.framed_answers:
            params["compress"] = "1"
        for name, value in {**self._settings, **(settings or {})}.items():
            params[name] = _setting_text(value)
        # A parameter given as None is left out (see execute, after USE).
        return urlencode({k: v for k, v in {**params, **extra}.items() if v is not None})

    def _post(
        self,
        body: Any,
        settings: Settings | None = None,
        *,
        timeout: str = "query",
        session: bool = True,
        **extra: str | None,
    ) -> Any:
        """Send one request; the response, its body unread, or the error it carries."""
        return self._answer(self._send(body, settings, timeout, session, **extra), session)

    def _send(
        self,
        body: Any,
        settings: Settings | None,
        timeout: str,
        session: bool,
        **extra: str | None,
    ) -> Any:
        """Send one request, under a query_id by which the server can be asked to stop it
        (a new one unless given). A request of the session ends a result still streaming
        (the session is locked while its query runs); one outside it does not."""
        if session:
            self._end_stream()
        extra.setdefault("query_id", uuid.uuid4().hex)
        try:
            return self._pool.urlopen(
                "POST",
                f"/?{self._params(settings, session, **extra)}",
                body=body,
                headers=self._headers,
                timeout=self._timeouts[timeout],
                preload_content=False,
                decode_content=True,
                chunked=not isinstance(body, (bytes, type(None))),
            )
        except self._http_error as error:
            raise self._network_error(error) from None

    def _answer(self, response: Any, session: bool) -> Any:
        """The response if the server ran the statement, else the error it answered."""
        if response.status != 200:
            try:
                text = _error_text(response.read(), self.framed_answers)
            except self._http_error as error:
                # ClickHouse's HTTP interface finishes its error bodies; the native port
                # answers "400" and resets the connection, sometimes before it is read.
                raise self._network_error(error, not_http=True) from None
            finally:
                response.release_conn()
            raise _error_of(response.status, text, self)
        if session:
            self._held_by = None  # the server runs a statement of the session: it is free
        return response

    def _statement(self, body: Any, settings: Settings | None, **extra: str) -> Any:
        """Send a statement of the user's; if sending fails (the connection was lost, the
        answer is late, the rows of an insert body raised) it is stopped on the server,
        which would otherwise run it on, or wait for the rest of its body."""
        self._query_id = query_id = uuid.uuid4().hex
        try:
            response = self._send(body, settings, "query", True, query_id=query_id, **extra)
        except BaseException:
            self._stop_query(query_id)
            raise
        return self._answer(response, True)

    def _run_to_end(self, body: Any, settings: Settings | None, **extra: str) -> Any:
        """Send a statement that returns no rows and read its answer; the response."""
        response = self._statement(body, settings, **extra)
        try:
            for _ in self._body(response):
                pass
        except BaseException:
            response.close()
            self._stop_query(self._query_id)
            raise
        finally:
            response.release_conn()
        return response

    def _text(
        self,
        sql: str,
        output_format: str = "TSV",
        settings: Settings | None = None,
        timeout: str = "query",
        session: bool = True,
        **extra: str | None,
    ) -> str:
        """The whole answer to a small statement, as text."""
        response = self._post(
            sql.encode(),
            settings,
            timeout=timeout,
            session=session,
            default_format=output_format,
            **extra,
        )
        try:
            return b"".join(self._body(response)).decode("utf-8", "replace")
        finally:
            response.release_conn()

    def _scalar(self, sql: str, settings: Settings | None = None, **extra: str | None) -> str:
        return self._text(sql, settings=settings, timeout="connect", **extra).strip()

    def _tsv_rows(
        self, sql: str, output_format: str = "TSV", session: bool = True
    ) -> list[list[str]]:
        """Rows of a metadata statement, as text fields."""
        text = self._text(sql, output_format, session=session)
        return [[_unescape(field) for field in line.split("\t")] for line in text.splitlines()]

    # -- statements -----------------------------------------------------------------

    def execute(self, sql: str, settings: Settings | None, stream: bool) -> Result:
        sql = strip_single_statement(sql)
        keyword = leading_keyword(sql)
        if keyword not in ROW_RETURNING:
            response = self._run_to_end(sql.encode(), settings)
            # USE is not lost with the session: every request names the database.
            self._holds_state |= keyword != "USE" and changes_session(sql)
            if keyword == "USE":  # asked naming no database, which would outweigh USE's
                self.database = self._scalar("SELECT currentDatabase()", database=None)
            elif keyword == "SET":
                self.timezone = self._scalar("SELECT timezone()")
            return Result(None, iter(()), rowcount=_written_rows(response))
        check_no_format_clause(sql)
        response = self._statement(sql.encode(), settings, default_format="Native")
        self._response = response
        zone = (settings or {}).get("session_timezone") or self._settings.get(
            "session_timezone", self.timezone
        )
        body = _Tail(self._body(response))

        def true_types() -> list[str] | None:
            return self._true_types(sql)

        blocks = read_blocks(body, make_context(self.server_version, zone), true_types)
        try:
            first = _next_block(blocks, body)
        except BaseException:
            self._end_stream()
            raise
        if first is None:
            self._finish(response)
            return Result(self._empty_columns(sql), iter(()), rowcount=0)
        columns = list(first.columns_with_types)
        rows = self._rows(first, blocks, body, response)
        if stream:
            return Result(columns, rows, on_close=self._end_stream)
        with paused_gc():
            everything = [row for block in rows for row in block]
        return Result(columns, iter((everything,)), rowcount=len(everything))

    def _body(self, response: Any) -> Iterator[bytes]:
        """The chunks of a response's body, out of their frames if it comes in them."""
        chunks = self._chunks(response)
        return read_frames(chunks) if self.framed_answers else chunks

    def _chunks(self, response: Any) -> Iterator[bytes]:
        """The raw chunks of a body; the connection lost or timed out under them is an
        OperationalError (the statement that sent them is then stopped by the caller)."""
        try:
            yield from response.stream(_CHUNK, decode_content=True)
        except self._http_error as error:
            raise self._network_error(error, during_answer=True) from None

    def _rows(
        self, first: Any, blocks: Iterator, body: _Tail, response: Any
    ) -> Iterator[list[tuple]]:
        try:
            yield first.get_rows()
            while (block := _next_block(blocks, body)) is not None:
                yield block.get_rows()
        except BaseException:
            self._end_stream()
            raise
        self._finish(response)

    def _finish(self, response: Any) -> None:
        if self._response is response:
            self._response = None
        response.release_conn()

    def _end_stream(self) -> None:
        """Abandon a result read part-way: its query is stopped, since the session is
        locked until the query ends, and closing the connection alone does not stop it."""
        response, self._response = self._response, None
        if response is not None:
            response.close()
            response.release_conn()
            self._stop_query(self._query_id)

    def _stop_query(self, query_id: str) -> None:
        """Stop a statement whose answer will not be read, and wait, at most
        connect_timeout, until its session is free: the server holds the session until
        the statement ends, and refuses the session's next ones (SESSION_IS_LOCKED).

        The KILL goes outside the session, which the statement holds, and without SYNC,
        which waits for the statement to end: one whose connection was cut may wait for
        data that never comes. If the session is still held at the deadline, ``busy``
        says so (a pool or Django then replaces the connection)."""
        deadline = time.monotonic() + self.connect_timeout
        self._held_by = query_id
        kill = f"KILL QUERY WHERE query_id = {render(query_id)}"
        try:
            self._text(kill, session=False, timeout="connect")
        except OperationalError as error:
            if error.code in _UNREACHABLE:  # nothing more to do from here
                return
        except DatabaseError:  # such as an INSERT of 18.16, which cannot be killed
            pass
        while True:
            try:
                self._text("SELECT 1", timeout="connect")
            except DatabaseError as error:
                if error.code != _SESSION_IS_LOCKED or time.monotonic() >= deadline:
                    return
                time.sleep(_SESSION_POLL_SECONDS)
            else:
                return  # _post has cleared _held_by

    def _true_types(self, sql: str) -> list[str] | None:
        """The result's types as DESCRIBE gives them. A server writes a top-level
        ``DateTime('Zone')`` column in the Native format as a bare ``DateTime``, so the
        zone comes from here. Asked outside the session, which the running query holds;
        a query on the session's temporary tables cannot be described there."""
        if leading_keyword(sql) not in _DESCRIBABLE:
            return None
        try:
            rows = self._tsv_rows(f"DESCRIBE ({sql}\n)", session=False)
        except DatabaseError:
            return None
        return [row[1] for row in rows]

    def _empty_columns(self, sql: str) -> list[tuple[str, str]]:
        """Names and types of a result with no rows: the Native format then sends nothing,
        header included. A SELECT is described without running it; others that return
        rows (SHOW, EXPLAIN, ...) have no side effects and are asked again."""
        if leading_keyword(sql) in _DESCRIBABLE:
            return [(row[0], row[1]) for row in self._tsv_rows(f"DESCRIBE ({sql}\n)")]
        names, types = self._tsv_rows(sql, "TSVWithNamesAndTypes")[:2]
        return list(zip(names, types, strict=True))

    def insert(
        self,
        statement: InsertStatement,
        sql: str,
        data: Iterable,
        columnar: bool,
        block_size: int,
        settings: Settings | None,
    ) -> int:
        context = make_context(self.server_version, self.timezone)
        native = NativeInsert(statement, insert_columns(statement, self._tsv_rows), context)
        counted = [0]

        def body() -> Iterator[bytes]:
            for block, rows in native.blocks(data, columnar, block_size):
                counted[0] += rows
                yield block

        blocks = body()
        first = next(blocks, None)
        if first is None:
            return 0
        query = f"{statement.without_data} FORMAT Native"
        chunks: Iterator[bytes] = _chain(first, blocks)
        extra = {"query": query}
        if self.frame_method is not None:
            chunks = write_frames(chunks, self.frame_method)
            extra["decompress"] = "1"
        self._run_to_end(chunks, settings, **extra)
        return counted[0]

    def _network_error(
        self, error: BaseException, not_http: bool = False, during_answer: bool = False
    ) -> OperationalError:
        detail = str(getattr(error, "reason", None) or error)
        if self._connecting:
            return self._connect_error(detail, not_http)
        url = f"{'https' if self.secure else 'http'}://{self.host}:{self.port}"
        timed_out = "timed out" in detail.lower()
        if isinstance(error, self._connect_timeout_error):  # nothing was sent
            return OperationalError(
                f"cannot reach ClickHouse at {url}: {detail}. Is the server still running?",
                code=209 if timed_out else 210,
                name="SOCKET_TIMEOUT" if timed_out else "NETWORK_ERROR",
            )
        if timed_out:
            return OperationalError(
                f"ClickHouse at {url} did not answer in time; the driver asked the server "
                "to stop the statement (KILL QUERY), and this connection is not reused. "
                "Raise send_receive_timeout for long queries",
                code=209,
                name="SOCKET_TIMEOUT",
            )
        when = "during the answer" if during_answer else "before the answer came"
        return OperationalError(
            f"the connection to the server (ClickHouse at {url}) was lost {when}: {detail}. "
            "The driver asked the server to stop the statement (KILL QUERY) in case it "
            "still runs; this connection is not reused (open a new one; Django and pools do)",
            code=210,
            name="NETWORK_ERROR",
        )

    def _connect_error(self, detail: str, not_http: bool) -> OperationalError:
        """What failed while connecting, with what to change: port, scheme, certificate."""
        where = f"{self.host}:{self.port}"
        scheme = "https" if self.secure else "http"
        not_http = not_http or "BadStatusLine" in detail or "RemoteDisconnected" in detail
        dropped = not_http or "reset by peer" in detail.lower()
        if not self.secure and dropped and _speaks_tls(self.host, self.port, self.connect_timeout):
            return OperationalError(
                f"{where} speaks TLS and dropped the plain HTTP request: it is an HTTPS port; "
                "pass secure=True (or use an https:// DSN)",
                code=210,
                name="NETWORK_ERROR",
            )
        if (self.port in _NATIVE_PORTS or not_http) and "refused" not in detail.lower():
            return OperationalError(
                f"{where} did not answer in HTTP: is it ClickHouse's native TCP port? "
                f"The HTTP interface is on port {_NATIVE_PORTS.get(self.port, 8123)} "
                "(8443 with https); or connect without interface='http'",
                code=102,
                name="UNEXPECTED_PACKET_FROM_SERVER",
            )
        hint = " Is the server running, and is this its HTTP port (8123, or 8443 with https)?"
        if "CERTIFICATE_VERIFY_FAILED" in detail:
            hint = (
                " The server's TLS certificate is not trusted: pass ca_certs= the file of its "
                "issuer, or verify=False to skip the check."
            )
        elif "WRONG_VERSION_NUMBER" in detail or "record layer failure" in detail:
            hint = " This port does not speak TLS: use the HTTPS port (8443) or secure=False."
        elif "timed out" in detail.lower():
            hint = (
                " With secure=True, the port may not speak TLS: a plain HTTP port can wait "
                "for a request that never comes. Use the HTTPS port (8443) or secure=False."
                if self.secure
                else ""
            )
            return OperationalError(
                f"ClickHouse at {scheme}://{where} did not answer within connect_timeout "
                f"({self.connect_timeout:g}s).{hint}",
                code=209,
                name="SOCKET_TIMEOUT",
            )
        return OperationalError(
            f"cannot reach ClickHouse at {scheme}://{where}: {detail}.{hint}",
            code=210,
            name="NETWORK_ERROR",
        )

    def ping(self) -> bool:
        if self.busy:
            return False
        try:
            return self._scalar("SELECT 1") == "1"
        except (OperationalError, DatabaseError):
            return False

    def close(self) -> None:
        self._end_stream()
        self._pool.close()


class _Tail:
    """The chunks of a response body, remembering the last ones: an error that cuts a
    result short is written at its end, as text (in a frame, or bare where a frame
    should start, which ``corrupt`` then holds)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self.tail = b""
        self.corrupt: CorruptFrameError | None = None

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self._chunks:
                self.tail = (self.tail + chunk)[-_ERROR_TEXT_LIMIT:]
                yield chunk
        except CorruptFrameError as error:
            self.tail, self.corrupt = error.raw, error
            raise


def _next_block(blocks: Iterator, body: _Tail) -> Any:
    """The next block with rows, or None at the end. An error that cut the result short
    (the server had sent the status line already) is written at the end of the body:
    the decoder then fails on it, and it is raised instead."""
    try:
        with paused_gc():
            while (block := next(blocks, None)) is not None:
                if block.num_rows:
                    return block
            return None
    except OperationalError:  # the connection failed, not the answer (see _chunks)
        raise
    except (DatabaseError, EOFError, ValueError):
        match = _SERVER_ERROR.search(body.tail.decode("utf-8", "replace"))
        if match is None:
            if body.corrupt is not None:
                raise body.corrupt from None
            raise
        raise errors.from_code(int(match.group(1)), match.group(2)) from None


def _error_text(body: bytes, framed: bool) -> str:
    """An error answer's text; asked for in frames, the server frames its errors too."""
    if framed:
        with contextlib.suppress(CorruptFrameError):
            body = b"".join(read_frames([body]))
    return body.decode("utf-8", "replace")


def _error_of(status: int, text: str, transport: HttpTransport) -> DatabaseError:
    match = _SERVER_ERROR.search(text)
    if match is not None:
        return errors.from_code(int(match.group(1)), match.group(2))
    where = f"{transport.host}:{transport.port}"
    if "clickhouse-client" in text:  # the native port, answering an HTTP request
        return OperationalError(
            f"{where} is ClickHouse's native TCP port, not its HTTP interface: "
            f"{' '.join(text.split())} Or connect without interface='http'.",
            code=102,
            name="UNEXPECTED_PACKET_FROM_SERVER",
        )
    return OperationalError(
        f"ClickHouse at {where} answered HTTP {status}: {text.strip()[:300] or 'no text'}",
        code=210,
        name="NETWORK_ERROR",
    )


_TSV_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "0": "\0", "b": "\b", "f": "\f"}
_TSV_ESCAPE = re.compile(r"\\(.)")


def _unescape(field: str) -> str:
    """A TSV field's text: ``DateTime(\\'UTC\\')`` is ``DateTime('UTC')``."""
    return _TSV_ESCAPE.sub(lambda match: _TSV_ESCAPES.get(match[1], match[1]), field)


def _written_rows(response: Any) -> int:
    """Rows a statement wrote, from the summary header of servers that send one."""
    summary = response.headers.get("X-ClickHouse-Summary")
    try:
        return int(json.loads(summary)["written_rows"]) or -1
    except (TypeError, ValueError, KeyError):
        return -1


def _setting_text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str):
        return value
    return render(value)


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _speaks_tls(host: str, port: int, timeout: float) -> bool:
    """Whether ``port`` completes a TLS handshake: asked when it dropped a plain request,
    to tell an HTTPS port from a port of another protocol."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as plain,
            context.wrap_socket(plain, server_hostname=host),
        ):
            return True
    except OSError:  # ssl.SSLError included
        return False


def _cipher_context(ciphers: str) -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.set_ciphers(ciphers)
    return context

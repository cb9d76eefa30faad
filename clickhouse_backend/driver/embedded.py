"""The embedded transport: chDB, ClickHouse itself inside this process.

Results travel in ClickHouse's Native format and are decoded by clickhouse-driver's
column readers (see ``codec``), so they are the same Python values a server gives.
chDB runs one engine per process, bound to one path; every connection to that path
shares it, and the engine shuts down when the last one closes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
import threading
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from clickhouse_driver import errors as driver_errors

from . import errors
from .codec import make_context, read_blocks
from .escape import quote_identifier, render
from .exceptions import (
    DatabaseError,
    InterfaceError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)
from .gcpause import paused_gc
from .native_blocks import NativeInsert, insert_columns
from .statements import (
    ROW_RETURNING,
    InsertStatement,
    check_no_format_clause,
    leading_keyword,
    strip_single_statement,
)
from .transport import JSON_AS_TEXT, Result, Settings, Transport

MEMORY = ":memory:"
_DESCRIBABLE = frozenset({"SELECT", "WITH"})


def _chdb() -> Any:
    try:
        import chdb.state.sqlitelike as chdb_connections
    except ImportError:
        raise InterfaceError(
            "the embedded transport needs chDB: pip install 'django-clickhouse-db[embedded]'"
        ) from None
    return chdb_connections


class _Engine:
    """The process's one chDB engine: which path it is open on, and who uses it.

    chDB shuts its engine down when its last connection closes: an in-memory database
    would lose its tables, and a directory would be reopened (a fraction of a second)
    whenever a Django request closes its connection. So the engine keeps one connection
    of its own, the anchor, for as long as the process runs or until another path is
    opened while nothing uses the first.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.path: str | None = None
        self.anchor: Any = None
        self.users: weakref.WeakSet[EmbeddedTransport] = weakref.WeakSet()

    def connect(self, path: str, user: EmbeddedTransport) -> Any:
        with self.lock:
            if self.path != path:
                self._switch_to(path)
            with _engine_errors():
                connection = _chdb().connect(path)
            self.users.add(user)
            return connection

    def _switch_to(self, path: str) -> None:
        """Open the engine on ``path``, closing the current one if nothing uses it."""
        if self.users:
            raise InterfaceError(
                f"the embedded ClickHouse engine of this process is open on {self.path!r}; "
                f"chDB runs one engine per process, so {path!r} cannot be opened until "
                "every connection to it is closed"
            )
        if self.anchor is not None:
            self.anchor.close()
            self.anchor, self.path = None, None
        if _locked_by_another_process(path):
            raise OperationalError(
                f"{path!r} is in use by another process: a chDB data directory can be "
                "open in one process at a time. Stop the other process (a runserver, a "
                "shell), give this one a directory of its own, or run a ClickHouse "
                "server for several processes (docs/deployment.md, the embedded engine "
                "and several processes)"
            )
        with _engine_errors():
            self.anchor = _chdb().connect(path)
        self.path = path

    def release(self, user: EmbeddedTransport) -> None:
        with self.lock:
            self.users.discard(user)


_engine = _Engine()


def _locked_by_another_process(path: str) -> bool:
    """Whether another engine holds the directory's lock (its ``status`` file)."""
    status = os.path.join(path, "status")
    if path == MEMORY or not os.path.exists(status):
        return False
    descriptor = os.open(status, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)  # closing releases a lock taken just now
    return False


def normalize_path(path: str | os.PathLike) -> str:
    """``:memory:`` as is; a directory as an absolute path (created if missing).

    The directory is checked to be writable here: chDB would fail with a bare OSError,
    or with a message that leaves the path out. A ``?`` is refused: chDB would read what
    follows it as options of the engine, not as part of the path.
    """
    path = os.fspath(path) if isinstance(path, os.PathLike) else path
    if not isinstance(path, str):
        hint = ": decode it" if isinstance(path, bytes) else ""
        raise InterfaceError(
            f"the embedded path must be a str or a path, not {type(path).__name__}{hint}"
        )
    if "?" in path:
        raise InterfaceError(
            f"cannot use {path!r} as the embedded engine's path: chDB would read what "
            "follows '?' as options of the engine; pass a directory whose path has no '?', "
            "or ':memory:', and ClickHouse settings as connect(settings=...)"
        )
    if path in ("", MEMORY):
        return MEMORY
    path = os.path.abspath(path)
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        reason = "a file has that name" if isinstance(error, FileExistsError) else error.strerror
        raise OperationalError(
            f"cannot use {path!r} as the embedded engine's data directory ({reason}); "
            "pass a directory this process can create and write to, or ':memory:'"
        ) from None
    return path


class EmbeddedTransport(Transport):
    """One chDB connection: a session with its own settings and current database."""

    writes_json_as_text = True

    def __init__(self, path: str | os.PathLike = MEMORY, database: str | None = None):
        self.path = normalize_path(path)
        self._conn = _engine.connect(self.path, self)
        self._stream: Any = None
        #: What puts back the settings of the statement whose result is streaming.
        self._restore: Callable[[], None] | None = None
        self._settings: Settings = {}
        version = self._scalar("SELECT version()")
        self.server_version = tuple(int(part) for part in version.split(".")[:3])
        self.timezone = self._scalar("SELECT timezone()")
        if database and database != "default":
            self._run(f"USE {_identifier(database)}")
        self.set_session(JSON_AS_TEXT)

    @property
    def busy(self) -> bool:
        return self._stream is not None

    # -- plumbing -------------------------------------------------------------------

    def _run(self, sql: str, output_format: str = "Native", call: str = "query") -> Any:
        """Hand one statement to chDB's ``call`` (query, send_query or send_insert).

        Every text the engine gets passes here, and is checked to hold one statement:
        chDB runs each statement of a text, and the INSERT paths build texts from parts
        of the caller's.
        """
        if self._conn is None:
            raise InterfaceError("the connection is closed")
        sql = strip_single_statement(sql)
        self._end_stream()
        with _engine_errors():
            return getattr(self._conn, call)(sql, output_format)

    def _scalar(self, sql: str) -> str:
        return self._run(sql, "TSVRaw").bytes().decode().strip()

    def _context(self, settings: Settings | None):
        zone = (settings or {}).get("session_timezone") or self.timezone
        return make_context(self.server_version, zone)

    def set_session(self, settings: Settings) -> None:
        """Apply connection-level settings for the rest of this session."""
        for name, value in settings.items():
            self._set(name, value)
            self._settings[name] = value
        if "session_timezone" in settings:
            self.timezone = self._scalar("SELECT timezone()")

    def _set(self, name: str, value: Any) -> None:
        try:
            self._run(f"SET {_identifier(name)} = {render(value)}")
        except DatabaseError as error:
            raise errors.for_setting(error, name, value) from None

    def _apply(self, settings: Settings | None) -> Callable[[], None] | None:
        """Apply per-statement settings; return what puts the session's back."""
        if not settings:
            return None
        applied: list[str] = []

        def restore() -> None:
            for name in applied:
                previous = self._settings.get(name)
                value = "DEFAULT" if previous is None else render(previous)
                self._run(f"SET {_identifier(name)} = {value}")

        try:
            for name, value in settings.items():
                self._set(name, value)
                applied.append(name)
        except BaseException:
            restore()  # an unknown setting later in the dict must not leave the others set
            raise
        return restore

    def _json_rows(self, sql: str, output_format: str = "JSONCompactEachRow") -> list[list]:
        """Rows of a metadata statement, with one-line type names."""
        raw = self._run(f"{sql} SETTINGS print_pretty_type_names = 0", output_format)
        return [json.loads(line) for line in raw.bytes().decode().splitlines() if line]

    def _describe(self, sql: str) -> list[tuple[str, str]] | None:
        """The result columns of a SELECT, without running it."""
        if leading_keyword(sql) not in _DESCRIBABLE:
            return None
        # On a line of its own, the parenthesis closes even after a -- comment.
        return [(row[0], row[1]) for row in self._json_rows(f"DESCRIBE ({sql}\n)")]

    # -- statements -----------------------------------------------------------------

    def execute(self, sql: str, settings: Settings | None, stream: bool) -> Result:
        sql = strip_single_statement(sql)
        keyword = leading_keyword(sql)
        if keyword in ROW_RETURNING:
            check_no_format_clause(sql)
        restore = self._apply(settings)
        try:
            if keyword not in ROW_RETURNING:
                raw = self._run(sql)
                if keyword == "SET":
                    self.timezone = self._scalar("SELECT timezone()")
                return Result(None, iter(()), rowcount=raw.rows_written() or -1)
            if stream and keyword in _DESCRIBABLE:  # chDB streams only queries
                result = self._stream_rows(sql, settings)
                self._restore, restore = restore, None  # done when the stream ends
                return result
            return self._buffered_rows(sql, settings)
        finally:
            if restore is not None:
                restore()

    def _buffered_rows(self, sql: str, settings: Settings | None) -> Result:
        result = self._run(sql)  # keeps the engine's buffer alive while it is read
        raw = result.get_memview().view()
        if not raw:
            return Result(self._empty_columns(sql), iter(()), rowcount=0)
        context = self._context(settings)

        def true_types() -> list[str]:
            return [column_type for _, column_type in self._describe(sql) or ()]

        columns = None
        rows: list[tuple] = []
        with paused_gc(), _Decoding():
            for block in read_blocks(iter((raw,)), context, true_types):
                columns = block.columns_with_types
                rows.extend(block.get_rows())
        return Result(columns, iter((rows,)), rowcount=len(rows))

    def _empty_columns(self, sql: str) -> list[tuple[str, str]]:
        """Column names and types of a statement that returned no rows.

        Native output of an empty result is empty, header included. A SELECT is
        described without running it again; other statements that return rows (SHOW,
        EXPLAIN, ...) have no side effects and are asked again with a header format.
        """
        described = self._describe(sql)
        if described is not None:
            return described
        names, types = self._json_rows(sql, "JSONCompactEachRowWithNamesAndTypes")[:2]
        return list(zip(names, types, strict=True))

    def _stream_rows(self, sql: str, settings: Settings | None) -> Result:
        described = self._describe(sql)
        self._stream = self._run(sql, "Native", "send_query")
        context = self._context(settings)
        chunks = (chunk.get_memview().view() for chunk in _chunks(self._stream))
        types = [column_type for _, column_type in described] if described else None
        blocks = read_blocks(chunks, context, (lambda: types) if types else None)
        first = _first_block(blocks)
        columns = first.columns_with_types if first is not None else described or []

        def rows() -> Iterator[list[tuple]]:
            if first is not None:
                yield first.get_rows()
            while True:
                with paused_gc(), _Decoding():  # while decoding, not while the caller works
                    block = next(blocks, None)
                    block_rows = block.get_rows() if block is not None else None
                if block_rows is None:
                    break
                yield block_rows
            self._stream = None

        return Result(list(columns), rows(), on_close=self._end_stream)

    def _end_stream(self) -> None:
        """Cancel a result still streaming, and put back its statement's settings.

        Every statement comes here first, so one never runs with the settings of the
        statement before, even when that statement's cursor was dropped mid-result.
        """
        stream, self._stream = self._stream, None
        restore, self._restore = self._restore, None
        if stream is not None:
            with contextlib.suppress(RuntimeError):  # it may have ended on the engine's side
                stream.cancel()
        if restore is not None:
            restore()

    def insert(
        self,
        statement: InsertStatement,
        sql: str,
        data: Iterable,
        columnar: bool,
        block_size: int,
        settings: Settings | None,
    ) -> int:
        columns = insert_columns(statement, self._json_rows)
        native = NativeInsert(statement, columns, self._context(settings))
        encoded = native.blocks(data, columnar, block_size)
        restore = self._apply(settings)
        try:
            has_json = bool(native.json_columns)
            if has_json or self._has_check_constraints(statement.target):
                return self._insert_staged(statement, native.wire_types, encoded, has_json)
            return self._stream_insert(statement.without_data, encoded)
        finally:
            if restore:
                restore()

    def _stream_insert(self, insert: str, blocks: Iterator[tuple[bytes, int]]) -> int:
        """Send Native blocks through one streaming INSERT."""
        inserter = self._run(insert, "Native", "send_insert")
        total = 0
        finished = False
        try:
            for block, rows in blocks:
                with _engine_errors():
                    inserter.append(block)
                total += rows
            finished = True
            with _engine_errors():
                inserter.finish()
        finally:
            if not finished:
                inserter.cancel()
        return total

    def _has_check_constraints(self, target: str) -> bool:
        create = self._run(f"SHOW CREATE TABLE {target}", "TSVRaw").bytes().decode()
        return re.search(r"\bCONSTRAINT\b.*\bCHECK\b", create) is not None

    def _insert_staged(
        self,
        statement: InsertStatement,
        wire_types: list[tuple[str, str]],
        blocks: Iterator[tuple[bytes, int]],
        has_json: bool,
    ) -> int:
        """Insert block by block through a staging table, for what a streamed Native
        insert gets wrong.

        chDB's streaming insert drops a block that violates a CHECK constraint without
        an error, and turns the JSON text of a JSON column into the column's types with
        the default settings, which read date-like strings as dates ("2020/01/01" would
        come back as "2020-01-01"). ``INSERT ... SELECT`` checks constraints and takes
        its own settings. So each block lands in a temporary Memory table first, as it
        was sent, and moves over with one statement.
        """
        staging = f"_driver_staging_{uuid.uuid4().hex}"
        names = ", ".join(quote_identifier(name) for name, _ in wire_types)
        definition = ", ".join(f"{quote_identifier(name)} {kind}" for name, kind in wire_types)
        move = (
            f"INSERT INTO {statement.target} ({names}) {statement.settings} "
            f"SELECT {names} FROM {staging}{JSON_AS_WRITTEN if has_json else ''}"
        )
        self._run(f"CREATE TEMPORARY TABLE {staging} ({definition}) ENGINE = Memory")
        total = 0
        try:
            for block, rows in blocks:
                self._stream_insert(f"INSERT INTO {staging} ({names})", iter(((block, rows),)))
                self._run(move)
                self._run(f"TRUNCATE TABLE {staging}")
                total += rows
        finally:
            self._run(f"DROP TEMPORARY TABLE IF EXISTS {staging}")
        return total

    def ping(self) -> bool:
        if self._conn is None or self._stream is not None:
            return False
        try:
            self._run("SELECT 1")
        except Exception:
            return False
        return True

    def close(self) -> None:
        connection, self._conn = self._conn, None
        if connection is None:
            return
        self._restore = None  # the session's settings end with it
        self._end_stream()
        try:
            connection.close()
        finally:
            _engine.release(self)


def _identifier(name: str) -> str:
    """A setting or database name, checked: these cannot be passed as parameters.

    Checked and returned as a plain str: a subclass could print other text than its own.
    """
    plain = str.__str__(name) if isinstance(name, str) else ""
    if not plain.replace("_", "a").isalnum() or not plain.isascii() or plain[0].isdigit():
        raise ProgrammingError(f"{name!r} is not a valid ClickHouse setting or database name")
    return plain


# A JSON column's strings stay strings: ClickHouse would store "2020/01/01" as a Date
# and give back "2020-01-01" (the native transport sends strings as strings).
JSON_AS_WRITTEN = (
    " SETTINGS input_format_try_infer_dates = 0, input_format_try_infer_datetimes = 0"
)


def _chunks(stream: Any) -> Iterator[Any]:
    with _engine_errors():
        yield from stream


@contextlib.contextmanager
def _engine_errors() -> Iterator[None]:
    """Turn what chDB raises into this driver's errors (see ``errors.from_engine``)."""
    try:
        yield
    except (RuntimeError, UnicodeDecodeError) as error:
        raise errors.from_engine(error) from None


def _first_block(blocks: Iterator) -> Any:
    with paused_gc(), _Decoding():
        return next(blocks, None)


class _Decoding:
    """Turn the decoders' complaints about a type they cannot read into a clear error."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, error: BaseException | None, traceback: Any) -> None:
        if isinstance(error, driver_errors.UnknownTypeError):
            raise errors.unreadable_type(str(error.message)) from None
        if isinstance(error, EOFError):
            raise NotSupportedError(
                "the result could not be decoded: clickhouse-driver read past the end of a "
                "block, which happens with types it only partly supports (such as JSON with "
                "typed paths); cast the column in the query (for example toString(column))"
            ) from None

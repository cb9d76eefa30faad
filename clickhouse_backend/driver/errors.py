"""Turn ClickHouse errors, from either transport, into the right PEP 249 exception.

The server's code decides the class. Names come from the message where ClickHouse
prints one (``... (UNKNOWN_TABLE)``) and match the code, else from clickhouse-driver's
table of codes, so old servers that print no names still get one.
"""

from __future__ import annotations

import re

from clickhouse_driver.errors import ErrorCodes

from . import exceptions as exc

# Codes newer than clickhouse-driver's table that this module maps by name.
_EXTRA_NAMES = {
    159: "TIMEOUT_EXCEEDED",
    192: "UNKNOWN_USER",
    193: "WRONG_PASSWORD",
    194: "REQUIRED_PASSWORD",
    241: "MEMORY_LIMIT_EXCEEDED",
    469: "VIOLATED_CONSTRAINT",
    497: "ACCESS_DENIED",
    516: "AUTHENTICATION_FAILED",
    691: "UNKNOWN_ELEMENT_OF_ENUM",
}
_NAMES_BY_CODE = {
    value: name
    for name, value in vars(ErrorCodes).items()
    if name.isupper() and isinstance(value, int)
} | _EXTRA_NAMES

_OPERATIONAL = frozenset(
    {
        "ABORTED",
        "ALL_CONNECTION_TRIES_FAILED",
        "AUTHENTICATION_FAILED",
        "CANNOT_ALLOCATE_MEMORY",
        "KEEPER_EXCEPTION",
        "MEMORY_LIMIT_EXCEEDED",
        "NETWORK_ERROR",
        "QUERY_WAS_CANCELLED",
        "READONLY",
        "REQUIRED_PASSWORD",
        "SESSION_IS_LOCKED",
        "SESSION_NOT_FOUND",
        "SOCKET_TIMEOUT",
        "TABLE_IS_READ_ONLY",
        "TIMEOUT_EXCEEDED",
        "TOO_MANY_BYTES",
        "TOO_MANY_PARTS",
        "TOO_MANY_ROWS",
        "TOO_MANY_ROWS_OR_BYTES",
        "TOO_MANY_SIMULTANEOUS_QUERIES",
        "UNEXPECTED_PACKET_FROM_SERVER",
        "UNKNOWN_PACKET_FROM_SERVER",
        "UNKNOWN_USER",
        "WRONG_PASSWORD",
    }
)
_DATA = frozenset(
    {
        "ARGUMENT_OUT_OF_BOUND",
        "CANNOT_CONVERT_TYPE",
        "DECIMAL_OVERFLOW",
        "INCORRECT_DATA",
        "TOO_LARGE_STRING_SIZE",
        "TYPE_MISMATCH",
        "UNKNOWN_ELEMENT_OF_ENUM",
        "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE",
    }
)
_NOT_SUPPORTED = frozenset({"NOT_IMPLEMENTED", "SUPPORT_IS_DISABLED", "UNSUPPORTED_METHOD"})
_INTEGRITY = frozenset({"VIOLATED_CONSTRAINT"})
_INTERNAL = frozenset({"LOGICAL_ERROR"})

_CODE_RE = re.compile(r"Code: (\d+)")
_NAME_RE = re.compile(r"\(([A-Z][A-Z0-9_]+)\)")
_VERSION_TAIL_RE = re.compile(r"\s*\(version [^)]*\)\.?")
_TRAILING_NAMES_RE = re.compile(r"(?:\.?\s*\([A-Z][A-Z0-9_]+\))+\.?$")


def class_for(name: str | None) -> type[exc.DatabaseError]:
    """The PEP 249 class for a ClickHouse error name."""
    if not name:
        return exc.DatabaseError
    if name in _OPERATIONAL:
        return exc.OperationalError
    if name in _DATA or name.startswith("CANNOT_PARSE") or name.startswith("CANNOT_READ"):
        return exc.DataError
    if name in _INTEGRITY:
        return exc.IntegrityError
    if name in _NOT_SUPPORTED:
        return exc.NotSupportedError
    if name in _INTERNAL:
        return exc.InternalError
    return exc.ProgrammingError


def name_for(code: int | None, message: str = "") -> str | None:
    """The symbolic name of ``code``: the message's own if it agrees, else the table's."""
    if code is None:
        return None
    known = _NAMES_BY_CODE.get(code)
    for candidate in reversed(_NAME_RE.findall(message)):
        if known is None or candidate == known:
            return candidate
    return known


# What some server errors mean for the one who gets them, before the server's words.
_EXPLAINED = {
    "SESSION_IS_LOCKED": (
        "the session is busy with an earlier statement that still runs on the server (one "
        "cut short by a lost connection, a timeout or a failed insert, and not yet ended by "
        "KILL QUERY); this connection is not reused: open a new one (Django and pools do)"
    ),
    "SESSION_NOT_FOUND": (
        "the server no longer knows this connection's HTTP session (it was restarted, or "
        "the session was idle longer than its session_timeout), and has lost the SET "
        "settings and temporary tables made in it; this connection is not reused: open a "
        "new one (Django and pools do) and make them again"
    ),
}


def from_code(code: int | None, message: str) -> exc.DatabaseError:
    """Build the exception for a server error ``code`` with ``message``."""
    name = name_for(code, message)
    text = clean_message(message)
    if name in _EXPLAINED:
        text = f"{_EXPLAINED[name]}. The server said: {text}"
    return class_for(name)(text, code=code, name=name)


def from_text(text: str) -> exc.DatabaseError:
    """Build the exception for an error text such as chDB raises (``Code: 60. DB::...``)."""
    match = _CODE_RE.search(text)
    code = int(match.group(1)) if match else None
    return from_code(code, text)


def from_engine(error: Exception) -> exc.DatabaseError:
    """Build the exception for an error chDB raised.

    chDB decodes ClickHouse's message as UTF-8, which fails when the message quotes raw
    bytes (``throwIf(1, unhex('FF'))``); the bytes are then on a UnicodeDecodeError,
    raised as it is or as the cause of chDB's own error.
    """
    undecodable = error if isinstance(error, UnicodeDecodeError) else error.__cause__
    if isinstance(undecodable, UnicodeDecodeError):
        return from_text(decoded(undecodable))
    if not str(error.__cause__ or error).strip():
        return message_lost()
    return from_text(str(error))


def message_lost() -> exc.DatabaseError:
    """The error for a failure chDB reports with no message at all: its binding for
    Python 3.10 cannot decode a message that is not UTF-8 and raises an empty one (the
    bindings for 3.11+ give the bytes, see ``from_engine``)."""
    return exc.DatabaseError(
        "ClickHouse raised an error, but its message could not be decoded: it is not "
        "valid UTF-8 (it quotes raw bytes, such as a String value that is not text), and "
        "chDB on Python 3.10 loses such a message with its code. Run the statement on "
        "Python 3.11 or later to read it, or wrap the bytes in hex() in the query"
    )


def decoded(error: UnicodeDecodeError) -> str:
    """The text that failed to decode, with U+FFFD in place of each invalid byte."""
    return bytes(error.object).decode(error.encoding, "replace")


def clean_message(message: str) -> str:
    """Drop the repeated ``Code: N. DB::Exception:`` prefixes and the version tail."""
    text = message.strip()
    while True:
        stripped = re.sub(r"^(Code: \d+\.\s*)?DB::Exception:\s*", "", text)
        stripped = re.sub(r"^Code: \d+\.\s*", "", stripped)
        if stripped == text:
            break
        text = stripped
    text = re.split(r"\.?\s*Stack trace:|\n\s*0\. ", text, maxsplit=1)[0].strip()
    text = _VERSION_TAIL_RE.sub("", text).strip()
    return _TRAILING_NAMES_RE.sub("", text).strip()


def for_setting(error: exc.DatabaseError, name: str, value: object) -> exc.DatabaseError:
    """The same error, naming the setting whose value ClickHouse refused (its own message
    says only what it could not parse)."""
    message = f"the setting {name} = {value!r} was refused: {error.message}"
    return type(error)(message, code=error.code, name=error.name)


def unreadable_type(message: str, column: str | None = None) -> exc.NotSupportedError:
    """The error for a result column whose type clickhouse-driver cannot decode."""
    type_name = message.removeprefix("Unknown type ").strip() or "Tuple() (an empty tuple)"
    which = f"result column {column!r}" if column is not None else "a result column"
    return exc.NotSupportedError(
        f"cannot read {which} of type {type_name}: clickhouse-driver, which decodes "
        "results, does not support it; cast the column in the query (for example "
        "toString(column), or toJSONString(column) for Variant and Dynamic)",
        code=50,
        name="UNKNOWN_TYPE",
    )


def unconvertible_value(
    error: BaseException, type_name: str | None = None, column: str | None = None
) -> exc.DataError:
    """The error for a value clickhouse-driver cannot turn into Python (out of its range)."""
    which = f"result column {column!r}" if column is not None else "a result column"
    of_type = f" of type {type_name}" if type_name is not None else ""
    return exc.DataError(
        f"{which}{of_type} holds a value that clickhouse-driver cannot convert to Python "
        f"({type(error).__name__}: {error}), such as a Date32 before 1900 or after 2299; "
        "cast the column in the query (for example toString(column))",
        code=321,
        name="VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE",
    )


def type_mismatch(message: str) -> exc.DataError:
    """The error for a Python value that does not fit its column in an INSERT."""
    detail = message.replace("Repeat query with types_check=True for detailed info. ", "")
    return exc.DataError(
        f"{detail}; each value must fit its column's ClickHouse type",
        code=53,
        name="TYPE_MISMATCH",
    )

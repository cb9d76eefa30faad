"""PEP 249 exception hierarchy.

Every error that comes from ClickHouse carries the server's numeric ``code`` (e.g. 60),
its symbolic ``name`` (e.g. ``"UNKNOWN_TABLE"``) and the server's ``message``, so callers
can branch on what went wrong without parsing text.
"""

from __future__ import annotations


class Warning(Exception):  # noqa: N818 - the name is fixed by PEP 249
    """Important warnings, like data truncation (PEP 249)."""


class Error(Exception):
    """Base class of every error this driver raises (PEP 249)."""

    def __init__(self, message: str, code: int | None = None, name: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.name = name

    def __str__(self) -> str:
        if self.code is None:
            return self.message
        return f"[{self.code} {self.name or 'UNKNOWN'}] {self.message}"


class InterfaceError(Error):
    """Misuse of the driver itself: a closed cursor, a second embedded path, ..."""


class DatabaseError(Error):
    """Errors related to the database."""


class DataError(DatabaseError):
    """A value does not fit its column: overflow, parse failure, wrong type."""


class OperationalError(DatabaseError):
    """The database could not do its job: network, timeout, authentication, memory."""


class IntegrityError(DatabaseError):
    """A CHECK constraint was violated."""


class InternalError(DatabaseError):
    """ClickHouse reported a logical error of its own."""


class ProgrammingError(DatabaseError):
    """The SQL is wrong: syntax, unknown table, column, function or setting."""


class NotSupportedError(DatabaseError):
    """ClickHouse, or this driver, cannot do what was asked."""

"""The one place where Python values become SQL literals.

Values are rendered as typed ClickHouse expressions (``toDateTime64(...)``,
``toUUID(...)``, ``map(...)``) rather than bare strings, so that they compare and insert
as the type they are. Every piece of text that ends up between quotes goes through
:func:`quote_string` (or :func:`quote_bytes`), whatever type it came from, so that no
value can end its literal: a subclass's ``__str__`` or an IPv6 scope id is text like any
other. Numbers are written by the base types' own methods, never a subclass's. Values
ClickHouse cannot hold as given (a scope id, a date outside Date32) are refused with a
``DataError`` rather than changed. Old servers (before 21.9) lack some functions;
``legacy=True`` renders what they know.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import ipaddress
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from .exceptions import DataError, ProgrammingError

_STRING_ESCAPES = {
    ord("\\"): "\\\\",
    ord("'"): "\\'",
    0: "\\0",
    7: "\\a",
    8: "\\b",
    9: "\\t",
    10: "\\n",
    11: "\\v",
    12: "\\f",
    13: "\\r",
}
# Lone surrogates from surrogateescape-decoded bytes stand for the raw byte they came from.
_STRING_ESCAPES.update({code: f"\\x{code - 0xDC00:02x}" for code in range(0xDC80, 0xDD00)})

_BYTES_ESCAPES = {code: f"\\x{code:02x}" for code in range(256) if not 0x20 <= code < 0x7F} | {
    ord("\\"): "\\\\",
    ord("'"): "\\'",
}

_INT64 = (-(2**63), 2**64 - 1)
_BIG_INTS = (
    (-(2**127), 2**127 - 1, "toInt128"),
    (0, 2**128 - 1, "toUInt128"),
    (-(2**255), 2**255 - 1, "toInt256"),
    (0, 2**256 - 1, "toUInt256"),
)
_DECIMAL_FUNCTIONS = ((9, "toDecimal32"), (18, "toDecimal64"), (38, "toDecimal128"))
# Dates that toDate writes; others go to toDate32, within the range of ClickHouse's
# Date32 and DateTime64 (which clickhouse-driver also reads). Servers before 21.9 have
# only Date and DateTime, from 1970 to 2105.
_DATE_RANGE = (datetime.date(1970, 1, 1), datetime.date(2149, 6, 6))
_MODERN_RANGE = (datetime.date(1900, 1, 1), datetime.date(2299, 12, 31))
_LEGACY_RANGE = (datetime.date(1970, 1, 1), datetime.date(2105, 12, 31))


def quote_string(value: str) -> str:
    """A string literal that ClickHouse reads back as exactly ``value``."""
    escaped = str.translate(value, _STRING_ESCAPES)  # not a subclass's translate()
    if not escaped.isascii():
        _refuse_lone_surrogates(escaped)
    return "'" + escaped + "'"


def _refuse_lone_surrogates(text: str) -> None:
    """Text must be valid Unicode to be sent as UTF-8; a lone surrogate is not."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise DataError(
            f"text holds a lone surrogate ({text[error.start]!r}), which is not valid "
            "Unicode; pass raw bytes as a bytes value"
        ) from None


def quote_bytes(value: bytes | bytearray | memoryview) -> str:
    """A string literal holding exactly these bytes (ASCII-only SQL)."""
    return "'" + bytes(value).decode("latin-1").translate(_BYTES_ESCAPES) + "'"


def quote_identifier(name: str) -> str:
    """A backquoted identifier (a column or JSON path) that reads back as ``name``."""
    return "`" + str.replace(name, "\\", "\\\\").replace("`", "\\`") + "`"


def _int(value: int, legacy: bool) -> str:
    value = int.__index__(value)  # a plain int, whatever its subclass prints
    if _INT64[0] <= value <= _INT64[1]:
        return str(value) if value >= 0 else f"({value})"
    for low, high, function in _BIG_INTS:
        if low <= value <= high:
            return f"{function}({quote_string(str(value))})"
    raise DataError(f"integer {value} does not fit in 256 bits, ClickHouse's widest integer")


def _float(value: float, legacy: bool) -> str:
    if value != value:
        return "nan"
    text = float.__repr__(value)
    return f"({text})" if text.startswith("-") else text


def _decimal(value: decimal.Decimal, legacy: bool) -> str:
    if not value.is_finite():
        raise DataError(f"Decimal {value} has no ClickHouse Decimal representation")
    _, digits, exponent = value.as_tuple()
    scale = max(0, -exponent)
    precision = max(len(digits) + max(exponent, 0), scale, 1)
    if precision > 76:
        raise DataError(f"Decimal {value} has more than 76 digits")
    function = next((f for limit, f in _DECIMAL_FUNCTIONS if precision <= limit), "toDecimal256")
    text = decimal.Decimal.__format__(value, "f")
    return f"{function}({quote_string(text)}, {scale})"


def _check_range(value: datetime.date, legacy: bool) -> None:
    low, high = _LEGACY_RANGE if legacy else _MODERN_RANGE
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not low <= day <= high:
        kind = "Date and DateTime on this server" if legacy else "Date32 and DateTime64"
        raise DataError(
            f"{type(value).__name__} {value} is outside {low} to {high}, the range of "
            f"ClickHouse's {kind}"
        )


def _datetime(value: datetime.datetime, legacy: bool) -> str:
    zone = ""
    if value.utcoffset() is not None:
        value = value.astimezone(datetime.timezone.utc)
        zone = ", 'UTC'"
    _check_range(value, legacy)
    value = datetime.datetime(*value.timetuple()[:6], value.microsecond)  # a plain, naive one
    if legacy:  # no DateTime64 on such servers: whole seconds
        return f"toDateTime({quote_string(value.isoformat(' ', 'seconds'))}{zone})"
    return f"toDateTime64({quote_string(value.isoformat(' ', 'microseconds'))}, 6{zone})"


def _date(value: datetime.date, legacy: bool) -> str:
    _check_range(value, legacy)
    text = quote_string(datetime.date.isoformat(value))
    if legacy or _DATE_RANGE[0] <= value <= _DATE_RANGE[1]:
        return f"toDate({text})"
    return f"toDate32({text})"


def _time(value: datetime.time, legacy: bool) -> str:
    if value.utcoffset() is not None:
        raise DataError(f"time {value} has a time zone; ClickHouse times have none")
    # Always with microseconds, so that times compare and sort as text.
    return quote_string(datetime.time.isoformat(value, timespec="microseconds"))


def _uuid(value: uuid.UUID, legacy: bool) -> str:
    text = quote_string(str(uuid.UUID(int=value.int)))
    return text if legacy else f"toUUID({text})"


def _ipv4(value: ipaddress.IPv4Address, legacy: bool) -> str:
    text = quote_string(str(ipaddress.IPv4Address(int(value))))
    return text if legacy else f"toIPv4({text})"


def _ipv6(value: ipaddress.IPv6Address, legacy: bool) -> str:
    if value.scope_id is not None:
        raise DataError(
            f"IPv6 address {str(value)!r} has a scope id (%{value.scope_id}); ClickHouse's "
            "IPv6 type has none: pass the address without it"
        )
    text = quote_string(str(ipaddress.IPv6Address(int(value))))
    return text if legacy else f"toIPv6({text})"


def _list(value: list, legacy: bool) -> str:
    return "[" + ", ".join(render(item, legacy) for item in value) + "]"


def _tuple(value: tuple, legacy: bool) -> str:
    return "tuple(" + ", ".join(render(item, legacy) for item in value) + ")"


def _dict(value: Mapping, legacy: bool) -> str:
    items = (f"{render(k, legacy)}, {render(v, legacy)}" for k, v in value.items())
    return "map(" + ", ".join(items) + ")"


_RENDERERS = {
    type(None): lambda value, legacy: "NULL",
    bool: lambda value, legacy: ("1" if value else "0") if legacy else str(value).lower(),
    int: _int,
    float: _float,
    str: lambda value, legacy: quote_string(value),
    bytes: lambda value, legacy: quote_bytes(value),
    bytearray: lambda value, legacy: quote_bytes(value),
    memoryview: lambda value, legacy: quote_bytes(value),
    decimal.Decimal: _decimal,
    datetime.datetime: _datetime,
    datetime.date: _date,
    datetime.time: _time,
    uuid.UUID: _uuid,
    ipaddress.IPv4Address: _ipv4,
    ipaddress.IPv6Address: _ipv6,
    list: _list,
    tuple: _tuple,
    dict: _dict,
}


def render(value: Any, legacy: bool = False) -> str:
    """Render one Python value as a ClickHouse SQL expression."""
    renderer = _RENDERERS.get(type(value))
    if renderer is not None:
        return renderer(value, legacy)
    if isinstance(value, enum.Enum):
        return render(value.value, legacy)
    for base, renderer in _RENDERERS.items():
        if base is not type(None) and isinstance(value, base):
            return renderer(value, legacy)
    if isinstance(value, Mapping):
        return _dict(value, legacy)
    raise ProgrammingError(
        f"cannot pass a {type(value).__name__} as a query parameter; supported: None, bool, "
        "int, float, Decimal, str, bytes, datetime, date, time, UUID, IPv4Address, "
        "IPv6Address, list, tuple, dict and Enum members"
    )


class _Rendered(dict):
    """Named parameters, rendered; refuses to be pasted whole into a positional ``%s``."""

    def __missing__(self, key: str) -> str:
        raise ProgrammingError(f"the query uses %({key})s but no parameter {key!r} was given")

    def __str__(self) -> str:
        raise ProgrammingError("the query uses %s placeholders but parameters are a mapping")

    __repr__ = __str__


def substitute(sql: str, params: Mapping | Sequence | None, legacy: bool = False) -> str:
    """Fill ``%(name)s`` from a mapping or ``%s`` from a sequence; ``%%`` is a literal %."""
    if not sql.isascii():
        _refuse_lone_surrogates(sql)
    if params is None:
        return sql
    if isinstance(params, Mapping):
        values: Any = _Rendered(
            {key: _parameter(f"%({key})s", value, legacy) for key, value in params.items()}
        )
    elif isinstance(params, Sequence) and not isinstance(params, (str, bytes)):
        values = tuple(
            _parameter(f"{position} (%s)", value, legacy)
            for position, value in enumerate(params, 1)
        )
    else:
        raise ProgrammingError(
            f"parameters must be a mapping or a sequence, not {type(params).__name__}"
        )
    try:
        return sql % values
    except (TypeError, ValueError) as error:
        raise ProgrammingError(
            f"cannot fill the query's placeholders: {error} (write %% for a literal %)"
        ) from None


def _parameter(name: str, value: Any, legacy: bool) -> str:
    """One parameter rendered; a refusal names the parameter it is about."""
    try:
        return render(value, legacy)
    except (DataError, ProgrammingError) as error:
        raise type(error)(f"query parameter {name}: {error.message}") from None
    except RecursionError:
        raise DataError(f"query parameter {name} is nested too deeply to render") from None

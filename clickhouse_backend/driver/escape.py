"""The one place where Python values become SQL literals.

Values are rendered as typed ClickHouse expressions (``toDateTime64(...)``,
``toUUID(...)``, ``map(...)``) rather than bare strings, so that they compare and insert
as the type they are. Every piece of text that ends up between quotes goes through
:func:`quote_string` (or :func:`quote_bytes`), whatever type it came from, so that no
value can end its literal: a subclass's ``__str__`` or an IPv6 scope id is text like any
other. Every value is read by its base type's own methods, never a subclass's. Values
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
from collections.abc import Iterator, Mapping, Sequence
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
    # Decoded by the base type: bytes(value) would call a subclass's __bytes__.
    if isinstance(value, memoryview):
        text = value.tobytes().decode("latin-1")
    elif isinstance(value, bytearray):
        text = bytearray.decode(value, "latin-1")
    else:
        text = bytes.decode(value, "latin-1")
    return "'" + text.translate(_BYTES_ESCAPES) + "'"


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
    value = float.__float__(value)  # a plain float, whatever its subclass compares as
    if value != value:
        return "nan"
    text = float.__repr__(value)
    return f"({text})" if text.startswith("-") else text


def _decimal(value: decimal.Decimal, legacy: bool, width: int = 0) -> str:
    """``width``: the digits its type must hold at least (see :func:`_decimal_width`)."""
    # The base class's methods throughout: a subclass's would change the SQL.
    if not decimal.Decimal.is_finite(value):
        raise DataError(
            f"Decimal {decimal.Decimal.__str__(value)} has no ClickHouse Decimal representation"
        )
    _, digits, exponent = decimal.Decimal.as_tuple(value)
    scale = max(0, -exponent)
    precision = max(len(digits) + max(exponent, 0), scale, 1)
    if precision > 76:
        raise DataError(f"Decimal {decimal.Decimal.__str__(value)} has more than 76 digits")
    function = next(
        (f for limit, f in _DECIMAL_FUNCTIONS if max(precision, width) <= limit), "toDecimal256"
    )
    text = decimal.Decimal.__format__(value, "f")
    return f"{function}({quote_string(text)}, {scale})"


def _decimal_width(value: list | tuple | Mapping) -> int:
    """The digits one Decimal type needs to hold every Decimal in ``value``.

    ClickHouse gives the elements of an array (or a map) one Decimal type: the widest of
    theirs, with the largest scale. Its integer digits can then be too few, and the
    value overflows: into DECIMAL_OVERFLOW, or for Decimal128 silently into another
    number. So each Decimal is written in a type that holds the integer digits of the
    largest and the scale of the finest, together."""
    whole = scale = 0
    for item in _decimals_in(value):
        _, digits, exponent = decimal.Decimal.as_tuple(item)
        whole = max(whole, len(digits) + exponent)
        scale = max(scale, -exponent)
    if whole + scale > 76:
        raise DataError(
            f"the Decimals of one array or map need {whole + scale} digits together "
            f"({whole} before the point, {scale} after), more than ClickHouse's widest "
            "Decimal (76): round them, or pass them as separate parameters"
        )
    return whole + scale


def _decimals_in(value: Any) -> Iterator[decimal.Decimal]:
    kind = type(value)
    if issubclass(kind, decimal.Decimal):
        if decimal.Decimal.is_finite(value):  # the others are refused by _decimal
            yield value
    elif issubclass(kind, (list, tuple)):
        for item in value:
            yield from _decimals_in(item)
    elif issubclass(kind, Mapping):
        for key, item in value.items():
            yield from _decimals_in(key)
            yield from _decimals_in(item)


def _out_of_range(kind: str, text: str, legacy: bool) -> DataError:
    low, high = _LEGACY_RANGE if legacy else _MODERN_RANGE
    types = "Date and DateTime on this server" if legacy else "Date32 and DateTime64"
    return DataError(
        f"{kind} {text} is outside {low} to {high}, the range of ClickHouse's {types}"
    )


def _datetime(value: datetime.datetime, legacy: bool) -> str:
    # Read by the base class, so that a subclass cannot hide its zone or change its fields.
    offset = datetime.datetime.utcoffset(value)
    wall = datetime.datetime.combine(datetime.datetime.date(value), datetime.datetime.time(value))
    # The range is shifted to wall-clock time rather than the value to UTC: near
    # datetime.min and datetime.max, converting the value would overflow.
    low, high = _LEGACY_RANGE if legacy else _MODERN_RANGE
    shift = offset or datetime.timedelta(0)
    start = datetime.datetime.combine(low, datetime.time()) + shift
    end = datetime.datetime.combine(high + datetime.timedelta(days=1), datetime.time()) + shift
    if not start <= wall < end:
        raise _out_of_range("datetime", datetime.datetime.isoformat(value, " "), legacy)
    zone = ""
    if offset is not None:
        wall -= offset
        zone = ", 'UTC'"
    if legacy:  # no DateTime64 on such servers: whole seconds
        return f"toDateTime({quote_string(wall.isoformat(' ', 'seconds'))}{zone})"
    return f"toDateTime64({quote_string(wall.isoformat(' ', 'microseconds'))}, 6{zone})"


def _date(value: datetime.date, legacy: bool) -> str:
    value = datetime.date.fromordinal(datetime.date.toordinal(value))  # plain: its own compare
    low, high = _LEGACY_RANGE if legacy else _MODERN_RANGE
    if not low <= value <= high:
        raise _out_of_range("date", value.isoformat(), legacy)
    text = quote_string(value.isoformat())
    if legacy or _DATE_RANGE[0] <= value <= _DATE_RANGE[1]:
        return f"toDate({text})"
    return f"toDate32({text})"


def _time(value: datetime.time, legacy: bool) -> str:
    # Always with microseconds, so that times compare and sort as text.
    text = datetime.time.isoformat(value, timespec="microseconds")
    if datetime.time.utcoffset(value) is not None:
        raise DataError(f"time {text} has a time zone; ClickHouse times have none")
    return quote_string(text)


def _uuid(value: uuid.UUID, legacy: bool) -> str:
    number = uuid.UUID.int.__get__(value)  # the base class's slot, not a subclass's property
    text = quote_string(str(uuid.UUID(int=number)))
    return text if legacy else f"toUUID({text})"


def _ipv4(value: ipaddress.IPv4Address, legacy: bool) -> str:
    number = ipaddress.IPv4Address.__int__(value)
    text = quote_string(str(ipaddress.IPv4Address(number)))
    return text if legacy else f"toIPv4({text})"


def _ipv6(value: ipaddress.IPv6Address, legacy: bool) -> str:
    address = ipaddress.IPv6Address(ipaddress.IPv6Address.__int__(value))
    scope = ipaddress.IPv6Address.scope_id.fget(value)
    if scope is not None:
        raise DataError(
            f"IPv6 address {str(address)!r} has a scope id (%{scope}); ClickHouse's "
            "IPv6 type has none: pass the address without it"
        )
    text = quote_string(str(address))
    return text if legacy else f"toIPv6({text})"


def _list(value: list, legacy: bool, width: int | None = None) -> str:
    """``width``: as for :func:`_decimal`, worked out here for the outermost container."""
    width = _decimal_width(value) if width is None else width
    return "[" + ", ".join(_element(item, legacy, width) for item in value) + "]"


def _tuple(value: tuple, legacy: bool, width: int | None = None) -> str:
    width = _decimal_width(value) if width is None else width
    return "tuple(" + ", ".join(_element(item, legacy, width) for item in value) + ")"


def _dict(value: Mapping, legacy: bool, width: int | None = None) -> str:
    width = _decimal_width(value) if width is None else width
    items = (
        f"{_element(k, legacy, width)}, {_element(v, legacy, width)}" for k, v in value.items()
    )
    return "map(" + ", ".join(items) + ")"


def _element(value: Any, legacy: bool, width: int) -> str:
    """An element of a container, its Decimals (nested ones too) at least ``width`` wide."""
    if width:
        kind = type(value)
        if issubclass(kind, decimal.Decimal):
            return _decimal(value, legacy, width)
        for container, renderer in ((list, _list), (tuple, _tuple), (Mapping, _dict)):
            if issubclass(kind, container):
                return renderer(value, legacy, width)
    return render(value, legacy)


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
    kind = type(value)  # not isinstance(), which a __class__ property can fool
    renderer = _RENDERERS.get(kind)
    if renderer is not None:
        return renderer(value, legacy)
    if issubclass(kind, enum.Enum):
        return render(value.value, legacy)
    for base, renderer in _RENDERERS.items():
        if base is not type(None) and issubclass(kind, base):
            return renderer(value, legacy)
    if issubclass(kind, Mapping):
        return _dict(value, legacy)
    raise ProgrammingError(
        f"cannot pass a {kind.__name__} as a query parameter; supported: None, bool, "
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

"""INSERT values prepared a column at a time.

Django prepares every value of every object with its field's ``get_db_prep_save()``:
millions of Python calls for a large ``bulk_create()``, most of which hand the value
back unchanged. Here each column is looked at once instead. When its values are all of
the Python types the field would pass through (ints for an ``IntegerField``, aware
datetimes for a ``DateTimeField``, ...), the column is checked and converted as a
whole; otherwise Django's own per-value preparation runs for the values that need it,
exactly as on any backend, and its results are checked the same way. A value that
does not fit its column is a ``DataError`` naming the field and the value, raised
before anything is sent.

A field class can prepare its columns itself by defining::

    def get_db_prep_column(self, values: list, connection) -> list:
        ...

It receives the field's values for one INSERT (after ``pre_save()``; never expressions
or ``DatabaseDefault``) and returns a new list of values the driver encodes for the
field's ClickHouse type, raising ``django.db.DataError`` (naming the field and the
value) for one that does not fit. Django's built-in fields are handled by ``_KINDS``,
keyed by ``get_internal_type()``, as long as the field's class keeps Django's own
preparation methods; our fields name the kind they use (``ColumnPreparedMixin`` in
``fields/base.py``); any other field is prepared value by value with
``get_db_prep_save()``.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import ipaddress
import json
import operator
import re
import struct
import sys
import uuid
import zoneinfo
from collections.abc import Callable
from socket import AF_INET, AF_INET6, inet_pton
from typing import Any

from django.conf import settings
from django.db import DataError, IntegrityError, models
from django.utils.functional import Promise

from ...backend.id_columns import column_db_type
from ..json_documents import json_problem, written_by_driver

NoneType = type(None)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_NAIVE_EPOCH = datetime.datetime(1970, 1, 1)
_MICROSECOND = datetime.timedelta(microseconds=1)
# An IPv4 address in an IPv6 column: ::ffff:a.b.c.d
_IPV4_MAPPED = b"\0" * 10 + b"\xff\xff"

_INTEGER_RANGES = {
    f"{prefix}Int{bits}": (
        (0, 2**bits - 1) if prefix else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    )
    for prefix in ("", "U")
    for bits in (8, 16, 32, 64, 128, 256)
}
_DATE_RANGES = {
    "Date": (datetime.date(1970, 1, 1), datetime.date(2149, 6, 6)),
    "Date32": (datetime.date(1900, 1, 1), datetime.date(2299, 12, 31)),
}
# DateTime64's range, in microseconds from 1970 (1900-01-01 to 2299-12-31 23:59:59.999999);
# DateTime64(9)'s nanoseconds in an Int64 end at 2262-04-11 23:47:16.854775807.
_DATETIME64_RANGE = (-2_208_988_800_000_000, 10_413_791_999_999_999)
_NANOSECOND_LAST = (2**63 - 1) // 1000
# DateTime's range: whole seconds from 1970 to 2106-02-07 06:28:15 (a UInt32).
_DATETIME_RANGE = (0, (2**32 - 1) * 1_000_000)
# DateTime, DateTime('zone'), DateTime64(digits) or DateTime64(digits, 'zone').
_DATETIME = re.compile(r"DateTime(?:64\((\d)(?:,\s*'([^']*)')?\)|\('([^']*)'\))?")
_DECIMAL = re.compile(r"Decimal\((\d+),\s*(\d+)\)")
_WRAPPERS = ("LowCardinality(", "Nullable(")
FLOAT32_MAX = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]
_LARGEST_FLOAT = sys.float_info.max


class Column:
    """One field's values for an INSERT, and what is known of their types."""

    def __init__(self, field: models.Field, values: list, connection: Any, column_type: str):
        self.field = field
        self.values = values
        self.connection = connection
        self.type = column_type
        self.kinds = set(map(type, values))

    def of(self, *kinds: type) -> bool:
        """Whether every value is of one of these exact types, or None."""
        return self.kinds <= {*kinds, NoneType}

    def django(self, *kinds: type, ready: Callable[[Any], bool] | None = None) -> list:
        """Django's own preparation, value by value, of the values ``ready`` does not
        accept as they are (all values without it); its results must be ``kinds``."""
        values = prepare_values(self.field, self.values, self.connection, ready)
        self.kinds = set(map(type, values))
        for kind in self.kinds - {NoneType}:
            if not issubclass(kind, kinds):
                wrong = next(value for value in values if type(value) is kind)
                raise self.error(
                    wrong, f"is a {kind.__name__}, which its {self.type} column does not take"
                )
        return values

    def present(self, values: list) -> list:
        """The values that are not None (``values`` has None where ``self.values`` has)."""
        if NoneType not in self.kinds:
            return values
        return [value for value in values if value is not None]

    def map(self, function: Callable, values: list) -> list:
        """``function`` applied to every value that is not None."""
        if NoneType not in self.kinds:
            return list(map(function, values))
        return [None if value is None else function(value) for value in values]

    def check_range(self, values: list, low: Any, high: Any, shown: list | None = None) -> None:
        """A DataError for the first value outside [low, high]; ``shown`` are the
        values as the user gave them, when ``values`` are converted ones."""
        present = self.present(values)
        if present and (min(present) < low or max(present) > high):
            for position, value in enumerate(values):
                if value is not None and not low <= value <= high:
                    original = (shown or values)[position]
                    raise self.error(original, f"is out of range for its {self.type} column")

    def error(self, value: Any, problem: str) -> DataError:
        return DataError(f"{_label(self.field)}: {value!r} {problem}; nothing was written")


def prepare_values(
    field: models.Field, values: list, connection: Any, ready: Callable[[Any], bool] | None
) -> list:
    """The field's ``get_db_prep_save()`` of each value, except None and the values
    ``ready`` accepts as they are (those Django would hand back unchanged)."""
    prepare = field.get_db_prep_save
    if ready is None:
        return [prepare(value, connection) for value in values]
    return [
        value if value is None or ready(value) else prepare(value, connection) for value in values
    ]


def exactly(*kinds: type) -> Callable[[Any], bool]:
    """``ready`` for values of exactly these types (not of their subclasses: a bool is
    no int here, an enum member no str)."""
    kinds_set = frozenset(kinds)
    return lambda value: type(value) in kinds_set


def _label(field: models.Field) -> str:
    model = getattr(field, "model", None)
    return f"{model._meta.label}.{field.name}" if model is not None else field.name


# -- the column kinds of Django's built-in fields ----------------------------------------


def _integers(column: Column) -> list | None:
    if column.type not in _INTEGER_RANGES:
        return None
    values = column.values if column.of(int) else column.django(int, ready=exactly(int))
    column.check_range(values, *_INTEGER_RANGES[column.type])
    return values


def _floats(column: Column) -> list | None:
    if column.type not in ("Float64", "Float32"):
        return None
    if column.of(float):
        values = column.values
    elif column.of(float, int):  # what FloatField.get_prep_value() does, column-wise
        try:
            values = column.map(float, column.values)
        except OverflowError:
            wrong = next(v for v in column.values if type(v) is int and abs(v) > _LARGEST_FLOAT)
            raise column.error(wrong, f"is too large for its {column.type} column") from None
    else:
        values = column.django(float)
    if column.type == "Float32":
        present = column.present(values)
        # One C call. "<f", not "f": only the standard format refuses a finite value
        # that float32 would make infinite (the native one stores infinity).
        try:
            struct.pack(f"<{len(present)}f", *present)
        except OverflowError:
            wrong = next(
                original
                for original, value in zip(column.values, values, strict=True)
                if value is not None and not fits_float32(value)
            )
            raise column.error(
                wrong, f"is outside the range of its Float32 column (±{FLOAT32_MAX!r})"
            ) from None
    return values


def fits_float32(value: float) -> bool:
    """Whether a Float32 holds the value, rounded to float32 (infinities and NaN do)."""
    try:
        struct.pack("<f", value)
    except OverflowError:
        return False
    return True


def _decimals(column: Column) -> list | None:
    match = _DECIMAL.fullmatch(column.type)
    if match is None:
        return None
    values = column.values if column.of(decimal.Decimal) else column.django(decimal.Decimal)
    present = column.present(values)
    if not all(map(decimal.Decimal.is_finite, present)):
        return column.django(decimal.Decimal)  # raises Django's error for NaN and infinity
    if not present:
        return values
    precision, scale = int(match.group(1)), int(match.group(2))
    # copy_abs(), not abs(): abs() rounds to the context's 28 digits.
    largest = max(map(decimal.Decimal.copy_abs, present))
    places = -min(map(operator.itemgetter(2), map(decimal.Decimal.as_tuple, present)))
    if largest >= decimal.Decimal(10) ** (precision - scale) or places > scale:
        for value in present:
            if problem := decimal_problem(value, precision, scale):
                raise column.error(value, problem)
    return values


def decimal_problem(value: decimal.Decimal, precision: int, scale: int) -> str | None:
    """Why ``Decimal(precision, scale)`` cannot hold the value exactly; None if it can.

    The driver would silently drop decimal places beyond the scale, and the type has
    no room for more digits before the point."""
    _, digits, exponent = value.as_tuple()
    places = -exponent
    while places > scale and len(digits) > 1 and digits[-1] == 0:  # 1.50 is 1.5
        digits, places = digits[:-1], places - 1
    if places > scale and any(digits):
        return f"has more than {scale} decimal places; Decimal({precision}, {scale}) keeps {scale}"
    if any(digits) and len(digits) - places > precision - scale:
        whole = precision - scale
        return (
            f"has more than {whole} digits before the point; "
            f"Decimal({precision}, {scale}) holds {whole}"
        )
    return None


def _strings(column: Column) -> list | None:
    if column.type == "String":
        kinds = (str,)
    elif column.type.startswith("FixedString("):
        kinds = (str, bytes)  # FixedString holds bytes too
    else:
        return None
    return column.values if column.of(*kinds) else column.django(*kinds, ready=exactly(*kinds))


def _booleans(column: Column) -> list | None:
    if column.type != "Bool":
        return None
    return column.values if column.of(bool) else column.django(bool)


def _uuids(column: Column) -> list | None:
    if column.type != "UUID":
        return None
    return column.values if column.of(uuid.UUID) else column.django(uuid.UUID)


def _dates(column: Column) -> list | None:
    if column.type not in _DATE_RANGES:
        return None
    if column.of(datetime.date):
        values = column.values
    else:
        values = column.django(datetime.date, ready=exactly(datetime.date))
    column.check_range(values, *_DATE_RANGES[column.type])
    return values


def _datetimes(column: Column) -> list | None:
    """Datetimes become the ticks of their column here (seconds for DateTime,
    10**-digits seconds for DateTime64(digits)): cheaper than the driver's conversion,
    and exact before 1970 too (the driver's is a second off there).

    With USE_TZ = False a naive datetime is a wall-clock time in the column's zone
    (Django's own DateTimeField has a UTC column). Any other value that is not an
    aware datetime is the field's ``get_db_prep_save()``'s to convert."""
    match = _DATETIME.fullmatch(column.type)
    if match is None:
        return None
    digits, zone_name = match.group(1), match.group(2) or match.group(3) or "UTC"
    values, epoch = column.values, _EPOCH
    zones = _zones(column) if column.of(datetime.datetime) else None
    if zones == {None} and not settings.USE_TZ:  # wall-clock times in the column's zone
        if zone_name == "UTC":
            epoch = _NAIVE_EPOCH
        else:
            values = column.map(_in_zone(zoneinfo.ZoneInfo(zone_name)), values)
    elif zones is None or None in zones:  # Django's conversion (and its naive warning)
        values = column.django(datetime.datetime, ready=_is_aware_datetime)
    micros = column.map(_MICROSECOND.__rfloordiv__, column.map(epoch.__rsub__, values))
    if digits is None:
        column.check_range(micros, *_DATETIME_RANGE, shown=column.values)
        return column.map((1_000_000).__rfloordiv__, micros)
    digits = int(digits)  # DateTime64(digits): ticks of 10**-digits seconds
    low, high = _DATETIME64_RANGE
    column.check_range(micros, low, _NANOSECOND_LAST if digits == 9 else high, column.values)
    if digits < 6:
        return column.map((10 ** (6 - digits)).__rfloordiv__, micros)
    return micros if digits == 6 else column.map((10 ** (digits - 6)).__mul__, micros)


def _in_zone(zone: datetime.tzinfo) -> Callable[[datetime.datetime], datetime.datetime]:
    return functools.partial(datetime.datetime.replace, tzinfo=zone)


def _is_aware_datetime(value: Any) -> bool:
    return type(value) is datetime.datetime and value.tzinfo is not None


def _zones(column: Column) -> set:
    """The tzinfo of the values (datetimes or times) that are not None."""
    return set(map(operator.attrgetter("tzinfo"), column.present(column.values)))


def _durations(column: Column) -> list | None:
    if column.type != "Int64":
        return None
    if column.of(datetime.timedelta):
        micros = column.map(_MICROSECOND.__rfloordiv__, column.values)
    else:
        micros = column.django(int)
    column.check_range(micros, *_INTEGER_RANGES["Int64"], shown=column.values)
    return micros


def _times(column: Column) -> list | None:
    if column.type != "String":
        return None
    if column.of(datetime.time) and _zones(column) <= {None}:
        return column.map(_time_text, column.values)
    return column.django(str)


def _time_text(value: datetime.time) -> str:
    return value.isoformat("microseconds")


def _ip_addresses(column: Column) -> list | None:
    """Addresses as the driver writes them (an IPv6 column's 16 bytes, an IPv4 column's
    number), parsed by the C library. A value it does not parse goes through the
    field's ``get_db_prep_save()``, which cleans text (Django's field) or gives an
    ``ipaddress`` object of the column's type (ours)."""
    pack = _IP_PACKERS.get(column.type)
    if pack is None:
        return None
    if column.of(str):
        try:
            return column.map(pack, column.values)
        except (OSError, ValueError):
            pass
    packed = []
    for value in column.values:
        if type(value) is str:
            try:
                packed.append(pack(value))
                continue
            except (OSError, ValueError):
                pass
        packed.append(_prepared_address(column, pack, value))
    column.kinds = set(map(type, packed))
    return packed


def _prepared_address(column: Column, pack: Callable[[str], Any], original: Any) -> Any:
    value = column.field.get_db_prep_save(original, column.connection)
    if value is None or isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return value  # the driver writes these as they are
    if not isinstance(value, str):
        raise column.error(
            original, f"is a {type(value).__name__}, which its {column.type} column does not take"
        )
    try:
        return pack(value)
    except (OSError, ValueError):
        raise column.error(original, "is not an IP address") from None


def _ipv6_packed(text: str) -> bytes:
    if ":" in text:
        return inet_pton(AF_INET6, text)
    return _IPV4_MAPPED + inet_pton(AF_INET, text)


def _ipv4_number(text: str) -> int:
    return int.from_bytes(inet_pton(AF_INET, text), "big")


_IP_PACKERS: dict[str, Callable[[str], Any]] = {"IPv6": _ipv6_packed, "IPv4": _ipv4_number}


def _json(column: Column) -> list | None:
    if not column.type.startswith("JSON") or column.field.encoder is not None:
        return None
    if any(issubclass(kind, Promise) for kind in column.kinds):
        # Lazy translations become text first, in the JSON text Django prepares.
        values = [None if text is None else json.loads(text) for text in column.django(str)]
    else:
        values = column.values  # the driver takes the Python objects themselves
    driver_writer = written_by_driver(column.connection)
    for value in column.present(values):  # documents have no column-wise check
        problem = json_problem(value, driver_writer)
        if problem is not None:
            raise column.error(value, problem)
    return values


def _related(column: Column) -> list | None:
    """A key's values are its target's: prepared the same way, in the key's column."""
    kind = _kind_of(column.field.target_field)
    if kind not in (_integers, _strings, _uuids):
        return None
    return kind(column)


_Kind = Callable[[Column], "list | None"]
# internal type -> (the Django class whose preparation the kind reproduces, the kind)
_KINDS: dict[str, tuple[type[models.Field], _Kind]] = {
    **{
        name: (getattr(models, name), _integers)
        for name in (
            "IntegerField",
            "BigIntegerField",
            "SmallIntegerField",
            "PositiveIntegerField",
            "PositiveBigIntegerField",
            "PositiveSmallIntegerField",
            "AutoField",
            "BigAutoField",
            "SmallAutoField",
        )
    },
    "FloatField": (models.FloatField, _floats),
    "DecimalField": (models.DecimalField, _decimals),
    "CharField": (models.CharField, _strings),
    "SlugField": (models.SlugField, _strings),
    "TextField": (models.TextField, _strings),
    "FilePathField": (models.FilePathField, _strings),
    "BooleanField": (models.BooleanField, _booleans),
    "UUIDField": (models.UUIDField, _uuids),
    "DateField": (models.DateField, _dates),
    "DateTimeField": (models.DateTimeField, _datetimes),
    "DurationField": (models.DurationField, _durations),
    "TimeField": (models.TimeField, _times),
    "GenericIPAddressField": (models.GenericIPAddressField, _ip_addresses),
    "JSONField": (models.JSONField, _json),
    "ForeignKey": (models.ForeignKey, _related),
    "OneToOneField": (models.OneToOneField, _related),
}
# What a subclass must leave alone for its values to be prepared like Django's.
_PREPARATION = ("to_python", "get_prep_value", "get_db_prep_value", "get_db_prep_save")


def _kind_of(field: models.Field) -> _Kind | None:
    entry = _KINDS.get(field.get_internal_type())
    if entry is None:
        return None
    django_class, kind = entry
    cls = type(field)
    if not issubclass(cls, django_class) or any(
        getattr(cls, name) is not getattr(django_class, name) for name in _PREPARATION
    ):
        return None
    return kind


def column_type(field: models.Field, connection: Any) -> str:
    """The ClickHouse type of the field's column, without LowCardinality/Nullable."""
    kind = column_db_type(field, connection) or ""
    while kind.startswith(_WRAPPERS) and kind.endswith(")"):
        kind = kind[kind.index("(") + 1 : -1]
    return kind


def prepare_column(field: models.Field, values: list, connection: Any) -> list:
    """The values the driver takes for one field's column, checked.

    ``values`` must be the caller's own list: it may be returned, and the driver
    rewrites the lists it encodes.
    """
    hook = getattr(field, "get_db_prep_column", None)
    if hook is None:
        return _prepare(field, _kind_of(field), values, connection)
    return _checked_nulls(field, hook(values, connection))


def prepare_builtin_column(
    field: models.Field, values: list, connection: Any, internal_type: str | None = None
) -> list:
    """``get_db_prep_column()`` for a field whose values the column kind of a Django field
    (``internal_type``; the field's own by default) takes: the kind's column-wise path,
    and the field's ``get_db_prep_save()`` for values the kind does not take as they
    are. The kind checks what the column type holds (an integer's range, Float32's,
    Decimal's digits); checks of the field's own are the field's to make."""
    entry = _KINDS.get(internal_type or field.get_internal_type())
    return _prepare(field, entry and entry[1], values, connection)


def _prepare(field: models.Field, kind: _Kind | None, values: list, connection: Any) -> list:
    if kind is not None:
        column = Column(field, values, connection, column_type(field, connection))
        prepared = kind(column)
        if prepared is not None:
            if NoneType in column.kinds and not field.null:
                raise _not_nullable(field)
            return prepared
    return _checked_nulls(field, [field.get_db_prep_save(value, connection) for value in values])


def _checked_nulls(field: models.Field, prepared: list) -> list:
    if not field.null and None in prepared:
        raise _not_nullable(field)
    return prepared


def _not_nullable(field: models.Field) -> IntegrityError:
    return IntegrityError(
        f"{_label(field)} is not nullable (null=False), but one of the objects has None "
        "there; nothing was written"
    )

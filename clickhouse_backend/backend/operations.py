"""How Django's SQL is spelt for ClickHouse."""

from __future__ import annotations

import contextlib
import datetime
import decimal
import json
import math
import re
from socket import AF_INET, AF_INET6, inet_ntop
from typing import Any

from django.conf import settings
from django.db import DataError
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Sum
from django.db.models.expressions import Col, Window
from django.db.models.functions import Cast
from django.utils import timezone

from .id_columns import column_db_type
from .introspection import unwrap

# One double-quoted identifier, its quotes and backslashes escaped.
_QUOTED_NAME = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)

# Generated ids count milliseconds from 2025-01-01 UTC, so that they stay positive
# Int64s until 2094 (ClickHouse's generateSnowflakeID() counts from 1970).
ID_EPOCH_SHIFT = 1_735_689_600_000 << 22
GENERATE_IDS_SQL = "SELECT generateSnowflakeID(number) - %s FROM numbers(%s)"
GENERATE_IDS_ON_MACHINE_SQL = "SELECT generateSnowflakeID(number, %s) - %s FROM numbers(%s)"


# Engines of the tables a flush is given; those that hold no rows of their own.
FLUSH_ENGINES_SQL = (
    "SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND has(%s, name)"
)
HOLD_NO_ROWS = frozenset({"Null", "Merge", "View", "Buffer"})
FLUSH_DICTIONARIES_SQL = (
    "SELECT name FROM system.dictionaries WHERE database = currentDatabase() ORDER BY name"
)


# Django's names of fixed-offset zones: "-10" and "+05" (Etc/GMT+10, Etc/GMT-5),
# "UTC+05:30" (datetime.timezone(timedelta(hours=5, minutes=30))).
_FIXED_OFFSET = re.compile(r"(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?")


def fixed_offset_seconds(tzname: str) -> int | None:
    """Seconds east of UTC of a fixed-offset zone name, None for other names."""
    match = _FIXED_OFFSET.fullmatch(tzname)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    seconds = int(hours) * 3600 + int(minutes or 0) * 60
    return -seconds if sign == "-" else seconds


class UnknownDatePartError(DataError, ValueError):
    """A date part or truncation ClickHouse has no function for: a ValueError, as a
    wrong argument in Python is, and a DataError, as PostgreSQL's error for it is."""


def _sums(expression) -> bool:
    """Whether the expression is a SUM (or a SUM over a window): of booleans it counts
    the true ones, an integer that Django's BooleanField output must not make a bool
    (SQLite, the other backend that sums booleans, gives the count too)."""
    if isinstance(expression, Window):
        expression = expression.source_expression
    return isinstance(expression, Sum)


class DatabaseOperations(BaseDatabaseOperations):
    compiler_module = "clickhouse_backend.models.sql.compiler"
    cast_char_field_without_max_length = "String"
    cast_data_types = {"AutoField": "Int64", "BigAutoField": "Int64", "SmallAutoField": "Int64"}

    # The ranges of the types in DatabaseWrapper.data_types (auto ids are Int64).
    integer_field_ranges = {
        "SmallIntegerField": (-(2**15), 2**15 - 1),
        "IntegerField": (-(2**31), 2**31 - 1),
        "BigIntegerField": (-(2**63), 2**63 - 1),
        "PositiveSmallIntegerField": (0, 2**16 - 1),
        "PositiveIntegerField": (0, 2**32 - 1),
        "PositiveBigIntegerField": (0, 2**64 - 1),
        "SmallAutoField": (-(2**63), 2**63 - 1),
        "AutoField": (-(2**63), 2**63 - 1),
        "BigAutoField": (-(2**63), 2**63 - 1),
    }

    # ClickHouse names can be long; 255 keeps them portable as file names of parts.
    max_name_length_value = 255

    def quote_name(self, name: str) -> str:
        """A double-quoted identifier; quotes and backslashes inside are escaped.

        A name that is already one quoted identifier is kept; ``"a" UNION "b"`` is not
        one, so it is quoted whole like any other name. A str subclass is read as the
        text it holds (its own replace() could write anything)."""
        if isinstance(name, str):
            name = str.__str__(name)
        if _QUOTED_NAME.fullmatch(name):
            return name
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def integer_field_range(self, internal_type: str) -> tuple[int, int]:
        """Ranges of Django's integer fields (above) and of ClickHouse's (Int8Field ...)."""
        if internal_type in self.integer_field_ranges:
            return self.integer_field_ranges[internal_type]
        from ..models.fields.integer import INTEGER_RANGES  # not at import: models import us

        return INTEGER_RANGES[internal_type]

    def max_name_length(self) -> int:
        return self.max_name_length_value

    _TEXT_LOOKUPS = frozenset(
        [
            "iexact",
            "contains",
            "icontains",
            "startswith",
            "istartswith",
            "endswith",
            "iendswith",
            "regex",
            "iregex",
        ]
    )
    # Columns that are String already.
    _TEXT_TYPES = frozenset(
        ["CharField", "TextField", "SlugField", "FilePathField", "FileField", "TimeField"]
    )
    # IPv4 and IPv6 columns as the text Python shows: IPv4-mapped addresses as IPv4.
    _ADDRESS_TEXT = r"replaceRegexpOne(toString(%s), '^::ffff:([0-9.]+)$', '\\1')"

    def lookup_cast(self, lookup_type: str, internal_type: str | None = None) -> str:
        """Text lookups on numbers, dates, UUIDs ... compare the value's text, as on
        PostgreSQL: LIKE and match() take only strings in ClickHouse.

        A DateTimeField reads ``2005-07-28 00:00:00.000000`` (in UTC), a DateField
        ``2005-07-28``, so ``pub_date__startswith="2005"`` means what it says; an IP
        address reads as Python writes it (``source__startswith="192.168."``).
        """
        if lookup_type not in self._TEXT_LOOKUPS or internal_type in self._TEXT_TYPES:
            return "%s"
        if internal_type in ("GenericIPAddressField", "IPAddressField"):
            return self._ADDRESS_TEXT
        return "toString(%s)"

    def regex_lookup(self, lookup_type: str) -> str:
        """``regex`` and ``iregex`` as ClickHouse's match() (re2 syntax)."""
        if lookup_type == "regex":
            return "match(%s, %s)"
        return "match(%s, concat('(?i)', %s))"

    # Django's operators that ClickHouse spells as functions (^ and # are not operators
    # there, and &, |, <<, >> are not bitwise ones).
    _COMBINE_FUNCTIONS = {
        "^": "pow",
        "&": "bitAnd",
        "|": "bitOr",
        "#": "bitXor",
        "<<": "bitShiftLeft",
        ">>": "bitShiftRight",
    }

    def combine_expression(self, connector: str, sub_expressions: list[str]) -> str:
        function = self._COMBINE_FUNCTIONS.get(connector)
        if function is None:
            return super().combine_expression(connector, sub_expressions)
        return f"{function}({', '.join(sub_expressions)})"

    # -- durations: Int64 microseconds ---------------------------------------------------

    def format_for_duration_arithmetic(self, sql: str) -> str:
        """A duration column (microseconds) as an interval a DateTime64 can be moved by."""
        return f"toIntervalMicrosecond({sql})"

    def temporal_as_datetime64(self, internal_type: str, sql: str) -> str:
        """A date, datetime or time (``HH:MM:SS.ffffff`` text, on 1970-01-01) as a
        DateTime64 in UTC, the type that durations and differences are counted on:
        ClickHouse moves a Date32 by days only."""
        if internal_type == "TimeField":
            sql = f"concat('1970-01-01 ', {sql})"
        return f"toDateTime64({sql}, 6, 'UTC')"

    def subtract_temporals(self, internal_type: str, lhs, rhs):
        """The difference of two dates, datetimes or times, in microseconds."""
        (lhs_sql, lhs_params), (rhs_sql, rhs_params) = lhs, rhs
        if internal_type == "TimeField":
            lhs_sql = self.temporal_as_datetime64(internal_type, lhs_sql)
            rhs_sql = self.temporal_as_datetime64(internal_type, rhs_sql)
        return f"dateDiff('microsecond', {rhs_sql}, {lhs_sql})", (*rhs_params, *lhs_params)

    def last_executed_query(self, cursor, sql: str, params) -> str:
        """The statement exactly as it ran (an execute_wrapper may have changed it),
        its parameters rendered by the driver's own escaping. Rows inserted by
        executemany() travel as Native blocks, not in the text, which is shown as is."""
        return cursor.query if cursor.query is not None else sql

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        """TRUNCATE each table: ClickHouse has no sequences to reset and no cascades.

        Tables that hold nothing themselves (Null, Merge, View) are left alone, and a
        Buffer is flushed into its table first (it cannot be truncated), so that no row
        it held reaches that table after the flush. Each dictionary of the database is
        detached and attached again: a loaded one keeps serving the rows its source had
        (until its LIFETIME), so the next test would read the last one's; attached
        again, it loads its source's rows on its next use.
        """
        if not tables:
            return []
        with self.connection.cursor() as cursor:
            cursor.execute(FLUSH_ENGINES_SQL, [list(tables)])
            engines = dict(cursor.fetchall())
            cursor.execute(FLUSH_DICTIONARIES_SQL)
            dictionaries = [name for (name,) in cursor.fetchall()]
        flushed = [table for table in tables if engines.get(table) == "Buffer"]
        truncated = [table for table in tables if engines.get(table) not in HOLD_NO_ROWS]
        return [
            *(
                f"{style.SQL_KEYWORD('OPTIMIZE TABLE')} {self._flush_name(style, t)}"
                for t in flushed
            ),
            *(
                f"{style.SQL_KEYWORD('TRUNCATE TABLE')} {self._flush_name(style, t)}"
                for t in truncated
            ),
            *(
                f"{style.SQL_KEYWORD(keyword)} {self._flush_name(style, name)}"
                for name in dictionaries
                for keyword in ("DETACH DICTIONARY", "ATTACH DICTIONARY")
            ),
        ]

    def _flush_name(self, style, table: str) -> str:
        return style.SQL_FIELD(self.quote_name(table))

    def prepare_join_on_clause(self, lhs_table, lhs_field, rhs_table, rhs_field) -> tuple:
        """A key kept as text joined to a number (a GenericRelation whose object_id is a
        CharField): ClickHouse joins only keys of a common type, so the text side is
        cast to the other's type, as Django's PostgreSQL backend does."""
        lhs, rhs = super().prepare_join_on_clause(lhs_table, lhs_field, rhs_table, rhs_field)
        lhs_text, rhs_text = map(self._is_text_column, (lhs_field, rhs_field))
        if lhs_text and not rhs_text:
            lhs = Cast(lhs, rhs_field)
        elif rhs_text and not lhs_text:
            rhs = Cast(rhs, lhs_field)
        return lhs, rhs

    def _is_text_column(self, field) -> bool:
        column_type, _ = unwrap(column_db_type(field, self.connection) or "")
        return column_type == "String" or column_type.startswith("FixedString(")

    def adapt_timefield_value(self, value: datetime.time | None) -> str | None:
        """Times are stored as fixed-width ``HH:MM:SS.ffffff`` text, which sorts correctly."""
        if value is None:
            return None
        if timezone.is_aware(value):
            raise ValueError(
                "ClickHouse backend does not support timezone-aware times. A TimeField "
                "holds a wall-clock time: give it a naive time."
            )
        return value.isoformat(timespec="microseconds")

    def generate_ids(self, count: int) -> list[int]:
        """``count`` new 64-bit ids, unique and time-ordered.

        The server makes them (``generateSnowflakeID``: a millisecond timestamp, a
        machine id and a counter shared by all its sessions), so they are unique
        across threads, processes and clients of one server or embedded engine. Across
        the nodes of a cluster, each server's default machine id comes from its server
        UUID and may collide with another's: ``OPTIONS["machine_id"]`` sets one per alias.
        """
        machine_id = self.connection.options.get("machine_id")
        with self.connection.cursor() as cursor:
            if machine_id is None:
                sql, params = GENERATE_IDS_SQL, [ID_EPOCH_SHIFT, count]
            else:
                sql, params = GENERATE_IDS_ON_MACHINE_SQL, [machine_id, ID_EPOCH_SHIFT, count]
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

    # -- Python values in: what the driver and the Native codecs take ----------------

    def adapt_datefield_value(self, value: datetime.date | None) -> datetime.date | None:
        return value

    def adapt_datetimefield_value(self, value: Any) -> Any:
        """Datetimes stay objects: the driver sends them typed, in UTC when aware."""
        if value is not None and not hasattr(value, "resolve_expression"):
            if timezone.is_aware(value):
                # Past year 1 or 9999 in UTC it stays as it is, and the driver refuses it.
                with contextlib.suppress(OverflowError):
                    value = value.astimezone(datetime.timezone.utc)
            else:  # USE_TZ = False: the wall-clock value is stored as UTC
                value = value.replace(tzinfo=datetime.timezone.utc)
        return value

    def adapt_ipaddressfield_value(self, value: str | None) -> str | None:
        """IPv4 addresses are stored in IPv6 columns as IPv4-mapped addresses."""
        if not value:
            return None
        return f"::ffff:{value}" if ":" not in value else value

    def adapt_json_value(self, value: Any, encoder: Any) -> Any:
        """JSON text, which ClickHouse parses into the column (update(), expressions).
        Inserts take the documents themselves (models/sql/insert_values.py)."""
        return json.dumps(value, cls=encoder)

    # -- values out ------------------------------------------------------------------

    def get_db_converters(self, expression) -> list:
        """Converters only where the driver's value is not yet the field's Python type
        (the compiler applies them a column at a time)."""
        converters = super().get_db_converters(expression)
        internal_type = expression.output_field.get_internal_type()
        if internal_type == "DateTimeField" and not settings.USE_TZ:
            converters.append(self._naive_datetime)
        elif internal_type == "TimeField":
            converters.append(self._time)
        elif internal_type == "GenericIPAddressField":
            converters.append(self._ip_address)
        elif internal_type == "IPAddressField":
            converters.append(self._ipv4_address)
        elif internal_type == "JSONField":
            converters.append(self._json_text)
        elif internal_type == "BooleanField" and not isinstance(expression, Col):
            if not _sums(expression):  # a Bool column is read as bool already
                converters.append(self._boolean)
        elif internal_type == "BinaryField":
            converters.append(self._binary)
        elif internal_type == "DecimalField" and isinstance(expression, Col):
            converters.append(self._decimal_converter(expression.output_field))
        elif internal_type == "DecimalField":
            converters.append(self._computed_decimal_converter())
        return converters

    @staticmethod
    def _computed_decimal_converter():
        """A computed Decimal that ClickHouse gives as a float (avg() of a Decimal column
        is a Float64): the decimal of its 15 significant digits, as Django's SQLite
        backend reads such a float, rather than the float's binary expansion
        (23.089999999999999857891452847979962825775146484375 for 23.09)."""
        digits = decimal.Context(prec=15)

        def converted(value, expression, connection):
            if value.__class__ is not float or not math.isfinite(value):
                return value
            return digits.create_decimal_from_float(value)

        return converted

    @staticmethod
    def _binary(value, expression, connection):
        """A ``String`` column read as text when it holds UTF-8: its bytes again."""
        return value.encode() if value.__class__ is str else value

    @staticmethod
    def _decimal_converter(field):
        """A column's scale back on each value: the driver gives ``Decimal('8.32')``
        for a ``Decimal(10, 3)`` holding 8.320, and Django keeps trailing zeros (as its
        SQLite backend does, computed values keep the digits they have)."""
        exponent = decimal.Decimal(1).scaleb(-field.decimal_places)
        context = field.context

        def scaled(value, expression, connection):
            return value if value is None else value.quantize(exponent, context=context)

        return scaled

    @staticmethod
    def _boolean(value, expression, connection):
        """A condition computed by a query (``Q()`` in ``annotate()``, ``Exists``) is a
        UInt8 in ClickHouse: True or False, as Django gives it elsewhere."""
        return value if value is None or value.__class__ is bool else bool(value)

    @staticmethod
    def _naive_datetime(value, expression, connection):
        """USE_TZ = False: the wall-clock time in the column's zone (UTC for the built-in
        DateTimeField), which is the zone ClickHouse gives the value in."""
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            return value.replace(tzinfo=None)
        return value

    @staticmethod
    def _time(value, expression, connection):
        return datetime.time.fromisoformat(value) if isinstance(value, str) else value

    @staticmethod
    def _ip_address(value, expression, connection):
        """An IPv6 column's address as Django's text: IPv4-mapped ones as IPv4.

        Formatted by the C library, which writes what ``ipaddress`` writes at a
        fraction of the cost, except for addresses in ``::/80`` (it would write
        ``::1.2.3.4`` where ``ipaddress`` writes ``::102:304``).
        """
        if value is None:
            return None
        number = int(value)
        if value.version == 4:  # an IPv4 column
            return inet_ntop(AF_INET, number.to_bytes(4, "big"))
        if number >> 32 == 0xFFFF:
            return inet_ntop(AF_INET, (number & 0xFFFFFFFF).to_bytes(4, "big"))
        if number >> 48 == 0:
            return str(value)
        return inet_ntop(AF_INET6, number.to_bytes(16, "big"))

    def ip_address_text_sql(self, sql: str) -> str:
        """An IPv6 column as the text ``_ip_address()`` makes of it, made by ClickHouse:
        IPv4-mapped addresses as IPv4, ``::/96`` as ``ipaddress`` writes it (ClickHouse
        would write ``::0.1.0.0`` for ``::1:0``), the rest as ClickHouse writes them,
        which is what ``ipaddress`` writes too."""
        word = "replaceRegexpOne(lower(substring(hex({}), {}, 4)), '^0{{1,3}}', '')"
        return (
            f"if({sql} BETWEEN toIPv6('::1:0') AND toIPv6('::ffff:ffff'), "
            f"concat('::', {word.format(sql, 25)}, ':', {word.format(sql, 29)}), "
            f"replaceRegexpOne(IPv6NumToString({sql}), '^::ffff:([0-9.]+)$', '\\1'))"
        )

    @staticmethod
    def _ipv4_address(value, expression, connection):
        return None if value is None else inet_ntop(AF_INET, int(value).to_bytes(4, "big"))

    @staticmethod
    def _json_text(value, expression, connection):
        """JSONField.from_db_value() parses text; ClickHouse already gave the object.

        Needed only for a custom decoder: the compiler drops this pair of converters
        for plain JSON columns.
        """
        return json.dumps(value) if value is not None and not isinstance(value, str) else value

    # -- dates and times: Extract, Trunc and the __year/__month/... lookups -----------

    _EXTRACT = {
        "year": "toYear({})",
        "iso_year": "toISOYear({})",
        "quarter": "toQuarter({})",
        "month": "toMonth({})",
        "week": "toISOWeek({})",
        "week_day": "(toDayOfWeek({}) %% 7 + 1)",  # Django counts Sunday=1 ... Saturday=7
        "iso_week_day": "toDayOfWeek({})",
        "day": "toDayOfMonth({})",
        "hour": "toHour({})",
        "minute": "toMinute({})",
        "second": "toSecond({})",
    }
    _TRUNC = {
        "year": "toStartOfYear({})",
        "quarter": "toStartOfQuarter({})",
        "month": "toStartOfMonth({})",
        "week": "toMonday({})",
        "day": "toStartOfDay({})",
        "hour": "toStartOfInterval({}, INTERVAL 1 HOUR)",
        "minute": "toStartOfInterval({}, INTERVAL 1 MINUTE)",
        "second": "toStartOfInterval({}, INTERVAL 1 SECOND)",
    }
    # TimeField values are HH:MM:SS.ffffff text (see DatabaseWrapper.data_types).
    _TIME_EXTRACT = {
        "hour": "toUInt8(substring({}, 1, 2))",
        "minute": "toUInt8(substring({}, 4, 2))",
        "second": "toUInt8(substring({}, 7, 2))",
    }
    _TIME_TRUNC = {
        "hour": "concat(substring({}, 1, 2), ':00:00.000000')",
        "minute": "concat(substring({}, 1, 5), ':00.000000')",
        "second": "concat(substring({}, 1, 8), '.000000')",
    }

    def _in_zone(self, sql: str, params, tzname: str | None):
        """The expression seen in the current time zone (UTC when USE_TZ is off), and
        the zone whose wall clock it shows.

        A fixed offset is no zone ClickHouse can load (Django names one ``-10``,
        ``+05`` or ``UTC+05:30``): the value is moved by it and read in UTC, whose wall
        clock is then the offset's, as PostgreSQL's ``AT TIME ZONE`` gives it."""
        if not (tzname and settings.USE_TZ):
            return sql, tuple(params), None
        offset = fixed_offset_seconds(tzname)
        if offset is None:
            return f"toTimeZone({sql}, %s)", (*params, tzname), tzname
        return f"addSeconds(toTimeZone({sql}, 'UTC'), %s)", (*params, offset), "UTC"

    @staticmethod
    def _template(templates: dict[str, str], lookup_type: str, kind: str) -> str:
        """The SQL of a date part or truncation; another name is refused before any SQL
        is built (see UnknownDatePartError)."""
        try:
            return templates[lookup_type]
        except KeyError:
            raise UnknownDatePartError(
                f"{lookup_type!r} is not a {kind} ClickHouse supports"
            ) from None

    def date_extract_sql(self, lookup_type, sql, params):
        return self._template(self._EXTRACT, lookup_type, "date part").format(sql), params

    def datetime_extract_sql(self, lookup_type, sql, params, tzname):
        sql, params, _ = self._in_zone(sql, params, tzname)
        return self.date_extract_sql(lookup_type, sql, params)

    def time_extract_sql(self, lookup_type, sql, params):
        template = self._template(self._TIME_EXTRACT, lookup_type, "time part")
        return template.format(sql), params

    def date_trunc_sql(self, lookup_type, sql, params, tzname=None):
        """A date, or a datetime truncated to a date (``Trunc(..., output_field=
        DateField())``), which is the date in ``tzname``."""
        template = self._template(self._TRUNC, lookup_type, "date truncation")
        sql, params, _ = self._in_zone(sql, params, tzname)
        return f"toDate32({template.format(sql)})", params

    def datetime_trunc_sql(self, lookup_type, sql, params, tzname):
        sql, params, zone = self._in_zone(sql, params, tzname)
        template = self._template(self._TRUNC, lookup_type, "datetime truncation")
        if zone is not None:
            return f"toDateTime64({template.format(sql)}, 6, %s)", (*params, zone)
        # USE_TZ = False: in the column's own zone, where its naive values are wall clock.
        return f"toDateTime64({template.format(sql)}, 6, timeZoneOf({sql}))", (*params, *params)

    def time_trunc_sql(self, lookup_type, sql, params, tzname=None):
        template = self._template(self._TIME_TRUNC, lookup_type, "time truncation")
        return template.format(sql), params

    def datetime_cast_date_sql(self, sql, params, tzname):
        sql, params, _ = self._in_zone(sql, params, tzname)
        return f"toDate32({sql})", params

    def datetime_cast_time_sql(self, sql, params, tzname):
        sql, params, _ = self._in_zone(sql, params, tzname)
        return f"formatDateTime({sql}, '%%H:%%i:%%S.%%f')", params

    def no_limit_value(self) -> None:
        """ClickHouse takes OFFSET without LIMIT."""
        return None

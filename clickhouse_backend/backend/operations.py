"""How Django's SQL is spelt for ClickHouse."""

from __future__ import annotations

import datetime

from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone


class DatabaseOperations(BaseDatabaseOperations):
    # ClickHouse names can be long; 255 keeps them portable as file names of parts.
    max_name_length_value = 255

    def quote_name(self, name: str) -> str:
        """A double-quoted identifier; quotes and backslashes inside are escaped."""
        if name.startswith('"') and name.endswith('"') and len(name) > 1:
            return name  # already quoted
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def max_name_length(self) -> int:
        return self.max_name_length_value

    def regex_lookup(self, lookup_type: str) -> str:
        """``regex`` and ``iregex`` as ClickHouse's match() (re2 syntax)."""
        if lookup_type == "regex":
            return "match(%s, %s)"
        return "match(%s, concat('(?i)', %s))"

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        """TRUNCATE each table: ClickHouse has no sequences to reset and no cascades."""
        return [
            f"{style.SQL_KEYWORD('TRUNCATE TABLE')} {style.SQL_FIELD(self.quote_name(table))}"
            for table in tables
        ]

    def adapt_timefield_value(self, value: datetime.time | None) -> str | None:
        """Times are stored as fixed-width ``HH:MM:SS.ffffff`` text, which sorts correctly."""
        if value is None:
            return None
        if timezone.is_aware(value):
            raise ValueError("Django does not support timezone-aware times.")
        return value.isoformat(timespec="microseconds")

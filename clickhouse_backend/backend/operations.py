"""How Django's SQL is spelt for ClickHouse."""

from __future__ import annotations

from django.db.backends.base.operations import BaseDatabaseOperations


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

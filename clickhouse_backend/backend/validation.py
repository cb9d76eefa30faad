"""Model checks for what ClickHouse silently would not do (``manage.py check``).

Uniqueness, secondary indexes and foreign keys are not enforced by ClickHouse, and the
schema editor writes no DDL for them. A model that asks for them gets one warning per
field, with what to do instead, rather than a silent difference.
"""

from __future__ import annotations

from django.core import checks
from django.db.backends.base.validation import BaseDatabaseValidation


class DatabaseValidation(BaseDatabaseValidation):
    def check_field(self, field, **kwargs) -> list[checks.CheckMessage]:
        messages = super().check_field(field, **kwargs)
        is_key = field.remote_field is not None and field.concrete
        if is_key and getattr(field, "db_constraint", False):
            messages.append(
                checks.Warning(
                    f"ClickHouse does not enforce foreign keys: {field.name} may point at "
                    "rows that do not exist.",
                    hint="Set db_constraint=False to acknowledge it.",
                    obj=field,
                    id="clickhouse_backend.W003",
                )
            )
        elif field.unique and not field.primary_key:
            messages.append(
                checks.Warning(
                    f"ClickHouse does not enforce uniqueness: {field.name} may hold duplicates.",
                    hint="Check values in Python before saving, or deduplicate with a "
                    "ReplacingMergeTree engine.",
                    obj=field,
                    id="clickhouse_backend.W001",
                )
            )
        if field.db_index and not is_key and not field.primary_key:
            messages.append(
                checks.Warning(
                    f"ClickHouse has no secondary indexes: db_index on {field.name} "
                    "creates nothing.",
                    hint="Put the column in the table's sorting key, or add a "
                    "data-skipping index to Meta.indexes.",
                    obj=field,
                    id="clickhouse_backend.W002",
                )
            )
        return messages

"""Model checks for ClickHouse-specific mistakes (run by ``manage.py check``)."""

from __future__ import annotations

from django.db.backends.base.validation import BaseDatabaseValidation


class DatabaseValidation(BaseDatabaseValidation):
    """ClickHouse's own checks arrive with the model layer (fields, engines, indexes)."""

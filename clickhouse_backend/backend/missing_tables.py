"""Name the migration to run when a query reaches a model table that is not there.

With a router, a project has two ``migrate`` commands to run; forgetting
``migrate --database clickhouse`` shows ClickHouse's UNKNOWN_TABLE, which names the table
but not the cause. Django turns driver errors into its own in one context manager; this
subclass of it adds the cause and the command before it does.
"""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.db import router
from django.db.utils import DatabaseErrorWrapper

from .. import driver

# The server's message names the table before it guesses at others ("Maybe you meant
# ...") and quotes the statement ("In scope ...").
_AFTER_THE_NAME = re.compile(r"\.? (Maybe you meant|In scope)\b.*", re.DOTALL)
_NAMES = re.compile(r"[\w.]+")


def missing_model_tables(alias: str, message: str) -> list[str]:
    """Labels of the models migrated to ``alias`` whose table the message names."""
    names = set()
    for name in _NAMES.findall(_AFTER_THE_NAME.sub("", message)):
        names.add(name)
        names.add(name.rpartition(".")[2])  # database.table
    return [
        model._meta.label
        for model in apps.get_models()
        if model._meta.db_table in names
        and model._meta.managed
        and router.allow_migrate_model(alias, model)
    ]


class ErrorWrapper(DatabaseErrorWrapper):
    """Django's error wrapper, with the command to run for a model's missing table."""

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        if isinstance(exc_value, driver.DatabaseError) and exc_value.name == "UNKNOWN_TABLE":
            alias = self.wrapper.alias
            models = missing_model_tables(alias, exc_value.message)
            if models:
                hint = (
                    f"{exc_value.message}. The table of {', '.join(models)} is not in "
                    f"DATABASES[{alias!r}]: run `manage.py migrate --database {alias}` "
                    "(plain `migrate` migrates the default database only)"
                )
                named = type(exc_value)(hint, code=exc_value.code, name=exc_value.name)
                named.__cause__ = exc_value
                exc_value = named
        super().__exit__(exc_type, exc_value, traceback)

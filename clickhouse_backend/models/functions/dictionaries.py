"""Dictionary lookups: ``dictGet("country_names", "name", "country_code",
output_field=StringField())`` reads an attribute of the dictionary's row whose key is
the value of ``country_code`` (a field, or any expression; ``Tuple(...)`` for a
composite key). The dictionary and attribute are names, passed as literals."""

# Classes are named as ClickHouse names its functions, not in CapWords.
# ruff: noqa: N801

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db.models import BooleanField, Field, Value

from .base import ClickHouseFunction

__all__ = ["dictGet", "dictGetOrDefault", "dictHas"]


class dictGet(ClickHouseFunction):
    """An attribute of a dictionary's row, by key; the attribute's default for a key
    the dictionary does not have."""

    def __init__(self, dictionary: str, attribute: str, key: Any, *more: Any, **extra: Any):
        for what, name in (("dictionary", dictionary), ("attribute", attribute)):
            if not isinstance(name, str) or not name:
                raise TypeError(f"{type(self).__name__}() {what} is a name (a str), not {name!r}")
        super().__init__(Value(dictionary), Value(attribute), key, *more, **extra)

    def _resolve_output_field(self) -> Field:
        raise FieldError(
            f"{type(self).__name__}() cannot tell the type of a dictionary's attribute; "
            "give output_field= (e.g. output_field=models.StringField())."
        )


class dictGetOrDefault(dictGet):
    """``dictGetOrDefault(dictionary, attribute, key, default)``: ``default`` for a key
    the dictionary does not have."""

    def __init__(self, dictionary: str, attribute: str, key: Any, default: Any, **extra: Any):
        super().__init__(dictionary, attribute, key, default, **extra)


class dictHas(ClickHouseFunction):
    """Whether the dictionary has a row with this key."""

    output_field = BooleanField()

    def __init__(self, dictionary: str, key: Any, **extra: Any):
        if not isinstance(dictionary, str) or not dictionary:
            raise TypeError(f"dictHas() dictionary is a name (a str), not {dictionary!r}")
        super().__init__(Value(dictionary), key, **extra)

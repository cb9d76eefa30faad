"""What the ClickHouse functions and aggregates of this package share: each class is
named as its ClickHouse function, and migrations write it as users import it."""

from __future__ import annotations

from typing import Any

from django.db.models import Field, Func

from ..deconstruct import public_path


class NamedAfterClass:
    """Mixed into a ``Func`` or ``Aggregate``: the SQL function is the class's own name
    (``toYYYYMM``) unless the class sets ``function``, and ``deconstruct()`` gives
    ``clickhouse_backend.models.<name>``, the path users import it from, so engine keys
    and indexes read in migrations as they do in models."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "function" not in cls.__dict__:
            cls.function = cls.__name__

    def deconstruct(self) -> tuple[str, tuple, dict]:
        args, kwargs = self._constructor_args
        return public_path(type(self)), args, kwargs


class ClickHouseFunction(NamedAfterClass, Func):
    """A ClickHouse function under its own name."""

    def source_field(self, position: int = 0) -> Field | None:
        """The type of an argument, None when it has none (NULL) or does not exist."""
        sources = self.get_source_expressions()
        if position >= len(sources):
            return None
        return sources[position]._output_field_or_none

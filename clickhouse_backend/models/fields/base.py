"""What every ClickHouse field shares: its type in DDL, its column options (``codec=``,
``ttl=``, ``materialized=``, ``alias=``, ``ephemeral=``), its import path in migrations,
``low_cardinality=``, and refusing values ClickHouse would silently clamp or wrap."""

from __future__ import annotations

import enum
from typing import Any, ClassVar

from django.core import checks
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connections, router
from django.db.models.expressions import DatabaseDefault, RawSQL, Value
from django.db.models.sql import Query
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from ..engines import sql_text
from ..sql.insert_values import prepare_builtin_column
from .column_options import (
    COMPUTED_KINDS,
    checked_codec,
    checked_expression,
    computed_kind,
    refuse_conflicts,
)

# Migrations import the fields from here, whichever module defines them.
PUBLIC_MODULE = "clickhouse_backend.models"


class ClickHouseField:
    """Mixed into a Django field: its column is ``clickhouse_type()``, with the column
    options ``codec=``, ``ttl=`` and one of ``materialized=``, ``alias=``, ``ephemeral=``
    (docs/fields.md, "Column options"), each SQL text or a Django expression.

    A MATERIALIZED or ALIAS column is what Django calls a generated field
    (``generated``): never written by ``save()``, ``bulk_create()`` or ``update()``,
    read back after an insert, and not editable in forms. An EPHEMERAL column is
    written only on insert (an input of other columns' defaults) and never read: the
    ORM selects NULL in its place (``reads``) and leaves it out of updates (``edits``).
    """

    def __init__(
        self,
        *args: Any,
        codec: str | None = None,
        ttl: Any = None,
        materialized: Any = None,
        alias: Any = None,
        ephemeral: Any = None,
        **kwargs: Any,
    ):
        owner = type(self).__name__
        self.codec = checked_codec(owner, codec)
        self.ttl = checked_expression(owner, "ttl", ttl)
        options = {
            "materialized": checked_expression(owner, "materialized", materialized),
            "alias": checked_expression(owner, "alias", alias),
            "ephemeral": checked_expression(owner, "ephemeral", ephemeral),
        }
        self.materialized, self.alias, self.ephemeral = options.values()
        self.computed = computed_kind(owner, options)
        if self.computed:
            # The value may be left out: ClickHouse computes it. Blank, and taking ''
            # as Django's GeneratedField does, makemigrations asks for no one-off
            # default when the field is added to a table.
            kwargs.setdefault("blank", True)
            self.empty_strings_allowed = True
        if self.generated:
            kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)
        refuse_conflicts(owner, self, self.computed, self.codec, self.ttl)

    @property
    def generated(self) -> bool:
        """Whether ClickHouse computes every value (MATERIALIZED or ALIAS): Django then
        leaves the column out of inserts and updates, as for its GeneratedField."""
        return self.computed in ("materialized", "alias")

    @property
    def db_returning(self) -> bool:
        """A computed column is read back after an insert (by id, as RETURNING would)."""
        return self.generated or super().db_returning

    @property
    def expression(self):
        """The computed column's expression (Django's name: migrations read the fields
        it refers to from it); None for a stored column or a bare EPHEMERAL."""
        if self.computed is None or getattr(self, self.computed) is True:
            return None
        return self.column_expression(self.computed)

    @cached_property
    def referenced_fields(self) -> frozenset:
        """The fields a MATERIALIZED or ALIAS column is computed from, under the name
        Django's GeneratedField gives them: Django 6's ``save()`` reads the column again
        when one of them was written. SQL text may read any column, so it counts as
        computed from every field that is written."""
        if not self.generated:
            raise AttributeError(f"{type(self).__name__} {self.name!r} is not a computed column")
        expression = self.expression
        if isinstance(expression, RawSQL):
            return frozenset(
                field for field in self.model._meta.concrete_fields if not field.generated
            )
        query = Query(model=self.model, alias_cols=False)
        resolved = expression.resolve_expression(query, allow_joins=False)
        return frozenset(column.target for column in query._gen_cols([resolved]))

    @cached_property
    def output_field(self):
        """The type of a computed column's values, under the name Django's
        GeneratedField gives it (validating constraints reads it): the same field
        without its computed option. Other fields have none (an expression's
        ``hasattr(field, "output_field")`` must stay false for them)."""
        if not self.generated:
            raise AttributeError(f"{type(self).__name__} {self.name!r} is not a computed column")
        _, _, args, kwargs = self.deconstruct()
        kwargs.pop(self.computed)
        return type(self)(*args, **kwargs)

    def column_expression(self, option: str):
        """The expression of a column option (ttl, materialized ...): SQL text as a
        RawSQL written as it is, or the Django expression given."""
        return sql_text(option, getattr(self, option))

    def get_default(self):
        """An EPHEMERAL column without default= is left out of the INSERT, so that
        ClickHouse gives it its own (``ephemeral="expr"``, or the type's)."""
        if self.computed == "ephemeral" and not self.has_default():
            return DatabaseDefault(Value(None), output_field=self)
        return super().get_default()

    def clickhouse_type(self) -> str:
        raise NotImplementedError(f"{type(self).__name__} must name its ClickHouse type")

    def db_type(self, connection) -> str:
        return self.clickhouse_type()

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if path.startswith(f"{PUBLIC_MODULE}.fields."):
            path = f"{PUBLIC_MODULE}.{path.rsplit('.', 1)[1]}"
        # What __init__ sets for a computed column.
        if self.generated and kwargs.get("editable") is False:
            del kwargs["editable"]
        if self.computed and kwargs.get("blank") is True:
            del kwargs["blank"]
        for option in ("codec", "ttl", *COMPUTED_KINDS):
            if getattr(self, option) is not None:
                kwargs[option] = getattr(self, option)
        return name, path, args, kwargs

    def refuse(self, value: Any, reason: str) -> DataError:
        """The error for a value that must not reach ClickHouse, naming field and value."""
        return DataError(f"{self.label}: {value!r} {reason}")

    @property
    def label(self) -> str:
        model = getattr(self, "model", None)
        return f"{model.__name__}.{self.name}" if model is not None else str(self.name)


class LowCardinality(enum.Enum):
    """What ClickHouse does with ``LowCardinality(T)`` for a field's type T."""

    ALLOWED = "allowed"
    SUSPICIOUS = "suspicious"  # refused unless allow_suspicious_low_cardinality_types = 1
    REFUSED = "refused"


class LowCardinalityMixin(ClickHouseField):
    """``low_cardinality=True`` stores the column as ``LowCardinality(T)``: a dictionary of
    its distinct values and small per-row positions, which makes columns of a few
    thousand distinct strings smaller and faster to filter and group.

    ``null=True`` then gives ``LowCardinality(Nullable(T))``: ClickHouse accepts no other
    order. Which types may be LowCardinality is ClickHouse's rule, stated per field
    class by ``low_cardinality_support``; a field that asks for what ClickHouse refuses
    fails the system checks with a hint instead of failing at ``migrate``.
    """

    low_cardinality_support: ClassVar[LowCardinality] = LowCardinality.ALLOWED

    def __init__(self, *args, low_cardinality: bool = False, **kwargs):
        self.low_cardinality = low_cardinality
        super().__init__(*args, **kwargs)

    def db_type(self, connection) -> str:
        column_type = super().db_type(connection)
        if not self.low_cardinality:
            return column_type
        if self.null:
            column_type = f"Nullable({column_type})"
        return f"LowCardinality({column_type})"

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.low_cardinality:
            kwargs["low_cardinality"] = True
        return name, path, args, kwargs

    def check(self, **kwargs) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._check_low_cardinality(kwargs.get("databases"))]

    def _check_low_cardinality(self, databases) -> list[checks.CheckMessage]:
        if not self.low_cardinality:
            return []
        column_type = f"LowCardinality({self.clickhouse_type()})"
        if self.low_cardinality_support is LowCardinality.REFUSED:
            return [
                checks.Error(
                    f"ClickHouse has no {column_type} type.",
                    hint="Remove low_cardinality=True; LowCardinality applies to strings, "
                    "UUID, integers, floats, Bool, Date, DateTime and IP addresses.",
                    obj=self,
                    id="clickhouse_backend.E101",
                )
            ]
        if self.low_cardinality_support is LowCardinality.ALLOWED:
            return []
        messages = []
        for alias in databases or ():
            connection = connections[alias]
            if connection.vendor != "clickhouse" or not router.allow_migrate_model(
                alias, self.model
            ):
                continue
            session = connection.settings_dict.get("OPTIONS", {}).get("settings") or {}
            if not session.get("allow_suspicious_low_cardinality_types"):
                messages.append(
                    checks.Error(
                        f"ClickHouse refuses to create a {column_type} column unless the "
                        "allow_suspicious_low_cardinality_types setting is on.",
                        hint="Remove low_cardinality=True (for numbers, dates and addresses "
                        "it is rarely faster than the plain type), or add "
                        '"allow_suspicious_low_cardinality_types": 1 to '
                        f"DATABASES[{alias!r}]['OPTIONS']['settings'].",
                        obj=self,
                        id="clickhouse_backend.E102",
                    )
                )
        return messages


class TypeRangeValidator:
    """Refuses values outside the range of the field's ClickHouse type."""

    message = _("Ensure this value is between %(low)s and %(high)s (ClickHouse's %(type)s).")
    code = "out_of_range"

    def __init__(self, field: BoundedMixin):
        self.field = field

    def __call__(self, value: Any) -> None:
        if value is not None and not self.field.in_range(value):
            low, high = self.field.value_range()
            raise ValidationError(
                self.message,
                code=self.code,
                params={"low": low, "high": high, "type": self.field.clickhouse_type()},
            )


class BoundedMixin(ClickHouseField):
    """A ClickHouse type with a range: out-of-range values are refused in Python.

    ClickHouse would clamp them (dates) or the driver would refuse them with a message
    that names neither the field nor the value. ``full_clean()`` raises a
    ``ValidationError``; ``save()``, ``bulk_create()`` and ``update()`` raise a
    ``DataError`` naming both before anything of the statement is sent.
    """

    def value_range(self) -> tuple[Any, Any]:
        raise NotImplementedError(f"{type(self).__name__} must give its range")

    def in_range(self, value: Any) -> bool:
        low, high = self.value_range()
        return low <= value <= high

    @cached_property
    def validators(self) -> list:
        # Not super().validators: Django's IntegerField asks the *default* database for
        # a range, and this column's range is its ClickHouse type's.
        return [*self.default_validators, *self._validators, TypeRangeValidator(self)]

    def get_db_prep_save(self, value: Any, connection) -> Any:
        prepared = super().get_db_prep_save(value, connection)
        if prepared is None or hasattr(prepared, "as_sql"):
            return prepared
        if not self.in_range(prepared):
            low, high = self.value_range()
            raise self.refuse(  # the value as given: 10**39, not the float it became
                value,
                f"is outside the range of ClickHouse's {self.clickhouse_type()} ({low} to {high})",
            )
        return prepared


class ColumnPreparedMixin(ClickHouseField):
    """A field whose INSERT columns are prepared at once (``insert_values``), not value
    by value: by the column kind of the Django field ``column_kind`` names (the field's
    own internal type by default), which converts only the values that are not already
    what the column takes, and checks the column type's range as a whole.

    A value refused column-wise is refused with the error ``save()`` gives, from the
    field's own ``get_db_prep_save()``: which value, and in which words, does not
    depend on the path. Subclasses with checks of their own extend ``prepare_column()``.
    """

    column_kind: ClassVar[str | None] = None

    def get_db_prep_column(self, values: list, connection) -> list:
        try:
            return self.prepare_column(values, connection)
        except (DataError, IntegrityError):
            for value in values:  # the first value the field refuses, in its words
                self.get_db_prep_save(value, connection)
            raise

    def prepare_column(self, values: list, connection) -> list:
        """The values the driver takes; a DataError (``column_refused()``) if one does
        not fit, which the field's own error naming the value replaces."""
        return prepare_builtin_column(self, values, connection, self.column_kind)

    def column_refused(self, reason: str) -> DataError:
        return DataError(f"{self.label}: a value {reason}")


class DjangoPreparedMixin(ColumnPreparedMixin):
    """A field whose values are prepared as its Django class prepares them, so that
    inserts take that class's column-at-a-time path (``insert_values``).

    A value Django cannot convert is a ``DataError`` on save naming the field and the
    value (Django raises a ``ValidationError`` or ``ValueError`` that names neither, or
    only the field); ``full_clean()`` still gives Django's ``ValidationError``. Checks a
    subclass adds to ``get_db_prep_save()`` must be made column-wise too, by the column
    kind or in ``prepare_column()``.
    """

    invalid_value: ClassVar[str] = "cannot be converted for its column"

    def get_db_prep_save(self, value: Any, connection) -> Any:
        try:
            return super().get_db_prep_save(value, connection)
        except OverflowError:  # an int too large for a float
            raise self.refuse(
                value, f"is too large for ClickHouse's {self.clickhouse_type()}"
            ) from None
        except (ValidationError, TypeError, ValueError, ArithmeticError):
            raise self.refuse(value, self.invalid_value) from None

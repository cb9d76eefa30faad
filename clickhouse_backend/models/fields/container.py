"""What ClickHouse's container types (``Array``, ``Map``, ``Tuple``) share as fields.

A container holds *element fields*: ordinary field instances that say how each element
is typed, checked, converted and read, exactly as the same field would do for a column
of its own. So an ``ArrayField(IPv6Field())`` reads its elements as the strings an
``IPv6Field`` column gives, and refuses an element an ``IPv6Field`` would refuse.

Each container class says how to walk its values (``elements()`` and ``rebuild()``);
everything that converts or checks a value element by element is written once here, on
top of that walk, and keeps the position of an element that fails (``[2][0]``,
``['key']``, ``.x``) for its error message.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from django import forms
from django.core import checks, exceptions
from django.db import DataError, IntegrityError, models
from django.db.models.expressions import Col
from django.utils.translation import gettext_lazy as _

from .base import ClickHouseField

# A step into a container: its text in messages ("[0]", "['k']", ".x"), the element's
# field and the element's value.
Step = tuple[str, models.Field, Any]
ELEMENT_ERRORS = (exceptions.ValidationError, DataError, IntegrityError, ValueError, TypeError)
_JSON_NATIVE = (str, int, float, type(None))


class ElementError(Exception):
    """An element that failed a conversion or check, and where it is in the value."""

    def __init__(self, path: str, value: Any, error: Exception):
        super().__init__(path, value, error)
        self.path, self.value, self.error = path, value, error

    def detail(self, labels: tuple[str, ...]) -> str:
        """The element's own error, without a field label it may start with."""
        if isinstance(self.error, exceptions.ValidationError):
            return " ".join(self.error.messages)
        text = str(self.error)
        for label in labels:
            if text.startswith(f"{label}: "):
                return text[len(label) + 2 :]
        return text


class ContainerField(ClickHouseField, models.Field):
    """A column of a ClickHouse container type; subclasses name its parts."""

    empty_strings_allowed = False
    type_name: ClassVar[str]
    shape_name: ClassVar[str]  # what a value must be, for messages: "a list"
    # The value of an empty form entry: an empty container, or None where none exists.
    empty_value: ClassVar[Callable[[], Any] | None] = None

    def __init__(self, *args, low_cardinality: bool = False, **kwargs):
        # Accepted so that the check can explain that ClickHouse refuses it.
        self.low_cardinality = low_cardinality
        super().__init__(*args, **kwargs)

    # -- what subclasses define -----------------------------------------------------

    def element_fields(self) -> list[models.Field]:
        """The fields of the elements, in the order they appear in the type."""
        raise NotImplementedError

    def type_arguments(self, connection) -> str:
        """What goes between the parentheses of the ClickHouse type."""
        raise NotImplementedError

    def is_shaped(self, value: Any) -> bool:
        """Whether the value is of this container's Python shape."""
        raise NotImplementedError

    def elements(self, value: Any) -> Iterator[Step]:
        """Each element of a well-shaped value, with its position and field."""
        raise NotImplementedError

    def rebuild(self, value: Any, converted: list) -> Any:
        """A value of the same shape from the converted elements (in elements() order)."""
        raise NotImplementedError

    def read_converter(self, connection) -> Callable[[Any], Any] | None:
        """How to turn the driver's value into the Python value; None if it already is."""
        raise NotImplementedError

    # -- the column -----------------------------------------------------------------

    def db_type(self, connection) -> str:
        return f"{self.type_name}({self.type_arguments(connection)})"

    def get_internal_type(self) -> str:
        return type(self).__name__

    def get_default(self) -> Any:
        """An empty container without a default or a db_default (ClickHouse has no NULL
        one)."""
        if self.has_default() or self.has_db_default() or self.empty_value is None:
            return super().get_default()
        return self.empty_value()

    def set_attributes_from_name(self, name: str) -> None:
        super().set_attributes_from_name(name)
        for field in self.element_fields():
            if isinstance(field, models.Field):  # else the check says what is wrong
                field.set_attributes_from_name(name)

    def contribute_to_class(self, cls, name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        self.adopt_elements(cls)

    def adopt_elements(self, model) -> None:
        """Give the element fields, to any depth, the model: their messages and checks
        name it."""
        for field in self.element_fields():
            if isinstance(field, models.Field):
                field.model = model
            if isinstance(field, ContainerField):
                field.adopt_elements(model)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.low_cardinality:
            kwargs["low_cardinality"] = True
        return name, path, args, kwargs

    # -- checks ---------------------------------------------------------------------

    def check(self, **kwargs) -> list[checks.CheckMessage]:
        messages = [*super().check(**kwargs), *self._check_container()]
        if not any(message.id == "clickhouse_backend.E122" for message in messages):
            messages += self._check_elements(**kwargs)
        return messages

    def _check_container(self) -> list[checks.CheckMessage]:
        messages = []
        if self.null:
            messages.append(
                checks.Error(
                    f"ClickHouse has no Nullable({self.type_name}) type: "
                    f"{type(self).__name__} cannot be null=True.",
                    hint=f"Remove null=True and store an empty {self.type_name.lower()} "
                    "for 'no value' (default=list or dict), or make the elements nullable "
                    "(null=True on the element field).",
                    obj=self,
                    id="clickhouse_backend.E120",
                )
            )
        if self.low_cardinality:
            messages.append(
                checks.Error(
                    f"ClickHouse has no LowCardinality({self.type_name}) type.",
                    hint="Remove low_cardinality=True from the container; put it on the "
                    "element field instead (e.g. ArrayField(StringField(low_cardinality=True))).",
                    obj=self,
                    id="clickhouse_backend.E121",
                )
            )
        for field in self.element_fields():
            if not isinstance(field, models.Field) or field.is_relation:
                messages.append(
                    checks.Error(
                        f"{type(self).__name__}'s elements must be field instances such as "
                        f"StringField(), not {field!r}.",
                        hint="Relations (ForeignKey ...) cannot be elements.",
                        obj=self,
                        id="clickhouse_backend.E122",
                    )
                )
        return messages

    def _check_elements(self, **kwargs) -> list[checks.CheckMessage]:
        """The element fields' own checks, reported on this field."""
        messages = []
        for field in self.element_fields():
            for message in field.check(**kwargs):
                message.msg = f"{type(self).__name__} element: {message.msg}"
                message.obj = self
                messages.append(message)
        return messages

    # -- walking values -------------------------------------------------------------

    def walk(self, value: Any, leaf: Callable[[models.Field, Any], Any], path: str = "") -> Any:
        """The value with ``leaf(field, element)`` applied to each element that is not
        itself a container (those are walked in turn); ElementError for a failure."""
        if not self.is_shaped(value):
            raise ElementError(path, value, TypeError(f"is not {self.shape_name}"))
        converted = []
        for step, field, element in self.elements(value):
            where = path + step
            if isinstance(field, ContainerField):
                converted.append(field.walk(element, leaf, where))
                continue
            try:
                converted.append(leaf(field, element))
            except ELEMENT_ERRORS as error:
                raise ElementError(where, element, error) from error
        return self.rebuild(value, converted)

    def labels(self) -> tuple[str, ...]:
        """How messages of this field and its elements name it, to strip them."""
        model = getattr(self, "model", None)
        if model is None:
            return (str(self.name),)
        return (f"{model.__name__}.{self.name}", f"{model._meta.label}.{self.name}", self.name)

    def refuse_element(self, value: Any, problem: ElementError) -> DataError:
        detail = problem.detail(self.labels())
        if not problem.path:
            return self.refuse(value, detail)
        shown = repr(problem.value)
        if not detail.startswith(shown):  # the element's own message may name it already
            detail = f"{shown}: {detail}"
        return self.refuse(value, f"cannot be stored: at {problem.path}, {detail}")

    def refuse_misshapen(self, values: list) -> None:
        """Raise for the first value that is not of this container's shape."""
        for value in values:
            if not self.is_shaped(value):
                if value is None:
                    raise self.none_refused(value)
                raise self.refuse(value, f"is not {self.shape_name}")

    def locate_refusal(self, values: list, connection) -> Exception:
        """The error naming the first row and element that cannot be stored (the slow
        way, element by element: only after the column was refused)."""
        from ..sql.insert_values import prepare_column  # the SQL package imports fields

        def prepare(field: models.Field, element: Any) -> Any:
            refuse_null_element(field, element)
            return prepare_column(field, [element], connection)

        for value in values:
            try:
                self.walk(value, prepare)
            except ElementError as problem:
                return self.refuse_element(value, problem)
        return self.refuse(values, "cannot be stored")

    def invalid_element(self, problem: ElementError) -> exceptions.ValidationError:
        if not problem.path:
            return exceptions.ValidationError(
                _("Enter %(shape)s."), code="invalid", params={"shape": self.shape_name}
            )
        return exceptions.ValidationError(
            _("Element %(path)s (%(value)r): %(detail)s"),
            code="invalid_element",
            params={
                "path": problem.path,
                "value": problem.value,
                "detail": problem.detail(self.labels()),
            },
        )

    # -- Python values --------------------------------------------------------------

    def to_python(self, value: Any) -> Any:
        """A value from text (serializers, forms) or Python, elements converted by
        their fields' to_python()."""
        if value is None:
            return None
        if isinstance(value, str):
            value = self.parse_json(value)
        try:
            return self.walk(value, lambda field, element: field.to_python(element))
        except ElementError as problem:
            raise self.invalid_element(problem) from None

    def parse_json(self, text: str) -> Any:
        """The value's JSON form (``to_json()``'s), parsed; elements not yet converted."""
        try:
            return json.loads(text)
        except ValueError:
            raise exceptions.ValidationError(
                _("Enter %(shape)s as JSON."), code="invalid", params={"shape": self.shape_name}
            ) from None

    def to_json(self, value: Any) -> Any:
        """The value with its elements as JSON can hold them (their fields' text form)."""
        return self.walk(value, _element_json)

    def value_to_string(self, obj) -> str:
        return json.dumps(self.to_json(self.value_from_object(obj)), ensure_ascii=False)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or hasattr(value, "resolve_expression"):
            return value
        try:
            return self.walk(value, lambda field, element: field.get_prep_value(element))
        except ElementError as problem:
            raise self.refuse_element(value, problem) from None

    def get_db_prep_value(self, value: Any, connection, prepared: bool = False) -> Any:
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or hasattr(value, "as_sql"):
            return value
        try:
            return self.walk(
                value,
                lambda field, element: field.get_db_prep_value(element, connection, True),
            )
        except ElementError as problem:
            raise self.refuse_element(value, problem) from None

    def get_db_prep_save(self, value: Any, connection) -> Any:
        """Each element as its field saves it (range checks included): update() and
        single values. Inserts go through get_db_prep_column()."""
        if value is None:
            raise self.none_refused(value)
        if hasattr(value, "as_sql"):
            return value

        def prepare(field: models.Field, element: Any) -> Any:
            refuse_null_element(field, element)
            return field.get_db_prep_save(element, connection)

        try:
            return self.walk(value, prepare)
        except ElementError as problem:
            raise self.refuse_element(value, problem) from None

    def none_refused(self, value: Any) -> IntegrityError:
        instead = "store an empty one" if self.empty_value else "give it a value or a default"
        return IntegrityError(
            f"{self.labels()[0]}: None cannot be stored, ClickHouse has no NULL "
            f"{self.type_name}; {instead} instead; nothing was written"
        )

    def validate(self, value: Any, model_instance) -> None:
        super().validate(value, model_instance)
        if value is None:
            return

        def check(field: models.Field, element: Any) -> Any:
            field.validate(element, model_instance)
            field.run_validators(element)
            return element

        try:
            self.walk(value, check)
        except ElementError as problem:
            raise self.invalid_element(problem) from None

    # -- reading --------------------------------------------------------------------

    def get_db_converters(self, connection) -> list:
        convert = self.read_converter(connection)
        if convert is None:
            return super().get_db_converters(connection)

        def from_db(value: Any, expression, connection) -> Any:
            return None if value is None else convert(value)

        return [*super().get_db_converters(connection), from_db]

    # -- forms ----------------------------------------------------------------------

    def formfield(self, **kwargs):
        return super().formfield(
            **{"form_class": ContainerFormField, "model_field": self, **kwargs}
        )


def element_type(field: models.Field, connection) -> str:
    """The ClickHouse type of an element: Nullable when the element field is null=True
    (LowCardinality fields say so themselves, in ClickHouse's order)."""
    column_type = field.db_type(connection)
    if field.null and not column_type.startswith(("Nullable(", "LowCardinality(Nullable(")):
        return f"Nullable({column_type})"
    return column_type


def refuse_null_element(field: models.Field, element: Any) -> None:
    if element is None and not field.null:
        raise IntegrityError(
            "None: the elements are not nullable (give the element field null=True to allow it)"
        )


def unchanged(value: Any) -> Any:
    """The converter of an element that needs none, beside one that does."""
    return value


def element_converter(field: models.Field, connection) -> Callable[[Any], Any] | None:
    """How a value of ``field`` as the driver reads it becomes the field's Python value,
    as for a column of that field: the backend's and the field's converters."""
    if isinstance(field, ContainerField):
        return field.read_converter(connection)
    expression = Col(None, field)
    functions = [
        *connection.ops.get_db_converters(expression),
        *field.get_db_converters(connection),
    ]
    if not functions:
        return None

    def convert(value: Any) -> Any:
        for function in functions:
            value = function(value, expression, connection)
        return value

    return convert


def _element_json(field: models.Field, value: Any) -> Any:
    """An element as JSON holds it: numbers, text, None as is; others as the field's text."""
    if isinstance(value, _JSON_NATIVE):
        return value
    return field.value_to_string(types.SimpleNamespace(**{field.attname: value}))


def element_form_field(field: models.Field) -> forms.Field:
    """The form field that cleans one element: the element field's own, optional when
    the element may be null or blank."""
    form_field = field.formfield(required=not (field.null or field.blank))
    if form_field is None:
        raise exceptions.ImproperlyConfigured(f"{field!r} has no form field for its elements")
    return form_field


class ContainerFormField(forms.Field):
    """A container edited as JSON text in a textarea (``["a", "b"]``, ``{"k": 1}``),
    each element cleaned by the form field of its element field: the same errors, with
    the element's position."""

    widget = forms.Textarea

    def __init__(self, *, model_field: ContainerField, **kwargs):
        self.model_field = model_field
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        try:
            return json.dumps(self.model_field.to_json(value), ensure_ascii=False)
        except ElementError:
            return value

    def to_python(self, value: Any) -> Any:
        model_field = self.model_field
        if value in self.empty_values and not isinstance(value, (list, dict, tuple)):
            return model_field.empty_value() if model_field.empty_value else None
        if isinstance(value, str):
            value = model_field.parse_json(value)
        forms_by_field: dict[int, forms.Field] = {}

        def clean(field: models.Field, element: Any) -> Any:
            form_field = forms_by_field.get(id(field))
            if form_field is None:
                form_field = forms_by_field[id(field)] = element_form_field(field)
            if element is None and (field.null or field.blank):
                return None
            return form_field.clean(element)

        try:
            return model_field.walk(value, clean)
        except ElementError as problem:
            raise model_field.invalid_element(problem) from None

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            data = self.to_python(data)
        except forms.ValidationError:
            return True
        return self.model_field.get_prep_value(initial) != self.model_field.get_prep_value(data)

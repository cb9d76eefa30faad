"""The field whose ClickHouse type a foreign key's column takes."""

from django.db.models import Field
from django.db.models.fields import AutoFieldMixin


def typed_as(field: Field) -> Field:
    """The auto id a key ends at, else the field itself.

    Django types a key to an AutoField as IntegerField (Int32), but auto ids here are
    64-bit; a key to a multi-table child's parent link ends at the parent's id too.
    """
    target = field
    while target.is_relation and target.target_field is not None:
        target = target.target_field
    if target is not field and isinstance(target, AutoFieldMixin):
        return target
    return field

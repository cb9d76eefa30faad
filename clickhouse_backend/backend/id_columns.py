"""The ClickHouse type of the columns that hold generated ids.

Auto ids here are 64-bit (about 2.5e17, see operations.py), where Django types the
columns that hold them for 32-bit ids: a key to an AutoField is an IntegerField, and
contenttypes' ``object_id`` is usually a PositiveIntegerField. Those columns are made
64-bit here, so the ids fit; every other column is what ``field.db_type()`` says.
"""

import re

from django.db.models import Field
from django.db.models.fields import AutoFieldMixin

# A narrower integer type, in a type that may wrap it (Nullable(UInt32)).
_NARROW_INTEGER = re.compile(r"\b(U?)Int(8|16|32)\b")


def column_db_type(field: Field, connection) -> str | None:
    """The type of ``field``'s column on ``connection``."""
    target = field
    while target.is_relation and target.target_field is not None:
        # A key to a key (to a multi-table child's parent link) ends at the id.
        target = target.target_field
    if target is not field and isinstance(target, AutoFieldMixin):
        return target.db_type(connection)
    db_type = field.db_type(connection)
    if db_type and holds_generic_ids(field):
        return _NARROW_INTEGER.sub(r"\1Int64", db_type)
    return db_type


def holds_generic_ids(field: Field) -> bool:
    """Whether ``field`` is the ``object_id`` of a GenericForeignKey of its model."""
    model = getattr(field, "model", None)
    if model is None:
        return False
    return any(
        getattr(private, "fk_field", None) == field.name for private in model._meta.private_fields
    )

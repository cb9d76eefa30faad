"""Which columns ClickHouse computes: the MATERIALIZED, ALIAS and EPHEMERAL column
options of this package's fields (``models/fields/column_options.py``), and Django's
GeneratedField (MATERIALIZED when ``db_persist``, else ALIAS). The schema editor and a
table rebuild ask these, without importing the fields (backend/ does not import
models/ at module level)."""

from __future__ import annotations

from django.db.models import Field, GeneratedField


def computed_kind(field: Field) -> str | None:
    """Which of materialized=, alias= and ephemeral= a field of this package sets
    ("materialized" ...); None for any other field."""
    return getattr(field, "computed", None)


def is_stored(field: Field) -> bool:
    """Whether the column holds values a copy of its rows must carry: not an ALIAS
    (Django's GeneratedField with db_persist=False too), which takes no INSERT, nor an
    EPHEMERAL column, which takes no SELECT."""
    if computed_kind(field) in ("alias", "ephemeral"):
        return False
    return not (isinstance(field, GeneratedField) and not field.db_persist)

"""Projections for ``Meta.indexes``: a second copy of a MergeTree table's rows, sorted
or pre-aggregated another way, which ClickHouse reads instead of the table when a query
is cheaper on it.

A ``Projection`` lives in ``Meta.indexes`` beside the data-skipping indexes, so that
``makemigrations`` writes ``AddIndex`` / ``RemoveIndex`` for it as for any index. The
schema editor writes it inline in CREATE TABLE, and adds it to an existing table with
``ALTER TABLE ... ADD PROJECTION``, then ``MATERIALIZE PROJECTION`` so that the rows
already there are covered too (a mutation, waited for under ``mutations_sync``).
"""

from __future__ import annotations

import re

from django.db import models

from .deconstruct import public_path

__all__ = ["Projection"]

_SELECT = re.compile(r"\s*SELECT\s", re.IGNORECASE)


class Projection(models.Index):
    """``Projection(name="by_name", query="SELECT * ORDER BY name")``.

    ``query`` is ClickHouse's projection query, as written in ``PROJECTION name
    (query)``: a SELECT without FROM, with ORDER BY (another sorting of the rows) or
    GROUP BY (aggregates kept up to date as rows are inserted).

    A Django ``Index`` must name fields; a projection names none of its own (its query
    says which columns it keeps), so the index's field lists stay empty and only
    ``name`` is shared with Django's machinery (migrations, name checks).
    """

    def __init__(self, *, name: str, query: str):
        if not isinstance(name, str) or not name:
            raise ValueError("A Projection needs a name (name=...).")
        if not isinstance(query, str) or not _SELECT.match(query):
            raise ValueError(
                f"Projection {name!r}: query= takes the projection's SELECT, such as "
                f'"SELECT * ORDER BY name", not {query!r}'
            )
        self.name = name
        self.query = query.strip()
        # What Django's Index methods and checks read: no fields, no expressions.
        self.fields, self.fields_orders, self.expressions = [], [], ()
        self.db_tablespace, self.opclasses, self.condition, self.include = None, (), None, ()

    def deconstruct(self) -> tuple[str, tuple, dict]:
        return public_path(type(self)), (), {"name": self.name, "query": self.query}

    def create_sql(self, model, schema_editor, using: str = "", **kwargs):
        return schema_editor.add_projection_sql(model, self)

    def remove_sql(self, model, schema_editor, **kwargs):
        return schema_editor.drop_projection_sql(model, self)

    def __repr__(self) -> str:
        return f"<Projection: name={self.name!r} query={self.query!r}>"

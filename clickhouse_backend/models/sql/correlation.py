"""Subqueries that refer to the query around them, on a table that query reads too.

Django writes the outer query's columns by its aliases, and the first alias of a table
is the table's own name: ``... FROM "node" WHERE EXISTS(SELECT 1 FROM "node" U0 WHERE
U0."parent_id" = "node"."id")``. ClickHouse resolves ``"node"."id"`` inside the
subquery to the subquery's own table (it reads a table of that name, under whatever
alias), so each row is compared with itself and the answer is silently wrong. Under
aliases of its own (``FROM "node" V0 ... = V0."id"``) the outer query is named
unambiguously and ClickHouse answers as SQL means.

A SELECT takes such aliases as Django gives them to subqueries (``bump_prefix``). An
``UPDATE``/``DELETE`` cannot alias the table it changes: its rows are picked instead as
``pk IN (SELECT pk FROM <table> under other aliases WHERE ...)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models.expressions import Col, ColPairs, OuterRef, ResolvedOuterRef
from django.db.models.sql import Query
from django.utils.tree import Node


@dataclass
class _Within:
    """What the subqueries nested in a query, at any depth, read and refer to."""

    tables: set[str] = field(default_factory=set)
    # Table aliases of the columns written inside them (their own and the outer ones).
    aliases: set[str] = field(default_factory=set)
    # An OuterRef not resolved yet (a subquery in order_by() is resolved when the
    # statement is written): it may name any alias of the query around it.
    outer_ref: bool = False


def shadowed_aliases(query: Query) -> set[str]:
    """The aliases of ``query`` that a subquery nested in it refers to while it reads
    a table of that name: ClickHouse would take them for that table."""
    within = _Within()
    for part in _parts(query):
        _visit(part, within, nested=False)
    aliases = set(query.alias_map)
    referred = aliases if within.outer_ref else within.aliases & aliases
    return referred & within.tables


def refers_to(expression, aliases: set[str]) -> bool:
    """Whether a subquery in ``expression`` refers to one of ``aliases`` (or has an
    OuterRef still to be resolved)."""
    within = _Within()
    _visit(expression, within, nested=False)
    return within.outer_ref or bool(within.aliases & aliases)


def with_own_aliases(query: Query) -> Query:
    """A copy of ``query`` whose aliases are none of the names its subqueries read or
    refer to (nor those of the queries around it): Django's own renaming of a
    subquery's aliases, ``bump_prefix``, done to the query itself."""
    clone = query.clone()
    # clone() shares the lists of aliases by table, which renaming changes in place.
    clone.table_map = {table: list(aliases) for table, aliases in clone.table_map.items()}
    within = _Within()
    for part in _parts(query):
        _visit(part, within, nested=False)
    taken = within.tables | within.aliases | set(query.external_aliases)
    clone.bump_prefix(clone)
    while taken.intersection(clone.alias_map):
        clone.bump_prefix(clone)
    # A renamed column is a new Col without possibly_multivalued, which decides whether
    # Django groups by a subquery or by the outer columns it refers to (grouping by
    # those counts other groups): the renamed columns get it back.
    for before, after in zip(_columns(query), _columns(clone), strict=True):
        if getattr(before, "possibly_multivalued", False):
            after.possibly_multivalued = True
    return clone


def keys_query(query: Query) -> Query:
    """The primary keys of the rows ``query`` picks, as a query to filter by
    (``pk__in``): Django gives it aliases of its own when it becomes a subquery."""
    keys = query.chain(klass=Query)
    keys.select_related = False
    keys.clear_ordering(force=True)
    keys.clear_select_clause()
    keys.add_fields([query.get_meta().pk.name])
    return keys


def _parts(query: Query) -> Iterator:
    """Where a query holds expressions (and so subqueries): resolved ones, and the
    ordering and ClickHouse clauses resolved when the statement is written."""
    yield query.where
    yield from query.annotations.values()
    yield from query.select
    if isinstance(query.group_by, tuple):
        yield from query.group_by
    yield from (item for item in query.order_by if not isinstance(item, str))
    prewhere = getattr(query, "prewhere", None)
    if prewhere is not None:
        yield prewhere
    for array_join in getattr(query, "array_joins", ()):
        yield from (array for _, array in array_join.arrays)
    limit_by = getattr(query, "limit_by", None)
    if limit_by is not None:
        yield from (item for item in limit_by.expressions if not isinstance(item, str))
    for table in query.alias_map.values():
        relation = getattr(table, "filtered_relation", None)
        if relation is not None:
            yield relation.condition


def _visit(node, within: _Within, nested: bool) -> None:
    if isinstance(node, Query):
        within.tables.update(table.table_name for table in node.alias_map.values())
        for part in _parts(node):
            _visit(part, within, nested=True)
        for combined in node.combined_queries:
            _visit(combined, within, nested=True)
        return
    query = getattr(node, "query", None)
    if isinstance(query, Query) and not hasattr(node, "get_source_expressions"):
        _visit(query, within, nested)  # a QuerySet given as a value
        return
    if nested and isinstance(node, (Col, ColPairs)):
        within.aliases.add(node.alias)
    elif nested and isinstance(node, (OuterRef, ResolvedOuterRef)):
        within.outer_ref = True
    for child in _children(node):
        _visit(child, within, nested)


def _columns(node) -> Iterator[Col]:
    """The columns written in ``node``, nested queries included, in a fixed order."""
    if isinstance(node, Query):
        for part in _parts(node):
            yield from _columns(part)
        for combined in node.combined_queries:
            yield from _columns(combined)
        return
    query = getattr(node, "query", None)
    if isinstance(query, Query) and not hasattr(node, "get_source_expressions"):
        yield from _columns(query)
        return
    if isinstance(node, Col):
        yield node
    for child in _children(node):
        yield from _columns(child)


def _children(node) -> Iterable:
    if isinstance(node, Node) and not hasattr(node, "get_source_expressions"):
        # Q(): (lookup, value) pairs and Q()s
        return [child[1] if isinstance(child, tuple) else child for child in node.children]
    if isinstance(node, (list, tuple)):
        return node
    children = list(getattr(node, "get_source_expressions", list)())
    rhs = getattr(node, "rhs", None)  # a lookup's list of values may hold expressions
    if isinstance(rhs, (list, tuple)):
        children.extend(rhs)
    return children

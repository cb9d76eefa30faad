"""Mutations that leave nothing behind when they fail.

ClickHouse runs ``ALTER TABLE ... UPDATE`` and lightweight ``DELETE`` as mutations: when
one fails (a Decimal overflow, a bad cast), the statement raises but the mutation stays
queued, is retried in the background, and blocks every later mutation of the table; an
update the user saw fail would apply as soon as someone killed the blocker. So:

- the rows a statement will change are counted first (ClickHouse reports no row count),
  and in the same query the table's mutations are read;
- a table with a failed mutation is refused up front, naming it and how to kill it,
  instead of queueing another mutation behind it;
- when the statement raises, the mutations it started (listed now, not before) are
  killed, and the error says how far each got: a mutation is not atomic, so parts it
  had rewritten keep the change, and one that finished despite the error (a timeout
  while waiting) applied in full. Another client's mutation started on the same table
  in the same instant would look the same and be killed too.

A lightweight ``UPDATE ... SET`` (edits.py) is no mutation: it writes patch parts while
the statement runs, is not listed in system.mutations, and is neither queued behind a
failed mutation nor left queued when it fails. So none of this applies to it; only the
count does (edits.py counts the rows first in the same way).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import DatabaseError, OperationalError

from ...driver.escape import quote_string

# The table's mutations ClickHouse still lists, as (id, done, why the last try
# failed or ''): finished ones too, so a mutation that finished despite an error is told
# apart from one that was already there.
# A table is named by (database, table); a database of None is the session's own.
MUTATIONS_SQL = (
    "SELECT groupArray((mutation_id, is_done, latest_fail_reason)) "
    "FROM system.mutations WHERE database = coalesce(%s, currentDatabase()) AND table = %s"
)
COUNT_AND_MUTATIONS_SQL = "SELECT ({count}), ({mutations})"
KILL_SQL = (
    "KILL MUTATION WHERE database = coalesce(%s, currentDatabase()) AND table = %s "
    "AND mutation_id IN %s SYNC"
)


def run_counted(
    connection,
    table: str,
    database: str | None,
    sql: str,
    params: Sequence,
    count_sql: str,
    count_params: Sequence,
) -> int:
    """Run a mutation on ``table`` if ``count_sql`` matches rows; return how many.

    Django relies on the count: ``save()`` of an existing object inserts a duplicate
    when an update says it changed nothing. A statement that matches nothing is not run.
    """
    with connection.cursor() as cursor:
        matched, mutations = counted(cursor, count_sql, count_params, table, database)
        if not matched:
            return 0
        run_mutation(cursor, table, database, sql, params, mutations)
    return matched


def counted(
    cursor,
    count_sql: str,
    count_params: Sequence,
    table: str | None = None,
    database: str | None = None,
):
    """The value ``count_sql`` selects and, when ``table`` is named, the table's mutations
    (as ``MUTATIONS_SQL`` lists them; None otherwise), in one query."""
    if table is None:
        cursor.execute(count_sql, count_params)
        return cursor.fetchone()[0], None
    cursor.execute(
        COUNT_AND_MUTATIONS_SQL.format(count=count_sql, mutations=MUTATIONS_SQL),
        (*count_params, database, table),
    )
    value, mutations = cursor.fetchone()
    return value, mutations


def listed_mutations(cursor, table: str, database: str | None) -> list[tuple]:
    """The table's mutations, as ``MUTATIONS_SQL`` lists them."""
    cursor.execute(MUTATIONS_SQL, [database, table])
    return cursor.fetchone()[0]


def run_mutation(
    cursor, table: str, database: str | None, sql: str, params: Sequence, mutations: list[tuple]
) -> None:
    """Run a mutation of ``table``, whose mutations were ``mutations`` just before: refused
    behind a failed one; what it started is killed if it fails."""
    _refuse_behind_failed(table, database, mutations)
    try:
        cursor.execute(sql, params)
    except DatabaseError as error:
        before = {mutation[0] for mutation in mutations}
        reported = _cleaned_up_after(cursor, table, database, before, error)
        if reported is error:  # nothing was started: the error as it is
            raise
        raise reported from error


def _refuse_behind_failed(table: str, database: str | None, mutations: list[tuple]) -> None:
    failed = [(id_, reason) for id_, done, reason in mutations if reason and not done]
    if not failed:
        return
    mutation, reason = failed[0]
    raise OperationalError(
        f"table {table} has a failed mutation, {mutation}, which blocks every later one "
        f"(it failed with: {_first_line(reason)}); nothing was changed. Kill it with "
        f"KILL MUTATION WHERE {_where_database(database)}table = {quote_string(table)} "
        f"AND mutation_id = "
        f"{quote_string(mutation)}, or fix "
        "what it needs and let ClickHouse retry it"
    )


def _cleaned_up_after(
    cursor, table: str, database: str | None, before: set[str], error: DatabaseError
) -> DatabaseError:
    """Kill what the failed statement started; the error, saying how far each got."""
    try:
        started = _listed_since(cursor, table, database, before)
        unfinished = tuple(id_ for id_, done in started if not done)
        if unfinished:
            cursor.execute(KILL_SQL, [database, table, unfinished])
            still_listed = dict(_listed_since(cursor, table, database, before))
            started = [(id_, still_listed.get(id_)) for id_, _ in started]
    except DatabaseError as cleanup:
        return type(error)(
            f"{error}; its mutation may still be queued and apply later (checking failed: "
            f"{cleanup}): see SELECT * FROM system.mutations WHERE NOT is_done"
        )
    outcomes = [_outcome(*mutation) for mutation in started]
    return type(error)("; ".join([str(error), *outcomes])) if outcomes else error


def _listed_since(
    cursor, table: str, database: str | None, before: set[str]
) -> list[tuple[str, bool]]:
    """The table's mutations not in ``before``, as (id, done)."""
    mutations = listed_mutations(cursor, table, database)
    return sorted((id_, done) for id_, done, _ in mutations if id_ not in before)


def _outcome(mutation: str, done: bool | None) -> str:
    """``done`` is None for a mutation the kill removed."""
    if done:
        return f"its mutation {mutation} finished all the same: the change was applied"
    if done is False:
        return (
            f"its mutation {mutation} could not be killed and may still apply: see "
            "SELECT * FROM system.mutations WHERE NOT is_done"
        )
    return (
        f"its mutation {mutation} was killed, so it will not apply later; a mutation is "
        "not atomic, and parts of the table it had already rewritten keep the change"
    )


def _where_database(database: str | None) -> str:
    return "" if database is None else f"database = {quote_string(database)} AND "


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text

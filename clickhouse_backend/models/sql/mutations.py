"""Mutations that leave nothing behind when they fail.

ClickHouse runs ``ALTER TABLE ... UPDATE`` and lightweight ``DELETE`` as mutations: when
one fails (a Decimal overflow, a bad cast), the statement raises but the mutation stays
queued, is retried in the background, and blocks every later mutation of the table; an
update the user saw fail would apply as soon as someone killed the blocker. So:

- the rows a statement will change are counted first (ClickHouse reports no row count),
  and in the same query the table's unfinished mutations are read;
- a table with a failed mutation is refused up front, naming it and how to kill it,
  instead of queueing another mutation behind it;
- when the statement raises, the mutations it started (unfinished now, not before) are
  killed, and the error says so. Another client's mutation started on the same table
  in the same instant would look the same and be killed too.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import DatabaseError, OperationalError

from ...driver.escape import quote_string

# The table's unfinished mutations, as (id, why the last try failed or '').
PENDING_SQL = (
    "SELECT groupArray((mutation_id, latest_fail_reason)) FROM system.mutations "
    "WHERE database = currentDatabase() AND table = %s AND NOT is_done"
)
COUNT_AND_PENDING_SQL = "SELECT ({count}), ({pending})"
KILL_SQL = (
    "KILL MUTATION WHERE database = currentDatabase() AND table = %s AND mutation_id IN %s SYNC"
)


def run_counted(
    connection, table: str, sql: str, params: Sequence, count_sql: str, count_params: Sequence
) -> int:
    """Run a mutation on ``table`` if ``count_sql`` matches rows; return how many.

    Django relies on the count: ``save()`` of an existing object inserts a duplicate
    when an update says it changed nothing. A statement that matches nothing is not run.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            COUNT_AND_PENDING_SQL.format(count=count_sql, pending=PENDING_SQL),
            (*count_params, table),
        )
        matched, pending = cursor.fetchone()
        if not matched:
            return 0
        _refuse_behind_failed(table, pending)
        try:
            cursor.execute(sql, params)
        except DatabaseError as error:
            raise _killed_after(cursor, table, {id_ for id_, _ in pending}, error) from error
    return matched


def _refuse_behind_failed(table: str, pending: list[tuple[str, str]]) -> None:
    failed = [(mutation, reason) for mutation, reason in pending if reason]
    if not failed:
        return
    mutation, reason = failed[0]
    raise OperationalError(
        f"table {table} has a failed mutation, {mutation}, which blocks every later one "
        f"(it failed with: {_first_line(reason)}); nothing was changed. Kill it with "
        f"KILL MUTATION WHERE table = {quote_string(table)} AND mutation_id = "
        f"{quote_string(mutation)}, or fix "
        "what it needs and let ClickHouse retry it"
    )


def _killed_after(cursor, table: str, before: set[str], error: DatabaseError) -> DatabaseError:
    """Kill the mutations the failed statement started; the error, saying what was done."""
    try:
        cursor.execute(PENDING_SQL, [table])
        (pending,) = cursor.fetchone()
        started = sorted(mutation for mutation, _ in pending if mutation not in before)
        if started:
            cursor.execute(KILL_SQL, [table, tuple(started)])
    except DatabaseError as cleanup:
        return type(error)(
            f"{error}; its mutation may still be queued and apply later (checking failed: "
            f"{cleanup}): see SELECT * FROM system.mutations WHERE NOT is_done"
        )
    if not started:
        return error
    return type(error)(
        f"{error}; its mutation {', '.join(started)} was killed, so it will not apply later "
        "(a mutation is not atomic: parts it had already rewritten keep the change)"
    )


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text

"""Helpers the field tests share: the suite's ClickHouse connection, raw SQL on it, the
types of a table's columns, and the DataError a refused value raises."""

import pytest
from django.db import DataError, connections


def clickhouse():
    return connections["clickhouse"]


def column_types(table: str) -> dict[str, str]:
    with clickhouse().cursor() as cursor:
        cursor.execute(
            "SELECT name, type FROM system.columns "
            "WHERE database = currentDatabase() AND table = %s ORDER BY position",
            [table],
        )
        return dict(cursor.fetchall())


def raw(sql: str, params=()) -> list[tuple]:
    with clickhouse().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def refused(match: str):
    """A DataError naming the field and the value."""
    return pytest.raises(DataError, match=match)

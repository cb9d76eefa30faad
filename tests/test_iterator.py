"""QuerySet.iterator() streams: rows arrive block by block, in memory bounded by a block,
for model instances as for values(), values_list(), flat and named rows, and
prefetch_related() still fills each chunk's relations."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable, Iterator

import pytest
from django.apps.registry import Apps
from django.db import connections, models
from django.test.utils import CaptureQueriesContext

from clickhouse_backend import models as clickhouse

TEST_APPS = Apps()
# Rows per block the engine sends (see the fixture), and rows per iterator chunk.
BLOCK = 1_000
ROWS = 40 * BLOCK


class Writer(clickhouse.ClickhouseModel):
    name = models.CharField(max_length=40)

    class Meta:
        app_label = "iterator_tests"
        apps = TEST_APPS
        engine = clickhouse.MergeTree(index_granularity=BLOCK)


class Book(clickhouse.ClickhouseModel):
    title = models.CharField(max_length=40)
    writer = models.ForeignKey(Writer, models.CASCADE, db_constraint=False, related_name="books")

    class Meta:
        app_label = "iterator_tests"
        apps = TEST_APPS
        engine = clickhouse.MergeTree(index_granularity=BLOCK)


def run_sql(sql: str, params: list | None = None) -> None:
    with connections["clickhouse"].cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def writers(django_db_blocker) -> Iterator[models.QuerySet]:
    """ROWS writers (ids 1..ROWS), each with one book, read in blocks of BLOCK rows."""
    with django_db_blocker.unblock():
        connection = connections["clickhouse"]
        with connection.schema_editor() as editor:
            editor.create_model(Writer)
            editor.create_model(Book)
        run_sql(
            f"INSERT INTO {Writer._meta.db_table} (id, name) "
            "SELECT number + 1, concat('writer ', toString(number + 1)) FROM numbers(%s)",
            [ROWS],
        )
        run_sql(
            f"INSERT INTO {Book._meta.db_table} (id, title, writer_id) "
            "SELECT number + 1, concat('book ', toString(number + 1)), number + 1 "
            "FROM numbers(%s)",
            [ROWS],
        )
        # Small blocks: a result of ROWS rows arrives in many, as a large table's does.
        run_sql(f"SET max_block_size = {BLOCK}")
        try:
            yield Writer.objects.using("clickhouse")
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(Book)
                editor.delete_model(Writer)
            connection.close()  # and the session's max_block_size with it


def traced_peak(consume: Callable[[], object]) -> tuple[object, int]:
    """What ``consume()`` returns, and the peak of Python memory allocated meanwhile."""
    gc.collect()
    tracemalloc.start()
    try:
        result = consume()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# The shapes of rows a QuerySet gives, each with its own Django iterable class.
SHAPES: dict[str, Callable[[models.QuerySet], models.QuerySet]] = {
    "model instances": lambda rows: rows,
    "values()": lambda rows: rows.values("id", "name"),
    "values_list()": lambda rows: rows.values_list("id", "name"),
    "flat": lambda rows: rows.values_list("name", flat=True),
    "named": lambda rows: rows.values_list("id", "name", named=True),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_iterator_holds_a_block_not_the_result(writers, shape):
    """Every iterator() yields each row while holding about a block of them: its peak
    memory is a small fraction of what reading the same rows whole takes."""
    _, whole = traced_peak(lambda: list(writers.values_list("id", "name")))
    iterator = SHAPES[shape](writers).iterator(chunk_size=BLOCK)
    count, streamed = traced_peak(lambda: sum(1 for _ in iterator))
    assert count == ROWS
    assert streamed * 5 < whole, (
        f"iterator() of {shape} held {streamed / 2**20:.1f} MiB; "
        f"reading the {ROWS} rows whole takes {whole / 2**20:.1f} MiB"
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_iterator_gives_the_rows_a_list_gives(writers, shape):
    """Streaming changes when rows are read, not what they are."""
    rows = SHAPES[shape](writers.filter(id__lte=3 * BLOCK).order_by("id"))
    assert list(rows.iterator(chunk_size=BLOCK)) == list(rows)


def test_the_connection_works_while_an_iterator_is_open(writers):
    """Another query in the middle of an iteration answers, and the iteration still
    yields every row (the rest of the streamed result is read into memory first)."""
    iterator = writers.order_by("id").iterator(chunk_size=BLOCK)
    first = next(iterator)
    assert first.id == 1
    assert writers.filter(name=first.name).count() == 1
    assert [writer.id for writer in iterator] == list(range(2, ROWS + 1))


def test_an_abandoned_iterator_frees_the_connection(writers):
    """Leaving an iteration half-way closes its cursor: the next query runs normally."""
    for writer in writers.iterator(chunk_size=BLOCK):
        if writer.id > 10:
            break
    assert writers.count() == ROWS


def test_prefetch_related_with_iterator_fills_each_chunk(writers):
    """prefetch_related() with iterator(chunk_size) runs one query per chunk and gives
    each row its own related objects, in both directions of the relation."""
    chunk = 2_500
    selected = writers.filter(id__lte=4 * chunk).order_by("id")
    connection = connections["clickhouse"]
    with CaptureQueriesContext(connection) as queries:
        seen = [
            (writer.id, [book.title for book in writer.books.all()])
            for writer in selected.prefetch_related("books").iterator(chunk_size=chunk)
        ]
    assert seen == [(n, [f"book {n}"]) for n in range(1, 4 * chunk + 1)]
    assert len(queries) == 1 + 4  # the writers, then the books of each chunk
    books = Book.objects.using("clickhouse").filter(id__lte=4 * chunk).order_by("id")
    pairs = [
        (book.title, book.writer.name)
        for book in books.prefetch_related("writer").iterator(chunk_size=chunk)
    ]
    assert pairs == [(f"book {n}", f"writer {n}") for n in range(1, 4 * chunk + 1)]

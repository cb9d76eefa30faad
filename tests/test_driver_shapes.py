"""The insert shapes of clickhouse-driver's ``Client.execute``, which django-clickhouse-
backend's users call: dict rows, and ``execute(INSERT ... VALUES, rows)``. On both
transports: the embedded engine and the local 18.16 server over TCP."""

from __future__ import annotations

import datetime
import sys
import uuid

import pytest

from clickhouse_backend import driver


@pytest.fixture(params=["embedded", "native"])
def db(request):
    """``(cursor, name)``: a cursor of either transport and a fresh table name for it."""
    if request.param == "embedded":
        yield request.getfixturevalue("conn").cursor(), "t"
        return
    cursor = request.getfixturevalue("native").cursor()
    name = f"t_shapes_{uuid.uuid4().hex[:12]}"
    yield cursor, name
    cursor.execute(f"DROP TABLE IF EXISTS {name}")


def create(cursor, table, columns="a Int64, b String"):
    cursor.execute(f"CREATE TABLE {table} ({columns}) ENGINE = MergeTree ORDER BY a")


def rows_of(cursor, table, columns="a, b"):
    cursor.execute(f"SELECT {columns} FROM {table} ORDER BY a")
    return cursor.fetchall()


def test_executemany_takes_dict_rows_by_column_name(db):
    """Dict rows are mapped by the INSERT's column names, whatever the keys' order, and
    the caller's dicts stay as they were."""
    cursor, table = db
    create(cursor, table)
    rows = [{"b": "x", "a": 1}, {"a": 2, "b": "y"}]
    cursor.executemany(f"INSERT INTO {table} (a, b) VALUES", rows)
    assert cursor.rowcount == 2
    assert rows_of(cursor, table) == [(1, "x"), (2, "y")]
    assert rows == [{"b": "x", "a": 1}, {"a": 2, "b": "y"}]


def test_dict_rows_without_a_column_list_fill_the_tables_columns(db):
    """Without a column list a dict row holds the columns a plain INSERT writes: not the
    MATERIALIZED ones."""
    cursor, table = db
    create(cursor, table, "a Int64, doubled Int64 MATERIALIZED a * 2, b String DEFAULT 'd'")
    cursor.executemany(f"INSERT INTO {table} VALUES", [{"a": 1, "b": "x"}, {"b": "y", "a": 2}])
    assert rows_of(cursor, table, "a, doubled, b") == [(1, 2, "x"), (2, 4, "y")]
    with pytest.raises(driver.ProgrammingError, match=r"no value for column\(s\) 'b'"):
        cursor.executemany(f"INSERT INTO {table} VALUES", [{"a": 3}])


def test_dict_rows_with_quoted_column_names(db):
    """A quoted name in the column list is the dict's key without its quotes."""
    cursor, table = db
    create(cursor, table, "a Int64, `the name` String")
    cursor.executemany(f"INSERT INTO {table} (`the name`, a) VALUES", [{"a": 1, "the name": "x"}])
    assert rows_of(cursor, table, "a, `the name`") == [(1, "x")]


def test_dict_rows_in_several_blocks_from_a_generator(db):
    """A generator of dict rows is cut into blocks like one of tuples."""
    cursor, table = db
    create(cursor, table)
    rows = ({"a": i, "b": f"row {i}"} for i in range(1000))
    cursor.executemany(f"INSERT INTO {table} (a, b) VALUES", rows, block_size=128)
    assert cursor.rowcount == 1000
    assert rows_of(cursor, table) == [(i, f"row {i}") for i in range(1000)]


def test_200k_dict_rows_read_back_equal(db):
    """A large dict insert writes every value as given."""
    cursor, table = db
    create(cursor, table, "a Int64, b String, at DateTime, maybe Nullable(Float64)")
    start = datetime.datetime(2024, 1, 1)
    expected = [
        (i, f"name {i}", start + datetime.timedelta(seconds=i), None if i % 3 else i / 4)
        for i in range(200_000)
    ]
    rows = [{"a": a, "b": b, "at": at, "maybe": maybe} for a, b, at, maybe in expected]
    cursor.executemany(f"INSERT INTO {table} (a, b, at, maybe) VALUES", rows)
    assert cursor.rowcount == 200_000
    assert rows_of(cursor, table, "a, b, at, maybe") == expected


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (
            {"a": 2},
            r"row 1 of this INSERT has no value for column\(s\) 'b' \(its columns: 'a', 'b'\)",
        ),
        (
            {"a": 2, "b": "y", "c": 3},
            r"row 1 of this INSERT has key\(s\) 'c' that are not columns of the INSERT",
        ),
        (
            {"a": 2, "c": 3},
            r"row 1 of this INSERT has no value for column\(s\) 'b' and key\(s\) 'c' that",
        ),
        ({"a": 2, "B": 3, "c": 4}, r"no value for column\(s\) 'b' and key\(s\) 'B', 'c'"),
    ],
    ids=["missing", "unknown", "renamed", "several"],
)
def test_a_dict_row_that_does_not_match_the_columns_names_the_keys(db, bad_row, message):
    """A missing or unknown key is a ProgrammingError naming it, and nothing is written."""
    cursor, table = db
    create(cursor, table)
    rows = [{"a": 1, "b": "x"}, bad_row, {"a": 3, "b": "z"}]
    with pytest.raises(driver.ProgrammingError, match=message):
        cursor.executemany(f"INSERT INTO {table} (a, b) VALUES", rows)
    with pytest.raises(driver.ProgrammingError, match=message):
        cursor.execute(f"INSERT INTO {table} (a, b) VALUES", rows)
    assert rows_of(cursor, table) == []


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"a": 1, "b": "x"}, (2, "y")], "the first rows are dicts, row 1 is a tuple"),
        ([(1, "x"), [2, "y"], {"a": 3, "b": "z"}], "the first rows are tuples or lists, row 2"),
    ],
    ids=["dict-first", "tuple-first"],
)
def test_rows_mixing_dicts_and_tuples_are_refused(db, rows, message):
    """One INSERT's rows are all dicts or all sequences; nothing is written otherwise."""
    cursor, table = db
    create(cursor, table)
    with pytest.raises(driver.ProgrammingError, match=message):
        cursor.executemany(f"INSERT INTO {table} (a, b) VALUES", rows)
    assert rows_of(cursor, table) == []


def test_a_row_that_is_no_row_is_refused(db):
    """A scalar among the rows is named, not a bare TypeError."""
    cursor, table = db
    create(cursor, table, "a Int64")
    with pytest.raises(driver.ProgrammingError, match="row 1 of this INSERT is a int"):
        cursor.executemany(f"INSERT INTO {table} (a) VALUES", [(1,), 2])
    assert rows_of(cursor, table, "a") == []


@pytest.mark.parametrize("kind", [tuple, list, dict])
@pytest.mark.parametrize("container", [list, tuple])
def test_execute_with_rows_inserts_them(db, kind, container):
    """execute(INSERT ... VALUES, rows), clickhouse-driver's shape, is executemany."""
    cursor, table = db
    create(cursor, table)
    values = [(1, "x"), (2, "y")]
    rows = container(
        dict(zip("ab", row, strict=True)) if kind is dict else kind(row) for row in values
    )
    cursor.execute(f"INSERT INTO {table} (a, b) VALUES", rows)
    assert cursor.rowcount == 2
    assert cursor.description is None
    assert rows_of(cursor, table) == values


def test_execute_with_rows_takes_settings_and_no_rows(db):
    """Settings apply to the insert; an empty list inserts nothing, as in
    clickhouse-driver (it used to be NO_DATA_TO_INSERT)."""
    cursor, table = db
    create(cursor, table)
    cursor.execute(f"INSERT INTO {table} VALUES", [(1, "x")], settings={"max_threads": 1})
    cursor.execute(f"INSERT INTO {table} (a, b) VALUES", [])
    assert cursor.rowcount == 0
    assert rows_of(cursor, table) == [(1, "x")]


def test_execute_keeps_its_meaning_where_parameters_fill_placeholders(db):
    """Parameters for placeholders are substituted as before, from a list, a tuple or a
    mapping; a list of scalars for a VALUES without placeholders is still refused."""
    cursor, table = db
    create(cursor, table)
    cursor.execute(f"INSERT INTO {table} (a, b) SELECT %s, %s", [1, "x"])
    cursor.execute(f"INSERT INTO {table} (a, b) SELECT %s, %s", (2, "y"))
    cursor.execute(f"INSERT INTO {table} (a, b) SELECT %(a)s, %(b)s", {"a": 3, "b": "z"})
    assert rows_of(cursor, table) == [(1, "x"), (2, "y"), (3, "z")]
    with pytest.raises(driver.ProgrammingError, match="cannot fill the query's placeholders"):
        cursor.execute(f"INSERT INTO {table} (a) VALUES", [5, 6])
    assert len(rows_of(cursor, table)) == 3


def test_inline_values_with_placeholders_are_substituted(conn):
    """A VALUES with placeholders takes its parameters as values, not as rows."""
    cursor = conn.cursor()
    create(cursor, "t")
    cursor.execute("INSERT INTO t (a, b) VALUES (%s, %s)", [1, "x"])
    cursor.execute("INSERT INTO t (a, b) VALUES (%(a)s, %(b)s)", {"a": 2, "b": "y"})
    assert rows_of(cursor, "t") == [(1, "x"), (2, "y")]


def test_columnar_inserts_are_unchanged(db):
    """columnar=True still takes columns (dicts are for rows only)."""
    cursor, table = db
    create(cursor, table)
    cursor.executemany(f"INSERT INTO {table} (b, a) VALUES", [["x", "y"], [1, 2]], columnar=True)
    assert rows_of(cursor, table) == [(1, "x"), (2, "y")]


def test_dict_rows_for_a_column_list_clickhouse_expands(conn):
    """A column list such as ``* EXCEPT (c)`` names the columns the dicts hold."""
    cursor = conn.cursor()
    create(cursor, "t", "a Int64, b String, c String DEFAULT 'd'")
    cursor.executemany("INSERT INTO t (* EXCEPT (c)) VALUES", [{"b": "x", "a": 1}])
    assert rows_of(cursor, "t", "a, b, c") == [(1, "x", "d")]
    with pytest.raises(driver.ProgrammingError, match=r"key\(s\) 'c' that are not columns"):
        cursor.executemany("INSERT INTO t (* EXCEPT (c)) VALUES", [{"a": 2, "b": "y", "c": "z"}])


# -- result shapes: clickhouse-driver's columnar and use_numpy (set_query_execution_args)

NUMBERS = "SELECT number, number * 2.5, toString(number) FROM system.numbers LIMIT 3"


def test_columnar_results_are_columns_and_fetches_take_columns(db):
    """Inside the block a result is its columns; fetchmany(n) takes the first n columns,
    as django-clickhouse-backend's users read them; outside it, rows again."""
    cursor, _ = db
    with cursor.set_query_execution_args(columnar=True) as columnar:
        assert columnar is cursor
        cursor.execute(NUMBERS)
        assert cursor.rowcount == 3
        assert cursor.fetchall() == [(0, 1, 2), (0.0, 2.5, 5.0), ("0", "1", "2")]
        cursor.execute(NUMBERS)
        assert cursor.fetchmany(2) == [(0, 1, 2), (0.0, 2.5, 5.0)]
        assert cursor.fetchone() == ("0", "1", "2")
        cursor.execute("SELECT number, toString(number) FROM system.numbers LIMIT 0")
        assert cursor.fetchall() == [(), ()]
    cursor.execute(NUMBERS)
    assert cursor.fetchone() == (0, 0.0, "0")


def test_numpy_columns_are_typed_from_the_clickhouse_types(db):
    """Numbers get their own dtype, DateTime is datetime64[s] on the column's own wall
    clock, Date datetime64[D]; strings, NULL-able and array columns hold Python objects."""
    np = pytest.importorskip("numpy")
    cursor, _ = db
    with cursor.set_query_execution_args(columnar=True, use_numpy=True):
        cursor.execute(
            "SELECT number, toInt8(toInt8(number) - 1), number * 2.5,"
            " toDateTime('2022-01-01 01:00:05', 'Asia/Tokyo'), toDate('2022-01-02'),"
            " toString(number), if(number = 1, NULL, number), [number, 7]"
            " FROM system.numbers LIMIT 2"
        )
        numbers, small, floats, stamps, days, texts, nullable, arrays = cursor.fetchall()
    expected = {
        "uint64": (numbers, [0, 1]),
        "int8": (small, [-1, 0]),
        "float64": (floats, [0.0, 2.5]),
        "datetime64[s]": (stamps, [np.datetime64("2022-01-01T01:00:05")] * 2),
        "datetime64[D]": (days, [np.datetime64("2022-01-02")] * 2),
    }
    for dtype, (column, values) in expected.items():
        assert column.dtype == np.dtype(dtype)
        assert column.tolist() == np.array(values, dtype=dtype).tolist()
    for column, values in ((texts, ["0", "1"]), (nullable, [0, None]), (arrays, [[0, 7], [1, 7]])):
        assert column.dtype == object
        assert column.tolist() == values


def test_numpy_without_columnar_gives_rows_of_numpy_values(db):
    np = pytest.importorskip("numpy")
    cursor, _ = db
    with cursor.set_query_execution_args(use_numpy=True):
        cursor.execute(NUMBERS)
        rows = cursor.fetchall()
    assert rows == [(0, 0.0, "0"), (1, 2.5, "1"), (2, 5.0, "2")]
    assert isinstance(rows[0][0], np.uint64)


def test_a_streaming_cursor_reads_a_columnar_result_whole(db):
    """The connection is free for the next statement once the columns are there."""
    cursor, _ = db
    streaming = cursor.connection.cursor(stream=True)
    with streaming.set_query_execution_args(columnar=True):
        streaming.execute(NUMBERS)
    assert not streaming.stream_open
    cursor.execute("SELECT 1")
    assert cursor.fetchall() == [(1,)]
    assert streaming.fetchmany(1) == [(0, 1, 2)]


def test_use_numpy_without_numpy_says_what_to_install(db, monkeypatch):
    cursor, _ = db
    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy raises ImportError
    install = r"pip install 'django-clickhouse-db\[numpy\]'"
    with pytest.raises(driver.InterfaceError, match=install):
        cursor.set_query_execution_args(use_numpy=True).__enter__()
    assert not cursor.use_numpy

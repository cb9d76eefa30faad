"""JSON path lookups: the ORM's spelling against the other ways of writing them in SQL.

    python benchmarks/json_paths.py [--rows 200000] [--repeat 5]

Builds a table of documents whose path ``a.b`` holds an integer in most rows and a
string in every fifth, then times counts over it (median of the runs, in ms): the ORM's
lookups (``backend/json_paths.py``: a key compared with a scalar reads the path's typed
subcolumns, ``data.a.b.:Int64``, with a test for a missing key beside them), the same
conditions written by hand as one typed subcolumn alone (the floor: blind to rows
storing the path with another type, and to missing keys under exclude()) and as the
path's JSON text (``toJSONString(data.a.b)``: how the ORM spelled them before), and
``JSONExtractRaw`` over whole documents (what a text column of JSON would need).
"""

from __future__ import annotations

import argparse
import statistics
import time

import django
from django.conf import settings

settings.configure(
    DATABASES={
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
        "clickhouse": {
            "ENGINE": "clickhouse_backend.backend",
            "OPTIONS": {"embedded": ":memory:"},
        },
    },
    USE_TZ=True,
    INSTALLED_APPS=[],
)
django.setup()

from django.apps.registry import Apps  # noqa: E402
from django.db import connections  # noqa: E402
from django.db.models.fields.json import KT  # noqa: E402

from clickhouse_backend import models  # noqa: E402


class Doc(models.ClickhouseModel):
    data = models.JSONField()

    class Meta:
        app_label = "bench"
        apps = Apps()
        engine = models.MergeTree(order_by="id")


def timed(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    connection = connections["clickhouse"]
    with connection.schema_editor() as editor:
        editor.create_model(Doc)
    docs = Doc.objects.using("clickhouse")
    docs.bulk_create(
        Doc(
            data={
                "a": {"b": "s" if n % 5 == 0 else n % 10, "c": "x"},
                "n": n % 1000,
                "name": f"user{n % 97}",
                "tags": ["t", str(n % 3)],
                "pad": "x" * 100,
            }
        )
        for n in range(args.rows)
    )
    table = connection.ops.quote_name(Doc._meta.db_table)

    def raw(sql: str):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()

        return run

    def text(path: str) -> str:
        """A path's JSON text, as the ORM read it before typed subcolumns."""
        return f"coalesce(toJSONString(data.{path}), nullIf(toJSONString(data.^{path}), '{{}}'))"

    def json_value(value: str) -> str:
        document = '{"v": ' + value + "}"
        return f"toJSONString(getSubcolumn(CAST('{document}', 'JSON'), 'v'))"

    def count(where: str):
        return raw(f"SELECT count() FROM {table} WHERE {where}")

    cases = [
        ("ORM data__a__b=2", lambda: docs.filter(data__a__b=2).count()),
        ("SQL data.a.b.:Int64 = 2 (one typed subcolumn)", count("data.a.b.:Int64 = 2")),
        (
            "SQL JSON text of a.b = '2' (the ORM before)",
            count(f"{text('a.b')} = {json_value('2')}"),
        ),
        (
            "SQL JSONExtractRaw(toJSONString(data), 'a', 'b') = '2'",
            count("JSONExtractRaw(toJSONString(data), 'a', 'b') = '2'"),
        ),
        ("ORM exclude(data__a__b=2)", lambda: docs.exclude(data__a__b=2).count()),
        ("ORM data__name='user1'", lambda: docs.filter(data__name="user1").count()),
        (
            "SQL JSON text of name = 'user1' (the ORM before)",
            count(text("name") + " = " + json_value('"user1"')),
        ),
        (
            "ORM data__name__in=['user1', 'user2', 'user3']",
            lambda: docs.filter(data__name__in=["user1", "user2", "user3"]).count(),
        ),
        ("ORM data__n__gt=500", lambda: docs.filter(data__n__gt=500).count()),
        (
            "SQL JSON text of n as Float64 > 500 (the ORM before)",
            count(f"toFloat64OrNull({text('n')}) > 500"),
        ),
        ("ORM data__name__gte='user5'", lambda: docs.filter(data__name__gte="user5").count()),
        ("ORM data__a__isnull=False", lambda: docs.filter(data__a__isnull=False).count()),
        ("ORM data__a__has_key='c'", lambda: docs.filter(data__a__has_key="c").count()),
        (
            "ORM data__contains={'a': {'c': 'x'}}",
            lambda: docs.filter(data__contains={"a": {"c": "x"}}).count(),
        ),
        (
            "ORM data__name__startswith='user1' (JSON text)",
            lambda: docs.filter(data__name__startswith="user1").count(),
        ),
        (
            "ORM data__tags__1='2' (an array index: JSON text)",
            lambda: docs.filter(data__tags__1="2").count(),
        ),
        (
            "ORM values_list(KT('data__name'))",
            lambda: len(docs.values_list(KT("data__name"), flat=True)),
        ),
        (
            "ORM values_list('data') (whole documents)",
            lambda: len(docs.values_list("data", flat=True)),
        ),
    ]
    print(f"{args.rows} rows, median of {args.repeat}")
    for label, run in cases:
        print(f"{timed(run, args.repeat):9.1f} ms  {label}", flush=True)
    with connection.schema_editor() as editor:
        editor.delete_model(Doc)


if __name__ == "__main__":
    main()

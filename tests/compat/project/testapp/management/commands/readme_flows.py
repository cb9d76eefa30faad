"""The README's "Operate Data" section on its Event model, run on the migrated
``clickhouse`` alias (``manage.py migrate --database clickhouse`` first)."""

import time

import numpy as np
from django.core.management.base import BaseCommand
from django.db import connections
from django.db.models import Avg, Count, Max, Min, Sum
from django.test.utils import CaptureQueriesContext

from testapp.models import Event


class Command(BaseCommand):
    def handle(self, *args, **options):
        # create
        for i in range(10):
            Event.objects.create(
                ip_nullable=None,
                port=i,
                protocol="HTTP",
                content="test",
                action=Event.Action.PASS.value,
            )
        assert Event.objects.count() == 10

        # query
        queryset = Event.objects.filter(content="test")
        for i in queryset:
            print(i)

        # update
        Event.objects.filter(port__in=[1, 2, 3]).update(protocol="TCP")
        time.sleep(1)
        assert Event.objects.filter(protocol="TCP").count() == 3

        # delete
        Event.objects.filter(protocol="TCP").delete()
        time.sleep(1)
        assert not Event.objects.filter(protocol="TCP").exists()

        # SETTINGS in a query, as the README's testing section writes it
        Event.objects.filter(port__in=[4, 5]).update(protocol="UDP")
        Event.objects.filter(protocol="UDP").settings(mutations_sync=1).delete()
        assert not Event.objects.filter(protocol="UDP").exists()
        assert Event.objects.settings(max_threads=1).filter(protocol="HTTP").count() == 5

        # PREWHERE
        ports = Event.objects.prewhere(port__gte=7).values_list("port", flat=True)
        assert sorted(ports) == [7, 8, 9]
        with CaptureQueriesContext(connections["clickhouse"]) as captured:
            assert Event.objects.prewhere(port__gte=7).count() == 3
        assert "PREWHERE" in captured[0]["sql"]
        assert Event.objects.prewhere(protocol="HTTP").filter(port__lt=7).count() == 2

        # aggregates
        assert Event.objects.aggregate(
            n=Count("id"), total=Sum("port"), high=Max("port"), low=Min("port"), mean=Avg("port")
        ) == {"n": 5, "total": 30, "high": 9, "low": 0, "mean": 6.0}
        by_action = Event.objects.values("action").annotate(n=Count("id"))
        assert [(row["action"], row["n"]) for row in by_action] == [(Event.Action.PASS, 5)]

        # results as columns and numpy arrays, the README's example on its alias
        sql = """
            SELECT toDateTime32('2022-01-01 01:00:05', 'UTC'), number, number*2.5
            FROM system.numbers
            LIMIT 3
        """
        stamps = np.array([np.datetime64("2022-01-01T01:00:05")] * 3, dtype="datetime64[s]")
        # The README's spelling, nested withs and all.
        with connections["clickhouse"].cursor() as cursorWrapper:  # noqa: N806, SIM117
            with cursorWrapper.cursor.set_query_execution_args(
                columnar=True, use_numpy=True
            ) as cursor:
                cursor.execute(sql)
                np.testing.assert_equal(
                    cursor.fetchall(),
                    [stamps, np.array([0, 1, 2], dtype=np.uint64), np.array([0, 2.5, 5.0])],
                )
                cursor.execute(sql)
                np.testing.assert_equal(
                    cursor.fetchmany(2), [stamps, np.array([0, 1, 2], dtype=np.uint64)]
                )

        # show create table event
        with connections["clickhouse"].cursor() as cursor:
            cursor.execute(f"SHOW CREATE TABLE {Event._meta.db_table}")
            print(cursor.fetchone()[0])

        self.stdout.write("readme flows passed")

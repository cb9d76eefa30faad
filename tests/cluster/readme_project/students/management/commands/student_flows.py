"""The cluster CRUD of django-clickhouse-backend's README, through a Distributed model."""

from django.core.management.base import BaseCommand
from django.db import connections

from students.models import DistributedStudent, Student

NODES = ("default", "s1r2", "s2r1", "s2r2")


class Command(BaseCommand):
    def handle(self, *args, **options):
        students = DistributedStudent.objects.bulk_create(
            [DistributedStudent(name=f"Student{i}", score=i * 10) for i in range(10)]
        )
        assert DistributedStudent.objects.count() == 10
        changed = DistributedStudent.objects.filter(id__in=[s.id for s in students[5:]]).update(
            name="lol"
        )
        assert changed == 5, changed
        deleted, _ = DistributedStudent.objects.filter(
            id__in=[s.id for s in students[:5]]
        ).delete()
        assert deleted == 5, deleted
        assert sorted(DistributedStudent.objects.values_list("name", flat=True)) == ["lol"] * 5
        # Each shard's replicas hold their shard's rows: the nodes of shard 1 agree.
        shard_one = [Student.objects.using(alias).count() for alias in ("default", "s1r2")]
        shard_two = [Student.objects.using(alias).count() for alias in ("s2r1", "s2r2")]
        assert shard_one[0] == shard_one[1] and shard_two[0] == shard_two[1]
        assert shard_one[0] + shard_two[0] == 5
        # Written through one node, read through another: with insert_quorum = 2 and
        # mutations_sync = alter_sync = 2 every replica has the change when it returns.
        more = DistributedStudent.objects.using("s2r2").bulk_create(
            [DistributedStudent(name="late", score=1)]
        )
        for alias in NODES:
            reader = DistributedStudent.objects.using(alias)
            assert reader.count() == 6, (alias, reader.count())
            assert reader.get(pk=more[0].pk).name == "late"
        DistributedStudent.objects.using("s1r2").filter(name="late").update(score=2)
        assert DistributedStudent.objects.using("s2r1").get(name="late").score == 2
        for alias in connections:
            connections[alias].close()
        self.stdout.write("student flows passed")

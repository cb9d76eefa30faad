"""A Distributed model end to end on the embedded engine, over the one-shard cluster
``here`` of config.xml (run with it in the working directory; prints what passed)."""

import sys

import django
from django.conf import settings

settings.configure(
    DATABASES={
        "default": {
            "ENGINE": "clickhouse_backend.backend",
            "OPTIONS": {"embedded": sys.argv[1]},
        }
    },
    USE_TZ=True,
)
django.setup()

from django.apps.registry import Apps  # noqa: E402
from django.db import NotSupportedError, connection  # noqa: E402
from django.db.models import F, Sum  # noqa: E402

from clickhouse_backend import models  # noqa: E402

apps = Apps()


class Student(models.ClickhouseModel):
    name = models.StringField()
    address = models.StringField(default="")
    score = models.Int8Field()

    class Meta:
        app_label = "school"
        apps = apps
        engine = models.MergeTree(order_by="id")


def distributed(name: str, cluster: str):
    meta = type(
        "Meta",
        (),
        {
            "app_label": "school",
            "apps": apps,
            "engine": models.Distributed(
                cluster, models.currentDatabase(), Student._meta.db_table, models.Rand()
            ),
        },
    )
    fields = {"name": models.StringField(), "score": models.Int8Field()}
    return type(name, (models.ClickhouseModel,), {"__module__": __name__, "Meta": meta, **fields})


DistributedStudent = distributed("DistributedStudent", "here")

with connection.schema_editor() as editor:
    editor.create_model(Student)
    editor.create_model(DistributedStudent)
    for refused in (distributed("Doubled", "twice_here"), distributed("Nowhere", "nowhere")):
        try:
            editor.create_model(refused)
        except NotSupportedError as error:
            print("refused:", error)

students = DistributedStudent.objects.bulk_create(
    [DistributedStudent(name=f"Student{i}", score=i * 10) for i in range(10)]
)
assert DistributedStudent.objects.count() == 10
assert Student.objects.count() == 10
assert DistributedStudent.objects.aggregate(total=Sum("score")) == {"total": 450}
changed = DistributedStudent.objects.filter(id__in=[s.id for s in students[5:]]).update(
    name="lol", score=F("score") + 1
)
assert changed == 5, changed
deleted, _ = DistributedStudent.objects.filter(id__in=[s.id for s in students[:5]]).delete()
assert deleted == 5, deleted
assert sorted(Student.objects.values_list("name", "score")) == [
    ("lol", 51),
    ("lol", 61),
    ("lol", 71),
    ("lol", 81),
    ("lol", 91),
]
loaded = DistributedStudent.objects.get(score=51)
loaded.name = "saved"
loaded.save()
assert Student.objects.get(pk=loaded.pk).name == "saved"
assert DistributedStudent.objects.count() == 5
created = DistributedStudent.objects.create(name="one more", score=1)
assert Student.objects.filter(pk=created.pk).exists()
try:
    DistributedStudent.objects.filter(pk=created.pk).update(id=1)
except NotSupportedError as error:
    print("refused:", error)
print("distributed flows passed")

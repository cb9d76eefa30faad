"""A Distributed model end to end on the embedded engine, over the one-shard cluster
``here`` of config.xml (run with it in the working directory; prints what passed)."""

import sys
from decimal import Decimal

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
from django.db import DatabaseError, NotSupportedError, connection  # noqa: E402
from django.db.models import DecimalField, F, Sum  # noqa: E402

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


def distributed(name: str, cluster: str, sharding_key=None):
    meta = type(
        "Meta",
        (),
        {
            "app_label": "school",
            "apps": apps,
            "engine": models.Distributed(
                cluster,
                models.currentDatabase(),
                Student._meta.db_table,
                sharding_key or models.Rand(),
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


# A column the sharding key's expression reads cannot change: the row would be on a shard
# its new value does not pick.
ByScore = distributed("ByScore", "here", models.cityHash64("score", "name"))
with connection.schema_editor() as editor:
    editor.create_model(ByScore)
for field in ("score", "name"):
    try:
        ByScore.objects.filter(pk=loaded.pk).update(**{field: F(field)})
        ByScore.objects.filter(pk=loaded.pk).update(**{field: "x" if field == "name" else 2})
        raise AssertionError(f"ByScore.{field}, read by the sharding key, was updated")
    except NotSupportedError as error:
        assert f"ClickHouse cannot change {field}" in str(error), error
assert ByScore.objects.values_list("name", "score").get(pk=loaded.pk) == ("saved", 51)


# A Distributed model over a table of another database: a mutation that fails there is
# killed there (not looked for in the session's database), and the next one applies.
class ArchivedLedger(models.ClickhouseModel):
    amount = DecimalField(max_digits=9, decimal_places=2)
    flag = models.UInt8Field(default=0)

    class Meta:
        app_label = "school"
        apps = apps
        engine = models.Distributed("here", "archive", "ledger", models.Rand())


with connection.cursor() as cursor:
    cursor.execute("CREATE DATABASE archive")
    cursor.execute(
        "CREATE TABLE archive.ledger (id Int64, amount Decimal(9, 2), flag UInt8) "
        "ENGINE = MergeTree ORDER BY id"
    )
with connection.schema_editor() as editor:
    editor.create_model(ArchivedLedger)
ArchivedLedger.objects.bulk_create(
    [ArchivedLedger(amount="9999999.99"), ArchivedLedger(amount="1.5")]
)
try:
    ArchivedLedger.objects.update(amount=F("amount") * 1000)
    raise AssertionError("an overflowing update of archive.ledger ran")
except DatabaseError as error:
    assert "was killed" in str(error), error
with connection.cursor() as cursor:
    cursor.execute(
        "SELECT count() FROM system.mutations WHERE database = 'archive' AND NOT is_done"
    )
    assert cursor.fetchone() == (0,)
assert ArchivedLedger.objects.update(flag=7) == 2
assert sorted(ArchivedLedger.objects.values_list("amount", "flag")) == [
    (Decimal("1.50"), 7),
    (Decimal("9999999.99"), 7),
]
print("distributed flows passed")

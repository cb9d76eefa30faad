"""Models the router sends to the ``clickhouse`` database."""

from django.db import models


class Event(models.Model):
    """One network event, the kind of row ClickHouse is for."""

    timestamp = models.DateTimeField()
    protocol = models.CharField(max_length=16)
    port = models.PositiveIntegerField()
    source = models.GenericIPAddressField()
    payload = models.JSONField(default=dict)
    size = models.BigIntegerField(db_default=0)

    class Meta:
        db_table_comment = "network events"
        constraints = [
            models.CheckConstraint(condition=models.Q(port__lte=65535), name="valid_port")
        ]


class Author(models.Model):
    name = models.CharField(max_length=40)


class Tag(models.Model):
    label = models.CharField(max_length=20)


class Article(models.Model):
    """Relations between ClickHouse models: a key without a constraint, and a M2M."""

    title = models.CharField(max_length=40)
    author = models.ForeignKey(Author, models.CASCADE, db_constraint=False, null=True)
    tags = models.ManyToManyField(Tag)

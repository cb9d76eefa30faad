"""A network event, stored in ClickHouse: the router sends ClickhouseModel subclasses there."""

from django.utils import timezone

from clickhouse_backend import models


class Event(models.ClickhouseModel):
    class Action(models.IntegerChoices):
        ALLOW = 1
        DENY = 2
        ALERT = 3

    timestamp = models.DateTime64Field(precision=6, default=timezone.now)
    src_ip = models.GenericIPAddressField(help_text="IPv6; IPv4 sources are stored IPv4-mapped")
    dst_ip = models.IPv4Field()
    port = models.UInt16Field()
    protocol = models.StringField(low_cardinality=True)
    action = models.EnumField(choices=Action.choices, default=Action.ALLOW)
    content = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "network_event"
        engine = models.MergeTree(
            order_by=["protocol", "timestamp"],
            partition_by=models.Func("timestamp", function="toYYYYMMDD"),
        )
        indexes = [
            models.Index(fields=["src_ip"], name="src_ip_bloom", type=models.BloomFilter(0.01)),
            models.Index(fields=["port"], name="port_set", type=models.Set(100), granularity=4),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(port__gt=0), name="port_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.protocol} {self.src_ip} → {self.dst_ip}:{self.port} at {self.timestamp}"

"""Models the router sends to the ``clickhouse`` database."""

import datetime
import decimal
import uuid

from django.db import models
from django.db.models.functions import Lower

from clickhouse_backend import models as clickhouse


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


# -- Engines and data-skipping indexes (tests/test_engines.py) ---------------------------


class Reading(clickhouse.ClickhouseModel):
    """A sensor's readings: rows with the same sensor and time are replaced by the one
    with the highest version when parts merge (or when read with FINAL)."""

    sensor = models.CharField(max_length=20)
    timestamp = models.DateTimeField()
    value = models.FloatField()
    version = models.PositiveIntegerField(default=0)

    class Meta:
        engine = clickhouse.ReplacingMergeTree(
            "version",
            order_by=("sensor", "timestamp"),
            partition_by=models.Func("timestamp", function="toYYYYMM"),
            index_granularity=1024,
        )
        indexes = [
            clickhouse.Index(
                fields=["value"], name="reading_value", type=clickhouse.MinMax(), granularity=2
            ),
            clickhouse.Index(
                Lower("sensor"),
                name="reading_sensor",
                type=clickhouse.BloomFilter(0.01),
                granularity=4,
            ),
        ]


class Visit(clickhouse.ClickhouseModel):
    """Page visits, sampled by user: a sampling key, and a column named apart from its field."""

    user_id = models.PositiveBigIntegerField()
    url = models.CharField(max_length=200, db_column="page")
    day = models.DateField()

    class Meta:
        engine = clickhouse.MergeTree(
            order_by=("day", models.Func("user_id", function="intHash32")),
            sample_by=models.Func("user_id", function="intHash32"),
        )
        indexes = [
            clickhouse.Index(
                fields=["url"], name="visit_url", type=clickhouse.TokenbfV1(512, 3, 0)
            )
        ]


# -- One column of each ClickHouse field type (tests/test_fields.py) -------------------


class Typed(models.Model):
    """One column of each ClickHouse field type (tests/test_fields.py)."""

    class Action(models.IntegerChoices):
        PASS = 1
        DROP = 2
        ALERT = -3, "Alert!"

    class Protocol(models.TextChoices):
        TCP = "tcp"
        UDP = "udp"
        ICMP = "icmp", "ICMP"

    int8 = clickhouse.Int8Field(default=0)
    int16 = clickhouse.Int16Field(default=0)
    int32 = clickhouse.Int32Field(default=0)
    int64 = clickhouse.Int64Field(default=0)
    int128 = clickhouse.Int128Field(default=0)
    int256 = clickhouse.Int256Field(default=0)
    uint8 = clickhouse.UInt8Field(default=0)
    uint16 = clickhouse.UInt16Field(default=0)
    uint32 = clickhouse.UInt32Field(default=0)
    uint64 = clickhouse.UInt64Field(default=0)
    uint128 = clickhouse.UInt128Field(default=0)
    uint256 = clickhouse.UInt256Field(default=0)
    text = clickhouse.StringField(default="", blank=True)
    name = clickhouse.StringField(max_length=5, default="", blank=True)
    protocol = clickhouse.StringField(low_cardinality=True, default="", blank=True)
    label = clickhouse.StringField(low_cardinality=True, null=True, blank=True)
    code = clickhouse.FixedStringField(max_bytes=4, default="", blank=True)
    ipv4 = clickhouse.IPv4Field(default="0.0.0.0")
    ipv6 = clickhouse.IPv6Field(default="::")
    address = clickhouse.GenericIPAddressField(null=True, blank=True)
    address_v4 = clickhouse.GenericIPAddressField(protocol="ipv4", null=True, blank=True)
    day = clickhouse.DateField(default=datetime.date(2000, 1, 1))
    day32 = clickhouse.Date32Field(null=True, blank=True)
    moment = clickhouse.DateTimeField(null=True, blank=True)
    moment_berlin = clickhouse.DateTimeField(timezone="Europe/Berlin", null=True, blank=True)
    stamp = clickhouse.DateTime64Field(null=True, blank=True)
    stamp_tokyo = clickhouse.DateTime64Field(
        precision=3, timezone="Asia/Tokyo", null=True, blank=True
    )
    action = clickhouse.EnumField(choices=Action.choices, default=Action.PASS)
    kind = clickhouse.Enum16Field(choices=Protocol.choices, null=True, blank=True)
    severity = clickhouse.Enum8Field(choices=[(-128, "lowest"), (127, "highest")], default=127)

    # -- floats, decimals, Bool, UUID, and Django's time and duration (test_fields_scalar.py)
    float32 = clickhouse.Float32Field(default=0.0)
    float64 = clickhouse.Float64Field(null=True, blank=True)
    dec9 = clickhouse.DecimalField(max_digits=9, decimal_places=2, default=decimal.Decimal(0))
    dec18 = clickhouse.DecimalField(max_digits=18, decimal_places=18, null=True, blank=True)
    dec38 = clickhouse.DecimalField(max_digits=38, decimal_places=0, null=True, blank=True)
    dec76 = clickhouse.DecimalField(max_digits=76, decimal_places=20, null=True, blank=True)
    flag = clickhouse.BoolField(db_default=True)
    maybe = clickhouse.BoolField(null=True, blank=True)
    ident = clickhouse.UUIDField(default=uuid.uuid4)
    key = clickhouse.UUIDField(low_cardinality=True, null=True, blank=True)
    clock = models.TimeField(null=True, blank=True)
    duration = models.DurationField(null=True, blank=True)

    # -- containers (tests/test_fields_containers.py) ----------------------------------
    tags = clickhouse.ArrayField(clickhouse.StringField(), default=list, blank=True)
    numbers = clickhouse.ArrayField(clickhouse.UInt8Field(), size=4, default=list, blank=True)
    grid = clickhouse.ArrayField(
        clickhouse.ArrayField(clickhouse.Int256Field()), default=list, blank=True
    )
    optional_texts = clickhouse.ArrayField(
        clickhouse.StringField(null=True, blank=True), default=list, blank=True
    )
    labels = clickhouse.ArrayField(
        clickhouse.StringField(low_cardinality=True), default=list, blank=True
    )
    addresses = clickhouse.ArrayField(clickhouse.IPv6Field(), default=list, blank=True)
    stamps = clickhouse.ArrayField(
        clickhouse.DateTime64Field(precision=3, timezone="Asia/Tokyo"), default=list, blank=True
    )
    actions = clickhouse.ArrayField(
        clickhouse.EnumField(choices=Action.choices), default=list, blank=True
    )
    attrs = clickhouse.MapField(
        clickhouse.StringField(), clickhouse.UInt64Field(), default=dict, blank=True
    )
    point = clickhouse.TupleField(
        [("x", clickhouse.Int32Field()), ("y", clickhouse.StringField(blank=True))],
        default=(0, ""),
    )
    pair = clickhouse.TupleField(
        [clickhouse.UInt8Field(), clickhouse.StringField(null=True, blank=True)], default=(0, None)
    )

    # JSON and geo types (tests/test_fields_json.py, tests/test_fields_geo.py)
    data = clickhouse.JSONField(default=dict, blank=True)
    tuned = clickhouse.JSONField(
        null=True,
        blank=True,
        max_dynamic_paths=16,
        max_dynamic_types=4,
        skip_paths=["secret.token"],
        skip_regexps=["^tmp_"],
    )
    location = clickhouse.PointField(default=(0.0, 0.0))
    ring = clickhouse.RingField(default=list, blank=True)
    polygon = clickhouse.PolygonField(default=list, blank=True)
    multipolygon = clickhouse.MultiPolygonField(default=list, blank=True)

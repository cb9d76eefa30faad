"""The ORM on ClickHouse: create/bulk_create with generated ids, reads, conversions."""

import datetime
import decimal
import threading
import uuid

import pytest
from django.apps.registry import Apps
from django.db import DataError, NotSupportedError, connections, models
from django.db.models import Count, Max, Sum, Value
from django.db.models.functions import Lower

UTC = datetime.timezone.utc
TEST_APPS = Apps()


class Reading(models.Model):
    name = models.CharField(max_length=20)
    count = models.IntegerField(db_default=3)
    moment = models.DateTimeField(null=True)
    day = models.DateField(null=True)
    time = models.TimeField(null=True)
    duration = models.DurationField(null=True)
    address = models.GenericIPAddressField(null=True)
    document = models.JSONField(null=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    key = models.UUIDField(null=True)
    flag = models.BooleanField(default=False)
    data = models.BinaryField(null=True)

    class Meta:
        app_label = "orm_tests"
        apps = TEST_APPS


@pytest.fixture
def readings(django_db_blocker):
    """The Reading table on the suite's ClickHouse, dropped after the test."""
    with django_db_blocker.unblock():
        connection = connections["clickhouse"]
        with connection.schema_editor() as editor:
            editor.create_model(Reading)
        yield Reading.objects.using("clickhouse")
        with connection.schema_editor() as editor:
            editor.delete_model(Reading)
        connection.close()


def test_create_round_trips_every_value(readings):
    """create() stores each field and get() returns the same Python values."""
    values = {
        "name": "first",
        "count": 5,
        "moment": datetime.datetime(2024, 2, 29, 12, 30, 0, 123456, tzinfo=UTC),
        "day": datetime.date(1900, 1, 1),
        "time": datetime.time(9, 30, 0, 5),
        "duration": datetime.timedelta(days=2, microseconds=7),
        "address": "10.0.0.1",
        "document": {"tags": ["a", "b"], "n": 1},
        "price": decimal.Decimal("12.30"),
        "key": uuid.UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
        "flag": True,
    }
    created = readings.create(**values)
    assert isinstance(created.pk, int) and 0 < created.pk < 2**63
    fetched = readings.get(pk=created.pk)
    assert {name: getattr(fetched, name) for name in values} == values


def test_binary_values_and_decimal_places_read_back_as_written(readings):
    """BinaryField gives bytes back, UTF-8 or not, and saves them again; a DecimalField
    keeps its trailing zeros (str() shows the column's places)."""
    utf8 = readings.create(name="utf8", data="żółć".encode(), price=decimal.Decimal("8.30"))
    other = readings.create(name="other", data=memoryview(b"\x00F\xfe"))
    first, second = readings.get(pk=utf8.pk), readings.get(pk=other.pk)
    assert (first.data, second.data) == ("żółć".encode(), b"\x00F\xfe")
    assert str(first.price) == "8.30"
    assert [
        str(price) for price in readings.filter(pk=utf8.pk).values_list("price", flat=True)
    ] == ["8.30"]
    second.name = "saved again"
    second.save()
    assert readings.values_list("data", flat=True).get(name="saved again") == b"\x00F\xfe"


def test_ipv6_and_nulls(readings):
    """IPv6 addresses come back as written; unset nullable fields are None."""
    created = readings.create(name="v6", address="2001:db8::1")
    fetched = readings.get(pk=created.pk)
    assert fetched.address == "2001:db8::1"
    assert (fetched.moment, fetched.document, fetched.price) == (None, None, None)


def test_text_lookups_on_django_ip_address_fields(readings):
    """The admin's search (icontains) and other text lookups see the address as Python
    writes it, IPv4 included (stored IPv4-mapped)."""
    readings.bulk_create(
        [Reading(name="v4", address="192.168.1.5"), Reading(name="v6", address="2001:db8::1")]
    )

    def names(**lookup):
        return sorted(readings.filter(**lookup).values_list("name", flat=True))

    assert names(address__startswith="192.168.") == ["v4"]
    assert names(address__icontains="DB8") == ["v6"]
    assert names(address__iexact="2001:DB8::1") == ["v6"]
    assert names(address__endswith=".5") == ["v4"]
    assert names(address__regex=r"^\d+\.") == ["v4"]
    assert names(address__contains=":") == ["v6"]  # not ::ffff:192.168.1.5


def test_bulk_create_sets_unique_time_ordered_ids(readings):
    """bulk_create gives every object an id: unique, increasing, and in the table."""
    objs = readings.bulk_create([Reading(name=f"n{i}") for i in range(2500)], batch_size=1000)
    ids = [obj.pk for obj in objs]
    assert len(set(ids)) == 2500 and ids == sorted(ids)
    assert set(readings.values_list("pk", flat=True)) == set(ids)
    later = readings.create(name="later")
    assert later.pk > ids[-1]


def test_ids_are_unique_across_threads(readings):
    """Threads inserting at once (each with its own connection) never share an id."""
    ids, errors = [], []

    def work():
        try:
            objs = readings.bulk_create([Reading(name="t") for _ in range(3000)])
            ids.extend(obj.pk for obj in objs)
        except Exception as error:  # asserted below
            errors.append(error)
        finally:
            connections["clickhouse"].close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(ids) == 12000 == len(set(ids))


def test_db_default_is_filled_and_returned(readings):
    """db_default values come from ClickHouse, also when only some objects use them."""
    objs = readings.bulk_create([Reading(name="default"), Reading(name="given", count=9)])
    assert [obj.count for obj in objs] == [3, 9]
    assert sorted(readings.values_list("name", "count")) == [("default", 3), ("given", 9)]


def test_queries_and_django_null_semantics(readings):
    """Filters, values, annotate and aggregate run; empty aggregates are None."""
    readings.bulk_create(
        [Reading(name="a", count=1), Reading(name="a", count=2), Reading(name="b", count=5)]
    )
    assert readings.filter(name="a").count() == 2
    assert readings.filter(name__startswith="b").get().count == 5
    assert list(readings.values("name").annotate(n=Count("id")).order_by("name")) == [
        {"name": "a", "n": 2},
        {"name": "b", "n": 1},
    ]
    assert readings.aggregate(total=Sum("count"), top=Max("count")) == {"total": 8, "top": 5}
    assert readings.filter(name="none").aggregate(total=Sum("count")) == {"total": None}


def test_a_value_out_of_range_writes_nothing(readings):
    """A value that does not fit its column is a DataError naming it; nothing is written."""
    with pytest.raises(DataError, match="count"):
        readings.bulk_create([Reading(name="ok", count=1), Reading(name="bad", count=2**40)])
    assert readings.count() == 0


@pytest.mark.parametrize("document", [1, "text", [1, 2], True])
def test_a_json_value_that_is_not_an_object_writes_nothing(readings, document):
    """ClickHouse's JSON type holds objects: anything else is a DataError that says so."""
    with pytest.raises(DataError, match=r"Reading.document: .* is not a JSON object"):
        readings.bulk_create([Reading(name="ok", document={"a": 1}), Reading(document=document)])
    assert readings.count() == 0


def test_expressions_in_inserts_are_refused(readings):
    """A database function as a value cannot travel in a Native block: a clear error."""
    with pytest.raises(NotSupportedError, match="compute the values before saving"):
        readings.create(name=Lower(Value("X")))
    assert readings.count() == 0


def test_update_returns_the_rows_it_changed(readings):
    """update() is applied when it returns and reports how many rows matched."""
    readings.bulk_create([Reading(name="a", count=1), Reading(name="a"), Reading(name="b")])
    assert readings.filter(name="a").update(count=10, flag=True) == 2
    assert sorted(readings.values_list("name", "count", "flag")) == [
        ("a", 10, True),
        ("a", 10, True),
        ("b", 3, False),
    ]
    assert readings.filter(name="nobody").update(count=1) == 0
    assert readings.update(moment=datetime.datetime(2024, 1, 1, tzinfo=UTC)) == 3


def test_save_of_an_existing_object_updates_it(readings):
    """save() on a loaded object changes that row; it never inserts a duplicate."""
    created = readings.create(name="before", count=1)
    loaded = readings.get(pk=created.pk)
    loaded.name = "after"
    loaded.count = 2
    loaded.save()
    assert list(readings.values_list("pk", "name", "count")) == [(created.pk, "after", 2)]


def test_delete_counts_what_it_removed(readings):
    """delete() removes the matching rows and says how many, per model."""
    readings.bulk_create([Reading(name="keep"), Reading(name="drop"), Reading(name="drop")])
    assert readings.filter(name="drop").delete() == (2, {"orm_tests.Reading": 2})
    assert readings.filter(name="drop").delete() == (0, {})
    kept = readings.get()
    assert kept.delete() == (1, {"orm_tests.Reading": 1})
    assert readings.count() == 0


def test_deleting_every_row_empties_the_table_and_counts_it(readings):
    """all().delete(): ClickHouse's DELETE needs a WHERE; the table is emptied all the same."""
    readings.bulk_create(Reading(name=f"r{i}") for i in range(5))
    assert readings.all().delete() == (5, {"orm_tests.Reading": 5})
    assert readings.count() == 0
    assert readings.all().delete() == (0, {})
    readings.create(name="after")
    assert list(readings.values_list("name", flat=True)) == ["after"]


def test_updating_a_sorting_key_column_is_refused(readings):
    """ClickHouse cannot change a column of the sorting key: a clear error, nothing changed."""
    created = readings.create(name="fixed")
    with pytest.raises(NotSupportedError, match="cannot change id: a key of table"):
        readings.filter(pk=created.pk).update(id=created.pk + 1)
    assert readings.get().pk == created.pk


def _sensor_readings():
    from testapp.models import Reading as SensorReading

    return SensorReading.objects.using("clickhouse")


MOMENT = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.django_db(databases=["clickhouse"], transaction=True)
def test_save_of_a_loaded_row_keeps_its_key_columns():
    """save() assigns every field, sorting and partition key columns included: the ones
    that keep their value are left out of the mutation, the others change."""
    readings = _sensor_readings()
    created = readings.create(sensor="s1", timestamp=MOMENT, value=1.5)
    loaded = readings.get(pk=created.pk)
    loaded.value = 2.5
    loaded.save()
    assert list(readings.values_list("pk", "sensor", "timestamp", "value")) == [
        (created.pk, "s1", MOMENT, 2.5)
    ]
    assert readings.filter(sensor="s1").update(sensor="s1", value=3.5) == 1
    assert readings.get().value == 3.5


@pytest.mark.django_db(databases=["clickhouse"], transaction=True)
def test_save_that_changes_a_key_column_is_refused_and_changes_nothing():
    readings = _sensor_readings()
    created = readings.create(sensor="s1", timestamp=MOMENT, value=1.5)
    loaded = readings.get(pk=created.pk)
    loaded.sensor, loaded.value = "s2", 9.0
    with pytest.raises(
        NotSupportedError, match="cannot change sensor: a key of table testapp_reading"
    ):
        loaded.save()
    assert list(readings.values_list("sensor", "value")) == [("s1", 1.5)]


@pytest.mark.django_db(databases=["clickhouse"], transaction=True)
def test_save_of_a_row_with_only_key_columns_to_assign_inserts_no_copy():
    """When every assigned column is a key column that keeps its value, there is nothing
    to update, but the row exists: save() must not fall back to an INSERT."""
    readings = _sensor_readings()
    created = readings.create(sensor="s1", timestamp=MOMENT, value=1.5)
    loaded = readings.get(pk=created.pk)
    loaded.save(update_fields=["sensor", "timestamp"])
    assert readings.count() == 1
    assert readings.filter(pk=created.pk).update(sensor="s1") == 1


def test_date_parts_and_truncation_in_time_zones(readings):
    """__year/__month/__week_day/__date lookups, Extract* and Trunc* use the current zone."""
    import zoneinfo

    from django.db.models.functions import ExtractHour, TruncDate, TruncDay, TruncHour, TruncMonth
    from django.utils import timezone

    moment = datetime.datetime(2024, 3, 31, 22, 30, 15, 500, tzinfo=UTC)  # a Sunday in UTC
    readings.create(name="e", moment=moment, day=datetime.date(2024, 3, 31),
                    time=datetime.time(13, 45, 30, 5))  # fmt: skip
    for zone_name in ("UTC", "Asia/Tokyo", "America/New_York"):
        zone = zoneinfo.ZoneInfo(zone_name)
        local = moment.astimezone(zone)
        with timezone.override(zone):
            assert readings.filter(moment__month=local.month, moment__day=local.day).count() == 1
            assert readings.filter(moment__date=local.date()).count() == 1
            week_day = local.isoweekday() % 7 + 1  # Django's Sunday=1 ... Saturday=7
            assert readings.filter(moment__week_day=week_day).count() == 1
            row = readings.annotate(
                hour=TruncHour("moment"),
                day_start=TruncDay("moment"),
                month=TruncMonth("moment"),
                hour_number=ExtractHour("moment"),
                date=TruncDate("moment"),
            ).values("hour", "day_start", "month", "hour_number", "date")[0]
            assert row == {
                "hour": local.replace(minute=0, second=0, microsecond=0),
                "day_start": local.replace(hour=0, minute=0, second=0, microsecond=0),
                "month": local.replace(day=1, hour=0, minute=0, second=0, microsecond=0),
                "hour_number": local.hour,
                "date": local.date(),
            }
    assert readings.filter(day__week_day=1, day__year=2024).count() == 1
    assert readings.filter(time__hour=13, time__minute=45).count() == 1
    assert list(readings.annotate(m=TruncMonth("day")).values_list("m", flat=True)) == [
        datetime.date(2024, 3, 1)
    ]


def test_json_key_lookups_filter_update_and_delete(readings):
    """JSON key lookups work in every statement (tests/test_fields_json.py has the rest)."""
    readings.create(name="j", document={"a": 1})
    readings.create(name="k", document={"a": 2})
    assert readings.filter(document__a=1).count() == 1
    assert readings.filter(document__has_key="a").count() == 2
    assert sorted(readings.values_list("document__a", flat=True)) == [1, 2]
    assert readings.filter(document__a=1).update(name="changed") == 1
    assert readings.filter(document__a=2).delete()[0] == 1
    assert [(r.name, r.document) for r in readings.all()] == [("changed", {"a": 1})]


# -- NULL where Django documents one: outer joins and aggregates over no rows ------------


@pytest.mark.django_db(databases=["clickhouse"], transaction=True)
def test_outer_joins_give_none_for_missing_related_rows():
    """A LEFT JOIN that finds nothing gives None (ClickHouse alone would give '' and 0),
    whether the key is NULL or points at a row that is gone."""
    from testapp.models import Article, Author

    ann = Author.objects.create(name="ann")
    gone = Author.objects.create(name="gone")
    gone_id = gone.pk
    gone.delete()
    Article.objects.create(title="kept", author=ann)
    Article.objects.create(title="no author", author=None)
    Article.objects.create(title="dangling", author_id=gone_id)  # nothing enforces the key

    names = Article.objects.order_by("title", "author__name").values_list("title", "author__name")
    assert list(names) == [("dangling", None), ("kept", "ann"), ("no author", None)]
    assert [a.title for a in Article.objects.filter(author__isnull=True)] == ["no author"]
    missing = Article.objects.filter(author__name__isnull=True).order_by("title")
    assert [a.title for a in missing] == ["dangling", "no author"]
    assert Article.objects.select_related("author").get(title="dangling").author is None
    # Reverse: an author without articles has None for the articles' columns.
    lonely = Author.objects.create(name="lonely")
    rows = Author.objects.filter(pk=lonely.pk).values_list("name", "article__title", "article__id")
    assert list(rows) == [("lonely", None, None)]


@pytest.mark.django_db(databases=["clickhouse"], transaction=True)
def test_aggregates_over_no_rows():
    """Over no rows Count is 0 and the others None, as Django documents; default= applies."""
    from django.db.models import Avg, Min, StdDev, Variance
    from testapp.models import Article, Author, Event

    empty = Event.objects.aggregate(
        n=Count("id"),
        total=Sum("size"),
        mean=Avg("port"),
        low=Min("timestamp"),
        high=Max("port"),
        spread=StdDev("size"),
        variance=Variance("size"),
        fallback=Sum("size", default=0),
    )
    assert empty == {
        "n": 0,
        "total": None,
        "mean": None,
        "low": None,
        "high": None,
        "spread": None,
        "variance": None,
        "fallback": 0,
    }
    # Per group: an author without articles gets 0 from Count and None from Max.
    Author.objects.create(name="lonely")
    writer = Author.objects.create(name="writer")
    Article.objects.create(title="b", author=writer)
    per_author = Author.objects.annotate(n=Count("article"), last=Max("article__title"))
    assert sorted(per_author.values_list("name", "n", "last")) == [
        ("lonely", 0, None),
        ("writer", 1, "b"),
    ]

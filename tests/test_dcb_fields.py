"""What projects written for django-clickhouse-backend do with fields, here: Enum labels
as bytes and by name, ``return_int``, numeric timestamps, arrays from generators, its
``__any`` lookup, tuple lookups of another length and ``KeyTransform`` made by hand. Each
on the suite's ClickHouse, through the ORM."""

import datetime
import math
from zoneinfo import ZoneInfo

import pytest
from django.apps.registry import Apps
from django.core.exceptions import ValidationError
from django.db import models
from field_helpers import alter, column_types, raw, refused, table_for

import clickhouse_backend.models as ch
from clickhouse_backend.models.fields.map import KeyTransform

pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)

APPS = Apps()
UTC = datetime.timezone.utc
TOKYO = ZoneInfo("Asia/Tokyo")
# Its own documentation's choices: bytes and text labels, non-ASCII too.
LABELS = ((1, b"a"), (2, "Smile \N{GRINNING FACE}"), (3, "九转大肠".encode()))


class Fruit(models.IntegerChoices):
    BANANA = 1, "banana"
    PEAR = 2, "pear"
    APPLE = 3, "apple"


class DcbEnum(models.Model):
    fruit = ch.EnumField(choices=Fruit.choices, default=Fruit.BANANA)
    named = ch.Enum8Field(choices=Fruit.choices, return_int=False, null=True, blank=True)
    labelled = ch.Enum16Field(choices=LABELS, null=True, blank=True)

    class Meta:
        app_label = "testapp"  # routed to ClickHouse
        apps = APPS


class DcbMoment(models.Model):
    second = ch.DateTimeField(null=True)
    micro = ch.DateTime64Field(null=True)
    milli_tokyo = ch.DateTime64Field(precision=3, timezone="Asia/Tokyo", null=True)
    stamps = ch.ArrayField(ch.DateTime64Field(), default=list)

    class Meta:
        app_label = "testapp"
        apps = APPS


class DcbText(models.Model):
    text = ch.StringField(null=True)
    short = ch.StringField(max_length=3, default="")

    class Meta:
        app_label = "testapp"
        apps = APPS


class DcbContainer(models.Model):
    tags = ch.ArrayField(ch.StringField(), default=list, blank=True)
    grid = ch.ArrayField(ch.ArrayField(ch.UInt32Field()), default=list, blank=True)
    pair = ch.TupleField([ch.UInt8Field(), ch.StringField(blank=True)], default=(0, ""))
    point = ch.TupleField([("x", ch.Int32Field()), ("y", ch.Int32Field())], default=(0, 0))
    attrs = ch.MapField(ch.StringField(), ch.UInt64Field(), default=dict, blank=True)

    class Meta:
        app_label = "testapp"
        apps = APPS


@pytest.fixture
def enums(django_db_blocker):
    with django_db_blocker.unblock(), table_for(DcbEnum) as rows:
        yield rows


@pytest.fixture
def moments(django_db_blocker):
    with django_db_blocker.unblock(), table_for(DcbMoment) as rows:
        yield rows


@pytest.fixture
def texts(django_db_blocker):
    with django_db_blocker.unblock(), table_for(DcbText) as rows:
        yield rows


@pytest.fixture
def containers(django_db_blocker):
    with django_db_blocker.unblock(), table_for(DcbContainer) as rows:
        yield rows


def ids(rows) -> set:
    return set(rows.values_list("id", flat=True))


# -- Enum ------------------------------------------------------------------------------


def test_byte_string_labels_make_the_enum_and_pass_the_checks(enums):
    field = DcbEnum._meta.get_field("labelled")
    assert field.check() == []
    assert field.choices == [(1, "a"), (2, "Smile \N{GRINNING FACE}"), (3, "九转大肠")]
    assert column_types("testapp_dcbenum")["labelled"] == (
        "Nullable(Enum16('a' = 1, 'Smile \N{GRINNING FACE}' = 2, '九转大肠' = 3))"
    )
    # A migration written by django-clickhouse-backend (bytes labels) makes the same field.
    assert field.deconstruct()[3]["choices"] == [
        (1, "a"),
        (2, "Smile \N{GRINNING FACE}"),
        (3, "九转大肠"),
    ]


def test_enum_values_are_assigned_as_value_label_or_label_bytes(enums):
    by_value = enums.create(labelled=1)
    by_label = enums.create(labelled="Smile \N{GRINNING FACE}")
    by_bytes = enums.create(labelled="九转大肠".encode())
    assert [enums.get(pk=row.pk).labelled for row in (by_value, by_label, by_bytes)] == [1, 2, 3]
    assert ids(enums.filter(labelled="九转大肠")) == {by_bytes.pk}
    assert ids(enums.filter(labelled=b"a")) == {by_value.pk}
    assert ids(enums.filter(labelled__contains="转大")) == {by_bytes.pk}
    assert ids(enums.filter(labelled__label__startswith="Smile")) == {by_label.pk}


def test_enum_labels_in_saves_updates_bulk_inserts_and_lookups(enums):
    banana, pear = enums.bulk_create([DcbEnum(fruit="banana"), DcbEnum(fruit=b"pear")])
    apple = enums.create(fruit="apple")
    assert list(enums.order_by("fruit").values_list("fruit", flat=True)) == [1, 2, 3]
    assert ids(enums.filter(fruit="pear")) == {pear.pk}
    assert ids(enums.filter(fruit__gte="pear")) == {pear.pk, apple.pk}
    assert ids(enums.filter(fruit__in=["banana", Fruit.APPLE])) == {banana.pk, apple.pk}

    enums.filter(pk=banana.pk).update(fruit="apple")
    pear.fruit = "apple"
    pear.save()
    assert set(enums.values_list("fruit", flat=True)) == {Fruit.APPLE}


def test_a_digit_string_is_a_value_unless_it_is_a_label(enums):
    row = enums.create(fruit="2")  # as Django's integer fields read "2"
    assert enums.get(pk=row.pk).fruit == 2


def test_a_name_that_is_no_label_is_refused_naming_the_field(enums):
    with pytest.raises(ValueError, match=r"'fruit' expected one of its choices but got 'kiwi'"):
        enums.create(fruit="kiwi")
    with pytest.raises(ValidationError, match="kiwi"):
        DcbEnum(fruit="kiwi").full_clean()
    assert not enums.exists()


def test_return_int_false_reads_labels_that_save_and_clean_back(enums):
    enums.create(named=Fruit.PEAR)
    row = enums.get()
    assert row.named == "pear"
    assert row.get_named_display() == "pear"
    assert list(enums.values_list("named", flat=True)) == ["pear"]
    row.save()  # the label read is saved as its value
    assert raw("SELECT CAST(named, 'Int8') FROM testapp_dcbenum") == [(2,)]
    row.full_clean()  # cleans the label to its value
    assert row.named == Fruit.PEAR
    assert ids(enums.filter(named="pear")) == ids(enums.filter(named=2)) == {row.pk}


def test_return_int_is_kept_by_migrations_and_does_not_alter_the_column(enums):
    field = DcbEnum._meta.get_field("named")
    assert field.deconstruct()[3]["return_int"] is False
    assert "return_int" not in DcbEnum._meta.get_field("fruit").deconstruct()[3]
    reading_values = ch.Enum8Field(choices=Fruit.choices, null=True, blank=True)
    assert alter(DcbEnum, field, reading_values) == []


def test_a_label_that_is_not_utf8_fails_the_checks_by_name():
    field = ch.EnumField(choices=[(1, b"a\xff"), (2, "b")])
    field.set_attributes_from_name("field")
    (message,) = field.check()
    assert message.id == "clickhouse_backend.E106"
    assert "b'a\\xff'" in message.msg and "not UTF-8" in message.msg


# -- numeric timestamps ----------------------------------------------------------------

INSTANT = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
SECONDS = int(INSTANT.replace(microsecond=0).timestamp())


def test_timestamps_are_seconds_since_1970_in_every_datetime_column(moments):
    row = moments.create(
        second=SECONDS,
        micro=INSTANT.timestamp(),
        milli_tokyo=SECONDS,
        stamps=[SECONDS, INSTANT.timestamp()],
    )
    loaded = moments.get(pk=row.pk)
    assert loaded.second == INSTANT.replace(microsecond=0)
    assert loaded.micro == INSTANT
    assert loaded.milli_tokyo == INSTANT.replace(microsecond=0)
    assert loaded.milli_tokyo.utcoffset() == datetime.timedelta(hours=9)  # the column's zone
    assert loaded.stamps == [INSTANT.replace(microsecond=0), INSTANT]


def test_timestamps_in_bulk_inserts_updates_saves_and_lookups(moments):
    first, second = moments.bulk_create(
        [DcbMoment(micro=SECONDS), DcbMoment(micro=SECONDS + 60.5)]
    )
    assert moments.get(pk=second.pk).micro == INSTANT.replace(microsecond=0) + datetime.timedelta(
        seconds=60.5
    )
    assert ids(moments.filter(micro=SECONDS)) == {first.pk}
    assert ids(moments.filter(micro__gt=SECONDS + 0.5)) == {second.pk}
    assert ids(moments.filter(micro__range=(SECONDS - 1, SECONDS + 61))) == {first.pk, second.pk}

    moments.filter(pk=first.pk).update(second=SECONDS + 1.9)  # DateTime keeps whole seconds
    first.refresh_from_db()
    assert first.second == INSTANT.replace(microsecond=0) + datetime.timedelta(seconds=1)
    first.milli_tokyo = 0
    first.save()
    assert moments.get(pk=first.pk).milli_tokyo == datetime.datetime(1970, 1, 1, 9, tzinfo=TOKYO)


def test_timestamps_with_use_tz_off_read_back_as_wall_clock_times(moments, settings):
    settings.USE_TZ = False
    moments.create(second=SECONDS, milli_tokyo=SECONDS)
    row = moments.get()
    assert row.second == datetime.datetime(2024, 5, 6, 7, 8, 9)
    assert row.milli_tokyo == datetime.datetime(2024, 5, 6, 16, 8, 9)
    assert ids(moments.filter(milli_tokyo=SECONDS)) == {row.pk}


def test_timestamps_outside_a_column_or_python_are_refused_by_value(moments):
    with refused(r"DcbMoment\.second: -1 is outside the range of ClickHouse's DateTime"):
        moments.create(second=-1)
    with refused(r"DcbMoment\.micro: 100000000000.0 is outside the range"):  # the year 5138
        moments.create(micro=1e11)
    for value in (math.nan, math.inf, 10**12, True):
        with pytest.raises(ValidationError, match=f"{value!r} is not a Unix timestamp"):
            moments.create(micro=value)
    assert not moments.exists()


# -- strings --------------------------------------------------------------------------


def test_string_bytes_are_stored_as_bytes_not_their_repr(texts):
    texts.bulk_create([DcbText(text=b"\xff\x00"), DcbText(text="我".encode(), short=b"abc")])
    row = texts.create(text=b"plain")
    assert raw("SELECT hex(text) FROM testapp_dcbtext ORDER BY text") == [
        ("706C61696E",),
        ("E68891",),
        ("FF00",),
    ]
    # Read back as text when it is UTF-8, as bytes when not.
    assert set(texts.values_list("text", flat=True)) == {b"\xff\x00", "我", "plain"}
    assert texts.get(text=b"\xff\x00").short == ""
    texts.filter(pk=row.pk).update(text=b"\x00\x01")
    assert texts.get(pk=row.pk).text == "\x00\x01"
    with refused(r"DcbText\.short: b'abcd' is longer than max_length=3"):  # bytes counted
        texts.create(short=b"abcd")


# -- arrays ----------------------------------------------------------------------------


def test_arrays_are_taken_from_generators_and_other_iterables(containers):
    row = containers.create(tags=(tag.lower() for tag in ("A", "B")), grid=map(list, [range(3)]))
    assert row.tags == ["a", "b"]  # kept as a list, not a spent generator
    loaded = containers.get(pk=row.pk)
    assert (loaded.tags, loaded.grid) == (["a", "b"], [[0, 1, 2]])

    row.tags = (tag for tag in ["x", "y", "z"])
    row.full_clean()  # reads it, and save() still finds every element
    row.save()
    assert containers.get(pk=row.pk).tags == ["x", "y", "z"]

    containers.bulk_create([DcbContainer(tags=iter(["q"])), DcbContainer(tags={"s"})])
    assert sorted(containers.values_list("tags", flat=True)) == [["q"], ["s"], ["x", "y", "z"]]


def test_generators_in_updates_and_lookups(containers):
    row = containers.create(tags=["a", "b"])
    assert ids(containers.filter(tags=(tag for tag in "ab"))) == {row.pk}
    assert ids(containers.filter(tags__contains=iter(["b"]))) == {row.pk}
    containers.update(tags=(tag.upper() for tag in "ab"))
    assert containers.get().tags == ["A", "B"]


def test_an_iterable_inside_an_array_is_refused_by_position(containers):
    """Only a whole value is made a list: an element is read where it is, and a
    generator there would be spent by full_clean() before save() stores it."""
    with refused(r"DcbContainer\.grid: \[range\(0, 3\)\] .* at \[0\], range\(0, 3\): is not a"):
        containers.create(grid=[range(3)])


def test_any_is_has_under_its_name(containers):
    row = containers.create(tags=["a", "b"], grid=[[1, 2], [3]])
    containers.create(tags=["c"], grid=[[1]])
    assert ids(containers.filter(tags__any="b")) == ids(containers.filter(tags__has="b"))
    assert ids(containers.filter(tags__any="b")) == {row.pk}
    assert ids(containers.filter(grid__any=[3])) == {row.pk}
    assert ids(containers.exclude(tags__any="z")) == ids(containers.all())


# -- tuples ----------------------------------------------------------------------------


def test_a_tuple_of_another_length_matches_no_row(containers):
    one = containers.create(pair=(1, "a"), point=(1, 2))
    two = containers.create(pair=(2, "b"))
    assert not containers.filter(pair=(1,)).exists()
    assert not containers.filter(point=[1, 2, 3]).exists()
    assert ids(containers.exclude(pair=(1,))) == {one.pk, two.pk}
    assert ids(containers.filter(pair__in=[(1,), (2, "b"), (1, "a", "x")])) == {two.pk}
    assert not containers.filter(pair__in=[(1,)]).exists()


def test_saving_a_tuple_of_another_length_is_refused_by_name(containers):
    with refused(r"DcbContainer\.pair: \(1,\) is not a tuple of 2 elements"):
        containers.create(pair=(1,))
    with pytest.raises(ValidationError, match="Enter a tuple of 2 elements"):
        DcbContainer(pair=(1,)).full_clean()
    assert not containers.exists()


def test_a_value_that_is_no_tuple_is_still_refused_in_lookups(containers):
    with refused(r"DcbContainer\.pair: 'ab' is not a tuple of 2 elements"):
        containers.filter(pair="ab")


# -- maps ------------------------------------------------------------------------------


def test_key_transform_made_by_hand_reaches_any_key(containers):
    row = containers.create(attrs={"len": 7, "a.b": 1})
    containers.create(attrs={"other": 1})
    values = containers.annotate(
        length=KeyTransform("len", ch.StringField(), ch.UInt64Field(), "attrs"),
        dotted=KeyTransform("a.b", ch.StringField(), ch.UInt64Field(), "attrs"),
    ).order_by("id")
    assert list(values.values_list("length", "dotted")) == [(7, 1), (None, None)]
    assert ids(values.filter(length__gt=5)) == {row.pk}


def test_key_transform_refuses_a_key_of_another_type(containers):
    containers.create(attrs={"a": 1})
    with pytest.raises(ValueError, match=r"'x' is not a key of .* \(keys: UInt8\)"):
        list(
            containers.annotate(
                value=KeyTransform("x", ch.UInt8Field(), ch.UInt64Field(), "attrs")
            )
        )

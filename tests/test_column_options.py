"""Column options on fields: codec=, ttl=, materialized=, alias=, ephemeral= — the DDL
ClickHouse gets (read back from system.columns), the migrations makemigrations writes
for them (applied and reversed), the ORM's reads and writes of computed columns, and
inspectdb's round trip."""

import datetime

import django
import pytest
from django.apps.registry import Apps
from django.core.exceptions import ValidationError
from django.db import DatabaseError, NotSupportedError, migrations
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.graph import MigrationGraph
from django.db.migrations.questioner import MigrationQuestioner
from django.db.migrations.state import ModelState, ProjectState
from django.db.migrations.writer import MigrationWriter
from django.db.models import CheckConstraint, F, Q
from django.db.models.expressions import RawSQL
from field_helpers import clickhouse, created_as, inspected, raw, table_for

from clickhouse_backend import models

UTC = datetime.timezone.utc
MOMENT = datetime.datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
pytestmark = pytest.mark.django_db(databases=["clickhouse"], transaction=True)


def described(table: str) -> dict[str, tuple[str, str, str]]:
    """{column: (default_kind, default_expression, compression_codec)} from ClickHouse."""
    rows = raw(
        "SELECT name, default_kind, default_expression, compression_codec FROM system.columns "
        "WHERE database = currentDatabase() AND table = %s ORDER BY position",
        [table],
    )
    return {name: tuple(rest) for name, *rest in rows}


def column_line(table: str, column: str) -> str:
    """The column's line in SHOW CREATE TABLE (the only place ClickHouse shows its TTL)."""
    (create,) = raw(f"SHOW CREATE TABLE `{table}`")[0]
    (line,) = [line for line in create.splitlines() if line.strip().startswith(f"`{column}` ")]
    return line.strip().rstrip(",")


class Metric(models.ClickhouseModel):
    ts = models.DateTime64Field(precision=3, codec="Delta, ZSTD(3)")
    name = models.StringField(low_cardinality=True)
    value = models.Float64Field(codec="Gorilla", ttl="toDateTime(ts) + INTERVAL 3650 DAY")
    day = models.DateField(materialized="toDate(ts)")
    doubled = models.Float64Field(alias=F("value") * 2)
    raw_name = models.StringField(ephemeral=True)
    shout = models.StringField(db_default=RawSQL("upper(raw_name)", []))

    class Meta:
        app_label = "testapp"
        apps = Apps()
        engine = models.MergeTree(order_by=("name", "ts"))


# -- DDL ------------------------------------------------------------------------------


def test_a_new_table_has_the_codecs_ttls_and_computed_columns_of_its_fields():
    with table_for(Metric):
        columns = described("testapp_metric")
        assert columns["ts"] == ("", "", "CODEC(Delta(8), ZSTD(3))")
        assert columns["value"] == ("", "", "CODEC(Gorilla(8))")
        assert columns["day"] == ("MATERIALIZED", "toDate(ts)", "")
        assert columns["doubled"] == ("ALIAS", "(value * 2)", "")
        assert columns["raw_name"][0] == "EPHEMERAL"
        assert columns["shout"][0] == "DEFAULT"
        assert column_line("testapp_metric", "value").endswith(
            "TTL toDateTime(ts) + toIntervalDay(3650)"
        )


def test_sql_text_and_expressions_give_the_same_column():
    class Both(models.ClickhouseModel):
        a = models.Int64Field()
        as_text = models.Int64Field(materialized="a + 1")
        as_expression = models.Int64Field(materialized=F("a") + 1)

        class Meta:
            app_label = "testapp"
            apps = Apps()

    with table_for(Both) as objects:
        columns = described("testapp_both")
        assert columns["as_text"][0] == columns["as_expression"][0] == "MATERIALIZED"
        made = objects.create(a=41)
        assert (made.as_text, made.as_expression) == (42, 42)


# -- the ORM --------------------------------------------------------------------------


def test_create_reads_computed_columns_back_and_writes_ephemeral_ones():
    with table_for(Metric) as objects:
        metric = objects.create(ts=MOMENT, name="cpu", value=1.5, raw_name="host-a")
        assert metric.day == datetime.date(2024, 5, 1)
        assert metric.doubled == 3.0
        assert metric.shout == "HOST-A"  # computed by ClickHouse from the EPHEMERAL input
        fetched = objects.get()
        assert (fetched.day, fetched.doubled, fetched.shout) == (metric.day, 3.0, "HOST-A")
        assert fetched.raw_name is None  # not stored: ClickHouse cannot read it back
        assert list(objects.values("name", "raw_name")) == [{"name": "cpu", "raw_name": None}]
        assert len(objects.values_list().get()) == len(Metric._meta.concrete_fields)
        metric.refresh_from_db()
        assert metric.raw_name is None
        assert objects.filter(day__year=2024, doubled__gt=2).count() == 1


def test_bulk_create_leaves_computed_columns_to_clickhouse():
    with table_for(Metric) as objects:
        objects.bulk_create(
            [
                Metric(ts=MOMENT, name="a", value=1.0, raw_name="x"),
                Metric(ts=MOMENT + datetime.timedelta(days=1), name="b", value=2.0),
            ]
        )
        rows = list(objects.order_by("name").values_list("name", "day", "doubled", "shout"))
        assert rows == [
            ("a", datetime.date(2024, 5, 1), 2.0, "X"),
            ("b", datetime.date(2024, 5, 2), 4.0, ""),  # EPHEMERAL left to its default
        ]


def test_save_and_update_never_write_computed_columns():
    with table_for(Metric) as objects:
        metric = objects.create(ts=MOMENT, name="cpu", value=1.5, raw_name="x")
        metric.day = datetime.date(2000, 1, 1)
        metric.value = 4.0
        metric.save()  # an UPDATE of a created object: its EPHEMERAL value is left out
        objects.update(day=datetime.date(2000, 1, 1), doubled=0.0)
        fetched = objects.get()
        assert (fetched.value, fetched.day, fetched.doubled) == (
            4.0,
            datetime.date(2024, 5, 1),
            8.0,
        )
        fetched.value = 5.0
        fetched.save()  # a read object: its EPHEMERAL field was never loaded
        assert objects.get().doubled == 10.0
        if django.VERSION >= (6,):  # Django 6 reads computed values again after save()
            assert (fetched.doubled, fetched.day) == (10.0, datetime.date(2024, 5, 1))
            fetched.value = 6.0
            fetched.save(update_fields=["value"])  # doubled is computed from value
            assert fetched.doubled == 12.0


def test_a_computed_field_of_an_unsaved_object_cannot_be_read():
    """As Django's GeneratedField: the database computes it."""
    with pytest.raises(AttributeError, match="from an unsaved model"):
        assert Metric(ts=MOMENT, name="x", value=1.0).day is None


def test_full_clean_validates_the_constraints_of_a_model_with_computed_columns():
    class Checked(models.ClickhouseModel):
        a = models.Int64Field()
        b = models.Int64Field(materialized="a * 2")

        class Meta:
            app_label = "testapp"
            apps = Apps()
            constraints = [CheckConstraint(condition=Q(a__gte=0), name="a_positive")]

    Checked(a=1).full_clean()
    with pytest.raises(ValidationError, match="a_positive"):
        Checked(a=-1).full_clean()


# -- migrations -------------------------------------------------------------------------


def state_of(*model_classes) -> ProjectState:
    state = ProjectState()
    for model in model_classes:
        state.add_model(ModelState.from_model(model))
    return state


def written_migration(before: ProjectState, after: ProjectState) -> migrations.Migration:
    """What makemigrations writes for the change, loaded back from its text."""
    questioner = MigrationQuestioner(specified_apps={"testapp"})
    changes = MigrationAutodetector(before, after, questioner).changes(graph=MigrationGraph())
    (migration,) = changes["testapp"]
    text = MigrationWriter(migration).as_string()
    namespace: dict = {}
    exec(compile(text, "migration.py", "exec"), namespace)
    loaded = namespace["Migration"]("0002_change", "testapp")
    loaded.dependencies = []
    return loaded


def sample_models():
    """Two versions of a model, the second with every column option changed."""

    class Sample(models.ClickhouseModel):
        ts = models.DateTime64Field(precision=3, codec="Delta, ZSTD(3)")
        value = models.Float64Field(codec="Gorilla", ttl="toDateTime(ts) + INTERVAL 30 DAY")
        day = models.DateField(materialized="toDate(ts)")
        hour = models.Int64Field()

        class Meta:
            app_label = "testapp"
            apps = Apps()
            db_table = "testapp_sample"

    class Changed(models.ClickhouseModel):
        ts = models.DateTime64Field(precision=3, codec="ZSTD(1)")
        value = models.Float64Field()
        day = models.DateField(alias="toDate(ts)")
        hour = models.Int64Field(materialized="toHour(ts)")
        note = models.StringField(ephemeral="'none'")
        minute = models.Int64Field(alias=models.Func(F("ts"), function="toMinute"))

        class Meta:
            app_label = "testapp"
            apps = Apps()
            db_table = "testapp_sample"

    Changed.__name__ = Changed._meta.object_name = "Sample"
    Changed._meta.model_name = "sample"
    return Sample, Changed


def test_makemigrations_writes_option_changes_that_migrate_applies_and_reverses():
    sample, changed = sample_models()
    before, after = state_of(sample), state_of(changed)
    migration = written_migration(before, after)
    assert {type(op).__name__ for op in migration.operations} == {"AlterField", "AddField"}
    # A computed column needs no one-off default: makemigrations asks for none.
    added = [op for op in migration.operations if type(op).__name__ == "AddField"]
    assert [(op.name, op.preserve_default) for op in added] == [("minute", True), ("note", True)]
    with table_for(sample) as objects:
        objects.create(ts=MOMENT, value=1.0, hour=7)
        original = described("testapp_sample")
        original_value = column_line("testapp_sample", "value")
        with clickhouse().schema_editor() as editor:
            migration.apply(before.clone(), editor)  # apply() changes the state it is given
        columns = described("testapp_sample")
        assert columns["ts"] == ("", "", "CODEC(ZSTD(1))")
        assert columns["value"] == ("", "", "")
        assert "TTL" not in column_line("testapp_sample", "value")
        assert columns["day"] == ("ALIAS", "toDate(ts)", "")
        assert columns["hour"] == ("MATERIALIZED", "toHour(ts)", "")
        assert columns["note"] == ("EPHEMERAL", "'none'", "")
        assert columns["minute"] == ("ALIAS", "toMinute(ts)", "")
        # hour is MATERIALIZED now: the rows there hold toHour(ts), not what they had.
        assert raw("SELECT day, hour FROM testapp_sample") == [(datetime.date(2024, 5, 1), 12)]
        with clickhouse().schema_editor() as editor:
            migration.unapply(before, editor)
        assert described("testapp_sample") == original
        assert column_line("testapp_sample", "value") == original_value
        # A column that stops being MATERIALIZED keeps the values it holds.
        assert raw("SELECT day, hour FROM testapp_sample") == [(datetime.date(2024, 5, 1), 12)]


def test_a_computed_column_holds_its_value_in_every_row_through_each_change():
    """ClickHouse alone would keep a column's old values when it becomes MATERIALIZED,
    and read 0 for rows it never stored once it stops being computed."""

    class Scaled(models.ClickhouseModel):
        a = models.Int64Field()
        m = models.Int64Field()

        class Meta:
            app_label = "testapp"
            apps = Apps()

    def values():
        return [m for (m,) in raw("SELECT m FROM testapp_scaled ORDER BY a")]

    current = Scaled._meta.get_field("m")

    def alter(new):
        nonlocal current
        new.set_attributes_from_name("m")
        new.model = Scaled
        with clickhouse().schema_editor() as editor:
            editor.alter_field(Scaled, current, new)
        current = new

    with table_for(Scaled) as objects:
        objects.create(a=1, m=5)
        alter(models.Int64Field(materialized="a * 10"))
        assert values() == [10]
        raw("INSERT INTO testapp_scaled (id, a) VALUES (2, 2)")  # m computed and stored
        assert values() == [10, 20]
        alter(models.Int64Field(materialized="a * 100"))
        assert values() == [100, 200]
        alter(models.Int64Field(alias="a * 3"))
        assert values() == [3, 6]
        alter(models.Int64Field())  # no longer computed: keeps what it showed
        assert values() == [3, 6]


def test_sqlmigrate_shows_the_remove_statements():
    sample, changed = sample_models()
    migration = written_migration(state_of(sample), state_of(changed))
    with clickhouse().schema_editor(collect_sql=True) as editor:
        migration.apply(state_of(sample), editor, collect_sql=True)
    sql = "\n".join(editor.collected_sql)
    assert 'MODIFY COLUMN "value" REMOVE CODEC' in sql
    assert 'MODIFY COLUMN "value" REMOVE TTL' in sql
    assert '"day" Date NOT NULL ALIAS toDate(ts)' in sql


def test_an_ephemeral_column_cannot_become_a_stored_one():
    sample, _ = sample_models()
    with table_for(sample):
        before = described("testapp_sample")
        note = models.StringField(ephemeral=True)
        note.set_attributes_from_name("note")
        with clickhouse().schema_editor() as editor:
            editor.add_field(sample, note)
        stored = models.StringField()
        stored.set_attributes_from_name("note")
        refused = pytest.raises(NotSupportedError, match="Remove the field in one migration")
        with refused, clickhouse().schema_editor() as editor:
            editor.alter_field(sample, note, stored)
        after = described("testapp_sample")
        assert after.pop("note")[0] == "EPHEMERAL"
        assert after == before


# -- inspectdb ----------------------------------------------------------------------------


def test_inspectdb_writes_the_options_that_make_the_same_columns():
    with table_for(Metric):
        source, model = inspected("testapp_metric")
        assert "codec='Delta(8), ZSTD(3)'" in source
        assert "materialized='toDate(ts)'" in source
        assert "ephemeral=True" in source
        with created_as(model, "inspected_metric"):
            copy, original = described("inspected_metric"), described("testapp_metric")
            # Django's inspectdb writes no db_default: shout's DEFAULT is not given back.
            del copy["shout"], original["shout"]
            assert copy == original
            assert column_line("inspected_metric", "value") == column_line(
                "testapp_metric", "value"
            )


# -- mistakes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"materialized": "1", "alias": "2"}, ValueError, "materialized= and alias= cannot"),
        ({"materialized": "a", "default": 1}, ValueError, "default= and materialized="),
        ({"alias": "a", "db_default": 1}, ValueError, "db_default= and alias="),
        ({"codec": "zstd"}, ValueError, "ClickHouse spells it ZSTD"),
        ({"codec": "Brotli"}, ValueError, "names no ClickHouse codec 'Brotli'"),
        ({"codec": "ZSTD(3); DROP TABLE x"}, ValueError, "is not a chain of codecs"),
        ({"codec": "ZSTD(a)"}, ValueError, "is not a chain of codecs"),
        ({"codec": 3}, TypeError, "codec= takes codec text"),
        ({"alias": "a", "codec": "ZSTD"}, ValueError, "an ALIAS column is not stored"),
        ({"ephemeral": True, "ttl": "d"}, ValueError, "an EPHEMERAL column is not stored"),
        ({"materialized": ""}, ValueError, "materialized= takes SQL text"),
        ({"ttl": 5}, TypeError, "takes SQL text or a Django expression"),
        ({"materialized": "a", "primary_key": True}, ValueError, "primary key cannot be"),
    ],
)
def test_mistakes_are_refused_when_the_field_is_made(options, error, message):
    with pytest.raises(error, match=message):
        models.Int64Field(**options)


def test_codecs_clickhouse_refuses_for_the_type_name_the_column():
    """A codec that does not suit the type (T64 of floats) is ClickHouse's to refuse."""

    class Bad(models.ClickhouseModel):
        value = models.Float64Field(codec="T64")

        class Meta:
            app_label = "testapp"
            apps = Apps()

    refused = pytest.raises(DatabaseError, match="T64 codec is not supported for specified type")
    with refused, table_for(Bad):
        pass


# -- Django's GeneratedField --------------------------------------------------------------


class Priced(models.Model):
    price = models.Int64Field()
    quantity = models.Int64Field()
    total = models.GeneratedField(
        expression=F("price") * F("quantity"), output_field=models.Int64Field(), db_persist=True
    )
    half = models.GeneratedField(
        expression=F("price") * 0.5, output_field=models.Float64Field(), db_persist=False
    )

    class Meta:
        app_label = "testapp"
        apps = Apps()


def test_djangos_generated_field_is_a_materialized_or_alias_column():
    with table_for(Priced) as objects:
        columns = described("testapp_priced")
        assert columns["total"][0] == "MATERIALIZED"
        assert columns["half"][0] == "ALIAS"
        made = objects.create(price=3, quantity=4)
        assert (made.total, made.half) == (12, 1.5)
        objects.update(quantity=5)
        assert objects.values_list("total", "half").get() == (15, 1.5)


# -- engine changes -----------------------------------------------------------------------


def test_a_table_with_computed_columns_is_rebuilt_with_its_rows():
    """A rebuild (AlterModelEngine) copies the stored columns: an ALIAS column takes no
    INSERT and an EPHEMERAL one no SELECT."""
    sample, _ = sample_models()
    note = models.StringField(ephemeral=True)
    minute = models.Int64Field(alias="toMinute(ts)")
    state = state_of(sample)
    state.models["testapp", "sample"].fields.update(note=note, minute=minute)
    operation = models.AlterModelEngine("Sample", models.MergeTree(order_by=("hour", "id")))
    new_state = state.clone()
    operation.state_forwards("testapp", new_state)
    with table_for(state.apps.get_model("testapp", "Sample")) as objects:
        objects.create(ts=MOMENT, value=1.0, hour=7, note="x")
        with clickhouse().schema_editor() as editor:
            operation.database_forwards("testapp", editor, state, new_state)
        assert "ORDER BY (hour, id)" in raw("SHOW CREATE TABLE testapp_sample")[0][0]
        assert raw("SELECT day, hour, minute FROM testapp_sample") == [
            (datetime.date(2024, 5, 1), 7, 30)
        ]
        with clickhouse().schema_editor() as editor:
            operation.database_backwards("testapp", editor, new_state, state)
        assert raw("SELECT day, hour, minute FROM testapp_sample") == [
            (datetime.date(2024, 5, 1), 7, 30)
        ]

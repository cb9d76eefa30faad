"""Materialized views and dictionaries made by migrations (clickhouse_backend.models.
migrations), on the suite's engine: migrate forwards and back, rows flowing through a
view, dictionary lookups, sqlmigrate's DDL run by ClickHouse, inspectdb, flush, and the
errors a wrong operation gets.

tests/views_app is installed by the ``views_app`` fixture only, with the project's own
router, and migrated to zero after each test.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.apps.registry import Apps
from django.core.management import call_command
from django.db import DatabaseError, NotSupportedError, connections
from django.db.migrations import Migration
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.state import ModelState, ProjectState
from django.db.models import Count, Sum

from clickhouse_backend import models
from clickhouse_backend.driver.escape import quote_string
from clickhouse_backend.models import migrations as ch_migrations

pytestmark = pytest.mark.django_db(databases=["default", "clickhouse"], transaction=True)

DAY = datetime.date(2024, 5, 1)
VIEW, DICTIONARY = "daily_page_views_mv", "country_names"


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, database="clickhouse", stdout=out, **options)
    return out.getvalue()


def query(sql: str, params=()) -> list[tuple]:
    with connections["clickhouse"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str) -> None:
    with connections["clickhouse"].cursor() as cursor:
        cursor.execute(sql)


def kinds() -> dict[str, str]:
    """{name: engine} of the views and dictionaries of the test database."""
    return dict(
        query(
            "SELECT name, engine FROM system.tables WHERE database = currentDatabase() "
            "AND (engine LIKE '%%View' OR engine = 'Dictionary')"
        )
    )


@pytest.fixture
def views_app(settings):
    """tests/views_app installed and migrated (its tables, view and dictionary)."""
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "views_app"]
    settings.DATABASE_ROUTERS = [
        "clickhouse_backend.routers.ClickHouseRouter",
        *settings.DATABASE_ROUTERS,
    ]
    run("migrate", "views_app", verbosity=0)
    from views_app import models as app_models

    yield app_models
    run("migrate", "views_app", "zero", verbosity=0)


def page_views(app_models, *pages: str) -> None:
    app_models.PageView.objects.bulk_create(
        [app_models.PageView(day=DAY, page=page, country=1) for page in pages]
    )


def daily(app_models) -> dict[str, int]:
    """Views per page that the view wrote (SummingMergeTree rows not merged yet: sum)."""
    rows = app_models.DailyPageViews.objects.values("page").annotate(n=Sum("views"))
    return {row["page"]: row["n"] for row in rows}


# -- migrate forwards and backwards -------------------------------------------------------


def test_migrate_creates_the_view_and_the_dictionary_and_unapplying_drops_them(views_app):
    assert kinds() == {VIEW: "MaterializedView", DICTIONARY: "Dictionary"}
    run("migrate", "views_app", "0001", verbosity=0)
    assert kinds() == {}
    assert "daily_page_views_mv" not in connections["clickhouse"].introspection.table_names(
        include_views=True
    )
    run("migrate", "views_app", verbosity=0)
    assert kinds() == {VIEW: "MaterializedView", DICTIONARY: "Dictionary"}


def test_rows_inserted_into_the_source_reach_the_target_through_the_view(views_app):
    page_views(views_app, "home", "home", "about")
    page_views(views_app, "home")
    assert daily(views_app) == {"home": 3, "about": 1}
    assert set(views_app.DailyPageViews.objects.values_list("day", flat=True)) == {DAY}


def test_populate_copies_what_the_source_held_before_the_view(views_app):
    run("migrate", "views_app", "0001", verbosity=0)
    page_views(views_app, "before", "before")
    run("migrate", "views_app", verbosity=0)
    page_views(views_app, "after")
    assert daily(views_app) == {"before": 2, "after": 1}


def test_populating_a_target_that_holds_rows_is_refused_before_anything_runs(views_app):
    """Unapplying a populated view keeps the rows it wrote in the target; applying it
    again would copy the source's rows in a second time. It is refused, nothing is
    created, and once the target is emptied the view is applied with each row once."""
    page_views(views_app, "home", "home", "about")
    run("migrate", "views_app", "0001", verbosity=0)
    with pytest.raises(DatabaseError) as refused:
        run("migrate", "views_app", verbosity=0)
    assert str(refused.value).startswith(
        "CreateMaterializedView 'daily_page_views_mv': populate=True would copy the query's "
        "rows into table views_app_dailypageviews, which already holds 2 rows"
    )
    assert "DailyPageViews.objects.all().delete()" in str(refused.value)
    assert kinds() == {}
    assert daily(views_app) == {"home": 2, "about": 1}
    views_app.DailyPageViews.objects.all().delete()
    run("migrate", "views_app", verbosity=0)
    assert daily(views_app) == {"home": 2, "about": 1}


def test_the_dictionary_is_read_with_dictget_and_through_an_unmanaged_model(views_app):
    views_app.Country.objects.bulk_create(
        [
            views_app.Country(code=1, name="France", population=68_000_000),
            views_app.Country(code=2, name="Iceland", population=None),
        ]
    )
    page_views(views_app, "home")
    named = views_app.PageView.objects.annotate(
        country_name=models.dictGet(
            DICTIONARY, "name", "country", output_field=models.StringField()
        ),
        known=models.dictHas(DICTIONARY, "country"),
        other=models.dictGetOrDefault(
            DICTIONARY,
            "name",
            models.Value(9),
            models.Value("?"),
            output_field=models.StringField(),
        ),
    )
    assert list(named.values_list("country_name", "known", "other")) == [("France", True, "?")]
    rows = views_app.CountryName.objects.order_by("code").values_list("code", "name", "population")
    assert list(rows) == [(1, "France", 68_000_000), (2, "Iceland", None)]


# -- sqlmigrate, inspectdb, flush -----------------------------------------------------------


def test_sqlmigrate_shows_ddl_that_clickhouse_runs(views_app):
    """The DDL sqlmigrate prints, run as it is, makes a working view and dictionary."""
    run("migrate", "views_app", "0001", verbosity=0)
    page_views(views_app, "old")
    sql = run("sqlmigrate", "views_app", "0002")
    statements = [
        line.rstrip(";") for line in sql.splitlines() if line and not line.startswith("--")
    ]
    assert [s.split(" ", 3)[:3] for s in statements] == [
        ["CREATE", "MATERIALIZED", "VIEW"],
        ["INSERT", "INTO", '"views_app_dailypageviews"'],
        ["CREATE", "DICTIONARY", '"country_names"'],
    ]
    for statement in statements:
        execute(statement)
    run("migrate", "views_app", "0002", fake=True, verbosity=0)
    page_views(views_app, "new")
    assert daily(views_app) == {"old": 1, "new": 1}
    assert kinds() == {VIEW: "MaterializedView", DICTIONARY: "Dictionary"}
    backwards = run("sqlmigrate", "views_app", "0002", backwards=True)
    assert 'DROP VIEW "daily_page_views_mv";' in backwards
    assert 'DROP DICTIONARY "country_names";' in backwards


def test_inspectdb_writes_unmanaged_models_that_read_the_view_and_the_dictionary(views_app):
    views_app.Country.objects.create(code=3, name="Chile", population=19_000_000)
    page_views(views_app, "home", "home")
    source = run("inspectdb", VIEW, DICTIONARY, include_views=True)
    assert "# Created from a materialized view" in source
    assert "# Created from a dictionary" in source
    assert source.count("        managed = False") == 2
    inspected = Apps()
    source = source.replace(
        "        managed = False",
        "        app_label = 'inspected'\n        apps = APPS\n        managed = False",
    )
    namespace = {"APPS": inspected, "__name__": "inspected.models"}
    exec(compile(source, "inspected", "exec"), namespace)
    view_model = namespace["DailyPageViewsMv"]
    dictionary_model = namespace["CountryNames"]
    assert list(view_model.objects.using("clickhouse").values_list("page", "views")) == [
        ("home", 2)
    ]
    assert list(dictionary_model.objects.using("clickhouse").values_list("code", "name")) == [
        (3, "Chile")
    ]
    # The dictionary's key is the model's primary key (else Django adds an id column
    # that the dictionary lacks, and every query of whole rows fails).
    assert dictionary_model._meta.pk.name == "code"
    assert [(row.pk, row.name) for row in dictionary_model.objects.using("clickhouse")] == [
        (3, "Chile")
    ]


def test_flush_empties_the_target_and_keeps_the_view_and_the_dictionary(views_app):
    """What TransactionTestCase does between tests: the target table is emptied; the
    view and the dictionary hold no rows of their own and are left alone (ClickHouse
    cannot TRUNCATE a dictionary)."""
    page_views(views_app, "home")
    run("flush", interactive=False, verbosity=0)
    assert daily(views_app) == {}
    assert kinds() == {VIEW: "MaterializedView", DICTIONARY: "Dictionary"}
    page_views(views_app, "home")
    assert daily(views_app) == {"home": 1}


def test_after_a_flush_the_dictionary_reads_its_source_again(views_app):
    """A loaded dictionary keeps its rows until its LIFETIME: without the flush
    reloading it, a test would read the rows of the test before it."""

    def country_name() -> str:
        named = views_app.PageView.objects.annotate(
            name=models.dictGet(DICTIONARY, "name", "country", output_field=models.StringField())
        )
        return named.values_list("name", flat=True).get()

    views_app.Country.objects.create(code=1, name="France")
    page_views(views_app, "home")
    assert country_name() == "France"  # loaded now
    run("flush", interactive=False, verbosity=0)
    views_app.Country.objects.create(code=1, name="Peru")
    page_views(views_app, "home")
    assert country_name() == "Peru"
    assert kinds() == {VIEW: "MaterializedView", DICTIONARY: "Dictionary"}


def test_views_and_dictionaries_are_views_to_introspection(views_app):
    tables = {
        info.name: info.type
        for info in connections["clickhouse"].introspection.get_table_list(
            connections["clickhouse"].cursor()
        )
    }
    assert tables[VIEW] == tables[DICTIONARY] == "v"
    assert tables["views_app_dailypageviews"] == "t"


# -- operations applied directly ----------------------------------------------------------


def apply(operation, state, backwards=False, alias="clickhouse", collect=False):
    """Run one operation as migrate (or sqlmigrate, ``collect``) does; the SQL it ran."""
    connection = connections[alias] if isinstance(alias, str) else alias
    with connection.schema_editor(collect_sql=collect) as editor:
        if backwards:
            operation.database_backwards("views_app", editor, state, state)
        else:
            operation.database_forwards("views_app", editor, state, state)
    return editor.collected_sql if collect else None


def test_a_filter_value_is_rendered_as_a_literal_in_the_view_query(views_app):
    """A value that tries to end the string and add SQL is one string literal of the
    view's SELECT: only rows with exactly that page reach the target."""
    evil = "x' OR 1=1) --\\'; DROP TABLE views_app_pageview; --"
    operation = ch_migrations.CreateMaterializedView(
        "evil_mv",
        to="views_app.DailyPageViews",
        query=views_app.PageView.objects.filter(page=evil)
        .values("day", "page")
        .annotate(views=Count("*")),
    )
    state = ProjectState.from_apps(views_app.PageView._meta.apps)
    (sql,) = apply(operation, state, collect=True)
    assert f'WHERE "views_app_pageview"."page" = {quote_string(evil)} ' in sql
    try:
        apply(operation, state)
        page_views(views_app, "home", evil)
        # The app's own view counts each row, evil_mv only the evil one.
        assert daily(views_app) == {"home": 1, evil: 2}
    finally:
        apply(operation, state, backwards=True)
    assert "evil_mv" not in kinds()


def test_drop_operations_are_reversed_by_creating_again(views_app):
    state = ProjectState.from_apps(views_app.PageView._meta.apps)
    drop_view = ch_migrations.DropMaterializedView(
        VIEW,
        to="views_app.DailyPageViews",
        query="SELECT day, page, count() AS views FROM views_app_pageview GROUP BY day, page",
    )
    drop_dictionary = ch_migrations.DropDictionary(
        DICTIONARY, source="views_app.Country", primary_key="code"
    )
    apply(drop_view, state)
    apply(drop_dictionary, state)
    assert kinds() == {}
    apply(drop_view, state, backwards=True)
    apply(drop_dictionary, state, backwards=True)
    assert kinds() == {VIEW: "MaterializedView", DICTIONARY: "Dictionary"}
    page_views(views_app, "home")
    assert daily(views_app) == {"home": 1}


def test_a_drop_without_the_definition_cannot_be_unapplied(views_app):
    state = ProjectState.from_apps(views_app.PageView._meta.apps)
    target = "views_app.DailyPageViews"
    apply(
        ch_migrations.CreateMaterializedView(
            "extra_mv", to=target, query="SELECT page FROM views_app_pageview"
        ),
        state,
    )
    migration = Migration("0003_drop", "views_app")
    migration.operations = [ch_migrations.DropMaterializedView("extra_mv", to=target)]
    with connections["clickhouse"].schema_editor() as editor:
        migration.apply(state, editor)
        assert "extra_mv" not in kinds()
        with pytest.raises(IrreversibleError, match="DropMaterializedView"):
            migration.unapply(state, editor)


def test_operations_run_only_where_the_routers_send_their_model(views_app):
    """A view whose target the routers keep off ClickHouse is not made there, and on
    another database (here ``default``) the operation does nothing."""
    state = ProjectState()
    state.add_model(
        ModelState("elsewhere", "Target", [("id", models.BigAutoField(primary_key=True))])
    )
    operation = ch_migrations.CreateMaterializedView(
        "routed_mv", to="elsewhere.Target", query="SELECT 1 AS id"
    )
    assert apply(operation, state, collect=True) == []
    app_state = ProjectState.from_apps(views_app.PageView._meta.apps)
    on_default = ch_migrations.CreateDictionary(
        "nowhere", source="views_app.Country", primary_key="code"
    )
    assert apply(on_default, app_state, alias="default", collect=True) == []


def test_a_clustered_model_gets_on_cluster_and_the_embedded_engine_refuses_it(views_app):
    """sqlmigrate shows ON CLUSTER as a server runs it; the embedded engine refuses to
    run it, naming the model (without it, chDB's own error about clusters)."""
    apps = Apps()
    attrs = {"app_label": "views_app", "apps": apps, "cluster": "analytics"}
    clustered = type(
        "Clustered",
        (models.ClickhouseModel,),
        {
            "__module__": __name__,
            "Meta": type("Meta", (), attrs),
            "code": models.UInt64Field(primary_key=True),
            "name": models.StringField(),
        },
    )
    state = ProjectState()
    state.add_model(ModelState.from_model(clustered))
    view = ch_migrations.CreateMaterializedView(
        "clustered_mv", to="views_app.Clustered", query="SELECT 1 AS code"
    )
    dictionary = ch_migrations.CreateDictionary(
        "clustered_names", source="views_app.Clustered", primary_key="code"
    )
    for operation in (view, dictionary):
        collected = apply(operation, state, collect=True)
        assert ' ON CLUSTER "analytics"' in collected[0]
        with pytest.raises(
            NotSupportedError, match=r"views_app\.Clustered has Meta\.cluster = 'analytics'"
        ):
            apply(operation, state)


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda: ch_migrations.CreateMaterializedView("v", to="Target", query="SELECT 1"),
            TypeError,
            "'app_label.ModelName'",
        ),
        (
            lambda: ch_migrations.CreateMaterializedView("", to="a.B", query="SELECT 1"),
            TypeError,
            "needs a name",
        ),
        (
            lambda: ch_migrations.CreateMaterializedView("v", to="a.B", query=" "),
            ValueError,
            "query is empty",
        ),
        (
            lambda: ch_migrations.CreateMaterializedView("v", to="a.B", query=42),
            TypeError,
            "QuerySet or SQL text",
        ),
        (
            lambda: ch_migrations.CreateMaterializedView(
                "v", to="a.B", query="SELECT 1", populate=True
            ),
            TypeError,
            "populate=True needs the query as a QuerySet",
        ),
        (
            lambda: ch_migrations.CreateDictionary("d", source="a.B", primary_key=[]),
            ValueError,
            "primary_key names no field",
        ),
        (
            lambda: ch_migrations.CreateDictionary(
                "d", source="a.B", primary_key="k", lifetime=(5, 1)
            ),
            ValueError,
            "lifetime is seconds",
        ),
        (
            lambda: ch_migrations.CreateDictionary(
                "d", source="a.B", primary_key="k", layout="HASHED()"
            ),
            ValueError,
            "name of a ClickHouse dictionary layout",
        ),
    ],
)
def test_wrong_arguments_are_refused_by_name(make, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_a_missing_model_or_field_is_named_before_any_ddl(views_app):
    state = ProjectState.from_apps(views_app.PageView._meta.apps)
    missing = ch_migrations.CreateMaterializedView("v", to="views_app.Nothing", query="SELECT 1")
    with pytest.raises(
        LookupError, match=r"'views_app\.Nothing' names no model of the migration state"
    ):
        apply(missing, state)
    field = ch_migrations.CreateDictionary("d", source="views_app.Country", primary_key="iso")
    with pytest.raises(ValueError, match=r"views_app\.Country has no column field 'iso'"):
        apply(field, state)
    assert "v" not in kinds() and "d" not in kinds()


def test_a_view_over_a_model_of_another_database_is_refused_by_name(views_app):
    """auth.User lives on ``default``: ClickHouse would answer with an unknown table."""
    from django.contrib.auth.models import User

    state = ProjectState.from_apps(views_app.PageView._meta.apps)
    operation = ch_migrations.CreateMaterializedView(
        "users_mv", to="views_app.Country", query=User.objects.values("id", "username")
    )
    with pytest.raises(
        ValueError,
        match=r"'users_mv': its query reads auth\.User \(table auth_user\), which the "
        r"routers keep off the ClickHouse database 'clickhouse'",
    ):
        apply(operation, state, collect=True)
    assert "users_mv" not in kinds()


def test_dictget_without_output_field_asks_for_it(views_app):
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError, match="give output_field="):
        list(views_app.PageView.objects.annotate(n=models.dictGet(DICTIONARY, "name", "country")))


def test_a_dictionary_by_a_string_or_several_fields_gets_a_complex_key(views_app):
    """Without a layout, a key that is not one integer gets complex_key_hashed (HASHED
    takes one UInt64 key only), and is looked up by a tuple."""
    views_app.Country.objects.create(code=7, name="Peru", population=34_000_000)
    state = ProjectState.from_apps(views_app.PageView._meta.apps)
    by_name = ch_migrations.CreateDictionary(
        "codes_by_name", source="views_app.Country", primary_key="name", attributes=["code"]
    )
    by_both = ch_migrations.CreateDictionary(
        "people_by_code_and_name", source="views_app.Country", primary_key=["code", "name"]
    )
    (by_name_sql,) = apply(by_name, state, collect=True)
    assert '("name" String, "code" UInt16) PRIMARY KEY "name"' in by_name_sql
    assert "LAYOUT(COMPLEX_KEY_HASHED())" in by_name_sql
    try:
        apply(by_name, state)
        apply(by_both, state)
        looked_up = views_app.Country.objects.annotate(
            by_name=models.dictGet(
                "codes_by_name",
                "code",
                models.Tuple("name"),
                output_field=models.UInt16Field(),
            ),
            by_both=models.dictGet(
                "people_by_code_and_name",
                "population",
                models.Tuple("code", "name"),
                output_field=models.UInt64Field(null=True),
            ),
        )
        assert list(looked_up.values_list("by_name", "by_both")) == [(7, 34_000_000)]
    finally:
        apply(by_both, state, backwards=True)
        apply(by_name, state, backwards=True)

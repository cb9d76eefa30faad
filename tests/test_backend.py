"""The Django backend's connection layer: settings, sessions, transactions, dbshell."""

import shutil

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import NotSupportedError, connections, transaction
from django.db.utils import ConnectionHandler
from django.test.utils import CaptureQueriesContext

from clickhouse_backend.backend.base import DJANGO_SEMANTICS

ENGINE = "clickhouse_backend.backend"


def wrapper(alias="extra", **entry):
    """A DatabaseWrapper for one DATABASES entry, with Django's defaults filled in."""
    handler = ConnectionHandler({"default": {}, alias: {"ENGINE": ENGINE, **entry}})
    return handler[alias]


@pytest.fixture
def unblocked(django_db_blocker):
    """Let a test open backend connections itself (pytest-django blocks them otherwise)."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def clickhouse(unblocked):
    connection = connections["clickhouse"]
    yield connection
    connection.close()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"embeded": ":memory:"}, r"\['OPTIONS'\]\['embeded'\] is not a ClickHouse option"),
        ({"settings": ["max_threads"]}, r"\['settings'\] must be Mapping"),
        ({"pool": "yes"}, r"\['pool'\] must be bool or Mapping"),
        ({"pool": {"max": 3}}, r"\['pool'\]\['max'\] is not a ClickHouse option"),
        ({"pool": {"max_size": "3"}}, r"\['max_size'\] must be int"),
        ({"connect_timeout": "5"}, r"\['connect_timeout'\] must be int or float"),
        ({"secure": 1}, r"\['secure'\] must be bool"),
        ({"settings": {"max threads": 1}}, "not a setting name"),
        ({"embedded": ":memory:", "pool": True}, "pool is only for a server: remove it"),
        ({"embedded": ":memory:", "dsn": "clickhouse://h"}, "dsn is only for a server: remove it"),
        (
            {"embedded": ":memory:", "pool": True, "secure": True},
            "pool, secure are only for a server: remove them",
        ),
        ({"connect_timeout": -1}, r"connect_timeout must be a number of seconds more than 0"),
        ({"send_receive_timeout": 0}, "send_receive_timeout must be .* more than 0, not 0"),
        ({"compression": "gzip"}, "compression must be True, False or one of lz4"),
        ({"insert_block_size": 0}, "insert_block_size must be at least 1"),
        ({"pool": {"min_size": 5, "max_size": 2}}, "min_size <= max_size"),
        ({"pool": {"max_size": 0}}, "max_size >= 1"),
        ({"pool": {"min_size": 20}}, r"min_size=20, max_size=10"),
        ({"pool": {"timeout": -1}}, "pool timeout must be .* at least 0"),
        ({"dsn": "clickhouse://h/db?compression=brotli"}, "compression must be True, False"),
        ({"dsn": "clickhouse://h/db?connect_timeout=soon"}, "connect_timeout='soon'"),
        ({"dsn": "clickhouse://h/db?connect_timeout=0"}, "connect_timeout must be .* than 0"),
        ({"dsn": "postgres://h/db"}, "a DSN starts with clickhouse://"),
    ],
)
def test_bad_options_name_the_key(options, message):
    """A misspelt or mistyped OPTIONS key is ImproperlyConfigured naming it."""
    with pytest.raises(ImproperlyConfigured, match=message):
        wrapper(OPTIONS=options)


def test_conflicting_addresses_are_refused():
    """HOST with an embedded engine, or with a DSN, is ambiguous and refused."""
    with pytest.raises(ImproperlyConfigured, match="HOST is only for a server: remove it"):
        wrapper(HOST="db", OPTIONS={"embedded": ":memory:"})
    with pytest.raises(ImproperlyConfigured, match="both OPTIONS\\['dsn'\\] and HOST"):
        wrapper(HOST="db", OPTIONS={"dsn": "clickhouse://other/db"})
    with pytest.raises(ImproperlyConfigured, match="\\['TEST'\\]\\['managed'\\] must be bool"):
        wrapper(OPTIONS={"embedded": ":memory:"}, TEST={"managed": "yes"})


def test_a_database_time_zone_is_refused_with_the_alternative():
    """Django's DATABASES TIME_ZONE means naive storage in that zone, which ClickHouse's
    DateTime is not: refused rather than ignored. UTC (what is stored) is accepted."""
    with pytest.raises(ImproperlyConfigured, match=r"\['TIME_ZONE'\] = 'Asia/Bangkok'.*timezone="):
        wrapper(OPTIONS={"embedded": ":memory:"}, TIME_ZONE="Asia/Bangkok")
    assert wrapper(OPTIONS={"embedded": ":memory:"}, TIME_ZONE="UTC").settings_dict["TIME_ZONE"]


def test_connection_parameters_from_settings():
    """HOST/PORT/USER/PASSWORD/NAME and native OPTIONS become connect() arguments."""
    params = wrapper(
        NAME="analytics",
        HOST="ch.internal",
        PORT="9440",
        USER="app",
        PASSWORD="secret",
        OPTIONS={"secure": True, "connect_timeout": 3, "settings": {"join_use_nulls": 0}},
    ).get_connection_params()
    assert params == {
        "database": "analytics",
        "host": "ch.internal",
        "port": 9440,
        "user": "app",
        "password": "secret",
        "secure": True,
        "connect_timeout": 3,
        "settings": {
            "join_use_nulls": 0,
            "aggregate_functions_null_for_empty": 1,
            "mutations_sync": 1,
            "union_default_mode": "DISTINCT",
            "intersect_default_mode": "DISTINCT",
            "except_default_mode": "DISTINCT",
            "max_query_size": 64 * 1024 * 1024,
            "use_variant_as_common_type": 0,
            "input_format_try_infer_dates": 0,
            "input_format_try_infer_datetimes": 0,
            "session_timezone": "UTC",
        },
    }
    without = wrapper(OPTIONS={"embedded": ":memory:", "settings": {"join_use_nulls": None}})
    assert "join_use_nulls" not in without.get_connection_params()["settings"]
    from_dsn = wrapper(OPTIONS={"dsn": "clickhouse://u:p@h:9000/logs"}).get_connection_params()
    assert from_dsn["dsn"] == "clickhouse://u:p@h:9000/logs" and "database" not in from_dsn


def test_vendor_and_cursor(clickhouse):
    """connections["clickhouse"] runs SQL with Django's %s parameters."""
    assert (clickhouse.vendor, clickhouse.display_name) == ("clickhouse", "ClickHouse")
    with clickhouse.cursor() as cursor:
        cursor.execute("SELECT %s, %s", ["text", 5])
        assert cursor.fetchall() == [("text", 5)]
    assert clickhouse.get_database_version() >= (24, 8)
    assert clickhouse.is_usable()


def test_logged_sql_is_the_statement_as_sent(clickhouse):
    """connection.queries shows what ran: parameters filled in by the driver's escaping,
    and what an execute_wrapper changed."""

    def comment(execute, sql, params, many, context):
        return execute(f"/* traced */ {sql}", params, many, context)

    with CaptureQueriesContext(clickhouse) as queries:
        with clickhouse.execute_wrapper(comment), clickhouse.cursor() as cursor:
            cursor.execute("SELECT %s, %s", ["it's", 5])
        with clickhouse.cursor() as cursor:
            cursor.execute("SELECT 1")
    assert [query["sql"] for query in queries] == [
        "/* traced */ SELECT 'it\\'s', 5",
        "SELECT 1",
    ]


def test_session_settings_give_django_semantics(clickhouse):
    """Aggregates over no rows are NULL and outer joins fill with NULL, as Django expects."""
    with clickhouse.cursor() as cursor:
        cursor.execute("SELECT count(), sum(number), max(number) FROM numbers(0)")
        assert cursor.fetchone() == (0, None, None)
        cursor.execute(
            "SELECT b.y FROM (SELECT 1 AS x) AS a "
            "LEFT JOIN (SELECT 2 AS x, 5 AS y) AS b ON a.x = b.x"
        )
        assert cursor.fetchone() == (None,)


def test_session_settings_can_be_overridden(unblocked):
    """OPTIONS["settings"] wins over the backend's defaults."""
    connection = wrapper(
        OPTIONS={"embedded": ":memory:", "settings": {"aggregate_functions_null_for_empty": 0}}
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT sum(number) FROM numbers(0)")
            assert cursor.fetchone() == (0,)
    finally:
        connection.close()


def test_atomic_blocks_are_allowed_and_do_nothing(clickhouse):
    """atomic() works; what was written stays written, even when the block fails."""
    with clickhouse.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS atomic_test (a Int8) ENGINE = Memory")
    try:
        with pytest.raises(ZeroDivisionError), transaction.atomic(using="clickhouse"):
            clickhouse.cursor().execute("INSERT INTO atomic_test VALUES (1)")
            1 / 0  # noqa: B018
        with clickhouse.cursor() as cursor:
            cursor.execute("SELECT count() FROM atomic_test")
            assert cursor.fetchone() == (1,)
        assert not clickhouse.features.supports_transactions
    finally:
        clickhouse.cursor().execute("DROP TABLE atomic_test")


def test_close_and_reconnect(clickhouse):
    """close() drops the session; the next cursor opens a new one."""
    clickhouse.cursor().execute("SELECT 1")
    first = clickhouse.connection
    clickhouse.close()
    assert clickhouse.connection is None and first.closed
    with clickhouse.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)
    assert clickhouse.connection is not first


def test_chunked_cursor_streams(clickhouse):
    """QuerySet.iterator()'s cursor reads block by block."""
    cursor = clickhouse.chunked_cursor()
    cursor.execute("SELECT number FROM numbers(300000)")
    assert cursor.cursor.stream is True
    assert sum(1 for _ in cursor) == 300000


def test_tables_are_introspected(clickhouse):
    """table_names() lists the current database's tables and views."""
    with clickhouse.cursor() as cursor:
        cursor.execute("CREATE TABLE introspected (a Int8) ENGINE = Memory")
        cursor.execute("CREATE VIEW introspected_view AS SELECT a FROM introspected")
    try:
        with clickhouse.cursor() as cursor:
            tables = clickhouse.introspection.get_table_list(cursor)
        assert ("introspected", "t") in [(t.name, t.type) for t in tables]
        assert ("introspected_view", "v") in [(t.name, t.type) for t in tables]
    finally:
        clickhouse.cursor().execute("DROP VIEW introspected_view")
        clickhouse.cursor().execute("DROP TABLE introspected")


def test_too_old_server_is_refused(local_server, unblocked):
    """A server older than the minimum is a NotSupportedError naming both versions."""
    old = wrapper(HOST=local_server.host, PORT=local_server.tcp_port)
    with pytest.raises(NotSupportedError, match=r"ClickHouse 24\.8 or later .*found 18\.16"):
        old.ensure_connection()
    assert old.connection is None


@pytest.mark.parametrize(
    "entry",
    [
        {"PORT": "http_port", "OPTIONS": {"interface": "http"}},
        {"OPTIONS": {"dsn": "http://{host}:{http_port}/default"}},
        {"PORT": "https_port", "OPTIONS": {"interface": "http", "secure": True, "ca_certs": ""}},
        {"PORT": "http_port", "OPTIONS": {"interface": "http", "compression": "zstd"}},
    ],
    ids=["interface", "dsn", "https", "zstd"],
)
def test_the_backend_reaches_a_server_over_http(local_server, unblocked, entry):
    """OPTIONS["interface"] = "http" (or an http:// DSN) takes the HTTP transport: the
    backend connects and reads the server's version, which it then refuses as too old
    (18.16; the ORM needs 24.8), as over TCP."""
    ports = {name: getattr(local_server, name) for name in ("http_port", "https_port")}
    options = dict(entry["OPTIONS"])
    if "dsn" in options:
        options["dsn"] = options["dsn"].format(host=local_server.host, **ports)
    if "ca_certs" in options:
        options["ca_certs"] = str(local_server.certificate)
    address = {"PORT": ports[entry["PORT"]]} if "PORT" in entry else {}
    host = "127.0.0.1" if "ca_certs" in options else local_server.host  # the certificate's
    over_http = wrapper(
        **({"HOST": host} if "dsn" not in options else {}), **address, OPTIONS=options
    )
    with pytest.raises(NotSupportedError, match=r"ClickHouse 24\.8 or later .*found 18\.16"):
        over_http.ensure_connection()


def test_pool_option_shares_sessions(local_server, unblocked):
    """OPTIONS["pool"] keeps sessions in one process-wide pool per alias."""
    entry = {
        "HOST": local_server.host,
        "PORT": local_server.tcp_port,
        "OPTIONS": {
            "pool": {"min_size": 1, "max_size": 2, "timeout": 2},
            # None turns a default session setting off: 18.16 does not know these.
            "settings": dict.fromkeys(DJANGO_SEMANTICS),
        },
    }
    first = wrapper("pooled", **entry)
    try:
        pool = first.pool
        assert pool is wrapper("pooled", **entry).pool
        assert (pool.size, pool.max_size) == (1, 2)
        session = pool.connect()
        assert session.server_version[:2] == (18, 16)
        session.close()
        assert pool.idle == 1
    finally:
        first.close_pool()


def test_dbshell_runs_clickhouse_client(local_server, capfd):
    """dbshell runs clickhouse-client against the configured server."""
    if shutil.which("clickhouse-client") is None:
        pytest.skip("clickhouse-client is not installed (apt-get install clickhouse-client)")
    connections.settings["shell"] = {
        "ENGINE": ENGINE,
        "NAME": "system",
        "HOST": local_server.host,
        "PORT": local_server.tcp_port,
    }
    try:
        call_command("dbshell", "--database", "shell", "--", "--query", "SELECT 6 * 7")
    finally:
        del connections.settings["shell"]
    assert capfd.readouterr().out.strip() == "42"


def test_dbshell_on_the_embedded_engine_says_what_to_do(clickhouse):
    """The embedded engine has no client to start: dbshell explains how to query it."""
    with pytest.raises(CommandError, match=r"manage\.py shell"):
        call_command("dbshell", "--database", "clickhouse")


EVENTS_TABLE = """
CREATE TABLE events (
    id UInt64,
    ts DateTime64(6, 'UTC') COMMENT 'when it happened',
    ip IPv6,
    port UInt16,
    protocol LowCardinality(String),
    amount Decimal(12, 3),
    note Nullable(String),
    code FixedString(3),
    tags Array(String),
    ok Bool,
    INDEX port_index port TYPE minmax GRANULARITY 4,
    CONSTRAINT positive_port CHECK port > 0
) ENGINE = MergeTree ORDER BY id COMMENT 'network events'
"""


@pytest.fixture
def events_table(clickhouse):
    with clickhouse.cursor() as cursor:
        cursor.execute(EVENTS_TABLE)
    yield "events"
    with clickhouse.cursor() as cursor:
        cursor.execute("DROP TABLE events")


def test_table_description(clickhouse, events_table):
    """Columns come back in order with their ClickHouse type, precision and NULL-ability."""
    with clickhouse.cursor() as cursor:
        columns = {
            c.name: c for c in clickhouse.introspection.get_table_description(cursor, "events")
        }
    assert list(columns)[:3] == ["id", "ts", "ip"]
    assert columns["amount"].type_code == "Decimal(12, 3)"
    assert (columns["amount"].precision, columns["amount"].scale) == (12, 3)
    assert columns["note"].null_ok and not columns["id"].null_ok
    assert columns["code"].display_size == 3
    assert columns["ts"].comment == "when it happened"


def test_constraints_keys_and_skip_indexes(clickhouse, events_table):
    """The sorting key, CHECK constraints and skip indexes are introspected."""
    with clickhouse.cursor() as cursor:
        constraints = clickhouse.introspection.get_constraints(cursor, "events")
        assert clickhouse.introspection.get_primary_key_columns(cursor, "events") == ["id"]
    assert constraints["positive_port"]["check"] is True
    assert constraints["positive_port"]["definition"] == "port > 0"
    index = constraints["port_index"]
    assert (index["index"], index["type"], index["columns"]) == (True, "minmax", ["port"])


def test_inspectdb_writes_a_model_that_loads(clickhouse, events_table):
    """inspectdb maps ClickHouse types to fields, in a module that imports (the field types
    themselves are tested in test_fields.py)."""
    import io

    out = io.StringIO()
    call_command("inspectdb", "events", database="clickhouse", stdout=out)
    source = out.getvalue()
    assert "id = models.PositiveBigIntegerField(primary_key=True)" in source
    assert "amount = models.DecimalField(max_digits=12, decimal_places=3)" in source
    assert "note = models.TextField(blank=True, null=True)" in source
    assert "code = clickhouse_backend.models.FixedStringField(max_bytes=3)" in source
    assert "ip = models.GenericIPAddressField()" in source
    assert "tags = clickhouse_backend.models.ArrayField(base_field=models.TextField())" in source
    assert "db_table_comment = 'network events'" in source
    namespace = {"__name__": "inspected.models"}
    exec(
        compile(
            source.replace("class Meta:", "class Meta:\n        app_label = 'inspected'"),
            "inspected",
            "exec",
        ),
        namespace,
    )
    assert namespace["Events"]._meta.db_table == "events"


def test_conn_max_age_and_health_checks(unblocked):
    """CONN_MAX_AGE=0 closes at the end of a request; health checks replace a dead session."""
    short = wrapper(OPTIONS={"embedded": ":memory:"}, CONN_MAX_AGE=0)
    short.cursor().execute("SELECT 1")
    short.close_if_unusable_or_obsolete()  # what Django runs when a request finishes
    assert short.connection is None

    checked = wrapper(OPTIONS={"embedded": ":memory:"}, CONN_MAX_AGE=None, CONN_HEALTH_CHECKS=True)
    try:
        checked.cursor().execute("SELECT 1")
        checked.close_if_unusable_or_obsolete()
        session = checked.connection
        assert session is not None  # persistent: kept between requests
        session.close()  # the session dies behind Django's back
        checked.health_check_done = False  # a new request starts
        with checked.cursor() as cursor:  # the health check replaces it
            cursor.execute("SELECT 2")
            assert cursor.fetchone() == (2,)
        assert checked.connection is not session
    finally:
        checked.close()


def test_test_database_is_created_kept_and_destroyed(unblocked):
    """The creation class makes test_<NAME>, keeps it with keepdb, clobbers it, drops it."""
    connection = wrapper(NAME="creation", OPTIONS={"embedded": ":memory:"})
    creation = connection.creation
    try:
        name = creation._create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        assert name == "test_creation"
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"CREATE TABLE {name}.marker (a Int8) ENGINE = Memory")
        assert creation._create_test_db(verbosity=0, autoclobber=True, keepdb=True) == name
        with connection._nodb_cursor() as cursor:
            cursor.execute("EXISTS TABLE test_creation.marker")
            assert cursor.fetchone() == (1,)  # keepdb kept it
        creation._create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        with connection._nodb_cursor() as cursor:
            cursor.execute("EXISTS TABLE test_creation.marker")
            assert cursor.fetchone() == (0,)  # clobbered: dropped and made anew
        creation._destroy_test_db(name, verbosity=0)
        with connection._nodb_cursor() as cursor:
            cursor.execute("EXISTS DATABASE test_creation")
            assert cursor.fetchone() == (0,)
    finally:
        connection.close()


def test_flush_empties_tables(clickhouse):
    """sql_flush (what TransactionTestCase and flush run) empties every table given:
    tables that hold nothing (Null, Merge) are skipped, a Buffer is flushed into its
    table before that is truncated, so none of its rows arrive afterwards."""
    from django.core.management.color import no_style

    buffer = (
        "Buffer(currentDatabase(), flush_a, 1, 1000, 1000, 10000, 10000, 100000000, 100000000)"
    )
    with clickhouse.cursor() as cursor:
        for table in ("flush_a", "flush_b"):
            cursor.execute(f"CREATE TABLE {table} (a Int8) ENGINE = MergeTree ORDER BY a")
            cursor.execute(f"INSERT INTO {table} VALUES (1), (2)")
        cursor.execute("CREATE TABLE flush_null (a Int8) ENGINE = Null")
        cursor.execute(
            "CREATE TABLE flush_merge (a Int8) ENGINE = Merge(currentDatabase(), '^flush_a$')"
        )
        cursor.execute(f"CREATE TABLE flush_buffer (a Int8) ENGINE = {buffer}")
        cursor.execute("INSERT INTO flush_buffer VALUES (3)")  # held in memory
    tables = ["flush_a", "flush_b", "flush_null", "flush_merge", "flush_buffer"]
    try:
        statements = clickhouse.ops.sql_flush(no_style(), tables)
        clickhouse.ops.execute_sql_flush(statements)
        with clickhouse.cursor() as cursor:
            cursor.execute("OPTIMIZE TABLE flush_buffer")  # what it still held, if anything
            cursor.execute("SELECT (SELECT count() FROM flush_a) + (SELECT count() FROM flush_b)")
            assert cursor.fetchone() == (0,)
    finally:
        with clickhouse.cursor() as cursor:
            for table in reversed(tables):
                cursor.execute(f"DROP TABLE {table}")


def test_times_are_fixed_width_text(clickhouse):
    """TimeField values are adapted to HH:MM:SS.ffffff, so text order is time order."""
    import datetime

    adapt = clickhouse.ops.adapt_timefield_value
    assert adapt(datetime.time(9, 5)) == "09:05:00.000000"
    assert adapt(datetime.time(9, 5, 0, 1)) > adapt(datetime.time(9, 5))
    assert adapt(datetime.time(10, 0)) > adapt(datetime.time(9, 59, 59, 999999))
    assert adapt(None) is None


def test_checks_warn_about_what_clickhouse_does_not_enforce(clickhouse):
    """unique, db_index and foreign keys each get one warning with a hint; a plain field none."""
    from django.apps.registry import Apps
    from django.db import models

    registry = Apps()

    class Target(models.Model):
        class Meta:
            app_label = "checks_tests"
            apps = registry

    class Checked(models.Model):
        plain = models.IntegerField()
        code = models.CharField(max_length=5, unique=True)
        indexed = models.IntegerField(db_index=True)
        target = models.ForeignKey(Target, models.CASCADE)
        loose = models.ForeignKey(Target, models.CASCADE, db_constraint=False, related_name="+")

        class Meta:
            app_label = "checks_tests"
            apps = registry

    def ids(name):
        field = Checked._meta.get_field(name)
        return [message.id for message in clickhouse.validation.check_field(field)]

    assert ids("plain") == []
    assert ids("code") == ["clickhouse_backend.W001"]
    assert ids("indexed") == ["clickhouse_backend.W002"]
    assert ids("target") == ["clickhouse_backend.W003"]
    assert ids("loose") == []
    assert ids("id") == []
    [warning] = clickhouse.validation.check_field(Checked._meta.get_field("code"))
    assert "ReplacingMergeTree" in warning.hint


@pytest.mark.parametrize(
    "name", ["events", 'a"b', "back\\slash", '"x" UNION SELECT "y"', '"', '""x""', "%s"]
)
def test_quote_name_gives_one_identifier_that_reads_back_as_the_name(clickhouse, name):
    """A name already quoted is kept; anything else, even if it starts and ends with a
    double quote, is quoted whole, so it can only ever be one identifier."""
    quoted = clickhouse.ops.quote_name(name)
    assert clickhouse.ops.quote_name(quoted) == quoted
    with clickhouse.cursor() as cursor:
        cursor.execute(f"SELECT 1 AS {quoted}".replace("%", "%%"), [])
        assert [column[0] for column in cursor.description] == [name]


def test_machine_id_goes_into_every_generated_id(unblocked):
    """Nodes of a cluster each give their own machine id, so their ids never collide."""
    connection = wrapper(OPTIONS={"embedded": ":memory:", "machine_id": 37})
    try:
        ids = connection.ops.generate_ids(1000)
    finally:
        connection.close()
    assert len(set(ids)) == 1000 and ids == sorted(ids)
    assert {(new_id >> 12) & 1023 for new_id in ids} == {37}
    with pytest.raises(ImproperlyConfigured, match=r"\['machine_id'\] must be from 0 to 1023"):
        wrapper(OPTIONS={"embedded": ":memory:", "machine_id": 1024})


def test_an_empty_migration_cluster_is_refused(unblocked):
    """ON CLUSTER "" would reach the server; Meta.cluster = "" is refused the same way."""
    entry = {"ENGINE": "clickhouse_backend.backend", "HOST": "127.0.0.1"}
    handler = ConnectionHandler(
        {"default": {}, "x": {**entry, "OPTIONS": {"migration_cluster": ""}}}
    )
    with pytest.raises(ImproperlyConfigured, match=r"\['migration_cluster'\] must name a cluster"):
        handler["x"]


@pytest.mark.django_db(databases=["clickhouse"])
def test_a_model_table_not_migrated_names_the_command_to_run():
    """With a router there are two migrates to run; a model's table missing on ClickHouse
    (``migrate --database clickhouse`` forgotten) says which model, and the command. A
    table of no model gets the server's message alone."""
    from django.db import ProgrammingError
    from testapp.models import Tag

    clickhouse = connections["clickhouse"]
    with clickhouse.cursor() as cursor:
        cursor.execute("RENAME TABLE testapp_tag TO testapp_tag_aside")
    try:
        expected = (
            r"The table of testapp.Tag is not in DATABASES\['clickhouse'\]: "
            r"run `manage.py migrate --database clickhouse`"
        )
        with pytest.raises(ProgrammingError, match=expected):
            Tag.objects.count()
        with pytest.raises(ProgrammingError, match=expected):
            Tag.objects.create(label="news")
        with pytest.raises(ProgrammingError, match=expected):
            Tag.objects.filter(label="news").update(label="old")
    finally:
        with clickhouse.cursor() as cursor:
            cursor.execute("RENAME TABLE testapp_tag_aside TO testapp_tag")
    with clickhouse.cursor() as cursor, pytest.raises(ProgrammingError) as raised:
        cursor.execute("SELECT * FROM testapp_tags_of_nobody")
    assert "testapp_tags_of_nobody" in str(raised.value) and "migrate" not in str(raised.value)
    assert Tag.objects.count() == 0
